"""partial_fit streams: the fast path for known inputs equals full validation."""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from skbackprop import MiniBatchMLPClassifier, MiniBatchMLPRegressor, _validation


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
