"""Activations, their derivatives, and the losses' values, outputs and stability."""

import warnings
from contextlib import contextmanager

import numpy as np
import pytest
from scipy.special import expit, xlogy
from scipy.special import log_softmax as scipy_log_softmax

from skbackprop.core import ACTIVATIONS, LOSSES, get_activation, get_loss
from skbackprop.core.activations import LeakyReLU, sigmoid
from skbackprop.core.losses import log_softmax, softmax

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
    raise AssertionError(name)


def _points_away_from_kink(rng, shape, dtype=np.float64):
    sign = rng.choice([-1.0, 1.0], size=shape)
    return (sign * rng.uniform(1e-2, 4.0, size=shape)).astype(dtype)


ALL_ACTIVATIONS = [*ACTIVATIONS.values(), LeakyReLU(negative_slope=0.2)]
ALL_ACTIVATION_IDS = [*ACTIVATIONS, "leaky_relu_0.2"]


# -- activations --------------------------------------------------------------


@pytest.mark.parametrize("activation", ALL_ACTIVATIONS, ids=ALL_ACTIVATION_IDS)
def test_activation_derivative_matches_finite_differences(activation):
    rng = np.random.RandomState(0)
    Z = _points_away_from_kink(rng, (8, 6))
    h = 1e-6
    numerical = (activation.forward(Z + h) - activation.forward(Z - h)) / (2 * h)
    A = activation.forward(Z.copy())
    delta = np.ones_like(Z)
    assert activation.derivative(A, delta) is None
    np.testing.assert_allclose(delta, numerical, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("activation", ALL_ACTIVATIONS, ids=ALL_ACTIVATION_IDS)
def test_activation_derivative_multiplies_delta(activation):
    rng = np.random.RandomState(1)
    Z = _points_away_from_kink(rng, (5, 4))
    A = activation.forward(Z.copy())
    derivative = np.ones_like(Z)
    activation.derivative(A, derivative)
    delta = rng.normal(size=Z.shape)
    expected = delta * derivative
    A_before = A.copy()
    activation.derivative(A, delta)
    np.testing.assert_allclose(delta, expected, rtol=1e-15)
    np.testing.assert_array_equal(A, A_before)


def test_relu_derivative_is_zero_at_the_kink():
    delta = np.ones((1, 3))
    ACTIVATIONS["relu"].derivative(np.array([[0.0, 1.0, 0.0]]), delta)
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
    rtol = 1e-6 if dtype == np.float32 else 1e-15
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


def test_get_activation():
    for name, activation in ACTIVATIONS.items():
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


def _targets(loss, shape, rng):
    if loss == "squared_error":
        return rng.normal(size=shape)
    if loss == "poisson":
        return rng.poisson(2.0, size=shape).astype(np.float64)
    if loss == "binary_log_loss":
        return rng.randint(0, 2, size=shape).astype(np.float64)
    if loss == "log_loss":
        return np.eye(shape[1])[rng.randint(0, shape[1], size=shape[0])]
    raise AssertionError(loss)


def _reference_output(loss, Z):
    if loss == "squared_error":
        return Z.copy()
    if loss == "poisson":
        return np.exp(Z)
    if loss == "binary_log_loss":
        return expit(Z)
    if loss == "log_loss":
        return np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    raise AssertionError(loss)


def _reference_per_sample(loss, Z, Y):
    if loss == "squared_error":
        return 0.5 * ((Z - Y) ** 2).sum(axis=1)
    if loss == "poisson":
        return (xlogy(Y, Y) - Y * Z - Y + np.exp(Z)).sum(axis=1)
    P = _reference_output(loss, Z)
    if loss == "binary_log_loss":
        return -(Y * np.log(P) + (1 - Y) * np.log(1 - P)).sum(axis=1)
    if loss == "log_loss":
        return -(Y * np.log(P)).sum(axis=1)
    raise AssertionError(loss)


SHAPES = [(9, 1), (9, 3)]


def _loss_shapes():
    for loss in LOSS_NAMES:
        for shape in SHAPES:
            if loss == "log_loss" and shape[1] == 1:
                shape = (9, 2)
            yield loss, shape


LOSS_SHAPES = list(_loss_shapes())
LOSS_SHAPE_IDS = [f"{loss}-{shape[1]}" for loss, shape in LOSS_SHAPES]


def test_get_loss():
    assert set(LOSS_NAMES) == {
        "squared_error",
        "poisson",
        "log_loss",
        "binary_log_loss",
    }
    for name, loss in LOSSES.items():
        assert get_loss(name) is loss
        assert get_loss(loss) is loss
    for bad in ["hinge", "cross_entropy", None]:
        with pytest.raises(ValueError, match="Unknown loss"):
            get_loss(bad)


@pytest.mark.parametrize(("loss_name", "shape"), LOSS_SHAPES, ids=LOSS_SHAPE_IDS)
def test_per_sample_matches_formula(loss_name, shape):
    rng = np.random.RandomState(4)
    loss = LOSSES[loss_name]
    Z = rng.normal(size=shape) * 2
    Y = _targets(loss_name, shape, rng)
    Z_before, Y_before = Z.copy(), Y.copy()
    per_sample = loss.per_sample(Z, Y)
    assert per_sample.shape == (shape[0],)
    np.testing.assert_allclose(
        per_sample, _reference_per_sample(loss_name, Z, Y), rtol=1e-12, atol=1e-14
    )
    assert np.all(per_sample >= 0)
    np.testing.assert_array_equal(Z, Z_before)
    np.testing.assert_array_equal(Y, Y_before)


@pytest.mark.parametrize(("loss_name", "shape"), LOSS_SHAPES, ids=LOSS_SHAPE_IDS)
def test_value_is_weighted_sum_of_per_sample(loss_name, shape):
    rng = np.random.RandomState(5)
    loss = LOSSES[loss_name]
    Z = rng.normal(size=shape)
    Y = _targets(loss_name, shape, rng)
    w = rng.uniform(0, 3, size=shape[0])
    reference = _reference_per_sample(loss_name, Z, Y)
    unweighted = loss.value(Z, Y)
    weighted = loss.value(Z, Y, sample_weight=w)
    assert isinstance(unweighted, float)
    assert isinstance(weighted, float)
    np.testing.assert_allclose(unweighted, reference.sum(), rtol=1e-12)
    np.testing.assert_allclose(weighted, reference @ w, rtol=1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("loss_name", "shape"), LOSS_SHAPES, ids=LOSS_SHAPE_IDS)
def test_output_delta_is_output_minus_target(loss_name, shape, dtype):
    rng = np.random.RandomState(6)
    loss = LOSSES[loss_name]
    Z = (rng.normal(size=shape) * 3).astype(dtype)
    Y = _targets(loss_name, shape, rng).astype(dtype)
    Z_before = Z.copy()
    out = np.full_like(Z, np.nan)
    assert loss.output_delta(Z, Y, out=out) is out
    np.testing.assert_array_equal(Z, Z_before)
    expected = _reference_output(loss_name, Z.astype(np.float64)) - Y
    rtol = 1e-5 if dtype == np.float32 else 1e-13
    atol = 1e-6 if dtype == np.float32 else 1e-15
    np.testing.assert_allclose(out, expected, rtol=rtol, atol=atol)
    # and it equals output(Z) - Y computed by the loss itself
    np.testing.assert_array_equal(out, loss.output(Z.copy()) - Y)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("loss_name", "shape"), LOSS_SHAPES, ids=LOSS_SHAPE_IDS)
def test_output_is_in_place_and_correct(loss_name, shape, dtype):
    rng = np.random.RandomState(7)
    loss = LOSSES[loss_name]
    Z = (rng.normal(size=shape) * 3).astype(dtype)
    expected = _reference_output(loss_name, Z.astype(np.float64))
    out = loss.output(Z)
    assert out is Z
    assert out.dtype == dtype
    rtol = 1e-6 if dtype == np.float32 else 1e-14
    np.testing.assert_allclose(out, expected, rtol=rtol)
    if loss_name == "log_loss":
        np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=rtol)


def test_output_names():
    expected = {
        "squared_error": "identity",
        "poisson": "exp",
        "log_loss": "softmax",
        "binary_log_loss": "logistic",
    }
    assert {name: loss.output_name for name, loss in LOSSES.items()} == expected


@pytest.mark.parametrize(("loss_name", "shape"), LOSS_SHAPES, ids=LOSS_SHAPE_IDS)
def test_per_sample_loss_is_nonnegative(loss_name, shape):
    rng = np.random.RandomState(8)
    loss = LOSSES[loss_name]
    for scale in [0.1, 1.0, 10.0]:
        Z = rng.normal(size=(200, shape[1])) * scale
        Y = _targets(loss_name, (200, shape[1]), rng)
        assert np.all(loss.per_sample(Z, Y) >= 0)


@pytest.mark.parametrize("n_out", [1, 3])
def test_squared_error_zero_at_target(n_out):
    rng = np.random.RandomState(9)
    Y = rng.normal(size=(6, n_out))
    np.testing.assert_array_equal(LOSSES["squared_error"].per_sample(Y.copy(), Y), 0)


@pytest.mark.parametrize("n_out", [1, 3])
def test_poisson_zero_at_log_target(n_out):
    rng = np.random.RandomState(10)
    Y = rng.poisson(3.0, size=(20, n_out)).astype(np.float64)
    # log(0) = -inf is not a logit; a very negative one gives exp(z) ~ 0.
    Z = np.log(np.where(Y > 0, Y, 1.0))
    Z[Y == 0] = -50.0
    per_sample = LOSSES["poisson"].per_sample(Z, Y)
    np.testing.assert_allclose(per_sample, 0.0, atol=1e-13)


@pytest.mark.parametrize("n_out", [1, 3])
def test_binary_log_loss_zero_at_confident_correct_logits(n_out):
    rng = np.random.RandomState(11)
    Y = rng.randint(0, 2, size=(20, n_out)).astype(np.float64)
    Z = np.where(Y == 1, 50.0, -50.0)
    per_sample = LOSSES["binary_log_loss"].per_sample(Z, Y)
    assert np.all(per_sample >= 0)
    assert np.all(per_sample <= n_out * 2e-22)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_log_loss_zero_at_confident_correct_logits(n_classes):
    rng = np.random.RandomState(12)
    Y = np.eye(n_classes)[rng.randint(0, n_classes, size=20)]
    per_sample = LOSSES["log_loss"].per_sample(50.0 * Y, Y)
    assert np.all(per_sample >= 0)
    assert np.all(per_sample <= n_classes * 2e-22)


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
    loss = LOSSES[loss_name]
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
    np.testing.assert_array_equal(delta, P - Y)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("magnitude", [1e4, 1e30])
def test_binary_log_loss_exact_at_extreme_logits(magnitude, dtype):
    M = magnitude
    Z = np.array([[M, -M, M, -M, 0.0]], dtype=dtype)
    Y = np.array([[1.0, 0.0, 0.0, 1.0, 1.0]], dtype=dtype)
    with _no_warnings():
        per_sample = LOSSES["binary_log_loss"].per_sample(Z, Y)
    # log(1 + e^-M) ~ 0 for the right answers, M for each wrong one, log 2 at 0.
    np.testing.assert_allclose(per_sample, [2 * M + np.log(2)], rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("magnitude", [1e4, 1e30])
def test_log_loss_exact_at_extreme_logits(magnitude, dtype):
    M = magnitude
    Z = np.array([[M, -M, 0.0], [M, -M, 0.0], [-M, -M, -M], [M, M, -M]], dtype=dtype)
    Y = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 1, 0]], dtype=dtype)
    with _no_warnings():
        per_sample = LOSSES["log_loss"].per_sample(Z, Y)
    expected = [0.0, 2 * M, np.log(3), np.log(2)]
    np.testing.assert_allclose(per_sample, expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("magnitude", [1e4, 1e30])
def test_poisson_exact_at_very_negative_logits(magnitude, dtype):
    M = magnitude
    Z = np.array([[-M, -M, -M]], dtype=dtype)
    Y = np.array([[0.0, 1.0, 3.0]], dtype=dtype)
    with _no_warnings():
        per_sample = LOSSES["poisson"].per_sample(Z, Y)
    # y log y - y z - y + e^z with e^z = 0
    expected = [3 * np.log(3) + 4 * M - 4]
    np.testing.assert_allclose(per_sample, expected, rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("magnitude", [1e4, 1e30])
def test_poisson_output_capped_below_overflow(magnitude, dtype):
    Z = np.array([[magnitude, 700.0, 80.0, 0.0]], dtype=dtype)
    with _no_warnings():
        P = LOSSES["poisson"].output(Z)
    assert np.all(np.isfinite(P))
    # Below the cap the output is exactly exp.
    np.testing.assert_allclose(P[0, -1], 1.0)
    assert P[0, 0] > np.finfo(dtype).max / 10
    assert P[0, 0] >= P[0, 1] >= P[0, 2]
