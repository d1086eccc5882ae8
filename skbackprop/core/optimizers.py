r"""Stochastic optimizers that update a flat parameter vector in place.

The update formulas are exactly scikit-learn's (``sklearn.neural_network``),
written as in-place operations in the same order, so that in float64 the same
gradients give the same parameters to the last bit. In float32 every step
stays in float32, where scikit-learn computes Adam's step in float64 and
rounds once, so the two agree to a few float32 ulps. State vectors
(velocities, moments) have the layout of the parameter vector and are
allocated on the first step.
"""

import numpy as np

from skbackprop.core.arrays import array_namespace

__all__ = ["SGD", "Adam", "Optimizer"]


#: Vectors are updated block by block: a block of every vector the step
#: touches stays in the CPU cache across its ten or so passes, which makes the
#: memory-bound step about 1.5x faster on large networks (benchmarks/).
BLOCK_SIZE = 32768


class Optimizer:
    """Base class: a learning rate and an in-place, block-wise step.

    Parameters
    ----------
    learning_rate_init : float
        The initial step size.

    Attributes
    ----------
    learning_rate : float
        The current step size.

    Examples
    --------
    Every optimizer updates a parameter vector in place from its gradient:

    >>> import numpy as np
    >>> from skbackprop.core.optimizers import SGD, Optimizer
    >>> optimizer = SGD(learning_rate_init=0.1, momentum=0.0)
    >>> isinstance(optimizer, Optimizer)
    True
    >>> params = np.array([1.0, -2.0])
    >>> optimizer.step(params, np.array([0.5, -0.5]))
    >>> params
    array([ 0.95, -1.95])
    """

    #: Names of the state vectors, each shaped as the parameter vector.
    state_names = ()

    def __init__(self, learning_rate_init):
        self.learning_rate_init = learning_rate_init
        self.learning_rate = float(learning_rate_init)

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
        """Hook called after each epoch.

        Parameters
        ----------
        time_step : int
            Number of training samples seen so far.
        """

    def on_plateau(self):
        """React to an epoch that did not improve enough.

        Returns
        -------
        stop : bool
            True when training should stop; False when the optimizer changed
            its learning rate and training should go on.
        """
        return True

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

    def __getstate__(self):
        # Scratch space is not state: a pickle need not carry it.
        state = self.__dict__.copy()
        state.pop("_scratch", None)
        return state


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
        The initial learning rate :math:`\eta_0`.
    lr_schedule : {'constant', 'invscaling', 'adaptive'}, default='constant'
        ``'invscaling'`` sets :math:`\eta = \eta_0 / (t + 1)^{p}` after each
        epoch, ``t`` the number of samples seen; ``'adaptive'`` divides
        :math:`\eta` by 5 each time the loss stops improving, and stops when
        it falls below 1e-6.
    momentum : float, default=0.9
        The momentum :math:`\mu`.
    nesterov : bool, default=True
        Whether to use Nesterov's momentum.
    power_t : float, default=0.5
        The exponent :math:`p` of ``'invscaling'``.

    Attributes
    ----------
    learning_rate : float
        The current learning rate.
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

    state_names = ("velocity",)

    def __init__(
        self,
        learning_rate_init=0.1,
        lr_schedule="constant",
        momentum=0.9,
        nesterov=True,
        power_t=0.5,
    ):
        super().__init__(learning_rate_init)
        self.lr_schedule = lr_schedule
        self.momentum = momentum
        self.nesterov = nesterov
        self.power_t = power_t
        self.velocity = None

    def _begin_step(self, scalar):
        return scalar(self.learning_rate), scalar(self.momentum)

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

    def iteration_ends(self, time_step):
        """Update the learning rate of the ``'invscaling'`` schedule.

        Parameters
        ----------
        time_step : int
            Number of training samples seen so far, ``t``.
        """
        if self.lr_schedule == "invscaling":
            self.learning_rate = (
                float(self.learning_rate_init) / (time_step + 1) ** self.power_t
            )

    def on_plateau(self):
        """Divide the learning rate by 5 (``'adaptive'``), or stop.

        Returns
        -------
        stop : bool
            True unless the schedule is ``'adaptive'`` and the learning rate
            was still above 1e-6 (it has now been divided by 5).
        """
        if self.lr_schedule != "adaptive":
            return True
        if self.learning_rate <= 1e-6:
            return True
        self.learning_rate /= 5.0
        return False


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
        The initial learning rate :math:`\eta_0`.
    beta_1, beta_2 : float, default=0.9, 0.999
        Decay rates of the first and second moment estimates.
    epsilon : float, default=1e-8
        Added to :math:`\sqrt{v}` for numerical stability.

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

    state_names = ("m", "v")

    def __init__(
        self, learning_rate_init=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-8
    ):
        super().__init__(learning_rate_init)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.t = 0
        self.m = None
        self.v = None

    def _begin_step(self, scalar):
        self.t += 1
        self.learning_rate = (
            self.learning_rate_init
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
