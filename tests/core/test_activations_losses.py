"""Activations, their derivatives, and the losses' values, outputs and stability."""

import warnings
from contextlib import contextmanager

import numpy as np
import pytest
from scipy.special import erf, expit, xlogy
from scipy.special import log_softmax as scipy_log_softmax

from skbackprop.core import ACTIVATIONS, LOSSES, get_activation, get_loss
from skbackprop.core.activations import ELU, LeakyReLU, sigmoid
from skbackprop.core.losses import (
    AbsoluteError,
    Huber,
    PinballLoss,
    log_softmax,
    softmax,
)

ACTIVATION_NAMES = sorted(ACTIVATIONS)
LOSS_NAMES = sorted(LOSSES)
DTYPES = [np.float32, np.float64]


@contextmanager
def _no_warnings():
    """Turn every warning, and NumPy overflow/invalid/divide, into an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            yield


def _reference_activation(activation, Z):
    name = activation.name
    if name == "identity":
        return Z.copy()
    if name == "logistic":
        return expit(Z)
    if name == "tanh":
        return np.tanh(Z)
    if name == "relu":
        return np.where(Z > 0, Z, 0.0)
    if name == "leaky_relu":
        return np.where(Z >= 0, Z, activation.negative_slope * Z)
    with np.errstate(over="ignore", invalid="ignore"):
        if name == "elu":
            alpha = activation.alpha
            return np.where(Z > 0, Z, alpha * np.expm1(np.minimum(Z, 0)))
        if name == "selu":
            scale, alpha = 1.0507009873554805, 1.6732632423543772
            return scale * np.where(Z > 0, Z, alpha * np.expm1(np.minimum(Z, 0)))
        if name == "softplus":
            return np.where(Z > 30, Z, np.log1p(np.exp(np.minimum(Z, 30))))
        if name == "silu":
            return Z * expit(Z)
        if name == "gelu":
            # (1 + tanh u) / 2 = expit(2u), which does not cancel for z < 0.
            inner = np.sqrt(2 / np.pi) * (Z + 0.044715 * Z**3)
            return Z * expit(2 * inner)
        if name == "mish":
            softplus = np.where(Z > 30, Z, np.log1p(np.exp(np.minimum(Z, 30))))
            return Z * np.tanh(softplus)
    raise AssertionError(name)


# Composite formulas round differently from their references by a few ulps.
_FORWARD_RTOL_FLOAT64 = {
    "softplus": 1e-14,
    "silu": 1e-14,
    "gelu": 1e-14,
    "mish": 1e-14,
}


def _derivative(activation, A, delta, Z):
    """``activation.derivative``, given ``Z`` when the activation needs it."""
    return activation.derivative(
        A, delta, Z if activation.needs_pre_activation else None
    )


def _points_away_from_kink(rng, shape, dtype=np.float64):
    sign = rng.choice([-1.0, 1.0], size=shape)
    return (sign * rng.uniform(1e-2, 4.0, size=shape)).astype(dtype)


ALL_ACTIVATIONS = [
    *[get_activation(name) for name in ACTIVATIONS],
    LeakyReLU(negative_slope=0.2),
    ELU(alpha=0.5),
]
ALL_ACTIVATION_IDS = [*ACTIVATIONS, "leaky_relu_0.2", "elu_0.5"]


# -- activations --------------------------------------------------------------


@pytest.mark.parametrize("activation", ALL_ACTIVATIONS, ids=ALL_ACTIVATION_IDS)
def test_activation_derivative_matches_finite_differences(activation):
    rng = np.random.RandomState(0)
    Z = _points_away_from_kink(rng, (8, 6))
    h = 1e-6
    numerical = (activation.forward(Z + h) - activation.forward(Z - h)) / (2 * h)
    A = activation.forward(Z.copy())
    delta = np.ones_like(Z)
    assert _derivative(activation, A, delta, Z) is None
    np.testing.assert_allclose(delta, numerical, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("activation", ALL_ACTIVATIONS, ids=ALL_ACTIVATION_IDS)
def test_activation_derivative_multiplies_delta(activation):
    rng = np.random.RandomState(1)
    Z = _points_away_from_kink(rng, (5, 4))
    A = activation.forward(Z.copy())
    derivative = np.ones_like(Z)
    _derivative(activation, A, derivative, Z)
    delta = rng.normal(size=Z.shape)
    expected = delta * derivative
    A_before, Z_before = A.copy(), Z.copy()
    _derivative(activation, A, delta, Z)
    np.testing.assert_allclose(delta, expected, rtol=1e-15)
    np.testing.assert_array_equal(A, A_before)
    np.testing.assert_array_equal(Z, Z_before)


@pytest.mark.parametrize("name", ["silu", "gelu"])
def test_non_invertible_activations_ask_for_the_pre_activation(name):
    # f(z1) = f(z2) for z1 != z2 below zero: A cannot tell f'(z1) from f'(z2).
    activation = get_activation(name)
    assert activation.needs_pre_activation
    Z = np.array([[-0.4, -3.0]])
    A = activation.forward(Z.copy())
    delta = np.ones_like(Z)
    activation.derivative(A, delta, Z)
    assert delta[0, 0] > 0 > delta[0, 1]


def test_invertible_activations_do_not_ask_for_the_pre_activation():
    needs = {
        name
        for name, a in ((name, get_activation(name)) for name in ACTIVATIONS)
        if a.needs_pre_activation
    }
    assert needs == {"silu", "gelu", "mish"}


def test_gelu_is_close_to_the_exact_gaussian_form():
    z = np.linspace(-8, 8, 2001)
    exact = 0.5 * z * (1 + erf(z / np.sqrt(2)))
    approx = get_activation("gelu").forward(z.copy())
    np.testing.assert_allclose(approx, exact, atol=5e-4)


def test_relu_derivative_is_zero_at_the_kink():
    delta = np.ones((1, 3))
    get_activation("relu").derivative(np.array([[0.0, 1.0, 0.0]]), delta)
    np.testing.assert_array_equal(delta, [[0.0, 1.0, 0.0]])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", ALL_ACTIVATIONS, ids=ALL_ACTIVATION_IDS)
def test_activation_forward_is_in_place_and_correct(activation, dtype):
    rng = np.random.RandomState(2)
    Z = (rng.normal(size=(6, 5)) * 3).astype(dtype)
    Z[0, :3] = [0.0, -0.0, 30.0]
    expected = _reference_activation(activation, Z.astype(np.float64))
    with _no_warnings():
        A = activation.forward(Z)
    assert A is Z
    assert A.dtype == dtype
    rtol = (
        1e-6
        if dtype == np.float32
        else _FORWARD_RTOL_FLOAT64.get(activation.name, 1e-15)
    )
    np.testing.assert_allclose(A, expected, rtol=rtol, atol=1e-300)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", ALL_ACTIVATIONS, ids=ALL_ACTIVATION_IDS)
def test_activation_forward_on_huge_inputs(activation, dtype):
    Z = np.array([[-1e30, -1e4, -800.0, 800.0, 1e4, 1e30]], dtype=dtype)
    expected = _reference_activation(activation, Z.astype(np.float64))
    with _no_warnings():
        A = activation.forward(Z)
    assert np.all(np.isfinite(A))
    np.testing.assert_allclose(A, expected, rtol=1e-6)


def _reference_derivative(activation, Z):
    """f'(Z) from the textbook formulas, for moderate float64 ``Z``."""
    name = activation.name
    if name == "identity":
        return np.ones_like(Z)
    if name == "logistic":
        return expit(Z) * expit(-Z)
    if name == "tanh":
        return 1.0 / np.cosh(Z) ** 2
    if name == "relu":
        return (Z > 0).astype(float)
    if name == "leaky_relu":
        return np.where(Z >= 0, 1.0, activation.negative_slope)
    if name == "elu":
        return np.where(Z > 0, 1.0, activation.alpha * np.exp(Z))
    if name == "selu":
        scale, alpha = 1.0507009873554805, 1.6732632423543772
        return scale * np.where(Z > 0, 1.0, alpha * np.exp(Z))
    if name == "softplus":
        return 1.0 / (1.0 + np.exp(-Z))
    if name == "silu":
        # d/dz [z / (1 + e^-z)] by the quotient rule.
        e = np.exp(-Z)
        return (1.0 + e + Z * e) / (1.0 + e) ** 2
    if name == "gelu":
        c = np.sqrt(2.0 / np.pi)
        t = np.tanh(c * (Z + 0.044715 * Z**3))
        return 0.5 * (1.0 + t) + 0.5 * Z * (1.0 - t**2) * c * (
            1.0 + 3 * 0.044715 * Z**2
        )
    if name == "mish":
        t = np.tanh(np.log1p(np.exp(Z)))
        return t + Z * expit(Z) * (1.0 - t**2)
    raise AssertionError(name)


@pytest.mark.parametrize("activation", ALL_ACTIVATIONS, ids=ALL_ACTIVATION_IDS)
def test_activation_derivative_matches_formula(activation):
    rng = np.random.RandomState(13)
    Z = _points_away_from_kink(rng, (40, 5))
    A = activation.forward(Z.copy())
    delta = np.ones_like(Z)
    _derivative(activation, A, delta, Z)
    np.testing.assert_allclose(
        delta, _reference_derivative(activation, Z), rtol=1e-12, atol=1e-14
    )


@pytest.mark.parametrize("activation", ALL_ACTIVATIONS, ids=ALL_ACTIVATION_IDS)
def test_activation_derivative_float32_close_to_float64(activation):
    rng = np.random.RandomState(14)
    Z64 = _points_away_from_kink(rng, (40, 5))
    Z32 = Z64.astype(np.float32)
    delta64 = rng.normal(size=Z64.shape)
    delta32 = delta64.astype(np.float32)
    with _no_warnings():
        A32 = activation.forward(Z32.copy())
        _derivative(activation, A32, delta32, Z32)
    assert A32.dtype == delta32.dtype == np.float32
    # The float64 reference at the float32 inputs isolates the arithmetic.
    expected = delta64 * _reference_derivative(activation, Z32.astype(np.float64))
    np.testing.assert_allclose(delta32, expected, rtol=2e-5, atol=1e-6)


# f'(z) for z -> -inf and z -> +inf.
_DERIVATIVE_LIMITS = {
    "identity": (1.0, 1.0),
    "logistic": (0.0, 0.0),
    "tanh": (0.0, 0.0),
    "relu": (0.0, 1.0),
    "leaky_relu": (0.01, 1.0),
    "elu": (0.0, 1.0),
    "selu": (0.0, 1.0507009873554805),
    "softplus": (0.0, 1.0),
    "silu": (0.0, 1.0),
    "gelu": (0.0, 1.0),
    "mish": (0.0, 1.0),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_activation_derivative_on_huge_inputs(name, dtype):
    activation = get_activation(name)
    Z = np.array([[-1e30, -1e4, -800.0, 800.0, 1e4, 1e30]], dtype=dtype)
    with _no_warnings():
        A = activation.forward(Z.copy())
        delta = np.ones_like(Z)
        _derivative(activation, A, delta, Z)
    assert delta.dtype == dtype
    low, high = _DERIVATIVE_LIMITS[name]
    np.testing.assert_allclose(delta, [[low] * 3 + [high] * 3], rtol=1e-6, atol=1e-6)


def test_get_activation():
    for name, activation in ((name, get_activation(name)) for name in ACTIVATIONS):
        assert get_activation(name) is activation
        assert activation.name == name
    custom = LeakyReLU(0.3)
    assert get_activation(custom) is custom
    for bad in ["softmax", "ReLU", None, 3]:
        with pytest.raises(ValueError, match="Unknown activation"):
            get_activation(bad)


# -- sigmoid, softmax, log_softmax ---------------------------------------------


def test_sigmoid_matches_expit_in_float64():
    z = np.linspace(-800, 800, 160_001)
    z_before = z.copy()
    with _no_warnings():
        s = sigmoid(z)
    expected = expit(z)
    # Where expit's 1 / (1 + exp(-z)) underflows to 0 (z < -709.78), the
    # subnormal result of sigmoid is the more accurate one; allow it.
    np.testing.assert_allclose(s, expected, rtol=1e-15, atol=np.finfo(float).tiny)
    np.testing.assert_array_equal(z, z_before)
    assert s.dtype == np.float64
    assert np.all((s >= 0) & (s <= 1))
    # Monotone non-decreasing, and symmetric: sigmoid(-z) = 1 - sigmoid(z)
    # within rounding.
    assert np.all(np.diff(s) >= 0)
    np.testing.assert_allclose(s + sigmoid(-z), 1.0, rtol=0, atol=2.5e-16)


def test_sigmoid_matches_expit_in_float32():
    z = np.linspace(-200, 200, 40_001).astype(np.float32)
    with _no_warnings():
        s = sigmoid(z)
    assert s.dtype == np.float32
    expected = expit(z.astype(np.float64))
    np.testing.assert_allclose(s, expected, rtol=1e-6, atol=np.finfo(np.float32).tiny)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_out_argument(dtype):
    z = np.array([-50.0, -1.0, 0.0, 2.0, 50.0], dtype=dtype)
    expected = expit(z.astype(np.float64))
    out = np.empty_like(z)
    assert sigmoid(z, out=out) is out
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    assert sigmoid(z, out=z) is z
    np.testing.assert_allclose(z, expected, rtol=1e-6)


@pytest.mark.parametrize("scale", [1.0, 30.0])
def test_exp_log_softmax_equals_softmax(scale):
    rng = np.random.RandomState(3)
    Z = rng.normal(size=(50, 5)) * scale
    P = softmax(Z)
    log_P = log_softmax(Z)
    np.testing.assert_allclose(np.exp(log_P), P, rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(log_P, scipy_log_softmax(Z, axis=1), rtol=1e-13)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-15)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("magnitude", [1e4, 1e30])
def test_log_softmax_finite_for_huge_logits(magnitude, dtype):
    M = magnitude
    Z = np.array(
        [[M, -M, 0.0], [-M, -M, -M], [M, M, -M], [M, M, M], [0.0, M, -M]],
        dtype=dtype,
    )
    with _no_warnings():
        log_P = log_softmax(Z)
        P = softmax(Z)
    assert log_P.dtype == dtype
    assert P.dtype == dtype
    assert np.all(np.isfinite(log_P))
    assert np.all(log_P <= 0)
    log_2, log_3 = np.log(2), np.log(3)
    expected = [
        [0.0, -2 * M, -M],
        [-log_3, -log_3, -log_3],
        [-log_2, -log_2, -2 * M - log_2],
        [-log_3, -log_3, -log_3],
        [-M, 0.0, -2 * M],
    ]
    np.testing.assert_allclose(log_P, expected, rtol=1e-6)
    with _no_warnings():
        np.testing.assert_allclose(np.exp(log_P), P, rtol=1e-6, atol=0)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-6)


# -- losses: values -----------------------------------------------------------

# Losses whose output delta is g(Z) - Y (each output function is the canonical
# link of its loss), and the regression losses with identity output whose
# delta is their own (sub)gradient.
CANONICAL_LOSSES = ["binary_log_loss", "log_loss", "poisson", "squared_error"]
ROBUST_LOSSES = ["absolute_error", "huber", "quantile"]
# The registry's default instances, and the robust losses with other parameters.
ALL_LOSSES = [
    *(get_loss(name) for name in LOSS_NAMES),
    Huber(delta=0.3),
    Huber(delta=2.5),
    PinballLoss(quantile=0.1),
    PinballLoss(quantile=0.9),
]
ALL_LOSS_IDS = [*LOSS_NAMES, "huber_0.3", "huber_2.5", "quantile_0.1", "quantile_0.9"]
ROBUST_INSTANCES = [
    (loss, loss_id)
    for loss, loss_id in zip(ALL_LOSSES, ALL_LOSS_IDS, strict=True)
    if loss.name in ROBUST_LOSSES
]


def _targets(loss, shape, rng):
    name = get_loss(loss).name
    if name == "squared_error":
        return rng.normal(size=shape)
    if name == "poisson":
        return rng.poisson(2.0, size=shape).astype(np.float64)
    if name == "binary_log_loss":
        return rng.randint(0, 2, size=shape).astype(np.float64)
    if name == "log_loss":
        return np.eye(shape[1])[rng.randint(0, shape[1], size=shape[0])]
    if name in ROBUST_LOSSES:
        return rng.normal(size=shape) * 2
    raise AssertionError(name)


def _reference_output(loss, Z):
    name = get_loss(loss).name
    if name in ("squared_error", *ROBUST_LOSSES):
        return Z.copy()
    if name == "poisson":
        return np.exp(Z)
    if name == "binary_log_loss":
        return expit(Z)
    if name == "log_loss":
        return np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    raise AssertionError(name)


def _reference_per_sample(loss, Z, Y):
    loss = get_loss(loss)
    name = loss.name
    if name == "squared_error":
        return 0.5 * ((Z - Y) ** 2).sum(axis=1)
    if name == "poisson":
        return (xlogy(Y, Y) - Y * Z - Y + np.exp(Z)).sum(axis=1)
    if name == "absolute_error":
        return np.abs(Z - Y).sum(axis=1)
    if name == "huber":
        d, size = loss.delta, np.abs(Z - Y)
        return np.where(size <= d, 0.5 * size**2, d * size - 0.5 * d**2).sum(axis=1)
    if name == "quantile":
        # q times the shortfall of the prediction, 1 - q times its excess.
        q = loss.quantile
        return (q * np.maximum(Y - Z, 0) + (1 - q) * np.maximum(Z - Y, 0)).sum(axis=1)
    P = _reference_output(loss, Z)
    if name == "binary_log_loss":
        return -(Y * np.log(P) + (1 - Y) * np.log(1 - P)).sum(axis=1)
    if name == "log_loss":
        return -(Y * np.log(P)).sum(axis=1)
    raise AssertionError(name)


def _reference_delta(loss, Z, Y):
    """d per_sample / dZ, the subgradient 0 at the kinks of abs and pinball."""
    loss = get_loss(loss)
    name = loss.name
    if name in CANONICAL_LOSSES:
        return _reference_output(loss, Z) - Y
    above, below = (Z > Y).astype(float), (Z < Y).astype(float)
    if name == "absolute_error":
        return above - below
    if name == "huber":
        d, r = loss.delta, Z - Y
        return np.where(np.abs(r) <= d, r, d * (above - below))
    if name == "quantile":
        return (1 - loss.quantile) * above - loss.quantile * below
    raise AssertionError(name)


def _away_from_loss_kinks(loss, Y, rng, margin=0.05):
    """Raw outputs whose residuals stay ``margin`` away from the loss's kinks."""
    loss = get_loss(loss)
    if loss.name in CANONICAL_LOSSES:
        return rng.normal(size=Y.shape) * 2
    size = rng.uniform(margin, 3.0, size=Y.shape)
    if loss.name == "huber":
        size = np.where(np.abs(size - loss.delta) < margin, size + 2 * margin, size)
    return Y + rng.choice([-1.0, 1.0], size=Y.shape) * size


SHAPES = [(9, 1), (9, 3)]


def _loss_shapes(losses, ids):
    for loss, loss_id in zip(losses, ids, strict=True):
        for shape in SHAPES:
            if loss.name == "log_loss" and shape[1] == 1:
                shape = (9, 2)
            yield pytest.param(loss, shape, id=f"{loss_id}-{shape[1]}")


LOSS_SHAPES = list(_loss_shapes(ALL_LOSSES, ALL_LOSS_IDS))
CANONICAL_LOSS_SHAPES = [
    case for case in LOSS_SHAPES if case.values[0].name in CANONICAL_LOSSES
]
ROBUST_LOSS_SHAPES = [
    case for case in LOSS_SHAPES if case.values[0].name in ROBUST_LOSSES
]


def test_get_loss():
    assert set(LOSS_NAMES) == {
        "squared_error",
        "poisson",
        "log_loss",
        "binary_log_loss",
        "absolute_error",
        "huber",
        "quantile",
    }
    assert set(CANONICAL_LOSSES) | set(ROBUST_LOSSES) == set(LOSS_NAMES)
    for name, cls in LOSSES.items():
        loss = get_loss(name)
        assert type(loss) is cls and loss == cls()  # a new one, default options
        assert get_loss(loss) is loss
        assert loss.name == name
    custom = PinballLoss(quantile=0.3)
    assert get_loss(custom) is custom
    for bad in ["hinge", "cross_entropy", "pinball", "Huber", None]:
        with pytest.raises(ValueError, match="Unknown loss"):
            get_loss(bad)


def test_registry_holds_default_robust_losses():
    assert isinstance(get_loss("absolute_error"), AbsoluteError)
    assert isinstance(get_loss("huber"), Huber)
    assert isinstance(get_loss("quantile"), PinballLoss)
    assert get_loss("huber").delta == 1.0
    assert get_loss("quantile").quantile == 0.5
    assert repr(get_loss("huber")) == "Huber(delta=1.0)"
    assert repr(PinballLoss(quantile=0.9)) == "PinballLoss(quantile=0.9)"


@pytest.mark.parametrize(("loss", "shape"), LOSS_SHAPES)
def test_per_sample_matches_formula(loss, shape):
    rng = np.random.RandomState(4)
    Z = rng.normal(size=shape) * 2
    Y = _targets(loss, shape, rng)
    Z_before, Y_before = Z.copy(), Y.copy()
    per_sample = loss.per_sample(Z, Y)
    assert per_sample.shape == (shape[0],)
    np.testing.assert_allclose(
        per_sample, _reference_per_sample(loss, Z, Y), rtol=1e-12, atol=1e-14
    )
    assert np.all(per_sample >= 0)
    np.testing.assert_array_equal(Z, Z_before)
    np.testing.assert_array_equal(Y, Y_before)


@pytest.mark.parametrize(("loss", "shape"), LOSS_SHAPES)
def test_value_is_weighted_sum_of_per_sample(loss, shape):
    rng = np.random.RandomState(5)
    Z = rng.normal(size=shape)
    Y = _targets(loss, shape, rng)
    w = rng.uniform(0, 3, size=shape[0])
    reference = _reference_per_sample(loss, Z, Y)
    unweighted = loss.value(Z, Y)
    weighted = loss.value(Z, Y, sample_weight=w)
    assert isinstance(unweighted, float)
    assert isinstance(weighted, float)
    np.testing.assert_allclose(unweighted, reference.sum(), rtol=1e-12)
    np.testing.assert_allclose(weighted, reference @ w, rtol=1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("loss", "shape"), CANONICAL_LOSS_SHAPES)
def test_output_delta_is_output_minus_target(loss, shape, dtype):
    rng = np.random.RandomState(6)
    Z = (rng.normal(size=shape) * 3).astype(dtype)
    Y = _targets(loss, shape, rng).astype(dtype)
    Z_before = Z.copy()
    out = np.full_like(Z, np.nan)
    assert loss.output_delta(Z, Y, out=out) is out
    np.testing.assert_array_equal(Z, Z_before)
    expected = _reference_output(loss, Z.astype(np.float64)) - Y
    rtol = 1e-5 if dtype == np.float32 else 1e-13
    atol = 1e-6 if dtype == np.float32 else 1e-15
    np.testing.assert_allclose(out, expected, rtol=rtol, atol=atol)
    # and it equals output(Z) - Y computed by the loss itself
    np.testing.assert_array_equal(out, loss.output(Z.copy()) - Y)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("loss", "shape"), ROBUST_LOSS_SHAPES)
def test_robust_output_delta_matches_formula(loss, shape, dtype):
    rng = np.random.RandomState(16)
    Y = _targets(loss, shape, rng)
    Z = rng.normal(size=shape) * 2
    # The kinks themselves: a zero residual, and residuals of +-delta.
    Z[0] = Y[0]
    d = getattr(loss, "delta", 1.0)
    Y[1:3] = 0.0
    Z[1], Z[2] = d, -d
    Z, Y = Z.astype(dtype), Y.astype(dtype)
    Z_before, Y_before = Z.copy(), Y.copy()
    out = np.full_like(Z, np.nan)
    assert loss.output_delta(Z, Y, out=out) is out
    assert out.dtype == dtype
    np.testing.assert_array_equal(Z, Z_before)
    np.testing.assert_array_equal(Y, Y_before)
    expected = _reference_delta(loss, Z.astype(np.float64), Y.astype(np.float64))
    rtol = 1e-6 if dtype == np.float32 else 1e-15
    np.testing.assert_allclose(out, expected, rtol=rtol, atol=0)
    np.testing.assert_array_equal(out[0], 0.0)
    # The delta is bounded: a robust loss caps each sample's pull.
    bound = max(getattr(loss, "delta", 1.0), 1.0)
    assert np.all(np.abs(out) <= bound)
    # Not g(Z) - Y: the residual is clipped or replaced by its sign.
    assert not np.allclose(out, Z - Y)


@pytest.mark.parametrize(("loss", "shape"), LOSS_SHAPES)
def test_output_delta_is_derivative_of_per_sample(loss, shape):
    rng = np.random.RandomState(15)
    Y = _targets(loss, shape, rng)
    Z = _away_from_loss_kinks(loss, Y, rng)
    h = 1e-6
    numerical = np.empty_like(Z)
    for k in range(Z.shape[1]):
        # per_sample sums over outputs, so one column's step moves each row
        # through that row's entry only.
        step = np.zeros_like(Z)
        step[:, k] = h
        plus, minus = loss.per_sample(Z + step, Y), loss.per_sample(Z - step, Y)
        numerical[:, k] = (plus - minus) / (2 * h)
    delta = loss.output_delta(Z, Y, out=np.empty_like(Z))
    np.testing.assert_allclose(delta, numerical, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(
        delta, _reference_delta(loss, Z, Y), rtol=1e-13, atol=1e-15
    )


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("loss", "shape"), LOSS_SHAPES)
def test_value_and_delta_equals_value_and_output_delta(loss, shape, dtype, weighted):
    # What the training loop calls, against the two separate methods.
    rng = np.random.RandomState(17)
    Y = _targets(loss, shape, rng)
    Z = _away_from_loss_kinks(loss, Y, rng)
    Z[0] = Y[0]  # a zero residual, the kink of abs and pinball
    Z, Y = Z.astype(dtype), Y.astype(dtype)
    w = rng.uniform(0, 3, size=shape[0]).astype(dtype) if weighted else None
    Z_before = Z.copy()
    out = np.full_like(Z, np.nan)
    total = loss.value_and_delta(Z, Y, w, out=out)
    np.testing.assert_array_equal(Z, Z_before)
    assert isinstance(total, float)
    assert out.dtype == dtype
    tight = dtype == np.float64
    np.testing.assert_allclose(
        total, loss.value(Z, Y, sample_weight=w), rtol=1e-13 if tight else 1e-6
    )
    np.testing.assert_allclose(
        out,
        loss.output_delta(Z, Y, out=np.empty_like(Z)),
        rtol=1e-13 if tight else 1e-6,
        atol=1e-15 if tight else 1e-7,
    )


@pytest.mark.parametrize(("loss", "shape"), LOSS_SHAPES)
def test_loss_float32_close_to_float64(loss, shape):
    rng = np.random.RandomState(18)
    Y = _targets(loss, shape, rng)
    Z = _away_from_loss_kinks(loss, Y, rng)
    Z32, Y32 = Z.astype(np.float32), Y.astype(np.float32)
    Z64, Y64 = Z32.astype(np.float64), Y32.astype(np.float64)
    with _no_warnings():
        per_sample = loss.per_sample(Z32, Y32)
        delta = loss.output_delta(Z32, Y32, out=np.empty_like(Z32))
        out = np.empty_like(Z32)
        total = loss.value_and_delta(Z32, Y32, None, out=out)
    assert per_sample.dtype == delta.dtype == out.dtype == np.float32
    np.testing.assert_allclose(
        per_sample, _reference_per_sample(loss, Z64, Y64), rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(
        delta, _reference_delta(loss, Z64, Y64), rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(out, delta, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(
        total, _reference_per_sample(loss, Z64, Y64).sum(), rtol=1e-5
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("loss", "shape"), LOSS_SHAPES)
def test_output_is_in_place_and_correct(loss, shape, dtype):
    rng = np.random.RandomState(7)
    Z = (rng.normal(size=shape) * 3).astype(dtype)
    expected = _reference_output(loss, Z.astype(np.float64))
    out = loss.output(Z)
    assert out is Z
    assert out.dtype == dtype
    rtol = 1e-6 if dtype == np.float32 else 1e-14
    np.testing.assert_allclose(out, expected, rtol=rtol)
    if loss.name == "log_loss":
        np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=rtol)


def test_output_names():
    expected = {
        "squared_error": "identity",
        "poisson": "exp",
        "log_loss": "softmax",
        "binary_log_loss": "logistic",
        "absolute_error": "identity",
        "huber": "identity",
        "quantile": "identity",
    }
    assert {
        name: loss.output_name
        for name, loss in ((name, get_loss(name)) for name in LOSSES)
    } == expected
    for loss, _ in ROBUST_INSTANCES:
        assert loss.output_name == "identity"


@pytest.mark.parametrize(("loss", "shape"), LOSS_SHAPES)
def test_per_sample_loss_is_nonnegative(loss, shape):
    rng = np.random.RandomState(8)
    for scale in [0.1, 1.0, 10.0]:
        Z = rng.normal(size=(200, shape[1])) * scale
        Y = _targets(loss, (200, shape[1]), rng)
        assert np.all(loss.per_sample(Z, Y) >= 0)


@pytest.mark.parametrize("n_out", [1, 3])
def test_squared_error_zero_at_target(n_out):
    rng = np.random.RandomState(9)
    Y = rng.normal(size=(6, n_out))
    np.testing.assert_array_equal(get_loss("squared_error").per_sample(Y.copy(), Y), 0)


@pytest.mark.parametrize("n_out", [1, 3])
@pytest.mark.parametrize(
    "loss", [loss for loss, _ in ROBUST_INSTANCES], ids=[i for _, i in ROBUST_INSTANCES]
)
def test_robust_loss_and_delta_zero_at_target(loss, n_out):
    rng = np.random.RandomState(19)
    Y = rng.normal(size=(6, n_out))
    np.testing.assert_array_equal(loss.per_sample(Y.copy(), Y), 0)
    np.testing.assert_array_equal(loss.output_delta(Y.copy(), Y, np.empty_like(Y)), 0)
    out = np.empty_like(Y)
    assert loss.value_and_delta(Y.copy(), Y, None, out=out) == 0
    np.testing.assert_array_equal(out, 0)


def test_huber_limits():
    rng = np.random.RandomState(20)
    Y = rng.normal(size=(50, 3))
    Z = Y + rng.normal(size=Y.shape)
    # A delta beyond every residual: the half squared error.
    wide = Huber(delta=1e3)
    np.testing.assert_allclose(
        wide.per_sample(Z, Y), get_loss("squared_error").per_sample(Z, Y), rtol=1e-14
    )
    np.testing.assert_allclose(
        wide.output_delta(Z, Y, np.empty_like(Z)), Z - Y, rtol=0, atol=0
    )
    # A delta below every residual: delta * (|r| - delta / 2), a scaled
    # absolute error, with delta * sign(r) as its delta.
    d = 1e-3
    assert np.abs(Z - Y).min() > d
    narrow = Huber(delta=d)
    np.testing.assert_allclose(
        narrow.per_sample(Z, Y),
        d * (get_loss("absolute_error").per_sample(Z, Y) - 3 * d / 2),
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        narrow.output_delta(Z, Y, np.empty_like(Z)), d * np.sign(Z - Y), rtol=1e-15
    )


def test_pinball_symmetries():
    rng = np.random.RandomState(21)
    Y = rng.normal(size=(50, 3))
    Z = Y + rng.normal(size=Y.shape)
    absolute = get_loss("absolute_error")
    half = get_loss("quantile")
    np.testing.assert_allclose(
        half.per_sample(Z, Y), 0.5 * absolute.per_sample(Z, Y), rtol=1e-15
    )
    np.testing.assert_array_equal(
        half.output_delta(Z, Y, np.empty_like(Z)),
        0.5 * absolute.output_delta(Z, Y, np.empty_like(Z)),
    )
    # Mirroring predictions and targets swaps the quantile q with 1 - q.
    for q in [0.1, 0.25, 0.9]:
        low, high = PinballLoss(quantile=q), PinballLoss(quantile=1 - q)
        np.testing.assert_allclose(
            low.per_sample(Z, Y), high.per_sample(-Z, -Y), rtol=1e-14
        )
        np.testing.assert_allclose(
            low.output_delta(Z, Y, np.empty_like(Z)),
            -high.output_delta(-Z, -Y, np.empty_like(Z)),
            rtol=1e-14,
        )


@pytest.mark.parametrize(
    ("loss", "statistic"),
    [
        (get_loss("squared_error"), np.mean),
        (get_loss("absolute_error"), np.median),
        (get_loss("quantile"), np.median),
        *[
            (
                PinballLoss(quantile=q),
                lambda y, q=q: np.quantile(y, q, method="inverted_cdf"),
            )
            for q in [0.1, 0.3, 0.9]
        ],
    ],
    ids=["squared-mean", "absolute-median", "quantile-median", "q0.1", "q0.3", "q0.9"],
)
def test_best_constant_prediction_is_the_matching_statistic(loss, statistic):
    # The constant z minimising sum_i loss(z, y_i) is the mean, the median
    # or the q-quantile of the y_i: what each loss estimates.
    rng = np.random.RandomState(22)
    y = rng.standard_normal(401)  # odd size: a unique median and quantiles
    expected = statistic(y)
    grid = np.linspace(-3.0, 3.0, 1201)
    step = grid[1] - grid[0]
    # Row j predicts grid[j] for every sample, one sample per output column.
    Z = np.repeat(grid[:, np.newaxis], y.size, axis=1)
    totals = loss.per_sample(Z, np.broadcast_to(y, Z.shape))
    # A convex function's minimum on a grid is next to its true minimiser.
    assert abs(grid[np.argmin(totals)] - expected) <= step
    # And the summed (sub)gradient changes sign there.
    for shift, sign in [(-1e-9, -1), (1e-9, 1)]:
        Z = np.full((1, y.size), expected + shift)
        slope = loss.output_delta(Z, y[np.newaxis], np.empty_like(Z)).sum()
        assert np.sign(slope) == sign


# -- losses: stability at extreme logits ---------------------------------------


def _extreme_case(loss_name, n_out, M, dtype):
    """Logits with entries +-M and 0, and matching valid targets."""
    if loss_name == "poisson":
        # A single +M logit: the true deviance e^M is beyond every float, and
        # the capped exp is close to the largest one, so a sum of several
        # such terms would overflow whatever the implementation.
        rows = np.array([[M, -M, 0.0], [-M, -M, -M], [0.0, -M, -M]])
    else:
        rows = np.array(
            [[M, -M, 0.0], [-M, -M, -M], [0.0, M, -M], [-M, 0.0, M], [M, M, M]]
        )
    Z = rows[:, :n_out].astype(dtype)
    n = Z.shape[0]
    if loss_name == "log_loss":
        Y = np.eye(n_out)[np.arange(n) % n_out]
    elif loss_name == "binary_log_loss":
        Y = (np.arange(n * n_out).reshape(n, n_out) % 2).astype(float)
    elif loss_name == "poisson":
        Y = (np.arange(n * n_out).reshape(n, n_out) % 3).astype(float)
    else:
        Y = np.linspace(-1, 1, n * n_out).reshape(n, n_out)
    return Z, Y.astype(dtype)


EXTREME_CASES = [
    (loss, n_out, magnitude, dtype)
    for loss in LOSS_NAMES
    for n_out in ([2, 3] if loss == "log_loss" else [1, 3])
    for magnitude in [1e4, 1e30]
    for dtype in DTYPES
    # (1e30)**2 is beyond float32: the true squared error is not finite.
    if not (loss == "squared_error" and magnitude == 1e30 and dtype == np.float32)
]


@pytest.mark.parametrize(
    ("loss_name", "n_out", "magnitude", "dtype"),
    EXTREME_CASES,
    ids=[f"{a}-{b}-{c:g}-{np.dtype(d).name}" for a, b, c, d in EXTREME_CASES],
)
def test_loss_stable_at_extreme_logits(loss_name, n_out, magnitude, dtype):
    loss = get_loss(loss_name)
    Z, Y = _extreme_case(loss_name, n_out, magnitude, dtype)
    Z_before = Z.copy()
    w = np.linspace(0.5, 1.5, Z.shape[0]).astype(dtype)
    with _no_warnings():
        per_sample = loss.per_sample(Z, Y)
        value = loss.value(Z, Y)
        weighted = loss.value(Z, Y, sample_weight=w)
        delta = loss.output_delta(Z, Y, out=np.empty_like(Z))
        P = loss.output(Z.copy())
    np.testing.assert_array_equal(Z, Z_before)
    assert per_sample.shape == (Z.shape[0],)
    assert np.all(np.isfinite(per_sample))
    assert np.all(per_sample >= 0)
    assert np.isfinite(value)
    assert np.isfinite(weighted)
    assert np.all(np.isfinite(delta))
    assert np.all(np.isfinite(P))
    assert P.dtype == dtype
    if loss_name in ("log_loss", "binary_log_loss"):
        assert np.all((P >= 0) & (P <= 1))
    if loss_name == "log_loss":
        np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-6)
    if loss_name == "poisson":
        assert np.all(P >= 0)
    if loss_name in CANONICAL_LOSSES:
        np.testing.assert_array_equal(delta, P - Y)
    else:
        np.testing.assert_array_equal(P, Z)
        Z64, Y64 = Z.astype(np.float64), Y.astype(np.float64)
        np.testing.assert_allclose(delta, _reference_delta(loss, Z64, Y64), rtol=1e-6)
        np.testing.assert_allclose(
            per_sample, _reference_per_sample(loss, Z64, Y64), rtol=1e-6
        )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("magnitude", [1e4, 1e30])
def test_binary_log_loss_exact_at_extreme_logits(magnitude, dtype):
    M = magnitude
    Z = np.array([[M, -M, M, -M, 0.0]], dtype=dtype)
    Y = np.array([[1.0, 0.0, 0.0, 1.0, 1.0]], dtype=dtype)
    with _no_warnings():
        per_sample = get_loss("binary_log_loss").per_sample(Z, Y)
    # log(1 + e^-M) ~ 0 for the right answers, M for each wrong one, log 2 at 0.
    np.testing.assert_allclose(per_sample, [2 * M + np.log(2)], rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("magnitude", [1e4, 1e30])
def test_log_loss_exact_at_extreme_logits(magnitude, dtype):
    M = magnitude
    Z = np.array([[M, -M, 0.0], [M, -M, 0.0], [-M, -M, -M], [M, M, -M]], dtype=dtype)
    Y = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 1, 0]], dtype=dtype)
    with _no_warnings():
        per_sample = get_loss("log_loss").per_sample(Z, Y)
    expected = [0.0, 2 * M, np.log(3), np.log(2)]
    np.testing.assert_allclose(per_sample, expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("magnitude", [1e4, 1e30])
def test_poisson_exact_at_very_negative_logits(magnitude, dtype):
    M = magnitude
    Z = np.array([[-M, -M, -M]], dtype=dtype)
    Y = np.array([[0.0, 1.0, 3.0]], dtype=dtype)
    with _no_warnings():
        per_sample = get_loss("poisson").per_sample(Z, Y)
    # y log y - y z - y + e^z with e^z = 0
    expected = [3 * np.log(3) + 4 * M - 4]
    np.testing.assert_allclose(per_sample, expected, rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("magnitude", [1e4, 1e30])
def test_poisson_output_capped_below_overflow(magnitude, dtype):
    Z = np.array([[magnitude, 700.0, 80.0, 0.0]], dtype=dtype)
    with _no_warnings():
        P = get_loss("poisson").output(Z)
    assert np.all(np.isfinite(P))
    # Below the cap the output is exactly exp.
    np.testing.assert_allclose(P[0, -1], 1.0)
    assert P[0, 0] > np.finfo(dtype).max / 10
    assert P[0, 0] >= P[0, 1] >= P[0, 2]
