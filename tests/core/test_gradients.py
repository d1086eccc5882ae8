"""Finite-difference and reference-formula checks of Network.loss_and_gradient."""

import itertools
import zlib

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import xlogy

from skbackprop.core import ACTIVATIONS, LOSSES, get_loss
from skbackprop.core.losses import Huber, PinballLoss
from skbackprop.core.network import Network, draw_dropout_masks

ACTIVATION_NAMES = sorted(ACTIVATIONS)
# (loss, number of outputs): every loss with one and three outputs, and
# softmax with two and three classes.
OUTPUT_CONFIGS = [
    ("squared_error", 1),
    ("squared_error", 3),
    ("poisson", 1),
    ("poisson", 3),
    ("binary_log_loss", 1),
    ("binary_log_loss", 3),
    ("log_loss", 2),
    ("log_loss", 3),
    ("absolute_error", 1),
    ("absolute_error", 3),
    ("huber", 1),
    ("huber", 3),
    ("quantile", 1),
    ("quantile", 3),
]
OUTPUT_IDS = [f"{loss}-{n_out}" for loss, n_out in OUTPUT_CONFIGS]
HIDDEN_LAYERS = {"one_hidden": [5], "two_hidden": [5, 3]}
# Sample weights, L2 penalty, divisor s: all off, and all on.
OPTIONS = {
    "plain": (False, 0.0, None),
    "weighted-alpha-s_custom": (True, 0.37, 7.5),
}
N_FEATURES = 4
N_SAMPLES = 7
STEP = 1e-6
TOLERANCE = 1e-6
# Distance kept from the kinks: hidden pre-activations from 0 (relu, leaky
# relu, elu, selu) and output residuals from the kinks of the robust losses.
# A step of 1e-6 in one parameter moves them by far less.
KINK_MARGIN = 1e-4
LOSS_KINK_MARGIN = 1e-3


def test_configs_cover_every_loss_and_activation():
    assert {loss for loss, _ in OUTPUT_CONFIGS} == set(LOSSES)
    assert set(ACTIVATION_NAMES) == {
        "identity",
        "logistic",
        "tanh",
        "relu",
        "leaky_relu",
        "elu",
        "selu",
        "softplus",
        "silu",
        "gelu",
        "mish",
    }
    mixed = {tuple(case.values[:2]) for case in MIXED_CASES}
    assert mixed == set(itertools.permutations(ACTIVATION_NAMES, 2))
    assert {case.values[2] for case in MIXED_CASES} == set(LOSSES)


# -- independent reference implementation ------------------------------------

_SELU_SCALE, _SELU_ALPHA = 1.0507009873554805, 1.6732632423543772


def _reference_activation(name, Z):
    if name == "identity":
        return Z.copy()
    if name == "logistic":
        return 1.0 / (1.0 + np.exp(-Z))
    if name == "tanh":
        return np.tanh(Z)
    if name == "relu":
        return np.where(Z > 0, Z, 0.0)
    if name == "leaky_relu":
        return np.where(Z >= 0, Z, 0.01 * Z)
    if name == "elu":
        return np.where(Z > 0, Z, np.exp(Z) - 1.0)
    if name == "selu":
        return _SELU_SCALE * np.where(Z > 0, Z, _SELU_ALPHA * (np.exp(Z) - 1.0))
    if name == "softplus":
        return np.log(1.0 + np.exp(Z))
    if name == "silu":
        return Z / (1.0 + np.exp(-Z))
    if name == "gelu":
        inner = np.sqrt(2.0 / np.pi) * (Z + 0.044715 * Z**3)
        return 0.5 * Z * (1.0 + np.tanh(inner))
    if name == "mish":
        return Z * np.tanh(np.log1p(np.exp(Z)))
    raise AssertionError(name)


def _split(flat, layer_units):
    """All weights (row-major, layer by layer) then all biases."""
    coefs, intercepts, start = [], [], 0
    for fan_in, fan_out in zip(layer_units[:-1], layer_units[1:], strict=True):
        coefs.append(flat[start : start + fan_in * fan_out].reshape(fan_in, fan_out))
        start += fan_in * fan_out
    for fan_out in layer_units[1:]:
        intercepts.append(flat[start : start + fan_out])
        start += fan_out
    assert start == flat.size
    return coefs, intercepts


def _reference_forward(X, flat, layer_units, activations, masks=None):
    """Hidden pre-activations and raw outputs, from the textbook formulas.

    ``masks`` (one per hidden layer, or None) multiply the hidden activations:
    inverted dropout with the masks held fixed.
    """
    coefs, intercepts = _split(np.asarray(flat, dtype=np.float64), layer_units)
    A = np.asarray(X, dtype=np.float64)
    pre_activations = []
    for layer, (W, b) in enumerate(zip(coefs, intercepts, strict=True)):
        Z = A @ W + b
        if layer == len(coefs) - 1:
            return pre_activations, Z
        pre_activations.append(Z)
        A = _reference_activation(activations[layer], Z)
        if masks is not None and masks[layer] is not None:
            A = A * masks[layer]
    raise AssertionError("unreachable")


def _reference_per_sample(loss, Z, Y):
    loss = get_loss(loss)
    name = loss.name
    if name == "squared_error":
        return 0.5 * ((Z - Y) ** 2).sum(axis=1)
    if name == "poisson":
        return (xlogy(Y, Y) - Y * Z - Y + np.exp(Z)).sum(axis=1)
    if name == "log_loss":
        P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
        return -(Y * np.log(P)).sum(axis=1)
    if name == "binary_log_loss":
        P = 1.0 / (1.0 + np.exp(-Z))
        return -(Y * np.log(P) + (1 - Y) * np.log(1 - P)).sum(axis=1)
    if name == "absolute_error":
        return np.abs(Z - Y).sum(axis=1)
    if name == "huber":
        d, r = loss.delta, np.abs(Z - Y)
        return np.where(r <= d, 0.5 * r**2, d * r - 0.5 * d**2).sum(axis=1)
    if name == "quantile":
        q, r = loss.quantile, Y - Z
        return np.where(r >= 0, q * r, (q - 1) * r).sum(axis=1)
    raise AssertionError(name)


def _reference_objective(
    X,
    Y,
    flat,
    layer_units,
    activations,
    loss,
    sample_weight,
    alpha,
    weight_total,
    masks=None,
):
    _, Z = _reference_forward(X, flat, layer_units, activations, masks)
    per_sample = _reference_per_sample(loss, Z, Y)
    w = np.ones(len(Y)) if sample_weight is None else sample_weight
    if weight_total is None:
        weight_total = w.sum()
    coefs, _ = _split(np.asarray(flat, dtype=np.float64), layer_units)
    penalty = 0.5 * alpha * sum((W**2).sum() for W in coefs)
    return (per_sample @ w + penalty) / weight_total


# -- helpers ------------------------------------------------------------------


def _targets(loss, n_out, rng, n_samples=N_SAMPLES):
    name = get_loss(loss).name
    if name == "squared_error":
        return rng.normal(size=(n_samples, n_out))
    if name == "poisson":
        return rng.poisson(1.5, size=(n_samples, n_out)).astype(np.float64)
    if name == "binary_log_loss":
        return rng.randint(0, 2, size=(n_samples, n_out)).astype(np.float64)
    if name == "log_loss":
        return np.eye(n_out)[rng.randint(0, n_out, size=n_samples)]
    if name in ("absolute_error", "huber", "quantile"):
        return rng.normal(size=(n_samples, n_out)) * 1.5
    raise AssertionError(name)


def _away_from_kinks(loss, Y, pre_activations, Z):
    """Whether hidden pre-activations and output residuals avoid every kink."""
    if any(np.abs(H).min() <= KINK_MARGIN for H in pre_activations):
        return False
    loss = get_loss(loss)
    if loss.name not in ("absolute_error", "huber", "quantile"):
        return True
    residual = np.abs(Z - Y)
    if residual.min() <= LOSS_KINK_MARGIN:
        return False
    return loss.name != "huber" or np.abs(residual - loss.delta).min() > (
        LOSS_KINK_MARGIN
    )


def _set_random_params(net, X, Y, rng, masks=None):
    """Random nonzero weights and biases, away from the kinks, for ``X, Y``."""
    activations = [a.name for a in net.hidden_activations]
    for _ in range(200):
        flat = rng.uniform(-1.0, 1.0, size=net.params.size)
        pre_activations, Z = _reference_forward(
            X, flat, net.layer_units, activations, masks
        )
        if _away_from_kinks(net.loss, Y, pre_activations, Z):
            break
    else:
        raise AssertionError("could not draw parameters away from the kinks")
    net.params[:] = flat
    assert np.all(net.params != 0)
    return net


def _random_network(layer_units, activations, loss, X, Y, rng, dtype=np.float64):
    """A network with random parameters away from every kink."""
    net = Network(layer_units, activations, loss, dtype=dtype)
    return _set_random_params(net, X, Y, rng)


def _numerical_gradient(net, X, Y, **kwargs):
    params = net.params
    gradient = np.empty(params.size)
    for k in range(params.size):
        original = params[k]
        params[k] = original + STEP
        plus = net.loss_and_gradient(X, Y, **kwargs)
        params[k] = original - STEP
        minus = net.loss_and_gradient(X, Y, **kwargs)
        params[k] = original
        gradient[k] = (plus - minus) / (2 * STEP)
    return gradient


def _relative_error(g, g_ref):
    scale = max(np.linalg.norm(g) + np.linalg.norm(g_ref), np.finfo(float).tiny)
    return np.linalg.norm(g - g_ref) / scale


def _sample_weight(rng, n_samples=N_SAMPLES):
    w = rng.uniform(0.2, 3.0, size=n_samples)
    w[1] = 0.0  # a zero weight must remove the sample entirely
    return w


def _check_gradient(
    layer_units,
    activations,
    loss,
    n_out,
    use_weights,
    alpha,
    total,
    dropout_rates=None,
):
    # A seed that depends on the case, stable across runs (unlike hash()).
    rng = np.random.RandomState(
        zlib.crc32(repr((layer_units, activations, loss, n_out)).encode())
    )
    X = rng.normal(size=(N_SAMPLES, layer_units[0]))
    Y = _targets(loss, n_out, rng)
    net = Network(layer_units, activations, loss)
    masks = None
    if dropout_rates is not None:
        masks = draw_dropout_masks(net, N_SAMPLES, dropout_rates, rng)
    _set_random_params(net, X, Y, rng, masks)
    sample_weight = _sample_weight(rng) if use_weights else None
    kwargs = dict(sample_weight=sample_weight, alpha=alpha, weight_total=total)
    if masks is not None:
        kwargs["dropout_masks"] = masks
    params_before = net.params.copy()

    value = net.loss_and_gradient(X, Y, **kwargs)
    analytic = net.grads.copy()
    assert isinstance(value, float)
    assert np.all(np.isfinite(analytic))

    expected = _reference_objective(
        X,
        Y,
        net.params,
        layer_units,
        activations,
        loss,
        sample_weight,
        alpha,
        total,
        masks,
    )
    np.testing.assert_allclose(value, expected, rtol=1e-12)

    numerical = _numerical_gradient(net, X, Y, **kwargs)
    np.testing.assert_array_equal(net.params, params_before)
    error = _relative_error(analytic, numerical)
    assert error < TOLERANCE, f"relative error {error:.3g}"
    # The analytic gradient is not trivially zero.
    assert np.linalg.norm(analytic) > 1e-3
    return net, X, Y, kwargs, analytic


# -- tests --------------------------------------------------------------------


@pytest.mark.parametrize("options", list(OPTIONS), ids=list(OPTIONS))
@pytest.mark.parametrize("hidden", list(HIDDEN_LAYERS), ids=list(HIDDEN_LAYERS))
@pytest.mark.parametrize(("loss", "n_out"), OUTPUT_CONFIGS, ids=OUTPUT_IDS)
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_gradient_matches_finite_differences(activation, loss, n_out, hidden, options):
    # Every activation with every loss, on both architectures.
    hidden_units = HIDDEN_LAYERS[hidden]
    layer_units = [N_FEATURES, *hidden_units, n_out]
    activations = [activation] * len(hidden_units)
    _check_gradient(layer_units, activations, loss, n_out, *OPTIONS[options])


@pytest.mark.parametrize("weight_total", [None, 7.5], ids=["s_default", "s_custom"])
@pytest.mark.parametrize("alpha", [0.0, 0.37], ids=["alpha0", "alpha"])
@pytest.mark.parametrize("use_weights", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("hidden", list(HIDDEN_LAYERS), ids=list(HIDDEN_LAYERS))
@pytest.mark.parametrize(("loss", "n_out"), OUTPUT_CONFIGS, ids=OUTPUT_IDS)
@pytest.mark.parametrize("activation", ["relu", "silu"])
def test_gradient_every_option_combination(
    activation, loss, n_out, hidden, use_weights, alpha, weight_total
):
    # The full cross product of the options with every loss, for one
    # activation whose derivative is read from A and one that needs Z.
    hidden_units = HIDDEN_LAYERS[hidden]
    layer_units = [N_FEATURES, *hidden_units, n_out]
    activations = [activation] * len(hidden_units)
    _check_gradient(
        layer_units, activations, loss, n_out, use_weights, alpha, weight_total
    )


def _mixed_cases():
    # Every ordered pair of distinct activations, each with two loss
    # configurations taken in turn, so that every loss meets many pairs.
    pairs = list(itertools.permutations(ACTIVATION_NAMES, 2))
    for i, (first, second) in enumerate(pairs):
        for j in (i, i + len(OUTPUT_CONFIGS) // 2):
            loss, n_out = OUTPUT_CONFIGS[j % len(OUTPUT_CONFIGS)]
            yield pytest.param(
                first, second, loss, n_out, id=f"{first}-{second}-{loss}-{n_out}"
            )


MIXED_CASES = list(_mixed_cases())


@pytest.mark.parametrize(("first", "second", "loss", "n_out"), MIXED_CASES)
def test_gradient_with_mixed_hidden_activations(first, second, loss, n_out):
    # Different activations per layer catch a derivative applied to the wrong
    # layer (or a kept Z given to the wrong layer), which identical
    # activations would hide.
    layer_units = [N_FEATURES, 5, 3, n_out]
    _check_gradient(layer_units, [first, second], loss, n_out, True, 0.2, None)


@pytest.mark.parametrize(
    "activations",
    [
        ["relu", "tanh", "logistic"],
        ["logistic", "leaky_relu", "identity"],
        ["tanh", "identity", "relu"],
        ["silu", "elu", "gelu"],
        ["selu", "softplus", "silu"],
        ["gelu", "gelu", "relu"],
    ],
    ids="-".join,
)
@pytest.mark.parametrize(("loss", "n_out"), OUTPUT_CONFIGS, ids=OUTPUT_IDS)
def test_gradient_three_hidden_layers(activations, loss, n_out):
    layer_units = [3, 4, 5, 3, n_out]
    _check_gradient(layer_units, activations, loss, n_out, True, 0.5, 11.0)


@pytest.mark.parametrize("use_weights", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize(("loss", "n_out"), OUTPUT_CONFIGS, ids=OUTPUT_IDS)
def test_gradient_without_hidden_layer(loss, n_out, use_weights):
    _check_gradient([N_FEATURES, n_out], [], loss, n_out, use_weights, 0.3, None)


@pytest.mark.parametrize("n_out", [1, 3])
@pytest.mark.parametrize("activation", ["tanh", "gelu"])
@pytest.mark.parametrize(
    "loss",
    [Huber(delta=0.3), Huber(delta=2.5), PinballLoss(quantile=0.1), PinballLoss(0.9)],
    ids=repr,
)
def test_gradient_with_loss_parameters(loss, activation, n_out):
    layer_units = [N_FEATURES, 5, 3, n_out]
    _check_gradient(layer_units, [activation] * 2, loss, n_out, True, 0.2, None)


def test_huber_cases_reach_both_regions():
    # The targets' spread puts residuals on both sides of delta = 1, so the
    # gradient checks of the huber loss exercise both of its branches.
    rng = np.random.RandomState(0)
    residuals = []
    for _ in range(20):
        X = rng.normal(size=(N_SAMPLES, N_FEATURES))
        Y = _targets("huber", 3, rng)
        net = _random_network([N_FEATURES, 5, 3, 3], ["tanh"] * 2, "huber", X, Y, rng)
        residuals.append(np.abs(net.forward_train(X)[-1] - Y).ravel())
    residuals = np.concatenate(residuals)
    assert 0.2 < np.mean(residuals < 1.0) < 0.8


@pytest.mark.parametrize("use_weights", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize(
    "rates", [(0.5, 0.5), (0.2, 0.0), (0.0, 0.7), (0.9, 0.3)], ids=str
)
@pytest.mark.parametrize(
    "activations",
    [["silu", "relu"], ["relu", "gelu"], ["gelu", "silu"], ["tanh", "elu"]],
    ids="-".join,
)
@pytest.mark.parametrize(
    ("loss", "n_out"),
    [("squared_error", 3), ("log_loss", 3), ("huber", 1), ("quantile", 3)],
    ids=["squared_error-3", "log_loss-3", "huber-1", "quantile-3"],
)
def test_gradient_with_dropout_masks(loss, n_out, activations, rates, use_weights):
    # Masks held fixed make the objective a smooth function of the
    # parameters; the reference multiplies each hidden activation by its mask.
    layer_units = [N_FEATURES, 6, 5, n_out]
    net, X, Y, kwargs, analytic = _check_gradient(
        layer_units, activations, loss, n_out, use_weights, 0.3, None, rates
    )
    # The masks matter: without them the gradient is another one.
    del kwargs["dropout_masks"]
    net.loss_and_gradient(X, Y, **kwargs)
    assert _relative_error(net.grads, analytic) > 1e-3


@pytest.mark.parametrize(("loss", "n_out"), OUTPUT_CONFIGS, ids=OUTPUT_IDS)
def test_unit_weights_equal_no_weights(loss, n_out):
    rng = np.random.RandomState(1)
    X = rng.normal(size=(N_SAMPLES, N_FEATURES))
    Y = _targets(loss, n_out, rng)
    net = _random_network([N_FEATURES, 5, n_out], ["tanh"], loss, X, Y, rng)
    unweighted = net.loss_and_gradient(X, Y, alpha=0.1)
    unweighted_grads = net.grads.copy()
    weighted = net.loss_and_gradient(X, Y, sample_weight=np.ones(N_SAMPLES), alpha=0.1)
    np.testing.assert_allclose(weighted, unweighted, rtol=1e-14)
    np.testing.assert_allclose(net.grads, unweighted_grads, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize(("loss", "n_out"), OUTPUT_CONFIGS, ids=OUTPUT_IDS)
def test_integer_weights_equal_repeated_samples(loss, n_out):
    rng = np.random.RandomState(2)
    X = rng.normal(size=(N_SAMPLES, N_FEATURES))
    Y = _targets(loss, n_out, rng)
    net = _random_network([N_FEATURES, 5, n_out], ["logistic"], loss, X, Y, rng)
    counts = rng.randint(0, 4, size=N_SAMPLES)
    counts[0] = 2
    weighted = net.loss_and_gradient(X, Y, sample_weight=counts.astype(float))
    weighted_grads = net.grads.copy()
    repeated = net.loss_and_gradient(
        np.repeat(X, counts, axis=0), np.repeat(Y, counts, axis=0)
    )
    np.testing.assert_allclose(weighted, repeated, rtol=1e-12)
    np.testing.assert_allclose(net.grads, weighted_grads, rtol=1e-11, atol=1e-14)


@pytest.mark.parametrize("sparse_format", [sp.csr_matrix, sp.csr_array, sp.csc_matrix])
@pytest.mark.parametrize("use_weights", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize(("loss", "n_out"), OUTPUT_CONFIGS, ids=OUTPUT_IDS)
def test_sparse_input_matches_dense(loss, n_out, use_weights, sparse_format):
    rng = np.random.RandomState(3)
    X = rng.normal(size=(N_SAMPLES, 6))
    X[rng.uniform(size=X.shape) < 0.5] = 0.0
    X_sparse = sparse_format(X)
    Y = _targets(loss, n_out, rng)
    net = _random_network([6, 5, 4, n_out], ["relu", "gelu"], loss, X, Y, rng)
    sample_weight = _sample_weight(rng) if use_weights else None

    dense = net.loss_and_gradient(X, Y, sample_weight=sample_weight, alpha=0.2)
    dense_grads = net.grads.copy()
    sparse = net.loss_and_gradient(X_sparse, Y, sample_weight=sample_weight, alpha=0.2)
    np.testing.assert_allclose(sparse, dense, rtol=1e-13)
    np.testing.assert_allclose(net.grads, dense_grads, rtol=1e-12, atol=1e-15)
    # The sparse gradient is itself correct, not just equal to a dense one.
    numerical = _numerical_gradient(
        net, X_sparse, Y, sample_weight=sample_weight, alpha=0.2
    )
    assert _relative_error(dense_grads, numerical) < TOLERANCE


@pytest.mark.parametrize(("loss", "n_out"), OUTPUT_CONFIGS, ids=OUTPUT_IDS)
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_float32_gradient_close_to_float64(activation, loss, n_out):
    rng = np.random.RandomState(4)
    layer_units = [N_FEATURES, 5, 3, n_out]
    activations = [activation, activation]
    X = rng.normal(size=(20, N_FEATURES))
    Y = _targets(loss, n_out, rng, n_samples=20)
    sample_weight = rng.uniform(0.5, 2.0, size=20)
    net64 = _random_network(layer_units, activations, loss, X, Y, rng)
    net32 = Network(layer_units, activations, loss, dtype=np.float32)
    net32.params[:] = net64.params
    kwargs = dict(sample_weight=sample_weight, alpha=0.3)

    value64 = net64.loss_and_gradient(X, Y, **kwargs)
    value32 = net32.loss_and_gradient(
        X.astype(np.float32),
        Y.astype(np.float32),
        sample_weight=sample_weight.astype(np.float32),
        alpha=0.3,
    )
    assert net32.params.dtype == np.float32
    assert net32.grads.dtype == np.float32
    np.testing.assert_allclose(value32, value64, rtol=1e-5)
    assert _relative_error(net32.grads.astype(np.float64), net64.grads) < 1e-5
    scale = np.abs(net64.grads).max()
    np.testing.assert_allclose(net32.grads, net64.grads, rtol=1e-3, atol=1e-5 * scale)
