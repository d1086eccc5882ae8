"""Property-based tests (Hypothesis) of the core and of the estimators.

Random architectures, activations, losses, dtypes and batch sizes:

- ``Network.loss_and_gradient`` matches central finite differences of the
  loss it returns, on every parameter;
- fitted estimators have finite weights in the input's dtype, predictions of
  the right shape, dtype and labels, probabilities in [0, 1] whose rows sum
  to one, and log-probabilities equal to their log;
- a ``partial_fit`` stream counts its calls (``n_iter_``) and its rows
  (``t_``) and keeps finite weights.

Every test is derandomized (the same examples on every run) and keeps no
example database, so CI is reproducible and nothing is written to disk.
"""

import warnings
from typing import NamedTuple

import numpy as np
from hypothesis import assume, given, note, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning

from skbackprop import MiniBatchMLPClassifier, MiniBatchMLPRegressor
from skbackprop.core import ACTIVATIONS, Network

ACTIVATION_NAMES = sorted(ACTIVATIONS)
LOSS_NAMES = ["squared_error", "poisson", "log_loss", "binary_log_loss"]
DTYPES = [np.float32, np.float64]

FD_STEP = 1e-6
FD_TOLERANCE = 1e-5
# A ReLU kink closer than this to a pre-activation could be crossed by a
# finite-difference step (FD_STEP times an input of a few units) or make the
# one-sided slopes disagree; such examples are discarded.
KINK_MARGIN = 1e-3


def _reproducible(max_examples):
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
    )


# -- 1. core: gradients against finite differences -----------------------------


class GradientCase(NamedTuple):
    n_features: int
    hidden: tuple
    activations: tuple
    loss: str
    n_outputs: int
    n_samples: int
    sample_weight: tuple | None
    alpha: float
    seed: int


@st.composite
def gradient_cases(draw):
    n_features = draw(st.integers(1, 6))
    hidden = tuple(draw(st.lists(st.integers(1, 6), min_size=0, max_size=3)))
    activations = tuple(draw(st.sampled_from(ACTIVATION_NAMES)) for _ in hidden)
    loss = draw(st.sampled_from(LOSS_NAMES))
    # log_loss: 2-4 one-hot classes; the others: 1-3 output columns.
    n_outputs = draw(st.integers(2, 4) if loss == "log_loss" else st.integers(1, 3))
    n_samples = draw(st.integers(1, 12))
    sample_weight = None
    if draw(st.booleans()):
        # Non-negative, some exactly zero, never all zero. Nonzero weights are
        # kept >= 0.01 so that the divisor sum(w) is an ordinary number.
        positive = st.floats(0.01, 3.0)
        weights = draw(
            st.lists(
                st.one_of(st.just(0.0), positive),
                min_size=n_samples,
                max_size=n_samples,
            )
        )
        if not any(weights):  # one drawn row gets a positive weight
            weights[draw(st.integers(0, n_samples - 1))] = draw(positive)
        sample_weight = tuple(weights)
    alpha = draw(st.sampled_from([0.0, 0.3]))
    seed = draw(st.integers(0, 2**32 - 1))
    return GradientCase(
        n_features,
        hidden,
        activations,
        loss,
        n_outputs,
        n_samples,
        sample_weight,
        alpha,
        seed,
    )


def _make_targets(rng, loss, n_samples, n_outputs):
    if loss == "log_loss":
        return np.eye(n_outputs)[rng.integers(n_outputs, size=n_samples)]
    if loss == "binary_log_loss":
        return rng.integers(2, size=(n_samples, n_outputs)).astype(np.float64)
    if loss == "poisson":
        return rng.poisson(2.0, size=(n_samples, n_outputs)).astype(np.float64)
    return rng.standard_normal((n_samples, n_outputs))


def _gradient_problem(case):
    """Network (float64, random N(0, 0.5^2) parameters), X, Y and weights."""
    rng = np.random.default_rng(case.seed)
    layer_units = [case.n_features, *case.hidden, case.n_outputs]
    net = Network(layer_units, list(case.activations), case.loss, dtype=np.float64)
    net.params[:] = rng.normal(0.0, 0.5, size=net.params.shape)
    X = rng.standard_normal((case.n_samples, case.n_features))
    Y = _make_targets(rng, case.loss, case.n_samples, case.n_outputs)
    sample_weight = None if case.sample_weight is None else np.array(case.sample_weight)
    return net, X, Y, sample_weight


def _hidden_pre_activations(X, coefs, intercepts, activations):
    """Pre-activation Z of each hidden layer, by a plain NumPy forward pass."""
    pre_activations = []
    A = X
    for W, b, name in zip(coefs[:-1], intercepts[:-1], activations, strict=True):
        Z = A @ W + b
        pre_activations.append(Z)
        if name == "identity":
            A = Z
        elif name == "logistic":
            A = 1.0 / (1.0 + np.exp(-Z))
        elif name == "tanh":
            A = np.tanh(Z)
        elif name == "relu":
            A = np.maximum(Z, 0.0)
        else:  # leaky_relu, negative slope 0.01
            A = np.where(Z >= 0, Z, 0.01 * Z)
    return pre_activations


def _assume_away_from_kinks(net, X, activations):
    """Discard examples where a ReLU or leaky ReLU unit sits near its kink.

    The loss is not differentiable where a (leaky) ReLU pre-activation is 0:
    the backward pass takes one side's slope, the central difference averages
    both. Near the kink the comparison is meaningless, not wrong.
    """
    pre_activations = _hidden_pre_activations(X, net.coefs, net.intercepts, activations)
    for Z, name in zip(pre_activations, activations, strict=True):
        if name in ("relu", "leaky_relu"):
            assume(np.abs(Z).min() >= KINK_MARGIN)


def _relative_error(g, g_ref):
    return np.linalg.norm(g - g_ref) / max(
        np.linalg.norm(g) + np.linalg.norm(g_ref), 1e-12
    )


@_reproducible(max_examples=800)
@given(case=gradient_cases())
def test_gradient_matches_central_differences(case):
    net, X, Y, sample_weight = _gradient_problem(case)
    _assume_away_from_kinks(net, X, case.activations)

    loss = net.loss_and_gradient(X, Y, sample_weight, case.alpha)
    assert np.isfinite(loss)
    gradient = net.grads.copy()  # the next calls overwrite net.grads

    params = net.params.copy()
    fd = np.empty_like(gradient)
    for i in range(params.size):
        net.params[i] = params[i] + FD_STEP
        loss_plus = net.loss_and_gradient(X, Y, sample_weight, case.alpha)
        net.params[i] = params[i] - FD_STEP
        loss_minus = net.loss_and_gradient(X, Y, sample_weight, case.alpha)
        net.params[i] = params[i]
        fd[i] = (loss_plus - loss_minus) / (2 * FD_STEP)

    error = _relative_error(gradient, fd)
    note(f"loss={loss!r} relative error={error:.3g}")
    note(f"gradient={gradient!r}")
    note(f"finite differences={fd!r}")
    assert error < FD_TOLERANCE


@_reproducible(max_examples=300)
@given(case=gradient_cases())
def test_float32_gradient_matches_float64(case):
    """The same network in float32 follows the float64 gradient closely."""
    net64, X, Y, sample_weight = _gradient_problem(case)
    _assume_away_from_kinks(net64, X, case.activations)
    loss64 = net64.loss_and_gradient(X, Y, sample_weight, case.alpha)

    net32 = Network(
        net64.layer_units, list(case.activations), case.loss, dtype=np.float32
    )
    net32.params[:] = net64.params
    f32 = np.float32
    loss32 = net32.loss_and_gradient(
        X.astype(f32),
        Y.astype(f32),
        None if sample_weight is None else sample_weight.astype(f32),
        case.alpha,
    )
    assert net32.grads.dtype == np.float32
    assert_allclose(loss32, loss64, rtol=1e-4, atol=1e-5)
    # The float32 parameters are the float64 ones rounded, so both networks
    # differ by ~1e-7 relative; with a little condition number on top, 1e-3.
    assert _relative_error(net32.grads.astype(np.float64), net64.grads) < 1e-3


# -- 2. estimators: fitted weights, predictions, probabilities -----------------


class EstimatorCase(NamedTuple):
    problem: str
    n_targets: int  # classes, labels or regression outputs
    regression_loss: str
    label_kind: str
    n_samples: int
    n_features: int
    hidden_layer_sizes: tuple
    activation: str
    solver: str
    batch_size: object
    dtype: type
    max_iter: int
    seed: int


@st.composite
def estimator_cases(draw):
    problem = draw(
        st.sampled_from(["binary", "multiclass", "multilabel", "regression"])
    )
    n_targets = draw(
        {
            "binary": st.just(2),
            "multiclass": st.integers(3, 4),
            "multilabel": st.integers(2, 3),
            "regression": st.integers(1, 2),
        }[problem]
    )
    regression_loss = label_kind = ""
    if problem == "regression":
        regression_loss = draw(st.sampled_from(["squared_error", "poisson"]))
    elif problem != "multilabel":
        label_kind = draw(st.sampled_from(["int", "str"]))
    # Poisson fits only with Adam, whose steps are bounded by the learning
    # rate. Under SGD (momentum) or L-BFGS (line search) the exp link can
    # diverge even on this well-scaled data: e.g. n_samples=8, n_features=5,
    # (4,) identity, sgd, batch_size=1, seed=1 overflows in epoch 2, and
    # scikit-learn's MLPRegressor diverges identically. That is the loss,
    # not a bug, so "finite weights" is no property of those fits.
    solvers = ["adam"] if regression_loss == "poisson" else ["sgd", "adam", "lbfgs"]
    return EstimatorCase(
        problem=problem,
        n_targets=n_targets,
        regression_loss=regression_loss,
        label_kind=label_kind,
        n_samples=draw(st.integers(8, 60)),
        n_features=draw(st.integers(1, 5)),
        hidden_layer_sizes=tuple(
            draw(st.lists(st.integers(1, 8), min_size=1, max_size=2))
        ),
        activation=draw(st.sampled_from(ACTIVATION_NAMES)),
        solver=draw(st.sampled_from(solvers)),
        batch_size=draw(st.one_of(st.just("auto"), st.integers(1, 50))),
        dtype=draw(st.sampled_from(DTYPES)),
        max_iter=draw(st.integers(3, 10)),
        seed=draw(st.integers(0, 2**32 - 1)),
    )


INT_LABELS = np.array([7, -1, 3, 10])
STR_LABELS = np.array(["b", "a", "d", "c"])


def _ranks(values):
    return np.argsort(np.argsort(values, kind="stable"), kind="stable")


def _estimator_data(case):
    """Standard normal X (in the case's dtype) and a target that is a simple
    function of X. Classes are cut at quantiles, so each has >= 2 members."""
    rng = np.random.default_rng(case.seed)
    n = case.n_samples
    X = rng.standard_normal((n, case.n_features))
    scores = X @ rng.standard_normal((case.n_features, case.n_targets))
    scores += 0.3 * rng.standard_normal(scores.shape)
    if case.problem in ("binary", "multiclass"):
        labels = (INT_LABELS if case.label_kind == "int" else STR_LABELS)[
            : case.n_targets
        ]
        y = labels[_ranks(scores[:, 0]) * case.n_targets // n]
    elif case.problem == "multilabel":
        y = (scores > np.median(scores, axis=0)).astype(int)
    elif case.regression_loss == "poisson":
        y = rng.poisson(np.exp(0.5 * np.tanh(scores))).astype(np.float64)
    else:
        y = np.sin(scores) + 0.1 * rng.standard_normal(scores.shape)
    if case.problem == "regression" and case.n_targets == 1:
        y = y.ravel()
    return X.astype(case.dtype), y


def _make_estimator(case):
    params = dict(
        hidden_layer_sizes=case.hidden_layer_sizes,
        activation=case.activation,
        solver=case.solver,
        batch_size=case.batch_size,
        max_iter=case.max_iter,
        random_state=case.seed % 2**31,
    )
    if case.problem == "regression":
        return MiniBatchMLPRegressor(loss=case.regression_loss, **params)
    return MiniBatchMLPClassifier(**params)


def _is_batch_clip_warning(warning):
    """The documented UserWarning of a batch_size larger than the data."""
    return issubclass(warning.category, UserWarning) and "batch_size" in str(
        warning.message
    )


class _StrictNumerics:
    """Floating-point errors raise; so does every warning but two.

    Overflow, division by zero and invalid operations (NaN) raise
    ``FloatingPointError``. Underflow does not: the stable formulas of the
    output functions and losses (``exp(-|z|)`` in the sigmoid, ``exp(z -
    max z)`` in the softmax) underflow to 0 by design at large logits, which
    L-BFGS line searches reach even on well-scaled data (float32 underflows
    past ``|z| > 87``); the results stay exact to rounding.

    ConvergenceWarning is ignored (the fits stop after a few iterations on
    purpose); a RuntimeWarning (overflow, invalid value) is an error; any
    other warning is recorded and fails :meth:`check`, except the warning
    that clips a batch_size larger than the data, which scikit-learn's MLP
    gives too.
    """

    def __enter__(self):
        self._warnings = warnings.catch_warnings(record=True)
        self.caught = self._warnings.__enter__()
        warnings.simplefilter("always")
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("error", RuntimeWarning)
        self._errstate = np.errstate(all="raise", under="ignore")
        self._errstate.__enter__()
        return self

    def __exit__(self, *exc_info):
        self._errstate.__exit__(*exc_info)
        return self._warnings.__exit__(*exc_info)

    def check(self):
        unexpected = [w for w in self.caught if not _is_batch_clip_warning(w)]
        assert not unexpected, [str(w.message) for w in unexpected]


def _assert_finite_weights(model, dtype):
    assert len(model.coefs_) == len(model.intercepts_) == model.n_layers_ - 1
    for array in (*model.coefs_, *model.intercepts_):
        assert array.dtype == dtype
        assert np.isfinite(array).all()


def _check_classifier(model, X, y, case, dtype):
    n = X.shape[0]
    with _StrictNumerics() as strict:
        y_pred = model.predict(X)
        proba = model.predict_proba(X)
        log_proba = model.predict_log_proba(X)
    strict.check()

    if case.problem == "multilabel":
        assert_allclose(model.classes_, np.arange(case.n_targets))
        assert y_pred.shape == (n, case.n_targets)
        assert np.isin(y_pred, [0, 1]).all()
    else:
        assert np.array_equal(model.classes_, np.unique(y))
        assert y_pred.shape == (n,)
        assert np.isin(y_pred, model.classes_).all()

    assert proba.shape == (n, case.n_targets)
    assert proba.dtype == dtype
    assert ((proba > 0) & (proba <= 1)).all()  # never exactly 0, as documented
    if case.problem != "multilabel":
        atol = 1e-5 if dtype == np.float32 else 1e-12
        assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=atol)
        # predict is the most probable class (rows with a near-tie aside).
        top_two = np.sort(proba, axis=1)[:, -2:]
        clear = top_two[:, 1] - top_two[:, 0] > 1e-6
        expected = model.classes_[proba.argmax(axis=1)]
        assert np.array_equal(y_pred[clear], expected[clear])
    else:
        clear = np.abs(proba - 0.5) > 1e-6
        assert np.array_equal(y_pred[clear], (proba > 0.5).astype(int)[clear])

    assert log_proba.shape == proba.shape
    assert log_proba.dtype == dtype
    assert np.isfinite(log_proba).all()
    shown = proba > 1e-30
    rtol, atol = (1e-5, 1e-5) if dtype == np.float32 else (1e-10, 1e-12)
    assert_allclose(log_proba[shown], np.log(proba[shown]), rtol=rtol, atol=atol)


def _check_regressor(model, X, case, dtype):
    n = X.shape[0]
    with _StrictNumerics() as strict:
        y_pred = model.predict(X)
    strict.check()
    expected_shape = (n,) if case.n_targets == 1 else (n, case.n_targets)
    assert y_pred.shape == expected_shape
    assert y_pred.dtype == dtype
    assert np.isfinite(y_pred).all()
    if case.regression_loss == "poisson":
        assert (y_pred > 0).all()  # exp output


@_reproducible(max_examples=1000)
@given(case=estimator_cases())
def test_fitted_estimator_properties(case):
    X, y = _estimator_data(case)
    dtype = np.dtype(case.dtype)
    model = _make_estimator(case)
    with _StrictNumerics() as strict:
        model.fit(X, y)
    strict.check()

    _assert_finite_weights(model, dtype)
    assert model.n_features_in_ == case.n_features
    assert model.n_layers_ == len(case.hidden_layer_sizes) + 2
    if case.problem == "regression":
        _check_regressor(model, X, case, dtype)
    else:
        _check_classifier(model, X, y, case, dtype)


# -- 3. partial_fit streams -----------------------------------------------------


@_reproducible(max_examples=300)
@given(data=st.data())
def test_partial_fit_stream_counts_calls_and_rows(data):
    n_rows = data.draw(st.integers(40, 80), label="n_rows")
    chunk_sizes = []
    while sum(chunk_sizes) < n_rows:
        size = data.draw(st.integers(1, 20), label="chunk size")
        chunk_sizes.append(min(size, n_rows - sum(chunk_sizes)))
    n_classes = data.draw(st.integers(2, 4), label="n_classes")
    dtype = np.dtype(data.draw(st.sampled_from(DTYPES), label="dtype"))
    model = MiniBatchMLPClassifier(
        hidden_layer_sizes=tuple(
            data.draw(st.lists(st.integers(1, 8), min_size=1, max_size=2))
        ),
        activation=data.draw(st.sampled_from(ACTIVATION_NAMES), label="activation"),
        solver=data.draw(st.sampled_from(["sgd", "adam"]), label="solver"),
        batch_size=data.draw(st.one_of(st.just("auto"), st.integers(1, 20))),
        random_state=data.draw(st.integers(0, 2**31 - 1), label="random_state"),
    )
    seed = data.draw(st.integers(0, 2**32 - 1), label="data seed")
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_rows, 3)).astype(dtype)
    # Labels from a simple function of X; a chunk may miss some classes.
    score = X.astype(np.float64) @ rng.standard_normal(3)
    classes = STR_LABELS[:n_classes]
    y = classes[_ranks(score) * n_classes // n_rows]

    start = 0
    with _StrictNumerics() as strict:
        for calls, size in enumerate(chunk_sizes, start=1):
            stop = start + size
            first = calls == 1
            model.partial_fit(
                X[start:stop], y[start:stop], classes=classes if first else None
            )
            start = stop
            assert model.n_iter_ == calls
            assert model.t_ == stop
            assert len(model.loss_curve_) == calls
            _assert_finite_weights(model, dtype)
    strict.check()
    assert start == n_rows
    assert np.array_equal(model.classes_, np.sort(classes))
