"""
=======================================
Exporting a trained network to ONNX
=======================================

A trained model can leave Python: :func:`skbackprop.onnx.to_onnx` writes it
as an `ONNX <https://onnx.ai>`_ graph, which runtimes in C++, C#, Java,
JavaScript and others can run without skbackprop, scikit-learn or NumPy.
Here a digit classifier (a pipeline with its scaler) and a regressor are
exported, saved to a file, loaded back in onnxruntime, and their outputs
compared with the estimators' own. This needs the ``[onnx]`` extra
(``pip install -e '.[onnx]'``).
"""

# %%
# Train
# -----
#
# Both models are pipelines that standardise the features first: the scaler
# is exported too, as an ONNX ``Scaler`` node. The classifier's two hidden
# layers have different activations; every activation the estimators accept
# can be exported.

import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import onnxruntime as ort
from sklearn.datasets import load_diabetes, load_digits
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbackprop import MiniBatchMLPClassifier, MiniBatchMLPRegressor
from skbackprop.onnx import to_onnx

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
classifier = make_pipeline(
    StandardScaler(),
    MiniBatchMLPClassifier(
        hidden_layer_sizes=(64, 32),
        activation=["gelu", "tanh"],
        random_state=0,
    ),
).fit(X_train, y_train)
print(f"classifier test accuracy: {classifier.score(X_test, y_test):.3f}")

X_reg, y_reg = load_diabetes(return_X_y=True)
y_reg = (y_reg - y_reg.mean()) / y_reg.std()
regressor = make_pipeline(
    StandardScaler(),
    MiniBatchMLPRegressor(
        hidden_layer_sizes=(32,),
        activation="softplus",
        learning_rate_init=0.01,
        random_state=0,
    ),
).fit(X_reg, y_reg)
print(f"regressor training R^2: {regressor.score(X_reg, y_reg):.3f}")

# %%
# Export and save
# ---------------
#
# The sample passed to ``to_onnx`` gives the number of features and the
# input type: float32 here, what most ONNX runtimes expect. With
# ``zipmap=False`` the classifier's probabilities come out as one
# ``(n_samples, n_classes)`` tensor rather than a list of dicts.

X_test32 = X_test.astype(np.float32)
onnx_classifier = to_onnx(classifier, X_test32, options={"zipmap": False})
onnx_regressor = to_onnx(regressor, X_reg.astype(np.float32))

with tempfile.TemporaryDirectory() as directory:
    path = Path(directory) / "digits_mlp.onnx"
    path.write_bytes(onnx_classifier.SerializeToString())
    print(f"saved {path.name}: {path.stat().st_size / 1024:.0f} KiB")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])

print("inputs: ", [(i.name, i.type, i.shape) for i in session.get_inputs()])
print("outputs:", [(o.name, o.type, o.shape) for o in session.get_outputs()])
print("operators:", " ".join(node.op_type for node in onnx_classifier.graph.node))

# %%
# Run in onnxruntime and compare
# ------------------------------
#
# The graph computes in float32, the estimators in float64, so the outputs
# differ by float32 rounding: far below the 1e-5 that skbackprop's tests
# allow. The labels are the same.

labels, probabilities = session.run(None, {"X": X_test32})
print(f"labels equal to predict: {np.array_equal(labels, classifier.predict(X_test))}")
proba_difference = np.abs(probabilities - classifier.predict_proba(X_test))
print(f"max |p_onnx - p_skbackprop|: {proba_difference.max():.1e}")

regression_session = ort.InferenceSession(
    onnx_regressor.SerializeToString(), providers=["CPUExecutionProvider"]
)
(values,) = regression_session.run(None, {"X": X_reg.astype(np.float32)})
value_difference = np.abs(values.ravel() - regressor.predict(X_reg))
print(f"max |y_onnx - y_skbackprop|: {value_difference.max():.1e}")

# %%
# A float64 graph
# ---------------
#
# Given a float64 sample, ``to_onnx`` builds a graph that takes and computes
# in float64: its outputs then match to float64 rounding.

onnx_regressor64 = to_onnx(regressor, X_reg)
session64 = ort.InferenceSession(
    onnx_regressor64.SerializeToString(), providers=["CPUExecutionProvider"]
)
(values64,) = session64.run(None, {"X": X_reg})
value_difference64 = np.abs(values64.ravel() - regressor.predict(X_reg))
print(f"max |y_onnx64 - y_skbackprop|: {value_difference64.max():.1e}")

# %%
# The differences, output by output; exact agreement (a difference of 0) is
# counted in the leftmost bin.

fig, ax = plt.subplots(figsize=(7, 3.5))
floor = 1e-18
for difference, label in [
    (proba_difference.ravel(), "classifier probabilities, float32 graph"),
    (value_difference, "regressor values, float32 graph"),
    (value_difference64, "regressor values, float64 graph"),
]:
    ax.hist(
        np.log10(np.maximum(difference, floor)),
        bins=np.arange(-18, -4, 0.25),
        alpha=0.6,
        label=label,
    )
ax.axvline(-5, color="black", linestyle="--", label="tolerance of the tests")
ax.set_xlabel("log10 |ONNX output - skbackprop output|")
ax.set_ylabel("count")
ax.legend(fontsize="small")
fig.tight_layout()
plt.show()
