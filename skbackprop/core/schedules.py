r"""Learning-rate schedules: the step size of every step of a run.

A schedule is one class, registered with ``@SCHEDULES.register``; the
estimators' ``learning_rate`` parameter names it. An optimizer asks its
schedule for the rate of each step (:meth:`Schedule.next_rate`); the
training loop tells the schedule how many steps the run has
(:meth:`Schedule.start`), when an epoch ends, and when the score stops
improving (:meth:`Schedule.on_plateau`).

scikit-learn's three schedules keep its numbers and its rule that they
apply to SGD only: with Adam, ``'invscaling'`` and ``'adaptive'`` train at
the constant ``learning_rate_init``, as in ``MLPClassifier``.
"""

from skbackprop.core.registry import Param, Registered, Registry

__all__ = [
    "SCHEDULES",
    "Adaptive",
    "Constant",
    "InvScaling",
    "Schedule",
    "schedule_for",
]


class Schedule(Registered):
    r"""A learning-rate schedule: the rate :math:`\eta_k` of step ``k``.

    Parameters
    ----------
    learning_rate_init : float, default=0.001
        The initial rate :math:`\eta_0`.

    Attributes
    ----------
    learning_rate : float
        The rate of the last step (before any, :math:`\eta_0`).
    steps : int
        Steps taken since :meth:`start`.
    horizon : int or None
        The number of steps of the run, as given to :meth:`start`.

    Examples
    --------
    A schedule is one registered class; this one halves the rate every ten
    steps:

    >>> from skbackprop.core.schedules import Schedule
    >>> class StepDecay(Schedule):
    ...     name = "step_decay"
    ...     def rate(self, step):
    ...         return self.learning_rate_init * 0.5 ** (step // 10)
    >>> schedule = StepDecay(learning_rate_init=0.1)
    >>> schedule.start(horizon=100)
    >>> [schedule.next_rate() for _ in range(12)][-3:]
    [0.1, 0.05, 0.05]
    """

    parameters = {"learning_rate_init": Param(float, 0, None, closed="neither")}
    #: Names of the optimizers it applies to; None: every stochastic one.
    optimizers = None

    def __init__(self, learning_rate_init=0.001):
        self.learning_rate_init = learning_rate_init
        self.learning_rate = float(learning_rate_init)
        self.steps = 0
        self.horizon = None

    @classmethod
    def from_params(cls, params):
        return cls(learning_rate_init=params["learning_rate_init"])

    def start(self, horizon):
        """Begin a run of ``horizon`` steps (``max_iter`` epochs of batches).

        Parameters
        ----------
        horizon : int
            The number of steps the run takes if it does not stop early. In
            ``partial_fit``, where one call is one epoch, it is ``max_iter``
            times the batches of the first call.
        """
        self.horizon = int(horizon)
        self.steps = 0

    def rate(self, step):
        """The rate of step ``step`` (counted from 0 since :meth:`start`).

        Parameters
        ----------
        step : int
            The step.

        Returns
        -------
        rate : float
            By default the current ``learning_rate``: a schedule that moves
            by epochs or plateaus changes that instead.
        """
        return self.learning_rate

    def next_rate(self):
        """The rate of the next step; counts the step.

        Returns
        -------
        rate : float
            ``rate(steps)``, now also ``learning_rate``.
        """
        rate = self.rate(self.steps)
        self.steps += 1
        self.learning_rate = rate
        return rate

    def epoch_ends(self, samples_seen):
        """Hook called after each epoch.

        Parameters
        ----------
        samples_seen : int
            Training samples seen so far, ``t_``.
        """

    def on_plateau(self):
        """React to ``n_iter_no_change`` epochs without improvement.

        Returns
        -------
        stop : bool
            True when training should stop (the default); False when the
            schedule changed the rate and training should go on.
        """
        return True

    def __repr__(self):
        return f"{type(self).__name__}(learning_rate_init={self.learning_rate_init!r})"


#: Learning-rate schedules by name.
SCHEDULES = Registry("learning-rate schedule", Schedule)


@SCHEDULES.register
class Constant(Schedule):
    r"""The constant rate :math:`\eta = \eta_0`.

    Parameters
    ----------
    learning_rate_init : float, default=0.001
        The rate :math:`\eta_0`.

    Examples
    --------
    >>> from skbackprop.core.schedules import Constant
    >>> schedule = Constant(learning_rate_init=0.1)
    >>> schedule.epoch_ends(samples_seen=1000)
    >>> schedule.next_rate(), schedule.on_plateau()
    (0.1, True)
    """

    name = "constant"


@SCHEDULES.register
class InvScaling(Schedule):
    r"""Inverse scaling, :math:`\eta = \eta_0 / (t + 1)^{p}` after each epoch.

    ``t`` is the number of samples seen, as in scikit-learn.

    Parameters
    ----------
    learning_rate_init : float, default=0.001
        The initial rate :math:`\eta_0`.
    power_t : float, default=0.5
        The exponent :math:`p`.

    Examples
    --------
    >>> from skbackprop.core.schedules import InvScaling
    >>> schedule = InvScaling(learning_rate_init=1.0, power_t=0.5)
    >>> schedule.epoch_ends(samples_seen=99)
    >>> schedule.learning_rate
    0.1
    """

    name = "invscaling"
    parameters = {"power_t": Param(float, 0, None, closed="left")}
    optimizers = ("sgd",)

    def __init__(self, learning_rate_init=0.001, power_t=0.5):
        super().__init__(learning_rate_init)
        self.power_t = power_t

    @classmethod
    def from_params(cls, params):
        return cls(params["learning_rate_init"], power_t=params["power_t"])

    def epoch_ends(self, samples_seen):
        self.learning_rate = (
            float(self.learning_rate_init) / (samples_seen + 1) ** self.power_t
        )


@SCHEDULES.register
class Adaptive(Schedule):
    r"""Divide the rate by 5 at each plateau; stop once it is at most 1e-6.

    A plateau is ``n_iter_no_change`` epochs that fail to improve the loss
    (or validation score) by ``tol``.

    Parameters
    ----------
    learning_rate_init : float, default=0.001
        The initial rate.

    Examples
    --------
    >>> from skbackprop.core.schedules import Adaptive
    >>> schedule = Adaptive(learning_rate_init=0.1)
    >>> schedule.on_plateau(), round(schedule.learning_rate, 6)
    (False, 0.02)
    """

    name = "adaptive"
    optimizers = ("sgd",)

    def on_plateau(self):
        if self.learning_rate <= 1e-6:
            return True
        self.learning_rate /= 5.0
        return False


def schedule_for(optimizer_name, params):
    """The schedule that the parameters ``params`` give an optimizer.

    ``params["learning_rate"]`` names the schedule; one that does not apply
    to ``optimizer_name`` (scikit-learn's schedules with Adam) gives the
    constant rate, as scikit-learn does.

    Parameters
    ----------
    optimizer_name : str
        The optimizer's registered name.
    params : mapping of str to object
        The estimator's parameters.

    Returns
    -------
    schedule : Schedule
        A new schedule.

    Examples
    --------
    >>> from skbackprop.core.schedules import schedule_for
    >>> params = {"learning_rate": "invscaling", "learning_rate_init": 0.1,
    ...           "power_t": 0.5}
    >>> schedule_for("sgd", params)
    InvScaling(learning_rate_init=0.1)
    >>> schedule_for("adam", params)  # scikit-learn's schedules are SGD's
    Constant(learning_rate_init=0.1)
    """
    cls = SCHEDULES[params["learning_rate"]]
    if cls.optimizers is not None and optimizer_name not in cls.optimizers:
        cls = Constant
    return cls.from_params(params)
