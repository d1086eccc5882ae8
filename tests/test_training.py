"""skbackprop._training: the epoch loop, the stopping rule, the weight unit."""

import pickle

import numpy as np
import pytest

from skbackprop import MiniBatchMLPClassifier, MiniBatchMLPRegressor
from skbackprop._training import StoppingRule, batch_size, split_validation
from skbackprop._validation import FIT, PARTIAL_FIT


def _data(n=60, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 3))
    return X, (X[:, 0] > 0).astype(int)


def test_stopping_rule_counts_epochs_without_a_tol_improvement():
    rule = StoppingRule(np.zeros(2))
    losses = [1.0, 0.95, 0.949, 0.948, 0.5]
    counts = []
    for loss in losses:
        rule.record_loss(loss, tol=0.01)
        counts.append(rule.no_improvement_count)
    # 0.949 and 0.948 improve by less than tol on the best so far (0.95).
    assert counts == [0, 0, 1, 2, 0]
    assert rule.best == (0.5, None)


def test_stopping_rule_keeps_the_weights_of_the_best_score():
    best = np.zeros(2)
    rule = StoppingRule(best)
    rule.reset(validated=True)
    for score, params in [(0.5, [1.0, 1.0]), (0.7, [2.0, 2.0]), (0.6, [3.0, 3.0])]:
        rule.record_score(score, tol=0.0, params=np.array(params))
    assert rule.best == (None, 0.7)
    np.testing.assert_array_equal(best, [2.0, 2.0])  # written in place
    assert rule.no_improvement_count == 1


def test_the_rule_and_the_published_attributes_agree_after_fit():
    X, y = _data()
    model = MiniBatchMLPClassifier(
        hidden_layer_sizes=(4,), early_stopping=True, max_iter=30, random_state=0
    ).fit(X, y)
    rule = model._stopping
    assert (
        model.best_validation_score_ == rule.best_score == max(model.validation_scores_)
    )
    assert model.best_loss_ is None
    # fit ends on the best weights, which the rule kept.
    np.testing.assert_array_equal(model._network.params, rule.best_params)


def test_batch_size_clips_to_the_rows_and_warns_only_when_asked():
    model = MiniBatchMLPClassifier(batch_size=50)
    with pytest.warns(UserWarning, match="batch_size=50 larger"):
        assert batch_size(model, 10) == 10
    assert batch_size(model, 10, warn_if_clipped=False) == 10
    assert batch_size(MiniBatchMLPClassifier(), 1000) == 200  # 'auto'


def test_the_schedule_horizon_is_max_iter_epochs_of_batches():
    X, y = _data(n=50)
    model = MiniBatchMLPClassifier(
        hidden_layer_sizes=(3,), batch_size=20, max_iter=7, random_state=0
    )
    model.fit(X, y)  # 3 batches per epoch
    assert model._optimizer.schedule.horizon == 7 * 3
    # A stream: one call is one epoch, the horizon set by the first call.
    stream = MiniBatchMLPClassifier(hidden_layer_sizes=(3,), batch_size=20, max_iter=7)
    stream.partial_fit(X[:40], y[:40], classes=[0, 1])
    stream.partial_fit(X, y)
    assert stream._optimizer.schedule.horizon == 7 * 2
    assert stream._optimizer.schedule.steps == 2 + 3


def test_weight_mean_runs_over_a_stream_and_restarts_with_fit():
    X, y = _data()
    model = MiniBatchMLPRegressor(hidden_layer_sizes=(3,), random_state=0)
    model.partial_fit(X[:10], y[:10], sample_weight=np.full(10, 3.0))
    model.partial_fit(X[:10], y[:10], sample_weight=np.full(10, 1.0))
    assert (model._weight_count, model._weight_total) == (20, 40.0)
    model.set_params(max_iter=1).fit(X, y)
    assert (model._weight_count, model._weight_total) == (60, 60.0)


def test_split_validation_stratifies_the_classifier_and_refuses_a_tiny_set():
    X, y = _data(n=40)
    model = MiniBatchMLPClassifier(validation_fraction=0.25, random_state=0)
    model._random_state = np.random.RandomState(0)
    Y = np.eye(2)[y]
    X_train, y_train, _, _, validation = split_validation(model, X, y, Y, None, None)
    assert len(X_train) == 30 and len(validation.y) == 10
    assert validation.y.mean() == pytest.approx(y.mean(), abs=0.1)  # stratified


@pytest.mark.parametrize("warm_start", [False, True])
def test_a_split_too_small_is_refused_before_the_model_changes(warm_start):
    X, y = _data(n=40)
    model = MiniBatchMLPClassifier(hidden_layer_sizes=(3,), max_iter=3).fit(X, y)
    before = pickle.dumps(model)
    model.set_params(early_stopping=True, validation_fraction=0.01)
    model.set_params(warm_start=warm_start, activation="tanh")
    with pytest.raises(ValueError, match="validation set is too small"):
        model.fit(X, y)
    model.set_params(early_stopping=False, validation_fraction=0.1)
    model.set_params(warm_start=False, activation="relu")
    assert pickle.dumps(model) == before


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_a_model_fitted_by_lbfgs_goes_on_in_epochs(solver):
    X, y = _data()
    model = MiniBatchMLPClassifier(hidden_layer_sizes=(3,), solver="lbfgs").fit(X, y)
    model.set_params(solver=solver).partial_fit(X, y)
    assert len(model.loss_curve_) == 1 and model.best_loss_ == model.loss_
    warm = MiniBatchMLPClassifier(hidden_layer_sizes=(3,), solver="lbfgs").fit(X, y)
    warm.set_params(solver=solver, warm_start=True, early_stopping=True, max_iter=3)
    warm.fit(X, y)
    assert len(warm.validation_scores_) == len(warm.loss_curve_) == warm.n_iter_


def test_call_kinds_drive_the_epoch_count():
    X, y = _data()
    model = MiniBatchMLPClassifier(hidden_layer_sizes=(3,), max_iter=5)
    model.fit(X, y)
    assert model.n_iter_ == 5  # FIT: max_iter epochs, counted from 0
    model.partial_fit(X, y)
    assert model.n_iter_ == 6  # PARTIAL_FIT: one more
    assert FIT.incremental is False and PARTIAL_FIT.incremental is True
