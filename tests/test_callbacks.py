"""scikit-learn's callbacks (sklearn.callback, 1.9+) on the estimators' epochs.

Each ``fit`` or ``partial_fit`` call is a task and each epoch (L-BFGS
iteration) a subtask. What is checked against references: the score that
``ScoringMonitor`` logs for epoch ``k`` is the score of a model trained with
``max_iter=k``; a stop request ends training after that epoch as ``max_iter``
would; callbacks change no weight; teardown follows a failing fit.
"""

import importlib.util
import pickle
import re
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.datasets import load_iris, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, get_scorer
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbackprop import MiniBatchMLPClassifier, MiniBatchMLPRegressor

HAS_CALLBACK_API = importlib.util.find_spec("sklearn.callback") is not None
EPOCH_TASKS = ("epoch", "iteration")  # stochastic solvers, L-BFGS
SMALL = dict(hidden_layer_sizes=(8,), batch_size=32, random_state=0)
ADAM = dict(solver="adam", learning_rate_init=0.01)
LBFGS = dict(solver="lbfgs")


@pytest.fixture
def callback_api():
    """The ``sklearn.callback`` module; its tests skip on scikit-learn < 1.9."""
    return pytest.importorskip(
        "sklearn.callback", reason="scikit-learn >= 1.9 has sklearn.callback"
    )


class Recorder:
    """A callback recording its hook calls; it can stop or fail after an epoch."""

    def __init__(self, stop_after=None, fail_after=None):
        self.stop_after = stop_after
        self.fail_after = fail_after
        self.calls = []

    def setup(self, estimator, context):
        self.calls.append({"hook": "setup"})

    def teardown(self, estimator, context):
        self.calls.append({"hook": "teardown"})

    def on_fit_task_begin(
        self,
        estimator,
        context,
        *,
        X=None,
        y=None,
        metadata=None,
        fitted_estimator=None,
    ):
        self._record("begin", context, X, y, metadata, fitted_estimator)

    def on_fit_task_end(
        self,
        estimator,
        context,
        *,
        X=None,
        y=None,
        metadata=None,
        fitted_estimator=None,
    ):
        self._record("end", context, X, y, metadata, fitted_estimator)
        if context.task_name not in EPOCH_TASKS:
            return False
        epoch = context.task_id + 1
        if epoch == self.fail_after:
            raise RuntimeError("the callback failed")
        return epoch == self.stop_after

    def _record(self, hook, context, X, y, metadata, fitted_estimator):
        self.calls.append(
            {
                "hook": hook,
                "task": context.task_name,
                "task_id": context.task_id,
                "X": X,
                "y": y,
                "metadata": metadata,
                "fitted_estimator": fitted_estimator,
            }
        )

    def hooks(self):
        return [call["hook"] for call in self.calls]

    def epochs(self, hook="end"):
        """The calls of ``hook`` for epochs that ran (with data)."""
        return [
            call
            for call in self.calls
            if call["hook"] == hook
            and call.get("task") in EPOCH_TASKS
            and call["X"] is not None
        ]


class PropagatedRecorder(Recorder):
    """A Recorder that meta-estimators pass on to their sub-estimators."""

    max_propagation_depth = None


def _iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _regression():
    X, y = make_regression(n_samples=120, n_features=5, noise=5.0, random_state=0)
    return StandardScaler().fit_transform(X), y / y.std()


def _parameters(model):
    return [*model.coefs_, *model.intercepts_]


def _assert_same_weights(model, reference, rtol=1e-12):
    for value, expected in zip(_parameters(model), _parameters(reference), strict=True):
        assert_allclose(value, expected, rtol=rtol, atol=1e-14)


def test_set_callbacks_only_where_scikit_learn_has_callbacks():
    # scikit-learn < 1.9 has no callbacks: no set_callbacks either, and
    # meta-estimators see an estimator without callback support.
    for Estimator in (MiniBatchMLPClassifier, MiniBatchMLPRegressor):
        assert hasattr(Estimator(), "set_callbacks") == HAS_CALLBACK_API


def test_lbfgs_verbose_prints_one_line_per_iteration(capsys):
    # The progress printout of L-BFGS, on every supported scipy (before 1.11
    # scipy passes the iteration's parameters, not its loss).
    X, y = _regression()
    model = MiniBatchMLPRegressor(**SMALL, solver="lbfgs", max_iter=7, verbose=True)
    model.fit(X, y)
    losses = re.findall(r"L-BFGS iteration, loss = (\S+)", capsys.readouterr().out)
    assert len(losses) == model.n_iter_ == 7
    assert float(losses[-1]) == pytest.approx(model.loss_, abs=1e-8)


@pytest.mark.parametrize(
    "Estimator, params, scoring, weighted",
    [
        (MiniBatchMLPClassifier, ADAM, "neg_log_loss", False),
        (MiniBatchMLPClassifier, LBFGS, "neg_log_loss", False),
        (
            MiniBatchMLPRegressor,
            dict(solver="sgd", learning_rate_init=0.01),
            "r2",
            True,
        ),
    ],
    ids=["classifier-adam", "classifier-lbfgs", "regressor-sgd-weighted"],
)
def test_scoring_monitor_scores_each_epoch_with_its_weights(
    callback_api, Estimator, params, scoring, weighted
):
    X, y = _iris() if Estimator is MiniBatchMLPClassifier else _regression()
    sample_weight = (
        np.random.RandomState(0).uniform(0.5, 2.0, len(y)) if weighted else None
    )
    fit_params = {} if sample_weight is None else {"sample_weight": sample_weight}
    n_epochs = 5
    monitor = callback_api.ScoringMonitor(scoring=scoring)
    recorder = Recorder()
    model = Estimator(**SMALL, **params, max_iter=n_epochs)
    model.set_callbacks(monitor, recorder).fit(X, y, **fit_params)

    assert model.n_iter_ == n_epochs
    rows = [row for row in monitor.get_logs().data if row["task_name"] in EPOCH_TASKS]
    assert [row["task_id"] for row in rows] == list(range(n_epochs))
    ends, begins = recorder.epochs("end"), recorder.epochs("begin")
    assert len(ends) == len(begins) == n_epochs
    scorer = get_scorer(scoring)
    for epoch, (row, end) in enumerate(zip(rows, ends, strict=True), start=1):
        reference = Estimator(**SMALL, **params, max_iter=epoch)
        reference.fit(X, y, **fit_params)
        expected = scorer(reference, X, y, **fit_params)  # weighted as in fit
        assert row[scoring] == pytest.approx(expected, rel=1e-10)
        # Kept until now, the epoch's model still has that epoch's weights:
        # copies, not views of the training buffer.
        _assert_same_weights(end["fitted_estimator"], reference)
        assert end["fitted_estimator"].n_iter_ == epoch
        if weighted:
            assert_array_equal(end["metadata"]["sample_weight"], sample_weight)
        else:
            assert end["metadata"] is None
    # The fit task ends with the final model.
    (fit_row,) = [row for row in monitor.get_logs().data if row["task_name"] == "fit"]
    assert fit_row[scoring] == pytest.approx(scorer(model, X, y, **fit_params))
    # An epoch begins with the weights the previous one ended with.
    for begin, previous_end in zip(begins[1:], ends[:-1], strict=True):
        _assert_same_weights(
            begin["fitted_estimator"], previous_end["fitted_estimator"], rtol=0
        )
    # The epochs saw models that differ: the check above could fail.
    assert not np.allclose(
        ends[0]["fitted_estimator"].coefs_[0], model.coefs_[0], rtol=1e-6
    )


@pytest.mark.parametrize(
    "params",
    [ADAM, {**ADAM, "early_stopping": True}, LBFGS],
    ids=["adam", "adam-early-stopping", "lbfgs"],
)
def test_callback_returning_true_stops_after_that_epoch(callback_api, params):
    X, y = _iris()
    stopper = Recorder(stop_after=3)
    model = MiniBatchMLPClassifier(**SMALL, **params, max_iter=50)
    model.set_callbacks(stopper)
    with warnings.catch_warnings():
        # Stopping on request is not a failure to converge.
        warnings.simplefilter("error", ConvergenceWarning)
        model.fit(X, y)

    assert model.n_iter_ == 3
    assert len(stopper.epochs()) == 3
    # As if max_iter were 3 (under early stopping, the best epoch's weights).
    reference = MiniBatchMLPClassifier(**SMALL, **params, max_iter=3).fit(X, y)
    _assert_same_weights(model, reference)
    if params["solver"] != "lbfgs":
        assert model.loss_curve_ == reference.loss_curve_
        assert model.validation_scores_ == reference.validation_scores_


def test_epochs_see_the_training_part_under_early_stopping(callback_api):
    X, y = _iris()
    recorder = Recorder()
    model = MiniBatchMLPClassifier(**SMALL, **ADAM, max_iter=3, early_stopping=True)
    model.set_callbacks(recorder).fit(X, y)

    fit_begin = next(call for call in recorder.calls if call.get("task") == "fit")
    assert fit_begin["X"].shape[0] == len(X)
    label_of = {row.tobytes(): label for row, label in zip(X, y, strict=True)}
    n_held_out = int(np.ceil(model.validation_fraction * len(X)))
    for call in recorder.epochs():
        assert call["X"].shape[0] == len(X) - n_held_out
        # The targets are the labels of the rows trained on.
        labels = [label_of[row.tobytes()] for row in call["X"]]
        assert_array_equal(call["y"], labels)


def test_partial_fit_is_one_epoch_task(callback_api):
    X, y = _iris()
    chunks = np.array_split(np.random.RandomState(0).permutation(len(y)), 3)
    monitor = callback_api.ScoringMonitor(scoring="accuracy")
    recorder = Recorder()
    model = MiniBatchMLPClassifier(**SMALL, **ADAM).set_callbacks(monitor, recorder)
    accuracies = []
    for k, chunk in enumerate(chunks):
        model.partial_fit(X[chunk], y[chunk], classes=np.unique(y) if k == 0 else None)
        accuracies.append(accuracy_score(y[chunk], model.predict(X[chunk])))

    assert recorder.hooks().count("setup") == recorder.hooks().count("teardown") == 3
    assert len(recorder.epochs()) == model.n_iter_ == 3
    logs = monitor.get_logs(select="all")  # one run per call
    assert len(logs) == 3
    for log, accuracy in zip(logs, accuracies, strict=True):
        (epoch,) = [row for row in log.data if row["task_name"] == "epoch"]
        assert epoch["accuracy"] == pytest.approx(accuracy)


@pytest.mark.parametrize(
    "params",
    [ADAM, {**ADAM, "early_stopping": True}, LBFGS],
    ids=["adam", "adam-early-stopping", "lbfgs"],
)
def test_callbacks_change_no_weight(callback_api, params):
    X, y = _iris()
    plain = MiniBatchMLPClassifier(**SMALL, **params, max_iter=20).fit(X, y)
    watched = MiniBatchMLPClassifier(**SMALL, **params, max_iter=20)
    recorder = Recorder()  # asks for every epoch's fitted_estimator
    watched.set_callbacks(recorder, callback_api.ScoringMonitor(scoring="accuracy"))
    watched.fit(X, y)
    hooks = [(call["hook"], call.get("task")) for call in recorder.calls]
    epoch = "iteration" if params["solver"] == "lbfgs" else "epoch"
    assert hooks == [
        ("setup", None),
        ("begin", "fit"),
        *[("begin", epoch), ("end", epoch)] * watched.n_iter_,
        ("end", "fit"),
        ("teardown", None),
    ]
    for value, expected in zip(_parameters(watched), _parameters(plain), strict=True):
        assert_array_equal(value, expected)
    assert watched.n_iter_ == plain.n_iter_
    assert watched.loss_ == plain.loss_


@pytest.mark.parametrize("failure", ["callback", "training"])
def test_teardown_runs_when_fit_raises(callback_api, failure):
    recorder = Recorder(fail_after=2 if failure == "callback" else None)
    if failure == "callback":
        X, y = _iris()
        model = MiniBatchMLPClassifier(**SMALL, **ADAM, max_iter=5)
        expected_error = pytest.raises(RuntimeError, match="the callback failed")
    else:
        X, y = _regression()
        X, y = X * 1e6, y * 1e6
        model = MiniBatchMLPRegressor(
            **SMALL, solver="sgd", learning_rate_init=10.0, max_iter=50
        )
        expected_error = pytest.raises(ValueError, match="diverged")
    model.set_callbacks(recorder)
    with expected_error, np.errstate(over="ignore", invalid="ignore"):
        model.fit(X, y)

    hooks = recorder.hooks()
    assert hooks.count("setup") == hooks.count("teardown") == 1
    assert hooks[-1] == "teardown"
    # No live context is left on the estimator.
    assert [name for name in vars(model) if "callback" in name] == ["_skl_callbacks"]


def test_callbacks_reach_the_epochs_inside_a_pipeline_in_a_search(callback_api):
    X, y = load_iris(return_X_y=True)
    monitor = callback_api.ScoringMonitor(scoring="accuracy")
    classifier = MiniBatchMLPClassifier(**SMALL, **ADAM, max_iter=3)
    classifier.set_callbacks(monitor)  # not propagated: set where it applies
    propagated = PropagatedRecorder()  # passed on from the search downwards
    search = GridSearchCV(
        make_pipeline(StandardScaler(), classifier),
        {"minibatchmlpclassifier__alpha": [1e-4, 1e-2]},
        cv=2,
    )
    search.set_callbacks(propagated).fit(X, y)

    n_fits = 2 * 2 + 1  # candidates x folds, and the refit
    log = monitor.get_logs()
    assert log.estimator_name == "GridSearchCV"  # one run: the search
    epochs = [row for row in log.data if row["task_name"] == "epoch"]
    assert len(epochs) == 3 * n_fits
    # Our epochs hang under the pipeline's final-estimator task.
    assert all(len(row["task_id_path"]) >= 4 for row in epochs)
    assert len(propagated.epochs()) == 3 * n_fits
    assert propagated.hooks().count("setup") == 1  # on the search only
    assert propagated.hooks()[-1] == "teardown"


def test_progress_bar_on_fit_and_partial_fit(callback_api, capsys):
    pytest.importorskip(
        "rich", reason="needs the [progress] extra: pip install -e '.[progress]'"
    )
    X, y = _iris()
    recorder = Recorder()
    model = MiniBatchMLPClassifier(
        **SMALL, **ADAM, max_iter=200, tol=1e-2, n_iter_no_change=2
    )
    model.set_callbacks(callback_api.ProgressBar(), recorder)
    model.fit(X, y)
    out = capsys.readouterr().out
    assert "MiniBatchMLPClassifier - fit" in out
    assert "100%" in out and not re.search(r"\b[0-9]{1,2}%", out)
    assert 0 < model.n_iter_ < 200  # stopped by tol: fewer epochs than planned
    assert len(recorder.epochs()) == model.n_iter_

    model.partial_fit(X, y)
    out = capsys.readouterr().out
    assert "MiniBatchMLPClassifier - fit" in out and "100%" in out
    assert len(recorder.epochs()) == model.n_iter_


def test_progress_bar_inside_a_pipeline(callback_api, capsys):
    pytest.importorskip(
        "rich", reason="needs the [progress] extra: pip install -e '.[progress]'"
    )
    X, y = load_iris(return_X_y=True)
    pipeline = make_pipeline(
        StandardScaler(), MiniBatchMLPClassifier(**SMALL, **ADAM, max_iter=5)
    )
    pipeline.set_callbacks(callback_api.ProgressBar()).fit(X, y)
    out = capsys.readouterr().out
    assert re.search(r"fit-final-estimator \| MiniBatchMLPClassifier - fit", out)
    assert not re.search(r"\b[0-9]{1,2}%", out)


def test_clone_and_pickle_keep_callbacks_not_their_context(callback_api):
    X, y = _iris()
    monitor = callback_api.ScoringMonitor(scoring="accuracy")
    model = MiniBatchMLPClassifier(**SMALL, **ADAM, max_iter=3)
    model.set_callbacks(monitor).fit(X, y)

    # As for scikit-learn's estimators, a clone shares the callbacks.
    assert clone(model)._skl_callbacks == [monitor]
    assert [name for name in vars(model) if "callback" in name] == ["_skl_callbacks"]
    restored = pickle.loads(pickle.dumps(model))
    assert_array_equal(restored.predict_proba(X), model.predict_proba(X))
    restored.fit(X, y)  # trains again, its callbacks with it
    assert len(restored._skl_callbacks[0].get_logs(select="all")) == 2
    _assert_same_weights(restored, model, rtol=0)
