r"""
=====================================================
Shapes walkthrough: every matrix of one backward pass
=====================================================

A deep, narrow network, 5-2-4-3-3-1 (5 inputs; hidden layers of 2, 4, 3 and
3 units; one output), and one batch of ``n = 7`` samples. We print the shape
of every matrix that backpropagation computes for that batch (the
pre-activations ``Z``, the activations ``A``, the weights ``W``, the deltas
``D`` and the gradients ``dW`` and ``db``), check two of the equations on the
numbers, and compare the gradients with finite differences.

The tools are in :mod:`skbackprop.inspection`; the equations are explained
in the user guide, :doc:`/user_guide/backprop_from_equations_to_code`.
Layers are counted from 1 here, as in the tables: layer :math:`l` has the
weights :math:`W_l` (``coefs_[l - 1]``) and produces :math:`Z_l` and
:math:`A_l`, and :math:`A_0` is the batch :math:`X`.
"""

# %%
# A 5-2-4-3-3-1 network
# ---------------------
#
# A binary classifier with 5 features has one output unit (logistic, with
# the binary cross-entropy). We train it for a few epochs, only so that the
# weights are those of a fitted model; ``tanh`` units keep every derivative
# smooth for the gradient check at the end.

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from skbackprop import MiniBatchMLPClassifier
from skbackprop.inspection import check_gradients, describe_network, trace_batch

X, y = make_classification(n_samples=300, n_features=5, n_informative=3, random_state=0)
X = StandardScaler().fit_transform(X)

clf = MiniBatchMLPClassifier(
    hidden_layer_sizes=(2, 4, 3, 3),
    activation="tanh",
    learning_rate_init=0.01,
    max_iter=50,
    random_state=0,
)
with warnings.catch_warnings():
    # 50 epochs are enough to have trained weights to look at; we do not
    # need the optimisation to have converged.
    warnings.simplefilter("ignore", ConvergenceWarning)
    clf.fit(X, y)

description = describe_network(clf)
print(description)

# %%
# Each layer has ``units_in * units_out`` weights and ``units_out`` biases;
# :math:`W_l` has shape :math:`(u_{l-1}, u_l)`, one row per input unit and
# one column per output unit.

assert description.n_parameters == sum(
    W.size + b.size for W, b in zip(clf.coefs_, clf.intercepts_, strict=True)
)

# %%
# One batch of 7 samples, every matrix
# ------------------------------------
#
# :func:`~skbackprop.inspection.trace_batch` runs one forward and one backward
# pass on the batch, as a training step does, but applies no update. For
# each layer it keeps ``Z`` and ``A`` (``(n, u_l)``; for the last layer ``A``
# is the output :math:`g(Z)`, the probability of the positive class), ``W``,
# the delta ``D`` :math:`= \partial J / \partial Z_l` (``(n, u_l)``), ``dW``
# and ``db``. With ``norms=True`` the table also shows each matrix's
# Frobenius norm.

X_batch, y_batch = X[:7], y[:7]
trace = trace_batch(clf, X_batch, y_batch)
print(trace)

# %%
# Read the table by columns. ``Z``, ``A`` and ``D`` have one row per sample,
# ``(7, u_l)``: the forward and the backward pass carry the batch through
# every layer. ``W`` and ``dW`` have the same shape, ``(u_{l-1}, u_l)``: a
# gradient has one entry per weight, whatever the batch size. ``db`` has one
# entry per unit, ``(u_l,)``.
#
# Where the batch dimension goes
# ------------------------------
#
# The gradient of the weights is
#
# .. math::
#
#     dW_l = A_{l-1}^\top D_l + \frac{\alpha}{s} W_l, \qquad
#     (u_{l-1}, n) \times (n, u_l) \to (u_{l-1}, u_l).
#
# The matrix product sums over its inner dimension, which is the batch: entry
# :math:`(j, k)` is :math:`\sum_i a_{ij} d_{ik}`. So :math:`A_{l-1}^\top D_l`
# is the sum over the 7 samples of their own gradients, the outer products
# :math:`a_i d_i^\top`. The objective is a mean over samples, and the mean's
# factor :math:`1/s` (here :math:`s = n = 7`) already sits in the deltas, put
# there once in the output delta. Let us check both forms on the numbers
# (``alpha`` is the default L2 penalty, 1e-4).

n = X_batch.shape[0]
inputs = [X_batch] + [layer["A"] for layer in trace.layers[:-1]]  # A_0 .. A_4
for layer, A_prev in zip(trace.layers, inputs, strict=True):
    D, W, dW = layer["D"], layer["W"], layer["dW"]
    as_product = A_prev.T @ D + (clf.alpha / n) * W
    as_sum_of_outer = sum(
        np.outer(a_i, d_i) for a_i, d_i in zip(A_prev, D, strict=True)
    )
    as_sum_of_outer += (clf.alpha / n) * W
    assert np.allclose(dW, as_product) and np.allclose(dW, as_sum_of_outer)
print("dW_l == A_{l-1}.T @ D_l + (alpha / n) W_l == sum of 7 outer products: ok")

# %%
# Where the bias gradient comes from
# ----------------------------------
#
# The bias :math:`b_l` is added to every row of :math:`Z_l`, so each of the
# :math:`n` samples contributes its delta to it:
# :math:`db_l = \mathbf{1}_n^\top D_l`, the column sums of :math:`D_l`. A bias
# is a weight on a constant input of 1; the code computes it as ``ones @ D``.
# It has no penalty term.

for layer in trace.layers:
    assert np.allclose(layer["db"], layer["D"].sum(axis=0))
print("db_l == D_l summed over the 7 samples: ok")

# %%
# The deltas of hidden layers
# ---------------------------
#
# Going back one layer multiplies by :math:`W_l^\top` and by the derivative
# of the activation, element-wise; for ``tanh``, :math:`f'(Z) = 1 - A^2`, read
# from the activations:
#
# .. math::
#
#     D_{l-1} = (D_l W_l^\top) \odot f'(Z_{l-1}), \qquad
#     (n, u_l) \times (u_l, u_{l-1}) \to (n, u_{l-1}).
#
# The batch dimension stays: each sample's delta depends only on its own
# activations.

for upper, lower in zip(trace.layers[1:], trace.layers[:-1], strict=True):
    expected = (upper["D"] @ upper["W"].T) * (1.0 - lower["A"] ** 2)
    assert np.allclose(lower["D"], expected)
print("D_{l-1} == (D_l @ W_l.T) * (1 - A_{l-1}**2): ok")

# %%
# The output delta is :math:`D_5 = (g(Z_5) - Y) / n`: the predicted
# probability minus the label, divided by the batch size.

output = trace.layers[-1]
assert np.allclose(output["D"], (output["A"] - y_batch[:, None]) / n)
print("D_5 == (g(Z_5) - y) / n: ok")

# %%
# Norms, and a gradient check
# ---------------------------
#
# With ``norms=True`` the table gives each matrix's Frobenius norm after its
# shape: how large the deltas and the gradients are in each layer.

print(trace_batch(clf, X_batch, y_batch, norms=True))

# %%
# :func:`~skbackprop.inspection.check_gradients` compares every gradient with
# central differences of the objective, :math:`(J(\theta + \epsilon e_k) -
# J(\theta - \epsilon e_k)) / 2\epsilon` for each of the 55 parameters. The
# relative errors are of the order of 1e-10 to 1e-9: the size of the finite
# differences' own rounding, not a difference in the gradients. (Over many
# seeds they stay below about 1e-7, apart from arrays whose gradient is
# itself nearly zero; a bug in a backward pass gives errors of order 0.1 to
# 1. See :ref:`the backprop guide <backprop_equations_to_code>`.)

errors = check_gradients(clf, X_batch, y_batch)
for name, error in errors.items():
    print(f"{name:<16} relative error {error:.1e}")
print(f"largest: {max(errors.values()):.1e}")

# %%
# The matrices of the batch
# -------------------------
#
# The top row shows the deltas ``D`` (7 rows, one per sample, in every layer);
# the bottom row the weight gradients ``dW``, shaped like the weights and with
# no sample dimension left.

n_layers = len(trace.layers)
fig, axes = plt.subplots(
    2, n_layers, figsize=(2.2 * n_layers, 5), gridspec_kw={"height_ratios": [7, 5]}
)
for column, layer in enumerate(trace.layers):
    for row, key in enumerate(("D", "dW")):
        matrix = layer[key]
        limit = np.abs(matrix).max()
        ax = axes[row, column]
        ax.imshow(matrix, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
        ax.set_title(f"{key}_{layer['layer']} {matrix.shape}", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
axes[0, 0].set_ylabel("samples")
axes[1, 0].set_ylabel("input units")
fig.suptitle("Deltas keep the batch dimension; weight gradients do not")
fig.tight_layout()
plt.show()
