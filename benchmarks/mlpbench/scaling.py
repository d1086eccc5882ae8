"""skbackprop's cost per sample at three dataset sizes."""

from .systems import SkbackpropSystem
from .timing import summarize, timed, warm_up
from .workloads import make_data


def time_scaling(workload, sizes, solver, repeats, log):
    """skbackprop's seconds per epoch and microseconds per sample at each size.

    The sizes are nested prefixes of one draw and are interleaved within
    each repeat. If the cost is linear in ``n_samples``, the time per
    sample is the same at every size.

    Returns
    -------
    rows : list of dict
        One per size.
    """
    X, y = make_data(workload.data, max(sizes), workload.dtype)
    systems = {}
    for n in sizes:
        systems[n] = SkbackpropSystem()
        warm_up(systems[n], X[:n], y[:n], workload, solver)
    samples = {n: [] for n in sizes}
    for repeat in range(repeats):
        for n in sizes:
            seconds = timed(systems[n].fit_epochs, workload.epochs)
            samples[n].append(seconds / workload.epochs)
        log(f"  repeat {repeat + 1}/{repeats}")
    rows = []
    for n in sizes:
        timing = summarize(samples[n])
        rows.append(
            {
                "n_samples": n,
                "seconds_per_epoch": timing,
                "microseconds_per_sample": timing["median"] / n * 1e6,
            }
        )
    for row in rows:
        row["relative_to_smallest"] = (
            row["microseconds_per_sample"] / rows[0]["microseconds_per_sample"]
        )
    return rows
