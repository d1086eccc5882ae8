r"""
=====================================================
XOR with a 3-4-1 sigmoid network and gradient descent
=====================================================

The classic first neural network: four rows of three binary inputs, a target
that is the exclusive or (XOR) of the first two, and a network with one hidden
layer of four logistic (sigmoid) units, trained by plain gradient descent on
the squared error. No straight line separates XOR's ones from its zeros, so a
model without a hidden layer cannot fit it; four hidden units can.

Every epoch here is a single gradient step: the batch is the whole truth
table (``batch_size=4``, full batch), the momentum is 0 and there is no L2
penalty (``alpha=0``), so each call of ``partial_fit`` does exactly

.. math::

    \theta \leftarrow \theta - \eta\, \nabla_\theta J(\theta), \qquad
    J = \frac{1}{4} \sum_{i=1}^{4} \tfrac12 (\hat y_i - y_i)^2 .

The output unit of :class:`~skbackprop.MiniBatchMLPRegressor` is linear (the
identity, the canonical pair of the squared error); the hidden units are
logistic.
"""

# %%
# The truth table
# ---------------
#
# The third input is always 1. In the classic version of this example it
# plays the part of a bias; our layers have biases of their own, so here it is
# just an input that carries no information.

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skbackprop import MiniBatchMLPRegressor
from skbackprop.inspection import trace_batch

X = np.array(
    [
        [0, 0, 1],
        [0, 1, 1],
        [1, 0, 1],
        [1, 1, 1],
    ],
    dtype=float,
)
y = np.array([0, 1, 1, 0], dtype=float)  # x1 XOR x2

# %%
# The network, before training
# ----------------------------
#
# ``hidden_layer_sizes=(4,)`` with 3 inputs and 1 output is the 3-4-1
# network. :func:`~skbackprop.inspection.trace_batch` runs the forward pass
# with the initial weights that ``fit`` would draw for this ``random_state``
# (the weights are not changed); the ``A`` of the last layer is the
# prediction.

net = MiniBatchMLPRegressor(
    hidden_layer_sizes=(4,),
    activation="logistic",
    solver="sgd",
    batch_size=4,  # the whole table: full-batch gradient descent
    learning_rate_init=0.5,
    momentum=0.0,  # plain gradient descent
    alpha=0.0,  # no L2 penalty
    shuffle=False,
    random_state=1,
)
initial = trace_batch(net, X, y).layers[-1]["A"].ravel()

# %%
# Training, one gradient step at a time
# -------------------------------------
#
# Each call of ``partial_fit`` is one epoch; with a full batch, one epoch is
# one step. Calling it in a loop lets us record the predictions after every
# step. ``k`` calls give the weights of ``fit`` with ``max_iter=k`` and
# ``shuffle=False``, provided ``fit``'s stopping rule does not end it sooner;
# here it would (see the end of the example). ``partial_fit`` never stops on
# its own.

n_epochs = 2000
predictions = np.empty((n_epochs, len(y)))
for epoch in range(n_epochs):
    net.partial_fit(X, y)
    predictions[epoch] = net.predict(X)

print(f"epochs (= gradient steps): {net.n_iter_}")
print(f"loss after the first epoch: {net.loss_curve_[0]:.4f}")
print(f"loss after the last epoch:  {net.loss_curve_[-1]:.2e}")

# %%
# Predictions converge to the targets
# -----------------------------------
#
# The table shows the prediction for each row before training and after a
# few numbers of steps.

checkpoints = [100, 500, 1000, n_epochs]
header = "x1 x2 x3 | target | before | " + " | ".join(f"{k:>6d}" for k in checkpoints)
print(header)
print("-" * len(header))
for i, row in enumerate(X.astype(int)):
    after = " | ".join(f"{predictions[k - 1, i]:6.3f}" for k in checkpoints)
    print(f" {row[0]}  {row[1]}  {row[2]} | {y[i]:6.0f} | {initial[i]:6.3f} | {after}")

max_error = np.abs(predictions[-1] - y).max()
print(f"largest |prediction - target| after {n_epochs} steps: {max_error:.1e}")

# %%
# The loss per epoch (log scale) stays on a plateau for several hundred
# steps, while all four predictions sit near 0.5, the mean of the targets:
# the best a network can do before its hidden units tell the rows apart. Once
# they do, the loss falls steadily (a straight line on the log scale) and each
# prediction settles on its target; row (1, 1, 1), the one that makes XOR
# non-linear, is the last to turn. With twice the learning rate the plateau is
# shorter, but some steps overshoot and the loss jumps up before it falls
# again: a learning rate can be too large for plain gradient descent even on
# four rows.

fig, (ax_loss, ax_pred) = plt.subplots(1, 2, figsize=(10, 4))
ax_loss.semilogy(np.arange(1, n_epochs + 1), net.loss_curve_)
ax_loss.set_xlabel("epoch (one full-batch gradient step)")
ax_loss.set_ylabel("loss_curve_ (half squared error, mean)")
ax_loss.set_title("Loss")

epochs = np.arange(0, n_epochs + 1)
for i, row in enumerate(X.astype(int)):
    path = np.concatenate([[initial[i]], predictions[:, i]])
    ax_pred.plot(epochs, path, label=f"x = ({row[0]}, {row[1]}, {row[2]})")
for target in (0, 1):
    ax_pred.axhline(target, color="grey", linestyle="--", linewidth=1)
ax_pred.set_xlabel("epoch")
ax_pred.set_ylabel("prediction")
ax_pred.set_title("Predictions approach the XOR targets")
ax_pred.legend(loc="center right")
fig.tight_layout()
plt.show()

# %%
# Why not ``fit``?
# ----------------
#
# ``fit`` stops when the loss has not improved by ``tol`` (1e-4) for
# ``n_iter_no_change`` (10) epochs in a row. On the plateau above, each step
# improves the loss by less than that, so ``fit`` with the default stopping
# rule gives up early, with predictions still near 0.5. With the rule turned
# off (``tol=0`` and a patience as long as the run), ``fit`` gives exactly the
# weights of the ``partial_fit`` loop.

params = net.get_params()
stopped = MiniBatchMLPRegressor(**{**params, "max_iter": n_epochs}).fit(X, y)
print(f"fit with the default stopping rule: {stopped.n_iter_} epochs")
print(f"its predictions: {np.round(stopped.predict(X), 3)}")

patient = MiniBatchMLPRegressor(
    **{**params, "max_iter": n_epochs, "tol": 0.0, "n_iter_no_change": n_epochs}
)
with warnings.catch_warnings():
    # Running all max_iter epochs makes fit warn that it has not converged.
    warnings.simplefilter("ignore", ConvergenceWarning)
    patient.fit(X, y)
same = all(
    np.array_equal(a, b)
    for a, b in zip(
        patient.coefs_ + patient.intercepts_, net.coefs_ + net.intercepts_, strict=True
    )
)
print(f"fit without the stopping rule, {patient.n_iter_} epochs: same weights: {same}")
