"""
=============================================
Streaming with partial_fit, and a grid search
=============================================

Two ways skbackprop's estimators fit into scikit-learn code, on the digits
dataset (8x8 images of handwritten digits, 10 classes):

- **streaming**: the training data arrive in chunks, and ``partial_fit``
  learns from each chunk as it comes (one epoch over the chunk, in
  mini-batches), with the held-out accuracy measured after every chunk;
- **search**: a ``Pipeline`` of ``StandardScaler`` and
  :class:`~skbackprop.MiniBatchMLPClassifier` tuned by ``GridSearchCV``, like
  any scikit-learn estimator.
"""

# %%
# Streaming: one chunk at a time
# ------------------------------
#
# A stream cannot be standardised with statistics of data not yet seen, so
# the pixels are scaled by their known range (0 to 16) instead. The first
# call to ``partial_fit`` must name every class the stream can contain
# (``classes=``): the output layer needs its 10 units before the first chunk,
# which may not hold every digit.

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skbackprop import MiniBatchMLPClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
classes = np.unique(y)
chunks = np.array_split(np.arange(len(X_train)), 20)  # 20 chunks of ~67 images

stream_model = MiniBatchMLPClassifier(
    hidden_layer_sizes=(64,),
    batch_size=16,  # each chunk is cut into mini-batches of 16
    learning_rate_init=0.01,
    random_state=0,
)
accuracy_after_chunk = []
for k, chunk in enumerate(chunks):
    stream_model.partial_fit(
        X_train[chunk] / 16.0,
        y_train[chunk],
        classes=classes if k == 0 else None,
    )
    accuracy_after_chunk.append(stream_model.score(X_test / 16.0, y_test))

print(f"chunks seen (n_iter_): {stream_model.n_iter_}")
print(f"samples seen (t_):     {stream_model.t_}")
for k in (0, 4, 9, 19):
    print(f"held-out accuracy after chunk {k + 1:2d}: {accuracy_after_chunk[k]:.3f}")

# %%
# For comparison, ``fit`` on the whole training set at once, with the same
# settings, runs up to 200 epochs over all of it; the stream saw each image
# once. The optimizer's state (Adam's moments and step count) and the random
# state are carried from one ``partial_fit`` call to the next, so a stream
# can be pickled between two chunks and resumed exactly.

full_model = MiniBatchMLPClassifier(
    hidden_layer_sizes=(64,), batch_size=16, learning_rate_init=0.01, random_state=0
).fit(X_train / 16.0, y_train)
full_accuracy = full_model.score(X_test / 16.0, y_test)
print(
    f"held-out accuracy of fit (all data, {full_model.n_iter_} epochs): "
    f"{full_accuracy:.3f}"
)

fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(np.arange(1, len(chunks) + 1), accuracy_after_chunk, marker="o")
ax.axhline(
    full_accuracy, color="grey", linestyle="--", label="fit on all the training data"
)
ax.set_xticks(np.arange(1, len(chunks) + 1, 2))
ax.set_xlabel("chunks seen")
ax.set_ylabel("held-out accuracy")
ax.set_title("partial_fit on a stream of 20 chunks")
ax.legend(loc="lower right")
fig.tight_layout()
plt.show()

# %%
# Search: a pipeline in GridSearchCV
# ----------------------------------
#
# The estimator clones, sets parameters and scores as scikit-learn expects,
# so it can sit in a ``Pipeline`` and be tuned by ``GridSearchCV``. The grid
# is small (3 penalties ``alpha`` times 2 hidden layer sizes, 3 folds: 18
# fits, then one refit on all the training data) and each fit is capped at 20
# epochs to keep the example fast. The capped fits stop before the stopping
# rule is met and would each warn with a ``ConvergenceWarning``; a short
# budget is a choice here, not a problem, so the warning is silenced.

pipeline = Pipeline(
    [
        ("scale", StandardScaler()),
        (
            "mlp",
            MiniBatchMLPClassifier(
                batch_size=64, learning_rate_init=0.01, max_iter=20, random_state=0
            ),
        ),
    ]
)
param_grid = {
    "mlp__alpha": [1e-4, 1e-2, 1.0],
    "mlp__hidden_layer_sizes": [(16,), (64,)],
}
search = GridSearchCV(pipeline, param_grid, cv=3, n_jobs=1)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    search.fit(X_train, y_train)

results = search.cv_results_
print(f"{'alpha':>8} {'hidden':>8} {'mean CV accuracy':>17}")
for params, score in zip(results["params"], results["mean_test_score"], strict=True):
    hidden = str(params["mlp__hidden_layer_sizes"])
    print(f"{params['mlp__alpha']:>8g} {hidden:>8} {score:>17.3f}")
print(f"best parameters: {search.best_params_}")
print(f"best mean CV accuracy: {search.best_score_:.3f}")
test_accuracy = search.score(X_test, y_test)
print(f"held-out accuracy of the refitted best pipeline: {test_accuracy:.3f}")
