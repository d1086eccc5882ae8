r"""Stochastic optimizers that update a flat parameter vector in place.

The update formulas are exactly scikit-learn's (``sklearn.neural_network``),
written as in-place operations in the same order, so that in float64 the same
gradients give the same parameters to the last bit. In float32 every step
stays in float32, where scikit-learn computes Adam's step in float64 and
rounds once, so the two agree to a few float32 ulps. State vectors
(velocities, moments) have the layout of the parameter vector and are
allocated on the first step.

An optimizer is one class, registered with ``@OPTIMIZERS.register``; the
estimators' ``solver`` parameter names it. Its step size comes from a
:class:`~skbackprop.core.schedules.Schedule`, so every schedule works with
every optimizer. Every optimizer also takes decoupled weight decay
(Loshchilov and Hutter, 2019), ``weight_decay``, applied to the weights and
not the biases, as ``torch.optim.AdamW`` with the biases in a group without
decay.
"""

import copy

import numpy as np

from skbackprop.core.arrays import array_namespace
from skbackprop.core.registry import Param, Registered, Registry
from skbackprop.core.schedules import SCHEDULES, Constant, schedule_for

__all__ = ["OPTIMIZERS", "SGD", "Adam", "Optimizer"]


#: Vectors are updated block by block: a block of every vector the step
#: touches stays in the CPU cache across its ten or so passes, which makes the
#: memory-bound step about 1.5x faster on large networks (benchmarks/).
BLOCK_SIZE = 32768


class Optimizer(Registered):
    """Base class: a schedule of step sizes and an in-place, block-wise step.

    Parameters
    ----------
    learning_rate_init : float, default=0.001
        The initial step size, for the default constant schedule.
    schedule : Schedule, default=None
        The schedule of step sizes; None is ``Constant(learning_rate_init)``.
    weight_decay : float, default=0.0
        Decoupled weight decay ``lambda``: before each update the decayed
        parameters are multiplied by ``1 - eta_k * lambda``, where ``eta_k``
        is the schedule's rate of the step.
    n_decayed : int, default=None
        How many of the flat vector's leading entries decay: the network's
        ``n_coefs`` (its weights, not its biases). None decays every entry.

    Attributes
    ----------
    schedule : Schedule
        Gives the rate of each step.

    Examples
    --------
    Every optimizer updates a parameter vector in place from its gradient:

    >>> import numpy as np
    >>> from skbackprop.core.optimizers import SGD, Optimizer
    >>> optimizer = SGD(learning_rate_init=0.1, momentum=0.0)
    >>> isinstance(optimizer, Optimizer), optimizer.schedule
    (True, Constant(learning_rate_init=0.1))
    >>> isinstance(optimizer, Optimizer)
    True
    >>> params = np.array([1.0, -2.0])
    >>> optimizer.step(params, np.array([0.5, -0.5]))
    >>> params
    array([ 0.95, -1.95])
    """

    #: Names of the state vectors, each shaped as the parameter vector.
    state_names = ()
    parameters = {"weight_decay": Param(float, 0, None, closed="left")}
    #: No decay: also what an optimizer pickled before weight decay loads with.
    weight_decay = 0.0
    n_decayed = None

    def __init__(
        self, learning_rate_init=0.001, schedule=None, weight_decay=0.0, n_decayed=None
    ):
        self.schedule = Constant(learning_rate_init) if schedule is None else schedule
        self.weight_decay = weight_decay
        self.n_decayed = n_decayed

    @classmethod
    def from_params(cls, params):
        """The optimizer, and its schedule, that the estimator's parameters give.

        Parameters
        ----------
        params : mapping of str to object
            The estimator's parameters, by name.

        Returns
        -------
        optimizer : Optimizer
            A new optimizer; its schedule is ``params["learning_rate"]``'s
            (:func:`~skbackprop.core.schedules.schedule_for`).
        """
        return cls(
            schedule=schedule_for(cls.name, params),
            weight_decay=params.get("weight_decay", 0.0),
            **cls.options(params),
        )

    @classmethod
    def options(cls, params):
        """The constructor's options that the estimator's parameters give.

        Parameters
        ----------
        params : mapping of str to object
            The estimator's parameters, by name.

        Returns
        -------
        options : dict
            Keyword arguments of the constructor; none by default.
        """
        return {}

    def step(self, params, grads):
        """Update ``params`` in place from ``grads``.

        Parameters
        ----------
        params : ndarray of shape (n_parameters,)
            Parameters, updated in place.
        grads : ndarray of shape (n_parameters,)
            Gradient of the objective at ``params``.
        """
        xp = array_namespace(params)
        for name in self.state_names:
            if getattr(self, name) is None:
                setattr(self, name, xp.zeros_like(params))
        scalars = self._begin_step(xp.scalar_type(params.dtype))
        if self.weight_decay:
            # Decoupled: theta <- theta (1 - eta_k lambda), apart from the
            # gradient step (AdamW's order; the step does not read theta).
            decayed = params if self.n_decayed is None else params[: self.n_decayed]
            decayed *= xp.scalar_type(params.dtype)(
                1.0 - self.schedule.learning_rate * self.weight_decay
            )
        states = [getattr(self, name) for name in self.state_names]
        n = params.shape[0]
        scratch = self._scratch_vectors(xp, min(n, BLOCK_SIZE), params)
        if n <= BLOCK_SIZE:  # one block: no slicing
            self._update_block(xp, scalars, params, grads, *states, *scratch)
            return
        for start in range(0, n, BLOCK_SIZE):
            block = slice(start, start + BLOCK_SIZE)
            size = min(BLOCK_SIZE, n - start)
            self._update_block(
                xp,
                scalars,
                params[block],
                grads[block],
                *[state[block] for state in states],
                *[vector[:size] for vector in scratch],
            )

    def _begin_step(self, scalar):
        """Advance the step count; return the step's scalars cast by ``scalar``.

        Scalars of the parameters' dtype keep float32 arithmetic in float32.
        """
        raise NotImplementedError

    def _update_block(self, xp, scalars, params, grads, *states_and_scratch):
        """Apply the update to one block of every vector, in place.

        ``xp`` holds the vectors' operations (:mod:`skbackprop.core.arrays`).
        """
        raise NotImplementedError

    def iteration_ends(self, time_step):
        """Tell the schedule that an epoch ended.

        Parameters
        ----------
        time_step : int
            Number of training samples seen so far.
        """
        self.schedule.epoch_ends(time_step)

    def on_plateau(self):
        """React to epochs that did not improve enough: the schedule's call.

        Returns
        -------
        stop : bool
            True when training should stop; False when the schedule changed
            its rate and training should go on.
        """
        return self.schedule.on_plateau()

    def _scratch_vectors(self, xp, size, params):
        """Two scratch vectors of ``size`` like ``params``, reused across steps."""
        scratch = self.__dict__.get("_scratch")
        # (A copy of the optimizer for another device starts without any.)
        if (
            scratch is None
            or scratch[0].shape[0] < size
            or scratch[0].dtype != params.dtype
        ):
            device = xp.device(params)
            scratch = [
                xp.empty((size,), dtype=params.dtype, device=device) for _ in range(2)
            ]
            self._scratch = scratch
        return scratch

    def to(self, move):
        """A copy whose state vectors are moved by ``move``; it shares no state.

        Parameters
        ----------
        move : callable
            Takes a state vector and returns its copy in another array
            library or on another device (sharing no memory with it), as
            :meth:`Network.to <skbackprop.core.Network.to>` moves the
            parameters.

        Returns
        -------
        optimizer : Optimizer
            The copy: its schedule and step count are copies, its state
            vectors moved, and its scratch space is made by its first step.
        """
        state = self.__getstate__()
        vectors = {name: state.pop(name) for name in self.state_names}
        moved = type(self).__new__(type(self))
        moved.__dict__ = copy.deepcopy(state)
        for name, value in vectors.items():
            setattr(moved, name, None if value is None else move(value))
        return moved

    def __getstate__(self):
        # Scratch space is not state: a pickle need not carry it.
        state = self.__dict__.copy()
        state.pop("_scratch", None)
        return state

    def __setstate__(self, state):
        if "schedule" not in state:
            # Pickled by skbackprop 0.1.0, whose SGD named its schedule by a
            # string (looked up in the registry, a closed table) and whose
            # optimizers kept the rate themselves.
            schedule = SCHEDULES[state.pop("lr_schedule", "constant")]()
            schedule.learning_rate_init = state.pop("learning_rate_init")
            schedule.learning_rate = float(schedule.learning_rate_init)
            if "velocity" in state:  # SGD: its rate is the schedule's
                schedule.learning_rate = state.pop("learning_rate")
            if "power_t" in state:
                schedule.power_t = state.pop("power_t")
            state["schedule"] = schedule
        self.__dict__.update(state)


#: Stochastic optimizers by name (the estimators' ``solver``, besides 'lbfgs').
OPTIMIZERS = Registry("optimizer", Optimizer)


@OPTIMIZERS.register
class SGD(Optimizer):
    r"""Stochastic gradient descent with (Nesterov) momentum.

    .. math::

        v \leftarrow \mu v - \eta g, \qquad
        \theta \leftarrow \theta + \begin{cases}
            \mu v - \eta g & \text{Nesterov} \\ v & \text{otherwise}
        \end{cases}

    Parameters
    ----------
    learning_rate_init : float, default=0.1
        The learning rate :math:`\eta` of the default constant schedule.
    momentum : float, default=0.9
        The momentum :math:`\mu`.
    nesterov : bool, default=True
        Whether to use Nesterov's momentum.
    schedule : Schedule, default=None
        The schedule of :math:`\eta` (:mod:`skbackprop.core.schedules`);
        None is ``Constant(learning_rate_init)``.
    weight_decay : float, default=0.0
        Decoupled weight decay (see :class:`Optimizer`).
    n_decayed : int, default=None
        How many leading entries decay (see :class:`Optimizer`).

    Attributes
    ----------
    learning_rate : float
        The schedule's current learning rate.
    velocity : ndarray of shape (n_parameters,) or None
        The velocity ``v``; None before the first step.

    Examples
    --------
    Two steps with the same gradient and classical momentum:

    >>> import numpy as np
    >>> from skbackprop.core.optimizers import SGD
    >>> optimizer = SGD(learning_rate_init=0.1, momentum=0.9, nesterov=False)
    >>> params, grads = np.array([1.0, -2.0]), np.array([0.5, -0.5])
    >>> optimizer.step(params, grads)
    >>> optimizer.step(params, grads)
    >>> optimizer.velocity.round(6)
    array([-0.095,  0.095])
    >>> params.round(6)
    array([ 0.855, -1.855])
    """

    name = "sgd"
    parameters = {
        "momentum": Param(float, 0, 1),
        "nesterovs_momentum": Param(bool),
    }
    state_names = ("velocity",)

    def __init__(
        self,
        learning_rate_init=0.1,
        momentum=0.9,
        nesterov=True,
        schedule=None,
        weight_decay=0.0,
        n_decayed=None,
    ):
        super().__init__(learning_rate_init, schedule, weight_decay, n_decayed)
        self.momentum = momentum
        self.nesterov = nesterov
        self.velocity = None

    @classmethod
    def options(cls, params):
        return {
            "momentum": params["momentum"],
            "nesterov": params["nesterovs_momentum"],
        }

    @property
    def learning_rate(self):
        """The schedule's current learning rate."""
        return self.schedule.learning_rate

    def _begin_step(self, scalar):
        return scalar(self.schedule.next_rate()), scalar(self.momentum)

    def _update_block(self, xp, scalars, params, grads, v, scaled_grad, update):
        eta, mu = scalars
        xp.multiply(grads, eta, out=scaled_grad)  # eta * g
        v *= mu
        v -= scaled_grad  # v = mu * v - eta * g
        if self.nesterov:
            xp.multiply(v, mu, out=update)
            update -= scaled_grad  # mu * v - eta * g
            params += update
        else:
            params += v


@OPTIMIZERS.register
class Adam(Optimizer):
    r"""Adam (Kingma and Ba, 2014), as in scikit-learn.

    .. math::

        m &\leftarrow \beta_1 m + (1 - \beta_1) g \\
        v &\leftarrow \beta_2 v + (1 - \beta_2) g^2 \\
        \eta_t &= \eta_0 \sqrt{1 - \beta_2^t} / (1 - \beta_1^t) \\
        \theta &\leftarrow \theta - \eta_t\, m / (\sqrt{v} + \epsilon)

    Parameters
    ----------
    learning_rate_init : float, default=0.001
        The rate :math:`\eta_0` of the default constant schedule.
    beta_1, beta_2 : float, default=0.9, 0.999
        Decay rates of the first and second moment estimates.
    epsilon : float, default=1e-8
        Added to :math:`\sqrt{v}` for numerical stability.
    schedule : Schedule, default=None
        The schedule of :math:`\eta_0` (:mod:`skbackprop.core.schedules`);
        None is ``Constant(learning_rate_init)``.
    weight_decay : float, default=0.0
        Decoupled weight decay (see :class:`Optimizer`).
    n_decayed : int, default=None
        How many leading entries decay (see :class:`Optimizer`).

    Attributes
    ----------
    t : int
        Number of steps taken.
    m, v : ndarray of shape (n_parameters,) or None
        First and second moment estimates; None before the first step.
    learning_rate : float
        The bias-corrected step size of the last step.

    Examples
    --------
    Adam's first step moves every parameter by about the learning rate,
    whatever the size of its gradient:

    >>> import numpy as np
    >>> from skbackprop.core.optimizers import Adam
    >>> optimizer = Adam(learning_rate_init=0.1)
    >>> params = np.array([1.0, -2.0])
    >>> optimizer.step(params, np.array([0.5, -0.001]))
    >>> params.round(4), optimizer.t
    (array([ 0.9, -1.9]), 1)
    """

    name = "adam"
    parameters = {
        "beta_1": Param(float, 0, 1, closed="left"),
        "beta_2": Param(float, 0, 1, closed="left"),
        "epsilon": Param(float, 0, None, closed="neither"),
    }
    state_names = ("m", "v")

    def __init__(
        self,
        learning_rate_init=0.001,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        schedule=None,
        weight_decay=0.0,
        n_decayed=None,
    ):
        super().__init__(learning_rate_init, schedule, weight_decay, n_decayed)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.t = 0
        self.m = None
        self.v = None
        self.learning_rate = self.schedule.learning_rate

    @classmethod
    def options(cls, params):
        return {name: params[name] for name in ("beta_1", "beta_2", "epsilon")}

    def _begin_step(self, scalar):
        self.t += 1
        self.learning_rate = (
            self.schedule.next_rate()
            * np.sqrt(1 - self.beta_2**self.t)
            / (1 - self.beta_1**self.t)
        )
        return (
            scalar(self.beta_1),
            scalar(1 - self.beta_1),
            scalar(self.beta_2),
            scalar(1 - self.beta_2),
            scalar(-self.learning_rate),
            scalar(self.epsilon),
        )

    def _update_block(self, xp, scalars, params, grads, m, v, tmp, update):
        b1, one_minus_b1, b2, one_minus_b2, minus_eta, eps = scalars
        m *= b1
        m += xp.multiply(grads, one_minus_b1, out=tmp)  # m = b1 m + (1 - b1) g
        v *= b2
        xp.multiply(grads, grads, out=tmp)
        tmp *= one_minus_b2
        v += tmp  # v = b2 v + (1 - b2) g^2
        xp.sqrt(v, out=tmp)
        tmp += eps  # sqrt(v) + eps
        xp.multiply(m, minus_eta, out=update)
        update /= tmp  # -eta_t m / (sqrt(v) + eps)
        params += update
