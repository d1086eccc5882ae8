"""One or two BLAS threads for training, on an idle and on a busy machine.

For each training workload of ``mlpbench`` (quick sizes), skbackprop trains
with the BLAS thread count forced to 1 and to 2 (its own policy bypassed)
and with its policy (``skbackprop._threads``), first on an otherwise idle
machine, then with a busy loop running in another process on one core.
Prints s/epoch (median of interleaved repeats) and each choice's time over
the best choice of the same condition; the policy should lose at most 10%
to the best choice when idle and never fall into the busy trap (OpenBLAS
threads waiting for a core that another process holds).

Run from the project root on an otherwise idle 2-core machine:
``python benchmarks/blas_threads.py [--repeats 5]``.
"""

import argparse
import contextlib
import multiprocessing
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mlpbench.systems import estimator_params  # noqa: E402
from mlpbench.workloads import make_data, make_workloads  # noqa: E402

import skbackprop._base  # noqa: E402
from skbackprop import MiniBatchMLPClassifier, MiniBatchMLPRegressor  # noqa: E402

CHOICES = ("1 thread", "2 threads", "policy")


def _busy_loop():
    while True:
        pass


@contextlib.contextmanager
def busy_core(busy):
    """A process spinning on one core while the block runs (if ``busy``)."""
    if not busy:
        yield
        return
    process = multiprocessing.Process(target=_busy_loop, daemon=True)
    process.start()
    time.sleep(0.2)  # let it take its core
    try:
        yield
    finally:
        process.terminate()
        process.join()


def fit_seconds_per_epoch(workload, X, y, choice):
    cls = (
        MiniBatchMLPRegressor
        if workload.task == "regression"
        else MiniBatchMLPClassifier
    )
    params = estimator_params(
        workload.hidden, workload.batch_size, "adam", workload.epochs
    )
    policy = skbackprop._base.blas_thread_limit
    if choice == "policy":
        limits = contextlib.nullcontext()
    else:
        limits = threadpool_limits(1 if choice == "1 thread" else 2, user_api="blas")
        skbackprop._base.blas_thread_limit = lambda *args: None  # bypassed
    try:
        with limits, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            cls(**params).fit(X, y)
            return (time.perf_counter() - start) / workload.epochs
    finally:
        skbackprop._base.blas_thread_limit = policy


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    rows = []
    for workload in make_workloads(quick=True).values():
        X, y = make_data(workload.data, workload.n_samples, workload.dtype)
        for condition in ("idle", "busy"):
            samples = {choice: [] for choice in CHOICES}
            with busy_core(condition == "busy"):
                fit_seconds_per_epoch(workload, X, y, "policy")  # warm-up
                for repeat in range(args.repeats):
                    order = CHOICES if repeat % 2 == 0 else CHOICES[::-1]
                    for choice in order:
                        samples[choice].append(
                            fit_seconds_per_epoch(workload, X, y, choice)
                        )
            medians = {c: float(np.median(s)) for c, s in samples.items()}
            best = min(medians.values())
            rows.append(
                [workload.name, condition]
                + [f"{medians[c]:.4g} ({medians[c] / best:.2f})" for c in CHOICES]
            )
            print(f"{workload.name} {condition}: {rows[-1][2:]}", file=sys.stderr)
    print("| workload | machine | " + " | ".join(CHOICES) + " |")
    print("|---|---|" + "--:|" * len(CHOICES))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print()
    print(
        "s/epoch of an adam fit, median of interleaved repeats; in brackets, "
        "over the best choice of the same workload and machine state."
    )


if __name__ == "__main__":
    main()
