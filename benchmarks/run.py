"""Training speed of skbackprop beside scikit-learn, PyTorch and a NumPy floor.

Every system trains the same architecture for a fixed number of epochs
with identical settings (batch size, solver, learning rate, dtype,
shuffling, no early stopping and ``tol=0``, so that every system runs every
epoch). The systems are:

``skbackprop``
    ``MiniBatchMLPClassifier`` / ``MiniBatchMLPRegressor``.
``sklearn``
    ``sklearn.neural_network.MLPClassifier`` / ``MLPRegressor``.
``torch``
    A plain, idiomatic PyTorch CPU training loop (shown as ``n/a`` when
    PyTorch is not installed).
``floor``
    Pure NumPy running only the matrix products of the forward and
    backward passes on the same batches: no activations, no loss, no
    optimizer. No NumPy MLP can be faster, so ``ours / floor`` is the
    overhead of everything else.

Within each workload the systems are interleaved (A B C D, A B C D, ...)
for several repeats, so that noise from a shared machine falls on all of
them; each figure is the median over the repeats, and the ratios are
computed from the medians of the same run. Besides the time per epoch,
the script measures the peak memory that ``fit`` adds beyond the data, the
cost of a one-row ``partial_fit`` call (what online learners pay per
sample) and the cost per sample at three dataset sizes (it should not
grow).

Run from the project root::

    .venv/bin/python benchmarks/run.py            # full: a few minutes
    .venv/bin/python benchmarks/run.py --quick    # under a minute

The Markdown report is printed and written, with every timing as JSON, to
``benchmarks/results/latest.{md,json}`` (``latest-quick.*`` with
``--quick``). See ``benchmarks/README.md``.
"""

import argparse
import contextlib
import ctypes
import ctypes.util
import dataclasses
import gc
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
from abc import ABC, abstractmethod
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import scipy
import sklearn
import threadpoolctl
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor

import skbackprop
from skbackprop import MiniBatchMLPClassifier, MiniBatchMLPRegressor

try:
    import torch
except ImportError:  # PyTorch is optional: its rows are shown as n/a.
    torch = None

BENCH_DIR = Path(__file__).resolve().parent
OURS = "skbackprop"
DATA_SEED = 0
MODEL_SEED = 0
ALPHA = 1e-4
# Small enough that no system diverges in a few epochs on any workload.
LEARNING_RATES = {"adam": 1e-3, "sgd": 1e-2}
# Each system runs an untimed epoch of this many batches before it is timed,
# so that lazy initialisation (thread pools, first-call paths) is not timed.
WARM_UP_BATCHES = 4
# Above this share of the CPUs used by other processes, the report warns
# that its timings are not reliable.
BUSY_MACHINE = 0.05
# --quick measures peak memory on these workloads only: the subprocess that
# measures PyTorch's costs seconds, and these are the two the memory target
# names (MNIST-sized float32, regression).
QUICK_MEMORY_WORKLOADS = ("mnist-f32", "regression")
MIB = 2**20


# ----------------------------------------------------------------------
# Workloads and their data
# ----------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Workload:
    """One training problem, trained identically by every system.

    Parameters
    ----------
    name : str
        Name on the command line and in the reports.
    group : str
        Workloads of one group share a table in the report.
    data : {'digits', 'pixels', 'stream', 'regression'}
        Data generator (see :func:`make_data`).
    task : {'multiclass', 'binary', 'regression'}
        Kind of target; sets the loss and the output layer.
    n_samples, n_features : int
        Shape of ``X``.
    n_outputs : int
        Units of the output layer: the number of classes, or 1 for binary
        targets (one logistic output in every system) and regression.
    hidden : tuple of int
        Hidden layer sizes.
    batch_size : int
        Mini-batch size.
    dtype : {'float32', 'float64'}
        Dtype of ``X``, and so of the whole computation.
    epochs : int
        Epochs per timed fit.
    solvers : tuple of str
        Solvers timed unless ``--solvers`` says otherwise.
    """

    name: str
    group: str
    data: str
    task: str
    n_samples: int
    n_features: int
    n_outputs: int
    hidden: tuple
    batch_size: int
    dtype: str
    epochs: int
    solvers: tuple

    @classmethod
    def from_dict(cls, values):
        """Rebuild a workload from :func:`dataclasses.asdict` after a JSON trip."""
        values = {**values, "hidden": tuple(values["hidden"])}
        return cls(**{**values, "solvers": tuple(values["solvers"])})

    def describe(self):
        """Shape and settings, as in the headings of the report."""
        target = {
            "multiclass": f"{self.n_outputs} classes",
            "binary": "binary",
            "regression": "regression",
        }[self.task]
        epochs = f"{self.epochs} epoch" + ("s" if self.epochs > 1 else "")
        return (
            f"{self.n_samples} x {self.n_features}, hidden {self.hidden}, "
            f"batch {self.batch_size}, {target}, {epochs} per fit"
        )


def make_workloads(quick):
    """The training workloads, in report order (smaller with ``quick``).

    Parameters
    ----------
    quick : bool
        Fewer samples and epochs, for a whole run under a minute.

    Returns
    -------
    workloads : dict of str to Workload
    """
    both = ("adam", "sgd")
    pixel_rows = 10_000 if quick else 60_000
    fast_epochs = 1 if quick else 2
    workloads = [
        Workload(name="digits", group="digits", data="digits", task="multiclass",
                 n_samples=1797, n_features=64, n_outputs=10, hidden=(100,),
                 batch_size=200, dtype="float64", epochs=10 if quick else 20,
                 solvers=both),
        Workload(name="mnist-f32", group="mnist", data="pixels", task="multiclass",
                 n_samples=pixel_rows, n_features=784, n_outputs=10,
                 hidden=(256, 128), batch_size=256, dtype="float32",
                 epochs=fast_epochs, solvers=("adam",)),
        Workload(name="mnist-f64", group="mnist", data="pixels", task="multiclass",
                 n_samples=pixel_rows, n_features=784, n_outputs=10,
                 hidden=(256, 128), batch_size=256, dtype="float64",
                 epochs=fast_epochs, solvers=("adam",)),
        Workload(name="stream", group="stream", data="stream", task="binary",
                 n_samples=20_000, n_features=100,
                 n_outputs=1, hidden=(64,), batch_size=32, dtype="float64",
                 epochs=fast_epochs, solvers=both),
        Workload(name="regression", group="regression", data="regression",
                 task="regression", n_samples=20_000 if quick else 100_000,
                 n_features=50, n_outputs=1, hidden=(128, 64), batch_size=128,
                 dtype="float32", epochs=fast_epochs, solvers=both),
    ]  # fmt: skip
    return {workload.name: workload for workload in workloads}


def make_data(data, n_samples, dtype):
    """Features and targets of a workload, from a fixed seed.

    Parameters
    ----------
    data : {'digits', 'pixels', 'stream', 'regression'}
        ``digits``: scikit-learn's 8x8 digits scaled to [0, 1] (always its
        1797 rows). ``pixels``: MNIST-sized, 784 features uniform in [0, 1]
        like pixel intensities and 10 labels from a random linear teacher,
        so that they can be learnt. ``stream``: 100 Gaussian features,
        binary labels from a noisy linear teacher. ``regression``: 50
        Gaussian features, target from a random one-hidden-layer tanh
        teacher plus noise, standardised.
    n_samples : int
        Number of rows (ignored for ``digits``). The first ``n`` rows of a
        larger draw are the draw of ``n`` rows, so sizes are nested.
    dtype : str
        Dtype of ``X`` (and of ``y`` for regression).

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), C-contiguous
    y : ndarray of shape (n_samples,)
        Integer labels, or float targets for regression.
    """
    teacher_rng = np.random.default_rng(DATA_SEED)
    x_rng = np.random.default_rng(DATA_SEED + 1)
    noise_rng = np.random.default_rng(DATA_SEED + 2)
    if data == "digits":
        X, y = load_digits(return_X_y=True)
        return np.ascontiguousarray(X / 16.0, dtype=dtype), y
    if data == "pixels":
        # Drawn in float32 whatever the dtype, so that the float32 and
        # float64 workloads train on the same values.
        X = x_rng.random((n_samples, 784), dtype=np.float32)
        teacher = teacher_rng.standard_normal((784, 10)).astype(np.float32)
        y = np.argmax((X - 0.5) @ teacher, axis=1)
        return X.astype(dtype, copy=False), y
    if data == "stream":
        X = x_rng.standard_normal((n_samples, 100))
        score = X @ teacher_rng.standard_normal(100) / 10.0
        y = (score + 0.5 * noise_rng.standard_normal(n_samples) > 0).astype(np.int64)
        return X.astype(dtype, copy=False), y
    if data == "regression":
        X = x_rng.standard_normal((n_samples, 50))
        W = teacher_rng.standard_normal((50, 32)) / np.sqrt(50)
        y = np.tanh(X @ W) @ teacher_rng.standard_normal(32)
        y += 0.1 * noise_rng.standard_normal(n_samples)
        y = (y - y.mean()) / y.std()
        return X.astype(dtype), y.astype(dtype)
    raise ValueError(f"unknown data {data!r}")


# ----------------------------------------------------------------------
# Systems
# ----------------------------------------------------------------------
class System(ABC):
    """A way of training an MLP, timed through one interface.

    ``prepare`` (untimed) receives the data; ``fit_epochs`` (timed) builds
    a freshly initialised model and trains it on all of the data.
    """

    name = ""

    @classmethod
    def unavailable_reason(cls):
        """Why the system cannot run here, or None if it can."""
        return None

    def prepare(self, X, y, workload, solver):
        """Keep the data and settings of the next fits (untimed).

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            Features, C-contiguous, in the workload's dtype.
        y : ndarray of shape (n_samples,)
            Labels or regression targets.
        workload : Workload
            Architecture, batch size, task.
        solver : {'adam', 'sgd'}
            Optimizer.
        """
        self.X, self.y, self.workload, self.solver = X, y, workload, solver

    @abstractmethod
    def fit_epochs(self, n_epochs):
        """Train a freshly initialised model for ``n_epochs`` epochs."""


def estimator_params(hidden, batch_size, solver, n_epochs):
    """Constructor parameters shared by skbackprop and scikit-learn.

    ``tol=0`` and ``n_iter_no_change > max_iter`` make sure that nothing
    stops before ``max_iter`` epochs. The other parameters (``relu``,
    Nesterov momentum 0.9, Adam's betas) are the shared defaults.
    """
    return {
        "hidden_layer_sizes": hidden,
        "solver": solver,
        "batch_size": batch_size,
        "learning_rate_init": LEARNING_RATES[solver],
        "alpha": ALPHA,
        "max_iter": n_epochs,
        "tol": 0.0,
        "n_iter_no_change": n_epochs + 1,
        "shuffle": True,
        "random_state": MODEL_SEED,
    }


class _EstimatorSystem(System):
    """A scikit-learn-style estimator fitted with ``max_iter=n_epochs``."""

    classifier = regressor = None

    def fit_epochs(self, n_epochs):
        workload = self.workload
        cls = self.regressor if workload.task == "regression" else self.classifier
        params = estimator_params(
            workload.hidden, workload.batch_size, self.solver, n_epochs
        )
        model = cls(**params).fit(self.X, self.y)
        if model.n_iter_ != n_epochs:  # the comparison needs every epoch run
            raise RuntimeError(
                f"{self.name} stopped after {model.n_iter_} of {n_epochs} epochs"
            )


class SkbackpropSystem(_EstimatorSystem):
    """skbackprop's ``MiniBatchMLPClassifier`` / ``MiniBatchMLPRegressor``."""

    name = OURS
    classifier, regressor = MiniBatchMLPClassifier, MiniBatchMLPRegressor


class SklearnSystem(_EstimatorSystem):
    """scikit-learn's ``MLPClassifier`` / ``MLPRegressor``."""

    name = "sklearn"
    classifier, regressor = MLPClassifier, MLPRegressor


class TorchSystem(System):
    """A plain PyTorch CPU training loop, as one would write it by hand.

    ``nn.Sequential`` of ``Linear`` and ``ReLU``; cross-entropy on the
    logits, binary cross-entropy on one logit, or mean squared error
    (scikit-learn minimises half of it; the scale does not change the
    cost); ``Adam``, or ``SGD`` with Nesterov momentum 0.9. Weight decay
    is off, which can only save PyTorch work. Each epoch draws a
    ``randperm`` and indexes the tensors, which ``prepare`` made once with
    ``torch.from_numpy`` (no copy). The number of threads is PyTorch's
    default, recorded in the report's header.
    """

    name = "torch"

    @classmethod
    def unavailable_reason(cls):
        return None if torch is not None else "PyTorch is not installed"

    def prepare(self, X, y, workload, solver):
        super().prepare(X, y, workload, solver)
        self.X_tensor = torch.from_numpy(X)
        if workload.task == "multiclass":
            self.y_tensor = torch.from_numpy(y.astype(np.int64))
        else:
            self.y_tensor = torch.from_numpy(y.astype(X.dtype).reshape(-1, 1))

    def fit_epochs(self, n_epochs):
        from torch import nn

        workload = self.workload
        torch.manual_seed(MODEL_SEED)
        units = [workload.n_features, *workload.hidden]
        layers = []
        for fan_in, fan_out in zip(units[:-1], units[1:], strict=True):
            layers += [nn.Linear(fan_in, fan_out), nn.ReLU()]
        layers.append(nn.Linear(units[-1], workload.n_outputs))
        model = nn.Sequential(*layers).to(self.X_tensor.dtype)
        loss_fn = {
            "multiclass": nn.CrossEntropyLoss,
            "binary": nn.BCEWithLogitsLoss,
            "regression": nn.MSELoss,
        }[workload.task]()
        lr = LEARNING_RATES[self.solver]
        if self.solver == "adam":
            optimizer = torch.optim.Adam(model.parameters(), lr=lr)
        else:
            optimizer = torch.optim.SGD(
                model.parameters(), lr=lr, momentum=0.9, nesterov=True
            )

        X, y = self.X_tensor, self.y_tensor
        n_samples, batch_size = X.shape[0], workload.batch_size
        for _ in range(n_epochs):
            order = torch.randperm(n_samples)
            epoch_loss = 0.0
            for start in range(0, n_samples, batch_size):
                idx = order[start : start + batch_size]
                optimizer.zero_grad()
                loss = loss_fn(model(X[idx]), y[idx])
                loss.backward()
                optimizer.step()
                # The estimators record the epoch's loss (loss_curve_); so
                # does a typical loop.
                epoch_loss += loss.item() * len(idx)


class FloorSystem(System):
    """The matrix products of backpropagation, and nothing else.

    Per batch: the rows are gathered into a preallocated buffer
    (``np.take(..., out=, mode='clip')``, as a NumPy MLP must); forward
    ``Z_l = A_{l-1} @ W_l`` with ``A_l = Z_l`` (no bias, no activation);
    backward ``dW_l = A_{l-1}.T @ D_l`` for every layer and
    ``D_{l-1} = D_l @ W_l.T`` for every layer but the first, from
    ``D_L = Z_L`` (no loss). Every product writes into a preallocated
    array (``np.matmul(..., out=)``) and nothing is updated. A NumPy MLP
    does at least this work on the same batches, so its time is a lower
    bound for one.
    """

    name = "floor"

    def fit_epochs(self, n_epochs):
        X, workload = self.X, self.workload
        n_samples, dtype = X.shape[0], X.dtype
        batch_size = min(workload.batch_size, n_samples)
        units = [workload.n_features, *workload.hidden, workload.n_outputs]
        rng = np.random.RandomState(MODEL_SEED)
        # Glorot-scaled weights keep every product of order one, far from
        # overflow and from subnormal numbers (which are slow).
        weights = [
            (rng.standard_normal((a, b)) * np.sqrt(2.0 / (a + b))).astype(dtype)
            for a, b in zip(units[:-1], units[1:], strict=True)
        ]
        grads = [np.empty_like(W) for W in weights]
        batch = np.empty((batch_size, units[0]), dtype=dtype)
        outputs = [np.empty((batch_size, u), dtype=dtype) for u in units[1:]]
        deltas = [np.empty((batch_size, u), dtype=dtype) for u in units[1:-1]]

        sample_idx = np.arange(n_samples)
        for _ in range(n_epochs):
            rng.shuffle(sample_idx)
            for start in range(0, n_samples, batch_size):
                idx = sample_idx[start : start + batch_size]
                n = len(idx)
                A = np.take(X, idx, axis=0, out=batch[:n], mode="clip")
                inputs = []  # A_{l-1} of each layer
                for W, out in zip(weights, outputs, strict=True):
                    inputs.append(A)
                    A = np.matmul(A, W, out=out[:n])
                D = A
                for layer in range(len(weights) - 1, -1, -1):
                    np.matmul(inputs[layer].T, D, out=grads[layer])
                    if layer > 0:
                        D = np.matmul(D, weights[layer].T, out=deltas[layer - 1][:n])


SYSTEMS = {
    system.name: system
    for system in (SkbackpropSystem, SklearnSystem, TorchSystem, FloorSystem)
}


# ----------------------------------------------------------------------
# Timing
# ----------------------------------------------------------------------
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


# ----------------------------------------------------------------------
# Memory
# ----------------------------------------------------------------------
def memory_method(system_name, mode):
    """How the peak memory of ``system_name`` is measured (None: not at all)."""
    if mode == "none":
        return None
    if mode == "rss" or system_name == "torch":
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
        command = [sys.executable, str(Path(__file__).resolve())]
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


# ----------------------------------------------------------------------
# One-row partial_fit and prediction
# ----------------------------------------------------------------------
PARTIAL_FIT = {"n_features": 20, "hidden": (32,), "first_chunk": 100}
PARTIAL_FIT_CLASSES = [0, 1]


def time_partial_fit(systems, solvers, repeats, n_calls, log):
    """Microseconds per one-row ``partial_fit`` and ``predict_proba`` call.

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

    def predict_rows(model):
        for i in rows:
            model.predict_proba(X[i : i + 1])

    operations = [("partial_fit", solver, partial_fit_rows) for solver in solvers]
    operations.append(("predict_proba", solvers[0], predict_rows))
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


# ----------------------------------------------------------------------
# Linear scaling
# ----------------------------------------------------------------------
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


# ----------------------------------------------------------------------
# Targets from the project's issue
# ----------------------------------------------------------------------
def evaluate_targets(result):
    """The measured figures against the project's performance targets.

    Returns
    -------
    targets : list of dict
        ``target``, ``where``, ``value``, ``required``, ``status`` (``met``
        or ``NOT met``); a target without a measurement is left out.
    """
    targets = []

    def check(target, where, value, bound, strict=False):
        if value is None:
            return
        met = value < bound if strict else value <= bound
        targets.append(
            {
                "target": target,
                "where": where,
                "value": value,
                "required": f"{'<' if strict else '<='} {bound}",
                "status": "met" if met else "NOT met",
            }
        )

    for entry in result["training"]:
        where = f"{entry['workload']} {entry['solver']}"
        ratios = entry["ratios"]
        if entry["workload"] in ("digits", "stream", "regression"):
            check("2x faster than sklearn", where, ratios.get("sklearn"), 0.5)
        if entry["workload"] in ("mnist-f32", "mnist-f64"):
            check("within 1.3x of the floor", where, ratios.get("floor"), 1.3)
        check("never slower than torch", where, ratios.get("torch"), 1.0)
        # On the workloads whose X outweighs the model: a copy of X in fit
        # would make the added peak at least the size of X.
        memory = entry["memory"].get(OURS)
        if memory and entry["workload"] in ("mnist-f32", "mnist-f64", "regression"):
            value = memory["peak_mib"] / entry["x_mib"]
            check("fit adds no copy of X (peak / X)", where, value, 1.0, strict=True)
    for entry in result["partial_fit"]:
        if entry["operation"] == "partial_fit":
            check(
                "one-row partial_fit 10x cheaper than sklearn",
                entry["solver"],
                entry["ratios"].get("sklearn"),
                0.1,
            )
    return targets


# ----------------------------------------------------------------------
# Environment
# ----------------------------------------------------------------------
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


# ----------------------------------------------------------------------
# Markdown report
# ----------------------------------------------------------------------
def fmt(value, spec):
    """``format(value, spec)``, or ``n/a`` for a missing value."""
    return "n/a" if value is None else format(value, spec)


def markdown_table(headers, rows, align):
    """A Markdown table; ``align`` holds ``'l'`` or ``'r'`` per column."""
    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join({"l": "---", "r": "--:"}[a] for a in align) + "|",
    ]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def describe_pool(pool):
    """One threadpoolctl pool, e.g. ``openblas 0.3.31 (SkylakeX, pthreads) ...``.

    The directory of the library (``numpy.libs``, ``torch/lib``) tells
    apart the copies that several packages bundle.
    """
    name = " ".join(str(pool[k]) for k in ("internal_api", "version") if pool[k])
    details = [str(pool[k]) for k in ("architecture", "threading_layer") if pool[k]]
    details = f" ({', '.join(details)})" if details else ""
    where = Path(pool["filepath"]).parent
    where = where.name if where.name != "lib" else f"{where.parent.name}/lib"
    return f"{name}{details} in {where}: {pool['num_threads']} threads"


def describe_others(share):
    return "unknown" if share is None else f"{share:.0%} of the CPUs"


def render_header(result):
    env, settings = result["environment"], result["settings"]
    torch_version = (
        f"{env['torch']} (torch.get_num_threads() = {env['torch_num_threads']})"
        if env["torch"]
        else "not installed"
    )
    limits = settings["blas_threads"]
    load = " ".join(f"{x:.2f}" for x in env["load_average"] or [])
    lines = [
        "# skbackprop benchmark" + (" (quick)" if settings["quick"] else ""),
        "",
        f"- date: {env['date']}",
        f"- machine: {env['platform']}, {env['cpu']}, os.cpu_count() = "
        f"{env['cpu_count']} (usable: {env['usable_cpus']})",
        f"- Python {env['python']}, numpy {env['numpy']}, scipy {env['scipy']}, "
        f"scikit-learn {env['sklearn']}, torch {torch_version}, "
        f"skbackprop {env['skbackprop']} (git {env['git']})",
        "- thread pools (threadpoolctl): "
        + "; ".join(describe_pool(pool) for pool in env["threadpools"])
        + (f" (limited by --blas-threads {limits})" if limits else ""),
        f"- command: `{env['command']}`",
        f"- each time is the median of {settings['repeats']} interleaved repeats; "
        f"run time {result['run_seconds']:.1f} s; load average at start: {load}; "
        f"other processes used {describe_others(result['others_cpu_share'])} "
        "during the run",
    ]
    share = result["others_cpu_share"]
    if share is not None and share > BUSY_MACHINE:
        lines += [
            "",
            f"**Warning: other processes used {share:.0%} of the CPUs during this "
            "run; its timings are not reliable.**",
        ]
    return "\n".join(lines) + "\n"


TRAINING_COLUMNS = (
    "workload", "solver", "dtype", "system", "s/epoch (median)", "spread",
    "ours / system", "peak MiB",
)  # fmt: skip
MEMORY_MARKS = {"tracemalloc": "", "rss": " †"}


def training_row(entry, name):
    """One row of a training table: a system on a workload and solver."""
    timing, memory = entry["timings"][name], entry["memory"].get(name)
    cells = [entry["workload"], entry["solver"], entry["dtype"], name]
    if timing is None:
        return cells + ["n/a"] * 4
    ratio = 1.0 if name == OURS else entry["ratios"].get(name)
    peak = (
        fmt(memory["peak_mib"], ".1f") + MEMORY_MARKS[memory["method"]]
        if memory
        else "–"
    )
    spread = (timing["max"] - timing["min"]) / timing["median"]
    return cells + [f"{timing['median']:.4g}", f"{spread:.0%}", fmt(ratio, ".2f"), peak]


def render_training(result):
    out = ["## Seconds per epoch", ""]
    groups = {}
    for entry in result["training"]:
        groups.setdefault(entry["group"], []).append(entry)
    for entries in groups.values():
        sizes = {e["workload"]: f"{e['dtype']} {e['x_mib']:.1f} MiB" for e in entries}
        others = max(
            (e["others_cpu_share"] for e in entries if e["others_cpu_share"]),
            default=None,
        )
        out += [
            f"### {entries[0]['group']}: {entries[0]['description']}",
            "",
            f"X: {', '.join(sizes.values())}. Other processes: up to "
            f"{describe_others(others)}.",
            "",
        ]
        rows = [training_row(e, name) for e in entries for name in e["timings"]]
        out += [markdown_table(TRAINING_COLUMNS, rows, "llllrrrr"), ""]
    out += ["### Summary: ours / other (below 1: skbackprop is faster)", ""]
    rows = [
        [e["workload"], e["solver"], e["dtype"]]
        + [fmt(e["ratios"].get(name), ".2f") for name in ("sklearn", "torch", "floor")]
        for e in result["training"]
    ]
    columns = (
        "workload",
        "solver",
        "dtype",
        "ours/sklearn",
        "ours/torch",
        "ours/floor",
    )
    out += [
        markdown_table(columns, rows, "lllrrr"),
        "",
        "s/epoch: seconds per epoch of a whole `fit` (validation and "
        "initialisation included) divided by its epochs. spread: (max - min) / "
        "median over the repeats. peak MiB: memory a one-epoch fit adds beyond "
        "the data (MiB = 2^20 bytes), measured with `tracemalloc`, or, marked †, "
        "as the growth of the peak resident set size in a fresh subprocess "
        "(PyTorch's allocations are invisible to `tracemalloc`; RSS also counts "
        "library workspaces and whole pages, so the two compare only roughly).",
        "",
    ]
    return "\n".join(out)


def render_partial_fit(result):
    entries = result["partial_fit"]
    out = [
        "## One-row partial_fit",
        "",
        f"A binary classifier ({PARTIAL_FIT['n_features']} features, hidden "
        f"{PARTIAL_FIT['hidden']}), after `partial_fit` on "
        f"{PARTIAL_FIT['first_chunk']} rows, makes {entries[0]['n_calls']} calls "
        f"on one row each, `classes={PARTIAL_FIT_CLASSES}` passed on every call.",
        "",
    ]
    rows = []
    for entry in entries:
        solver = entry["solver"] if entry["operation"] == "partial_fit" else "–"
        for name, timing in entry["microseconds_per_call"].items():
            ratio = 1.0 if name == OURS else entry["ratios"].get(name)
            rows.append(
                [
                    f"`{entry['operation']}`",
                    solver,
                    name,
                    f"{timing['median']:.1f}",
                    fmt(ratio, ".3f"),
                ]
            )
    columns = ("call", "solver", "system", "µs/call (median)", "ours / system")
    out += [markdown_table(columns, rows, "lllrr"), ""]
    return "\n".join(out)


def render_scaling(result):
    scaling = result["scaling"]
    out = [
        "## Linear scaling",
        "",
        f"skbackprop on `{scaling['workload']}` ({scaling['solver']}, "
        f"{scaling['dtype']}, batch {scaling['batch_size']}) at three sizes; the "
        "time per sample should not grow with the number of samples.",
        "",
    ]
    rows = [
        [
            row["n_samples"],
            f"{row['seconds_per_epoch']['median']:.4g}",
            f"{row['microseconds_per_sample']:.2f}",
            f"{row['relative_to_smallest']:.2f}",
        ]
        for row in scaling["rows"]
    ]
    columns = ("n_samples", "s/epoch (median)", "µs/sample", "relative to smallest")
    out += [markdown_table(columns, rows, "rrrr"), ""]
    return "\n".join(out)


def render_targets(result):
    rows = [
        [t["target"], t["where"], f"{t['value']:.3f}", t["required"], t["status"]]
        for t in result["targets"]
    ]
    columns = ("target", "where", "measured", "required", "status")
    return "\n".join(["## Targets", "", markdown_table(columns, rows, "llrll"), ""])


def render_markdown(result):
    """The whole report: header, then each section that was run."""
    parts = [render_header(result)]
    if result["training"]:
        parts.append(render_training(result))
    if result["partial_fit"]:
        parts.append(render_partial_fit(result))
    if result["scaling"]:
        parts.append(render_scaling(result))
    if result["targets"]:
        parts.append(render_targets(result))
    return "\n".join(parts).rstrip() + "\n"


# ----------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------
EXTRA_WORKLOADS = ("partial-fit", "scaling")


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
