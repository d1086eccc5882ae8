"""LossCurveDisplay: the curves drawn are the estimator's, on the axes asked for."""

import copy
import sys

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import BaseEstimator
from sklearn.datasets import load_diabetes, load_iris
from sklearn.exceptions import NotFittedError
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from skbackprop import MiniBatchMLPClassifier, MiniBatchMLPRegressor
from skbackprop.plotting import LossCurveDisplay


@pytest.fixture
def plt():
    matplotlib = pytest.importorskip(
        "matplotlib", reason="needs the [plot] extra: pip install -e '.[plot]'"
    )
    # Select the non-interactive backend before pyplot picks one.
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _classifier(iris, **params):
    params = {
        "hidden_layer_sizes": (16,),
        "learning_rate_init": 0.01,
        "random_state": 0,
        **params,
    }
    return MiniBatchMLPClassifier(**params).fit(*iris)


@pytest.fixture(scope="module")
def early_stopped(iris):
    return _classifier(iris, early_stopping=True)


def _epochs(n):
    return np.arange(1, n + 1)


def test_from_estimator_draws_the_estimators_curves(plt, early_stopped):
    clf = early_stopped
    n_epochs = len(clf.loss_curve_)
    assert clf.validation_scores_ is not None and n_epochs > 3
    display = LossCurveDisplay.from_estimator(clf)

    assert_array_equal(display.line_.get_xdata(), _epochs(n_epochs))
    assert_array_equal(display.line_.get_ydata(), clf.loss_curve_)
    assert_array_equal(display.validation_score_line_.get_xdata(), _epochs(n_epochs))
    assert_array_equal(
        display.validation_score_line_.get_ydata(), clf.validation_scores_
    )
    # The weights kept are those of the first epoch with the best score.
    best = int(np.argmax(clf.validation_scores_)) + 1
    assert clf.validation_scores_[best - 1] == clf.best_validation_score_
    assert display.best_epoch == best
    assert_array_equal(display.best_epoch_line_.get_xdata(), [best, best])

    name = "MiniBatchMLPClassifier"
    assert display.line_.get_label() == f"{name}: training loss"
    assert display.validation_score_line_.get_label() == f"{name}: validation score"
    assert display.best_epoch_line_.get_label() == f"{name}: best epoch ({best})"
    assert display.ax_.get_xlabel() == "epoch"
    assert display.ax_.get_ylabel() == "loss"
    assert display.score_ax_.get_ylabel() == "validation score"

    # The losses and the best epoch on the main axes, the score on its twin.
    ax, score_ax = display.ax_, display.score_ax_
    assert display.line_ in ax.lines and display.best_epoch_line_ in ax.lines
    assert display.validation_score_line_ in score_ax.lines
    assert score_ax is not ax and score_ax.get_shared_x_axes().joined(ax, score_ax)
    assert display.figure_ is ax.figure
    assert display.figure_.axes == [ax, score_ax]
    # One colour per model, one line style per quantity.
    color = display.line_.get_color()
    assert display.validation_score_line_.get_color() == color
    assert display.best_epoch_line_.get_color() == color
    legend_labels = [t.get_text() for t in score_ax.get_legend().get_texts()]
    assert f"{name}: training loss" in legend_labels
    assert f"{name}: validation score" in legend_labels
    assert ax.get_legend() is None
    display.figure_.canvas.draw()


def test_from_estimator_passes_on_the_validation_loss_curve(plt, early_stopped):
    # Whatever the estimator records: nothing, or one loss per epoch.
    recorded = getattr(early_stopped, "validation_loss_curve_", None)
    display = LossCurveDisplay.from_estimator(early_stopped)
    if recorded is None:
        assert display.validation_loss_line_ is None
    else:
        assert_array_equal(display.validation_loss_line_.get_ydata(), recorded)

    clf = copy.deepcopy(early_stopped)
    curve = np.linspace(1.0, 0.5, len(clf.loss_curve_)).tolist()
    clf.validation_loss_curve_ = curve
    display = LossCurveDisplay.from_estimator(clf, name="net")
    line = display.validation_loss_line_
    assert_array_equal(line.get_xdata(), _epochs(len(curve)))
    assert_array_equal(line.get_ydata(), curve)
    assert line.get_label() == "net: validation loss"
    assert line in display.ax_.lines  # a loss: on the loss axes, not the twin
    assert line.get_color() == display.line_.get_color()
    assert line.get_linestyle() != display.line_.get_linestyle()


def test_no_twin_axes_without_validation_scores(plt, iris):
    clf = _classifier(iris, max_iter=15)
    assert clf.validation_scores_ is None
    display = LossCurveDisplay.from_estimator(clf)
    assert_array_equal(display.line_.get_ydata(), clf.loss_curve_)
    assert display.score_ax_ is None
    assert display.validation_score_line_ is None
    assert display.best_epoch_line_ is None
    assert display.best_epoch is None
    assert display.figure_.axes == [display.ax_]
    assert display.ax_.get_legend() is not None


def test_an_existing_axes_is_drawn_on(plt, early_stopped):
    fig, (left, right) = plt.subplots(1, 2)
    display = LossCurveDisplay.from_estimator(early_stopped, ax=right)
    assert display.ax_ is right
    assert display.figure_ is fig
    assert display.line_ in right.lines and not left.lines
    assert display.score_ax_.get_shared_x_axes().joined(right, display.score_ax_)
    assert len(fig.axes) == 3  # left, right and the twin of right


def test_two_displays_on_one_axes_share_the_score_axes(plt, iris):
    slow = _classifier(iris, early_stopping=True, learning_rate_init=0.001)
    fast = _classifier(iris, early_stopping=True, learning_rate_init=0.1)
    fig, ax = plt.subplots()
    first = LossCurveDisplay.from_estimator(slow, ax=ax, name="lr=0.001")
    second = LossCurveDisplay.from_estimator(fast, ax=ax, name="lr=0.1")

    assert second.score_ax_ is first.score_ax_
    assert fig.axes == [ax, first.score_ax_]
    assert first.line_.get_color() != second.line_.get_color()
    assert_array_equal(first.line_.get_ydata(), slow.loss_curve_)
    assert_array_equal(second.line_.get_ydata(), fast.loss_curve_)
    labels = [t.get_text() for t in first.score_ax_.get_legend().get_texts()]
    for name in ("lr=0.001", "lr=0.1"):
        assert f"{name}: training loss" in labels
        assert f"{name}: validation score" in labels

    # A score axes given explicitly is the one used.
    fig, ax = plt.subplots()
    other = ax.twinx()
    display = LossCurveDisplay.from_estimator(slow, ax=ax, score_ax=other)
    assert display.score_ax_ is other
    assert display.validation_score_line_ in other.lines


def test_works_on_scikit_learns_mlp_and_on_a_regressor(plt, iris):
    sk = MLPClassifier(
        hidden_layer_sizes=(16,),
        learning_rate_init=0.01,
        early_stopping=True,
        random_state=0,
    ).fit(*iris)
    display = LossCurveDisplay.from_estimator(sk)
    assert display.line_.get_label() == "MLPClassifier: training loss"
    assert_array_equal(display.line_.get_ydata(), sk.loss_curve_)
    assert_array_equal(
        display.validation_score_line_.get_ydata(), sk.validation_scores_
    )

    X, y = load_diabetes(return_X_y=True)
    reg = MiniBatchMLPRegressor(
        hidden_layer_sizes=(8,),
        learning_rate_init=0.01,
        early_stopping=True,
        max_iter=30,
        random_state=0,
    ).fit(StandardScaler().fit_transform(X), (y - y.mean()) / y.std())
    display = LossCurveDisplay.from_estimator(reg)
    assert_array_equal(display.line_.get_ydata(), reg.loss_curve_)
    assert_array_equal(
        display.validation_score_line_.get_ydata(), reg.validation_scores_
    )


class _RecordedCurves(BaseEstimator):
    """An estimator with a ``scoring`` parameter that records the curves."""

    def __init__(self, scoring=None):
        self.scoring = scoring

    def fit(self, X=None, y=None):
        self.loss_curve_ = [0.9, 0.6, 0.5, 0.45]
        self.validation_scores_ = [0.5, 0.7, 0.7, 0.6]
        return self


@pytest.mark.parametrize(
    "scoring, expected",
    [
        ("f1_macro", "validation f1_macro"),
        ("loss", "minus the validation loss"),
        (None, "validation score"),
    ],
)
def test_the_score_is_named_by_a_string_scoring(plt, scoring, expected):
    estimator = _RecordedCurves(scoring=scoring).fit()
    display = LossCurveDisplay.from_estimator(estimator, name="m")
    assert display.score_ax_.get_ylabel() == expected
    assert display.validation_score_line_.get_label() == f"m: {expected}"
    assert display.best_epoch == 2  # the first of the two best scores
    # An explicit name wins.
    display = LossCurveDisplay.from_estimator(estimator, score_name="accuracy")
    assert display.score_ax_.get_ylabel() == "accuracy"
    # A callable scoring has no name to show.
    display = LossCurveDisplay.from_estimator(_RecordedCurves(scoring=len).fit())
    assert display.score_ax_.get_ylabel() == "validation score"


def test_the_score_of_a_scoring_parameter_is_named(plt, iris):
    clf = _classifier(iris, early_stopping=True, scoring="balanced_accuracy")
    display = LossCurveDisplay.from_estimator(clf)
    assert display.score_ax_.get_ylabel() == "validation balanced_accuracy"
    assert_array_equal(
        display.validation_score_line_.get_ydata(), clf.validation_scores_
    )


def test_from_estimator_refuses_lbfgs_and_unfitted_estimators(iris):
    lbfgs = _classifier(iris, solver="lbfgs", max_iter=20)
    assert not hasattr(lbfgs, "loss_curve_")
    with pytest.raises(ValueError, match="solver='lbfgs'.*no loss"):
        LossCurveDisplay.from_estimator(lbfgs)

    with pytest.raises(NotFittedError):
        LossCurveDisplay.from_estimator(MiniBatchMLPClassifier())

    with pytest.raises(ValueError, match="has no loss_curve_"):
        LossCurveDisplay.from_estimator(StandardScaler().fit(iris[0]))


def test_the_constructor_checks_the_curves():
    with pytest.raises(ValueError, match="1-D"):
        LossCurveDisplay(loss_curve=[[1.0, 0.5]])
    with pytest.raises(ValueError, match="empty"):
        LossCurveDisplay(loss_curve=[])
    with pytest.raises(ValueError, match="validation_scores has 3 epochs, more"):
        LossCurveDisplay(loss_curve=[1.0, 0.5], validation_scores=[0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="validation_loss_curve has 3 epochs"):
        LossCurveDisplay(loss_curve=[1.0, 0.5], validation_loss_curve=[1, 1, 1])
    display = LossCurveDisplay(loss_curve=(1, 0.5))
    assert display.loss_curve.dtype == np.float64
    assert display.score_name == "validation score"


def test_best_epoch_skips_nan_and_takes_the_first_maximum():
    display = LossCurveDisplay(
        loss_curve=[1.0] * 5, validation_scores=[0.5, np.nan, 0.9, 0.9, 0.1]
    )
    assert display.best_epoch == 3
    all_nan = LossCurveDisplay(loss_curve=[1.0, 0.9], validation_scores=[np.nan] * 2)
    assert all_nan.best_epoch is None


def test_plot_from_the_curves(plt):
    # Validation curves may be shorter than the training curve: epochs
    # trained afterwards without a validation set.
    display = LossCurveDisplay(
        loss_curve=[1.0, 0.7, 0.5, 0.4],
        validation_loss_curve=[1.1, 0.8, 0.75],
        validation_scores=[0.6, 0.8, 0.7],
    ).plot(line_kw={"c": "red", "label": "train"}, best_epoch_line_kw={"ls": ":"})
    assert_array_equal(display.validation_loss_line_.get_xdata(), [1, 2, 3])
    assert_array_equal(display.validation_score_line_.get_xdata(), [1, 2, 3])
    assert_array_equal(display.line_.get_xdata(), [1, 2, 3, 4])
    # Aliases resolve against the defaults; the colour is shared.
    assert display.line_.get_label() == "train"
    assert display.line_.get_color() == "red"
    assert display.validation_loss_line_.get_color() == "red"
    assert display.validation_loss_line_.get_label() == "validation loss"
    assert display.best_epoch_line_.get_linestyle() == ":"
    assert_array_equal(display.best_epoch_line_.get_xdata(), [2, 2])


def test_plot_names_the_plot_extra_when_matplotlib_is_missing(
    monkeypatch, early_stopped
):
    # None in sys.modules makes the import fail, as if matplotlib were absent;
    # monkeypatch puts the real entry back afterwards.
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    message = r"pip install -e '\.\[plot\]'"
    with pytest.raises(ImportError, match=message):
        LossCurveDisplay(loss_curve=[1.0, 0.5]).plot()
    with pytest.raises(ImportError, match=message):
        LossCurveDisplay.from_estimator(early_stopped)


def test_the_legend_goes_where_no_line_is(plt):
    from skbackprop.plotting import _emptiest_location

    fig, ax = plt.subplots()
    ax.set(xlim=(0, 1), ylim=(0, 1))
    # Along the top and down the right side: the lower left ninth is empty.
    ax.plot([0.0, 0.9, 0.9], [0.9, 0.9, 0.0])
    assert _emptiest_location([ax]) == "lower left"
    # A line in a twin counts as well.
    twin = ax.twinx()
    twin.set_ylim(0, 1)
    twin.plot([0.1, 0.1], [0.0, 0.5])
    assert _emptiest_location([ax, twin]) == "lower center"
