"""Parameter layout, forward pass, initialisation, pickling, buffers and batching."""

import ast
import pickle
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.neural_network import MLPRegressor
from sklearn.utils import gen_batches, shuffle

import skbackprop.core
from skbackprop.core import ACTIVATIONS, LOSSES
from skbackprop.core.batching import batch_slices, shuffle_in_place
from skbackprop.core.network import (
    Network,
    draw_dropout_masks,
    forward,
    parameter_views,
)

ACTIVATION_NAMES = sorted(ACTIVATIONS)
LOSS_NAMES = sorted(LOSSES)
LAYER_UNITS = [
    [3, 2],
    [4, 5, 1],
    [4, 5, 3, 3],
    [6, 2, 7, 3, 2],
]


def _n_params(layer_units):
    coefs = sum(a * b for a, b in zip(layer_units[:-1], layer_units[1:], strict=True))
    return coefs + sum(layer_units[1:])


def _targets(loss, n_samples, n_out, rng):
    if loss == "squared_error":
        return rng.normal(size=(n_samples, n_out))
    if loss == "poisson":
        return rng.poisson(1.0, size=(n_samples, n_out)).astype(np.float64)
    if loss == "binary_log_loss":
        return rng.randint(0, 2, size=(n_samples, n_out)).astype(np.float64)
    if loss == "log_loss":
        return np.eye(n_out)[rng.randint(0, n_out, size=n_samples)]
    if loss in ("absolute_error", "huber", "quantile"):
        return rng.normal(size=(n_samples, n_out)) * 2
    raise AssertionError(loss)


def _random_network(layer_units, activation, loss, seed=0, dtype=np.float64):
    net = Network(layer_units, [activation] * (len(layer_units) - 2), loss, dtype)
    net.params[:] = np.random.RandomState(seed).uniform(-1, 1, net.params.size)
    return net


# -- parameter_views -----------------------------------------------------------


@pytest.mark.parametrize("layer_units", LAYER_UNITS, ids=str)
def test_parameter_views_round_trip(layer_units):
    n = _n_params(layer_units)
    flat = np.arange(n, dtype=np.float64)
    coefs, intercepts = parameter_views(flat, layer_units)
    assert len(coefs) == len(intercepts) == len(layer_units) - 1
    for W, b, fan_in, fan_out in zip(
        coefs, intercepts, layer_units[:-1], layer_units[1:], strict=True
    ):
        assert W.shape == (fan_in, fan_out)
        assert b.shape == (fan_out,)
        assert np.shares_memory(W, flat)
        assert np.shares_memory(b, flat)
    # All weights (row-major) first, then all biases: the L-BFGS layout.
    np.testing.assert_array_equal(
        np.concatenate([W.ravel() for W in coefs] + intercepts), flat
    )
    n_coefs = sum(W.size for W in coefs)
    np.testing.assert_array_equal(coefs[0].ravel(), flat[: coefs[0].size])
    np.testing.assert_array_equal(
        intercepts[0], flat[n_coefs : n_coefs + layer_units[1]]
    )
    # Writing through a view writes the flat vector.
    coefs[-1][-1, -1] = -1.0
    intercepts[-1][-1] = -2.0
    assert flat[n_coefs - 1] == -1.0
    assert flat[-1] == -2.0


@pytest.mark.parametrize("extra", [-1, 1, -5, 7])
@pytest.mark.parametrize("layer_units", LAYER_UNITS, ids=str)
def test_parameter_views_reject_wrong_length(layer_units, extra):
    flat = np.zeros(_n_params(layer_units) + extra)
    with pytest.raises(ValueError):
        parameter_views(flat, layer_units)


def test_parameter_views_reject_empty_vector():
    with pytest.raises(ValueError):
        parameter_views(np.zeros(0), [4, 5, 1])


# -- Network construction ------------------------------------------------------


@pytest.mark.parametrize("layer_units", LAYER_UNITS, ids=str)
def test_network_views_share_memory(layer_units):
    net = Network(layer_units, ["relu"] * (len(layer_units) - 2), "squared_error")
    assert net.params.shape == net.grads.shape == (_n_params(layer_units),)
    assert net.n_layers == len(layer_units)
    assert net.n_coefs == sum(
        a * b for a, b in zip(layer_units[:-1], layer_units[1:], strict=True)
    )
    for view in net.coefs + net.intercepts:
        assert np.shares_memory(view, net.params)
    for view in net.coef_grads + net.intercept_grads:
        assert np.shares_memory(view, net.grads)
    assert not np.shares_memory(net.params, net.grads)


@pytest.mark.parametrize("n_activations", [0, 1, 3])
def test_network_rejects_wrong_number_of_activations(n_activations):
    with pytest.raises(ValueError):
        Network([4, 5, 3, 1], ["tanh"] * n_activations, "squared_error")


def test_network_rejects_unknown_names():
    with pytest.raises(ValueError):
        Network([4, 5, 1], ["sigmoid"], "squared_error")
    with pytest.raises(ValueError):
        Network([4, 5, 1], ["relu"], "hinge")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_network_dtype(dtype):
    net = Network([4, 5, 2], ["relu"], "log_loss", dtype=dtype)
    assert net.params.dtype == net.grads.dtype == dtype
    X = np.random.RandomState(0).normal(size=(6, 4)).astype(dtype)
    Y = np.eye(2)[[0, 1, 0, 1, 1, 0]].astype(dtype)
    net.loss_and_gradient(X, Y)
    assert net.grads.dtype == dtype
    assert all(A.dtype == dtype for A in net.forward_train(X)[1:])


# -- forward -------------------------------------------------------------------


@pytest.mark.parametrize("loss", LOSS_NAMES)
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
@pytest.mark.parametrize("layer_units", LAYER_UNITS[1:], ids=str)
def test_forward_equals_forward_train(layer_units, activation, loss):
    net = _random_network(layer_units, activation, loss)
    rng = np.random.RandomState(1)
    X = rng.normal(size=(9, layer_units[0]))
    X_before, params_before = X.copy(), net.params.copy()
    Z = forward(X, net.coefs, net.intercepts, [activation] * (len(layer_units) - 2))
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(net.params, params_before)
    activations = net.forward_train(X)
    assert activations[0] is X
    assert len(activations) == len(layer_units)
    for A, units in zip(activations[1:], layer_units[1:], strict=True):
        assert A.shape == (9, units)
    np.testing.assert_allclose(Z, activations[-1], rtol=1e-14, atol=1e-15)
    # forward returns fresh arrays, not the training buffers.
    assert not np.shares_memory(Z, activations[-1])
    # And the raw outputs match a direct computation.
    A = X
    for layer, (W, b) in enumerate(zip(net.coefs, net.intercepts, strict=True)):
        A = A @ W + b
        if layer < len(net.coefs) - 1:
            A = _reference_activation(activation, A)
    np.testing.assert_allclose(Z, A, rtol=1e-12, atol=1e-14)


def _reference_activation(name, Z):
    scale, alpha = 1.0507009873554805, 1.6732632423543772  # selu
    c = np.sqrt(2 / np.pi)  # gelu, tanh approximation
    return {
        "identity": lambda z: z,
        "logistic": lambda z: 1 / (1 + np.exp(-z)),
        "tanh": np.tanh,
        "relu": lambda z: np.maximum(z, 0),
        "leaky_relu": lambda z: np.where(z >= 0, z, 0.01 * z),
        "elu": lambda z: np.where(z > 0, z, np.exp(z) - 1),
        "selu": lambda z: scale * np.where(z > 0, z, alpha * (np.exp(z) - 1)),
        "softplus": lambda z: np.log(1 + np.exp(z)),
        "silu": lambda z: z / (1 + np.exp(-z)),
        "gelu": lambda z: 0.5 * z * (1 + np.tanh(c * (z + 0.044715 * z**3))),
        "mish": lambda z: z * np.tanh(np.log1p(np.exp(z))),
    }[name](Z)


@pytest.mark.parametrize("sparse_format", [sp.csr_matrix, sp.csr_array, sp.csc_matrix])
def test_forward_sparse_equals_dense(sparse_format):
    net = _random_network([6, 5, 3, 2], "tanh", "log_loss")
    X = np.random.RandomState(2).normal(size=(8, 6))
    X[X < 0.3] = 0.0
    dense = forward(X, net.coefs, net.intercepts, ["tanh", "tanh"])
    sparse = forward(sparse_format(X), net.coefs, net.intercepts, ["tanh", "tanh"])
    assert isinstance(sparse, np.ndarray)
    np.testing.assert_allclose(sparse, dense, rtol=1e-14)
    np.testing.assert_allclose(
        net.forward_train(sparse_format(X))[-1], dense, rtol=1e-14
    )


# -- initialisation ------------------------------------------------------------


@pytest.mark.parametrize("explicit", [False, True], ids=["default", "glorot_uniform"])
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
@pytest.mark.parametrize("layer_units", LAYER_UNITS, ids=str)
def test_initialize_follows_sklearn_rule(layer_units, activation, explicit):
    net = Network(layer_units, [activation] * (len(layer_units) - 2), "squared_error")
    if explicit:
        net.initialize(np.random.RandomState(0), activation, scheme="glorot_uniform")
    else:
        net.initialize(np.random.RandomState(0), activation)
    rs = np.random.RandomState(0)
    factor = 2.0 if activation == "logistic" else 6.0
    for W, b, fan_in, fan_out in zip(
        net.coefs, net.intercepts, layer_units[:-1], layer_units[1:], strict=True
    ):
        bound = np.sqrt(factor / (fan_in + fan_out))
        np.testing.assert_array_equal(W, rs.uniform(-bound, bound, (fan_in, fan_out)))
        np.testing.assert_array_equal(b, rs.uniform(-bound, bound, fan_out))
        assert np.all(np.abs(W) <= bound)
    assert np.all(net.params != 0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
def test_initialize_equals_sklearn_mlp(activation, dtype):
    layer_units = [4, 6, 3, 2]
    net = Network(layer_units, [activation] * 2, "squared_error", dtype=dtype)
    net.initialize(np.random.RandomState(0), activation)
    mlp = MLPRegressor(hidden_layer_sizes=(6, 3), activation=activation)
    mlp._random_state = np.random.RandomState(0)
    mlp._initialize(np.zeros((1, 2)), layer_units, dtype)
    for ours, theirs in zip(
        net.coefs + net.intercepts, mlp.coefs_ + mlp.intercepts_, strict=True
    ):
        assert ours.dtype == theirs.dtype
        np.testing.assert_array_equal(ours, theirs)


def test_initialize_advances_the_random_state():
    net = Network([3, 4, 2], ["relu"], "squared_error")
    rs = np.random.RandomState(0)
    net.initialize(rs, "relu")
    first = net.params.copy()
    net.initialize(rs, "relu")
    assert not np.array_equal(first, net.params)
    expected = np.random.RandomState(0)
    expected.uniform(size=2 * _n_params([3, 4, 2]))  # two initialisations
    assert rs.uniform() == expected.uniform()


# -- pickling ------------------------------------------------------------------


@pytest.mark.parametrize("train_first", [False, True], ids=["fresh", "trained"])
def test_network_pickle_round_trip(train_first):
    net = _random_network([4, 5, 3, 2], "relu", "log_loss", seed=3)
    rng = np.random.RandomState(4)
    X = rng.normal(size=(12, 4))
    Y = _targets("log_loss", 12, 2, rng)
    if train_first:
        net.loss_and_gradient(X, Y, alpha=0.1)

    restored = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(restored.params, net.params)
    assert not np.shares_memory(restored.params, net.params)
    assert restored.layer_units == net.layer_units
    assert restored.dtype == net.dtype
    assert [a.name for a in restored.hidden_activations] == ["relu", "relu"]
    assert restored.loss.name == "log_loss"
    for views, flat in [
        (restored.coefs + restored.intercepts, restored.params),
        (restored.coef_grads + restored.intercept_grads, restored.grads),
    ]:
        for view in views:
            assert np.shares_memory(view, flat)
    for ours, theirs in zip(restored.coefs, net.coefs, strict=True):
        np.testing.assert_array_equal(ours, theirs)

    # Writing the flat vector is seen through the views.
    restored.params[0] += 1.0
    assert restored.coefs[0][0, 0] == net.coefs[0][0, 0] + 1.0
    restored.params[0] -= 1.0

    # A smaller batch than before works, and gives the original's results.
    for n in (5, 12):
        value = net.loss_and_gradient(X[:n], Y[:n], alpha=0.1)
        restored_value = restored.loss_and_gradient(X[:n], Y[:n], alpha=0.1)
        assert restored_value == value
        np.testing.assert_array_equal(restored.grads, net.grads)
        np.testing.assert_array_equal(
            np.concatenate([g.ravel() for g in restored.coef_grads]),
            restored.grads[: restored.n_coefs],
        )


def _pickled_arrays(state):
    return {name for name, value in state.items() if isinstance(value, np.ndarray)}


@pytest.mark.parametrize("dropout", [False, True], ids=["no_dropout", "dropout"])
def test_network_pickles_without_its_buffers(dropout):
    # Kept pre-activations (silu, gelu) and dropout copies are scratch too.
    layer_units = [4, 30, 20, 2]
    net = Network(layer_units, ["silu", "gelu"], "log_loss")
    net.params[:] = np.random.RandomState(3).uniform(-1, 1, net.params.size)
    rng = np.random.RandomState(4)
    X = rng.normal(size=(500, 4))
    Y = _targets("log_loss", 500, 2, rng)
    masks = None
    if dropout:
        masks = draw_dropout_masks(net, 500, (0.5, 0.2), np.random.RandomState(0))
    net.loss_and_gradient(X, Y, alpha=0.1, dropout_masks=masks)

    state = net.__getstate__()
    assert _pickled_arrays(state) == {"params", "grads"}
    payload = pickle.dumps(net)
    assert len(payload) < net.params.nbytes + net.grads.nbytes + 4000
    restored = pickle.loads(payload)
    assert [a.name for a in restored.hidden_activations] == ["silu", "gelu"]
    # It trains on as the original does, on smaller and larger batches.
    for n in (100, 500):
        batch_masks = None if masks is None else [m[:n] for m in masks]
        value = net.loss_and_gradient(X[:n], Y[:n], dropout_masks=batch_masks)
        restored_value = restored.loss_and_gradient(
            X[:n], Y[:n], dropout_masks=batch_masks
        )
        assert restored_value == value
        np.testing.assert_array_equal(restored.grads, net.grads)


# -- buffer reuse --------------------------------------------------------------


@pytest.mark.parametrize("loss", LOSS_NAMES)
@pytest.mark.parametrize("sizes", [(20, 5), (20, 5, 20), (3, 17, 1, 9)], ids=str)
def test_batches_of_varying_size_match_a_fresh_network(sizes, loss):
    rng = np.random.RandomState(5)
    n_out = 3
    X = rng.normal(size=(max(sizes), 4))
    Y = _targets(loss, max(sizes), n_out, rng)
    w = rng.uniform(0.5, 2, size=max(sizes))
    net = _random_network([4, 6, 5, n_out], "tanh", loss, seed=6)
    for i, n in enumerate(sizes):
        # Different rows each time so stale buffer content would show.
        rows = np.roll(np.arange(max(sizes)), 3 * i)[:n]
        Xb, Yb, wb = X[rows], Y[rows], w[rows]
        value = net.loss_and_gradient(Xb, Yb, sample_weight=wb, alpha=0.05)
        fresh = _random_network([4, 6, 5, n_out], "tanh", loss, seed=6)
        expected = fresh.loss_and_gradient(Xb, Yb, sample_weight=wb, alpha=0.05)
        assert value == expected
        np.testing.assert_array_equal(net.grads, fresh.grads)
        np.testing.assert_array_equal(
            net.forward_train(Xb)[-1], fresh.forward_train(Xb)[-1]
        )
        assert net.forward_train(Xb)[-1].shape == (n, n_out)


@pytest.mark.parametrize("activations", [["silu", "gelu"], ["relu", "silu"]], ids=str)
@pytest.mark.parametrize("sizes", [(20, 5, 20), (3, 17, 1, 9)], ids=str)
def test_batches_of_varying_size_with_dropout_match_a_fresh_network(sizes, activations):
    # The kept pre-activations and the undropped activations grow with the
    # other buffers; stale rows must never leak into a later batch.
    rng = np.random.RandomState(8)
    n_max = max(sizes)
    X = rng.normal(size=(n_max, 4))
    Y = _targets("huber", n_max, 2, rng)
    layer_units = [4, 6, 5, 2]

    def network():
        net = Network(layer_units, activations, "huber")
        net.params[:] = np.random.RandomState(6).uniform(-1, 1, net.params.size)
        return net

    net = network()
    mask_rs = np.random.RandomState(0)
    for i, n in enumerate(sizes):
        rows = np.roll(np.arange(n_max), 3 * i)[:n]
        # Every other batch without dropout, or with it on one layer only.
        rates = [(0.5, 0.3), (0.0, 0.0), (0.0, 0.4)][i % 3]
        masks = draw_dropout_masks(net, n, rates, mask_rs)
        value = net.loss_and_gradient(X[rows], Y[rows], alpha=0.05, dropout_masks=masks)
        fresh = network()
        expected = fresh.loss_and_gradient(
            X[rows], Y[rows], alpha=0.05, dropout_masks=masks
        )
        assert value == expected
        np.testing.assert_array_equal(net.grads, fresh.grads)


def test_forward_train_reuses_buffers_for_smaller_batches():
    net = _random_network([4, 5, 2], "relu", "squared_error")
    X = np.random.RandomState(7).normal(size=(10, 4))
    big = net.forward_train(X)
    small = net.forward_train(X[:4])
    for A_big, A_small in zip(big[1:], small[1:], strict=True):
        assert np.shares_memory(A_big, A_small)
        assert A_small.shape[0] == 4


# -- batching ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n_samples", "batch_size"),
    [(0, 3), (1, 1), (1, 5), (7, 3), (9, 3), (10, 1), (10, 10), (10, 11), (200, 7)],
)
def test_batch_slices_cover_every_sample_once(n_samples, batch_size):
    slices = list(batch_slices(n_samples, batch_size))
    covered = np.concatenate(
        [np.arange(n_samples)[s] for s in slices] + [np.array([], dtype=int)]
    )
    np.testing.assert_array_equal(covered, np.arange(n_samples))
    assert all(0 < s.stop - s.start <= batch_size for s in slices)
    assert all(s.stop - s.start == batch_size for s in slices[:-1])
    assert len(slices) == -(-n_samples // batch_size)
    if n_samples > 0:  # gen_batches rejects n = 0
        assert slices == list(gen_batches(n_samples, batch_size))


@pytest.mark.parametrize("seed", [0, 1, 42])
@pytest.mark.parametrize("n_samples", [1, 2, 10, 137])
def test_shuffle_in_place_matches_sklearn_shuffle(n_samples, seed):
    ours_rs, theirs_rs = np.random.RandomState(seed), np.random.RandomState(seed)
    ours = np.arange(n_samples)
    theirs = np.arange(n_samples)
    # Several epochs: each shuffles the array the previous one left.
    for _ in range(4):
        buffer = ours
        result = shuffle_in_place(ours, ours_rs)
        assert result is buffer
        theirs = shuffle(theirs, random_state=theirs_rs)
        np.testing.assert_array_equal(ours, theirs)
        np.testing.assert_array_equal(np.sort(ours), np.arange(n_samples))
    # Both random states were consumed identically.
    assert ours_rs.uniform() == theirs_rs.uniform()


# -- the core's dependencies ---------------------------------------------------


def _imported_top_level_modules(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) in (
            "__import__",
            "import_module",
        ):
            if node.args and isinstance(node.args[0], ast.Constant):
                names.add(str(node.args[0].value).split(".")[0])
    return names


def test_core_imports_neither_sklearn_nor_scipy():
    core_dir = Path(skbackprop.core.__file__).parent
    files = sorted(core_dir.glob("*.py"))
    assert {f.name for f in files} >= {
        "__init__.py",
        "activations.py",
        "losses.py",
        "network.py",
        "optimizers.py",
        "batching.py",
    }
    imported = {f.name: _imported_top_level_modules(f) for f in files}
    assert "numpy" in imported["network.py"]  # the parser does find imports
    offenders = {
        name: sorted(modules & {"sklearn", "scipy"})
        for name, modules in imported.items()
        if modules & {"sklearn", "scipy"}
    }
    assert offenders == {}


def test_import_checker_detects_forbidden_imports(tmp_path):
    source = tmp_path / "bad.py"
    source.write_text(
        "import numpy as np\n"
        "def f():\n"
        "    import scipy.special\n"
        "    from sklearn.utils import shuffle\n"
    )
    assert _imported_top_level_modules(source) == {"numpy", "scipy", "sklearn"}
