"""The cost of one-row ``partial_fit`` and prediction calls."""

import numpy as np

from .common import DATA_SEED
from .systems import estimator_params
from .timing import ratios_to_ours, summarize, timed

PARTIAL_FIT = {"n_features": 20, "hidden": (32,), "first_chunk": 100}
PARTIAL_FIT_CLASSES = [0, 1]


def time_partial_fit(systems, solvers, repeats, n_calls, log):
    """Microseconds per one-row ``partial_fit`` and prediction call.

    Each timing starts from a binary classifier fitted by ``partial_fit`` on
    a first chunk of rows and ten single rows (untimed), then makes
    ``n_calls`` calls on one row each, passing ``classes`` on every call as
    online-learning libraries do. Systems are interleaved within each
    repeat.

    Returns
    -------
    rows : list of dict
        One per (operation, solver): per-system timing summaries and the
        ratios ``ours / other``.
    """
    rng = np.random.default_rng(DATA_SEED)
    n_first = PARTIAL_FIT["first_chunk"]
    X = rng.standard_normal((n_first + 10 + n_calls, PARTIAL_FIT["n_features"]))
    y = (X @ rng.standard_normal(X.shape[1]) > 0).astype(np.int64)
    classes = PARTIAL_FIT_CLASSES

    def fresh_model(system, solver):
        params = estimator_params(PARTIAL_FIT["hidden"], "auto", solver, 1)
        model = system.classifier(**params)
        model.partial_fit(X[:n_first], y[:n_first], classes=classes)
        for i in range(n_first, n_first + 10):  # first single-row calls
            model.partial_fit(X[i : i + 1], y[i : i + 1], classes=classes)
        return model

    rows = range(n_first + 10, len(X))

    def partial_fit_rows(model):
        for i in rows:
            model.partial_fit(X[i : i + 1], y[i : i + 1], classes=classes)

    def predicting(method):
        def predict_rows(model):
            predict = getattr(model, method)
            for i in rows:
                predict(X[i : i + 1])

        return predict_rows

    operations = [("partial_fit", solver, partial_fit_rows) for solver in solvers]
    operations += [
        (method, solvers[0], predicting(method))
        for method in ("predict", "predict_proba", "predict_log_proba")
    ]
    samples = {
        (op, solver): {system.name: [] for system in systems}
        for op, solver, _ in operations
    }
    for repeat in range(repeats):
        for op, solver, run in operations:
            for system in systems:
                seconds = timed(run, fresh_model(system, solver))
                samples[op, solver][system.name].append(seconds / n_calls * 1e6)
        log(f"  repeat {repeat + 1}/{repeats}")
    results = []
    for op, solver, _ in operations:
        timings = {name: summarize(s) for name, s in samples[op, solver].items()}
        medians = {name: t["median"] for name, t in timings.items()}
        results.append(
            {
                "operation": op,
                "solver": solver,
                "n_calls": n_calls,
                "microseconds_per_call": timings,
                "ratios": ratios_to_ours(medians),
            }
        )
    return results
