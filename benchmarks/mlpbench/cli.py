"""Training speed of skbackprop beside scikit-learn, PyTorch and a NumPy floor.

The command line of ``benchmarks/run.py``: it parses the options, runs the
selected benchmarks and writes the report (see ``benchmarks/README.md``).
"""

import argparse
import dataclasses
import json
import sys
import time
import warnings
from pathlib import Path

from sklearn.exceptions import ConvergenceWarning

from .common import (
    ALPHA,
    BENCH_DIR,
    LEARNING_RATES,
    MIB,
    OURS,
    QUICK_MEMORY_WORKLOADS,
    WARM_UP_BATCHES,
)
from .environment import blas_limits, environment
from .memory import measure_memory, memory_child
from .partial_fit import time_partial_fit
from .report import render_markdown
from .river_stream import river_unavailable_reason, time_river_stream
from .scaling import time_scaling
from .systems import SYSTEMS
from .targets import evaluate_targets
from .timing import CpuMeter, ratios_to_ours, time_training
from .workloads import make_data, make_workloads

EXTRA_WORKLOADS = ("partial-fit", "river", "scaling")


def parse_args(argv=None):
    names = [*make_workloads(quick=False), *EXTRA_WORKLOADS]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smaller data, fewer epochs and repeats: the whole run in under a minute",
    )
    parser.add_argument(
        "--workloads", nargs="+", choices=names, default=names, metavar="NAME",
        help=f"workloads to run, among {', '.join(names)} (default: all)",
    )  # fmt: skip
    parser.add_argument(
        "--systems", nargs="+", choices=list(SYSTEMS), default=list(SYSTEMS),
        metavar="NAME",
        help=f"systems to time, among {', '.join(SYSTEMS)} (default: all; those "
        "not installed are shown as n/a)",
    )  # fmt: skip
    parser.add_argument(
        "--solvers", nargs="+", choices=["adam", "sgd"],
        help="solvers of every workload (default: adam and sgd, adam only on "
        "the MNIST-sized workloads)",
    )  # fmt: skip
    parser.add_argument(
        "--repeats", type=int,
        help="interleaved repeats per workload (default: 5, 3 with --quick)",
    )  # fmt: skip
    parser.add_argument(
        "--out", type=Path, default=BENCH_DIR / "results", metavar="DIR",
        help="where latest.json and latest.md (latest-quick.* with --quick) are "
        "written (default: benchmarks/results)",
    )  # fmt: skip
    parser.add_argument(
        "--blas-threads", type=int, metavar="N",
        help="run everything inside threadpoolctl.threadpool_limits(N) (default: "
        "no limit, each library's own default)",
    )  # fmt: skip
    parser.add_argument(
        "--memory", choices=["auto", "rss", "none"], default="auto",
        help="peak memory: 'auto' measures the NumPy-based systems with "
        "tracemalloc and torch by RSS in a subprocess, 'rss' measures every "
        "system by RSS in a subprocess, 'none' skips it (default: auto)",
    )  # fmt: skip
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeats is None:
        args.repeats = 3 if args.quick else 5
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    return args


def run(args, log):
    """Run the selected benchmarks; return the results as a dictionary."""
    started, meter = time.perf_counter(), CpuMeter()
    workloads = make_workloads(args.quick)
    available = []
    for name in args.systems:
        reason = SYSTEMS[name].unavailable_reason()
        if reason:
            log(f"{name}: n/a ({reason})")
        else:
            available.append(name)
    result = {
        "environment": environment(),
        "settings": {
            "quick": args.quick,
            "repeats": args.repeats,
            "systems": args.systems,
            "available_systems": available,
            "blas_threads": args.blas_threads,
            "memory": args.memory,
            "learning_rates": LEARNING_RATES,
            "alpha": ALPHA,
            "warm_up_batches": WARM_UP_BATCHES,
        },
        "training": [],
        "partial_fit": [],
        "scaling": None,
        "river": None,
    }

    for workload in workloads.values():
        if workload.name not in args.workloads:
            continue
        X, y = make_data(workload.data, workload.n_samples, workload.dtype)
        solvers = args.solvers or workload.solvers
        entries = []
        for solver in solvers:
            log(f"{workload.name} ({workload.describe()}), {solver}")
            workload_meter = CpuMeter()
            systems = [SYSTEMS[name]() for name in available]
            timings = time_training(workload, solver, systems, X, y, args.repeats, log)
            entries.append(
                {
                    "workload": workload.name,
                    "group": workload.group,
                    "description": workload.describe(),
                    "settings": dataclasses.asdict(workload),
                    "solver": solver,
                    "dtype": workload.dtype,
                    "x_mib": X.nbytes / MIB,
                    # None for a system that is not available: shown as n/a.
                    "timings": {name: timings.get(name) for name in args.systems},
                    "ratios": ratios_to_ours(
                        {name: t["median"] for name, t in timings.items()}
                    ),
                    "others_cpu_share": workload_meter.others_share(),
                }
            )
        memory_mode = args.memory
        if args.quick and workload.name not in QUICK_MEMORY_WORKLOADS:
            memory_mode = "none"
        if memory_mode != "none":
            log(f"{workload.name}: peak memory")
        memory = measure_memory(
            workload, solvers, available, X, y, memory_mode, args.blas_threads
        )
        for entry in entries:
            entry["memory"] = memory[entry["solver"]]
        result["training"] += entries
        del X, y

    estimators = [SYSTEMS[name]() for name in available if name in (OURS, "sklearn")]
    if "partial-fit" in args.workloads and estimators:
        log("partial-fit")
        result["partial_fit"] = time_partial_fit(
            estimators,
            args.solvers or ("adam", "sgd"),
            args.repeats,
            n_calls=300 if args.quick else 1000,
            log=log,
        )

    if "river" in args.workloads:
        reason = river_unavailable_reason()
        if reason:
            log(f"river: skipped, {reason}")
        else:
            log("river: progressive validation on Phishing")
            result["river"] = time_river_stream(args.repeats, log)

    if "scaling" in args.workloads and OURS in available:
        workload = workloads["stream"]
        sizes = [workload.n_samples // 2, workload.n_samples, 2 * workload.n_samples]
        solver = (args.solvers or workload.solvers)[0]
        log(f"scaling: {workload.name} at {sizes} samples, {solver}")
        result["scaling"] = {
            "workload": workload.name,
            "solver": solver,
            "dtype": workload.dtype,
            "batch_size": workload.batch_size,
            "epochs": workload.epochs,
            "rows": time_scaling(workload, sizes, solver, args.repeats, log),
        }

    result["targets"] = evaluate_targets(result)
    result["others_cpu_share"] = meter.others_share()
    result["run_seconds"] = time.perf_counter() - started
    return result


def write_atomically(path, text):
    """Write ``path`` through a temporary file, so no reader sees half of it."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)


def main(argv=None):
    args = parse_args(argv)
    # Every system is asked for a fixed number of epochs, so the estimators'
    # "maximum iterations reached" warning is the expected outcome.
    warnings.simplefilter("ignore", ConvergenceWarning)
    if args.memory_child:
        memory_child(args.memory_child)
        return

    started = time.perf_counter()

    def log(message):
        print(f"[{time.perf_counter() - started:6.1f}s] {message}", file=sys.stderr)

    with blas_limits(args.blas_threads):
        result = run(args, log)
    markdown = render_markdown(result)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = "latest-quick" if args.quick else "latest"
    write_atomically(args.out / f"{stem}.json", json.dumps(result, indent=2) + "\n")
    write_atomically(args.out / f"{stem}.md", markdown)
    print(markdown)
    log(f"wrote {args.out / stem}.md and .json")


if __name__ == "__main__":
    main()
