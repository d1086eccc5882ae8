"""Interleaved timings, their summaries, and the CPU share of other processes."""

import gc
import os
import statistics
import time

from .common import OURS, WARM_UP_BATCHES


def warm_up(system, X, y, workload, solver):
    """Prepare ``system`` for the data after an untimed epoch on a few batches."""
    n_warm = min(X.shape[0], WARM_UP_BATCHES * workload.batch_size)
    system.prepare(X[:n_warm], y[:n_warm], workload, solver)
    system.fit_epochs(1)
    system.prepare(X, y, workload, solver)


def timed(function, *args):
    """Seconds taken by ``function(*args)``, garbage collected beforehand."""
    gc.collect()
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def summarize(samples):
    """Median, min, max and all of a list of timings."""
    return {
        "median": statistics.median(samples),
        "min": min(samples),
        "max": max(samples),
        "samples": samples,
    }


def ratios_to_ours(medians):
    """``ours / other`` for every other system; below 1, skbackprop is faster."""
    ours = medians.get(OURS)
    if ours is None:
        return {}
    return {name: ours / m for name, m in medians.items() if name != OURS}


def time_training(workload, solver, systems, X, y, repeats, log):
    """Seconds per epoch of each system, interleaved over the repeats.

    Returns
    -------
    timings : dict of str to dict
        Per system, :func:`summarize` of its seconds per epoch.
    """
    for system in systems:
        warm_up(system, X, y, workload, solver)
    samples = {system.name: [] for system in systems}
    for repeat in range(repeats):
        for system in systems:
            seconds = timed(system.fit_epochs, workload.epochs)
            samples[system.name].append(seconds / workload.epochs)
        log(
            f"  repeat {repeat + 1}/{repeats}: "
            + ", ".join(f"{name} {s[-1]:.4g}" for name, s in samples.items())
            + " s/epoch"
        )
    return {name: summarize(s) for name, s in samples.items()}


class CpuMeter:
    """Share of the machine's CPU time used by other processes.

    From ``/proc/stat`` (all CPUs' busy time) minus this process's own CPU
    time and that of its finished subprocesses; None where ``/proc/stat``
    does not exist. On a shared machine this says how much a measurement
    was disturbed.
    """

    def __init__(self):
        self._start = self._snapshot()

    @staticmethod
    def _snapshot():
        try:
            with open("/proc/stat") as stat:
                # user nice system idle iowait irq softirq steal (in ticks);
                # the guest columns that follow are already counted in user.
                ticks = [int(t) for t in stat.readline().split()[1:9]]
        except (OSError, ValueError):
            return None
        busy = (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")
        own = os.times()
        own = own.user + own.system + own.children_user + own.children_system
        return busy, own, time.monotonic()

    def others_share(self):
        """Share of all CPUs' time, since creation, used by other processes."""
        end = self._snapshot()
        if self._start is None or end is None:
            return None
        busy, own, wall = (e - s for e, s in zip(end, self._start, strict=True))
        return max(0.0, (busy - own) / (wall * os.cpu_count())) if wall > 0 else None
