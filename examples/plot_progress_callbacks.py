"""
=====================================================
Progress and monitoring with scikit-learn's callbacks
=====================================================

scikit-learn 1.9 added training callbacks (:mod:`sklearn.callback`): objects
set on an estimator with ``set_callbacks`` whose hooks run at the beginning
and end of each task of its fit. For skbackprop's estimators, a ``fit`` or
``partial_fit`` call is a task and each epoch one of its subtasks, so a
callback can watch the model epoch by epoch, and stop training.

This example trains a :class:`~skbackprop.MiniBatchMLPClassifier` on the
digits dataset with two callbacks: scikit-learn's ``ScoringMonitor``, which
scores the model of every epoch on the training data, and one of our own,
which scores it on held-out images and stops training at a target accuracy.
It needs scikit-learn 1.9 or later.
"""

# %%
# The callbacks
# -------------
#
# ``ScoringMonitor`` takes scorer names, as ``cross_validate`` does. After
# each epoch it scores a copy of the model that holds that epoch's weights
# (the hook's ``fitted_estimator``), on the data the epoch trained on.
#
# A callback is any object with the four hooks below. ``on_fit_task_end``
# gets the same ``fitted_estimator`` if it names it among its keyword
# arguments; returning True asks the estimator to stop after that epoch,
# which it does without a ``ConvergenceWarning``.

import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator
from sklearn.callback import ScoringMonitor
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skbackprop import MiniBatchMLPClassifier


class HeldOutAccuracy:
    """Accuracy on held-out data after every epoch; stop at ``target``."""

    def __init__(self, X, y, target):
        self.X, self.y, self.target = X, y, target
        self.accuracies = []

    def setup(self, estimator, context):
        self.accuracies = []  # a new fit, a new record

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        if context.task_name != "epoch":
            return False  # the end of the fit task itself
        accuracy = fitted_estimator.score(self.X, self.y)
        self.accuracies.append(accuracy)
        return accuracy >= self.target

    def teardown(self, estimator, context):
        pass


X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

# %%
# One training run
# ----------------
#
# ``verbose=2`` prints a table with a row per epoch: the mean training loss
# over the epoch's mini-batches (with the L2 penalty), the optimizer's step
# size and the epoch's time. The run stops at the epoch whose held-out accuracy
# reaches 97%, well before ``max_iter``.

monitor = ScoringMonitor(scoring=["accuracy", "neg_log_loss"])
held_out = HeldOutAccuracy(X_test, y_test, target=0.97)
model = MiniBatchMLPClassifier(
    hidden_layer_sizes=(32,),
    batch_size=64,
    learning_rate_init=0.002,
    max_iter=100,
    verbose=2,
    random_state=0,
)
model.set_callbacks(monitor, held_out)
model.fit(X_train, y_train)
print(f"stopped after {model.n_iter_} epochs (max_iter={model.max_iter})")

# %%
# What the monitor recorded
# -------------------------
#
# ``get_logs`` returns the records of the last run: one row per task, the fit
# itself and each epoch, with the task's path and the scores. The epochs'
# ``task_id`` counts from 0.

log = monitor.get_logs()
table = log.data_as_pandas
epochs = table[table["task_name"] == "epoch"]
print(epochs[["task_id", "accuracy", "neg_log_loss"]].tail().to_string(index=False))

fig, (ax_loss, ax_accuracy) = plt.subplots(1, 2, figsize=(9, 3.8))
epoch_numbers = epochs["task_id"] + 1
ax_loss.plot(epoch_numbers, -epochs["neg_log_loss"], label="monitored (end of epoch)")
ax_loss.plot(
    range(1, model.n_iter_ + 1),
    model.loss_curve_,
    linestyle="--",
    label="loss_curve_ (mean over the epoch)",
)
ax_loss.set_xlabel("epoch")
ax_loss.set_ylabel("training log-loss")
ax_loss.legend()
ax_accuracy.plot(epoch_numbers, epochs["accuracy"], label="training data")
ax_accuracy.plot(epoch_numbers, held_out.accuracies, label="held-out data")
ax_accuracy.axhline(held_out.target, color="grey", linestyle=":", label="target")
ax_accuracy.set_xlabel("epoch")
ax_accuracy.set_ylabel("accuracy")
ax_accuracy.legend(loc="lower right")
for ax in (ax_loss, ax_accuracy):
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
fig.suptitle("One fit of MiniBatchMLPClassifier, watched epoch by epoch")
fig.tight_layout()
plt.show()

# %%
# The monitored log-loss lies below ``loss_curve_``: it scores the weights at
# the end of each epoch, while ``loss_curve_`` averages the losses of the
# mini-batches met during the epoch, as the weights improved, and adds the
# penalty.
#
# Other callbacks
# ---------------
#
# ``sklearn.callback.ProgressBar()`` draws a progress bar that advances with
# the epochs (it needs the ``rich`` package, which the ``[progress]`` extra
# installs). Set on a ``Pipeline`` or a ``GridSearchCV``, it reaches the
# estimator inside as well, and shows one bar per fit. Callbacks are not
# parameters: ``clone`` passes them on to the clone, as scikit-learn does for
# its own estimators. The user guide's :ref:`progress_and_callbacks` page
# shows ``verbose``, the progress bar and callbacks side by side.
