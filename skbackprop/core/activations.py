r"""Hidden-layer activation functions and their derivatives.

Each activation :math:`f` is applied element-wise to the pre-activation
``Z`` of a hidden layer, ``A = f(Z)``, both of shape ``(n_samples, n_units)``.
The backward pass needs :math:`f'(Z)`. Most activations can compute it
from the output ``A`` alone, so the forward pass overwrites ``Z`` with ``A``
in place and keeps no copy of ``Z``. Two cannot, because :math:`f` is not
invertible (:class:`SiLU` and :class:`GELU` dip below zero and come back):
they set :attr:`Activation.needs_pre_activation`, and the network keeps a
copy of their ``Z`` for the backward pass.

The registry :data:`ACTIVATIONS` maps a name to an :class:`Activation`
class; a new activation is one class, registered with
``@ACTIVATIONS.register``. Its :meth:`Activation.to_onnx` is what the ONNX
export writes for it.
"""

import numpy as np

from skbackprop.core.arrays import array_namespace
from skbackprop.core.registry import Registered, Registry

__all__ = [
    "ACTIVATIONS",
    "ELU",
    "GELU",
    "SELU",
    "Activation",
    "Identity",
    "LeakyReLU",
    "Logistic",
    "Mish",
    "ReLU",
    "SiLU",
    "Softplus",
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
    xp = array_namespace(Z)
    e = xp.exp(-xp.abs(Z))
    numerator = xp.astype(xp.where(Z >= 0, 1, e), e.dtype)
    e += 1
    return xp.divide(numerator, e, out=out)


class Activation(Registered):
    r"""An element-wise hidden-layer activation :math:`A = f(Z)`.

    Subclasses implement :meth:`forward` and :meth:`derivative`; both work
    in place so that a training loop allocates nothing. The derivative is
    computed from the output ``A``, since the forward pass overwrites ``Z``;
    a subclass that needs ``Z`` itself sets :attr:`needs_pre_activation` and
    receives a copy. An instance can be given wherever an activation name is
    accepted by :class:`~skbackprop.core.Network`.

    A registered activation is used through one shared instance of its
    class (:func:`get_activation`), so it keeps no state between calls. A
    subclass inherits its parent's :meth:`to_onnx`: override it when ``f``
    changes, or the export writes the parent's function.

    Examples
    --------
    The softsign :math:`f(z) = z / (1 + |z|)`, whose derivative
    :math:`1 / (1 + |z|)^2 = (1 - |f(z)|)^2` can be read from its output:

    >>> import numpy as np
    >>> from skbackprop.core.activations import Activation
    >>> class Softsign(Activation):
    ...     name = "softsign"
    ...     def forward(self, Z):
    ...         return np.divide(Z, 1 + np.abs(Z), out=Z)
    ...     def derivative(self, A, delta, Z=None):
    ...         delta *= (1 - np.abs(A)) ** 2
    >>> A = Softsign().forward(np.array([[0.0, 1.0]]))
    >>> delta = np.ones_like(A)
    >>> Softsign().derivative(A, delta)
    >>> delta
    array([[1.  , 0.25]])
    """

    #: Name used by the estimators' ``activation`` parameter.
    name = None
    #: Whether :meth:`derivative` needs the pre-activation ``Z`` (a copy the
    #: network keeps) because ``f'`` cannot be computed from ``A`` alone.
    needs_pre_activation = False

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

    def derivative(self, A, delta, Z=None):
        """Multiply ``delta`` in place by :math:`f'(Z)`, computed from ``A``.

        Parameters
        ----------
        A : ndarray of shape (n_samples, n_units)
            The layer's output ``f(Z)`` from the forward pass.
        delta : ndarray of shape (n_samples, n_units)
            ``dL/dA`` on entry, ``dL/dZ`` on return.
        Z : ndarray of shape (n_samples, n_units), default=None
            The pre-activations, given only if :attr:`needs_pre_activation`.
        """
        raise NotImplementedError

    def to_onnx(self, graph, Z):
        """Add the ONNX nodes of ``f(Z)`` to ``graph``; return the output's name.

        ``graph`` is the exporter's builder (:mod:`skbackprop.onnx`): its
        ``node(op_type, inputs, **attributes)`` adds a node and returns its
        output's name, ``scalar_op(op_type, Z, value)`` combines ``Z`` with a
        constant of the graph's dtype, and ``is_double`` and ``opset`` say
        what is being built. The core imports no ONNX library.

        Parameters
        ----------
        graph : object
            The graph being built.
        Z : str
            The name of the pre-activation tensor.

        Returns
        -------
        A : str
            The name of the activation tensor.

        Raises
        ------
        NotImplementedError
            If the activation has no ONNX translation (the exporter then
            refuses the model with a clear error).
        """
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}()"


#: Hidden-layer activations by name.
ACTIVATIONS = Registry("activation", Activation)


@ACTIVATIONS.register
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

    def derivative(self, A, delta, Z=None):
        pass

    def to_onnx(self, graph, Z):
        return Z


@ACTIVATIONS.register
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

    def derivative(self, A, delta, Z=None):
        delta *= A
        delta *= 1 - A

    def to_onnx(self, graph, Z):
        return graph.node("Sigmoid", [Z])


@ACTIVATIONS.register
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
        return array_namespace(Z).tanh(Z, out=Z)

    def derivative(self, A, delta, Z=None):
        delta *= 1 - A**2

    def to_onnx(self, graph, Z):
        return graph.node("Tanh", [Z])


@ACTIVATIONS.register
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
        return array_namespace(Z).maximum(Z, 0, out=Z)

    def derivative(self, A, delta, Z=None):
        # Multiplying by the 0/1 mask is several times faster than a masked
        # assignment; it gives -0.0 where the delta was negative, which sums
        # as 0.
        array_namespace(delta).multiply(delta, A > 0, out=delta)

    def to_onnx(self, graph, Z):
        return graph.node("Relu", [Z])


@ACTIVATIONS.register
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
        xp = array_namespace(Z)
        return xp.multiply(Z, self.negative_slope, out=Z, where=Z < 0)

    def derivative(self, A, delta, Z=None):
        xp = array_namespace(delta)
        xp.multiply(delta, self.negative_slope, out=delta, where=A < 0)

    def __repr__(self):
        return f"LeakyReLU(negative_slope={self.negative_slope})"

    def to_onnx(self, graph, Z):
        # onnxruntime's LeakyRelu is float-only: doubles spell it out, as
        # max(z, s z), which is z for z >= 0 and s z for z < 0 (0 < s < 1).
        if not graph.is_double:
            return graph.node("LeakyRelu", [Z], alpha=self.negative_slope)
        return graph.node("Max", [Z, graph.scalar_op("Mul", Z, self.negative_slope)])


@ACTIVATIONS.register
class ELU(Activation):
    r"""The exponential linear unit (Clevert et al., 2016).

    .. math::

        f(z) = \begin{cases} z & z > 0 \\ \alpha (e^z - 1) & z \le 0 \end{cases},
        \qquad
        f'(z) = \begin{cases} 1 & z > 0 \\ f(z) + \alpha & z \le 0 \end{cases}

    Parameters
    ----------
    alpha : float, default=1.0
        Saturation value :math:`-\alpha` for large negative inputs.

    Attributes
    ----------
    scale : float
        Factor :math:`\lambda` on both branches: 1 here, the constant of
        :class:`SELU` there.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.core.activations import ELU
    >>> elu = ELU()
    >>> A = elu.forward(np.array([[-1.0, 0.0, 2.0]]))
    >>> A.round(4)
    array([[-0.6321,  0.    ,  2.    ]])
    >>> delta = np.ones_like(A)
    >>> elu.derivative(A, delta)
    >>> delta.round(4)
    array([[0.3679, 1.    , 1.    ]])
    """

    name = "elu"
    scale = 1.0

    def __init__(self, alpha=1.0):
        self.alpha = alpha

    def forward(self, Z):
        # scale * (max(z, 0) + alpha * expm1(min(z, 0))): one formula for
        # both branches, with no masked assignment.
        xp = array_namespace(Z)
        negative_part = xp.expm1(xp.minimum(Z, 0))
        negative_part *= self.alpha
        xp.maximum(Z, 0, out=Z)
        Z += negative_part
        if self.scale != 1.0:
            Z *= self.scale
        return Z

    def derivative(self, A, delta, Z=None):
        # For z <= 0, f' = scale * alpha * e^z = f(z) + scale * alpha.
        slope = A + self.scale * self.alpha
        array_namespace(A).copyto(slope, self.scale, where=A > 0)
        delta *= slope

    def __repr__(self):
        return f"{type(self).__name__}(alpha={self.alpha})"

    def to_onnx(self, graph, Z):
        if not graph.is_double:  # onnxruntime's Elu and Selu are float-only
            if self.name == "selu":
                return graph.node("Selu", [Z], alpha=self.alpha, gamma=self.scale)
            return graph.node("Elu", [Z], alpha=self.alpha)
        # scale * (max(z, 0) + alpha * (exp(min(z, 0)) - 1)), with double
        # constants (ONNX attributes are float32).
        negative = graph.node("Exp", [graph.scalar_op("Min", Z, 0.0)])
        negative = graph.scalar_op(
            "Mul", graph.scalar_op("Sub", negative, 1.0), self.alpha
        )
        A = graph.node("Add", [graph.scalar_op("Max", Z, 0.0), negative])
        return A if self.scale == 1.0 else graph.scalar_op("Mul", A, self.scale)


@ACTIVATIONS.register
class SELU(ELU):
    r"""The scaled exponential linear unit (Klambauer et al., 2017).

    .. math::

        f(z) = \lambda \begin{cases} z & z > 0 \\
            \alpha (e^z - 1) & z \le 0 \end{cases},
        \qquad
        f'(z) = \begin{cases} \lambda & z > 0 \\
            f(z) + \lambda\alpha & z \le 0 \end{cases}

    with the self-normalising constants :math:`\lambda \approx 1.0507` and
    :math:`\alpha \approx 1.6733`. Pair it with ``weight_init="lecun_normal"``.

    Attributes
    ----------
    alpha : float
        The constant :math:`\alpha`, 1.6732632423543772.
    scale : float
        The constant :math:`\lambda`, 1.0507009873554805.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.core.activations import SELU
    >>> SELU().forward(np.array([[-1.0, 1.0]])).round(4)
    array([[-1.1113,  1.0507]])
    """

    name = "selu"
    alpha = 1.6732632423543772
    scale = 1.0507009873554805

    def __init__(self):
        # No parameters: the constants above are fixed.
        pass

    def derivative(self, A, delta, Z=None):
        # f' = A + lambda alpha for z <= 0 and lambda above, written as
        # arithmetic, min(A, 0) + la - [A > 0] (la - lambda): 2.5 times
        # faster than a masked copy on a (256, 256) float32 block. la and
        # lambda are within a factor of two, so la - lambda is exact
        # (Sterbenz), and la minus it is lambda to the last bit: the same
        # slope as ELU's masked copy.
        xp = array_namespace(A)
        scalar = xp.scalar_type(A.dtype)
        la = scalar(self.scale * self.alpha)
        gap = scalar(la - scalar(self.scale))
        slope = xp.minimum(A, 0)
        slope += la
        step = xp.astype(A > 0, A.dtype)
        step *= gap
        slope -= step
        delta *= slope

    def __repr__(self):
        return "SELU()"


@ACTIVATIONS.register
class Softplus(Activation):
    r"""The softplus, a smooth ReLU.

    .. math::

        f(z) = \log(1 + e^z), \qquad f'(z) = \sigma(z) = 1 - e^{-f(z)}

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.core.activations import Softplus
    >>> softplus = Softplus()
    >>> A = softplus.forward(np.array([[0.0, 2.0]]))
    >>> delta = np.ones_like(A)
    >>> softplus.derivative(A, delta)
    >>> delta.round(3)
    array([[0.5  , 0.881]])
    """

    name = "softplus"

    def forward(self, Z):
        return array_namespace(Z).logaddexp(0, Z, out=Z)

    def derivative(self, A, delta, Z=None):
        # 1 - exp(-A), with expm1 for accuracy where A is tiny.
        delta *= -array_namespace(A).expm1(-A)

    def to_onnx(self, graph, Z):
        if not graph.is_double:  # onnxruntime's Softplus is float-only
            return graph.node("Softplus", [Z])
        # log(1 + e^z) = max(z, 0) + log(1 + e^-|z|): no overflow.
        tail = graph.node("Exp", [graph.node("Neg", [graph.node("Abs", [Z])])])
        tail = graph.node("Log", [graph.scalar_op("Add", tail, 1.0)])
        return graph.node("Add", [graph.scalar_op("Max", Z, 0.0), tail])


@ACTIVATIONS.register
class SiLU(Activation):
    r"""The sigmoid-weighted linear unit, or swish.

    .. math::

        f(z) = z\,\sigma(z), \qquad
        f'(z) = \sigma(z)\,\big(1 + z\,(1 - \sigma(z))\big)

    :math:`f` has a minimum near :math:`z = -1.28`, so two inputs share each
    negative output and :math:`f'` cannot be read from ``A``: the network
    keeps ``Z``.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.core.activations import SiLU
    >>> silu = SiLU()
    >>> Z = np.array([[0.0, 2.0]])
    >>> A = silu.forward(Z.copy())
    >>> A.round(4)
    array([[0.    , 1.7616]])
    >>> delta = np.ones_like(A)
    >>> silu.derivative(A, delta, Z)
    >>> delta.round(4)
    array([[0.5   , 1.0908]])
    """

    name = "silu"
    needs_pre_activation = True

    def forward(self, Z):
        Z *= sigmoid(Z)
        return Z

    def derivative(self, A, delta, Z=None):
        s = sigmoid(Z)
        # sigma * (1 + z * (1 - sigma)) = sigma + A * (1 - sigma), as A = z sigma.
        slope = 1 - s
        slope *= A
        slope += s
        delta *= slope

    def to_onnx(self, graph, Z):
        return graph.node("Mul", [Z, graph.node("Sigmoid", [Z])])


@ACTIVATIONS.register
class GELU(Activation):
    r"""The Gaussian error linear unit, in its tanh approximation.

    .. math::

        f(z) = \tfrac12 z\,(1 + \tanh u), \quad
        u = \sqrt{2/\pi}\,(z + 0.044715\,z^3),

    .. math::

        f'(z) = \tfrac12 (1 + \tanh u)
            + \tfrac12 z\,(1 - \tanh^2 u)\,\sqrt{2/\pi}\,(1 + 3 \cdot 0.044715\,z^2)

    The approximation (Hendrycks and Gimpel, 2016) is what GPT-2 and
    ``torch.nn.GELU(approximate="tanh")`` use; it is within 5e-4 of the
    exact :math:`z\,\Phi(z)`, whose error function NumPy lacks. Like
    :class:`SiLU`, it is not invertible, so the network keeps ``Z``.

    Attributes
    ----------
    SQRT_2_OVER_PI : float
        The factor :math:`\sqrt{2/\pi}` of :math:`u`.
    CUBIC : float
        The coefficient 0.044715 of :math:`z^3` in :math:`u`.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.core.activations import GELU
    >>> gelu = GELU()
    >>> Z = np.array([[-1.0, 0.0, 1.0]])
    >>> gelu.forward(Z.copy()).round(4)
    array([[-0.1588,  0.    ,  0.8412]])
    """

    name = "gelu"
    needs_pre_activation = True
    SQRT_2_OVER_PI = float(np.sqrt(2.0 / np.pi))
    CUBIC = 0.044715

    def _gate(self, Z):
        """``(1 + tanh u) / 2``, computed as ``sigmoid(2u)``.

        The two are equal; the sigmoid keeps its relative accuracy for
        negative ``z``, where ``1 + tanh u`` cancels (badly in float32).
        """
        # sigmoid(2u) is exactly 0 or 1 once |z| > 1e4 (|2u| > 1e11);
        # clipping there keeps z**3 from overflowing and changes no result.
        Z = array_namespace(Z).clip(Z, -1e4, 1e4)
        two_u = Z * Z
        two_u *= self.CUBIC
        two_u += 1
        two_u *= Z
        two_u *= 2 * self.SQRT_2_OVER_PI
        return sigmoid(two_u, out=two_u)

    def forward(self, Z):
        Z *= self._gate(Z)
        return Z

    def derivative(self, A, delta, Z=None):
        # f' = s + z * (1 - tanh^2 u) / 2 * du/dz, with s = (1 + tanh u) / 2
        # and (1 - tanh^2 u) / 2 = 2 s (1 - s).
        s = self._gate(Z)
        Z = array_namespace(Z).clip(
            Z, -1e4, 1e4
        )  # beyond, s (1 - s) is 0 and f' is 0 or 1
        slope = Z * Z
        slope *= 3 * self.CUBIC
        slope += 1
        slope *= Z
        slope *= 2 * self.SQRT_2_OVER_PI
        slope *= s
        slope *= 1 - s
        slope += s
        delta *= slope

    def to_onnx(self, graph, Z):
        # onnxruntime's double Gelu strays from the formula by ~1e-9.
        if not graph.is_double and (graph.opset is None or graph.opset >= 20):
            return graph.node("Gelu", [Z], approximate="tanh")  # opset 20
        # 0.5 z (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3)))
        cube = graph.node("Mul", [graph.node("Mul", [Z, Z]), Z])
        u = graph.node("Add", [Z, graph.scalar_op("Mul", cube, self.CUBIC)])
        t = graph.node("Tanh", [graph.scalar_op("Mul", u, self.SQRT_2_OVER_PI)])
        half_z = graph.scalar_op("Mul", Z, 0.5)
        return graph.node("Mul", [half_z, graph.scalar_op("Add", t, 1.0)])


@ACTIVATIONS.register
class Mish(Activation):
    r"""Mish (Misra, 2019), RealMLP's activation for regression.

    .. math::

        f(z) = z \tanh(\mathrm{softplus}(z)), \qquad
        f'(z) = \tanh(\mathrm{softplus}(z))
            + z\,\sigma(z)\,\big(1 - \tanh^2(\mathrm{softplus}(z))\big)

    It dips below zero (minimum near :math:`z = -1.19`), so the network
    keeps ``Z`` for the derivative. ``torch.nn.Mish`` is the same function.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.core.activations import Mish
    >>> mish = Mish()
    >>> Z = np.array([[-1.0, 0.0, 1.0]])
    >>> A = mish.forward(Z.copy())
    >>> A.round(4)
    array([[-0.3034,  0.    ,  0.8651]])
    >>> delta = np.ones_like(A)
    >>> mish.derivative(A, delta, Z)
    >>> delta.round(4)
    array([[0.0592, 0.6   , 1.049 ]])
    """

    name = "mish"
    needs_pre_activation = True

    # One exponential serves both: with e = exp(z) and n = e (e + 2),
    #   tanh(softplus(z)) = n / (n + 2)
    #   z sigma(z) (1 - tanh^2) = 4 z e (1 + e) / (n + 2)^2
    # (the textbook form's three transcendental functions cost four times
    # the layer's matrix products). Past z = 20, tanh(softplus(z)) is 1 to
    # 1e-17: z is capped there, so that every product stays finite in
    # float32; below -1e4, e is 0 and so is the slope.
    _CAP = 20.0

    def _capped(self, Z):
        """``min(max(z, -1e4), 20)`` and ``e = exp`` of it, new arrays."""
        xp = array_namespace(Z)
        capped = xp.clip(Z, -1e4, self._CAP)
        return capped, xp.exp(capped)

    @staticmethod
    def _n(e):
        n = e + 2
        n *= e  # n = e (e + 2) = (1 + e)^2 - 1, without cancellation
        return n

    def forward(self, Z):
        _, e = self._capped(Z)
        n = self._n(e)
        e = n + 2
        n /= e  # tanh(softplus(z)) = n / (n + 2)
        Z *= n
        return Z

    def derivative(self, A, delta, Z=None):
        capped, e = self._capped(Z)
        slope = e + 1
        slope *= e  # e (1 + e)
        n = self._n(e)
        e = n + 2
        n /= e  # t
        slope *= capped
        slope *= 4
        slope /= e
        slope /= e  # 4 z e (1 + e) / (n + 2)^2
        slope += n
        delta *= slope

    def to_onnx(self, graph, Z):
        softplus = get_activation("softplus").to_onnx(graph, Z)
        return graph.node("Mul", [Z, graph.node("Tanh", [softplus])])


def get_activation(name):
    """Look up a hidden-layer activation by name.

    Parameters
    ----------
    name : str or Activation
        A name in :data:`ACTIVATIONS`, or an :class:`Activation` instance.

    Returns
    -------
    activation : Activation
        The activation object: for a name, one shared instance of its
        registered class with its default options.

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
    cls = ACTIVATIONS.lookup(name)  # a ValueError names the registered ones
    instance = _SHARED.get(cls)
    if instance is None:
        instance = _SHARED[cls] = cls()
    return instance


# One instance per class: activations hold no state, and a network compares
# its activations by identity.
_SHARED = {}
