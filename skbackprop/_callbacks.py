"""scikit-learn's training callbacks (:mod:`sklearn.callback`) on our training loop.

scikit-learn 1.9 added callbacks such as ``ProgressBar`` and ``ScoringMonitor``,
which an estimator supports by inheriting ``CallbackSupportMixin`` (which gives
it ``set_callbacks``) and by calling their hooks at the beginning and end of
each task of its fit. Here a ``fit`` or ``partial_fit`` call is the root task,
and each epoch (each iteration of L-BFGS) is one of its subtasks.

On an older scikit-learn there is no callback to set: the mixin below adds
nothing, so the estimators have no ``set_callbacks`` (as scikit-learn's own
estimators there), and training runs exactly as without callbacks.
"""

import contextlib
import functools

from skbackprop.core.network import parameter_views

try:
    from sklearn.callback import CallbackSupportMixin

    # What scikit-learn's with_callbacks decorator runs a fit in, as a context
    # manager: a with block adds no stack frame between the user and our
    # warnings, a decorator would.
    from sklearn.callback._callback_support import callback_management_context
except ImportError:  # scikit-learn < 1.9
    HAS_CALLBACK_API = False

    class CallbackSupportMixin:
        """Stand-in for scikit-learn < 1.9, which has no callbacks: adds nothing."""

else:
    HAS_CALLBACK_API = True

_NO_TASK = contextlib.nullcontext(None)


def _has_callbacks(estimator):
    """Whether a fit of ``estimator`` must run callback hooks.

    Callbacks are set by ``set_callbacks``, or passed on by a meta-estimator
    (Pipeline, GridSearchCV) that also attaches its own task to ours. Two
    dictionary look-ups: a one-row ``partial_fit`` call pays no more.
    """
    state = estimator.__dict__
    return "_skl_callbacks" in state or "_parent_callback_ctx" in state


def callback_task(estimator, X, y, sample_weight, max_subtasks):
    """Context manager of a training call's callbacks: the call's :class:`FitTask`.

    Where callbacks are set, it sets them up and calls their begin hooks on
    entry, and calls their ``teardown`` on exit, whether training returned or
    raised. Elsewhere it yields None, and the training loop skips every hook
    with one ``is None`` test per epoch.

    Parameters
    ----------
    estimator : BaseMiniBatchMLP
        The estimator being trained, its inputs accepted.
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        The validated training data.
    y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        The targets as given (labels, not their encoding).
    sample_weight : ndarray of shape (n_samples,) or None
        The training weights (class weights included).
    max_subtasks : int
        The most epochs (or L-BFGS iterations) the call can run.

    Returns
    -------
    context_manager : context manager
        Yields the call's :class:`FitTask`, or None without callbacks.
    """
    if not HAS_CALLBACK_API or not _has_callbacks(estimator):
        return _NO_TASK
    return _managed_task(estimator, X, y, sample_weight, max_subtasks)


@contextlib.contextmanager
def _managed_task(estimator, X, y, sample_weight, max_subtasks):
    with callback_management_context(estimator):
        context = estimator._init_callback_context(max_subtasks=max_subtasks)
        task = FitTask(estimator, context, X, y, sample_weight)
        context.call_on_fit_task_begin(**task._hook_arguments())
        yield task


class FitTask:
    """The callback hooks of one ``fit`` or ``partial_fit`` call.

    The hooks receive the training data, ``{"sample_weight": ...}`` as
    metadata (None without weights), and, if they ask for a
    ``fitted_estimator``, a shallow copy of the estimator given a copy of the
    weights of the moment (made only when asked for): it predicts and scores
    as the model did then, but is not meant to be trained further.

    Parameters
    ----------
    estimator : BaseMiniBatchMLP
        The estimator being trained.
    context : sklearn.callback.CallbackContext
        The root context of the call.
    X, y, sample_weight
        As in :func:`callback_task`.
    """

    def __init__(self, estimator, context, X, y, sample_weight):
        self.estimator = estimator
        self.context = context
        self._epoch = None  # the context of the epoch under way
        self.set_data(X, y, sample_weight)

    def set_data(self, X, y, sample_weight):
        """Hand the epochs' hooks the data they train on (after a split)."""
        self.X, self.y = X, y
        self.metadata = (
            None if sample_weight is None else {"sample_weight": sample_weight}
        )

    def _hook_arguments(self):
        return {
            "estimator": self.estimator,
            "X": self.X,
            "y": self.y,
            "metadata": self.metadata,
        }

    def _snapshot(self, params=None):
        """Fitted attributes of the moment, for a ``fitted_estimator``.

        ``params`` is the flat parameter vector; None for the training buffer.
        """
        estimator = self.estimator
        network = estimator._network
        params = network.params if params is None else params
        # A copy: the training buffer moves on, and predictions read coefs_.
        coefs, intercepts = parameter_views(
            params.astype(network.dtype, copy=True), network.layer_units
        )
        snapshot = {
            "coefs_": coefs,
            "intercepts_": intercepts,
            "n_iter_": estimator.n_iter_,
            "loss_": estimator.loss_,
        }
        if getattr(estimator, "loss_curve_", None) is not None:
            snapshot["loss_curve_"] = list(estimator.loss_curve_)
        return snapshot

    def begin_epoch(self, task_name="epoch"):
        """Open the next subtask (no-op if one is open) and call its begin hooks."""
        if self._epoch is not None:
            return
        self._epoch = self.context.subcontext(task_name=task_name)
        self._epoch.call_on_fit_task_begin(
            **self._hook_arguments(), reconstruction_attributes=self._snapshot
        )

    def end_epoch(self, params=None):
        """Call the end hooks of the open subtask.

        Parameters
        ----------
        params : ndarray of shape (n_parameters,), default=None
            The weights at the end of the subtask, flat (L-BFGS's iterate);
            None for the training buffer.

        Returns
        -------
        stop : bool
            Whether a callback asks to stop training after this subtask.
        """
        epoch, self._epoch = self._epoch, None
        return epoch.call_on_fit_task_end(
            **self._hook_arguments(),
            reconstruction_attributes=functools.partial(self._snapshot, params),
        )

    def end(self):
        """Close the call's task (and a subtask left open) once training is done."""
        if self._epoch is not None:
            # An L-BFGS iteration that scipy ended before it finished: a
            # task with nothing to report, so that every begin has its end.
            self._epoch.call_on_fit_task_end(estimator=self.estimator)
            self._epoch = None
        self.context.call_on_fit_task_end(
            **self._hook_arguments(), reconstruction_attributes={}
        )
