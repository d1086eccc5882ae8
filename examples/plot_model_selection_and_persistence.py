"""
=========================================
Tuning a pipeline, then saving it safely
=========================================

A :class:`~skbackprop.MiniBatchMLPClassifier` is tuned inside a scikit-learn
``Pipeline`` by ``GridSearchCV``, on the breast cancer dataset (569 tumours,
30 measurements, benign or malignant). The best pipeline is then saved with
`skops <https://skops.readthedocs.io>`_ and loaded back: unlike ``pickle``,
loading a skops file runs no code from the file, and refuses any type the
caller has not trusted. :func:`skbackprop.persistence.skops_trusted_types`
names the types of skbackprop that a fitted estimator holds, so that they
can be trusted knowingly.
"""

# %%
# A grid over the network and its penalty
# ---------------------------------------
#
# The scaler and the network form one estimator, so each cross-validation
# fold standardises with the statistics of its own training part only. The
# grid crosses two hidden activations, two layer sizes and three penalties
# ``alpha``: 12 candidates, 3 folds each. Their parameters are named through
# the pipeline, ``mlp__<parameter>``, as for any scikit-learn estimator.
# Each fit is capped at 50 epochs to keep the example fast; the capped fits
# would warn with a ``ConvergenceWarning``, silenced here. With ``n_jobs=2``
# the same search would train the pipelines in two worker processes, with
# the same results.

import tempfile
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import skops.io as sio
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skbackprop import MiniBatchMLPClassifier
from skbackprop.persistence import skops_trusted_types

X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

pipeline = Pipeline(
    [
        ("scale", StandardScaler()),
        (
            "mlp",
            MiniBatchMLPClassifier(
                batch_size=32, learning_rate_init=0.01, max_iter=50, random_state=0
            ),
        ),
    ]
)
param_grid = {
    "mlp__activation": ["relu", "tanh"],
    "mlp__hidden_layer_sizes": [(4,), (32,)],
    "mlp__alpha": [1e-4, 1e-1, 10.0],
}
search = GridSearchCV(pipeline, param_grid, cv=3, n_jobs=1)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    search.fit(X_train, y_train)

print(f"candidates: {len(search.cv_results_['params'])}")
print(f"best parameters: {search.best_params_}")
print(f"best mean CV accuracy: {search.best_score_:.3f}")
print(
    f"held-out accuracy of the refitted best pipeline: "
    f"{search.score(X_test, y_test):.3f}"
)

# %%
# Mean cross-validated accuracy of each candidate, with the spread over the
# three folds. A strong penalty (``alpha=10``) shrinks the weights so much
# that the network underfits, whatever its activation or size; between the
# two smaller penalties the differences are within the spread over folds.

results = search.cv_results_
labels = [
    f"{p['mlp__activation']}, {p['mlp__hidden_layer_sizes']}, alpha={p['mlp__alpha']:g}"
    for p in results["params"]
]
order = np.argsort(results["mean_test_score"])
colors = ["tab:orange" if i == search.best_index_ else "tab:blue" for i in order]

fig, ax = plt.subplots(figsize=(7, 5))
ax.barh(
    np.arange(len(order)),
    results["mean_test_score"][order],
    xerr=results["std_test_score"][order],
    color=colors,
)
ax.set_yticks(np.arange(len(order)), [labels[i] for i in order])
ax.set_xlim(0.8, 1.0)
ax.set_xlabel("mean CV accuracy (3 folds; bar: one standard deviation)")
ax.set_title("GridSearchCV candidates (the best one in orange)")
fig.tight_layout()
plt.show()

# %%
# Saving with skops, loading with named trust
# -------------------------------------------
#
# ``skops.io.dump`` writes the whole fitted pipeline. Before loading, a file
# can be asked which of its types skops does not trust by default: the
# scikit-learn scaler and pipeline are trusted, skbackprop's classes are not.

best = search.best_estimator_
with tempfile.TemporaryDirectory() as directory:
    path = Path(directory) / "breast_cancer_mlp.skops"
    sio.dump(best, path)

    untrusted = sio.get_untrusted_types(file=path)
    print("types skops does not trust by default:")
    for name in untrusted:
        print(f"  {name}")

    # Without trust, skops refuses to build the objects.
    try:
        sio.load(path)
    except sio.exceptions.UntrustedTypesFoundException as error:
        print(f"load without trust: {type(error).__name__}")

    # Every type reported is one skbackprop publishes as safe to trust.
    assert set(untrusted) <= set(skops_trusted_types())
    loaded = sio.load(path, trusted=skops_trusted_types())

# %%
# The loaded pipeline computes exactly what the saved one did: the same
# weights, the same probabilities to the last bit.

same = np.array_equal(loaded.predict_proba(X_test), best.predict_proba(X_test))
print(f"identical probabilities after loading: {same}")
print(f"held-out accuracy of the loaded pipeline: {loaded.score(X_test, y_test):.3f}")
