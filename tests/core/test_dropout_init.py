"""Dropout masks and their use in the passes; the weight initialisation schemes."""

import numpy as np
import pytest

from skbackprop.core.network import WEIGHT_INITS, Network, draw_dropout_masks

DTYPES = [np.float32, np.float64]


def _reference_activation(name, Z):
    if name == "relu":
        return np.maximum(Z, 0.0)
    if name == "tanh":
        return np.tanh(Z)
    if name == "silu":
        return Z / (1.0 + np.exp(-Z))
    if name == "gelu":
        c = np.sqrt(2.0 / np.pi)
        return 0.5 * Z * (1.0 + np.tanh(c * (Z + 0.044715 * Z**3)))
    raise AssertionError(name)


def _random_network(layer_units, activations, loss, seed=0, dtype=np.float64):
    net = Network(layer_units, activations, loss, dtype=dtype)
    net.params[:] = np.random.RandomState(seed).uniform(-1, 1, net.params.size)
    return net


def _batch(n_samples, n_features, n_out, seed=1):
    rng = np.random.RandomState(seed)
    return rng.normal(size=(n_samples, n_features)), rng.normal(size=(n_samples, n_out))


# -- drawing the masks ---------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "rates", [(0.5, 0.0, 0.25), (0.0, 0.0, 0.0), (0.1, 0.9, 0.3)], ids=str
)
def test_dropout_mask_values_shapes_and_dtype(rates, dtype):
    net = Network([4, 6, 5, 3, 2], ["relu", "silu", "gelu"], "squared_error", dtype)
    masks = draw_dropout_masks(net, 50, rates, np.random.RandomState(0))
    assert len(masks) == 3
    for mask, units, rate in zip(masks, [6, 5, 3], rates, strict=True):
        if rate == 0:
            assert mask is None
            continue
        assert mask.shape == (50, units)
        assert mask.dtype == dtype
        # Exactly 0 or 1 / (1 - p) as rounded in the network's dtype.
        kept_value = np.dtype(dtype).type(1.0 / (1.0 - rate))
        assert np.all((mask == 0) | (mask == kept_value))
        assert np.any(mask == 0) and np.any(mask == kept_value)


def test_dropout_masks_are_reproducible():
    net = Network([4, 6, 5, 2], ["relu", "gelu"], "squared_error")
    rates = (0.3, 0.6)
    first = draw_dropout_masks(net, 20, rates, np.random.RandomState(7))
    again = draw_dropout_masks(net, 20, rates, np.random.RandomState(7))
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    # The random state advances: the next batch has other masks.
    rs = np.random.RandomState(7)
    batch_1 = draw_dropout_masks(net, 20, rates, rs)
    batch_2 = draw_dropout_masks(net, 20, rates, rs)
    for a, b, c in zip(first, batch_1, batch_2, strict=True):
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(b, c)
    other_seed = draw_dropout_masks(net, 20, rates, np.random.RandomState(8))
    assert not np.array_equal(other_seed[0], first[0])


def test_dropout_keep_pattern_does_not_depend_on_dtype():
    # Same seed, same units kept: a float32 fit sees the float64 fit's masks.
    masks = [
        draw_dropout_masks(
            Network([3, 40, 30, 1], ["relu", "tanh"], "squared_error", dtype),
            100,
            (0.4, 0.2),
            np.random.RandomState(3),
        )
        for dtype in DTYPES
    ]
    for m32, m64 in zip(*masks, strict=True):
        np.testing.assert_array_equal(m32 != 0, m64 != 0)
        np.testing.assert_allclose(m32, m64, rtol=1e-7)


@pytest.mark.parametrize("rate", [0.1, 0.5, 0.9])
def test_dropout_keep_fraction(rate):
    net = Network([3, 50, 40, 1], ["relu", "silu"], "squared_error")
    n_samples = 2000
    masks = draw_dropout_masks(net, n_samples, (rate, rate), np.random.RandomState(0))
    for mask in masks:
        kept = mask != 0
        n = kept.size
        # Binomial(n, 1 - p): within 5 standard deviations.
        sd = np.sqrt(rate * (1 - rate) / n)
        assert abs(kept.mean() - (1 - rate)) < 5 * sd
        # Inverted dropout keeps the expected activation: E[mask] = 1.
        assert abs(mask.mean() - 1.0) < 5 * sd / (1 - rate)
        # Every unit and every sample is dropped at about the same rate.
        per_unit_sd = np.sqrt(rate * (1 - rate) / n_samples)
        assert np.all(np.abs(kept.mean(axis=0) - (1 - rate)) < 5 * per_unit_sd)
    # The two layers draw independent masks.
    assert not np.array_equal(masks[0][:, :40] != 0, masks[1] != 0)


def test_dropout_masks_need_one_rate_per_hidden_layer():
    net = Network([4, 6, 5, 2], ["relu", "relu"], "squared_error")
    for rates in [(0.5,), (0.5, 0.5, 0.5)]:
        with pytest.raises(ValueError):
            draw_dropout_masks(net, 10, rates, np.random.RandomState(0))
    no_hidden = Network([4, 2], [], "squared_error")
    assert draw_dropout_masks(no_hidden, 10, (), np.random.RandomState(0)) == []


# -- the masks in the forward and backward passes -------------------------------

ACTIVATION_PAIRS = [["silu", "relu"], ["relu", "gelu"], ["gelu", "tanh"]]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activations", ACTIVATION_PAIRS, ids="-".join)
def test_no_mask_equals_no_dropout_bitwise(activations, dtype):
    X, Y = _batch(12, 4, 3)
    X, Y = X.astype(dtype), Y.astype(dtype)
    w = np.linspace(0.5, 2.0, 12).astype(dtype)
    kwargs = dict(sample_weight=w, alpha=0.1)
    net = _random_network([4, 6, 5, 3], activations, "huber", dtype=dtype)
    expected = net.loss_and_gradient(X, Y, **kwargs)
    expected_grads = net.grads.copy()
    expected_outputs = [A.copy() for A in net.forward_train(X)[1:]]
    zero_rates = draw_dropout_masks(net, 12, (0.0, 0.0), np.random.RandomState(0))
    assert zero_rates == [None, None]
    for masks in [None, [None, None], zero_rates]:
        assert net.loss_and_gradient(X, Y, dropout_masks=masks, **kwargs) == expected
        np.testing.assert_array_equal(net.grads, expected_grads)
        outputs = net.forward_train(X, dropout_masks=masks)[1:]
        for A, A_expected in zip(outputs, expected_outputs, strict=True):
            np.testing.assert_array_equal(A, A_expected)


@pytest.mark.parametrize("activations", ACTIVATION_PAIRS, ids="-".join)
def test_dropout_leaves_no_state_behind(activations):
    # After a batch with masks, a batch without them is computed as by a
    # network that never saw dropout; likewise with a mask on one layer only.
    X, Y = _batch(10, 4, 2)
    net = _random_network([4, 6, 5, 2], activations, "log_loss", seed=2)
    Y = np.eye(2)[(Y[:, 0] > 0).astype(int)]
    fresh = _random_network([4, 6, 5, 2], activations, "log_loss", seed=2)
    masks = draw_dropout_masks(net, 10, (0.5, 0.5), np.random.RandomState(0))
    with_masks = net.loss_and_gradient(X, Y, dropout_masks=masks)
    assert with_masks != fresh.loss_and_gradient(X, Y)
    assert net.loss_and_gradient(X, Y) == fresh.loss_and_gradient(X, Y)
    np.testing.assert_array_equal(net.grads, fresh.grads)
    half = [masks[0], None]
    net.loss_and_gradient(X, Y, dropout_masks=masks)
    value = net.loss_and_gradient(X, Y, dropout_masks=half)
    assert value == fresh.loss_and_gradient(X, Y, dropout_masks=half)
    np.testing.assert_array_equal(net.grads, fresh.grads)


@pytest.mark.parametrize("activations", ACTIVATION_PAIRS, ids="-".join)
def test_forward_train_applies_the_masks(activations):
    X, _ = _batch(15, 4, 3)
    net = _random_network([4, 6, 5, 3], activations, "squared_error", seed=4)
    masks = draw_dropout_masks(net, 15, (0.5, 0.3), np.random.RandomState(1))
    outputs = net.forward_train(X, dropout_masks=masks)
    assert outputs[0] is X
    # Reference: A = f(Z) * mask feeds the next layer; Z itself is unmasked.
    A = X
    for layer, (W, b) in enumerate(zip(net.coefs, net.intercepts, strict=True)):
        Z = A @ W + b
        if layer == len(net.coefs) - 1:
            A = Z
        else:
            A = _reference_activation(activations[layer], Z) * masks[layer]
            assert np.all(outputs[layer + 1][masks[layer] == 0] == 0)
        np.testing.assert_allclose(outputs[layer + 1], A, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("alpha", [0.0, 0.3])
def test_units_dropped_for_every_sample_get_no_gradient(alpha):
    X, Y = _batch(9, 4, 2)
    net = _random_network([4, 6, 5, 2], ["gelu", "relu"], "quantile", seed=5)
    masks = draw_dropout_masks(net, 9, (0.2, 0.2), np.random.RandomState(2))
    masks[0][:, 1] = 0.0  # unit 1 of the first hidden layer never fires
    masks[1][:, 3] = 0.0  # nor unit 3 of the second
    net.loss_and_gradient(X, Y, alpha=alpha, dropout_masks=masks)
    decay = alpha / 9  # dW = A.T @ D + (alpha / s) W
    for layer, unit in [(0, 1), (1, 3)]:
        # Its incoming weights and bias do not affect the loss...
        np.testing.assert_allclose(
            net.coef_grads[layer][:, unit], decay * net.coefs[layer][:, unit]
        )
        assert net.intercept_grads[layer][unit] == 0
        # ...nor do its outgoing weights, which see a zero input.
        np.testing.assert_allclose(
            net.coef_grads[layer + 1][unit], decay * net.coefs[layer + 1][unit]
        )
    assert np.linalg.norm(net.grads) > 1e-3


@pytest.mark.parametrize("activations", ACTIVATION_PAIRS, ids="-".join)
def test_dropout_float32_close_to_float64(activations):
    X, Y = _batch(30, 4, 3)
    rates = (0.4, 0.2)
    nets = [
        _random_network([4, 6, 5, 3], activations, "squared_error", 6, dtype)
        for dtype in (np.float64, np.float32)
    ]
    net32 = nets[1]
    net32.params[:] = nets[0].params  # float64 draws, rounded
    nets[0].params[:] = net32.params  # the same values in both
    results = []
    for net in nets:
        masks = draw_dropout_masks(net, 30, rates, np.random.RandomState(9))
        value = net.loss_and_gradient(
            X.astype(net.dtype), Y.astype(net.dtype), alpha=0.2, dropout_masks=masks
        )
        results.append((value, net.grads.copy()))
    (value64, grads64), (value32, grads32) = results
    assert grads32.dtype == np.float32
    np.testing.assert_allclose(value32, value64, rtol=1e-5)
    scale = np.abs(grads64).max()
    np.testing.assert_allclose(grads32, grads64, rtol=1e-3, atol=1e-5 * scale)


# -- weight initialisation schemes ---------------------------------------------


def test_weight_init_names():
    assert set(WEIGHT_INITS) == {
        "glorot_uniform",
        "he_uniform",
        "he_normal",
        "lecun_uniform",
        "lecun_normal",
        "zero_output",
    }


def test_glorot_with_a_list_picks_each_layer_constant():
    layer_units = [5, 4, 3, 2]
    names = ["logistic", "relu", "logistic"]
    net = Network(layer_units, ["logistic", "relu"], "squared_error")
    net.initialize(np.random.RandomState(0), names)
    rs = np.random.RandomState(0)
    for W, b, fan_in, fan_out, name in zip(
        net.coefs, net.intercepts, layer_units[:-1], layer_units[1:], names, strict=True
    ):
        # scikit-learn's rule: sqrt(2 / (fan_in + fan_out)) for logistic
        # units, sqrt(6 / (fan_in + fan_out)) for the others.
        bound = np.sqrt((2.0 if name == "logistic" else 6.0) / (fan_in + fan_out))
        np.testing.assert_array_equal(W, rs.uniform(-bound, bound, (fan_in, fan_out)))
        np.testing.assert_array_equal(b, rs.uniform(-bound, bound, fan_out))
    # A list repeating one name is that name.
    same = Network(layer_units, ["tanh", "tanh"], "squared_error")
    same.initialize(np.random.RandomState(0), ["tanh"] * 3)
    as_string = Network(layer_units, ["tanh", "tanh"], "squared_error")
    as_string.initialize(np.random.RandomState(0), "tanh")
    np.testing.assert_array_equal(same.params, as_string.params)


@pytest.mark.parametrize("scheme", WEIGHT_INITS)
def test_initialize_rejects_a_list_of_the_wrong_length(scheme):
    net = Network([5, 4, 3, 2], ["relu", "relu"], "squared_error")
    for names in [["relu"] * 2, ["relu"] * 4]:
        with pytest.raises(ValueError):
            net.initialize(np.random.RandomState(0), names, scheme)


@pytest.mark.parametrize("scheme", ["he_uniform", "lecun_uniform"])
def test_fan_in_uniform_schemes(scheme):
    layer_units = [600, 400, 250]
    net = Network(layer_units, ["relu"], "squared_error")
    net.initialize(np.random.RandomState(0), "relu", scheme)
    gain = 2.0 if scheme == "he_uniform" else 1.0
    for W, b, fan_in in zip(net.coefs, net.intercepts, layer_units[:-1], strict=True):
        bound = np.sqrt(3.0 * gain / fan_in)  # variance bound^2 / 3 = gain / fan_in
        assert np.all(np.abs(W) <= bound)
        assert np.abs(W).max() > 0.999 * bound
        assert np.abs(W).min() < 0.001 * bound
        np.testing.assert_allclose(W.std(), np.sqrt(gain / fan_in), rtol=0.02)
        assert abs(W.mean()) < 5 * W.std() / np.sqrt(W.size)
        # Uniform: a quarter of the mass beyond 3/4 of the bound.
        assert abs(np.mean(np.abs(W) > 0.75 * bound) - 0.25) < 0.01
        np.testing.assert_array_equal(b, 0.0)


@pytest.mark.parametrize("scheme", ["he_normal", "lecun_normal"])
def test_fan_in_normal_schemes(scheme):
    layer_units = [600, 400, 250]
    net = Network(layer_units, ["relu"], "squared_error")
    net.initialize(np.random.RandomState(0), "relu", scheme)
    gain = 2.0 if scheme == "he_normal" else 1.0
    for W, b, fan_in in zip(net.coefs, net.intercepts, layer_units[:-1], strict=True):
        std = np.sqrt(gain / fan_in)
        np.testing.assert_allclose(W.std(), std, rtol=0.02)
        assert abs(W.mean()) < 5 * std / np.sqrt(W.size)
        # Normal, not uniform: 4.55 % beyond two standard deviations.
        assert abs(np.mean(np.abs(W) > 2 * std) - 0.0455) < 0.005
        assert np.abs(W).max() > 3.5 * std
        np.testing.assert_array_equal(b, 0.0)


@pytest.mark.parametrize("scheme", WEIGHT_INITS)
def test_initialize_is_reproducible(scheme):
    def initial_params(seed, dtype=np.float64):
        net = Network([6, 5, 4, 3], ["relu", "selu"], "squared_error", dtype)
        net.initialize(np.random.RandomState(seed), "relu", scheme)
        return net.params

    first = initial_params(0)
    np.testing.assert_array_equal(initial_params(0), first)
    assert not np.array_equal(initial_params(1), first)
    # float32 networks get the float64 draws, rounded.
    params32 = initial_params(0, np.float32)
    assert params32.dtype == np.float32
    np.testing.assert_array_equal(params32, first.astype(np.float32))
    n_coefs = 6 * 5 + 5 * 4 + 4 * 3
    if WEIGHT_INITS[scheme].zero_output:  # the output layer starts at zero
        n_hidden = 6 * 5 + 5 * 4
        assert np.all(first[:n_hidden] != 0)
        assert not np.any(first[n_hidden:n_coefs])
    else:
        assert np.all(first[:n_coefs] != 0)


@pytest.mark.parametrize("scheme", ["he_uniform", "he_normal", "lecun_normal"])
def test_fan_in_schemes_ignore_the_activation(scheme):
    # Only the fan-in scales them: the activation name (which selects the
    # Glorot constant) changes nothing.
    params = []
    for name in ["logistic", "relu", ["tanh", "logistic", "relu"]]:
        net = Network([6, 5, 4, 3], ["relu", "relu"], "squared_error")
        net.initialize(np.random.RandomState(0), name, scheme)
        params.append(net.params.copy())
    for other in params[1:]:
        np.testing.assert_array_equal(other, params[0])


@pytest.mark.parametrize("bad", ["xavier", "he", "Glorot_uniform", None])
def test_initialize_rejects_unknown_scheme(bad):
    net = Network([4, 5, 2], ["relu"], "squared_error")
    net.params[:] = 1.0
    rs = np.random.RandomState(0)
    with pytest.raises(ValueError, match="Unknown weight initialisation"):
        net.initialize(rs, "relu", bad)
    # Nothing was drawn or written.
    np.testing.assert_array_equal(net.params, 1.0)
    assert rs.uniform() == np.random.RandomState(0).uniform()
