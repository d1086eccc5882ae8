"""
===========================================
Choosing the L2 penalty ``alpha`` on a grid
===========================================

``alpha`` is the strength of the L2 penalty on the weights: each batch's
objective adds :math:`\\frac{\\alpha}{2} \\sum_l \\lVert W_l \\rVert^2`, divided
by the batch size like the loss. Too small, and a network large enough for
the data learns its noise; too large, and the weights are held so close to 0
that it cannot fit the signal. The right value depends on the data, the
network and the batch size, so it is chosen on held-out data, over a grid
that spans several orders of magnitude.

This example trains a :class:`~skbackprop.MiniBatchMLPClassifier` with 64
hidden units on 300 samples of a synthetic problem with 40 features, of
which only 5 are informative and 5 are combinations of those: plenty of room
to overfit. It runs in a few seconds.
"""

# %%
# Scores over a grid of alpha
# ---------------------------
#
# ``validation_curve`` fits the pipeline for every value of ``alpha`` on each
# of three cross-validation folds and scores it on the training part and on
# the held-out part. The grid is logarithmic, from 1e-5 to 100: what matters
# is the order of magnitude.

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification
from sklearn.model_selection import validation_curve
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbackprop import MiniBatchMLPClassifier

X, y = make_classification(
    n_samples=300,
    n_features=40,
    n_informative=5,
    n_redundant=5,
    flip_y=0.05,
    random_state=0,
)
alphas = np.logspace(-5, 2, 8)
model = make_pipeline(
    StandardScaler(),
    MiniBatchMLPClassifier(
        hidden_layer_sizes=(64,), learning_rate_init=0.01, max_iter=300, random_state=0
    ),
)
train_scores, test_scores = validation_curve(
    model,
    X,
    y,
    param_name="minibatchmlpclassifier__alpha",
    param_range=alphas,
    cv=3,
)
best = alphas[test_scores.mean(axis=1).argmax()]
for alpha, train, test in zip(alphas, train_scores, test_scores, strict=True):
    print(
        f"alpha={alpha:<8g} training accuracy {train.mean():.3f}   "
        f"held-out accuracy {test.mean():.3f} +- {test.std():.3f}"
    )
print(f"best alpha on the held-out folds: {best:g}")

# %%
# How large the weights stay
# --------------------------
#
# The penalty works by shrinking the weights. Fitted on all the data, the
# norm of the weights falls as ``alpha`` grows, slowly at first and then by
# orders of magnitude.

weight_norms = []
for alpha in alphas:
    model.set_params(minibatchmlpclassifier__alpha=alpha).fit(X, y)
    coefs = model[-1].coefs_
    weight_norms.append(np.sqrt(sum((W**2).sum() for W in coefs)))

fig, (ax_score, ax_norm) = plt.subplots(1, 2, figsize=(9, 3.8))
curves = [(train_scores, "training folds"), (test_scores, "held-out folds")]
for scores, label in curves:
    mean, std = scores.mean(axis=1), scores.std(axis=1)
    ax_score.plot(alphas, mean, marker="o", label=label)
    ax_score.fill_between(alphas, mean - std, mean + std, alpha=0.2)
ax_score.axvline(best, color="grey", linestyle=":", label=f"best: alpha={best:g}")
ax_score.set_xscale("log")
ax_score.set_xlabel("alpha")
ax_score.set_ylabel("accuracy")
ax_score.legend(loc="lower left")
ax_norm.plot(alphas, weight_norms, marker="o")
ax_norm.set_xscale("log")
ax_norm.set_yscale("log")
ax_norm.set_xlabel("alpha")
ax_norm.set_ylabel("norm of all the weights")
fig.suptitle("alpha from 1e-5 to 100: overfitting, then underfitting")
fig.tight_layout()
plt.show()

# %%
# Reading the curves
# ------------------
#
# On the left, up to about ``alpha=1e-2`` the network fits its training folds
# perfectly and the held-out accuracy is flat: the penalty is too weak to
# matter. Larger values shrink the weights (right) and the held-out accuracy
# rises, up to a best value, after which the penalty stops the network from
# fitting even its training folds and both scores fall.
#
# Three practical points:
#
# - Search ``alpha`` on a logarithmic grid, from about 1e-5 to 1e2, then
#   refine around the best value if it matters. scikit-learn's default,
#   1e-4, is on the weak side for small data sets and large networks.
# - The penalty is divided by the batch size in each batch's objective, as in
#   scikit-learn, so the same ``alpha`` regularises more with smaller batches.
#   Here the batches hold all 200 training rows of a fold (``batch_size``
#   ``'auto'`` is 200). Tune ``alpha`` with the batch size you will train
#   with, and again if you change it by a large factor.
# - The differences between neighbouring values are often within the spread
#   over folds (the shaded bands): prefer the larger of two equally good
#   values, which gives the smaller weights.
