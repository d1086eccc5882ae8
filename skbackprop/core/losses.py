r"""Losses, each paired with the output function it is the canonical loss for.

The network's last layer produces raw outputs (logits) ``Z`` of shape
``(n_samples, n_outputs)``. A :class:`Loss` knows

- its output function ``g`` (softmax, logistic, identity or exp), which turns
  ``Z`` into predictions ``Y_hat = g(Z)``;
- the loss of each sample, computed from ``Z`` directly so that it stays
  finite and accurate where ``g(Z)`` rounds to 0 or 1;
- the output delta :math:`\partial L / \partial Z`. For the four canonical
  pairs (softmax with cross-entropy, logistic with binary cross-entropy,
  identity with squared error, exp with Poisson deviance) it is
  :math:`g(Z) - Y`, the default of :meth:`Loss.output_delta`. The robust
  regression losses (absolute error, Huber, quantile) use the identity
  output and give their own delta: a sign, a clipped residual, or the
  quantile's two slopes.

Losses here are sums over outputs and over samples (weighted); the network
divides by the batch's weight total.
"""

import numpy as np

from skbackprop.core.activations import sigmoid
from skbackprop.core.arrays import array_namespace
from skbackprop.core.registry import Param, Registered, Registry

__all__ = [
    "LOSSES",
    "AbsoluteError",
    "BinaryCrossEntropy",
    "HalfPoissonDeviance",
    "HalfSquaredError",
    "Huber",
    "Loss",
    "PinballLoss",
    "SoftmaxCrossEntropy",
    "get_loss",
    "log_softmax",
    "softmax",
]


def softmax(Z, out=None):
    r"""Row-wise softmax, :math:`\mathrm{softmax}(z)_k = e^{z_k} / \sum_j e^{z_j}`.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_classes)
        Logits.
    out : ndarray of shape (n_samples, n_classes), default=None
        Where to write the result; may be ``Z`` itself.

    Returns
    -------
    P : ndarray of shape (n_samples, n_classes)
        Probabilities; each row sums to one.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.core.losses import softmax
    >>> softmax(np.array([[0.0, 0.0], [0.0, np.log(3.0)]])).round(3)
    array([[0.5 , 0.5 ],
           [0.25, 0.75]])
    """
    # Subtracting the row maximum leaves the softmax unchanged and keeps
    # every exponent <= 0, so exp never overflows.
    xp = array_namespace(Z)
    shifted = Z - xp.max(Z, axis=1, keepdims=True)
    out = xp.exp(shifted, out=out)
    out /= xp.sum(out, axis=1, keepdims=True)
    return out


def log_softmax(Z):
    r"""Row-wise log-softmax, :math:`z_k - \log \sum_j e^{z_j}`, always finite.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_classes)
        Logits.

    Returns
    -------
    log_P : ndarray of shape (n_samples, n_classes)
        Log-probabilities.

    Examples
    --------
    Finite where ``log(softmax(Z))`` would give ``-inf``:

    >>> import numpy as np
    >>> from skbackprop.core.losses import log_softmax
    >>> log_softmax(np.array([[0.0, 1000.0]]))
    array([[-1000.,     0.]])
    """
    xp = array_namespace(Z)
    shifted = Z - xp.max(Z, axis=1, keepdims=True)
    shifted -= xp.log(xp.sum(xp.exp(shifted), axis=1, keepdims=True))
    return shifted


def _weighted_sum(per_sample, sample_weight):
    """Sum of per-sample losses, weighted when weights are given."""
    if sample_weight is None:
        return float(array_namespace(per_sample).sum(per_sample))
    return float(per_sample @ sample_weight)


class Loss(Registered):
    """A loss paired with its output function.

    Subclasses implement :meth:`output` and :meth:`per_sample`;
    :meth:`output_delta` follows from the canonical pairing.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.core.losses import get_loss
    >>> loss = get_loss("log_loss")
    >>> Z = np.array([[0.0, 0.0]])  # logits
    >>> Y = np.array([[1.0, 0.0]])  # one-hot target
    >>> round(loss.value(Z, Y), 4)  # log 2
    0.6931
    >>> loss.output_delta(Z, Y, out=np.empty_like(Z))
    array([[-0.5,  0.5]])
    """

    #: Name used by the estimators' ``loss`` parameter.
    name = None
    #: Name of the output function, reported as ``out_activation_``.
    output_name = None
    #: ``'regression'``: a choice of the regressor's ``loss`` parameter;
    #: ``'classification'``: chosen by the classifier from the targets.
    task = "regression"

    def output(self, Z):
        """Apply the output function in place: ``Z`` becomes ``g(Z)``.

        Parameters
        ----------
        Z : ndarray of shape (n_samples, n_outputs)
            Raw outputs of the last layer; overwritten.

        Returns
        -------
        Y_hat : ndarray of shape (n_samples, n_outputs)
            ``Z`` itself, now holding the predictions.
        """
        raise NotImplementedError

    def per_sample(self, Z, Y):
        """Compute the loss of each sample, summed over outputs, from the raw outputs.

        Parameters
        ----------
        Z : ndarray of shape (n_samples, n_outputs)
            Raw outputs of the last layer.
        Y : ndarray of shape (n_samples, n_outputs)
            Targets (one-hot or 0/1 indicators for classification).

        Returns
        -------
        losses : ndarray of shape (n_samples,)
            The loss of each sample.
        """
        raise NotImplementedError

    def value(self, Z, Y, sample_weight=None):
        r"""Total loss :math:`\sum_i w_i \ell(z_i, y_i)` of a batch.

        Parameters
        ----------
        Z : ndarray of shape (n_samples, n_outputs)
            Raw outputs of the last layer.
        Y : ndarray of shape (n_samples, n_outputs)
            Targets.
        sample_weight : ndarray of shape (n_samples,), default=None
            Per-sample weights; ``None`` means all ones.

        Returns
        -------
        total : float
            The weighted sum of the per-sample losses.
        """
        return _weighted_sum(self.per_sample(Z, Y), sample_weight)

    def value_and_delta(self, Z, Y, sample_weight, out):
        r"""Total loss of a batch and its output delta, in one pass.

        What the training loop calls: subclasses override it to share work
        between the two (the exponentials of the softmax, say).

        Parameters
        ----------
        Z : ndarray of shape (n_samples, n_outputs)
            Raw outputs of the last layer; left unchanged.
        Y : ndarray of shape (n_samples, n_outputs)
            Targets.
        sample_weight : ndarray of shape (n_samples,) or None
            Per-sample weights; ``None`` means all ones.
        out : ndarray of shape (n_samples, n_outputs)
            Where to write the delta :math:`\partial \ell / \partial Z` (not
            yet weighted): ``g(Z) - Y`` for the canonical pairs.

        Returns
        -------
        total : float
            ``value(Z, Y, sample_weight)``.
        """
        total = self.value(Z, Y, sample_weight)
        self.output_delta(Z, Y, out)
        return total

    def output_delta(self, Z, Y, out):
        r"""Output delta :math:`\partial \ell / \partial Z`, by default ``g(Z) - Y``.

        The default holds for the canonical pairs; the robust regression
        losses override it.

        Parameters
        ----------
        Z : ndarray of shape (n_samples, n_outputs)
            Raw outputs of the last layer; left unchanged.
        Y : ndarray of shape (n_samples, n_outputs)
            Targets.
        out : ndarray of shape (n_samples, n_outputs)
            Where to write the delta.

        Returns
        -------
        delta : ndarray of shape (n_samples, n_outputs)
            ``out``, holding the delta.
        """
        array_namespace(Z).copyto(out, Z)
        self.output(out)
        out -= Y
        return out

    @staticmethod
    def output_to_onnx(graph, Z):
        """Add the ONNX nodes of the output function ``g(Z)``; return its name.

        ``graph`` is the exporter's builder (see
        :meth:`skbackprop.core.activations.Activation.to_onnx`).

        Parameters
        ----------
        graph : object
            The graph being built.
        Z : str
            The name of the raw output tensor.

        Returns
        -------
        Y_hat : str
            The name of the predictions' tensor.
        """
        raise NotImplementedError

    def __repr__(self):
        options = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({options})"

    def __eq__(self, other):
        return type(self) is type(other) and vars(self) == vars(other)

    def __hash__(self):
        return hash(type(self))


#: Losses by name.
LOSSES = Registry("loss", Loss)


class _IdentityOutput(Loss):
    """A loss whose output function is the identity (regression losses)."""

    output_name = "identity"

    def output(self, Z):
        return Z

    @staticmethod
    def output_to_onnx(graph, Z):
        return Z


@LOSSES.register
class HalfSquaredError(_IdentityOutput):
    r"""Half squared error with identity output.

    .. math::

        \ell(z, y) = \tfrac12 \sum_k (z_k - y_k)^2, \qquad
        \frac{\partial \ell}{\partial z} = z - y

    The sum runs over outputs: this is the objective whose gradient
    scikit-learn's MLP follows, while it reports the mean over outputs
    (scikit-learn issue #8349).

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.core.losses import HalfSquaredError
    >>> loss = HalfSquaredError()
    >>> Z, Y = np.array([[1.0], [3.0]]), np.array([[0.0], [1.0]])
    >>> loss.per_sample(Z, Y)
    array([0.5, 2. ])
    >>> loss.value(Z, Y, sample_weight=np.array([1.0, 0.5]))
    1.5
    """

    name = "squared_error"

    def per_sample(self, Z, Y):
        residual = Z - Y
        return 0.5 * array_namespace(Z).row_dot(residual, residual)

    def value_and_delta(self, Z, Y, sample_weight, out):
        xp = array_namespace(Z)
        residual = xp.subtract(Z, Y, out=out)  # the delta is the residual
        per_sample = 0.5 * xp.row_dot(residual, residual)
        return _weighted_sum(per_sample, sample_weight)


@LOSSES.register
class HalfPoissonDeviance(Loss):
    r"""Half Poisson deviance with exp output (log link).

    .. math::

        \ell(z, y) = \sum_k \left(y_k \log y_k - y_k z_k - y_k + e^{z_k}\right),
        \qquad \frac{\partial \ell}{\partial z} = e^{z} - y

    with :math:`0 \log 0 = 0`. Targets must be non-negative.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.core.losses import HalfPoissonDeviance
    >>> loss = HalfPoissonDeviance()
    >>> loss.output(np.array([[0.0, np.log(2.0)]]))  # the exp output
    array([[1., 2.]])
    >>> loss.per_sample(np.log([[2.0]]), np.array([[2.0]]))  # exact prediction
    array([0.])
    """

    name = "poisson"
    output_name = "exp"

    @staticmethod
    def exponent_cap(dtype, finfo=np.finfo):
        """The largest exponent the output takes: ``log(max) - 1`` of ``dtype``.

        Capped so that exp returns a huge finite number instead of
        overflowing to inf (``log(max)`` itself rounds up and overflows).
        The ONNX export caps its graph's exponent with the same number.

        Parameters
        ----------
        dtype : dtype
            The floating-point type.
        finfo : callable, default=numpy.finfo
            The ``finfo`` of the dtype's library.

        Returns
        -------
        cap : float
            The cap.
        """
        return np.log(finfo(dtype).max) - 1

    def output(self, Z):
        xp = array_namespace(Z)
        xp.minimum(Z, self.exponent_cap(Z.dtype, xp.finfo), out=Z)
        return xp.exp(Z, out=Z)

    @classmethod
    def output_to_onnx(cls, graph, Z):
        return graph.node(
            "Exp", [graph.scalar_op("Min", Z, cls.exponent_cap(graph.dtype))]
        )

    def per_sample(self, Z, Y):
        xp = array_namespace(Z)
        positive = Y > 0
        y_log_y = xp.where(positive, Y * xp.log(xp.where(positive, Y, 1)), 0)
        mu = self.output(xp.copy(Z))
        return xp.sum(y_log_y - Y * Z - Y + mu, axis=1)


class _SmoothedLabels(Loss):
    r"""A classification loss whose targets may be smoothed.

    With label smoothing :math:`\varepsilon`, the targets of ``K`` classes
    become :math:`y (1 - \varepsilon) + \varepsilon / K` before the loss and
    its delta are computed; ``K = 2`` for each logistic output (binary and
    multilabel). The default 0 leaves them as they are.

    Parameters
    ----------
    label_smoothing : float, default=0.0
        :math:`\varepsilon`, in [0, 1).
    """

    parameters = {"label_smoothing": Param(float, 0, 1, closed="left")}
    task = "classification"

    def __init__(self, label_smoothing=0.0):
        self.label_smoothing = label_smoothing

    @classmethod
    def from_params(cls, params):
        return cls(label_smoothing=params.get("label_smoothing", 0.0))

    def _classes(self, Y):
        """``K``, the number of classes one row of ``Y`` chooses among."""
        raise NotImplementedError

    def smoothed(self, Y):
        """The targets ``Y`` smoothed (``Y`` itself without smoothing).

        Parameters
        ----------
        Y : ndarray of shape (n_samples, n_outputs)
            One-hot or 0/1 targets.

        Returns
        -------
        Y : ndarray of shape (n_samples, n_outputs)
            A new array when smoothing; ``Y`` itself otherwise.
        """
        eps = self.label_smoothing
        if not eps:
            return Y
        return Y * (1.0 - eps) + eps / self._classes(Y)

    def per_sample(self, Z, Y):
        return self._per_sample(Z, self.smoothed(Y))

    def value_and_delta(self, Z, Y, sample_weight, out):
        return self._value_and_delta(Z, self.smoothed(Y), sample_weight, out)

    def output_delta(self, Z, Y, out):
        return super().output_delta(Z, self.smoothed(Y), out)


@LOSSES.register
class SoftmaxCrossEntropy(_SmoothedLabels):
    r"""Categorical cross-entropy with softmax output.

    .. math::

        \ell(z, y) = -\sum_k y_k \log \mathrm{softmax}(z)_k, \qquad
        \frac{\partial \ell}{\partial z} = \mathrm{softmax}(z) - y

    Parameters
    ----------
    label_smoothing : float, default=0.0
        Targets :math:`y (1 - \varepsilon) + \varepsilon / K` for ``K``
        classes, as ``torch.nn.CrossEntropyLoss(label_smoothing=...)``.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.core.losses import SoftmaxCrossEntropy
    >>> Z, Y = np.array([[0.0, 0.0]]), np.array([[1.0, 0.0]])
    >>> delta = np.empty_like(Z)
    >>> round(SoftmaxCrossEntropy().value_and_delta(Z, Y, None, out=delta), 4)
    0.6931
    >>> delta
    array([[-0.5,  0.5]])
    """

    name = "log_loss"
    output_name = "softmax"

    @staticmethod
    def output_to_onnx(graph, Z):
        return graph.node("Softmax", [Z], axis=1)

    def output(self, Z):
        return softmax(Z, out=Z)

    def _classes(self, Y):
        return Y.shape[1]

    def _per_sample(self, Z, Y):
        return -array_namespace(Z).row_dot(Y, log_softmax(Z))

    def _value_and_delta(self, Z, Y, sample_weight, out):
        # One pass shared by loss and delta, with scikit-learn's softmax ops:
        #   s = z - max(z);  loss = log(sum(e^s)) * sum(y) - y . s
        #   delta = e^s / sum(e^s) - y
        xp = array_namespace(Z)
        shifted = xp.subtract(Z, xp.max(Z, axis=1, keepdims=True), out=out)
        y_dot_shifted = xp.row_dot(Y, shifted)
        # Row sums as products with a ones vector: several times faster than
        # .sum(axis=1) on a few columns (rounding differs in the last bit).
        ones = xp.ones(Z.shape[1], dtype=Z.dtype, device=xp.device(Z))
        exp_sum = xp.exp(shifted, out=out) @ ones
        per_sample = xp.log(exp_sum) * (Y @ ones) - y_dot_shifted
        out /= exp_sum[:, None]
        out -= Y
        return _weighted_sum(per_sample, sample_weight)


@LOSSES.register
class BinaryCrossEntropy(_SmoothedLabels):
    r"""Binary cross-entropy with logistic output, per output column.

    Used for binary classification (one output) and multilabel
    classification (one output per label).

    .. math::

        \ell(z, y) = \sum_k \left(\log(1 + e^{z_k}) - y_k z_k\right), \qquad
        \frac{\partial \ell}{\partial z} = \sigma(z) - y

    Parameters
    ----------
    label_smoothing : float, default=0.0
        Targets :math:`y (1 - \varepsilon) + \varepsilon / 2` per output.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.core.losses import BinaryCrossEntropy
    >>> Z, Y = np.array([[0.0], [4.0]]), np.array([[1.0], [1.0]])
    >>> BinaryCrossEntropy().per_sample(Z, Y).round(4)
    array([0.6931, 0.0181])
    >>> BinaryCrossEntropy().output_delta(Z, Y, out=np.empty_like(Z)).round(4)
    array([[-0.5  ],
           [-0.018]])
    """

    name = "binary_log_loss"
    output_name = "logistic"

    @staticmethod
    def output_to_onnx(graph, Z):
        return graph.node("Sigmoid", [Z])

    def output(self, Z):
        return sigmoid(Z, out=Z)

    def _classes(self, Y):
        return 2  # each output is a yes/no

    def _per_sample(self, Z, Y):
        # log(1 + e^z) computed as logaddexp(0, z): finite for any z.
        xp = array_namespace(Z)
        return xp.sum(xp.logaddexp(0, Z) - Y * Z, axis=1)

    def _value_and_delta(self, Z, Y, sample_weight, out):
        # One exponential shared by loss and delta: with e = exp(-|z|),
        #   log(1 + e^z) = max(z, 0) + log1p(e)
        #   sigmoid(z) = 1 / (1 + e) for z >= 0, e / (1 + e) for z < 0
        xp = array_namespace(Z)
        e = xp.exp(-xp.abs(Z))
        softplus = xp.log1p(e)
        softplus += xp.maximum(Z, 0)
        softplus -= Y * Z
        xp.divide(xp.where(Z >= 0, 1, e), xp.add(e, 1, out=e), out=out)
        out -= Y
        return _weighted_sum(xp.sum(softplus, axis=1), sample_weight)


@LOSSES.register
class AbsoluteError(_IdentityOutput):
    r"""Absolute error with identity output: the median regression loss.

    .. math::

        \ell(z, y) = \sum_k |z_k - y_k|, \qquad
        \frac{\partial \ell}{\partial z} = \operatorname{sign}(z - y)

    with the subgradient 0 where :math:`z = y`.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.core.losses import AbsoluteError
    >>> Z, Y = np.array([[1.0], [3.0]]), np.array([[0.0], [5.0]])
    >>> AbsoluteError().per_sample(Z, Y)
    array([1., 2.])
    >>> AbsoluteError().output_delta(Z, Y, out=np.empty_like(Z))
    array([[ 1.],
           [-1.]])
    """

    name = "absolute_error"

    def per_sample(self, Z, Y):
        xp = array_namespace(Z)
        return xp.sum(xp.abs(Z - Y), axis=1)

    def output_delta(self, Z, Y, out):
        xp = array_namespace(Z)
        return xp.sign(xp.subtract(Z, Y, out=out), out=out)

    def value_and_delta(self, Z, Y, sample_weight, out):
        xp = array_namespace(Z)
        residual = xp.subtract(Z, Y, out=out)
        per_sample = xp.sum(xp.abs(residual), axis=1)
        xp.sign(residual, out=out)
        return _weighted_sum(per_sample, sample_weight)


@LOSSES.register
class Huber(_IdentityOutput):
    r"""Huber loss with identity output: squared near zero, linear beyond.

    .. math::

        \ell(z, y) = \sum_k \begin{cases}
            \tfrac12 r_k^2 & |r_k| \le \delta \\
            \delta\,(|r_k| - \tfrac12 \delta) & |r_k| > \delta
        \end{cases}, \quad r = z - y, \qquad
        \frac{\partial \ell}{\partial z} = \operatorname{clip}(r, -\delta, \delta)

    Parameters
    ----------
    delta : float, default=1.0
        Residual size where the loss turns from squared to linear, in the
        units of the targets.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.core.losses import Huber
    >>> Z, Y = np.array([[0.5], [3.0]]), np.array([[0.0], [0.0]])
    >>> Huber(delta=1.0).per_sample(Z, Y)
    array([0.125, 2.5  ])
    >>> Huber(delta=1.0).output_delta(Z, Y, out=np.empty_like(Z))
    array([[0.5],
           [1. ]])
    """

    name = "huber"

    parameters = {"huber_delta": Param(float, 0, None, closed="neither")}

    def __init__(self, delta=1.0):
        self.delta = delta

    @classmethod
    def from_params(cls, params):
        return cls(delta=params["huber_delta"])

    def per_sample(self, Z, Y):
        xp = array_namespace(Z)
        size = xp.abs(Z - Y)
        quadratic = xp.minimum(size, self.delta)
        # 0.5 q^2 + delta * (|r| - q): the two branches in one formula.
        per_entry = 0.5 * quadratic * quadratic + self.delta * (size - quadratic)
        return xp.sum(per_entry, axis=1)

    def output_delta(self, Z, Y, out):
        xp = array_namespace(Z)
        xp.subtract(Z, Y, out=out)
        return xp.clip(out, -self.delta, self.delta, out=out)


@LOSSES.register
class PinballLoss(_IdentityOutput):
    r"""Pinball (quantile) loss with identity output.

    Minimising it makes :math:`z` the ``quantile``-quantile of :math:`y`
    given the inputs: the fraction ``quantile`` of targets lies below.

    .. math::

        \ell(z, y) = \sum_k \begin{cases}
            q\,(y_k - z_k) & y_k \ge z_k \\
            (1 - q)\,(z_k - y_k) & y_k < z_k
        \end{cases}, \qquad
        \frac{\partial \ell}{\partial z} = \begin{cases}
            -q & y > z \\ 1 - q & y < z \\ 0 & y = z \end{cases}

    Parameters
    ----------
    quantile : float, default=0.5
        The quantile :math:`q` in ``(0, 1)``; 0.5 is half the absolute error.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.core.losses import PinballLoss
    >>> Z, Y = np.array([[0.0], [0.0]]), np.array([[2.0], [-2.0]])
    >>> PinballLoss(quantile=0.9).per_sample(Z, Y)
    array([1.8, 0.2])
    >>> PinballLoss(quantile=0.9).output_delta(Z, Y, out=np.empty_like(Z))
    array([[-0.9],
           [ 0.1]])
    """

    name = "quantile"

    # None is allowed by the check of the parameter (the regressor's
    # default) and refused here, where the quantile is needed.
    parameters = {"quantile": Param(float, 0, 1, closed="neither", optional=True)}

    def __init__(self, quantile=0.5):
        self.quantile = quantile

    @classmethod
    def from_params(cls, params):
        if params["quantile"] is None:
            raise ValueError(
                "loss='quantile' needs the quantile to fit, e.g. quantile=0.9."
            )
        return cls(quantile=params["quantile"])

    def per_sample(self, Z, Y):
        xp = array_namespace(Z)
        residual = Y - Z
        slopes = xp.maximum(self.quantile * residual, (self.quantile - 1) * residual)
        return xp.sum(slopes, axis=1)

    def output_delta(self, Z, Y, out):
        # sign(z - y) is -1, 0 or 1; mapping it to -q, 0, 1 - q:
        # (sign + 1) / 2 - q is right for +-1, and zero residuals give 0.
        xp = array_namespace(Z)
        sign = xp.sign(xp.subtract(Z, Y, out=out), out=out)
        at_zero = sign == 0
        sign += 1
        sign *= 0.5
        sign -= self.quantile
        xp.copyto(sign, 0, where=at_zero)
        return sign


def get_loss(name):
    """Look up a loss by name.

    Parameters
    ----------
    name : str or Loss
        A name in :data:`LOSSES`, or a :class:`Loss` instance.

    Returns
    -------
    loss : Loss
        The loss object: for a name, a new instance of its registered class
        with its default options.

    Raises
    ------
    ValueError
        If ``name`` is not a known loss.

    Examples
    --------
    >>> from skbackprop.core.losses import get_loss
    >>> loss = get_loss("poisson")
    >>> loss, loss.output_name
    (HalfPoissonDeviance(), 'exp')
    """
    if isinstance(name, Loss):
        return name
    return LOSSES.lookup(name)()  # a ValueError names the registered ones
