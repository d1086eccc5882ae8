"""
===================================
Beyond scikit-learn's MLP, measured
===================================

Four things scikit-learn's ``MLPClassifier`` and ``MLPRegressor`` cannot do,
each on data where it makes a measurable difference:

- ``class_weight='balanced'`` on an imbalanced problem, which trades some
  precision for the recall of the rare class;
- ``loss='quantile'``, three regressors whose predictions bound a band that
  holds the requested share of new data;
- ``dropout`` on a small set with noisy labels, watched epoch by epoch on a
  validation set of our own (``X_val``, ``y_val``) with
  :class:`~skbackprop.plotting.LossCurveDisplay`;
- one activation per hidden layer, from ten.

Every default keeps scikit-learn's behaviour; each feature is one parameter
away. The user guide page :doc:`/user_guide/beyond_sklearn` gives the exact
rules.
"""

# %%
# Class weights on an imbalanced problem
# --------------------------------------
#
# 5% of the samples are of class 1, and the classes overlap. A model that
# minimises the plain cross-entropy gains little by getting the rare class
# right, and predicts it rarely. ``class_weight='balanced'`` weighs every
# sample of class :math:`c` by :math:`n / (k \cdot n_c)` (here about 0.53
# for the majority and 10 for the minority), so both classes count as much
# in the loss.

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import (
    ConfusionMatrixDisplay,
    balanced_accuracy_score,
    precision_score,
    recall_score,
)
from sklearn.model_selection import train_test_split

from skbackprop import MiniBatchMLPClassifier, MiniBatchMLPRegressor
from skbackprop.core.activations import ACTIVATIONS, get_activation
from skbackprop.plotting import LossCurveDisplay

X, y = make_classification(
    n_samples=2000,
    n_features=6,
    n_informative=4,
    weights=[0.95, 0.05],
    class_sep=0.6,
    flip_y=0.0,
    random_state=0,
)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.5, stratify=y, random_state=0
)
print(f"class counts in the training set: {np.bincount(y_train).tolist()}")

fig, axes = plt.subplots(1, 2, figsize=(9, 4), layout="constrained")
for ax, class_weight in zip(axes, [None, "balanced"], strict=True):
    clf = MiniBatchMLPClassifier(
        hidden_layer_sizes=(16,),
        learning_rate_init=0.01,
        max_iter=500,
        class_weight=class_weight,
        random_state=0,
    ).fit(X_train, y_train)
    y_pred = clf.predict(X_test)
    print(
        f"class_weight={class_weight!s:9}  "
        f"minority recall {recall_score(y_test, y_pred):.2f}  "
        f"minority precision {precision_score(y_test, y_pred):.2f}  "
        f"balanced accuracy {balanced_accuracy_score(y_test, y_pred):.3f}"
    )
    ConfusionMatrixDisplay.from_predictions(y_test, y_pred, ax=ax, colorbar=False)
    ax.set_title(f"class_weight={class_weight!r}")
plt.show()

# %%
# Without weights the model finds fewer than half of the minority samples of
# the test set; balanced, it finds most of them, at the price of many more
# false alarms (lower precision). Which trade is right depends on what a miss
# costs: a dict such as ``class_weight={0: 1, 1: 5}`` sets it directly.

# %%
# Prediction bands with the pinball loss
# --------------------------------------
#
# ``loss='quantile'`` with ``quantile=q`` fits the conditional
# :math:`q`-quantile: a fraction :math:`q` of the targets should fall below
# the prediction. Three regressors, for 0.1, 0.5 and 0.9, give a median and
# a band that should hold 80% of new data. The noise grows from left to
# right, and so should the band.

rng = np.random.RandomState(0)
x = rng.uniform(-3, 3, 2000)
noise_scale = 0.1 + 0.25 * (x + 3)
y = np.sin(1.5 * x) + noise_scale * rng.standard_normal(x.size)
X_train, X_test, y_train, y_test = train_test_split(
    x.reshape(-1, 1), y, test_size=0.5, random_state=0
)

predictions = {}
for q in [0.1, 0.5, 0.9]:
    reg = MiniBatchMLPRegressor(
        loss="quantile",
        quantile=q,
        hidden_layer_sizes=(32, 32),
        learning_rate_init=0.01,
        random_state=0,
    ).fit(X_train, y_train)
    predictions[q] = reg.predict(X_test)
    below = np.mean(y_test <= predictions[q])
    print(f"quantile {q}: share of held-out targets below the prediction {below:.3f}")
inside = np.mean((predictions[0.1] <= y_test) & (y_test <= predictions[0.9]))
print(f"share of held-out targets inside the 0.1-0.9 band: {inside:.3f} (aim: 0.8)")

order = np.argsort(X_test[:, 0])
x_sorted = X_test[order, 0]
fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
ax.scatter(X_test[:, 0], y_test, s=4, alpha=0.3, color="gray", label="held-out data")
ax.fill_between(
    x_sorted,
    predictions[0.1][order],
    predictions[0.9][order],
    alpha=0.3,
    label="0.1 to 0.9 quantiles",
)
ax.plot(x_sorted, predictions[0.5][order], label="median (0.5 quantile)")
ax.set_xlabel("x")
ax.set_ylabel("y")
ax.legend(loc="lower left")
plt.show()

# %%
# The coverage is measured on data none of the three models saw. Each
# quantile is fitted on its own, so nothing forces the curves to stay in
# order; on well-behaved data like this they do. ``loss='absolute_error'``
# is the 0.5 quantile up to a factor 2, and ``loss='huber'`` (squared near
# 0, linear beyond ``huber_delta``) a compromise between the mean and the
# median that resists outliers.

# %%
# Dropout on a small, noisy training set
# --------------------------------------
#
# 300 digit images to train on, a fifth of them with a random label; the
# other 1497 images, with their true labels, are the validation set, passed
# to ``fit`` as ``X_val, y_val``. A validation set of one's own turns on the
# validation-based stopping of ``early_stopping``: after every epoch the
# model records its validation loss and score (accuracy, unless ``scoring``
# says otherwise), and the weights of the best-scoring epoch are the ones
# kept. ``n_iter_no_change=np.inf`` keeps it from stopping, so that all 100
# epochs are recorded (hence the ConvergenceWarning, silenced here).

X, y = load_digits(return_X_y=True)
X = X / 16.0  # pixels in [0, 1]
X_train, X_val, y_train, y_val = train_test_split(
    X, y, train_size=300, stratify=y, random_state=0
)
noisy = rng.rand(y_train.size) < 0.2
y_train = np.where(noisy, rng.randint(0, 10, y_train.size), y_train)

fig, axes = plt.subplots(1, 2, figsize=(10, 4.5), sharey=True, layout="constrained")
for ax, rate, color in zip(axes, [0.0, 0.5], ["C0", "C1"], strict=True):
    clf = MiniBatchMLPClassifier(
        hidden_layer_sizes=(256, 256),
        dropout=rate,
        batch_size=32,
        learning_rate_init=0.002,
        max_iter=100,
        n_iter_no_change=np.inf,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_train, y_train, X_val=X_val, y_val=y_val)
    curve = np.array(clf.validation_loss_curve_)
    print(
        f"dropout={rate}: validation loss lowest {curve.min():.3f} "
        f"(epoch {curve.argmin() + 1}), after the last epoch {curve[-1]:.3f}; "
        f"best validation accuracy {clf.best_validation_score_:.3f}"
    )
    display = LossCurveDisplay.from_estimator(
        clf,
        ax=ax,
        name=f"dropout={rate}",
        score_name="validation accuracy",
        line_kw={"color": color},
    )
    display.score_ax_.set_ylim(0.5, 1.0)
ax.set_ylim(0, 2.5)
plt.show()

# %%
# Without dropout (left) the training loss falls to nearly 0: the network
# learns the random labels too, and the validation loss turns up after a
# dozen epochs. With ``dropout=0.5`` (right) half the hidden units of each
# sample are switched off at every step, so no unit can rely on another to
# memorise a sample: the validation loss goes lower, later, and rises more
# slowly. The training loss of the dropout model is measured on the thinned
# networks it trains, so it is usually higher than the loss of the full
# network it predicts with. ``scoring='loss'`` (or any scorer name, or a
# callable) would choose the kept epoch by another criterion than accuracy.

# %%
# One activation per hidden layer
# -------------------------------
#
# ``activation`` takes a name for every hidden layer or a list with one per
# layer, chosen from ten:

z = np.linspace(-4, 3, 300)
fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
for name, activation in ((name, get_activation(name)) for name in ACTIVATIONS):
    ax.plot(z, activation.forward(z.copy()), label=name)
ax.set_ylim(-2, 3)
ax.set_xlabel("z")
ax.set_ylabel("f(z)")
ax.legend(ncol=2)
plt.show()

# %%
# A list gives each layer its own; ``hidden_activations_`` records what was
# used. ``weight_init`` can follow the activation: He's variance
# :math:`2 / m` for ReLU-like units, LeCun's :math:`1 / m` for SELU
# (:math:`m` the fan-in).

X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)
for activation, weight_init in [
    ("relu", "glorot_uniform"),
    (["gelu", "tanh"], "glorot_uniform"),
    ("selu", "lecun_normal"),
    (["relu", "leaky_relu"], "he_normal"),
]:
    clf = MiniBatchMLPClassifier(
        hidden_layer_sizes=(64, 32),
        activation=activation,
        weight_init=weight_init,
        learning_rate_init=0.005,
        random_state=0,
    ).fit(X_train, y_train)
    print(
        f"{clf.hidden_activations_!s:22} {weight_init:15} "
        f"test accuracy {clf.score(X_test, y_test):.3f} ({clf.n_iter_} epochs)"
    )

# %%
# On digits they all do well; the point is that the choice is yours, layer
# by layer, with the backward pass handled for each (see
# :ref:`the activation table <backprop_activations>`).
