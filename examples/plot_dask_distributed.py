"""
=====================================================
Beyond one machine: training and searching with Dask
=====================================================

When the training data outgrow the memory of one machine, they can live as a
``dask.array`` spread over the workers of a Dask cluster, and skbackprop's
estimators can still learn from all of them: ``dask_ml.wrappers.Incremental``
sends the model to each block in turn and calls ``partial_fit`` there, so no
process ever holds more than one block. Hyperparameter searches scale the
other way: ``GridSearchCV`` sends its independent fits to the workers through
joblib's dask backend.

Here the cluster is a ``distributed.LocalCluster`` of two worker processes on
this machine, and the data are 400,000 synthetic rows; the same code runs on a
real cluster (see the last section). It needs the ``[dask]`` extra:
``pip install -e '.[dask]'``.
"""

# %%
# The data: a dask.array in blocks
# --------------------------------
#
# Ten standard normal features and a binary label that depends on them
# non-linearly (products, a sine and a square: a linear model scores no better
# than chance). ``dask.array.random`` builds the array lazily, in 8 blocks of
# 50,000 rows: each block is generated on the worker that first needs it, and
# the same seed gives the same data whatever the cluster. The held-out set is
# drawn from another seed.

import warnings

import dask
import dask.array as da
import joblib
import matplotlib.pyplot as plt
import numpy as np
from dask_ml.wrappers import Incremental
from distributed import Client, LocalCluster, get_task_stream
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from skbackprop import MiniBatchMLPClassifier


def make_data(seed, n_rows, block_rows):
    """Features and labels as dask arrays with the same row blocks."""
    X = da.random.default_rng(seed).standard_normal(
        (n_rows, 10), chunks=(block_rows, 10)
    )
    score = (
        X[:, 0] * X[:, 1]
        + da.sin(3 * X[:, 2])
        + X[:, 3] * X[:, 4] * X[:, 5]
        - 0.5 * X[:, 6] ** 2
        + 0.5
    )
    return X, (score > 0).astype("int64")


X, y = make_data(seed=0, n_rows=400_000, block_rows=50_000)
X_test, y_test = make_data(seed=1, n_rows=50_000, block_rows=25_000)

# %%
# A cluster of two worker processes
# ---------------------------------
#
# Each worker is a separate Python process with one thread; the ``Client``
# connects this script to the cluster's scheduler and becomes the default for
# every dask computation that follows.
#
# The workers are started with ``spawn``, which imports this script again in
# each of them. So every cell that starts or uses the cluster sits under
# ``if __name__ == "__main__":``, which is false in the workers; the cells
# above only define things, and cost nothing to import twice. (sphinx-gallery
# runs the script with ``__name__ == "__main__"`` too.)

if __name__ == "__main__":
    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = Client(cluster)
    # Keep the blocks in the workers' memory: every pass reads them again.
    X, y, X_test, y_test = dask.persist(X, y, X_test, y_test)
    print(f"workers: {len(client.scheduler_info()['workers'])}")
    print(f"X: {X.shape[0]:,} rows x {X.shape[1]} features, {X.numblocks[0]} blocks")
    print(f"one block: {X.blocks[0].nbytes / 1e6:.1f} MB")

# %%
# Block-by-block training with Incremental
# ----------------------------------------
#
# ``Incremental(estimator).fit(X, y)`` is one pass over the data: one
# ``partial_fit`` call per block, one after another, each on the worker that
# holds the block. The model moves, not the data: after each block it is
# pickled and sent where the next block is, with everything ``partial_fit``
# carries between calls (the weights, the optimizer's moments, the random
# state of the mini-batch shuffling). ``partial_fit`` of the wrapper runs the
# next pass from where the last one stopped. ``classes=`` is passed with every
# block, as the first block may not hold every class.
#
# ``scoring="accuracy"`` makes ``score`` use dask-ml's metrics: the held-out
# predictions are made block by block on the workers too, and only the score
# comes back. ``shuffle_blocks=False`` visits the blocks in order; the default
# visits them in a random order, the same one every pass when
# ``random_state`` is an integer.

if __name__ == "__main__":
    model = Incremental(
        MiniBatchMLPClassifier(hidden_layer_sizes=(32, 16), random_state=0),
        scoring="accuracy",
        shuffle_blocks=False,
    )
    n_passes = 6
    held_out_accuracy = []
    for n_pass in range(n_passes):
        if n_pass == 0:
            model.fit(X, y, classes=[0, 1])
        else:
            model.partial_fit(X, y, classes=[0, 1])
        held_out_accuracy.append(model.score(X_test, y_test))
        print(f"pass {n_pass + 1}: held-out accuracy {held_out_accuracy[-1]:.4f}")

    mlp = model.estimator_  # a plain MiniBatchMLPClassifier, now in this process
    print(f"partial_fit calls (n_iter_): {mlp.n_iter_}, samples seen (t_): {mlp.t_:,}")

# %%
# ``loss_curve_`` has one entry per ``partial_fit`` call, so here one per
# block: the training loss of each block, as the model first met it in that
# pass.

if __name__ == "__main__":
    n_blocks = X.numblocks[0]
    fig, (ax_loss, ax_score) = plt.subplots(1, 2, figsize=(10, 4))
    ax_loss.plot(np.arange(1, len(mlp.loss_curve_) + 1), mlp.loss_curve_)
    for boundary in range(n_blocks, n_passes * n_blocks, n_blocks):
        ax_loss.axvline(boundary + 0.5, color="lightgrey", linewidth=1)
    ax_loss.set_xlabel(f"blocks seen ({n_blocks} per pass)")
    ax_loss.set_ylabel("training loss of the block")
    ax_loss.set_title("one partial_fit per block")
    ax_score.plot(np.arange(1, n_passes + 1), held_out_accuracy, marker="o")
    ax_score.set_xlabel("passes over the 400,000 rows")
    ax_score.set_ylabel("held-out accuracy")
    ax_score.set_title("scored on the workers after each pass")
    fig.tight_layout()
    plt.show()

# %%
# A grid search on the cluster
# ----------------------------
#
# ``GridSearchCV`` fits one model per parameter combination and fold; those
# fits are independent, so joblib can run them anywhere. Under
# ``joblib.parallel_backend("dask")`` the search sends them to the cluster's
# workers (``n_jobs=-1``: as many at once as the workers have threads). Each fit
# gets the whole of its training data, in memory: this scales the *number* of
# fits, not the size of the data, so the search runs on a sample of 20,000
# rows brought into memory. The final refit of the best parameters runs here,
# in this process.
#
# The fits are capped at 15 epochs to keep the example fast, and would each
# warn with a ``ConvergenceWarning``. They warn in the workers, whose warning
# filters are their own: ``client.run`` silences the warning in each of them.
# ``get_task_stream`` records which worker ran each task.

if __name__ == "__main__":
    X_sample, y_sample = dask.compute(X[:20_000], y[:20_000])
    client.run(warnings.simplefilter, "ignore", ConvergenceWarning)

    search = GridSearchCV(
        MiniBatchMLPClassifier(max_iter=15, random_state=0),
        {"alpha": [1e-4, 1e-2], "hidden_layer_sizes": [(16,), (32, 16)]},
        cv=3,
        n_jobs=-1,
    )
    with joblib.parallel_backend("dask"), get_task_stream(client) as stream:
        with warnings.catch_warnings():  # the refit, here
            warnings.simplefilter("ignore", ConvergenceWarning)
            search.fit(X_sample, y_sample)

    # joblib hands the 12 fits (4 candidates x 3 folds) over in batches, one
    # task per batch.
    worker_names = {
        address: info["name"]
        for address, info in client.scheduler_info()["workers"].items()
    }
    ran_on = [worker_names[task["worker"]] for task in stream.data]
    for name in sorted(set(ran_on)):
        print(f"worker {name}: {ran_on.count(name)} tasks")
    results = search.cv_results_
    for params, score in zip(
        results["params"], results["mean_test_score"], strict=True
    ):
        print(f"{params}: mean CV accuracy {score:.4f}")
    print(f"best: {search.best_params_}")
    refit_accuracy = search.score(*dask.compute(X_test, y_test))
    print(f"held-out accuracy of the refit: {refit_accuracy:.4f}")

# %%
# On a real cluster
# -----------------
#
# Replace the ``LocalCluster`` by the address of a running scheduler::
#
#     client = Client("scheduler-address:8786")
#
# and nothing else changes. The workers unpickle skbackprop's estimators, so
# they need skbackprop installed, in the same version as the client. Load the
# data on the workers (``dask.array.from_zarr``, ``dask.dataframe.read_parquet``
# followed by ``to_dask_array(lengths=True)``, ...), not in the client: a
# ``dask.array`` made from a NumPy array the client holds must first fit in the
# client's memory. dask-ml's adaptive searches, ``IncrementalSearchCV`` and
# ``HyperbandSearchCV``, do not run with current Dask releases
# (dask/dask-ml#1016); ``Incremental`` and the joblib backend are the two paths
# shown here.
#
# Last, shut the cluster down.

if __name__ == "__main__":
    client.close()
    cluster.close()
