"""Settings shared by the modules of the benchmark, and PyTorch if installed."""

from pathlib import Path

try:
    import torch
except ImportError:  # PyTorch is optional: its rows are shown as n/a.
    torch = None

# The benchmarks/ directory, which holds run.py (the entry point, also of the
# memory subprocess) and results/.
BENCH_DIR = Path(__file__).resolve().parent.parent
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
