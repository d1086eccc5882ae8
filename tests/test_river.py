"""river: estimators wrapped by ``convert_sklearn_to_river`` learn row by row.

river's wrapper turns every ``learn_one(x, y)`` into
``partial_fit([[x values...]], [y], classes=classes)`` and every
``predict_one`` / ``predict_proba_one`` into a one-row ``predict`` /
``predict_proba``. These tests run the wrapped estimators through river's own
progressive validation on bundled datasets, check they learn, and check the
wrapper adds nothing: the weights are those of our estimator fed the same rows
through ``partial_fit`` directly.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_iris

from skbackprop import MiniBatchMLPClassifier, MiniBatchMLPRegressor, _validation

river = pytest.importorskip(
    "river", reason="needs the [river] extra: pip install -e '.[river]'"
)
from river import compat, dummy, evaluate, metrics, stats, stream  # noqa: E402


def _standardized(X):
    # Statistics of the whole dataset: a shortcut for a test. A real stream
    # would put river's preprocessing.StandardScaler in front of the model.
    return (X - X.mean(axis=0)) / (X.std(axis=0) + 1e-12)


def _shuffled(X, y, seed=0):
    order = np.random.RandomState(seed).permutation(len(X))
    return X[order], y[order]


def _iris_names():
    iris = load_iris()
    return iris.data, iris.target_names[iris.target]


# name -> (X, y, margin of progressive accuracy over the prior baseline)
CLASSIFICATION = {
    "binary breast_cancer": (lambda: load_breast_cancer(return_X_y=True), 0.25),
    "multiclass digits": (lambda: load_digits(return_X_y=True), 0.6),
    "multiclass string labels iris": (_iris_names, 0.25),
}

PARAMS = {"hidden_layer_sizes": (16,), "learning_rate_init": 0.01, "random_state": 0}


def _assert_same_weights(a, b):
    for coef_a, coef_b in zip(a.coefs_, b.coefs_, strict=True):
        assert_array_equal(coef_a, coef_b)
    for bias_a, bias_b in zip(a.intercepts_, b.intercepts_, strict=True):
        assert_array_equal(bias_a, bias_b)
    assert a.loss_curve_ == b.loss_curve_
    assert a.t_ == b.t_


@pytest.mark.parametrize("case", CLASSIFICATION)
def test_progressive_classification_learns_and_equals_partial_fit(case):
    load, margin = CLASSIFICATION[case]
    X, y = load()
    X, y = _shuffled(_standardized(X), y)
    classes = sorted(np.unique(y).tolist())
    model = compat.convert_sklearn_to_river(
        MiniBatchMLPClassifier(**PARAMS), classes=classes
    )

    # Each row is predicted before it is learnt: accuracy on unseen data.
    accuracy = evaluate.progressive_val_score(
        stream.iter_array(X, y), model, metrics.Accuracy()
    ).get()
    prior = evaluate.progressive_val_score(
        stream.iter_array(X, y), dummy.PriorClassifier(), metrics.Accuracy()
    ).get()
    assert accuracy > prior + margin, (accuracy, prior)

    # The predictions river interleaved changed nothing: the same rows sent
    # straight to partial_fit, one at a time, give the same model.
    direct = MiniBatchMLPClassifier(**PARAMS)
    for row, label in zip(X, y, strict=True):
        direct.partial_fit([row.tolist()], [label], classes=classes)
    wrapped = model.estimator
    _assert_same_weights(wrapped, direct)
    assert_array_equal(wrapped.classes_, classes)
    assert wrapped.n_iter_ == direct.n_iter_ == len(X)

    # river maps column i of predict_proba to classes[i]; with classes sorted
    # as classes_ is, the mapping is right.
    x = dict(enumerate(X[0]))
    proba = model.predict_proba_one(x)
    expected = direct.predict_proba(X[:1])[0]
    assert list(proba) == classes
    assert_allclose(list(proba.values()), expected, rtol=1e-12)
    assert model.predict_one(x) == direct.predict(X[:1])[0]


def test_progressive_regression_learns_and_equals_partial_fit():
    X, y = load_diabetes(return_X_y=True)
    X, y = _shuffled(_standardized(X), y)
    y = (y - y.mean()) / y.std()  # an MLP's output starts near 0
    model = compat.convert_sklearn_to_river(MiniBatchMLPRegressor(**PARAMS))

    mae = evaluate.progressive_val_score(
        stream.iter_array(X, y), model, metrics.MAE()
    ).get()
    # Baseline: predict the mean of the targets seen so far.
    running_mean = evaluate.progressive_val_score(
        stream.iter_array(X, y), dummy.StatisticRegressor(stats.Mean()), metrics.MAE()
    ).get()
    assert mae < 0.85 * running_mean, (mae, running_mean)
    assert mae < 0.85 * np.abs(y - y.mean()).mean()

    direct = MiniBatchMLPRegressor(**PARAMS)
    for row, target in zip(X, y, strict=True):
        direct.partial_fit([row.tolist()], [target])
    _assert_same_weights(model.estimator, direct)
    x = dict(enumerate(X[0]))
    assert model.predict_one(x) == pytest.approx(direct.predict(X[:1])[0], rel=1e-12)


def _count_validation_paths(monkeypatch):
    """Record, for every training call, which path its validation took."""
    paths = []
    validate_in_full = _validation._validate_data_in_full
    accept_known_chunk = _validation._accept_known_chunk

    def full(*args, **kwargs):
        paths.append("full")
        return validate_in_full(*args, **kwargs)

    def fast(*args):
        call = accept_known_chunk(*args)
        if call is not None:
            paths.append("fast")
        return call

    monkeypatch.setattr(_validation, "_validate_data_in_full", full)
    monkeypatch.setattr(_validation, "_accept_known_chunk", fast)
    return paths


STREAMS = {
    "binary": (MiniBatchMLPClassifier, [0, 1], lambda X: (X[:, 0] > 0).astype(int)),
    "multiclass": (
        MiniBatchMLPClassifier,
        ["a", "b", "c"],
        lambda X: np.array(["a", "b", "c"])[(X[:, :2] > 0).sum(axis=1)],
    ),
    "regression": (MiniBatchMLPRegressor, None, lambda X: np.tanh(X[:, 0])),
}


@pytest.mark.parametrize("case", STREAMS)
def test_learn_one_takes_the_fast_path_after_the_first_row(monkeypatch, case):
    Estimator, classes, target = STREAMS[case]
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 4))
    y = target(X)
    model = (
        compat.convert_sklearn_to_river(Estimator(hidden_layer_sizes=(3,)))
        if classes is None
        else compat.convert_sklearn_to_river(
            Estimator(hidden_layer_sizes=(3,)), classes=classes
        )
    )
    paths = _count_validation_paths(monkeypatch)
    # iter_array gives dicts of NumPy floats, a hand-made stream Python floats.
    rows = list(stream.iter_array(X, y))
    rows[10:] = [
        (dict(enumerate(x.tolist())), t) for x, t in zip(X[10:], y[10:], strict=True)
    ]
    for x, t in rows:
        model.predict_one(x)
        if classes is not None:
            model.predict_proba_one(x)
        model.learn_one(x, t)
    assert paths == ["full"] + ["fast"] * (len(X) - 1)
    assert model.estimator.t_ == len(X)
