"""A/B timing of two checkouts of skbackprop, interleaved, in subprocesses.

Each repeat runs one subprocess per checkout, A then B (B then A on odd
repeats), with ``PYTHONPATH`` set to that checkout; the subprocess checks
that it imported skbackprop from there and prints its timings as JSON. The
report gives, per workload, the median over the repeats for A and B, their
spread ((max - min) / median) and B/A (below 1: B is faster). Workloads:

- ``digits adam`` / ``digits sgd``: seconds per 20-epoch fit on scikit-learn's
  digits (scaled to [0, 1]), ``MiniBatchMLPClassifier(hidden_layer_sizes=
  (100,), max_iter=20, tol=0, n_iter_no_change=1000, random_state=0)``;
  median of 5 fits after one warm-up fit;
- ``mnist epoch``: seconds of a one-epoch adam fit on random float32
  60000 x 784 (12000 with ``--quick``), 10 classes, hidden (256, 128),
  batch 256 (median of 3 fits with ``--quick``, else one), after a warm-up
  fit on 1024 rows;
- ``partial_fit 1 row`` / ``predict 1 row``: median microseconds of single
  calls (2000 each, after 50 warm-up calls) on a binary classifier with
  20 features and hidden (64,), fitted first on 200 rows.

Thread counts are each library's default unless ``--threads N`` sets
``OMP/OPENBLAS/MKL_NUM_THREADS`` in the children: on a busy 2-core machine,
two BLAS threads make the MNIST-sized fit many times slower and noisier.

Usage, from the repo root::

    python benchmarks/ab.py --a ../skbackprop-before --b . [--repeats 5] [--quick]
        [--threads N]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

N_CALLS = 2000


def median_seconds(function, n):
    times = []
    for _ in range(n):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def child(quick):
    """Time every workload with the skbackprop on the path; print JSON."""
    import warnings

    import numpy as np
    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning

    import skbackprop
    from skbackprop import MiniBatchMLPClassifier as MLP

    warnings.simplefilter("ignore", ConvergenceWarning)
    out = {"skbackprop": str(Path(skbackprop.__file__).resolve().parent.parent)}

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    for solver in ("adam", "sgd"):
        model = MLP(hidden_layer_sizes=(100,), max_iter=20, tol=0,
                    n_iter_no_change=1000, random_state=0, solver=solver)  # fmt: skip
        model.fit(X, y)  # warm-up
        out[f"digits {solver}"] = median_seconds(lambda m=model: m.fit(X, y), 5)

    rng = np.random.default_rng(0)
    n = 12_000 if quick else 60_000
    X = rng.random((n, 784), dtype=np.float32)
    y = rng.integers(0, 10, n)
    model = MLP(hidden_layer_sizes=(256, 128), batch_size=256, max_iter=1,
                random_state=0)  # fmt: skip
    model.fit(X[:1024], y[:1024])  # warm-up
    out["mnist epoch"] = median_seconds(lambda: model.fit(X, y), 3 if quick else 1)

    X = rng.standard_normal((200 + 50 + N_CALLS, 20))
    y = (X @ rng.standard_normal(20) > 0).astype(np.int64)
    model = MLP(hidden_layer_sizes=(64,), random_state=0).fit(X[:200], y[:200])
    rows = [(X[i : i + 1], y[i : i + 1]) for i in range(200, len(X))]
    for name, call in (("partial_fit 1 row", model.partial_fit),
                       ("predict 1 row", lambda x, _: model.predict(x))):  # fmt: skip
        times = []
        for i, (x_row, y_row) in enumerate(rows):
            start = time.perf_counter()
            call(x_row, y_row)
            if i >= 50:  # the first 50 calls warm up
                times.append(time.perf_counter() - start)
        out[name] = statistics.median(times) * 1e6
    print(json.dumps(out))


THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
UNITS = {"digits adam": "s/fit", "digits sgd": "s/fit", "mnist epoch": "s/fit",
         "partial_fit 1 row": "µs/call", "predict 1 row": "µs/call"}  # fmt: skip


def run_child(checkout, quick, threads):
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    if threads:
        env.update(dict.fromkeys(THREAD_VARIABLES, str(threads)))
    command = [sys.executable, str(Path(__file__).resolve()), "--child"]
    done = subprocess.run(
        command + ["--quick"] * quick, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.exit(f"child for {checkout} failed:\n{done.stderr}")
    timings = json.loads(done.stdout.splitlines()[-1])
    if Path(timings.pop("skbackprop")) != checkout:
        sys.exit(f"child for {checkout} imported skbackprop from elsewhere")
    return timings


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--a", type=Path, help="checkout A (the baseline)")
    parser.add_argument("--b", type=Path, help="checkout B")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="12000 MNIST rows")
    parser.add_argument(
        "--threads", type=int, help="BLAS/OpenMP threads of the children (default: all)"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args.quick)
    if args.a is None or args.b is None:
        parser.error("--a and --b are required")
    checkouts = {"A": args.a.resolve(), "B": args.b.resolve()}
    samples = {"A": [], "B": []}
    for repeat in range(args.repeats):
        order = "AB" if repeat % 2 == 0 else "BA"
        for side in order:
            samples[side].append(run_child(checkouts[side], args.quick, args.threads))
        last = {s: samples[s][-1] for s in "AB"}
        print(f"repeat {repeat + 1}/{args.repeats} ({order}): " + "; ".join(
            f"{w} {last['A'][w]:.4g}/{last['B'][w]:.4g}" for w in UNITS
        ), file=sys.stderr)  # fmt: skip

    def stats(side, workload):
        values = [sample[workload] for sample in samples[side]]
        median = statistics.median(values)
        return median, (max(values) - min(values)) / median

    notes = [f"medians of {args.repeats} interleaved repeats"] + [
        "--quick"
    ] * args.quick
    if args.threads:
        notes.append(f"--threads {args.threads}")
    print(f"A: `{checkouts['A']}`, B: `{checkouts['B']}`; {', '.join(notes)}")
    print()
    print("| workload | unit | A | B | B/A | spread A | spread B |")
    print("|---|---|--:|--:|--:|--:|--:|")
    for workload, unit in UNITS.items():
        (a, spread_a), (b, spread_b) = stats("A", workload), stats("B", workload)
        print(f"| {workload} | {unit} | {a:.4g} | {b:.4g} | {b / a:.3f} "
              f"| {spread_a:.0%} | {spread_b:.0%} |")  # fmt: skip


if __name__ == "__main__":
    main()
