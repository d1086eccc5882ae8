"""What scikit-learn's MLP lacks (issue #4), on data where each feature matters.

Class weights, per-layer and newer activations, weight initialisation,
dropout, robust regression losses, a scoring for early stopping, and a
validation set of the user's own (also through metadata routing).
"""

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_digits, make_blobs, make_classification
from sklearn.metrics import accuracy_score, get_scorer, recall_score
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skbackprop import MiniBatchMLPClassifier, MiniBatchMLPRegressor
from skbackprop.core import ACTIVATIONS
from skbackprop.core.network import draw_dropout_masks
from skbackprop.inspection import check_gradients


@pytest.fixture(scope="module")
def imbalanced():
    # 95% / 5%, overlapping classes: an unweighted model mostly ignores the
    # minority class.
    X, y = make_classification(
        n_samples=2000,
        n_features=6,
        n_informative=4,
        weights=[0.95, 0.05],
        class_sep=0.6,
        flip_y=0.0,
        random_state=0,
    )
    return train_test_split(X, y, test_size=0.5, stratify=y, random_state=0)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)


def _regression_with_outliers(n=1200, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.uniform(-2, 2, size=(n, 2))
    y = np.sin(X[:, 0]) + 0.5 * X[:, 1] + 0.2 * rng.standard_normal(n)
    return X, y


# -- class_weight -----------------------------------------------------------


def test_balanced_class_weight_changes_the_decision(imbalanced):
    X_train, X_test, y_train, y_test = imbalanced
    params = dict(hidden_layer_sizes=(16,), max_iter=300, random_state=0)
    plain = MiniBatchMLPClassifier(**params).fit(X_train, y_train)
    balanced = MiniBatchMLPClassifier(class_weight="balanced", **params).fit(
        X_train, y_train
    )
    recall_plain = recall_score(y_test, plain.predict(X_test))
    recall_balanced = recall_score(y_test, balanced.predict(X_test))
    assert recall_balanced > recall_plain + 0.2, (recall_plain, recall_balanced)
    # More minority predictions, not a collapse onto the minority class.
    assert 0.02 < balanced.predict(X_test).mean() < 0.5


def test_class_weight_dict_equals_the_same_sample_weights(imbalanced):
    X, _, y, _ = imbalanced
    class_weight = {0: 0.5, 1: 4.0}
    params = dict(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    with_classes = MiniBatchMLPClassifier(class_weight=class_weight, **params)
    with_classes.fit(X, y)
    sample_weight = np.where(y == 1, 4.0, 0.5)
    with_samples = MiniBatchMLPClassifier(**params).fit(
        X, y, sample_weight=sample_weight
    )
    for a, b in zip(with_classes.coefs_, with_samples.coefs_, strict=True):
        assert_array_equal(a, b)


def test_class_weight_multiplies_sample_weight(imbalanced):
    X, _, y, _ = imbalanced
    rng = np.random.RandomState(0)
    sample_weight = rng.uniform(0.5, 2.0, size=len(y))
    params = dict(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    both = MiniBatchMLPClassifier(class_weight={1: 3.0}, **params)
    both.fit(X, y, sample_weight=sample_weight)
    product = MiniBatchMLPClassifier(**params).fit(
        X, y, sample_weight=sample_weight * np.where(y == 1, 3.0, 1.0)
    )
    assert_allclose(both.coefs_[0], product.coefs_[0], rtol=1e-12)


def test_balanced_weights_follow_sklearn_formula(imbalanced):
    from sklearn.utils.class_weight import compute_class_weight

    X, _, y, _ = imbalanced
    model = MiniBatchMLPClassifier(class_weight="balanced", max_iter=1)
    model.fit(X, y)
    counts = model._targets.class_counts[0]
    expected = compute_class_weight("balanced", classes=np.array([0, 1]), y=y)
    assert_allclose(counts.sum() / (2 * counts), expected)


def test_balanced_in_partial_fit_uses_the_counts_seen_so_far():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 3))
    y = np.array([0] * 25 + [1] * 5 + [0] * 10 + [1] * 20)
    model = MiniBatchMLPClassifier(
        hidden_layer_sizes=(4,), class_weight="balanced", random_state=0
    )
    reference = MiniBatchMLPClassifier(hidden_layer_sizes=(4,), random_state=0)
    model.partial_fit(X[:30], y[:30], classes=[0, 1])
    # First chunk: 25 zeros, 5 ones -> weights 30 / (2 * count).
    w1 = np.where(y[:30] == 1, 30 / (2 * 5), 30 / (2 * 25))
    reference.partial_fit(X[:30], y[:30], sample_weight=w1, classes=[0, 1])
    assert_array_equal(model.coefs_[0], reference.coefs_[0])
    model.partial_fit(X[30:], y[30:])
    # Running counts: 35 zeros and 25 ones among 60 samples.
    assert model._targets.class_counts.tolist() == [[35.0, 25.0]]
    w2 = np.where(y[30:] == 1, 60 / (2 * 25), 60 / (2 * 35))
    reference.partial_fit(X[30:], y[30:], sample_weight=w2)
    assert_allclose(model.coefs_[0], reference.coefs_[0], rtol=1e-12)


def test_balanced_counts_survive_a_failed_partial_fit():
    X = np.arange(12.0).reshape(6, 2)
    y = np.array([0, 0, 0, 1, 1, 0])
    model = MiniBatchMLPClassifier(hidden_layer_sizes=(3,), class_weight="balanced")
    model.partial_fit(X, y, classes=[0, 1])
    counts = model._targets.class_counts.copy()
    with pytest.raises(ValueError, match="labels not in classes_"):
        model.partial_fit(X, np.array([0, 1, 2, 0, 1, 0]))
    assert_array_equal(model._targets.class_counts, counts)


def test_multilabel_class_weight_per_label():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(80, 4))
    Y = (X[:, :3] > 0.8).astype(int)
    params = dict(hidden_layer_sizes=(6,), max_iter=3, random_state=0)
    per_label = [{1: 2.0}, {}, {0: 0.5}]
    model = MiniBatchMLPClassifier(class_weight=per_label, **params).fit(X, Y)
    weights = np.where(Y[:, 0] == 1, 2.0, 1.0) * np.where(Y[:, 2] == 0, 0.5, 1.0)
    reference = MiniBatchMLPClassifier(**params).fit(X, Y, sample_weight=weights)
    assert_allclose(model.coefs_[0], reference.coefs_[0], rtol=1e-12)
    MiniBatchMLPClassifier(class_weight="balanced", **params).fit(X, Y)
    with pytest.raises(ValueError, match="list of 3 dicts"):
        MiniBatchMLPClassifier(class_weight={1: 2.0}, **params).fit(X, Y)


@pytest.mark.parametrize(
    "class_weight, match",
    [
        ({7: 1.0}, "not among the classes"),
        ({0: -1.0}, "non-negative"),
        ({0: "heavy"}, "non-negative"),
        ({0: 0.0, 1: 0.0, 2: 0.0}, "all zero"),
    ],
)
def test_bad_class_weight_is_named(class_weight, match):
    X, y = make_blobs(n_samples=30, centers=3, random_state=0)
    with pytest.raises(ValueError, match=match):
        MiniBatchMLPClassifier(class_weight=class_weight, max_iter=2).fit(X, y)


# -- activations and initialisation ----------------------------------------


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_every_activation_trains_and_has_correct_gradients(activation, digits):
    X_train, X_test, y_train, y_test = digits
    model = MiniBatchMLPClassifier(
        hidden_layer_sizes=(32,),
        activation=activation,
        learning_rate_init=0.01,
        max_iter=30,
        random_state=0,
    ).fit(X_train, y_train)
    assert model.hidden_activations_ == [activation]
    assert model.score(X_test, y_test) > 0.85
    errors = check_gradients(
        MiniBatchMLPClassifier(hidden_layer_sizes=(5,), activation=activation),
        X_train[:12, :6],
        y_train[:12],
    )
    assert max(errors.values()) < 1e-6, errors


def test_activation_per_layer(digits):
    X_train, _, y_train, _ = digits
    layers = ["gelu", "tanh", "silu"]
    model = MiniBatchMLPClassifier(
        hidden_layer_sizes=(16, 12, 8), activation=layers, max_iter=5, random_state=0
    ).fit(X_train, y_train)
    assert model.hidden_activations_ == layers
    assert [a.name for a in model._network.hidden_activations] == layers
    errors = check_gradients(
        MiniBatchMLPClassifier(hidden_layer_sizes=(4, 3, 3), activation=layers),
        X_train[:10, :5],
        y_train[:10],
    )
    assert max(errors.values()) < 1e-6, errors
    # The same list as a tuple, and one name repeated, are the same network.
    same = MiniBatchMLPClassifier(
        hidden_layer_sizes=(16, 12),
        activation=("relu", "relu"),
        max_iter=3,
        random_state=0,
    ).fit(X_train, y_train)
    single = MiniBatchMLPClassifier(
        hidden_layer_sizes=(16, 12), activation="relu", max_iter=3, random_state=0
    ).fit(X_train, y_train)
    assert_array_equal(same.coefs_[1], single.coefs_[1])


@pytest.mark.parametrize(
    "activation, match",
    [
        (["relu"], "1 entries but the network has 2"),
        (["relu", "swish"], "Unknown activation 'swish'; expected one of"),
        ("swish", "activation"),
    ],
)
def test_bad_activation_list_is_named(activation, match):
    X, y = make_blobs(n_samples=30, centers=2, random_state=0)
    model = MiniBatchMLPClassifier(hidden_layer_sizes=(3, 3), activation=activation)
    with pytest.raises(ValueError, match=match):
        model.fit(X, y)
    assert not hasattr(model, "coefs_")


@pytest.mark.parametrize(
    "scheme", ["he_uniform", "he_normal", "lecun_uniform", "lecun_normal"]
)
def test_weight_init_scales_by_fan_in_and_zeroes_biases(scheme):
    X = np.random.RandomState(0).normal(size=(4, 400))
    y = np.array([0.0, 1.0, 2.0, 3.0])
    model = MiniBatchMLPRegressor(
        hidden_layer_sizes=(300,),
        weight_init=scheme,
        learning_rate_init=1e-12,
        max_iter=1,
        random_state=0,
    ).fit(X, y)
    gain = 2.0 if scheme.startswith("he") else 1.0
    W = model.coefs_[0]  # fan_in 400: variance gain / 400
    assert_allclose(W.std(), np.sqrt(gain / 400), rtol=0.02)
    assert_allclose(model.intercepts_[0], 0.0, atol=1e-9)
    if scheme.endswith("uniform"):
        assert np.abs(W).max() <= np.sqrt(3 * gain / 400)


def test_default_weight_init_is_sklearns():
    from sklearn.neural_network import MLPClassifier

    X, y = make_blobs(n_samples=40, centers=3, random_state=0)
    for activation in ["logistic", "relu"]:
        params = dict(
            hidden_layer_sizes=(5,),
            activation=activation,
            max_iter=1,
            learning_rate_init=1e-12,
            random_state=0,
        )
        ours = MiniBatchMLPClassifier(**params).fit(X, y)
        with pytest.warns(Warning):
            theirs = MLPClassifier(**params).fit(X, y)
        assert_allclose(ours.coefs_[0], theirs.coefs_[0], rtol=1e-9)


# -- dropout ----------------------------------------------------------------


def test_dropout_changes_training_not_prediction(digits):
    X_train, X_test, y_train, _ = digits
    params = dict(hidden_layer_sizes=(32,), max_iter=5, random_state=0)
    plain = MiniBatchMLPClassifier(**params).fit(X_train, y_train)
    dropped = MiniBatchMLPClassifier(dropout=0.3, **params).fit(X_train, y_train)
    again = MiniBatchMLPClassifier(dropout=0.3, **params).fit(X_train, y_train)
    assert not np.allclose(plain.coefs_[0], dropped.coefs_[0])
    # Reproducible from random_state, and no randomness at prediction.
    assert_array_equal(dropped.coefs_[0], again.coefs_[0])
    proba = dropped.predict_proba(X_test)
    assert_array_equal(proba, dropped.predict_proba(X_test))
    # Inverted dropout: prediction is the plain network on the weights.
    Z = np.maximum(X_test @ dropped.coefs_[0] + dropped.intercepts_[0], 0)
    logits = Z @ dropped.coefs_[1] + dropped.intercepts_[1]
    expected = np.exp(logits - logits.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    assert_allclose(proba, expected, rtol=1e-10)


def test_dropout_regularises_an_overfitting_network():
    # Few noisy samples, a wide network, many epochs: dropout keeps the
    # training loss above that of the same network without it.
    X, y = make_classification(
        n_samples=120, n_features=20, n_informative=3, flip_y=0.2, random_state=0
    )
    params = dict(hidden_layer_sizes=(128,), max_iter=200, random_state=0, tol=0)
    plain = MiniBatchMLPClassifier(**params).fit(X, y)
    dropped = MiniBatchMLPClassifier(dropout=0.5, **params).fit(X, y)
    assert plain.score(X, y) > dropped.score(X, y)


def test_dropout_per_layer_and_masks_only_where_asked():
    X, y = make_blobs(n_samples=50, centers=2, random_state=0)
    model = MiniBatchMLPClassifier(
        hidden_layer_sizes=(4, 4), dropout=[0.0, 0.5], max_iter=2, random_state=0
    ).fit(X, y)
    assert model._network.dropout_rates == [0.0, 0.5]
    masks = draw_dropout_masks(model._network, 7, [0.0, 0.5], np.random.RandomState(0))
    assert masks[0] is None and set(np.unique(masks[1])) <= {0.0, 2.0}


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(dropout=[0.1]), "1 entries but the network has 2"),
        (dict(dropout=[0.1, 1.0]), r"\[0, 1\)"),
        (dict(dropout=1.0), "dropout"),
        (dict(dropout=0.2, solver="lbfgs"), "stochastic solver"),
    ],
)
def test_bad_dropout_is_named(params, match):
    X, y = make_blobs(n_samples=30, centers=2, random_state=0)
    with pytest.raises(ValueError, match=match):
        MiniBatchMLPClassifier(hidden_layer_sizes=(3, 3), **params).fit(X, y)


# -- regression losses ------------------------------------------------------


@pytest.mark.parametrize("quantile", [0.1, 0.5, 0.9])
def test_quantile_loss_covers_the_requested_fraction(quantile):
    X, y = _regression_with_outliers(n=3000)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    model = MiniBatchMLPRegressor(
        loss="quantile",
        quantile=quantile,
        hidden_layer_sizes=(32,),
        learning_rate_init=0.01,
        max_iter=200,
        random_state=0,
    ).fit(X_train, y_train)
    coverage = np.mean(y_test <= model.predict(X_test))
    assert abs(coverage - quantile) < 0.05, coverage


def test_absolute_and_huber_losses_resist_outliers():
    X, y = _regression_with_outliers()
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    y_dirty = y_train.copy()
    y_dirty[::10] += 30.0  # 10% gross outliers, all upwards
    errors = {}
    for loss in ["squared_error", "absolute_error", "huber"]:
        model = MiniBatchMLPRegressor(
            loss=loss,
            hidden_layer_sizes=(32,),
            learning_rate_init=0.01,
            max_iter=150,
            random_state=0,
        ).fit(X_train, y_dirty)
        errors[loss] = np.median(np.abs(model.predict(X_test) - y_test))
    assert errors["absolute_error"] < 0.5 * errors["squared_error"], errors
    assert errors["huber"] < 0.5 * errors["squared_error"], errors


@pytest.mark.parametrize("loss", ["absolute_error", "huber", "quantile"])
def test_robust_losses_have_correct_gradients(loss):
    X, y = _regression_with_outliers(n=15)
    model = MiniBatchMLPRegressor(
        loss=loss, quantile=0.3, huber_delta=0.2, hidden_layer_sizes=(4,)
    )
    errors = check_gradients(model, X, y)
    assert max(errors.values()) < 1e-6, errors


def test_quantile_needs_a_quantile_and_poisson_checks_y_val():
    X, y = _regression_with_outliers(n=40)
    with pytest.raises(ValueError, match="quantile"):
        MiniBatchMLPRegressor(loss="quantile").fit(X, y)
    with pytest.raises(ValueError, match="y_val are negative"):
        MiniBatchMLPRegressor(loss="poisson", max_iter=2).fit(
            X, np.abs(y), X_val=X, y_val=y
        )


# -- scoring and a validation set of one's own --------------------------------


def test_validation_set_records_loss_and_restores_the_best_weights(digits):
    X_train, X_val, y_train, y_val = digits
    model = MiniBatchMLPClassifier(
        hidden_layer_sizes=(32,),
        learning_rate_init=0.02,
        max_iter=40,
        n_iter_no_change=40,  # run every epoch, so late epochs can be worse
        random_state=0,
    ).fit(X_train, y_train, X_val=X_val, y_val=y_val)
    assert len(model.validation_loss_curve_) == model.n_iter_ == 40
    assert len(model.validation_scores_) == 40
    best = int(np.argmax(model.validation_scores_))
    assert model.best_validation_score_ == model.validation_scores_[best]
    # The restored weights are those of the best epoch: scoring them again
    # gives the best score, and the loss curve value of that epoch.
    assert model.score(X_val, y_val) == model.best_validation_score_
    proba = np.clip(model.predict_proba(X_val), 1e-300, 1)
    mean_log_loss = -np.mean(np.log(proba[np.arange(len(y_val)), y_val]))
    assert_allclose(mean_log_loss, model.validation_loss_curve_[best], rtol=1e-6)


def test_scoring_loss_is_minus_the_validation_loss(digits):
    X_train, X_val, y_train, y_val = digits
    model = MiniBatchMLPClassifier(
        hidden_layer_sizes=(16,), scoring="loss", max_iter=10, random_state=0
    ).fit(X_train, y_train, X_val=X_val, y_val=y_val)
    assert_allclose(model.validation_scores_, -np.array(model.validation_loss_curve_))


def test_scoring_by_name_and_callable(digits):
    X_train, X_val, y_train, y_val = digits
    weights = np.linspace(0.5, 1.5, len(y_val))
    params = dict(hidden_layer_sizes=(16,), max_iter=6, random_state=0)
    named = MiniBatchMLPClassifier(scoring="neg_log_loss", **params).fit(
        X_train, y_train, X_val=X_val, y_val=y_val, sample_weight_val=weights
    )
    calls = []

    def balanced_accuracy(estimator, X, y, sample_weight=None):
        calls.append(len(y))
        return get_scorer("balanced_accuracy")(
            estimator, X, y, sample_weight=sample_weight
        )

    custom = MiniBatchMLPClassifier(scoring=balanced_accuracy, **params).fit(
        X_train, y_train, X_val=X_val, y_val=y_val
    )
    assert calls == [len(y_val)] * 6
    # Same weights every epoch as the default run: scoring only reads them.
    default = MiniBatchMLPClassifier(**params).fit(
        X_train, y_train, X_val=X_val, y_val=y_val
    )
    assert_array_equal(custom.loss_curve_, default.loss_curve_)
    # The last neg_log_loss is that of the restored (best) weights.
    best = get_scorer("neg_log_loss")(named, X_val, y_val, sample_weight=weights)
    assert_allclose(best, max(named.validation_scores_), rtol=1e-10)
    with pytest.raises(ValueError, match="scoring"):
        MiniBatchMLPClassifier(scoring="not_a_scorer", **params).fit(X_train, y_train)


def test_default_scoring_with_early_stopping_is_accuracy(digits):
    X_train, _, y_train, _ = digits
    model = MiniBatchMLPClassifier(
        hidden_layer_sizes=(16,), early_stopping=True, max_iter=8, random_state=0
    ).fit(X_train, y_train)
    assert len(model.validation_loss_curve_) == len(model.validation_scores_)
    assert all(0 <= s <= 1 for s in model.validation_scores_)


def test_regressor_validation_set_with_quantile_scoring():
    X, y = _regression_with_outliers(n=1000)
    X_train, X_val, y_train, y_val = train_test_split(X, y, random_state=0)
    model = MiniBatchMLPRegressor(
        loss="quantile",
        quantile=0.8,
        scoring="loss",
        hidden_layer_sizes=(16,),
        max_iter=20,
        random_state=0,
    ).fit(X_train, y_train, X_val=X_val, y_val=y_val)
    residual = y_val - model.predict(X_val)
    pinball = np.mean(np.maximum(0.8 * residual, -0.2 * residual))
    assert_allclose(-model.best_validation_score_, pinball, rtol=1e-10)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(X_val="X"), "given together"),
        (dict(y_val="y"), "given together"),
        (dict(X_val="X5", y_val="y"), "features"),
        (dict(X_val="X", y_val="y_unknown"), "not in y's classes"),
    ],
)
def test_bad_validation_set_is_named_and_changes_nothing(kwargs, match, digits):
    X_train, X_val, y_train, y_val = digits
    values = {
        "X": X_val,
        "X5": X_val[:, :5],
        "y": y_val,
        "y_unknown": np.full_like(y_val, 11),
    }
    kwargs = {name: values[key] for name, key in kwargs.items()}
    model = MiniBatchMLPClassifier(hidden_layer_sizes=(4,), max_iter=2, random_state=0)
    model.fit(X_train, y_train)
    before = [c.copy() for c in model.coefs_]
    with pytest.raises(ValueError, match=match):
        model.fit(X_train, y_train, **kwargs)
    for a, b in zip(before, model.coefs_, strict=True):
        assert_array_equal(a, b)


def test_validation_set_needs_a_stochastic_solver(digits):
    X_train, X_val, y_train, y_val = digits
    with pytest.raises(ValueError, match="no epochs"):
        MiniBatchMLPClassifier(solver="lbfgs").fit(
            X_train, y_train, X_val=X_val, y_val=y_val
        )


def test_validation_set_routed_through_a_pipeline_and_a_search(digits):
    X_train, X_val, y_train, y_val = digits
    X_train, X_val = X_train * 7 + 3, X_val * 7 + 3  # the scaler matters
    with sklearn.config_context(enable_metadata_routing=True):
        mlp = MiniBatchMLPClassifier(
            hidden_layer_sizes=(16,),
            learning_rate_init=0.01,
            max_iter=10,
            random_state=0,
        ).set_fit_request(X_val=True, y_val=True)
        pipe = Pipeline(
            [("scale", StandardScaler()), ("mlp", mlp)], transform_input=["X_val"]
        )
        pipe.fit(X_train, y_train, X_val=X_val, y_val=y_val)
        fitted = pipe.named_steps["mlp"]
        assert len(fitted.validation_scores_) == fitted.n_iter_
        # The pipeline scaled X_val with the scaler fitted on X_train.
        X_val_scaled = pipe.named_steps["scale"].transform(X_val)
        assert fitted.best_validation_score_ == fitted.score(X_val_scaled, y_val)

        search = GridSearchCV(pipe, {"mlp__alpha": [1e-4, 1e-2]}, cv=2)
        search.fit(X_train, y_train, X_val=X_val, y_val=y_val)
        best = search.best_estimator_.named_steps["mlp"]
        assert best.validation_scores_ is not None
        assert accuracy_score(y_val, search.predict(X_val)) > 0.8


def test_verbose_2_prints_a_table(digits, capsys):
    X_train, X_val, y_train, y_val = digits
    MiniBatchMLPClassifier(
        hidden_layer_sizes=(8,), max_iter=3, verbose=2, random_state=0
    ).fit(X_train, y_train, X_val=X_val, y_val=y_val)
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].split() == [
        "epoch",
        "train",
        "loss",
        "val",
        "loss",
        "val",
        "score",
        "learning",
        "rate",
        "seconds",
    ]
    rows = [line.split() for line in lines[1:4]]
    assert [row[0] for row in rows] == ["1", "2", "3"]
    assert all(len(row) == 6 for row in rows)
    # The learning rate is Adam's learning_rate_init, not its corrected step.
    assert all(float(row[4]) == 0.001 for row in rows)


def test_verbose_2_shows_sgds_scheduled_rate(digits, capsys):
    X_train, _, y_train, _ = digits
    MiniBatchMLPClassifier(
        hidden_layer_sizes=(8,),
        solver="sgd",
        learning_rate="invscaling",
        learning_rate_init=0.1,
        power_t=0.5,
        max_iter=2,
        verbose=2,
        random_state=0,
    ).fit(X_train, y_train)
    rows = [line.split() for line in capsys.readouterr().out.splitlines()[1:3]]
    # The rate each epoch trained with: invscaling's 0.1 / (t + 1) ** 0.5,
    # t the samples seen before the epoch.
    n = len(X_train)
    expected = [0.1 / (t + 1) ** 0.5 for t in (0, n)]
    assert [float(row[2]) for row in rows] == pytest.approx(expected, rel=1e-3)


# -- found in review: validation sets across calls, scorers, failed calls ----


def test_scorers_see_the_users_weights_not_the_class_weights(imbalanced):
    X_train, X_val, y_train, y_val = imbalanced

    def plain_accuracy(estimator, X, y):  # accepts no sample_weight
        return accuracy_score(y, estimator.predict(X))

    params = dict(hidden_layer_sizes=(8,), class_weight="balanced", random_state=0)
    custom = MiniBatchMLPClassifier(scoring=plain_accuracy, max_iter=5, **params)
    custom.fit(X_train, y_train, X_val=X_val, y_val=y_val)
    named = MiniBatchMLPClassifier(scoring="accuracy", max_iter=5, **params)
    named.fit(X_train, y_train, X_val=X_val, y_val=y_val)
    # Both report plain accuracy of the restored weights, not a class-weighted one.
    assert custom.best_validation_score_ == accuracy_score(y_val, custom.predict(X_val))
    assert named.best_validation_score_ == accuracy_score(y_val, named.predict(X_val))


def test_a_scorer_the_estimator_cannot_serve_fails_before_training():
    X, y = _regression_with_outliers(n=60)
    model = MiniBatchMLPRegressor(hidden_layer_sizes=(4,), max_iter=5, random_state=0)
    model.fit(X, y)
    before = (model.n_iter_, model.coefs_[0].copy())
    model.set_params(scoring="neg_log_loss", early_stopping=True)
    with pytest.raises(ValueError, match="needs predict_proba"):
        model.fit(X, y)
    assert model.n_iter_ == before[0]
    assert_array_equal(model.coefs_[0], before[1])


def test_a_rejected_refit_keeps_the_fitted_features():
    X, y = make_blobs(n_samples=40, centers=2, n_features=4, random_state=0)
    model = MiniBatchMLPClassifier(hidden_layer_sizes=(3,), max_iter=3).fit(X, y)
    X_wide = np.hstack([X, X[:, :2]])
    with pytest.raises(ValueError, match="class_weight"):
        model.set_params(class_weight={5: 1.0}).fit(X_wide, y)
    assert model.n_features_in_ == 4
    model.set_params(class_weight=None).predict(X)  # still usable


def test_a_new_validation_set_in_a_warm_start_is_a_new_yardstick(digits):
    X_train, X_val, y_train, y_val = digits
    model = MiniBatchMLPClassifier(
        hidden_layer_sizes=(16,), max_iter=6, warm_start=True, random_state=0
    )
    model.fit(X_train, y_train, X_val=X_val, y_val=y_val)
    rng = np.random.RandomState(0)
    y_noisy = np.where(rng.rand(len(y_val)) < 0.5, (y_val + 1) % 10, y_val)
    model.fit(X_train, y_train, X_val=X_val, y_val=y_noisy)
    second = model.validation_scores_[6:]
    assert len(second) == 6
    # The best of the second fit's own scores, on its own set, is restored.
    assert model.best_validation_score_ == max(second)
    assert model.score(X_val, y_noisy) == max(second)


def test_validation_curves_stay_aligned_with_the_loss_curve(digits):
    X_train, X_val, y_train, y_val = digits
    model = MiniBatchMLPClassifier(
        hidden_layer_sizes=(8,), max_iter=4, warm_start=True, random_state=0
    )
    model.fit(X_train, y_train)
    assert model.validation_scores_ is None
    model.fit(X_train, y_train, X_val=X_val, y_val=y_val)
    assert len(model.validation_scores_) == len(model.loss_curve_) == 8
    assert np.isnan(model.validation_scores_[:4]).all()
    assert np.isnan(model.validation_loss_curve_[:4]).all()
    assert np.isfinite(model.validation_scores_[4:]).all()


def test_list_parameters_edited_in_place_are_seen_by_partial_fit():
    X, y = make_blobs(n_samples=20, centers=2, random_state=0)
    model = MiniBatchMLPClassifier(
        hidden_layer_sizes=(3, 3), activation=["relu", "relu"]
    )
    model.partial_fit(X, y, classes=[0, 1])
    model.activation[0] = "tanh"
    model.partial_fit(X, y)
    assert model.hidden_activations_ == ["tanh", "relu"]
