"""Hardening: bad input, numerical faults, restarts and long streams lose nothing."""

import pickle
import subprocess
import sys
import textwrap
import tracemalloc
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import NotFittedError

from skbackprop import MiniBatchMLPClassifier, MiniBatchMLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _classification(n=120, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 4))
    return X, (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 1)


def _fitted(Estimator=MiniBatchMLPClassifier, **params):
    X, y = _classification()
    if Estimator is MiniBatchMLPRegressor:
        y = np.tanh(X[:, 0])
    model = Estimator(hidden_layer_sizes=(5,), max_iter=5, random_state=0, **params)
    return model.fit(X, y), X, y


def _state(model):
    return pickle.dumps(model.__dict__)


# ----------------------------------------------------------------------
# Bad input: a clear error from every public method, never a stray one
# ----------------------------------------------------------------------
X_GOOD, Y_GOOD = _classification()
BAD_X = {
    "NaN": (np.where(X_GOOD > 1.5, np.nan, X_GOOD), "NaN"),
    "inf": (np.where(X_GOOD > 1.5, np.inf, X_GOOD), "infinity"),
    "empty": (X_GOOD[:0], "0 sample"),
    "1-D": (X_GOOD[:, 0], "2D array"),
    "3-D": (X_GOOD[:, :, None], "dim"),
    "wrong n_features": (X_GOOD[:, :3], "features"),
    "strings": (np.full(X_GOOD.shape, "x", dtype=object), "float|string"),
    "objects": (np.array([[object()] * 4] * len(X_GOOD)), "float|object"),
    "complex": (X_GOOD + 1j, "[Cc]omplex"),
}


@pytest.mark.parametrize(
    "method", ["predict", "predict_proba", "predict_log_proba", "score"]
)
@pytest.mark.parametrize("case", BAD_X)
def test_bad_X_at_prediction_gets_a_clear_error(method, case):
    model, _, y = _fitted()
    X, match = BAD_X[case]
    before = _state(model)
    args = (X, y[: len(X)]) if method == "score" else (X,)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise"):
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises((ValueError, TypeError), match=match):
            getattr(model, method)(*args)
    assert _state(model) == before


@pytest.mark.parametrize("case", [c for c in BAD_X if c != "wrong n_features"])
@pytest.mark.parametrize("Estimator", [MiniBatchMLPClassifier, MiniBatchMLPRegressor])
def test_bad_X_at_fit_gets_a_clear_error(Estimator, case):
    X, match = BAD_X[case]
    y = Y_GOOD[: len(X)] if len(X) else Y_GOOD[:0]
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise"):
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises((ValueError, TypeError), match=match):
            Estimator().fit(X, y)


BAD_FIT_ARGUMENTS = {
    "NaN target": (lambda y: np.where(y == 1, np.nan, y), {}, "NaN"),
    "y too short": (lambda y: y[:-1], {}, "inconsistent numbers of samples"),
    "sample_weight length": (lambda y: y, {"sample_weight": np.ones(3)}, "shape"),
    "negative sample_weight": (
        lambda y: y,
        {"sample_weight": -np.ones(len(Y_GOOD))},
        "[Nn]egative",
    ),
    "zero sample_weight": (
        lambda y: y,
        {"sample_weight": np.zeros(len(Y_GOOD))},
        "zero",
    ),
    "NaN sample_weight": (
        lambda y: y,
        {"sample_weight": np.full(len(Y_GOOD), np.nan)},
        "NaN",
    ),
}


@pytest.mark.parametrize("case", BAD_FIT_ARGUMENTS)
@pytest.mark.parametrize("Estimator", [MiniBatchMLPClassifier, MiniBatchMLPRegressor])
def test_bad_targets_and_weights_get_a_clear_error(Estimator, case):
    change_y, kwargs, match = BAD_FIT_ARGUMENTS[case]
    with pytest.raises(ValueError, match=match):
        Estimator().fit(X_GOOD, change_y(Y_GOOD.astype(float)), **kwargs)


def test_unfitted_methods_raise_not_fitted():
    for model in (MiniBatchMLPClassifier(), MiniBatchMLPRegressor()):
        methods = ["predict", "score"] + (
            ["predict_proba", "predict_log_proba"]
            if hasattr(model, "predict_proba")
            else []
        )
        for method in methods:
            args = (X_GOOD, Y_GOOD) if method == "score" else (X_GOOD,)
            with pytest.raises(NotFittedError):
                getattr(model, method)(*args)


def test_regressor_rejects_string_targets():
    with pytest.raises(ValueError, match="[Nn]umeric|float|convert"):
        MiniBatchMLPRegressor().fit(X_GOOD, np.array(["a"] * len(X_GOOD)))


# ----------------------------------------------------------------------
# Numerical faults
# ----------------------------------------------------------------------
@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("Estimator", [MiniBatchMLPClassifier, MiniBatchMLPRegressor])
def test_unscaled_input_and_huge_learning_rate_never_end_in_nan(Estimator, solver):
    X, y = _classification()
    X = X * 1e6  # unscaled input with a far too large learning rate
    if Estimator is MiniBatchMLPRegressor:
        y = X[:, 0] ** 2
    model = Estimator(
        hidden_layer_sizes=(8,), solver=solver, learning_rate_init=10.0, max_iter=50
    )
    # Squared error with plain SGD truly diverges; the other configurations
    # saturate (bounded Adam steps, softmax) and may end finite. Either way:
    # a clear error or a finite model, never NaN.
    must_diverge = Estimator is MiniBatchMLPRegressor and solver == "sgd"
    with np.errstate(over="ignore", invalid="ignore"):
        try:
            model.fit(X, y)
        except ValueError as error:
            assert "diverged" in str(error) and "learning_rate_init" in str(error)
        else:
            assert not must_diverge, "squared error with lr=10 must diverge"
    assert all(np.isfinite(a).all() for a in model.coefs_ + model.intercepts_)
    assert all(np.isfinite(loss) for loss in model.loss_curve_)


def test_divergence_in_partial_fit_keeps_the_last_finite_model():
    X, y = _classification()
    model = MiniBatchMLPRegressor(
        hidden_layer_sizes=(8,), solver="sgd", learning_rate_init=10.0, batch_size=8
    )
    model.partial_fit(X[:8] * 1e-3, y[:8])  # a harmless first chunk
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(50):
            try:
                model.partial_fit(X * 1e6, y * 1e6)
            except ValueError as error:
                assert "diverged" in str(error)
                break
        else:
            pytest.fail("training never diverged")
    # The weights are huge (the model diverged) but finite: the last ones
    # before the step that would have made them inf or nan.
    assert np.isfinite(model._network.params).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_extreme_logits_give_finite_losses_and_probabilities(dtype, n_classes):
    X, y = _classification()
    y = y % n_classes
    X = X.astype(dtype)
    model = MiniBatchMLPClassifier(hidden_layer_sizes=(4,), max_iter=1).fit(X, y)
    n_out = 1 if n_classes == 2 else n_classes
    # Hidden units of about 1e3 and logits of about +-1e4.
    rng = np.random.RandomState(0)
    model.coefs_ = [
        (rng.normal(size=(4, 4)) * 1e3).astype(dtype),
        (rng.normal(size=(4, n_out)) * 3).astype(dtype),
    ]
    model.intercepts_ = [np.zeros(4, dtype), np.zeros(n_out, dtype)]
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise"):
        warnings.simplefilter("error", RuntimeWarning)
        proba = model.predict_proba(X)
        log_proba = model.predict_log_proba(X)
        model.partial_fit(X, y)  # the loss of the extreme model is finite
    assert np.isfinite(model.loss_curve_[-1])
    assert proba.dtype == dtype
    assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6 if dtype == np.float32 else 1e-12)
    assert np.isfinite(log_proba).all()
    assert log_proba.min() < -1e3  # exact log-probabilities, not clipped ones


# ----------------------------------------------------------------------
# Restarts, determinism, long runs
# ----------------------------------------------------------------------
def test_checkpoint_resumes_bit_identically_in_a_new_process(tmp_path):
    X, y = _classification(n=200)
    chunks = np.array_split(np.arange(200), 8)
    params = dict(hidden_layer_sizes=(6,), batch_size=10, random_state=3)
    straight = MiniBatchMLPClassifier(**params)
    resumed = MiniBatchMLPClassifier(**params)
    for idx in chunks[:4]:
        straight.partial_fit(X[idx], y[idx], classes=[0, 1, 2])
        resumed.partial_fit(X[idx], y[idx], classes=[0, 1, 2])
    for idx in chunks[4:]:
        straight.partial_fit(X[idx], y[idx])
    checkpoint = tmp_path / "model.pkl"
    data = tmp_path / "data.npz"
    checkpoint.write_bytes(pickle.dumps(resumed))
    np.savez(data, X=X, y=y)
    script = textwrap.dedent(
        f"""
        import pickle, numpy as np
        model = pickle.loads(open({str(checkpoint)!r}, "rb").read())
        data = np.load({str(data)!r})
        X, y = data["X"], data["y"]
        for idx in np.array_split(np.arange(200), 8)[4:]:
            model.partial_fit(X[idx], y[idx])
        open({str(checkpoint)!r}, "wb").write(pickle.dumps(model))
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True)
    continued = pickle.loads(checkpoint.read_bytes())
    assert_array_equal(continued._network.params, straight._network.params)
    assert continued.loss_curve_ == straight.loss_curve_
    assert continued.t_ == straight.t_


def test_long_stream_of_small_calls_does_not_grow_memory():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(64, 10))
    y = (X[:, 0] > 0).astype(int)
    model = MiniBatchMLPClassifier(hidden_layer_sizes=(16,), random_state=0)
    model.partial_fit(X, y, classes=[0, 1])

    def stream(n_calls):
        for i in range(n_calls):
            j = i % 60
            model.partial_fit(X[j : j + 4], y[j : j + 4])

    stream(2000)  # warm up every buffer and cache
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    stream(20000)
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    # loss_curve_ holds one float per call (scikit-learn's semantics):
    # about 32 bytes each; anything per-call beyond that is a leak.
    assert grown < 20000 * 64, grown
    assert len(model.loss_curve_) == 22001


@pytest.mark.parametrize("method", ["predict", "predict_proba", "predict_log_proba"])
def test_concurrent_predictions_equal_single_threaded_ones(method):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(2000, 20))
    y = rng.randint(0, 4, 2000)
    model = MiniBatchMLPClassifier(hidden_layer_sizes=(32, 16), max_iter=3).fit(X, y)
    chunks = [X[i : i + 97] for i in range(0, 2000, 97)]
    expected = [getattr(model, method)(chunk) for chunk in chunks]
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(5):
            results = list(pool.map(getattr(model, method), chunks))
            for got, want in zip(results, expected, strict=True):
                assert_array_equal(got, want)
