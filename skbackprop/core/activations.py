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
    """
    # e = exp(-|z|) lies in (0, 1], so it never overflows; for z < 0 the
    # equivalent form e / (1 + e) avoids exp(-z) = inf.
    e = np.exp(-np.abs(Z))
    numerator = np.where(Z >= 0, 1, e).astype(e.dtype, copy=False)
    e += 1
    return np.divide(numerator, e, out=out)


class Activation:
    """An element-wise hidden-layer activation :math:`A = f(Z)`.

    Subclasses implement :meth:`forward` and :meth:`derivative`; both work
    in place so that a training loop allocates nothing.
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
    r"""The identity, :math:`f(z) = z`, :math:`f'(z) = 1`."""

    name = "identity"

    def forward(self, Z):
        return Z

    def derivative(self, A, delta):
        pass


class Logistic(Activation):
    r"""The logistic sigmoid.

    .. math::

        f(z) = \frac{1}{1 + e^{-z}}, \qquad f'(z) = f(z)\,(1 - f(z))
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
    """
    if isinstance(name, Activation):
        return name
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown activation {name!r}; expected one of {sorted(ACTIVATIONS)}."
        ) from None
