"""Side by side with scikit-learn's MLP: same start and batches, same weights."""

import warnings

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.utils.fixes import parse_version

from skbackprop import MiniBatchMLPClassifier, MiniBatchMLPRegressor
from skbackprop._training import split_validation

# scikit-learn's MLP gained loss="poisson" and sample_weight in 1.7; on the
# oldest supported scikit-learn (1.6) there is nothing to compare them with.
needs_sklearn_1_7 = pytest.mark.skipif(
    parse_version(sklearn.__version__) < parse_version("1.7"),
    reason="scikit-learn's MLP has loss='poisson' and sample_weight from 1.7",
)

SOLVERS = {
    "adam": dict(solver="adam", learning_rate_init=0.01),
    "sgd-nesterov": dict(solver="sgd", learning_rate_init=0.05),
    "sgd-momentum": dict(
        solver="sgd", learning_rate_init=0.05, nesterovs_momentum=False
    ),
    "sgd-plain": dict(solver="sgd", learning_rate_init=0.05, momentum=0.0),
    "sgd-invscaling": dict(
        solver="sgd", learning_rate="invscaling", learning_rate_init=0.1, power_t=0.3
    ),
    "lbfgs": dict(solver="lbfgs"),
}
ACTIVATIONS = ["identity", "logistic", "tanh", "relu"]


def _data(problem, n_samples=90, seed=0):
    rng = np.random.RandomState(seed)
    if problem == "multilabel":
        X, y = make_multilabel_classification(
            n_samples=n_samples, n_features=6, n_classes=3, random_state=seed
        )
        X = (X - X.mean(0)) / X.std(0)
    elif problem in ("binary", "multiclass"):
        X, y = make_classification(
            n_samples=n_samples,
            n_features=6,
            n_informative=4,
            n_classes=2 if problem == "binary" else 4,
            random_state=seed,
        )
    else:
        X = rng.normal(size=(n_samples, 6))
        W = rng.normal(size=(6, 2))
        y = np.tanh(X @ W) + 0.1 * rng.normal(size=(n_samples, 2))
        if problem == "poisson":
            y = rng.poisson(np.exp(0.5 * (X @ W)[:, 0]))
        elif problem == "regression":
            y = y[:, 0]
    return X, y


def _pair(problem, **params):
    if problem == "poisson":
        return MLPRegressor(loss="poisson", **params), MiniBatchMLPRegressor(
            loss="poisson", **params
        )
    if problem in ("regression", "multioutput"):
        return MLPRegressor(**params), MiniBatchMLPRegressor(**params)
    return MLPClassifier(**params), MiniBatchMLPClassifier(**params)


def _fit_quietly(estimator, *args, method="fit", **kwargs):
    # Few epochs on purpose: the comparison is of the path, not convergence.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return getattr(estimator, method)(*args, **kwargs)


def _assert_same_weights(theirs, ours, rtol=1e-9, atol=1e-12):
    assert len(theirs.coefs_) == len(ours.coefs_)
    for a, b in zip(
        theirs.coefs_ + theirs.intercepts_, ours.coefs_ + ours.intercepts_, strict=True
    ):
        assert a.shape == b.shape
        assert_allclose(b, a, rtol=rtol, atol=atol)


# Not compared: L-BFGS on multi-output regression, where scikit-learn pairs
# the mean-over-outputs loss with the gradient of the sum (#8349), so its line
# search follows another path by design.
PROBLEMS = ["binary", "multiclass", "multilabel", "regression", "multioutput"]
CASES = [
    (problem, solver)
    for problem in PROBLEMS
    for solver in SOLVERS
    if (problem, solver) != ("multioutput", "lbfgs")
]


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("problem, solver", CASES)
def test_same_weights_as_sklearn(problem, solver, activation):
    X, y = _data(problem)
    params = dict(
        hidden_layer_sizes=(7, 5),
        activation=activation,
        batch_size=16,
        # L-BFGS: its first iterations. Our loss is computed from the logits,
        # scikit-learn's from clipped probabilities; one ulp of difference can
        # later flip a line-search decision and the paths part.
        max_iter=3 if solver == "lbfgs" else 8,
        random_state=0,
        **SOLVERS[solver],
    )
    theirs, ours = _pair(problem, **params)
    _fit_quietly(theirs, X, y)
    _fit_quietly(ours, X, y)

    _assert_same_weights(theirs, ours, rtol=1e-7 if solver == "lbfgs" else 1e-9)
    assert ours.n_iter_ == theirs.n_iter_
    assert ours.out_activation_ == theirs.out_activation_
    assert ours.n_layers_ == theirs.n_layers_
    assert ours.n_outputs_ == theirs.n_outputs_
    if problem != "multioutput" and solver != "lbfgs":
        # Where scikit-learn clips probabilities at eps its loss differs from
        # the exact one computed from the logits: these data stay far from it.
        assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-9)
        assert ours.t_ == theirs.t_
    assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-9, atol=1e-12)
    if hasattr(theirs, "predict_proba"):
        assert_allclose(
            ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-7, atol=1e-12
        )


@needs_sklearn_1_7
@pytest.mark.parametrize("solver", ["adam", "sgd-nesterov", "sgd-plain", "lbfgs"])
def test_same_weights_as_sklearn_poisson(solver):
    X, y = _data("poisson")
    params = dict(hidden_layer_sizes=(5,), activation="tanh", batch_size=20)
    theirs, ours = _pair(
        "poisson", max_iter=6, random_state=1, **params, **SOLVERS[solver]
    )
    _fit_quietly(theirs, X, y)
    _fit_quietly(ours, X, y)
    _assert_same_weights(theirs, ours, rtol=1e-7)
    assert ours.out_activation_ == "exp"
    if solver != "lbfgs":
        assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-9)


@pytest.mark.parametrize("problem", ["multiclass", "regression"])
@pytest.mark.parametrize("solver", ["adam", "sgd-nesterov"])
def test_float32_close_to_sklearn(problem, solver):
    X, y = _data(problem)
    X = X.astype(np.float32)
    theirs, ours = _pair(
        problem, hidden_layer_sizes=(8,), max_iter=5, random_state=0, **SOLVERS[solver]
    )
    _fit_quietly(theirs, X, y)
    _fit_quietly(ours, X, y)
    assert all(c.dtype == np.float32 for c in ours.coefs_ + ours.intercepts_)
    _assert_same_weights(theirs, ours, rtol=1e-4, atol=1e-5)


def test_shuffled_batches_and_early_stopping_match_sklearn():
    # Binary labels: both libraries stratify the validation split there.
    X, y = _data("binary", n_samples=200)
    params = dict(
        hidden_layer_sizes=(10,),
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=3,
        max_iter=60,
        learning_rate_init=0.05,
        batch_size=25,
        random_state=3,
    )
    theirs, ours = _pair("binary", **params)
    _fit_quietly(theirs, X, y)
    _fit_quietly(ours, X, y)
    assert_allclose(ours.validation_scores_, theirs.validation_scores_)
    assert ours.best_validation_score_ == theirs.best_validation_score_
    assert ours.n_iter_ == theirs.n_iter_ < 60  # it did stop early
    # Both restored the weights of the best epoch, not the last one.
    _assert_same_weights(theirs, ours)


def test_multioutput_loss_is_the_objective_whose_gradient_is_followed():
    X, y = _data("multioutput")
    params = dict(hidden_layer_sizes=(6,), alpha=0.0, batch_size=90, max_iter=4)
    theirs, ours = _pair("multioutput", random_state=0, solver="sgd", **params)
    _fit_quietly(theirs, X, y)
    _fit_quietly(ours, X, y)
    _assert_same_weights(theirs, ours)  # same gradient ...
    # ... but scikit-learn reports the loss averaged over the 2 outputs.
    assert_allclose(ours.loss_curve_, 2 * np.asarray(theirs.loss_curve_), rtol=1e-12)


@pytest.mark.parametrize("solver", ["adam", "sgd-nesterov"])
@pytest.mark.parametrize("problem", ["multiclass", "regression"])
def test_partial_fit_from_assigned_weights_matches_sklearn(solver, problem):
    X, y = _data(problem)
    params = dict(
        hidden_layer_sizes=(6,),
        shuffle=False,
        max_iter=2,
        random_state=0,
        batch_size=30,
    )
    theirs, ours = _pair(problem, **params, **SOLVERS[solver])
    _fit_quietly(theirs, X, y)
    _fit_quietly(ours, X, y)
    rng = np.random.RandomState(42)
    new_coefs = [rng.normal(scale=0.3, size=c.shape) for c in theirs.coefs_]
    new_intercepts = [rng.normal(scale=0.3, size=b.shape) for b in theirs.intercepts_]
    for model in (theirs, ours):
        model.coefs_ = [c.copy() for c in new_coefs]
        model.intercepts_ = [b.copy() for b in new_intercepts]
    for _ in range(3):
        theirs.partial_fit(X, y)
        ours.partial_fit(X, y)
    _assert_same_weights(theirs, ours)
    # Assigned weights are where training went on from: they moved away.
    assert not np.allclose(ours.coefs_[0], new_coefs[0])


@pytest.mark.parametrize("solver", ["adam", "sgd-nesterov"])
@pytest.mark.parametrize("problem", ["binary", "multilabel", "multioutput"])
def test_warm_start_from_assigned_weights_matches_sklearn(solver, problem):
    X, y = _data(problem)
    params = dict(hidden_layer_sizes=(6,), max_iter=3, random_state=0, warm_start=True)
    theirs, ours = _pair(problem, **params, **SOLVERS[solver])
    _fit_quietly(theirs, X, y)
    _fit_quietly(ours, X, y)
    rng = np.random.RandomState(7)
    new_coefs = [rng.normal(scale=0.3, size=c.shape) for c in theirs.coefs_]
    for model in (theirs, ours):
        model.coefs_ = [c.copy() for c in new_coefs]
    _fit_quietly(theirs, X, y)
    _fit_quietly(ours, X, y)
    _assert_same_weights(theirs, ours)


@pytest.mark.parametrize("solver", ["adam", "sgd-nesterov"])
@pytest.mark.parametrize("problem", ["multiclass", "multilabel", "multioutput"])
def test_k_partial_fit_calls_equal_fit_with_max_iter_k(problem, solver):
    X, y = _data(problem)
    params = dict(
        hidden_layer_sizes=(6,),
        shuffle=False,
        random_state=0,
        batch_size=25,
        **SOLVERS[solver],
    )
    _, fitted = _pair(problem, max_iter=4, tol=0.0, **params)
    _fit_quietly(fitted, X, y)
    _, streamed = _pair(problem, **params)
    kwargs = {"classes": np.unique(y)} if problem == "multiclass" else {}
    for _ in range(4):
        streamed.partial_fit(X, y, **kwargs)
    _assert_same_weights(fitted, streamed, rtol=0, atol=0)
    assert streamed.n_iter_ == fitted.n_iter_ == 4
    assert streamed.t_ == fitted.t_
    assert streamed.loss_curve_ == fitted.loss_curve_


@needs_sklearn_1_7
@pytest.mark.parametrize("solver", ["adam", "sgd-nesterov", "lbfgs"])
@pytest.mark.parametrize("problem", ["multiclass", "regression"])
def test_sample_weight_in_a_full_batch_matches_sklearn(solver, problem):
    X, y = _data(problem)
    weights = np.random.RandomState(0).uniform(0.1, 3.0, size=len(y))
    theirs, ours = _pair(
        problem, hidden_layer_sizes=(6,), max_iter=6, random_state=0, **SOLVERS[solver]
    )
    _fit_quietly(theirs, X, y, sample_weight=weights)
    _fit_quietly(ours, X, y, sample_weight=weights)
    _assert_same_weights(theirs, ours, rtol=1e-7)


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_integer_sample_weights_equal_repeated_rows(solver):
    X, y = _data("multiclass", n_samples=60)
    weights = np.random.RandomState(0).randint(0, 4, size=len(y))
    repeated = np.repeat(np.arange(len(y)), weights)
    params = dict(
        hidden_layer_sizes=(6,),
        max_iter=10,
        random_state=0,
        shuffle=False,
        **SOLVERS[solver],
    )
    weighted = _fit_quietly(
        MiniBatchMLPClassifier(**params), X, y, sample_weight=weights
    )
    copies = _fit_quietly(MiniBatchMLPClassifier(**params), X[repeated], y[repeated])
    _assert_same_weights(weighted, copies, rtol=1e-6, atol=1e-9)


def test_a_lone_rows_weight_keeps_its_meaning_in_partial_fit():
    # One-row partial_fit calls with plain SGD: the step of a row is
    # proportional to its weight divided by the running mean weight
    # (100 rows of weight 1, then this row). scikit-learn divides each batch
    # by its own weight sum, so there the weight would cancel out.
    X, y = _data("regression", n_samples=101)
    params = dict(
        hidden_layer_sizes=(4,), solver="sgd", momentum=0.0, alpha=0.0, random_state=0
    )
    steps = {}
    for weight in (1.0, 3.0):
        model = MiniBatchMLPRegressor(**params)
        for i in range(100):
            model.partial_fit(X[i : i + 1], y[i : i + 1])
        before = model.coefs_[1].copy()
        model.partial_fit(X[100:], y[100:], sample_weight=[weight])
        steps[weight] = model.coefs_[1] - before
    running_mean = (100 + 3.0) / 101
    assert_allclose(steps[3.0], steps[1.0] * 3.0 / running_mean, rtol=1e-10)


def test_multiclass_early_stopping_split_is_stratified():
    # 40/40/10 samples of three classes, 20% held out: a stratified split
    # holds 8/8/2. scikit-learn does not stratify multiclass problems.
    rng = np.random.RandomState(0)
    y = np.repeat([0, 1, 2], [40, 40, 10])
    X = rng.normal(size=(len(y), 3))
    for seed in range(5):
        model = MiniBatchMLPClassifier(
            early_stopping=True, validation_fraction=0.2, random_state=seed
        )
        model._random_state = np.random.RandomState(seed)
        Y = np.eye(3)[y]
        *_, validation = split_validation(model, X, y, Y, None, None)
        assert np.bincount(validation.y).tolist() == [8, 8, 2]


def test_poisson_rejects_negative_targets():
    X, y = _data("poisson")
    y = y.astype(float)
    y[3] = -1.0
    with pytest.raises(ValueError, match="negative"):
        MiniBatchMLPRegressor(loss="poisson").fit(X, y)
