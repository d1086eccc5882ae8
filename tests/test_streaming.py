"""partial_fit streams: the fast path for known inputs equals full validation."""

import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from skbackprop import MiniBatchMLPClassifier, MiniBatchMLPRegressor, _base, _validation


def _stream(model, X, y, as_lists=False, weights=None, **kwargs):
    for i in range(len(X)):
        Xi, yi = X[i : i + 1], y[i : i + 1]
        if as_lists:  # as river sends them: a list of rows, a list of labels
            Xi, yi = Xi.tolist(), yi.tolist()
        sw = None if weights is None else weights[i : i + 1]
        model.partial_fit(Xi, yi, sample_weight=sw, **kwargs)
    return model


def _full_validation_only(monkeypatch):
    monkeypatch.setattr(_validation, "_accept_known_chunk", lambda *args: None)


CASES = {
    "binary": (MiniBatchMLPClassifier, lambda X: (X[:, 0] > 0).astype(int)),
    "multiclass strings": (
        MiniBatchMLPClassifier,
        lambda X: np.array(["a", "b", "c"])[(X[:, :2] > 0).sum(axis=1)],
    ),
    "regression": (MiniBatchMLPRegressor, lambda X: np.tanh(X[:, 0])),
    "multi-output": (MiniBatchMLPRegressor, lambda X: np.tanh(X[:, :2])),
}


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("as_lists", [False, True])
@pytest.mark.parametrize("case", CASES)
def test_fast_path_equals_full_validation(monkeypatch, case, as_lists, weighted):
    Estimator, target = CASES[case]
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 4))
    y = target(X)
    weights = rng.uniform(0.5, 2.0, size=60) if weighted else None
    kwargs = {}
    if Estimator is MiniBatchMLPClassifier:
        kwargs["classes"] = np.unique(y)  # on every call, as river does

    def run():
        model = Estimator(hidden_layer_sizes=(5,), random_state=0)
        return _stream(model, X, y, as_lists, weights, **kwargs)

    fast = run()
    with monkeypatch.context() as patch:
        _full_validation_only(patch)
        full = run()
    assert_array_equal(fast._network.params, full._network.params)
    assert_array_equal(fast._optimizer.m, full._optimizer.m)
    assert fast.loss_curve_ == full.loss_curve_
    assert fast.t_ == full.t_ == 60


def test_fast_path_is_taken_for_a_known_stream(monkeypatch):
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(20, 3)), rng.randint(0, 2, 20)
    model = MiniBatchMLPClassifier(hidden_layer_sizes=(4,))
    model.partial_fit(X, y, classes=[0, 1])
    calls = []
    monkeypatch.setattr(
        MiniBatchMLPClassifier, "_validate_params", lambda self: calls.append(1)
    )
    monkeypatch.setattr(
        _validation, "_validate_data_in_full", lambda *a, **k: calls.append(2)
    )
    _stream(model, X, y)
    assert calls == []


def test_changed_parameters_are_validated_again():
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(20, 3)), rng.randint(0, 2, 20)
    model = MiniBatchMLPClassifier(hidden_layer_sizes=(4,), solver="sgd")
    model.partial_fit(X, y, classes=[0, 1])
    model.set_params(momentum=2.0)
    with pytest.raises(ValueError, match="momentum"):
        model.partial_fit(X[:1], y[:1])
    model.set_params(momentum=0.5)
    model.partial_fit(X[:1], y[:1])
    assert model._optimizer.momentum == 0.9  # the optimizer of the stream goes on


@pytest.mark.parametrize(
    "X_change, y_change, match",
    [
        (lambda X: X[:, :2], lambda y: y, "features"),
        (lambda X: np.where(X > 1, np.nan, X), lambda y: y, "NaN"),
        (lambda X: X, lambda y: np.where(y == 1, 5, y), "not in classes_"),
        (lambda X: X.astype(np.float32), lambda y: y.astype(float), None),
    ],
)
def test_fast_path_rejects_what_full_validation_must_judge(X_change, y_change, match):
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(20, 3)), rng.randint(0, 2, 20)
    model = MiniBatchMLPClassifier(hidden_layer_sizes=(4,)).partial_fit(
        X, y, classes=[0, 1]
    )
    if match is None:  # valid after conversion: float32 X and float labels
        model.partial_fit(X_change(X), y_change(y))
        assert model.coefs_[0].dtype == np.float64
    else:
        with pytest.raises(ValueError, match=match):
            model.partial_fit(X_change(X), y_change(y))


@pytest.mark.parametrize("as_lists", [False, True])
@pytest.mark.parametrize("case", ["binary", "regression"])
def test_partial_fit_refuses_early_stopping_on_every_call(case, as_lists):
    # The fast path runs the same call rules as full validation: a fitted
    # model with unchanged parameters is refused too (scikit-learn#25693).
    Estimator, target = CASES[case]
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 4))
    y = target(X)
    model = Estimator(hidden_layer_sizes=(5,), early_stopping=True, random_state=0)
    model.fit(X, y)
    kwargs = {"classes": np.unique(y)} if Estimator is MiniBatchMLPClassifier else {}
    before = pickle.dumps(model.__dict__)
    for rows in (slice(0, 1), slice(0, 40), slice(3, 4)):
        Xi, yi = X[rows], y[rows]
        if as_lists:
            Xi, yi = Xi.tolist(), yi.tolist()
        with pytest.raises(ValueError, match="does not support early_stopping"):
            model.partial_fit(Xi, yi, **kwargs)
        assert pickle.dumps(model.__dict__) == before


PREDICTIONS = {
    MiniBatchMLPClassifier: ["predict", "predict_proba", "predict_log_proba"],
    MiniBatchMLPRegressor: ["predict"],
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
@pytest.mark.parametrize("case", CASES)
def test_prediction_fast_path_equals_full_validation(monkeypatch, case, dtype):
    Estimator, target = CASES[case]
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 4))
    model = Estimator(hidden_layer_sizes=(5,), max_iter=3, random_state=0)
    model.fit(X.astype(np.float32) if dtype is np.float32 else X, target(X))
    rows = [(X[:1] * 3).astype(dtype), (X * 3).astype(dtype)]
    for method in PREDICTIONS[Estimator]:
        fast = [getattr(model, method)(Xi) for Xi in rows]
        fast.append(getattr(model, method)(rows[0].tolist()))
        with monkeypatch.context() as patch:
            patch.setattr(_base, "known_rows", lambda *args: None)
            full = [getattr(model, method)(Xi) for Xi in rows]
            full.append(getattr(model, method)(rows[0].tolist()))
        for a, b in zip(fast, full, strict=True):
            assert a.dtype == b.dtype  # converted as validation converts
            assert_array_equal(a, b)  # the same calls on the same shapes


@pytest.mark.parametrize(
    "X, error",
    [
        ([[np.nan, 0.0, 0.0, 0.0]], "NaN"),
        ([[np.inf, 0.0, 0.0, 0.0]], "infinity"),
        ([[0.0, 0.0, 0.0]], "features"),
        (np.zeros((0, 4)), "minimum of 1"),
        ([["a", "b", "c", "d"]], "could not convert"),
    ],
)
def test_prediction_fast_path_keeps_the_errors_of_full_validation(X, error):
    rng = np.random.RandomState(0)
    X_train = rng.normal(size=(30, 4))
    model = MiniBatchMLPClassifier(hidden_layer_sizes=(3,), max_iter=2)
    model.fit(X_train, X_train[:, 0] > 0)
    for method in PREDICTIONS[MiniBatchMLPClassifier]:
        with pytest.raises(ValueError, match=error):
            getattr(model, method)(X)


def test_prediction_of_a_model_fitted_with_feature_names_still_warns():
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(0)
    X = pd.DataFrame(rng.normal(size=(30, 3)), columns=["a", "b", "c"])
    model = MiniBatchMLPRegressor(hidden_layer_sizes=(3,), max_iter=2)
    model.fit(X, X["a"])
    with pytest.warns(UserWarning, match="feature names"):
        model.predict(X.to_numpy()[:1])


@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel"])
def test_labels_are_decoded_as_label_binarizer_does(kind):
    from sklearn.preprocessing import LabelBinarizer

    rng = np.random.RandomState(0)
    if kind == "multilabel":
        y = rng.randint(0, 2, size=(50, 3))
    else:
        y = np.array(["x", "y", "z"][: 2 if kind == "binary" else 3])[
            rng.randint(0, 2 if kind == "binary" else 3, 50)
        ]
    model = MiniBatchMLPClassifier(hidden_layer_sizes=(3,), max_iter=2)
    model.fit(rng.normal(size=(50, 4)), y)
    n_outputs = model.n_outputs_
    # Ties and the 0.5 threshold itself included.
    P = rng.choice([0.0, 0.25, 0.5, 0.75, 1.0], size=(200, n_outputs))
    binarizer = model._label_binarizer
    expected = binarizer.inverse_transform(P.ravel() if n_outputs == 1 else P)
    assert_array_equal(model._targets.decode(P), expected)
    assert isinstance(binarizer, LabelBinarizer)


# scikit-learn's validation casts the weight (with NumPy's warning) and refuses it.
@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
def test_fast_path_refuses_weights_beyond_the_models_dtype():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(20, 4)).astype(np.float32)
    y = rng.randint(0, 3, 20)
    model = MiniBatchMLPClassifier(hidden_layer_sizes=(5,), random_state=0)
    model.partial_fit(X, y, classes=[0, 1, 2])
    model.partial_fit(X[:2], y[:2])  # the stream is known
    before = pickle.dumps(model.__dict__)
    with pytest.raises(ValueError, match="infinity"):
        model.partial_fit(X[:2], y[:2], sample_weight=np.array([1e39, 1.0]))
    assert pickle.dumps(model.__dict__) == before


def test_an_array_of_hidden_sizes_edited_in_place_is_noticed():
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(20, 4)), rng.randint(0, 3, 20)
    sizes = np.array([5])
    model = MiniBatchMLPClassifier(hidden_layer_sizes=sizes)
    model.partial_fit(X, y, classes=[0, 1, 2])
    sizes[0] = 7
    with pytest.raises(ValueError, match="layer sizes"):
        model.partial_fit(X, y)


def test_a_column_of_targets_warns_on_every_call_of_a_stream():
    from sklearn.exceptions import DataConversionWarning

    rng = np.random.RandomState(0)
    X = rng.normal(size=(20, 4))
    model = MiniBatchMLPRegressor(hidden_layer_sizes=(3,))
    for _ in range(3):
        with pytest.warns(DataConversionWarning):
            model.partial_fit(X, X[:, :1])


def test_a_short_chunk_is_clipped_to_its_rows_without_a_warning():
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(20, 4)), rng.randint(0, 3, 20)
    model = MiniBatchMLPClassifier(hidden_layer_sizes=(3,), batch_size=8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.partial_fit(X, y, classes=[0, 1, 2])
        model.partial_fit(X[:3], y[:3])  # shorter than batch_size
    # fit still says that its batch_size exceeds the data.
    with pytest.warns(UserWarning, match="batch_size=8 larger"):
        MiniBatchMLPClassifier(hidden_layer_sizes=(3,), batch_size=8, max_iter=2).fit(
            X[:5], y[:5]
        )
