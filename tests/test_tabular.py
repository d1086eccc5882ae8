"""TabularMLPClassifier / TabularMLPRegressor: the recipe's estimators.

scikit-learn's estimator checks, DataFrames with categorical columns and
missing values, searches, pickle and skops, the array API path, and
partial_fit where the recipe allows it.
"""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.utils.estimator_checks import parametrize_with_checks

from skbackprop import (
    MiniBatchMLPClassifier,
    TabularEncoder,
    TabularMLPClassifier,
    TabularMLPRegressor,
)

# Small and quick; dropout and the holdout are off, as in tests/test_common.py
# (the checks fit a handful of rows, and compare a weight-2 row with a
# repeated one, which dropout masks independently).
SMALL = {
    "hidden_layer_sizes": (16,),
    "max_iter": 30,
    "dropout": 0.0,
    "early_stopping": False,
    "random_state": 0,
    "dtype": "float64",  # float32 misses the checks' 1e-7 tolerance
}


@parametrize_with_checks(
    [
        TabularMLPClassifier(**SMALL),
        TabularMLPRegressor(**SMALL),
        TabularMLPClassifier(**{**SMALL, "smooth_clip": False, "label_smoothing": 0}),
        TabularEncoder(),
    ]
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def _frame(n=300, seed=0):
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(seed)
    size = rng.lognormal(size=n)
    color = rng.choice(["red", "green", "blue"], size=n).astype(object)
    count = rng.poisson(3, size=n).astype(float)
    size[rng.rand(n) < 0.1] = np.nan
    color[rng.rand(n) < 0.1] = None
    X = pd.DataFrame(
        {
            "size": size,
            "color": color,
            "count": count,
            "kind": pd.Categorical(rng.choice(["a", "b"], size=n)),
        }
    )
    signal = np.nan_to_num(np.log(size)) + (color == "red") + 0.3 * count
    return X, signal


def test_classifier_takes_a_dataframe_with_categories_and_missing_values():
    X, signal = _frame()
    y = np.where(signal > np.median(signal), "high", "low")
    clf = TabularMLPClassifier(max_iter=30, random_state=0).fit(X, y)
    assert clf.n_features_in_ == 4
    assert list(clf.feature_names_in_) == ["size", "color", "count", "kind"]
    assert set(clf.predict(X)) <= {"high", "low"}
    assert clf.score(X, y) > 0.8
    proba = clf.predict_proba(X.head(5))
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)
    # Unknown categories at prediction encode as all zeros.
    X_new = X.head(3).copy()
    X_new["color"] = ["purple", None, "red"]
    assert clf.predict(X_new).shape == (3,)
    assert clf.mlp_.best_validation_score_ is not None  # the 20% holdout


def test_regressor_standardises_and_clamps_targets():
    X, signal = _frame(seed=1)
    y = 1000 + 50 * signal
    reg = TabularMLPRegressor(max_iter=30, random_state=0).fit(X, y)
    assert reg.target_mean_ == pytest.approx(y.mean())
    assert reg.target_scale_ == pytest.approx(y.std())
    assert reg.score(X, y) > 0.8
    # The inner network trains on standardised targets.
    inner = reg.mlp_.predict(reg.encoder_.transform(X))
    assert abs(inner.mean()) < 0.5
    # Far outside the training inputs, predictions stay in the targets' range.
    far = X.head(4).copy()
    far["count"] = 1e6
    pred = reg.predict(far)
    assert np.all(pred <= y.max()) and np.all(pred >= y.min())


def test_encoder_robust_scale_and_smooth_clip():
    X = np.array([[1.0, 5.0], [2.0, 5.0], [3.0, 5.0], [4.0, 5.0], [np.nan, 5.0]])
    encoder = TabularEncoder(smooth_clip=False, dtype=np.float64).fit(X)
    # Column 0: inverted-CDF quartiles 1, 2, 3 (so that integer sample
    # weights equal repeated rows); column 1 is constant.
    np.testing.assert_allclose(encoder.center_, [2.0, 5.0])
    np.testing.assert_allclose(encoder.scale_, [1 / 2, 0.0])
    Xt = encoder.transform(X)
    np.testing.assert_allclose(Xt[:, 0], [-0.5, 0, 0.5, 1, 0])
    np.testing.assert_array_equal(Xt[:, 1], 0)
    clipped = TabularEncoder(dtype=np.float64).fit(X).transform(np.array([[1e9, 5.0]]))
    assert clipped[0, 0] == pytest.approx(3.0, rel=1e-6)  # x / sqrt(1 + (x/3)^2)
    with pytest.raises(ValueError, match="infinity"):
        encoder.transform(np.array([[np.inf, 5.0]]))


def test_grid_search_pickle_and_clone():
    X, signal = _frame(n=200)
    y = (signal > np.median(signal)).astype(int)
    search = GridSearchCV(
        TabularMLPClassifier(hidden_layer_sizes=(16,), max_iter=10, random_state=0),
        {"label_smoothing": [0.0, 0.1]},
        cv=2,
    ).fit(X, y)
    best = search.best_estimator_
    restored = pickle.loads(pickle.dumps(best))
    np.testing.assert_array_equal(restored.predict_proba(X), best.predict_proba(X))
    assert clone(best).get_params() == best.get_params()


def test_skops_round_trip():
    sio = pytest.importorskip("skops.io", reason="needs the [skops] extra")
    from skbackprop.persistence import skops_trusted_types

    X, signal = _frame(n=150)
    reg = TabularMLPRegressor(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    reg.fit(X, signal)
    data = sio.dumps(reg)
    untrusted = set(sio.get_untrusted_types(data=data)) - set(skops_trusted_types())
    loaded = sio.loads(data, trusted=sorted(untrusted | set(skops_trusted_types())))
    np.testing.assert_array_equal(loaded.predict(X), reg.predict(X))
    # Nothing of ours needs trusting by hand.
    assert not {t for t in untrusted if t.startswith("skbackprop")}


def test_partial_fit_needs_early_stopping_off():
    X, signal = _frame(n=200)
    y = (signal > np.median(signal)).astype(int)
    clf = TabularMLPClassifier(hidden_layer_sizes=(8,), random_state=0)
    with pytest.raises(ValueError, match="early_stopping=False"):
        clf.partial_fit(X, y, classes=[0, 1])
    assert not hasattr(clf, "mlp_")
    clf.set_params(early_stopping=False)
    for start in range(0, 200, 50):
        clf.partial_fit(
            X.iloc[start : start + 50], y[start : start + 50], classes=[0, 1]
        )
    assert clf.mlp_.n_iter_ == 4
    assert clf.predict(X).shape == (200,)
    reg = TabularMLPRegressor(hidden_layer_sizes=(8,), early_stopping=False)
    reg.partial_fit(X.iloc[:100], signal[:100]).partial_fit(X.iloc[100:], signal[100:])
    assert reg.predict(X).shape == (200,)


def test_failed_call_leaves_the_fitted_model_as_it_was():
    X, signal = _frame(n=120)
    y = (signal > np.median(signal)).astype(int)
    clf = TabularMLPClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    clf.fit(X, y)
    before = clf.predict_proba(X)
    with pytest.raises(ValueError):
        clf.fit(X.assign(size=np.inf), y)
    np.testing.assert_array_equal(clf.predict_proba(X), before)
    assert clf.n_features_in_ == 4
    assert list(clf.feature_names_in_) == ["size", "color", "count", "kind"]
    reg = TabularMLPRegressor(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    reg.fit(X, signal)
    mean = reg.target_mean_.copy()
    with pytest.raises(ValueError):
        reg.fit(X.iloc[:, :2], signal + 100, sample_weight=-np.ones(120))
    assert reg.target_mean_ == mean and reg.n_features_in_ == 4


def test_recipe_defaults():
    clf = TabularMLPClassifier()
    inner = clf._inner_estimator(10_000)
    assert isinstance(inner, MiniBatchMLPClassifier)
    params = inner.get_params()
    assert params["hidden_layer_sizes"] == (256, 256, 256)
    assert params["activation"] == "selu" and params["learning_rate"] == "coslog4"
    assert params["beta_2"] == 0.95 and params["label_smoothing"] == 0.1
    assert params["weight_init"] == "zero_output" and params["dropout"] == 0.15
    assert params["early_stopping"] and params["validation_fraction"] == 0.2
    assert TabularMLPRegressor().activation == "mish"


def test_array_api_path_with_torch():
    torch = pytest.importorskip("torch", reason="needs the [test] extra (torch)")
    pytest.importorskip("array_api_compat", reason="needs the [test] extra")
    import sklearn

    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 3))
    y = X[:, 0] - 2 * X[:, 1]
    X_t, y_t = torch.asarray(X), torch.asarray(y)
    params = {"hidden_layer_sizes": (8,), "max_iter": 10, "random_state": 0}
    with sklearn.config_context(array_api_dispatch=True):
        reg = TabularMLPRegressor(**params).fit(X_t, y_t)
        pred = reg.predict(X_t)
    assert isinstance(pred, torch.Tensor)
    numpy_pred = TabularMLPRegressor(**params).fit(X, y).predict(X)
    np.testing.assert_allclose(pred.numpy(), numpy_pred, rtol=1e-4, atol=1e-4)


def test_onnx_export_is_refused_clearly_and_the_network_exports():
    pytest.importorskip("skl2onnx", reason="needs the [onnx] extra")
    from skbackprop.onnx import to_onnx

    X = np.random.RandomState(0).normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int)
    clf = TabularMLPClassifier(hidden_layer_sizes=(4,), max_iter=2).fit(X, y)
    with pytest.raises(TypeError, match="no ONNX translation"):
        to_onnx(clf, X[:1].astype(np.float32))
    onx = to_onnx(clf.mlp_, clf.encoder_.transform(X[:1]))
    assert onx.graph.output


def test_warm_start_keeps_the_encoding_and_the_weights():
    X, signal = _frame(n=150)
    reg = TabularMLPRegressor(
        hidden_layer_sizes=(8,), max_iter=3, random_state=0, warm_start=True
    )
    reg.fit(X, signal)
    encoder, mlp = reg.encoder_, reg.mlp_
    weights = mlp.coefs_[0].copy()
    reg.fit(X.iloc[:100], signal[:100])
    assert reg.encoder_ is encoder and reg.mlp_ is mlp
    assert not np.array_equal(mlp.coefs_[0], weights)  # trained on from there
    reg.set_params(warm_start=False).fit(X, signal)
    assert reg.mlp_ is not mlp
