"""The Array API path: the same model in every namespace, and what stays on the host.

scikit-learn's own array API checks run in ``test_common.py``. These tests
add what they do not check: that the weights are the same as NumPy's
(PyTorch on the CPU and array-api-strict, in float64, to float rounding),
that a model stays where it was trained, and what runs on the host.

Each comparison here is between two namespaces computing the same
operations on the same shapes, whose kernels may round differently in the
last bit (PyTorch's CPU kernels are not NumPy's): float64 results compare
with ``rtol=1e-9`` after a few epochs, float32 ones with ``rtol=1e-4``.
"""

import copy
import pathlib
import pickle
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import clone, config_context
from sklearn.exceptions import ConvergenceWarning

from skbackprop import MiniBatchMLPClassifier, MiniBatchMLPRegressor, move_to

REASON = "needs the [test] extra: pip install -e '.[test]'"
torch = pytest.importorskip("torch", reason=f"PyTorch {REASON}")
xps = pytest.importorskip("array_api_strict", reason=f"array-api-strict {REASON}")

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

F64 = {"rtol": 1e-9, "atol": 1e-12}


def _torch(array, dtype=None):
    return None if array is None else torch.asarray(np.asarray(array), dtype=dtype)


def _strict(array):
    return None if array is None else xps.asarray(np.asarray(array))


def _host(array):
    if isinstance(array, np.ndarray):
        return array
    if isinstance(array, torch.Tensor):
        return array.cpu().numpy()
    return np.asarray(array)


def _data(kind, n=120, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 6))
    if kind == "multiclass":
        y = np.digitize(X[:, 0] + 0.5 * X[:, 1], [-0.5, 0.5])
    elif kind == "binary":
        y = (X[:, 0] > 0).astype(np.int64)
    elif kind == "multilabel":
        y = np.column_stack([X[:, 0] > 0, X[:, 1] > 0.3, X[:, 2] < 0]).astype(int)
    elif kind == "regression":
        y = X[:, 0] - 2 * X[:, 1] ** 2
    else:  # two outputs
        y = np.column_stack([X[:, 0], X[:, 1] * X[:, 2]])
    return X, y


def _fit_both(model, X, y, to_namespace, **fit_kwargs):
    """The model fitted on NumPy and in another namespace (dispatch on)."""
    on_host = clone(model).fit(X, y, **fit_kwargs)
    kwargs = {k: to_namespace(v) for k, v in fit_kwargs.items()}
    with config_context(array_api_dispatch=True):
        on_device = clone(model).fit(to_namespace(X), to_namespace(y), **kwargs)
    return on_host, on_device


def _assert_same_weights(host_model, other_model, **tolerance):
    for name in ("coefs_", "intercepts_"):
        for mine, theirs in zip(
            getattr(host_model, name), getattr(other_model, name), strict=True
        ):
            assert_allclose(_host(theirs), mine, **tolerance)
    assert_allclose(other_model.loss_curve_, host_model.loss_curve_, **tolerance)


# ----------------------------------------------------------------------
# The same model on every backend
# ----------------------------------------------------------------------
@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("kind", ["multiclass", "binary", "multilabel"])
def test_classifier_on_torch_float64_ends_with_numpys_weights(solver, kind):
    X, y = _data(kind)
    model = MiniBatchMLPClassifier(
        hidden_layer_sizes=(16, 8),
        solver=solver,
        learning_rate_init=0.05,
        batch_size=32,
        max_iter=6,
        random_state=0,
    )
    on_host, on_torch = _fit_both(model, X, y, _torch)
    assert isinstance(on_torch.coefs_[0], torch.Tensor)
    assert on_torch.coefs_[0].dtype == torch.float64
    _assert_same_weights(on_host, on_torch, **F64)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("kind", ["regression", "two outputs"])
def test_regressor_on_torch_float64_ends_with_numpys_weights(solver, kind):
    X, y = _data(kind)
    model = MiniBatchMLPRegressor(
        hidden_layer_sizes=(16,),
        solver=solver,
        learning_rate_init=0.01,
        batch_size=25,
        max_iter=6,
        random_state=0,
    )
    on_host, on_torch = _fit_both(model, X, y, _torch)
    _assert_same_weights(on_host, on_torch, **F64)
    with config_context(array_api_dispatch=True):
        predicted = on_torch.predict(_torch(X))
    assert_allclose(_host(predicted), on_host.predict(X), **F64)


@pytest.mark.parametrize(
    "params",
    [
        {"activation": ["gelu", "silu"], "dropout": 0.2, "alpha": 0.01},
        {"activation": "elu", "class_weight": "balanced"},
        {"activation": ["leaky_relu", "softplus"], "early_stopping": True},
        {"activation": "logistic", "solver": "sgd", "learning_rate": "invscaling"},
        {"activation": "selu", "weight_init": "lecun_normal", "shuffle": False},
    ],
    ids=["dropout", "class-weight", "early-stopping", "invscaling", "selu"],
)
def test_every_feature_gives_numpys_weights_on_torch_and_array_api_strict(params):
    """Dropout masks and shuffles are drawn on the host: the same on every backend."""
    X, y = _data("multiclass", n=150)
    model = MiniBatchMLPClassifier(
        hidden_layer_sizes=(12, 8), batch_size=30, max_iter=5, random_state=3
    ).set_params(**params)
    weights = np.linspace(0.5, 2.0, X.shape[0])
    for to_namespace in (_torch, _strict):
        on_host, other = _fit_both(model, X, y, to_namespace, sample_weight=weights)
        _assert_same_weights(on_host, other, **F64)
        if params.get("early_stopping"):
            assert_allclose(other.validation_scores_, on_host.validation_scores_)


def test_robust_losses_give_numpys_weights_on_array_api_strict():
    X, y = _data("regression")
    for params in (
        {"loss": "huber"},
        {"loss": "quantile", "quantile": 0.8},
        {"loss": "absolute_error"},
        {"loss": "poisson"},
    ):
        target = np.abs(y) if params["loss"] == "poisson" else y
        model = MiniBatchMLPRegressor(
            hidden_layer_sizes=(8,),
            max_iter=4,
            batch_size=40,
            random_state=0,
            **params,
        )
        on_host, on_strict = _fit_both(model, X, target, _strict)
        _assert_same_weights(on_host, on_strict, **F64)


@pytest.mark.parametrize("scoring", [None, "loss", "neg_mean_absolute_error"])
def test_regressor_early_stopping_on_torch_scores_as_numpy(scoring):
    X, y = _data("regression", n=150)
    model = MiniBatchMLPRegressor(
        hidden_layer_sizes=(8,),
        early_stopping=True,
        scoring=scoring,
        max_iter=6,
        random_state=0,
    )
    on_host, on_torch = _fit_both(model, X, y, _torch)
    assert_allclose(on_torch.validation_scores_, on_host.validation_scores_, **F64)
    _assert_same_weights(on_host, on_torch, **F64)


def test_float32_on_torch_follows_numpys_float32():
    X, y = _data("multiclass")
    X32 = X.astype(np.float32)
    model = MiniBatchMLPClassifier(hidden_layer_sizes=(16,), max_iter=5, random_state=0)
    on_host = clone(model).fit(X32, y)
    with config_context(array_api_dispatch=True):
        on_torch = clone(model).fit(_torch(X32), _torch(y))
        proba = on_torch.predict_proba(_torch(X32))
    assert on_torch.coefs_[0].dtype == torch.float32
    assert proba.dtype == torch.float32
    _assert_same_weights(on_host, on_torch, rtol=1e-4, atol=1e-6)


def test_a_stream_on_torch_equals_the_numpy_stream():
    X, y = _data("multiclass", n=90)
    host = MiniBatchMLPClassifier(hidden_layer_sizes=(8,), random_state=0)
    device = clone(host)
    with config_context(array_api_dispatch=True):
        for start in range(0, 90, 30):
            rows = slice(start, start + 30)
            host.partial_fit(X[rows], y[rows], classes=[0, 1, 2])
            device.partial_fit(_torch(X[rows]), _torch(y[rows]), classes=[0, 1, 2])
    _assert_same_weights(host, device, **F64)


def test_a_stream_takes_its_classes_from_any_namespace():
    X, y = _data("multiclass", n=60)
    host = MiniBatchMLPClassifier(hidden_layer_sizes=(8,), random_state=0)
    device = clone(host)
    host.partial_fit(X, y, classes=np.array([0, 1, 2]))
    with config_context(array_api_dispatch=True):
        device.partial_fit(_torch(X), _torch(y), classes=_torch([0, 1, 2]))
        device.partial_fit(_torch(X), _torch(y), classes=_torch([0, 1, 2]))
    host.partial_fit(X, y)
    assert isinstance(device.classes_, np.ndarray)
    _assert_same_weights(host, device, **F64)


# ----------------------------------------------------------------------
# Where things live
# ----------------------------------------------------------------------
def test_fitted_weights_are_views_of_the_network_on_the_device():
    X, y = _data("multiclass")
    with config_context(array_api_dispatch=True):
        model = MiniBatchMLPClassifier(max_iter=3, random_state=0).fit(
            _torch(X), _torch(y)
        )
    network = model._network
    assert isinstance(network.params, torch.Tensor)
    assert model.coefs_[0].data_ptr() == network.params.data_ptr()
    assert isinstance(model._stopping.best_params, torch.Tensor)
    assert isinstance(model._optimizer.m, torch.Tensor)


@pytest.mark.parametrize("kind", ["multiclass", "binary", "multilabel"])
def test_classifier_outputs_are_in_xs_namespace(kind):
    X, y = _data(kind)
    on_host, on_torch = _fit_both(
        MiniBatchMLPClassifier(max_iter=5, random_state=0), X, y, _torch
    )
    with config_context(array_api_dispatch=True):
        Xt = _torch(X)
        for method in ("predict", "predict_proba", "predict_log_proba"):
            result = getattr(on_torch, method)(Xt)
            assert isinstance(result, torch.Tensor), method
            expected = getattr(on_host, method)(X)
            assert_allclose(_host(result), expected, **F64)
            assert _host(result).dtype == expected.dtype
        assert on_torch.score(Xt, _torch(y)) == pytest.approx(on_host.score(X, y))


def test_string_labels_come_back_on_the_host():
    """Labels that no array library holds are predicted as NumPy strings."""
    X, y = _data("multiclass")
    labels = np.array(["low", "mid", "high"])[y]
    model = MiniBatchMLPClassifier(max_iter=5, random_state=0)
    with config_context(array_api_dispatch=True):
        on_torch = model.fit(_torch(X), labels)
        predicted = on_torch.predict(_torch(X))
        proba = _host(on_torch.predict_proba(_torch(X)))
    assert isinstance(predicted, np.ndarray)
    # The most probable class of the model's own probabilities (exact: the
    # same computation on the same device).
    assert_array_equal(predicted, on_torch.classes_[proba.argmax(axis=1)])
    assert set(on_torch.classes_) == {"low", "mid", "high"}


@pytest.mark.parametrize(
    "y_to", [list, np.asarray, _strict], ids=["list", "numpy", "strict"]
)
def test_y_and_sample_weight_move_to_xs_namespace(y_to):
    X, y = _data("multiclass")
    weights = np.linspace(1.0, 2.0, X.shape[0])
    host = MiniBatchMLPClassifier(max_iter=4, random_state=0).fit(X, y, weights)
    with config_context(array_api_dispatch=True):
        mixed = MiniBatchMLPClassifier(max_iter=4, random_state=0).fit(
            _torch(X), y_to(y.tolist() if y_to is list else y), y_to(weights)
        )
    assert isinstance(mixed.coefs_[0], torch.Tensor)
    _assert_same_weights(host, mixed, **F64)


def test_numpy_x_with_device_targets_trains_on_the_host():
    X, y = _data("regression")
    host = MiniBatchMLPRegressor(max_iter=4, random_state=0).fit(X, y)
    with config_context(array_api_dispatch=True):
        mixed = MiniBatchMLPRegressor(max_iter=4, random_state=0).fit(X, _torch(y))
    assert isinstance(mixed.coefs_[0], np.ndarray)
    _assert_same_weights(host, mixed, rtol=0, atol=0)  # the same NumPy calls


def test_a_validation_set_follows_x():
    X, y = _data("multiclass")
    X_val, y_val = _data("multiclass", n=40, seed=1)
    model = MiniBatchMLPClassifier(max_iter=4, random_state=0)
    host = clone(model).fit(X, y, X_val=X_val, y_val=y_val)
    with config_context(array_api_dispatch=True):
        device = clone(model).fit(
            _torch(X), _torch(y), X_val=X_val, y_val=_torch(y_val)
        )
    assert_allclose(device.validation_loss_curve_, host.validation_loss_curve_, **F64)
    assert_allclose(device.validation_scores_, host.validation_scores_)


def test_without_dispatch_other_arrays_are_converted_to_numpy():
    X, y = _data("multiclass")
    model = MiniBatchMLPClassifier(max_iter=3, random_state=0).fit(_torch(X), _torch(y))
    assert isinstance(model.coefs_[0], np.ndarray)
    assert isinstance(model.predict(_torch(X)), np.ndarray)


def test_a_model_stays_where_it_was_trained():
    X, y = _data("multiclass")
    with config_context(array_api_dispatch=True):
        model = MiniBatchMLPClassifier(max_iter=3, random_state=0).fit(
            _torch(X), _torch(y)
        )
        before = [w.clone() for w in model.coefs_]
        with pytest.raises(ValueError, match=r"MiniBatchMLPClassifier.predict\(\)"):
            model.predict(X)
        with pytest.raises(ValueError, match="Training goes on where the model lives"):
            model.partial_fit(X, y)
        with pytest.raises(ValueError, match="Training goes on where the model lives"):
            model.set_params(warm_start=True).fit(_strict(X), _strict(y))
    for old, new in zip(before, model.coefs_, strict=True):
        assert torch.equal(old, new)  # the failed calls changed nothing
    with pytest.raises(ValueError, match="array_api_dispatch=False"):
        model.predict(X)  # dispatch off: X is NumPy, the model is not


def test_sparse_device_input_gets_a_clear_error_and_scipy_sparse_stays_on_the_host():
    X, y = _data("multiclass")
    with config_context(array_api_dispatch=True):
        with pytest.raises(TypeError, match="sparse input is taken as a SciPy"):
            MiniBatchMLPClassifier(max_iter=2).fit(_torch(X).to_sparse(), _torch(y))
        model = MiniBatchMLPClassifier(max_iter=2, random_state=0).fit(
            sp.csr_matrix(X), y
        )
    assert isinstance(model.coefs_[0], np.ndarray)


def test_lbfgs_runs_on_the_host_and_keeps_the_model_on_the_device():
    X, y = _data("regression")
    model = MiniBatchMLPRegressor(
        solver="lbfgs", hidden_layer_sizes=(8,), max_iter=30, random_state=0
    )
    on_host, on_torch = _fit_both(model, X, y, _torch)
    assert isinstance(on_torch.coefs_[0], torch.Tensor)
    for mine, theirs in zip(on_host.coefs_, on_torch.coefs_, strict=True):
        assert_allclose(_host(theirs), mine, rtol=1e-7, atol=1e-9)
    assert on_torch.loss_ == pytest.approx(on_host.loss_, rel=1e-7)


def test_a_tensor_that_requires_grad_is_read_as_data():
    """Training and prediction read its values; no gradient flows back to it."""
    X, y = _data("regression")
    weights = np.linspace(0.5, 2.0, X.shape[0])
    Xg, yg, wg = (_torch(a).requires_grad_(True) for a in (X, y, weights))
    model = MiniBatchMLPRegressor(hidden_layer_sizes=(8,), max_iter=3, random_state=0)
    with config_context(array_api_dispatch=True):
        from_grad = clone(model).fit(Xg, yg, sample_weight=wg)
        plain = clone(model).fit(_torch(X), _torch(y), sample_weight=_torch(weights))
        from_grad.partial_fit(Xg[:40], yg[:40])
        plain.partial_fit(_torch(X[:40]), _torch(y[:40]))
        predicted = from_grad.predict(Xg)
        expected = plain.predict(_torch(X))
    # The same values through the same calls: the same model, exactly.
    for mine, theirs in zip(from_grad.coefs_, plain.coefs_, strict=True):
        assert torch.equal(mine, theirs)
    assert torch.equal(predicted, expected)
    # The outputs record no graph, and the inputs are as they were given.
    assert not predicted.requires_grad and predicted.grad_fn is None
    assert all(t.requires_grad and t.grad is None for t in (Xg, yg, wg))
    # With dispatch off the tensor is converted to NumPy, as data too.
    on_host = clone(model).fit(Xg, yg)
    assert_array_equal(on_host.coefs_[0], clone(model).fit(X, y).coefs_[0])
    assert_array_equal(on_host.predict(Xg), on_host.predict(X))


# ----------------------------------------------------------------------
# Moving a model, saving it
# ----------------------------------------------------------------------
def test_move_to_numpy_and_back_keeps_predictions_and_training_state():
    X, y = _data("multiclass")
    with config_context(array_api_dispatch=True):
        on_torch = MiniBatchMLPClassifier(max_iter=3, random_state=0).fit(
            _torch(X), _torch(y)
        )
    on_host = move_to(on_torch, np)
    assert isinstance(on_host.coefs_[0], np.ndarray)
    assert isinstance(on_host._optimizer.v, np.ndarray)
    assert on_host.coefs_[0].base is not None  # views of the network again
    assert isinstance(on_torch.coefs_[0], torch.Tensor)  # left as it was
    with config_context(array_api_dispatch=True):
        expected = _host(on_torch.predict_proba(_torch(X)))
    assert_allclose(on_host.predict_proba(X), expected, **F64)
    # Training goes on from the same state on either side.
    back = move_to(on_host, torch, "cpu")
    with config_context(array_api_dispatch=True):
        on_torch.partial_fit(_torch(X), _torch(y))
        back.partial_fit(_torch(X), _torch(y))
    on_host.partial_fit(X, y)
    _assert_same_weights(on_host, on_torch, **F64)
    _assert_same_weights(on_host, back, **F64)


@pytest.mark.parametrize(
    "route", ["numpy to numpy", "numpy to torch", "torch to numpy", "torch to torch"]
)
def test_a_moved_copy_shares_nothing_with_the_original(route):
    source, target = route.split(" to ")
    to_source = _torch if source == "torch" else np.asarray
    to_target = _torch if target == "torch" else np.asarray
    X, y = _data("regression")
    model = MiniBatchMLPRegressor(max_iter=3, random_state=0)
    with config_context(array_api_dispatch=True):
        model.fit(to_source(X), to_source(y))
    snapshot = copy.deepcopy(model)
    moved = move_to(model, torch if target == "torch" else np, "cpu")
    with config_context(array_api_dispatch=True):
        moved.partial_fit(to_target(X), to_target(y))  # weights, moments, curve, RNG
    assert len(moved.loss_curve_) == 4
    _assert_same_weights(move_to(snapshot, np), move_to(model, np), rtol=0, atol=0)
    for name in ("m", "v"):
        assert_array_equal(
            _host(getattr(model._optimizer, name)),
            _host(getattr(snapshot._optimizer, name)),
        )
    assert model._optimizer.t == snapshot._optimizer.t
    assert_array_equal(
        model._random_state.get_state()[1], snapshot._random_state.get_state()[1]
    )


def test_prediction_on_a_device_takes_the_models_dtype():
    X, y = _data("multiclass")
    with config_context(array_api_dispatch=True):
        model = MiniBatchMLPClassifier(max_iter=3, random_state=0).fit(
            _torch(X), _torch(y)
        )
        proba64 = model.predict_proba(_torch(X))
        proba32 = model.predict_proba(_torch(X, dtype=torch.float32))
        labels = model.predict(_torch(X, dtype=torch.float32))
    assert proba32.dtype == torch.float64
    assert_allclose(_host(proba32), _host(proba64), rtol=1e-6)
    assert labels.shape == (X.shape[0],)


def test_a_sparse_validation_set_for_a_device_x_gets_a_clear_error():
    X, y = _data("multiclass")
    with config_context(array_api_dispatch=True):
        with pytest.raises(TypeError, match="X_val is a sparse matrix"):
            MiniBatchMLPClassifier(max_iter=2).fit(
                _torch(X), _torch(y), X_val=sp.csr_matrix(X[:20]), y_val=y[:20]
            )


def test_move_to_an_unfitted_model_is_not_fitted_error():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        move_to(MiniBatchMLPClassifier(), np)


def test_scikit_learns_move_estimator_to_moves_the_network():
    from sklearn.utils import _array_api as array_api

    if not hasattr(array_api, "move_estimator_to"):
        pytest.skip("move_estimator_to arrives in scikit-learn 1.9")
    X, y = _data("regression")
    with config_context(array_api_dispatch=True):
        on_torch = MiniBatchMLPRegressor(max_iter=3, random_state=0).fit(
            _torch(X), _torch(y)
        )
        on_host = array_api.move_estimator_to(on_torch, np, "cpu")
        expected = _host(on_torch.predict(_torch(X)))
    assert isinstance(on_host._network.params, np.ndarray)
    assert_allclose(on_host.predict(X), expected, **F64)


def test_a_device_model_pickles_and_loads_where_it_was():
    X, y = _data("binary")
    with config_context(array_api_dispatch=True):
        model = MiniBatchMLPClassifier(max_iter=3, random_state=0).fit(
            _strict(X), _strict(y)
        )
        loaded = pickle.loads(pickle.dumps(model))
        assert_array_equal(
            np.asarray(loaded.predict_proba(_strict(X))),
            np.asarray(model.predict_proba(_strict(X))),
        )
        loaded.partial_fit(_strict(X), _strict(y))  # resumes in its namespace
    assert type(loaded.coefs_[0]) is type(model.coefs_[0])


def test_a_torch_model_loads_in_a_new_process_and_goes_on_there(tmp_path):
    # The new process meets the network's library first in the pickle (its
    # key in core.arrays.LIBRARIES), then in scikit-learn's dispatch, whose
    # array-api-compat may be another copy: both are the same placement.
    X, y = _data("multiclass")
    with config_context(array_api_dispatch=True):
        model = MiniBatchMLPClassifier(max_iter=3, random_state=0).fit(
            _torch(X), _torch(y)
        )
        expected = _host(model.predict_proba(_torch(X)))
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(model))
    np.save(tmp_path / "X.npy", X)
    script = textwrap.dedent(
        f"""
        import pickle, numpy as np, torch
        from sklearn import config_context
        model = pickle.loads(open({str(tmp_path / "model.pkl")!r}, "rb").read())
        X = torch.asarray(np.load({str(tmp_path / "X.npy")!r}))
        with config_context(array_api_dispatch=True):
            proba = model.predict_proba(X).numpy()
            model.partial_fit(X, model.predict(X))
        np.save({str(tmp_path / "proba.npy")!r}, proba)
        """
    )
    root = pathlib.Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-c", script], check=True, cwd=root)
    # Another process: a tolerance for its kernels.
    assert_allclose(np.load(tmp_path / "proba.npy"), expected, rtol=1e-12)


def test_inspection_of_a_device_model_runs_on_a_numpy_copy():
    from skbackprop.inspection import check_gradients, trace_batch

    X, y = _data("multiclass", n=40)
    with config_context(array_api_dispatch=True):
        model = MiniBatchMLPClassifier(
            hidden_layer_sizes=(6,), activation="tanh", max_iter=2, random_state=0
        ).fit(_torch(X), _torch(y))
        before = [w.clone() for w in model.coefs_]
        errors = check_gradients(model, _torch(X[:10]), _torch(y[:10]))
        trace = trace_batch(model, _torch(X[:5]), _torch(y[:5]))
    host = move_to(model, np)
    assert max(errors.values()) < 1e-6
    assert trace.loss == pytest.approx(trace_batch(host, X[:5], y[:5]).loss, rel=1e-12)
    for old, new in zip(before, model.coefs_, strict=True):
        assert torch.equal(old, new)


def test_onnx_export_of_a_device_model_reads_its_weights_on_the_host():
    onnx_extra = "needs the [onnx] extra: pip install -e '.[onnx]'"
    skl2onnx = pytest.importorskip("skl2onnx", reason=onnx_extra)
    ort = pytest.importorskip("onnxruntime", reason=onnx_extra)
    from skbackprop.onnx import to_onnx

    del skl2onnx
    X, y = _data("multiclass")
    with config_context(array_api_dispatch=True):
        model = MiniBatchMLPClassifier(max_iter=3, random_state=0).fit(
            _torch(X), _torch(y)
        )
        expected = _host(model.predict_proba(_torch(X)))
    onx = to_onnx(model, X.astype(np.float32), options={"zipmap": False})
    session = ort.InferenceSession(onx.SerializeToString())
    outputs = session.run(None, {"X": X.astype(np.float32)})
    assert_allclose(outputs[1], expected, rtol=1e-4, atol=1e-5)


def test_skops_saves_a_device_model_after_move_to_numpy(tmp_path):
    sio = pytest.importorskip(
        "skops.io", reason="needs the [skops] extra: pip install -e '.[skops]'"
    )
    from skbackprop.persistence import skops_trusted_types

    X, y = _data("regression")
    with config_context(array_api_dispatch=True):
        model = MiniBatchMLPRegressor(max_iter=3, random_state=0).fit(
            _torch(X), _torch(y)
        )
    path = tmp_path / "model.skops"
    sio.dump(move_to(model, np), path)
    loaded = sio.load(path, trusted=skops_trusted_types())
    with config_context(array_api_dispatch=True):
        expected = _host(model.predict(_torch(X)))
    assert_allclose(loaded.predict(X), expected, **F64)


# ----------------------------------------------------------------------
# The NumPy path is the one it was
# ----------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["Int64", "boolean", "Float64"])
def test_pandas_nullable_targets_are_left_to_scikit_learns_validation(dtype):
    """Targets that are not Array API arrays never go through the device code."""
    pd = pytest.importorskip("pandas", reason=f"pandas {REASON}")
    from sklearn.neural_network import MLPClassifier

    X, y = _data("binary")
    targets = pd.Series(y).astype(dtype)
    ours = MiniBatchMLPClassifier(max_iter=2, random_state=0).fit(X, targets)
    theirs = MLPClassifier(max_iter=2, random_state=0).fit(X, targets)
    assert ours.classes_.dtype == theirs.classes_.dtype
    multilabel = pd.DataFrame(_data("multilabel")[1]).astype(dtype)
    model = MiniBatchMLPClassifier(max_iter=2, random_state=0).fit(X, multilabel)
    assert model.predict(X).shape == multilabel.shape


def test_dispatch_with_numpy_input_changes_nothing():
    X, y = _data("multiclass")
    model = MiniBatchMLPClassifier(max_iter=4, random_state=0)
    without = clone(model).fit(X, y)
    with config_context(array_api_dispatch=True), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with_dispatch = clone(model).fit(X, y)
        proba = with_dispatch.predict_proba(X)
    _assert_same_weights(without, with_dispatch, rtol=0, atol=0)
    assert_array_equal(proba, without.predict_proba(X))
