"""Behaviour of the estimators: inputs, outputs, streaming, errors."""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_iris, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.preprocessing import StandardScaler

from skbackprop import MiniBatchMLPClassifier, MiniBatchMLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _regression_data(n_samples=80, n_outputs=1, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, 5))
    y = np.tanh(X @ rng.normal(size=(5, n_outputs)))
    return X, (y[:, 0] if n_outputs == 1 else y)


def _state(model):
    """Everything a training call may change, as bytes."""
    return pickle.dumps(model.__dict__)


def test_string_labels_round_trip(iris):
    X, y = iris
    names = np.array(["setosa", "versicolor", "virginica"], dtype=object)[y]
    model = MiniBatchMLPClassifier(
        hidden_layer_sizes=(8,), learning_rate_init=0.05, max_iter=50, random_state=0
    )
    model.fit(X, names)
    assert_array_equal(model.classes_, ["setosa", "versicolor", "virginica"])
    assert set(model.predict(X)) <= set(model.classes_)
    assert model.score(X, names) > 0.8


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("shuffle", [False, True])
def test_sparse_input_trains_as_dense(iris, fmt, shuffle):
    X, y = iris
    params = dict(hidden_layer_sizes=(8,), max_iter=5, shuffle=shuffle, random_state=0)
    dense = MiniBatchMLPClassifier(**params).fit(X, y)
    sparse = MiniBatchMLPClassifier(**params).fit(sp.csr_matrix(X).asformat(fmt), y)
    for a, b in zip(dense.coefs_, sparse.coefs_, strict=True):
        assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    assert_allclose(
        dense.predict_proba(X), sparse.predict_proba(sp.csc_matrix(X)), rtol=1e-10
    )


def test_pandas_feature_names(iris):
    import pandas as pd  # in the test extra: a missing pandas fails, not skips

    X, y = iris
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    model = MiniBatchMLPClassifier(
        hidden_layer_sizes=(8,), max_iter=20, early_stopping=True, random_state=0
    )
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*feature names")
        model.fit(frame, y)
        model.predict(frame)
    assert_array_equal(model.feature_names_in_, ["a", "b", "c", "d"])
    with pytest.raises(ValueError, match="feature names"):
        model.predict(frame[["b", "a", "c", "d"]])


def test_float32_end_to_end(iris):
    X, y = iris
    X32 = X.astype(np.float32)
    clf = MiniBatchMLPClassifier(hidden_layer_sizes=(8,), max_iter=10, random_state=0)
    clf.fit(X32, y)
    assert all(a.dtype == np.float32 for a in clf.coefs_ + clf.intercepts_)
    assert clf._network.grads.dtype == np.float32
    assert clf.predict_proba(X32).dtype == np.float32
    assert clf.predict_log_proba(X32).dtype == np.float32
    Xr, yr = _regression_data()
    reg = MiniBatchMLPRegressor(hidden_layer_sizes=(8,), max_iter=10, random_state=0)
    reg.fit(Xr.astype(np.float32), yr)
    assert reg.predict(Xr.astype(np.float32)).dtype == np.float32
    # A float64 chunk later does not turn the model into float64.
    reg.partial_fit(Xr, yr)
    assert reg.coefs_[0].dtype == np.float32


def test_integer_input_trains_in_float64(iris):
    X, y = iris
    model = MiniBatchMLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    model.fit((X * 10).astype(np.int64), y)
    assert model.coefs_[0].dtype == np.float64


def test_multilabel_outputs():
    X, Y = make_multilabel_classification(n_samples=60, n_classes=4, random_state=0)
    model = MiniBatchMLPClassifier(
        hidden_layer_sizes=(10,), max_iter=50, random_state=0
    )
    model.fit(X, Y)
    assert model.predict(X).shape == Y.shape
    proba = model.predict_proba(X)
    assert proba.shape == Y.shape
    assert_array_equal(model.predict(X), (proba > 0.5).astype(int))
    assert_allclose(np.exp(model.predict_log_proba(X)), proba, rtol=1e-12)
    model.partial_fit(X, Y)  # a multilabel stream needs no classes=


def test_predict_log_proba_is_finite_where_proba_underflows():
    X = np.array([[-1.0], [1.0]] * 10)
    y = np.array([0, 1] * 10)
    model = MiniBatchMLPClassifier(hidden_layer_sizes=(2,), max_iter=1, random_state=0)
    model.fit(X, y)
    model.coefs_ = [np.full((1, 2), 500.0), np.full((2, 1), 500.0)]
    model.intercepts_ = [np.zeros(2), np.zeros(1)]
    log_proba = model.predict_log_proba(X)
    assert np.isfinite(log_proba).all()
    assert log_proba[1, 0] < -1e5  # the exact value, not a clipped one
    proba = model.predict_proba(X)
    assert (proba > 0).all()
    assert_allclose(proba.sum(axis=1), 1.0)


@pytest.mark.parametrize("Estimator", [MiniBatchMLPClassifier, MiniBatchMLPRegressor])
def test_partial_fit_absent_for_lbfgs(Estimator):
    model = Estimator(solver="lbfgs")
    assert not hasattr(model, "partial_fit")
    with pytest.raises(AttributeError, match="partial_fit"):
        model.partial_fit(np.ones((2, 2)), [0, 1])
    assert hasattr(Estimator(solver="sgd"), "partial_fit")


def test_partial_fit_needs_classes_first(iris):
    X, y = iris
    model = MiniBatchMLPClassifier(hidden_layer_sizes=(4,))
    with pytest.raises(ValueError, match="classes must be passed"):
        model.partial_fit(X, y)
    assert not hasattr(model, "coefs_")
    with pytest.raises(NotFittedError):
        model.predict(X)
    model.partial_fit(X[:5], y[:5], classes=[0, 1, 2])  # only class 0 here
    assert_array_equal(model.classes_, [0, 1, 2])
    assert model.predict_proba(X).shape == (150, 3)


def _streamed_classifier(iris, **params):
    X, y = iris
    model = MiniBatchMLPClassifier(
        hidden_layer_sizes=(6,), random_state=0, batch_size=32, **params
    )
    model.partial_fit(X, y, classes=[0, 1, 2])
    model.partial_fit(X, y)
    return model


BAD_PARTIAL_FIT_CALLS = {
    "wrong n_features": lambda X, y: ((X[:, :3], y), {}),
    "nan in X": lambda X, y: ((np.where(X > 2, np.nan, X), y), {}),
    "inf in X": lambda X, y: ((np.where(X > 2, np.inf, X), y), {}),
    "strings in X": lambda X, y: ((np.full(X.shape, "a", dtype=object), y), {}),
    "complex X": lambda X, y: ((X + 1j, y), {}),
    "1-D X": lambda X, y: ((X[:, 0], y), {}),
    "empty X": lambda X, y: ((X[:0], y[:0]), {}),
    "unseen label": lambda X, y: ((X, np.where(y == 2, 7, y)), {}),
    "changed classes": lambda X, y: ((X, y), {"classes": [0, 1, 2, 3]}),
    "y length": lambda X, y: ((X, y[:-1]), {}),
    "sample_weight length": lambda X, y: ((X, y), {"sample_weight": np.ones(3)}),
    "negative sample_weight": lambda X, y: (
        (X, y),
        {"sample_weight": -np.ones(len(y))},
    ),
    "nan target": lambda X, y: ((X, np.where(y == 2, np.nan, y)), {}),
}


@pytest.mark.parametrize("case", BAD_PARTIAL_FIT_CALLS)
def test_failing_partial_fit_changes_nothing(iris, case):
    model = _streamed_classifier(iris, solver="sgd")
    before = _state(model)
    args, kwargs = BAD_PARTIAL_FIT_CALLS[case](*iris)
    with pytest.raises(ValueError):
        model.partial_fit(*args, **kwargs)
    assert _state(model) == before
    # Training goes on as if the bad call had never happened.
    twin = _streamed_classifier(iris, solver="sgd")
    model.partial_fit(*iris)
    twin.partial_fit(*iris)
    assert_array_equal(model._network.params, twin._network.params)


def test_failing_warm_start_fit_changes_nothing(iris):
    X, y = iris
    model = MiniBatchMLPClassifier(
        hidden_layer_sizes=(6,), max_iter=5, warm_start=True, random_state=0
    ).fit(X, y)
    before = _state(model)
    with pytest.raises(ValueError, match="same classes"):
        model.fit(X[y < 2], y[y < 2])
    with pytest.raises(ValueError, match="features"):
        model.fit(X[:, :2], y)
    model.set_params(hidden_layer_sizes=(7,))
    with pytest.raises(ValueError, match="layer sizes"):
        model.fit(X, y)
    model.set_params(hidden_layer_sizes=(6,))
    assert _state(model) == before


def test_assigned_weights_of_wrong_shape_are_rejected(iris):
    model = _streamed_classifier(iris)
    model.coefs_ = [np.zeros((3, 6)), model.coefs_[1]]
    with pytest.raises(ValueError, match="shapes"):
        model.partial_fit(*iris)


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(hidden_layer_sizes=(0,)), "hidden_layer_sizes"),
        (dict(hidden_layer_sizes=(3, -1)), "hidden_layer_sizes"),
        (dict(hidden_layer_sizes=(2.5,)), "hidden_layer_sizes"),
        (dict(activation="softmax"), "activation"),
        (dict(solver="newton"), "solver"),
        (dict(alpha=-1.0), "alpha"),
        (dict(batch_size=0), "batch_size"),
        (dict(learning_rate="exponential"), "learning_rate"),
        (dict(learning_rate_init=0.0), "learning_rate_init"),
        (dict(max_iter=0), "max_iter"),
        (dict(momentum=1.5), "momentum"),
        (dict(validation_fraction=1.0), "validation_fraction"),
        (dict(beta_1=1.0), "beta_1"),
        (dict(epsilon=0.0), "epsilon"),
        (dict(n_iter_no_change=0), "n_iter_no_change"),
        (dict(max_fun=0), "max_fun"),
        (dict(shuffle="yes"), "shuffle"),
        (dict(power_t=-0.5), "power_t"),
        (dict(tol=-1.0), "tol"),
        (dict(random_state="seed"), "random_state"),
        (dict(verbose="loud"), "verbose"),
        (dict(warm_start="yes"), "warm_start"),
        (dict(nesterovs_momentum="yes"), "nesterovs_momentum"),
        (dict(early_stopping="yes"), "early_stopping"),
        (dict(beta_2=1.0), "beta_2"),
        (dict(hidden_layer_sizes="100"), "hidden_layer_sizes"),
        (dict(batch_size="big"), "batch_size"),
    ],
)
def test_invalid_parameters_are_named(iris, params, match):
    with pytest.raises(ValueError, match=match):
        MiniBatchMLPClassifier(**params).fit(*iris)


def test_invalid_regression_loss_is_named():
    with pytest.raises(ValueError, match="loss"):
        MiniBatchMLPRegressor(loss="hinge").fit(*_regression_data())


def test_early_stopping_not_in_partial_fit(iris):
    model = MiniBatchMLPClassifier(early_stopping=True)
    with pytest.raises(ValueError, match="early_stopping"):
        model.partial_fit(*iris, classes=[0, 1, 2])
    assert not hasattr(model, "coefs_")


def test_pickle_mid_stream_resumes_bit_identically(iris):
    X, y = iris
    rng = np.random.RandomState(0)
    chunks = [rng.choice(len(y), 40) for _ in range(6)]
    params = dict(hidden_layer_sizes=(6,), batch_size=16, random_state=0)
    straight = MiniBatchMLPClassifier(**params)
    resumed = MiniBatchMLPClassifier(**params)
    for i, idx in enumerate(chunks):
        straight.partial_fit(X[idx], y[idx], classes=[0, 1, 2])
        resumed.partial_fit(X[idx], y[idx], classes=[0, 1, 2])
        if i == 2:
            resumed = pickle.loads(pickle.dumps(resumed))
    assert_array_equal(resumed._network.params, straight._network.params)
    assert resumed.loss_curve_ == straight.loss_curve_
    # After unpickling, coefs_ are again views of the trained parameters.
    assert np.shares_memory(resumed.coefs_[0], resumed._network.params)


def test_same_random_state_same_model(iris):
    params = dict(hidden_layer_sizes=(6,), max_iter=5, random_state=42)
    a = MiniBatchMLPClassifier(**params).fit(*iris)
    b = MiniBatchMLPClassifier(**params).fit(*iris)
    assert_array_equal(a._network.params, b._network.params)
    c = MiniBatchMLPClassifier(**{**params, "random_state": 43}).fit(*iris)
    assert not np.array_equal(a._network.params, c._network.params)


def test_assigned_weights_are_used_by_predict(iris):
    X, y = iris
    model = MiniBatchMLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    model.fit(X, y)
    model.coefs_ = [np.zeros_like(c) for c in model.coefs_]
    model.intercepts_ = [np.zeros(4), np.array([0.0, 5.0, 0.0])]
    assert_array_equal(model.predict(X), np.ones(len(y)))


def test_verbose_prints_the_loss(iris, capsys):
    MiniBatchMLPClassifier(hidden_layer_sizes=(4,), max_iter=2, verbose=True).fit(*iris)
    out = capsys.readouterr().out
    assert "Iteration 1, loss = " in out and "Iteration 2, loss = " in out


def test_max_iter_reached_warns(iris):
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        MiniBatchMLPClassifier(hidden_layer_sizes=(4,), max_iter=2).fit(*iris)


def test_lbfgs_fits_well(iris):
    model = MiniBatchMLPClassifier(
        hidden_layer_sizes=(8,), solver="lbfgs", random_state=0
    )
    model.fit(*iris)
    assert model.score(*iris) > 0.97
    assert model.loss_ < 0.1
    assert not hasattr(model, "loss_curve_")


def test_adaptive_learning_rate_divides_by_five(capsys):
    X, y = _regression_data()
    model = MiniBatchMLPRegressor(
        hidden_layer_sizes=(4,),
        solver="sgd",
        learning_rate="adaptive",
        learning_rate_init=0.01,
        n_iter_no_change=1,
        tol=10.0,  # no epoch can improve this much: the rate keeps dropping
        max_iter=50,
        random_state=0,
        verbose=True,
    ).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    lowered = [line for line in lines if "Setting learning rate to" in line]
    # 0.01 / 5**6 = 6.4e-7 is the first rate at most 1e-6: six divisions by
    # 5, then the next plateau stops training (a factor of 10 would take 4).
    assert len(lowered) == 6
    rate = 0.01
    for line in lowered:
        rate /= 5.0
        assert line.endswith(f"Setting learning rate to {rate:f}")
    assert model._optimizer.learning_rate == rate
    assert lines[-1].endswith("Stopping.")
    # The first epoch improves on no loss at all; each plateau then takes
    # two epochs that fail to improve (n_iter_no_change=1).
    assert model.n_iter_ == 1 + 2 * 7


def test_multioutput_regression_shapes():
    X, y = _regression_data(n_outputs=3)
    model = MiniBatchMLPRegressor(hidden_layer_sizes=(6,), max_iter=20, random_state=0)
    model.fit(X, y)
    assert model.n_outputs_ == 3
    assert model.predict(X).shape == (80, 3)
    with pytest.raises(ValueError, match="layer sizes"):
        model.partial_fit(X, y[:, :2])


def test_poisson_predictions_balance_the_targets():
    # With a log link and an unpenalised output bias, the Poisson deviance is
    # minimal only where the mean prediction is the mean target: what an
    # exp output with the delta exp(z) - y reaches, and another output
    # function or delta does not.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(100, 3))
    y = rng.poisson(np.exp(X[:, 0]))
    model = MiniBatchMLPRegressor(
        loss="poisson",
        hidden_layer_sizes=(6,),
        solver="lbfgs",
        tol=1e-10,
        max_iter=2000,
        random_state=0,
    ).fit(X, y)
    assert model.out_activation_ == "exp"
    predictions = model.predict(X)
    # (L-BFGS stops within about 1e-3 of the balance; a wrong output
    # function or delta misses it by far more.)
    np.testing.assert_allclose(predictions.mean(), y.mean(), rtol=5e-3)
    raw = model._raw_output(X, "predict").ravel()
    np.testing.assert_allclose(predictions, np.exp(raw), rtol=1e-12)


def test_unfitted_estimators_raise_not_fitted():
    X = np.ones((3, 2))
    for model in (MiniBatchMLPClassifier(), MiniBatchMLPRegressor()):
        for method in ("predict", "score"):
            with pytest.raises(NotFittedError):
                getattr(model, method)(
                    X, *(() if method == "predict" else ([1, 2, 3],))
                )


def test_validation_fraction_zero_is_accepted_where_unused(iris):
    # As scikit-learn's MLP: 0.0 is a valid value, unused without early
    # stopping; with it, there must be a validation set.
    X, y = iris
    MiniBatchMLPClassifier(validation_fraction=0.0, max_iter=2).fit(X, y)
    model = MiniBatchMLPClassifier(
        early_stopping=True, validation_fraction=0.0, max_iter=2
    )
    with pytest.raises(ValueError, match="needs a validation set"):
        model.fit(X, y)
    model.fit(X, y, X_val=X[:20], y_val=y[:20])  # a validation set of its own
    assert len(model.validation_scores_) == 2
