"""
=============================================
Full batch, mini-batch and stochastic on Iris
=============================================

Three fits of the same network on the 150 Iris flowers, with the same
learning rate, the same momentum and the same number of epochs; only
``batch_size`` changes:

- ``batch_size=150``: **full batch** gradient descent, one step per epoch
  along the exact gradient of the training objective;
- ``batch_size=16``: **mini-batch** gradient descent, 10 steps per epoch;
- ``batch_size=1``: **stochastic** gradient descent, one step per sample,
  150 per epoch.

The hidden layer has 8 ``leaky_relu`` units (an activation scikit-learn's
MLP does not have); with three classes the output is a softmax and the loss
the categorical cross-entropy, chosen automatically from ``y``.
"""

# %%
# Three fits that differ only in the batch size
# ---------------------------------------------
#
# ``alpha=0`` (no L2 penalty) makes the three loss curves measure the same
# thing: the penalty enters each batch's objective divided by the batch size,
# so with ``alpha > 0`` a curve of 150 batches per epoch would carry 150 times
# the penalty of a full-batch curve. ``n_iter_no_change=max_iter`` turns the
# stopping rule off, so each fit runs all its epochs (and would warn that it
# has not converged: we silence that warning).

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.preprocessing import StandardScaler

from skbackprop import MiniBatchMLPClassifier

X, y = load_iris(return_X_y=True)
X = StandardScaler().fit_transform(X)
n_samples = X.shape[0]

n_epochs = 100
batch_sizes = {"full batch (150)": 150, "mini-batch (16)": 16, "stochastic (1)": 1}
models = {}
for name, batch_size in batch_sizes.items():
    clf = MiniBatchMLPClassifier(
        hidden_layer_sizes=(8,),
        activation="leaky_relu",
        solver="sgd",
        batch_size=batch_size,
        learning_rate_init=0.01,
        momentum=0.9,
        alpha=0.0,
        max_iter=n_epochs,
        n_iter_no_change=n_epochs,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    models[name] = clf

print(f"output function: {clf.out_activation_}, {clf.n_outputs_} outputs")

# %%
# Final numbers
# -------------
#
# ``loss_`` (the last value of ``loss_curve_``) is the *mean of the batch
# objectives over the last epoch*, each computed with the weights the model
# had just before that batch's step. With a full batch that is the loss at the
# start of the last epoch; with many small batches it mixes losses of weights
# that changed along the epoch, and it is usually a little above the loss of
# the final weights, computed here with :func:`sklearn.metrics.log_loss`.

print(
    f"{'fit':<18} {'steps/epoch':>11} {'steps':>6} {'loss_':>7} "
    f"{'final loss':>10} {'accuracy':>8}"
)
for name, clf in models.items():
    steps_per_epoch = int(np.ceil(n_samples / batch_sizes[name]))
    final_loss = log_loss(y, clf.predict_proba(X))
    print(
        f"{name:<18} {steps_per_epoch:>11} {steps_per_epoch * clf.n_iter_:>6} "
        f"{clf.loss_:>7.4f} {final_loss:>10.4f} {clf.score(X, y):>8.3f}"
    )

# %%
# Loss curves side by side
# ------------------------
#
# Per epoch (left), the smaller the batch the faster the loss falls: with the
# same learning rate, a small batch takes many more steps in one pass over
# the data. Per gradient step (right, log scale), the order reverses: a
# full-batch step follows the exact gradient and is the better single step,
# while a step on one sample is noisy. The stochastic curve stays bumpy to
# the end: at a constant learning rate, one-sample steps keep jumping around
# the minimum rather than settling into it.

fig, (ax_epoch, ax_step) = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
for name, clf in models.items():
    epochs = np.arange(1, clf.n_iter_ + 1)
    steps_per_epoch = int(np.ceil(n_samples / batch_sizes[name]))
    ax_epoch.plot(epochs, clf.loss_curve_, label=name)
    ax_step.plot(epochs * steps_per_epoch, clf.loss_curve_, label=name)
ax_epoch.set_xlabel("epoch")
ax_epoch.set_ylabel("loss_curve_ (cross-entropy)")
ax_epoch.set_title("Per epoch")
ax_epoch.legend()
ax_step.set_xscale("log")
ax_step.set_xlabel("gradient steps (end of each epoch)")
ax_step.set_title("Per gradient step")
fig.tight_layout()
plt.show()
