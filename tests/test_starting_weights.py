"""Weights assigned by hand before the first call are where training starts."""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.neural_network import MLPClassifier, MLPRegressor

from skbackprop import MiniBatchMLPClassifier, MiniBatchMLPRegressor

# scikit-learn's worked example (sklearn/neural_network/tests/test_mlp.py,
# test_fit): one sample, two logistic hidden units, one SGD step.
X_ONE = np.array([[0.6, 0.8, 0.7]])
START_COEFS = [np.array([[0.1, 0.2], [0.3, 0.1], [0.5, 0.0]]), np.array([[0.1], [0.2]])]
START_INTERCEPTS = [np.array([0.1, 0.1]), np.array([1.0])]
PARAMS = dict(
    solver="sgd",
    learning_rate_init=0.1,
    alpha=0.1,
    activation="logistic",
    hidden_layer_sizes=2,
    momentum=0,
    max_iter=1,
    random_state=1,
)


def _assign(model, coefs=START_COEFS, intercepts=START_INTERCEPTS):
    model.coefs_ = [W.copy() for W in coefs]
    model.intercepts_ = [b.copy() for b in intercepts]
    return model


def _sklearn_after_one_step(Estimator, y, **fit_kwargs):
    """scikit-learn's MLP from the same weights (its test sets these too)."""
    model = _assign(Estimator(**PARAMS))
    model.n_outputs_, model.n_layers_, model.t_ = 1, 3, 0
    model.out_activation_ = "logistic" if Estimator is MLPClassifier else "identity"
    model.best_loss_, model.loss_curve_, model._no_improvement_count = 1e10, [], 0
    return model.partial_fit(X_ONE, y, **fit_kwargs)


def test_one_sgd_step_from_assigned_weights_is_the_worked_example():
    model = _assign(MiniBatchMLPClassifier(**PARAMS))
    model.partial_fit(X_ONE, np.array([0]), classes=[0, 1])
    # The hand-worked figures, rounded as in scikit-learn's own test.
    assert_allclose(
        model.coefs_[0],
        [[0.098, 0.195756], [0.2956664, 0.096008], [0.4939998, -0.002244]],
        atol=1e-3,
    )
    assert_allclose(model.coefs_[1], [[0.04706], [0.154089]], atol=1e-3)
    assert_allclose(model.intercepts_[0], [0.098333, 0.09626], atol=1e-3)
    assert_allclose(model.intercepts_[1], [0.9235], atol=1e-3)
    assert_allclose(model.predict_proba(X_ONE)[0, 1], 0.739, atol=1e-3)
    # And to float rounding, scikit-learn's MLP from the same weights.
    reference = _sklearn_after_one_step(MLPClassifier, np.array([0]), classes=[0, 1])
    for ours, theirs in zip(
        model.coefs_ + model.intercepts_,
        reference.coefs_ + reference.intercepts_,
        strict=True,
    ):
        assert_allclose(ours, theirs, rtol=1e-12)


def test_regressor_and_warm_start_fit_start_from_assigned_weights():
    y = np.array([0.3])
    reference = _sklearn_after_one_step(MLPRegressor, y)
    for model in (
        _assign(MiniBatchMLPRegressor(**PARAMS)).partial_fit(X_ONE, y),
        _assign(MiniBatchMLPRegressor(**PARAMS, warm_start=True, shuffle=False)).fit(
            X_ONE, y
        ),
    ):
        for ours, theirs in zip(
            model.coefs_ + model.intercepts_,
            reference.coefs_ + reference.intercepts_,
            strict=True,
        ):
            assert_allclose(ours, theirs, rtol=1e-12)


def test_fit_without_warm_start_draws_fresh_weights_as_scikit_learn():
    model = _assign(MiniBatchMLPClassifier(**PARAMS))
    fresh = MiniBatchMLPClassifier(**PARAMS)
    model.fit(X_ONE, np.array([0]))
    fresh.fit(X_ONE, np.array([0]))
    assert_allclose(model.coefs_[0], fresh.coefs_[0], rtol=0)


@pytest.mark.parametrize(
    "coefs, intercepts, message",
    [
        (START_COEFS[:1], START_INTERCEPTS[:1], "have shapes"),
        ([START_COEFS[0].T, START_COEFS[1]], START_INTERCEPTS, "have shapes"),
        (START_COEFS, [START_INTERCEPTS[0], np.ones(2)], "have shapes"),
        ([np.full((3, 2), np.nan), START_COEFS[1]], START_INTERCEPTS, "finite"),
        ([[["a", "b"]] * 3, START_COEFS[1]], START_INTERCEPTS, "real-number"),
        (START_COEFS, None, "assigned together"),
    ],
)
def test_assigned_weights_that_do_not_fit_are_refused(coefs, intercepts, message):
    model = MiniBatchMLPClassifier(**PARAMS)
    model.coefs_ = coefs
    if intercepts is not None:
        model.intercepts_ = intercepts
    before = pickle.dumps(model.__dict__)
    with pytest.raises(ValueError, match=message) as error:
        model.partial_fit(X_ONE, np.array([0]), classes=[0, 1])
    assert "coefs_" in str(error.value)
    assert pickle.dumps(model.__dict__) == before  # nothing set, nothing dropped


def test_replacing_one_layer_of_a_fitted_model_is_adopted():
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(30, 3)), rng.randint(0, 2, 30)
    model = MiniBatchMLPClassifier(hidden_layer_sizes=(4,), random_state=0)
    model.partial_fit(X, y, classes=[0, 1])
    model.coefs_[0] = np.full((3, 4), 0.1)  # one layer, by item assignment
    before = model.predict_proba(X)
    model.partial_fit(X, y)
    # Training started from the new layer and moved it: it is the network's
    # view again, not a frozen copy beside it.
    assert np.shares_memory(model.coefs_[0], model._network.params)
    assert not np.allclose(model.coefs_[0], 0.1)
    assert np.abs(model.coefs_[0] - 0.1).max() < 0.05  # a step, not a restart
    assert not np.array_equal(model.predict_proba(X), before)


def test_inspection_sees_the_assigned_starting_weights():
    from skbackprop.inspection import trace_batch

    model = _assign(MiniBatchMLPClassifier(**PARAMS))
    trace = trace_batch(model, X_ONE, np.array([0]))
    assert_allclose(trace.layers[0]["W"], START_COEFS[0], rtol=0)
    assert_allclose(trace.layers[1]["W"], START_COEFS[1], rtol=0)


def test_assigned_weights_must_be_real_numbers():
    model = MiniBatchMLPClassifier(**PARAMS)
    model.coefs_ = [np.array([["0.1", "0.2"]] * 3), START_COEFS[1]]
    model.intercepts_ = START_INTERCEPTS
    with pytest.raises(ValueError, match="real-number arrays"):
        model.partial_fit(X_ONE, np.array([0]), classes=[0, 1])
