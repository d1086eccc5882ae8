"""
==============================
Loss curves and early stopping
==============================

:class:`~skbackprop.plotting.LossCurveDisplay` draws what an estimator
recorded while it trained, one point per epoch: the training loss
(``loss_curve_``), and, when part of the training data was held out for
early stopping, the loss on that validation set (``validation_loss_curve_``)
and its score (``validation_scores_``). The score is on another scale
(accuracy here, from 0 to 1), so it has a y axis of its own, on the right. A
vertical line marks the best validation epoch: with ``early_stopping=True``
the estimator ends with the weights of that epoch, not of the last one.

The display reads only fitted attributes, so it needs no data, and it works
on scikit-learn's ``MLPClassifier`` and ``MLPRegressor`` as well.
Matplotlib is optional for skbackprop: ``pip install -e '.[plot]'``.
"""

# %%
# One model, trained with early stopping
# --------------------------------------
#
# Digits (8x8 images, 10 classes), pixels scaled to [0, 1]. With
# ``early_stopping=True`` the estimator holds out ``validation_fraction=0.1``
# of the training data (stratified by class) and scores it after every
# epoch. Training stops once that score has not improved by more than
# ``tol`` for ``n_iter_no_change=10`` epochs in a row.

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skbackprop import MiniBatchMLPClassifier
from skbackprop.plotting import LossCurveDisplay

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X / 16.0, y, test_size=0.25, stratify=y, random_state=0
)

slow = MiniBatchMLPClassifier(
    hidden_layer_sizes=(64,),
    learning_rate_init=0.001,
    early_stopping=True,
    random_state=0,
).fit(X_train, y_train)

display = LossCurveDisplay.from_estimator(slow)
display.ax_.set_title("Adam, learning_rate_init=0.001, early stopping")
display.figure_.tight_layout()
plt.show()

print(f"epochs trained (n_iter_):      {slow.n_iter_}")
print(f"best validation epoch:         {display.best_epoch}")
print(f"best validation accuracy:      {slow.best_validation_score_:.3f}")
print(f"held-out test accuracy:        {slow.score(X_test, y_test):.3f}")

# %%
# The training loss (solid) falls at every epoch, and the validation loss
# (dashed) follows it closely: at this learning rate the network has not
# yet started to fit its training set at the expense of unseen data. (The
# training loss includes the L2 penalty ``alpha``; the validation loss does
# not.) The validation accuracy (dotted, right axis) rises quickly, then
# levels off. Past the vertical line it no longer improves, so the epochs
# after it are thrown away: the model keeps the weights of the best epoch,
# which ``display.best_epoch`` gives. ``display.line_``,
# ``display.validation_loss_line_``, ``display.validation_score_line_``,
# ``display.best_epoch_line_`` and the axes ``display.ax_`` and
# ``display.score_ax_`` are matplotlib objects, to be restyled at will.

# %%
# Two learning rates on one axes
# ------------------------------
#
# A display can be drawn on an existing axes, and several displays on the
# same one: each model takes the next colour, and each quantity keeps its
# line style (solid: training loss, dashed: validation loss, dotted:
# validation score). The second display reuses the twin axes of the first,
# so that both scores share one scale.

fast = MiniBatchMLPClassifier(
    hidden_layer_sizes=(64,),
    learning_rate_init=0.01,
    early_stopping=True,
    random_state=0,
).fit(X_train, y_train)

fig, ax = plt.subplots(figsize=(8, 5))
for model in (slow, fast):
    LossCurveDisplay.from_estimator(
        model, ax=ax, name=f"learning_rate_init={model.learning_rate_init}"
    )
ax.set_title("Two learning rates, one axes")
fig.tight_layout()
plt.show()

for model in (slow, fast):
    print(
        f"learning_rate_init={model.learning_rate_init:<6} "
        f"epochs: {model.n_iter_:3d}  "
        f"best validation accuracy: {model.best_validation_score_:.3f}  "
        f"test accuracy: {model.score(X_test, y_test):.3f}"
    )

# %%
# Ten times the learning rate gets the training loss down in far fewer
# epochs, and the validation accuracy peaks sooner, so early stopping ends
# the training sooner too. After its best epoch, the training loss of the
# faster model goes on falling faster than its validation loss: the gap that
# opens between the two is progress on the training set that unseen digits
# do not share, and the validation accuracy, which early stopping watches,
# no longer improves. The training loss alone would not show this; the
# validation curves do.
