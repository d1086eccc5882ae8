"""Peak memory that a one-epoch fit adds beyond the data."""

import contextlib
import ctypes
import ctypes.util
import dataclasses
import gc
import json
import subprocess
import sys
import tempfile
import tracemalloc
from pathlib import Path

import numpy as np

from .common import BENCH_DIR, MIB
from .environment import blas_limits
from .systems import SYSTEMS
from .timing import warm_up
from .workloads import Workload


def memory_method(system_name, mode):
    """How the peak memory of ``system_name`` is measured (None: not at all)."""
    if mode == "none":
        return None
    if mode == "rss" or "torch" in system_name:  # tracemalloc misses PyTorch's
        return "rss"
    return "tracemalloc"


def tracemalloc_peak_mib(system):
    """Peak memory traced during a one-epoch ``fit_epochs``, in MiB.

    NumPy reports its array allocations to :mod:`tracemalloc`, and tracing
    starts after the data exist, so this is what ``fit`` adds beyond the
    data: a copy of ``X`` would add ``X.nbytes``.
    """
    gc.collect()
    tracemalloc.start()
    try:
        system.fit_epochs(1)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / MIB


def _proc_status_kib(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise OSError(f"no {field} in /proc/self/status")


def _release_free_memory():
    """Hand freed heap memory back to the OS (glibc), so RSS is what is in use."""
    libc_name = ctypes.util.find_library("c")
    with contextlib.suppress(OSError, AttributeError, TypeError):
        ctypes.CDLL(libc_name).malloc_trim(0)


def rss_peak_mib(system):
    """Growth of the peak resident set size during a one-epoch fit, in MiB.

    On Linux the high-water mark is reset first (``/proc/self/clear_refs``),
    so this is the fit's peak above the resident size before it. Elsewhere
    it is the growth of ``ru_maxrss``, which misses a fit that stays below
    an earlier peak.
    """
    gc.collect()
    _release_free_memory()
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")  # resets VmHWM to the current VmRSS
        before = _proc_status_kib("VmRSS")
    except OSError:
        import resource  # Unix only, like this fallback

        # ru_maxrss is in KiB on Linux, in bytes on macOS.
        unit = 1 if sys.platform == "darwin" else 1024
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        system.fit_epochs(1)
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return (after - before) * unit / MIB
    system.fit_epochs(1)
    return (_proc_status_kib("VmHWM") - before) / 1024


def rss_peaks_in_subprocess(system_name, workload, solvers, X, y, blas_threads):
    """:func:`rss_peak_mib` for each solver, in a fresh interpreter.

    The subprocess holds only this data and this system, so neither the
    other systems nor the data generation leave their memory in the
    measurement; this also works for PyTorch, whose allocations
    :mod:`tracemalloc` does not see.

    Returns
    -------
    peaks : dict of str to float
        Peak MiB per solver.
    """
    with tempfile.TemporaryDirectory(prefix="skbackprop-bench-") as tmp:
        tmp = Path(tmp)
        np.save(tmp / "X.npy", X)
        np.save(tmp / "y.npy", y)
        spec = {
            "system": system_name,
            "workload": dataclasses.asdict(workload),
            "solvers": list(solvers),
            "blas_threads": blas_threads,
        }
        (tmp / "spec.json").write_text(json.dumps(spec))
        command = [sys.executable, str(BENCH_DIR / "run.py")]
        completed = subprocess.run(
            [*command, "--memory-child", str(tmp)],
            capture_output=True,
            text=True,
            check=False,
        )
    if completed.returncode != 0:
        raise RuntimeError(
            f"memory measurement of {system_name} failed:\n{completed.stderr}"
        )
    return json.loads(completed.stdout.splitlines()[-1])


def memory_child(directory):
    """Entry point of the subprocess of :func:`rss_peaks_in_subprocess`."""
    directory = Path(directory)
    spec = json.loads((directory / "spec.json").read_text())
    workload = Workload.from_dict(spec["workload"])
    X, y = np.load(directory / "X.npy"), np.load(directory / "y.npy")
    system = SYSTEMS[spec["system"]]()
    peaks = {}
    with blas_limits(spec["blas_threads"]):
        for solver in spec["solvers"]:
            warm_up(system, X, y, workload, solver)
            peaks[solver] = rss_peak_mib(system)
    print(json.dumps(peaks))


def measure_memory(workload, solvers, system_names, X, y, mode, blas_threads):
    """Peak memory a one-epoch fit adds beyond the data, per solver and system.

    Returns
    -------
    memory : dict of str to dict of str to dict
        ``memory[solver][system] = {'peak_mib': ..., 'method': ...}``.
    """
    memory = {solver: {} for solver in solvers}
    for name in system_names:
        method = memory_method(name, mode)
        if method == "rss":
            peaks = rss_peaks_in_subprocess(name, workload, solvers, X, y, blas_threads)
        elif method == "tracemalloc":
            peaks = {}
            for solver in solvers:
                system = SYSTEMS[name]()
                system.prepare(X, y, workload, solver)
                peaks[solver] = tracemalloc_peak_mib(system)
        else:
            continue
        for solver, peak in peaks.items():
            memory[solver][name] = {"peak_mib": peak, "method": method}
    return memory
