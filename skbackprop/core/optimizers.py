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

__all__ = ["SGD", "Adam", "Optimizer"]


class Optimizer:
    """Base class: a learning rate and an in-place step.

    Parameters
    ----------
    learning_rate_init : float
        The initial step size.
    """

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

    def _state_like(self, params):
        return np.zeros_like(params)

    def _scratch_vectors(self, params, count):
        """``count`` scratch vectors shaped as ``params``, reused across steps."""
        scratch = self.__dict__.get("_scratch")
        if scratch is None or scratch.shape != (count,) + params.shape:
            scratch = self._scratch = np.empty((count,) + params.shape, params.dtype)
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
    """

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

    def step(self, params, grads):
        if self.velocity is None:
            self.velocity = self._state_like(params)
        v = self.velocity
        scaled_grad, update = self._scratch_vectors(params, 2)
        np.multiply(grads, self.learning_rate, out=scaled_grad)  # eta * g
        v *= self.momentum
        v -= scaled_grad  # v = mu * v - eta * g
        if self.nesterov:
            np.multiply(v, self.momentum, out=update)
            update -= scaled_grad  # mu * v - eta * g
            params += update
        else:
            params += v

    def iteration_ends(self, time_step):
        if self.lr_schedule == "invscaling":
            self.learning_rate = (
                float(self.learning_rate_init) / (time_step + 1) ** self.power_t
            )

    def on_plateau(self):
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
    """

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

    def step(self, params, grads):
        if self.m is None:
            self.m = self._state_like(params)
            self.v = self._state_like(params)
        m, v = self.m, self.v
        tmp, update = self._scratch_vectors(params, 2)
        self.t += 1
        m *= self.beta_1
        m += np.multiply(grads, 1 - self.beta_1, out=tmp)  # m = b1 m + (1 - b1) g
        v *= self.beta_2
        np.multiply(grads, grads, out=tmp)
        tmp *= 1 - self.beta_2
        v += tmp  # v = b2 v + (1 - b2) g^2
        self.learning_rate = (
            self.learning_rate_init
            * np.sqrt(1 - self.beta_2**self.t)
            / (1 - self.beta_1**self.t)
        )
        np.sqrt(v, out=tmp)
        tmp += self.epsilon  # sqrt(v) + eps
        np.multiply(m, -self.learning_rate, out=update)
        update /= tmp  # -eta_t m / (sqrt(v) + eps)
        params += update
