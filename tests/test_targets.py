"""skbackprop._targets: how y becomes Y, and the class weights of a stream."""

import numpy as np
import pytest

from skbackprop import MiniBatchMLPClassifier, MiniBatchMLPRegressor
from skbackprop._targets import ClassTargets, RegressionTargets
from skbackprop._validation import PARTIAL_FIT


def _stream(class_weight=None):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 3))
    y = np.array([0] * 30 + [1] * 10)
    model = MiniBatchMLPClassifier(hidden_layer_sizes=(3,), class_weight=class_weight)
    return model.partial_fit(X, y, classes=[0, 1]), X, y


def test_class_targets_encode_and_decode_labels():
    model, X, y = _stream()
    targets = model._targets
    assert isinstance(targets, ClassTargets) and not targets.multilabel
    Y = targets.encode(np.array([1, 0]))
    assert Y.tolist() == [[1], [0]]


def test_balanced_counts_run_over_the_stream():
    model, X, y = _stream(class_weight="balanced")
    counts = model._targets.class_counts
    assert counts.tolist() == [[30.0, 10.0]]
    Y = model._targets.encode(y).astype(np.float64)  # as training encodes it
    targets, weights = model._targets.advance(Y, None, "balanced", PARTIAL_FIT)
    assert targets.class_counts.tolist() == [[60.0, 20.0]]
    # n / (k n_c) of the running counts: 80 / (2 * 60) and 80 / (2 * 20).
    assert sorted(set(weights.round(6))) == [round(80 / 120, 6), 2.0]
    assert model._targets.class_counts.tolist() == [[30.0, 10.0]]  # unchanged


def test_a_known_chunk_is_encoded_cheaply_or_left_to_full_validation():
    model, X, y = _stream()
    targets = model._targets
    Y = targets.encode_known([1, 0], 2, None, 1, np.float64)
    assert Y.tolist() == [[1.0], [0.0]]
    assert targets.encode_known([2, 0], 2, None, 1, np.float64) is None  # unseen


def test_regression_targets_refuse_negative_poisson_values():
    X = np.zeros((4, 2))
    with pytest.raises(ValueError, match="negative"):
        MiniBatchMLPRegressor(loss="poisson").fit(X, [1.0, -1.0, 0.0, 2.0])
    targets = RegressionTargets("poisson")
    assert targets.encode_known(np.array([1.0, -1.0]), 2, None, 1, np.float64) is None
