r"""Hidden-layer activation functions and their derivatives.

Each activation :math:`f` is applied element-wise to the pre-activation
``Z`` of a hidden layer, ``A = f(Z)``, both of shape ``(n_samples, n_units)``.
The backward pass needs :math:`f'(Z)`; every activation here can compute it
from the output ``A`` alone, so the forward pass may overwrite ``Z`` with
``A`` in place and no copy of ``Z`` is kept.

The registry :data:`ACTIVATIONS` maps a name to an :class:`Activation`.
"""

import numpy as np

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "Identity",
    "LeakyReLU",
    "Logistic",
    "ReLU",
    "Tanh",
    "get_activation",
    "sigmoid",
]


def sigmoid(Z, out=None):
    r"""Logistic sigmoid, computed without overflow.

    .. math:: \sigma(z) = \frac{1}{1 + e^{-z}}

    Parameters
    ----------
    Z : ndarray of any shape
        Input values.
    out : ndarray of the same shape as ``Z``, default=None
        Where to write the result; may be ``Z`` itself.

    Returns
    -------
    S : ndarray of the same shape as ``Z``
        :math:`\sigma(Z)`, in ``Z``'s dtype.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.core.activations import sigmoid
    >>> sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    array([0. , 0.5, 1. ])
    """
    # e = exp(-|z|) lies in (0, 1], so it never overflows; for z < 0 the
    # equivalent form e / (1 + e) avoids exp(-z) = inf.
    e = np.exp(-np.abs(Z))
    numerator = np.where(Z >= 0, 1, e).astype(e.dtype, copy=False)
    e += 1
    return np.divide(numerator, e, out=out)


class Activation:
    r"""An element-wise hidden-layer activation :math:`A = f(Z)`.

    Subclasses implement :meth:`forward` and :meth:`derivative`; both work
    in place so that a training loop allocates nothing. The derivative is
    computed from the output ``A`` alone, since the forward pass overwrites
    ``Z``. An instance can be given wherever an activation name is accepted
    by :class:`~skbackprop.core.Network`.

    Examples
    --------
    The softplus :math:`f(z) = \log(1 + e^z)`, whose derivative
    :math:`\sigma(z) = 1 - e^{-f(z)}` can be read from its output:

    >>> import numpy as np
    >>> from skbackprop.core.activations import Activation
    >>> class Softplus(Activation):
    ...     name = "softplus"
    ...     def forward(self, Z):
    ...         return np.logaddexp(0, Z, out=Z)
    ...     def derivative(self, A, delta):
    ...         delta *= -np.expm1(-A)
    >>> A = Softplus().forward(np.array([[0.0, 2.0]]))
    >>> delta = np.ones_like(A)
    >>> Softplus().derivative(A, delta)
    >>> delta.round(3)
    array([[0.5  , 0.881]])
    """

    #: Name used by the estimators' ``activation`` parameter.
    name = None

    def forward(self, Z):
        """Apply the activation in place.

        Parameters
        ----------
        Z : ndarray of shape (n_samples, n_units)
            Pre-activations; overwritten with the activations.

        Returns
        -------
        A : ndarray of shape (n_samples, n_units)
            ``Z`` itself, now holding ``f(Z)``.
        """
        raise NotImplementedError

    def derivative(self, A, delta):
        """Multiply ``delta`` in place by :math:`f'(Z)`, computed from ``A``.

        Parameters
        ----------
        A : ndarray of shape (n_samples, n_units)
            The layer's output ``f(Z)`` from the forward pass.
        delta : ndarray of shape (n_samples, n_units)
            ``dL/dA`` on entry, ``dL/dZ`` on return.
        """
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}()"


class Identity(Activation):
    r"""The identity, :math:`f(z) = z`, :math:`f'(z) = 1`.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.core.activations import Identity
    >>> Identity().forward(np.array([[-2.0, 3.0]]))
    array([[-2.,  3.]])
    """

    name = "identity"

    def forward(self, Z):
        return Z

    def derivative(self, A, delta):
        pass


class Logistic(Activation):
    r"""The logistic sigmoid.

    .. math::

        f(z) = \frac{1}{1 + e^{-z}}, \qquad f'(z) = f(z)\,(1 - f(z))

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.core.activations import Logistic
    >>> logistic = Logistic()
    >>> A = logistic.forward(np.array([[0.0, 50.0]]))
    >>> A
    array([[0.5, 1. ]])
    >>> delta = np.ones_like(A)
    >>> logistic.derivative(A, delta)
    >>> delta
    array([[0.25, 0.  ]])
    """

    name = "logistic"

    def forward(self, Z):
        return sigmoid(Z, out=Z)

    def derivative(self, A, delta):
        delta *= A
        delta *= 1 - A


class Tanh(Activation):
    r"""The hyperbolic tangent.

    .. math:: f(z) = \tanh z, \qquad f'(z) = 1 - f(z)^2

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.core.activations import Tanh
    >>> tanh = Tanh()
    >>> A = tanh.forward(np.array([[0.0, 0.5]]))
    >>> delta = np.ones_like(A)
    >>> tanh.derivative(A, delta)
    >>> delta.round(4)
    array([[1.    , 0.7864]])
    """

    name = "tanh"

    def forward(self, Z):
        return np.tanh(Z, out=Z)

    def derivative(self, A, delta):
        delta *= 1 - A**2


class ReLU(Activation):
    r"""The rectified linear unit.

    .. math:: f(z) = \max(0, z), \qquad f'(z) = [z > 0]

    At the kink :math:`z = 0` the derivative is taken as 0, as in
    scikit-learn.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.core.activations import ReLU
    >>> relu = ReLU()
    >>> A = relu.forward(np.array([[-2.0, 0.0, 3.0]]))
    >>> A
    array([[0., 0., 3.]])
    >>> delta = np.ones_like(A)
    >>> relu.derivative(A, delta)
    >>> delta
    array([[0., 0., 1.]])
    """

    name = "relu"

    def forward(self, Z):
        return np.maximum(Z, 0, out=Z)

    def derivative(self, A, delta):
        # Multiplying by the 0/1 mask is several times faster than a masked
        # assignment; it gives -0.0 where the delta was negative, which sums
        # as 0.
        np.multiply(delta, A > 0, out=delta)


class LeakyReLU(Activation):
    r"""The leaky rectified linear unit.

    .. math::

        f(z) = \begin{cases} z & z \ge 0 \\ s\,z & z < 0 \end{cases},
        \qquad
        f'(z) = \begin{cases} 1 & z \ge 0 \\ s & z < 0 \end{cases}

    Parameters
    ----------
    negative_slope : float, default=0.01
        The slope :math:`s` for negative inputs. It is positive, so the sign
        of ``A`` is the sign of ``Z`` and the derivative can be read from
        ``A``.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.core.activations import LeakyReLU
    >>> leaky = LeakyReLU(negative_slope=0.1)
    >>> A = leaky.forward(np.array([[-2.0, 3.0]]))
    >>> A
    array([[-0.2,  3. ]])
    >>> delta = np.ones_like(A)
    >>> leaky.derivative(A, delta)
    >>> delta
    array([[0.1, 1. ]])
    """

    name = "leaky_relu"

    def __init__(self, negative_slope=0.01):
        self.negative_slope = negative_slope

    def forward(self, Z):
        return np.multiply(Z, self.negative_slope, out=Z, where=Z < 0)

    def derivative(self, A, delta):
        np.multiply(delta, self.negative_slope, out=delta, where=A < 0)

    def __repr__(self):
        return f"LeakyReLU(negative_slope={self.negative_slope})"


#: Hidden-layer activations by name.
ACTIVATIONS = {
    activation.name: activation
    for activation in (Identity(), Logistic(), Tanh(), ReLU(), LeakyReLU())
}


def get_activation(name):
    """Look up a hidden-layer activation by name.

    Parameters
    ----------
    name : str or Activation
        A key of :data:`ACTIVATIONS`, or an :class:`Activation` instance.

    Returns
    -------
    activation : Activation
        The activation object.

    Raises
    ------
    ValueError
        If ``name`` is not a known activation.

    Examples
    --------
    >>> from skbackprop.core.activations import get_activation
    >>> get_activation("tanh")
    Tanh()
    >>> get_activation("leaky_relu")
    LeakyReLU(negative_slope=0.01)
    """
    if isinstance(name, Activation):
        return name
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown activation {name!r}; expected one of {sorted(ACTIVATIONS)}."
        ) from None
