r"""Learning-rate schedules: the step size of every step of a run.

A schedule is one class, registered with ``@SCHEDULES.register``; the
estimators' ``learning_rate`` parameter names it. An optimizer asks its
schedule for the rate of each step (:meth:`Schedule.next_rate`); the
training loop tells the schedule how many steps the run has
(:meth:`Schedule.start`), when an epoch ends, and when the score stops
improving (:meth:`Schedule.on_plateau`).

scikit-learn's three schedules keep its numbers and its rule that they
apply to SGD only: with Adam, ``'invscaling'`` and ``'adaptive'`` train at
the constant ``learning_rate_init``, as in ``MLPClassifier``. The schedules
of a run's progress (:class:`Cosine`, :class:`Coslog4`, :class:`FlatCosine`,
:class:`LinearWarmup`) work with every optimizer: they are functions of the
fraction ``t = step / horizon`` of the run, stepped per batch.
"""

import math

from skbackprop.core.registry import Param, Registered, Registry

__all__ = [
    "SCHEDULES",
    "Adaptive",
    "Constant",
    "Coslog4",
    "Cosine",
    "FlatCosine",
    "InvScaling",
    "LinearWarmup",
    "ProgressSchedule",
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


class ProgressSchedule(Schedule):
    r"""A rate that follows the run's progress: :math:`\eta_0\, w(k)\, s(t)`.

    ``t = k / horizon`` is the fraction of the run's steps taken (clipped to
    1 past the horizon), :math:`s` the subclass's :meth:`shape`, and
    :math:`w(k) = \min(1, (k + 1) / (f \cdot \mathrm{horizon}))` a linear
    warm-up over the first fraction ``f`` of the steps (none for ``f = 0``).

    Parameters
    ----------
    learning_rate_init : float, default=0.001
        The peak rate :math:`\eta_0`.
    warmup_fraction : float, default=0.0
        The fraction :math:`f` of the run's steps that warm up linearly.

    Examples
    --------
    A subclass gives the shape; this one halves the rate after half the run:

    >>> from skbackprop.core.schedules import ProgressSchedule
    >>> class Halving(ProgressSchedule):
    ...     name = "halving"
    ...     def shape(self, t):
    ...         return 1.0 if t < 0.5 else 0.5
    >>> schedule = Halving(learning_rate_init=0.1)
    >>> schedule.start(horizon=4)
    >>> [schedule.next_rate() for _ in range(4)]
    [0.1, 0.1, 0.05, 0.05]
    """

    parameters = {"warmup_fraction": Param(float, 0, 1, closed="left")}

    def __init__(self, learning_rate_init=0.001, warmup_fraction=0.0):
        super().__init__(learning_rate_init)
        self.warmup_fraction = warmup_fraction

    @classmethod
    def from_params(cls, params):
        return cls(
            params["learning_rate_init"],
            warmup_fraction=params.get("warmup_fraction", 0.0),
        )

    def shape(self, t):
        """The factor :math:`s(t)` of the rate at progress ``t``.

        Parameters
        ----------
        t : float
            The fraction of the run's steps taken, in [0, 1].

        Returns
        -------
        factor : float
            Multiplies ``learning_rate_init``.
        """
        raise NotImplementedError

    def rate(self, step):
        if self.horizon is None:
            raise RuntimeError(f"{type(self).__name__} needs start(horizon) first.")
        horizon = max(self.horizon, 1)
        factor = self.shape(min(step / horizon, 1.0))
        warmup_steps = self.warmup_fraction * horizon
        if step + 1 < warmup_steps:
            factor *= (step + 1) / warmup_steps
        return float(self.learning_rate_init) * factor


@SCHEDULES.register
class Cosine(ProgressSchedule):
    r"""Cosine annealing to zero over the run, per batch.

    .. math:: s(t) = \tfrac12 (1 + \cos \pi t)

    With ``horizon`` steps it is ``torch.optim.lr_scheduler.CosineAnnealingLR``
    with ``T_max=horizon`` and ``eta_min=0``, stepped once per batch.

    Parameters
    ----------
    learning_rate_init : float, default=0.001
        The rate at the start, :math:`\eta_0`.
    warmup_fraction : float, default=0.0
        Fraction of the steps that warm up linearly (:class:`ProgressSchedule`).

    Examples
    --------
    >>> from skbackprop.core.schedules import Cosine
    >>> schedule = Cosine(learning_rate_init=1.0)
    >>> schedule.start(horizon=4)
    >>> [round(schedule.next_rate(), 4) for _ in range(5)]
    [1.0, 0.8536, 0.5, 0.1464, 0.0]
    """

    name = "cosine"

    def shape(self, t):
        return 0.5 * (1.0 + math.cos(math.pi * t))


@SCHEDULES.register
class Coslog4(ProgressSchedule):
    r"""RealMLP's "coslog4": four cosine cycles on a log-time axis.

    .. math:: s(t) = \tfrac12 \big(1 - \cos(2\pi \log_2(1 + 15 t))\big)

    It starts at 0, so it warms up by itself; it falls back to 0 where
    ``1 + 15 t`` is 2, 4 and 8, so the cycles get longer as training goes
    on, and it ends at 0 (Holzmueller et al., 2024).

    Parameters
    ----------
    learning_rate_init : float, default=0.001
        The peak rate :math:`\eta_0`.
    warmup_fraction : float, default=0.0
        Fraction of the steps that warm up linearly (:class:`ProgressSchedule`).

    Examples
    --------
    >>> from skbackprop.core.schedules import Coslog4
    >>> schedule = Coslog4(learning_rate_init=1.0)
    >>> schedule.start(horizon=15)
    >>> [round(schedule.rate(k), 3) for k in (0, 1, 2, 5, 11, 15)]
    [0.0, 0.0, 0.93, 0.93, 0.93, 0.0]
    """

    name = "coslog4"

    def shape(self, t):
        return 0.5 * (1.0 - math.cos(2.0 * math.pi * math.log2(1.0 + 15.0 * t)))


@SCHEDULES.register
class FlatCosine(ProgressSchedule):
    r"""Flat for the first half of the run, then cosine annealing to zero.

    .. math:: s(t) = 1 \text{ for } t \le \tfrac12, \quad
        \tfrac12 (1 + \cos(\pi (2t - 1))) \text{ after}

    RealMLP's "flat_cos" (which it uses for dropout and weight decay).

    Parameters
    ----------
    learning_rate_init : float, default=0.001
        The rate of the flat half, :math:`\eta_0`.
    warmup_fraction : float, default=0.0
        Fraction of the steps that warm up linearly (:class:`ProgressSchedule`).

    Examples
    --------
    >>> from skbackprop.core.schedules import FlatCosine
    >>> schedule = FlatCosine(learning_rate_init=1.0)
    >>> schedule.start(horizon=4)
    >>> [round(schedule.rate(k), 3) for k in range(5)]
    [1.0, 1.0, 1.0, 0.5, 0.0]
    """

    name = "flat_cos"

    def shape(self, t):
        if t <= 0.5:
            return 1.0
        return 0.5 * (1.0 + math.cos(math.pi * (2.0 * t - 1.0)))


@SCHEDULES.register
class LinearWarmup(ProgressSchedule):
    r"""A linear warm-up over the first ``warmup_fraction`` of the steps, then flat.

    .. math:: s(t) = 1

    Parameters
    ----------
    learning_rate_init : float, default=0.001
        The rate after the warm-up, :math:`\eta_0`.
    warmup_fraction : float, default=0.0
        Fraction of the steps that warm up linearly.

    Examples
    --------
    >>> from skbackprop.core.schedules import LinearWarmup
    >>> schedule = LinearWarmup(learning_rate_init=1.0, warmup_fraction=0.5)
    >>> schedule.start(horizon=8)
    >>> [schedule.next_rate() for _ in range(6)]
    [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]
    """

    name = "warmup"

    def shape(self, t):
        return 1.0


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
