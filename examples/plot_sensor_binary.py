"""
====================================
Fault detection from sensor readings
====================================

A binary classifier on generated machine-sensor data: temperature, vibration,
pressure and motor current, with a fault label. A small network (one hidden
layer of 16 ReLU units) is trained by SGD with momentum on mini-batches of 32
readings, and its loss is followed epoch by epoch.

With two classes the output is a single logistic unit and the loss is the
binary cross-entropy (``out_activation_ == 'logistic'``); the data are
standardised first, in a pipeline, as gradient descent needs.
"""

# %%
# Generated sensor data
# ---------------------
#
# A fault is likely when the machine runs hot *and* vibrates hard (an
# interaction: either alone is harmless), or when the pressure leaves its band
# of 4 to 6 bar. The label is drawn from that probability, so some readings
# are mislabelled and no model can be perfect. The current follows the
# temperature and carries no information of its own.

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbackprop import MiniBatchMLPClassifier

rng = np.random.RandomState(42)
n = 2000
temperature = rng.normal(60.0, 8.0, n)  # degrees C
vibration = rng.lognormal(np.log(2.0), 0.4, n)  # mm/s RMS
pressure = rng.normal(5.0, 0.6, n)  # bar
current = 10.0 + 0.08 * (temperature - 60.0) + rng.normal(0.0, 0.5, n)  # A

# How far above normal the temperature and the (log-)vibration are, in
# standard deviations; 0 when at or below normal.
hot = np.maximum((temperature - 60.0) / 8.0, 0.0)
shaking = np.maximum(np.log(vibration / 2.0) / 0.4, 0.0)
out_of_band = np.abs(pressure - 5.0) > 1.0
risk = 3.0 * hot * shaking + 3.0 * out_of_band - 1.0
fault = (rng.uniform(size=n) < 1.0 / (1.0 + np.exp(-3.0 * risk))).astype(int)

X = np.column_stack([temperature, vibration, pressure, current])
X_train, X_test, y_train, y_test = train_test_split(
    X, fault, test_size=0.25, stratify=fault, random_state=0
)
print(f"{n} readings, {fault.mean():.1%} faulty")

# %%
# Training on mini-batches
# ------------------------
#
# ``batch_size=32`` makes 47 gradient steps per epoch over the 1500 training
# readings. Training stops when the epoch loss has not improved by ``tol``
# for ``n_iter_no_change`` (10) epochs in a row.

model = make_pipeline(
    StandardScaler(),
    MiniBatchMLPClassifier(
        hidden_layer_sizes=(16,),
        solver="sgd",
        batch_size=32,
        learning_rate_init=0.05,
        momentum=0.9,
        max_iter=200,
        random_state=0,
    ),
)
model.fit(X_train, y_train)
mlp = model[-1]

print(f"output: {mlp.out_activation_}, {mlp.n_outputs_} unit")
print(f"epochs: {mlp.n_iter_}, samples seen (t_): {mlp.t_}")
print(f"loss of the first epoch: {mlp.loss_curve_[0]:.4f}")
print(f"loss of the last epoch:  {mlp.loss_curve_[-1]:.4f}")

# %%
# Test accuracy, against two baselines
# ------------------------------------
#
# Always answering "no fault" is right as often as there are healthy
# readings. A logistic regression sees each sensor separately and cannot
# represent the hot-and-shaking interaction; the hidden layer can.

majority = max(y_test.mean(), 1 - y_test.mean())
linear = make_pipeline(StandardScaler(), LogisticRegression()).fit(X_train, y_train)
print(f"test accuracy, always 'no fault':    {majority:.3f}")
print(f"test accuracy, logistic regression:  {linear.score(X_test, y_test):.3f}")
print(f"test accuracy, MLP (16 hidden units): {model.score(X_test, y_test):.3f}")

# %%
# The data and the loss curve
# ---------------------------
#
# Left, faults in the temperature-vibration plane (readings with the pressure
# in band only): they fill the hot-and-shaking corner. Right, ``loss_curve_``:
# one value per epoch, the mean over the epoch's mini-batches of their
# objective (cross-entropy plus the small L2 penalty), each measured before its
# step. The curve is not smooth, since every step follows the gradient of 32
# readings rather than of all of them.

fig, (ax_data, ax_loss) = plt.subplots(1, 2, figsize=(10, 4))
in_band = ~out_of_band
for label, color, name in ((0, "tab:blue", "healthy"), (1, "tab:red", "fault")):
    mask = in_band & (fault == label)
    ax_data.scatter(
        temperature[mask], vibration[mask], s=6, color=color, alpha=0.5, label=name
    )
ax_data.set_xlabel("temperature (C)")
ax_data.set_ylabel("vibration (mm/s)")
ax_data.set_yscale("log")
ax_data.set_title("Pressure in band")
ax_data.legend()

ax_loss.plot(np.arange(1, mlp.n_iter_ + 1), mlp.loss_curve_, marker=".")
ax_loss.set_xlabel("epoch")
ax_loss.set_ylabel("loss_curve_ (binary cross-entropy)")
ax_loss.set_title("Loss per epoch, mini-batches of 32")
fig.tight_layout()
plt.show()
