"""Tools to see inside a network: its layers, one batch's matrices, its gradients.

They work on an estimator as it is (its weights, if fitted) and never change
it: each works on a copy. On an unfitted estimator they use the initial
weights ``fit`` would draw with the same ``random_state``.
"""

from dataclasses import dataclass, field

import numpy as np

from skbackprop._integration import layer_plan, prepare_batch
from skbackprop.core.network import Network, parameter_views, trace

__all__ = [
    "BatchTrace",
    "NetworkDescription",
    "check_gradients",
    "describe_network",
    "trace_batch",
]


def _table(headers, rows):
    """Plain-text table with left-aligned columns."""
    cells = [headers] + [[str(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
        for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def check_gradients(estimator, X, y, sample_weight=None, epsilon=1e-6):
    r"""Compare backpropagation's gradients with central finite differences.

    For every parameter :math:`\theta_k` the objective :math:`J` of the
    batch ``(X, y)`` (loss plus L2 penalty, as in training) is evaluated at
    :math:`\theta_k \pm \epsilon`, and

    .. math::

        \frac{J(\theta + \epsilon e_k) - J(\theta - \epsilon e_k)}{2 \epsilon}

    is compared with the analytic gradient. The check runs in float64 on a
    copy of the network, whatever the model's dtype. It costs two forward
    and backward passes per parameter: use small networks and batches.

    Parameters
    ----------
    estimator : MiniBatchMLPClassifier or MiniBatchMLPRegressor
        Fitted (its weights are checked) or not (the initial weights of
        ``fit`` are checked). It is not changed.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        The batch.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Its targets.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.
    epsilon : float, default=1e-6
        The finite-difference step.

    Returns
    -------
    relative_errors : dict of str to float
        For each parameter array (``'coefs_[0]'``, ..., ``'intercepts_[0]'``,
        ...), ``||g - g_fd|| / (||g|| + ||g_fd||)``. For a correct backward
        pass this is the finite differences' own rounding: of the order of
        1e-10 to 1e-8 on small networks (over 1,000 seeds of the data and
        weights of the example below, the largest error of a call was
        between 3.6e-10 and 1.1e-8). It can be larger for an array whose
        gradient is itself nearly zero, since the rounding is then large
        relative to it, and where a ReLU unit sits exactly at its kink. A
        bug gives errors orders of magnitude larger: 0.2 to 0.5 with the
        derivative of tanh written as ``1 - A`` instead of ``1 - A**2``.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop import MiniBatchMLPClassifier
    >>> from skbackprop.inspection import check_gradients
    >>> rng = np.random.RandomState(0)
    >>> X, y = rng.normal(size=(20, 3)), rng.randint(0, 3, 20)
    >>> errors = check_gradients(
    ...     MiniBatchMLPClassifier(hidden_layer_sizes=(4,), activation="tanh",
    ...                            random_state=0), X, y)
    >>> sorted(errors)
    ['coefs_[0]', 'coefs_[1]', 'intercepts_[0]', 'intercepts_[1]']
    >>> bool(max(errors.values()) < 1e-7)  # about 6e-10 with these seeds
    True
    """
    batch = prepare_batch(estimator, X, y, sample_weight)
    network = batch.network
    exact = Network(
        network.layer_units, network.hidden_activations, network.loss, np.float64
    )
    exact.params[...] = network.params
    X64 = batch.X.astype(np.float64)
    Y64 = batch.Y.astype(np.float64)
    weights = batch.sample_weight
    weights = None if weights is None else weights.astype(np.float64)

    def objective():
        return exact.loss_and_gradient(X64, Y64, weights, alpha=batch.alpha)

    objective()
    analytic = exact.grads.copy()
    numeric = np.empty_like(analytic)
    params = exact.params
    for k in range(params.shape[0]):
        saved = params[k]
        params[k] = saved + epsilon
        plus = objective()
        params[k] = saved - epsilon
        minus = objective()
        params[k] = saved
        numeric[k] = (plus - minus) / (2 * epsilon)

    errors = {}
    for name, mine, theirs in zip(
        ("coefs_", "intercepts_"),
        parameter_views(analytic, network.layer_units),
        parameter_views(numeric, network.layer_units),
        strict=True,
    ):
        for i, (a, b) in enumerate(zip(mine, theirs, strict=True)):
            scale = np.linalg.norm(a) + np.linalg.norm(b)
            errors[f"{name}[{i}]"] = float(
                np.linalg.norm(a - b) / max(scale, np.finfo(float).tiny)
            )
    return errors


@dataclass
class NetworkDescription:
    """The layers of a network: sizes, activations, shapes, parameter counts.

    Attributes
    ----------
    layers : list of dict
        One dict per layer of weights, with keys ``'layer'`` (1 for the
        first hidden layer), ``'units_in'``, ``'units_out'``,
        ``'activation'``, ``'W'`` and ``'b'`` (shapes) and ``'parameters'``.
    n_parameters : int
        Total number of weights and biases.
    """

    layers: list = field(default_factory=list)
    n_parameters: int = 0

    def __str__(self):
        rows = [
            [
                d["layer"],
                d["units_in"],
                d["units_out"],
                d["activation"],
                d["W"],
                d["b"],
                d["parameters"],
            ]
            for d in self.layers
        ]
        headers = ["layer", "in", "out", "activation", "W", "b", "parameters"]
        return _table(headers, rows) + f"\ntotal parameters: {self.n_parameters}"


def describe_network(estimator, n_features_in=None, n_outputs=None):
    """Describe the layers of a fitted or configured network.

    Parameters
    ----------
    estimator : MiniBatchMLPClassifier or MiniBatchMLPRegressor
        A fitted estimator, or a configured one together with
        ``n_features_in`` and ``n_outputs``.
    n_features_in : int, default=None
        Number of input features; required if the estimator is not fitted.
    n_outputs : int, default=None
        Number of outputs (classes for multiclass, 1 for binary, targets for
        regression); required if not fitted. A configured classifier with
        more than two outputs is described as multiclass (softmax output);
        describe a fitted multilabel classifier to see its logistic outputs.

    Returns
    -------
    description : NetworkDescription
        ``str(description)`` is a table of the layers.

    Examples
    --------
    >>> from skbackprop import MiniBatchMLPRegressor
    >>> from skbackprop.inspection import describe_network
    >>> net = MiniBatchMLPRegressor(hidden_layer_sizes=(4, 3))
    >>> print(describe_network(net, n_features_in=5, n_outputs=1))
    layer  in  out  activation  W       b     parameters
    -----  --  ---  ----------  ------  ----  ----------
    1      5   4    relu        (5, 4)  (4,)  24
    2      4   3    relu        (4, 3)  (3,)  15
    3      3   1    identity    (3, 1)  (1,)  4
    total parameters: 43
    """
    units, activations, output = layer_plan(estimator, n_features_in, n_outputs)
    description = NetworkDescription()
    for l, (fan_in, fan_out) in enumerate(zip(units[:-1], units[1:], strict=True)):
        parameters = fan_in * fan_out + fan_out
        description.layers.append(
            {
                "layer": l + 1,
                "units_in": fan_in,
                "units_out": fan_out,
                "activation": activations[l] if l < len(activations) else output,
                "W": (fan_in, fan_out),
                "b": (fan_out,),
                "parameters": parameters,
            }
        )
        description.n_parameters += parameters
    return description


@dataclass
class BatchTrace:
    """Every matrix of one forward and backward pass on one batch.

    Attributes
    ----------
    layers : list of dict
        One dict per layer of weights, with keys ``'layer'`` and the arrays
        ``'Z'`` (pre-activations, ``(n, u_l)``), ``'A'`` (activations; for
        the last layer the output ``g(Z)``), ``'W'`` (``(u_{l-1}, u_l)``),
        ``'D'`` (deltas ``dJ/dZ``, ``(n, u_l)``), ``'dW'`` (same shape as
        ``W``) and ``'db'`` (``(u_l,)``).
    loss : float
        The batch's objective ``J``.
    norms : bool
        Whether ``str()`` shows Frobenius norms next to the shapes.
    """

    layers: list = field(default_factory=list)
    loss: float = 0.0
    norms: bool = False

    def __str__(self):
        names = ["Z", "A", "W", "D", "dW", "db"]

        def cell(array):
            shape = str(array.shape)
            return f"{shape} |{np.linalg.norm(array):.3g}|" if self.norms else shape

        rows = [[d["layer"], *(cell(d[name]) for name in names)] for d in self.layers]
        return _table(["layer", *names], rows) + f"\nloss J = {self.loss:.6g}"


def trace_batch(estimator, X, y, sample_weight=None, norms=False):
    """Run one forward and backward pass on a batch and keep every matrix.

    Nothing is updated: the trace shows what training computes from the
    current weights before a step.

    Parameters
    ----------
    estimator : MiniBatchMLPClassifier or MiniBatchMLPRegressor
        Fitted (its weights) or not (``fit``'s initial weights). It is not
        changed.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        The batch.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Its targets.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.
    norms : bool, default=False
        Whether ``str()`` of the result shows norms as well as shapes.

    Returns
    -------
    trace : BatchTrace
        The matrices of every layer; ``str(trace)`` is a table of shapes.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop import MiniBatchMLPRegressor
    >>> from skbackprop.inspection import trace_batch
    >>> X, y = np.ones((7, 5)), np.zeros(7)
    >>> trace = trace_batch(MiniBatchMLPRegressor(hidden_layer_sizes=(2, 4)), X, y)
    >>> print(trace)  # doctest: +ELLIPSIS
    layer  Z       A       W       D       dW      db
    -----  ------  ------  ------  ------  ------  ----
    1      (7, 2)  (7, 2)  (5, 2)  (7, 2)  (5, 2)  (2,)
    2      (7, 4)  (7, 4)  (2, 4)  (7, 4)  (2, 4)  (4,)
    3      (7, 1)  (7, 1)  (4, 1)  (7, 1)  (4, 1)  (1,)
    loss J = ...
    """
    batch = prepare_batch(estimator, X, y, sample_weight)
    loss, layers = trace(
        batch.network, batch.X, batch.Y, batch.sample_weight, alpha=batch.alpha
    )
    return BatchTrace(layers=layers, loss=loss, norms=norms)
