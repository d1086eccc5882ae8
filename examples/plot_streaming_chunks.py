"""
=====================================================
Learning from a file read in chunks, and with river
=====================================================

When the training data do not fit in memory, or arrive over time, a model
can learn from them piece by piece: ``partial_fit`` runs one epoch of
mini-batch training over each chunk it is given and keeps the optimizer's
state between calls. This example

- writes a synthetic dataset of 56,000 rows to a CSV file, reads it back
  with ``pandas.read_csv(chunksize=...)`` and trains
  :class:`~skbackprop.MiniBatchMLPClassifier` one chunk at a time, with the
  held-out accuracy after every chunk;
- measures with :mod:`tracemalloc` the memory held after each chunk, to show
  it does not grow with the stream;
- hands the same estimator to `river <https://riverml.xyz>`_, which feeds it
  one row at a time, and scores it by progressive validation.
"""

# %%
# A stream on disk
# ----------------
#
# :func:`~sklearn.datasets.make_classification` makes 61,000 rows of 20
# features in 4 classes; the first 5,000 are kept in memory as a held-out
# set, the other 56,000 go to a CSV file in a temporary directory, as a
# stand-in for a file too large to load at once. Its features are already
# centred and of unit scale, so no scaler is needed (a real stream would
# scale with statistics known in advance, or with running ones).

import gc
import tempfile
import tracemalloc
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.datasets import make_classification

import skbackprop
from skbackprop import MiniBatchMLPClassifier

X, y = make_classification(
    n_samples=61_000,
    n_features=20,
    n_informative=12,
    n_redundant=4,
    n_classes=4,
    flip_y=0.01,
    random_state=0,
)
X_test, y_test = X[:5_000], y[:5_000]
classes = np.unique(y)

workdir = tempfile.TemporaryDirectory()
csv_path = Path(workdir.name) / "stream.csv"
frame = pd.DataFrame(X[5_000:], columns=[f"x{i}" for i in range(X.shape[1])])
frame["label"] = y[5_000:]
frame.to_csv(csv_path, index=False, float_format="%.6g")
del X, y, frame  # from here on, the training rows exist only in the file
print(f"training rows written to CSV: {csv_path.stat().st_size / 2**20:.1f} MiB")

# %%
# One chunk at a time
# -------------------
#
# ``read_csv`` with ``chunksize=2000`` returns an iterator of data frames of
# 2,000 rows. Each one is converted to NumPy arrays, given to
# ``partial_fit``, and dropped. The first call names every class
# (``classes=``): the output layer needs its 4 units before the first
# chunk, which might not hold them all. ``batch_size="auto"`` cuts each
# chunk into mini-batches of 200 rows (or the whole chunk, if it is
# smaller), so a short last chunk needs no special case.
#
# :mod:`tracemalloc` traces the memory allocated through Python and NumPy.
# After every chunk (and a garbage collection, so that only what is still
# referenced counts) it gives two numbers: everything traced, which includes
# the CSV reader's buffers, and the part allocated by skbackprop's own code:
# the network's weights, the optimizer's state, the training buffers and the
# fitted attributes.

model = MiniBatchMLPClassifier(
    hidden_layer_sizes=(64,), learning_rate_init=0.01, random_state=0
)
package_files = str(Path(skbackprop.__file__).parent / "*")
skbackprop_code = [tracemalloc.Filter(True, package_files)]
rows_seen, accuracy, traced_kib, model_kib = [], [], [], []
n_rows = 0
tracemalloc.start()
with pd.read_csv(csv_path, chunksize=2_000) as reader:
    for k, chunk in enumerate(reader):
        X_chunk = chunk.drop(columns="label").to_numpy()
        y_chunk = chunk["label"].to_numpy()
        model.partial_fit(X_chunk, y_chunk, classes=classes if k == 0 else None)
        n_rows += len(y_chunk)
        del chunk, X_chunk, y_chunk
        rows_seen.append(n_rows)
        accuracy.append(model.score(X_test, y_test))
        gc.collect()
        traced_kib.append(tracemalloc.get_traced_memory()[0] / 1024)
        held = tracemalloc.take_snapshot().filter_traces(skbackprop_code)
        model_kib.append(sum(stat.size for stat in held.statistics("filename")) / 1024)
tracemalloc.stop()
workdir.cleanup()

print(f"chunks (partial_fit calls, n_iter_): {model.n_iter_}")
print(f"rows seen (t_): {model.t_}")
for k in (0, 4, 9, len(accuracy) - 1):
    print(f"held-out accuracy after {rows_seen[k]:6d} rows: {accuracy[k]:.3f}")
print(f"one chunk of float64 features: {2_000 * 20 * 8 / 1024:.0f} KiB")
growth = (model_kib[-1] - model_kib[0]) * 1024
print(
    f"allocated by skbackprop: {model_kib[0]:.1f} KiB after chunk 1, "
    f"{model_kib[-1]:.1f} KiB after chunk {len(model_kib)}: "
    f"{growth / (len(model_kib) - 1):+.0f} bytes per chunk"
)
print(
    f"everything traced: {min(traced_kib):.0f} to {max(traced_kib):.0f} KiB "
    f"(after chunk 1: {traced_kib[0]:.0f} KiB)"
)

# %%
# The accuracy rises with the rows seen, each row seen once. The memory held
# between chunks is flat, whatever the length of the file: a chunk's arrays
# are freed when it is dropped, the mini-batch buffers of the training loop
# are reused from one call to the next, and the network and the optimizer's
# state have a fixed size. What skbackprop keeps per chunk is the chunk's
# value in ``loss_curve_``: one float, and its place in the list (32 bytes).
# Everything traced also counts the CSV reader's buffers (freed once it
# reaches the end of the file, hence the drop after the last chunk) and a
# few hundred bytes per chunk kept by the libraries around the model and by
# this example's own lists of measurements.

fig, (ax_acc, ax_mem) = plt.subplots(1, 2, figsize=(10, 4))
ax_acc.plot(rows_seen, accuracy, marker=".")
ax_acc.set_xlabel("training rows seen")
ax_acc.set_ylabel("held-out accuracy")
ax_acc.set_title("accuracy as the stream goes")
ax_mem.plot(rows_seen, traced_kib, marker=".", label="everything traced")
ax_mem.plot(rows_seen, model_kib, marker=".", label="allocated by skbackprop")
ax_mem.set_ylim(0, max(traced_kib) * 1.3)
ax_mem.set_xlabel("training rows seen")
ax_mem.set_ylabel("memory held after the chunk (KiB)")
ax_mem.set_title("memory between chunks")
ax_mem.legend(loc="lower right")
fig.tight_layout()
plt.show()

# %%
# One row at a time, with river
# -----------------------------
#
# `river <https://riverml.xyz>`_ learns from streams one sample at a time,
# and wraps any scikit-learn estimator that has ``partial_fit`` with
# ``river.compat.convert_sklearn_to_river``: each ``learn_one(x, y)`` becomes
# a one-row ``partial_fit`` call (with ``classes=`` every time), each
# ``predict_one`` a one-row ``predict``. One-row calls are the worst case
# for per-call overhead; after the first call skbackprop checks such a row
# in a few microseconds instead of running scikit-learn's full input
# validation.
#
# Progressive validation scores each sample *before* learning from it, so
# every prediction is on data the model has not seen. The stream is the
# breast cancer dataset (569 samples, 30 features, 2 classes), standardised
# by river's running ``StandardScaler``; the baseline predicts the most
# frequent class so far.

from river import compat, dummy, evaluate, metrics, preprocessing, stream
from sklearn.datasets import load_breast_cancer

X_bc, y_bc = load_breast_cancer(return_X_y=True)
order = np.random.RandomState(0).permutation(len(X_bc))
X_bc, y_bc = X_bc[order], y_bc[order]

river_model = preprocessing.StandardScaler() | compat.convert_sklearn_to_river(
    MiniBatchMLPClassifier(
        hidden_layer_sizes=(16,), learning_rate_init=0.01, random_state=0
    ),
    classes=[0, 1],  # in the sorted order of classes_: see the note below
)


def progressive_accuracy(candidate):
    """Progressive accuracy every 10 samples: (samples seen, accuracies)."""
    steps, scores = [], []
    for point in evaluate.iter_progressive_val_score(
        stream.iter_array(X_bc, y_bc), candidate, metrics.Accuracy(), step=10
    ):
        steps.append(point["Step"])
        scores.append(point["Accuracy"].get())  # the metric object is updated
    return steps, scores


steps, mlp_scores = progressive_accuracy(river_model)
_, prior_scores = progressive_accuracy(dummy.PriorClassifier())
print(f"progressive accuracy over {steps[-1]} samples")
print(f"  MiniBatchMLPClassifier in river: {mlp_scores[-1]:.3f}")
print(f"  most frequent class so far:      {prior_scores[-1]:.3f}")

fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(steps, mlp_scores, label="MiniBatchMLPClassifier (river)")
ax.plot(steps, prior_scores, color="grey", linestyle="--", label="most frequent class")
ax.set_ylim(0.3, 1.0)
ax.set_xlabel("samples seen")
ax.set_ylabel("progressive accuracy")
ax.set_title("progressive validation on breast cancer")
ax.legend(loc="lower right")
fig.tight_layout()
plt.show()

# %%
# ``predict_proba_one`` maps column ``i`` of ``predict_proba`` to
# ``classes[i]`` of the wrapper, while the estimator orders its columns by
# ``classes_``, which is sorted: give river the classes in sorted order.
# ``river_model.steps`` holds the pipeline's two steps; the second one's
# ``estimator`` is the fitted :class:`~skbackprop.MiniBatchMLPClassifier`.
# The probabilities below are for the first three samples of the stream,
# which the model has learnt from.

wrapped = list(river_model.steps.values())[-1].estimator
print(f"classes_: {wrapped.classes_}, rows learnt (t_): {wrapped.t_}")
for i in range(3):
    proba = river_model.predict_proba_one(dict(enumerate(X_bc[i])))
    rounded = {label: round(p, 3) for label, p in proba.items()}
    print(f"sample {i} (label {y_bc[i]}): predict_proba_one = {rounded}")
