"""Pictures of training: the loss and validation curves of a fitted estimator.

Matplotlib is optional: it is imported when a figure is drawn, and the
``[plot]`` extra installs it (``pip install -e '.[plot]'``).
"""

import weakref

import numpy as np
from sklearn.utils.validation import check_is_fitted

from skbackprop._optional import import_optional

__all__ = ["LossCurveDisplay"]

# The default score of the estimators (accuracy, R^2) has no name of its own
# on the estimator; a ``scoring`` parameter, where there is one, names it.
_DEFAULT_SCORE_NAME = "validation score"


def _as_curve(values, name, max_length=None):
    """``values`` as a 1-D float array, or None; ``name`` is for the messages."""
    if values is None:
        return None
    curve = np.array(values, dtype=np.float64)
    if curve.ndim != 1:
        raise ValueError(
            f"{name} must be a 1-D sequence of numbers (one per epoch); got an "
            f"array of shape {curve.shape}."
        )
    if max_length is None and curve.size == 0:
        raise ValueError(f"{name} must hold at least one epoch; it is empty.")
    # A validation curve starts at epoch 1 with the training loss, but may
    # stop earlier (epochs trained later without a validation set).
    if max_length is not None and curve.size > max_length:
        raise ValueError(
            f"{name} has {curve.size} epochs, more than loss_curve "
            f"({max_length}): each entry is the value after one epoch of training."
        )
    return curve


def _epochs(curve):
    """Epoch numbers 1, ..., len(curve): entry k is the value after epoch k + 1."""
    return np.arange(1, curve.size + 1)


def _with_defaults(defaults, user_kw):
    """``defaults`` updated with ``user_kw``, aliases (``c``, ``ls``...) resolved.

    Without the resolution, ``c="red"`` beside a default ``color`` would make
    matplotlib raise about two aliases of one property.
    """
    cbook = import_optional("matplotlib.cbook", "plot")
    lines = import_optional("matplotlib.lines", "plot")
    user_kw = cbook.normalize_kwargs(user_kw or {}, lines.Line2D)
    return {**defaults, **user_kw}


class LossCurveDisplay:
    """Training loss, validation loss and validation score per epoch.

    A display in the style of scikit-learn's (``RocCurveDisplay``,
    ``LearningCurveDisplay``): create it with :meth:`from_estimator`, or from
    the curves themselves, then draw it with :meth:`plot`. The losses share
    the left y axis; the validation score, on another scale, is drawn on a
    secondary y axis on the right (a twin of the first). A vertical line
    marks the best validation epoch: with early stopping, the weights the
    estimator keeps at the end of ``fit`` are those of that epoch.

    Every curve of one display is drawn in one colour (the next in the
    axes' colour cycle, unless given), and each quantity in its own line
    style, so that the displays of several models can share one axes.

    Parameters
    ----------
    loss_curve : array-like of shape (n_epochs,)
        Training loss after each epoch (the estimator's ``loss_curve_``).
    validation_loss_curve : array-like of shape (n_validation_epochs,), default=None
        Loss on the validation set after each epoch (the estimator's
        ``validation_loss_curve_``). ``n_validation_epochs <= n_epochs``;
        entry ``k`` belongs to epoch ``k + 1``.
    validation_scores : array-like of shape (n_validation_epochs,), default=None
        Score on the validation set after each epoch (the estimator's
        ``validation_scores_``, kept with ``early_stopping=True``).
    estimator_name : str, default=None
        Name of the model, put before each label in the legend. If None,
        the labels name only the quantities.
    score_name : str, default=None
        Label of the validation score (legend and secondary y axis). If None,
        ``"validation score"``.

    Attributes
    ----------
    loss_curve : ndarray of shape (n_epochs,)
        The training loss, as floats.
    validation_loss_curve : ndarray of shape (n_validation_epochs,) or None
        The validation loss, as floats.
    validation_scores : ndarray of shape (n_validation_epochs,) or None
        The validation scores, as floats.
    estimator_name : str or None
        The name given.
    score_name : str
        The label of the validation score.
    line_ : matplotlib Line2D
        The training loss curve.
    validation_loss_line_ : matplotlib Line2D or None
        The validation loss curve, or None without a validation loss.
    validation_score_line_ : matplotlib Line2D or None
        The validation score curve, or None without validation scores.
    best_epoch_line_ : matplotlib Line2D or None
        The vertical line at :attr:`best_epoch`, or None without validation
        scores.
    ax_ : matplotlib Axes
        The axes of the losses (left y axis).
    score_ax_ : matplotlib Axes or None
        The twin axes of the validation score (right y axis), or None
        without validation scores.
    figure_ : matplotlib Figure
        The figure holding ``ax_``.

    See Also
    --------
    sklearn.model_selection.LearningCurveDisplay : Scores against the number of
        training samples, over cross-validation.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skbackprop import MiniBatchMLPClassifier
    >>> from skbackprop.plotting import LossCurveDisplay
    >>> X, y = load_iris(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> clf = MiniBatchMLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01,
    ...                              early_stopping=True, random_state=0).fit(X, y)
    >>> display = LossCurveDisplay.from_estimator(clf)
    >>> display.line_.get_label()
    'MiniBatchMLPClassifier: training loss'
    >>> len(display.line_.get_xdata()) == clf.n_iter_
    True
    >>> # The epoch whose weights early stopping kept, counted from 1:
    >>> best = clf.validation_scores_.index(clf.best_validation_score_) + 1
    >>> display.best_epoch == best
    True
    >>> plt.close(display.figure_)
    """

    def __init__(
        self,
        *,
        loss_curve,
        validation_loss_curve=None,
        validation_scores=None,
        estimator_name=None,
        score_name=None,
    ):
        self.loss_curve = _as_curve(loss_curve, "loss_curve")
        n_epochs = self.loss_curve.size
        self.validation_loss_curve = _as_curve(
            validation_loss_curve, "validation_loss_curve", max_length=n_epochs
        )
        self.validation_scores = _as_curve(
            validation_scores, "validation_scores", max_length=n_epochs
        )
        self.estimator_name = estimator_name
        self.score_name = _DEFAULT_SCORE_NAME if score_name is None else score_name

    @property
    def best_epoch(self):
        """The epoch (from 1) of the best validation score, or None.

        The first epoch that reached the highest score: the epoch whose
        weights an estimator trained with ``early_stopping=True`` keeps.
        NaN scores are skipped. None without validation scores.

        Returns
        -------
        epoch : int or None
            The best validation epoch, counted from 1.
        """
        scores = self.validation_scores
        if scores is None or not np.isfinite(scores).any():
            return None
        return int(np.argmax(np.where(np.isnan(scores), -np.inf, scores))) + 1

    def plot(
        self,
        ax=None,
        *,
        name=None,
        score_ax=None,
        line_kw=None,
        validation_loss_line_kw=None,
        validation_score_line_kw=None,
        best_epoch_line_kw=None,
    ):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw the losses on. If None, a new figure and axes are
            created.
        name : str, default=None
            Name put before each label in the legend. If None, the
            ``estimator_name`` of the display.
        score_ax : matplotlib Axes, default=None
            Axes to draw the validation score on. If None, the twin axes that
            an earlier ``LossCurveDisplay`` made for ``ax``, so that the
            scores of several displays share one scale, or else a new twin
            (``ax.twinx()``). Not used without validation scores.
        line_kw : dict, default=None
            Keyword arguments of ``Axes.plot`` for the training loss; its
            ``color`` is the default colour of the other lines.
        validation_loss_line_kw : dict, default=None
            Keyword arguments of ``Axes.plot`` for the validation loss.
        validation_score_line_kw : dict, default=None
            Keyword arguments of ``Axes.plot`` for the validation score.
        best_epoch_line_kw : dict, default=None
            Keyword arguments of ``Axes.axvline`` for the best-epoch line.

        Returns
        -------
        display : LossCurveDisplay
            This display, with the matplotlib objects in its attributes.
        """
        plt = import_optional("matplotlib.pyplot", "plot")
        ticker = import_optional("matplotlib.ticker", "plot")
        if ax is None:
            _, ax = plt.subplots()
        name = self.estimator_name if name is None else name
        prefix = "" if name is None else f"{name}: "

        # Drawn first, so that it takes the next colour of the cycle, which
        # the other lines then share.
        (self.line_,) = ax.plot(
            _epochs(self.loss_curve),
            self.loss_curve,
            **_with_defaults({"label": f"{prefix}training loss"}, line_kw),
        )
        color = self.line_.get_color()

        self.validation_loss_line_ = None
        if self.validation_loss_curve is not None:
            (self.validation_loss_line_,) = ax.plot(
                _epochs(self.validation_loss_curve),
                self.validation_loss_curve,
                **_with_defaults(
                    {
                        "label": f"{prefix}validation loss",
                        "color": color,
                        "linestyle": "--",
                    },
                    validation_loss_line_kw,
                ),
            )

        self.validation_score_line_ = None
        self.best_epoch_line_ = None
        self.score_ax_ = None
        if self.validation_scores is not None:
            if score_ax is None:
                score_ax = _score_axes_of(ax)
            if score_ax is None:
                score_ax = ax.twinx()
                _mark_score_axes(ax, score_ax)
            self.score_ax_ = score_ax
            (self.validation_score_line_,) = score_ax.plot(
                _epochs(self.validation_scores),
                self.validation_scores,
                **_with_defaults(
                    {
                        "label": f"{prefix}{self.score_name}",
                        "color": color,
                        "linestyle": ":",
                    },
                    validation_score_line_kw,
                ),
            )
            score_ax.set_ylabel(self.score_name)
            best_epoch = self.best_epoch
            if best_epoch is not None:
                self.best_epoch_line_ = ax.axvline(
                    best_epoch,
                    **_with_defaults(
                        {
                            "label": f"{prefix}best epoch ({best_epoch})",
                            "color": color,
                            "linewidth": 1,
                            "alpha": 0.6,
                        },
                        best_epoch_line_kw,
                    ),
                )
                _BEST_EPOCH_LINES.add(self.best_epoch_line_)

        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
        # A display without scores, drawn after one with, keeps the legend on
        # the twin, which is drawn over ax.
        _draw_legend(ax, self.score_ax_ or _score_axes_of(ax))
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_estimator(
        cls,
        estimator,
        *,
        ax=None,
        name=None,
        score_name=None,
        score_ax=None,
        line_kw=None,
        validation_loss_line_kw=None,
        validation_score_line_kw=None,
        best_epoch_line_kw=None,
    ):
        """Draw the curves a fitted estimator recorded during training.

        Reads ``loss_curve_``, ``validation_scores_`` (None without early
        stopping) and, where the estimator has it, ``validation_loss_curve_``.
        It works on any estimator that records them, scikit-learn's
        ``MLPClassifier`` and ``MLPRegressor`` included.

        Parameters
        ----------
        estimator : estimator instance
            A fitted estimator trained by a stochastic solver (``"sgd"`` or
            ``"adam"``): ``solver="lbfgs"`` records no loss per epoch.
        ax : matplotlib Axes, default=None
            Axes to draw the losses on. If None, a new figure and axes are
            created.
        name : str, default=None
            Name put before each label in the legend. If None, the name of
            the estimator's class.
        score_name : str, default=None
            Label of the validation score. If None, ``"validation <scoring>"``
            when the estimator has a ``scoring`` parameter that is a string
            (``"minus the validation loss"`` for ``scoring="loss"``), else
            ``"validation score"``.
        score_ax : matplotlib Axes, default=None
            Axes to draw the validation score on; see :meth:`plot`.
        line_kw : dict, default=None
            Keyword arguments of ``Axes.plot`` for the training loss.
        validation_loss_line_kw : dict, default=None
            Keyword arguments of ``Axes.plot`` for the validation loss.
        validation_score_line_kw : dict, default=None
            Keyword arguments of ``Axes.plot`` for the validation score.
        best_epoch_line_kw : dict, default=None
            Keyword arguments of ``Axes.axvline`` for the best-epoch line.

        Returns
        -------
        display : LossCurveDisplay
            The display, drawn.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the estimator is not fitted.
        ValueError
            If the estimator recorded no loss curve (``solver="lbfgs"``).
        """
        check_is_fitted(estimator)
        loss_curve = getattr(estimator, "loss_curve_", None)
        if loss_curve is None:
            raise ValueError(_no_loss_curve_message(estimator))
        if score_name is None:
            params = estimator.get_params() if hasattr(estimator, "get_params") else {}
            scoring = params.get("scoring")
            if scoring == "loss":
                # skbackprop's scoring="loss" scores minus the validation loss.
                score_name = "minus the validation loss"
            elif isinstance(scoring, str):
                score_name = f"validation {scoring}"
        display = cls(
            loss_curve=loss_curve,
            validation_loss_curve=getattr(estimator, "validation_loss_curve_", None),
            validation_scores=getattr(estimator, "validation_scores_", None),
            estimator_name=type(estimator).__name__ if name is None else name,
            score_name=score_name,
        )
        return display.plot(
            ax=ax,
            score_ax=score_ax,
            line_kw=line_kw,
            validation_loss_line_kw=validation_loss_line_kw,
            validation_score_line_kw=validation_score_line_kw,
            best_epoch_line_kw=best_epoch_line_kw,
        )


def _no_loss_curve_message(estimator):
    what = type(estimator).__name__
    solver = getattr(estimator, "solver", None)
    if solver == "lbfgs":
        return (
            f"This {what} was trained with solver='lbfgs', which records no loss "
            "per epoch (it has no loss_curve_); train with solver='adam' or "
            "'sgd' to plot loss curves."
        )
    return (
        f"This {what} has no loss_curve_ attribute: LossCurveDisplay needs an "
        "estimator trained epoch by epoch (such as MiniBatchMLPClassifier or "
        "MiniBatchMLPRegressor with solver='adam' or 'sgd'); for a Pipeline, "
        "pass its last step."
    )


# The twin axes of the scores is recorded on the axes of the losses, so that
# a second display drawn on the same axes reuses it: one score scale, not
# two overlapping ones.
_SCORE_AXES_ATTRIBUTE = "_skbackprop_score_axes"


def _score_axes_of(ax):
    score_ax = getattr(ax, _SCORE_AXES_ATTRIBUTE, None)
    # A twin removed from the figure (``score_ax.remove()``) is not reused.
    if score_ax is not None and score_ax in ax.figure.axes:
        return score_ax
    return None


def _mark_score_axes(ax, score_ax):
    setattr(ax, _SCORE_AXES_ATTRIBUTE, score_ax)


def _draw_legend(ax, score_ax):
    """One legend for the lines of both axes, on the axes drawn last.

    The twin is drawn over ``ax``: a legend of ``ax`` would sit under the
    score curves.
    """
    handles, labels = ax.get_legend_handles_labels()
    if score_ax is None:
        ax.legend(handles, labels, loc="best")
        return
    score_handles, score_labels = score_ax.get_legend_handles_labels()
    if ax.get_legend() is not None:
        ax.get_legend().remove()
    score_ax.legend(
        handles + score_handles,
        labels + score_labels,
        loc=_emptiest_location([ax, score_ax]),
    )


# Every best-epoch line drawn, so that the legend placement can tell them from
# the curves; weak, so that closed figures are not kept alive.
_BEST_EPOCH_LINES = weakref.WeakSet()

# Matplotlib's legend locations, in its order of preference, and the ninth of
# the axes each stands in: (column, row) from the lower left.
_LOCATION_CELLS = {
    "upper right": (2, 2),
    "upper left": (0, 2),
    "lower left": (0, 0),
    "lower right": (2, 0),
    "center right": (2, 1),
    "center left": (0, 1),
    "lower center": (1, 0),
    "upper center": (1, 2),
    "center": (1, 1),
}


def _emptiest_location(axes, step=0.01):
    """The legend location whose ninth of the axes holds the least line length.

    Matplotlib's ``loc="best"`` avoids only the lines of the axes that holds
    the legend, and a twin's lines are in another axes: this looks at the
    lines of all of ``axes`` (which overlap), measured in the axes fraction
    of the first. The thin best-epoch lines are left out: a legend may cross
    them, and a vertical line would otherwise rule out a whole column.
    """
    to_fraction = axes[0].transAxes.inverted()
    ink = np.zeros((3, 3))
    for a in axes:
        a.get_xlim(), a.get_ylim()  # brings the autoscaled view limits up to date
        for line in a.lines:
            if not line.get_visible() or line in _BEST_EPOCH_LINES:
                continue
            xy = (line.get_transform() + to_fraction).transform(line.get_xydata())
            xy = xy[np.isfinite(xy).all(axis=1)]
            if len(xy) == 0:
                continue
            # Points spaced ``step`` apart along the line, so that each ninth
            # counts the length of line it holds, not the epochs it holds.
            arc = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T))])
            at = np.arange(0.0, arc[-1] + step, step)
            points = np.column_stack(
                [np.interp(at, arc, xy[:, 0]), np.interp(at, arc, xy[:, 1])]
            )
            points = points[((points >= 0) & (points <= 1)).all(axis=1)]
            cells = np.minimum((points * 3).astype(int), 2)
            np.add.at(ink, (cells[:, 0], cells[:, 1]), step)
    return min(_LOCATION_CELLS, key=lambda loc: ink[_LOCATION_CELLS[loc]])
