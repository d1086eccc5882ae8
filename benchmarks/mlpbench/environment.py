"""Thread limits, and the machine, versions and command line of a run."""

import contextlib
import os
import platform
import shlex
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import scipy
import sklearn
import threadpoolctl

import skbackprop

from .common import BENCH_DIR, torch


def blas_limits(n_threads):
    """``threadpool_limits(n_threads)``, or no limit when ``n_threads`` is None."""
    if n_threads is None:
        return contextlib.nullcontext()
    return threadpoolctl.threadpool_limits(limits=n_threads)


def cpu_model():
    """The CPU's model name (from ``/proc/cpuinfo`` on Linux)."""
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def git_revision():
    """Short commit of the checkout, ``+dirty`` if tracked files changed.

    Untracked files and the results this script rewrites do not count: what
    matters is whether the code that ran is the commit's.
    """

    def git(*args):
        return subprocess.run(
            ["git", *args],
            cwd=BENCH_DIR.parent,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    try:
        revision = git("rev-parse", "--short", "HEAD")
        changes = git(
            "status", "--porcelain", "--untracked-files=no",
            "--", ".", ":(exclude)benchmarks/results",
        )  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return None
    return revision + ("+dirty" if changes else "")


THREADPOOL_KEYS = (
    "user_api", "internal_api", "prefix", "filepath", "version", "num_threads",
    "architecture", "threading_layer",
)  # fmt: skip


def library_location(filepath):
    """A library's path from its package directory on, e.g. ``numpy.libs/x.so``.

    The report names no directory of the machine it ran on.
    """
    if not filepath:
        return filepath
    parts = Path(filepath).parts
    if "site-packages" in parts:
        return "/".join(parts[parts.index("site-packages") + 1 :])
    return Path(filepath).name


def environment():
    """Date, machine, versions, thread pools and command line of this run.

    Called inside the ``--blas-threads`` limits and after PyTorch is
    imported, so that the thread counts recorded are those of the run.
    """
    affinity = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "usable_cpus": len(affinity) if affinity is not None else None,
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "sklearn": sklearn.__version__,
        "torch": torch.__version__ if torch is not None else None,
        "torch_num_threads": torch.get_num_threads() if torch is not None else None,
        "skbackprop": skbackprop.__version__,
        "git": git_revision(),
        "threadpools": [
            {
                **{key: pool.get(key) for key in THREADPOOL_KEYS},
                "filepath": library_location(pool.get("filepath")),
            }
            for pool in threadpoolctl.threadpool_info()
        ],
        "command": shlex.join(getattr(sys, "orig_argv", [sys.executable, *sys.argv])),
    }
