"""The estimators in scikit-learn's model selection: pipelines, searches, clone.

The searches run with ``n_jobs=2`` on joblib's default backend (loky): the
pipelines are pickled to worker processes, trained there and sent back.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.stats import loguniform
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.exceptions import NotFittedError

# Enables HalvingGridSearchCV, still experimental in scikit-learn.
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import (
    GridSearchCV,
    HalvingGridSearchCV,
    KFold,
    RandomizedSearchCV,
    StratifiedKFold,
    cross_validate,
    train_test_split,
)
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from skbackprop import MiniBatchMLPClassifier, MiniBatchMLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def iris_split():
    X, y = load_iris(return_X_y=True)
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)


@pytest.fixture(scope="module")
def diabetes_split():
    X, y = load_diabetes(return_X_y=True)
    y = (y - y.mean()) / y.std()
    return train_test_split(X, y, test_size=0.3, random_state=0)


def _classifier_pipeline(**params):
    params = {
        "hidden_layer_sizes": (8,),
        "learning_rate_init": 0.02,
        "max_iter": 80,
        "random_state": 0,
    } | params
    return Pipeline(
        [("scale", StandardScaler()), ("mlp", MiniBatchMLPClassifier(**params))]
    )


def _regressor_pipeline(**params):
    params = {
        "hidden_layer_sizes": (8,),
        "learning_rate_init": 0.01,
        "max_iter": 60,
        "random_state": 0,
    } | params
    return Pipeline(
        [("scale", StandardScaler()), ("mlp", MiniBatchMLPRegressor(**params))]
    )


def _weights(pipeline):
    mlp = pipeline.named_steps["mlp"]
    return mlp.coefs_ + mlp.intercepts_


def _assert_same_weights(a, b, **tolerance):
    """Equal weights: bitwise, or within ``rtol`` / ``atol`` where given."""
    wa, wb = _weights(a), _weights(b)
    assert [w.shape for w in wa] == [w.shape for w in wb]
    for x, y in zip(wa, wb, strict=True):
        if tolerance:
            assert_allclose(x, y, **tolerance)
        else:
            assert_array_equal(x, y)


def test_grid_search_in_processes(iris_split):
    X_train, X_test, y_train, y_test = iris_split
    # A list of grids with nested ``mlp__`` names: 2 * 2 + 2 * 2 candidates.
    param_grid = [
        {"mlp__hidden_layer_sizes": [(4,), (10,)], "mlp__alpha": [1e-4, 1.0]},
        {
            "mlp__activation": ["tanh", "logistic"],
            "mlp__learning_rate_init": [1e-3, 3e-2],
        },
    ]
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    search = GridSearchCV(_classifier_pipeline(), param_grid, cv=cv, n_jobs=2)
    search.fit(X_train, y_train)

    results = search.cv_results_
    assert len(results["params"]) == 8
    assert results["split2_test_score"].shape == (8,)
    # The candidates are really different models: their scores differ.
    assert len(np.unique(results["mean_test_score"])) > 1
    # Held out, the refitted best pipeline beats chance (1/3) by far.
    assert search.score(X_test, y_test) > 0.85

    # The refit is a plain fit of the best parameters on all the training data.
    fresh = clone(_classifier_pipeline()).set_params(**search.best_params_)
    fresh.fit(X_train, y_train)
    _assert_same_weights(search.best_estimator_, fresh)
    assert_array_equal(search.predict_proba(X_test), fresh.predict_proba(X_test))

    # Trained in two worker processes or in this one: the same scores.
    serial = GridSearchCV(_classifier_pipeline(), param_grid, cv=cv, n_jobs=1)
    serial.fit(X_train, y_train)
    for k in range(3):
        key = f"split{k}_test_score"
        # Accuracies: counts of equal labels, exact across processes.
        assert_array_equal(results[key], serial.cv_results_[key])
    assert search.best_params_ == serial.best_params_


def test_randomized_search_in_processes(diabetes_split):
    X_train, X_test, y_train, y_test = diabetes_split
    distributions = {
        "mlp__hidden_layer_sizes": [(4,), (16,), (8, 8)],
        "mlp__alpha": loguniform(1e-5, 1e1),
        "mlp__activation": ["relu", "tanh"],
        "mlp__learning_rate_init": loguniform(1e-3, 3e-2),
    }
    search_params = dict(n_iter=6, cv=3, scoring="r2", random_state=0)
    search = RandomizedSearchCV(
        _regressor_pipeline(), distributions, n_jobs=2, **search_params
    ).fit(X_train, y_train)

    results = search.cv_results_
    assert len(results["params"]) == 6
    alphas = np.asarray(results["param_mlp__alpha"], dtype=float)
    assert np.all((alphas >= 1e-5) & (alphas <= 1e1))
    # Predicting the training mean scores an R^2 of about 0 held out (a linear
    # regression: 0.39).
    assert search.score(X_test, y_test) > 0.3

    serial = RandomizedSearchCV(
        _regressor_pipeline(), distributions, n_jobs=1, **search_params
    ).fit(X_train, y_train)
    # R^2 from worker processes vs this one: BLAS thread counts may differ, so
    # may rounding. atol: a strongly regularised candidate scores about 0.
    assert_allclose(
        results["mean_test_score"],
        serial.cv_results_["mean_test_score"],
        rtol=1e-12,
        atol=1e-12,
    )
    # Both refits run in this process: bitwise.
    _assert_same_weights(search.best_estimator_, serial.best_estimator_)


def test_halving_grid_search_over_samples():
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, stratify=y, random_state=0
    )
    param_grid = {
        "mlp__hidden_layer_sizes": [(2,), (8,)],
        "mlp__alpha": [1e-4, 1e-1],
        "mlp__learning_rate_init": [1e-4, 1e-2],
    }
    search = HalvingGridSearchCV(
        _classifier_pipeline(max_iter=40),
        param_grid,
        factor=2,
        min_resources=60,
        cv=3,
        n_jobs=2,
        random_state=0,
    ).fit(X_train, y_train)

    assert search.n_candidates_[0] == 8
    assert list(search.n_candidates_) == sorted(search.n_candidates_, reverse=True)
    assert list(search.n_resources_) == sorted(search.n_resources_)
    assert search.n_resources_[0] == 60
    # The last round picked the best of the candidates it kept.
    assert search.score(X_test, y_test) > 0.9  # the majority class is 63%


def test_halving_grid_search_over_epochs(iris_split):
    X_train, X_test, y_train, y_test = iris_split
    search = HalvingGridSearchCV(
        _classifier_pipeline(batch_size=32),  # 4 steps per epoch
        {"mlp__hidden_layer_sizes": [(3,), (10,)], "mlp__alpha": [1e-4, 1e-1]},
        resource="mlp__max_iter",  # set through the pipeline's nested parameter
        min_resources=10,
        max_resources=90,
        factor=3,
        cv=3,
        n_jobs=2,
        random_state=0,
    ).fit(X_train, y_train)
    assert list(search.n_resources_) == [10, 30]
    best = search.best_estimator_.named_steps["mlp"]
    assert best.max_iter == 30 and best.n_iter_ <= 30
    assert search.score(X_test, y_test) > 0.85


def test_cross_validate_equals_a_loop_over_folds(diabetes_split):
    X, _, y, _ = diabetes_split
    cv = KFold(4, shuffle=True, random_state=0)
    pipeline = _regressor_pipeline()
    scores = cross_validate(
        pipeline,
        X,
        y,
        cv=cv,
        scoring=["r2", "neg_mean_squared_error"],
        return_train_score=True,
        return_estimator=True,
        n_jobs=2,
    )
    assert scores["test_r2"].shape == (4,)
    assert scores["train_r2"].shape == (4,)
    assert np.all(scores["test_r2"] > 0.2)  # predicting the mean scores about 0
    for k, (train, test) in enumerate(cv.split(X)):
        fold = clone(pipeline).fit(X[train], y[train])
        # Fitted and scored in a worker vs here: BLAS thread counts may differ,
        # so may rounding. atol: weights near 0.
        _assert_same_weights(scores["estimator"][k], fold, rtol=1e-12, atol=1e-12)
        assert scores["test_r2"][k] == pytest.approx(
            fold.score(X[test], y[test]), rel=1e-12
        )
        mse = np.mean((fold.predict(X[test]) - y[test]) ** 2)
        assert scores["test_neg_mean_squared_error"][k] == pytest.approx(-mse)


@pytest.mark.parametrize(
    "pipeline_factory", [_classifier_pipeline, _regressor_pipeline]
)
def test_clone_is_unfitted_with_the_same_params(
    pipeline_factory, iris_split, diabetes_split
):
    split = iris_split if pipeline_factory is _classifier_pipeline else diabetes_split
    X_train, _, y_train, _ = split
    fitted = pipeline_factory(alpha=0.3, hidden_layer_sizes=(5, 3)).fit(
        X_train, y_train
    )
    copy = clone(fitted)
    assert copy.get_params(deep=True).keys() == fitted.get_params(deep=True).keys()
    assert (
        copy.named_steps["mlp"].get_params() == fitted.named_steps["mlp"].get_params()
    )
    assert copy.named_steps["mlp"] is not fitted.named_steps["mlp"]
    with pytest.raises(NotFittedError):
        check_is_fitted(copy.named_steps["mlp"])
    assert not hasattr(copy.named_steps["mlp"], "coefs_")
    # Same parameters, same random_state: fitting the copy gives the same model,
    # and leaves the original untouched.
    before = [w.copy() for w in _weights(fitted)]
    copy.fit(X_train, y_train)
    _assert_same_weights(copy, fitted)
    for w, b in zip(_weights(fitted), before, strict=True):
        assert_array_equal(w, b)
    assert not np.shares_memory(_weights(copy)[0], _weights(fitted)[0])


def test_nested_set_params(iris_split):
    X_train, X_test, y_train, _ = iris_split
    pipeline = _classifier_pipeline().fit(X_train, y_train)
    assert pipeline.named_steps["mlp"].coefs_[0].shape == (4, 8)

    returned = pipeline.set_params(
        mlp__alpha=0.5, mlp__hidden_layer_sizes=(7, 3), mlp__activation="tanh"
    )
    assert returned is pipeline
    mlp = pipeline.named_steps["mlp"]
    assert (mlp.alpha, mlp.hidden_layer_sizes, mlp.activation) == (0.5, (7, 3), "tanh")
    pipeline.fit(X_train, y_train)
    assert [W.shape for W in mlp.coefs_] == [(4, 7), (7, 3), (3, 3)]

    direct = _classifier_pipeline(
        alpha=0.5, hidden_layer_sizes=(7, 3), activation="tanh"
    ).fit(X_train, y_train)
    _assert_same_weights(pipeline, direct)
    assert_array_equal(pipeline.predict_proba(X_test), direct.predict_proba(X_test))

    with pytest.raises(ValueError, match="not_a_parameter"):
        pipeline.set_params(mlp__not_a_parameter=1)
    # Validation happens at fit, as in scikit-learn.
    pipeline.set_params(mlp__activation="softmax")
    with pytest.raises(ValueError, match="activation"):
        pipeline.fit(X_train, y_train)
