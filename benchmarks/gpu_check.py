"""Device check: the MNIST-sized workload on a GPU, through the Array API.

Trains ``MiniBatchMLPClassifier(hidden_layer_sizes=(256, 128),
batch_size=256, solver="adam")`` on random float32 data of 60000 x 784 with
10 classes (the benchmark's ``mnist-f32`` workload) for a few epochs:

- ``skbackprop torch``: the estimator given PyTorch tensors on the device,
  under ``sklearn.config_context(array_api_dispatch=True)``;
- ``skbackprop cupy``: the same with CuPy arrays, when CuPy is installed;
- ``torch loop``: a plain PyTorch loop on the same device (``nn.Sequential``
  of ``Linear`` and ``ReLU``, cross-entropy, ``Adam``, ``randperm`` batches,
  ``loss.item()`` per batch as the estimator records its loss), the yardstick;
- ``skbackprop numpy (cpu)``: the NumPy estimator on the host, one epoch.

Each is warmed up with one untimed epoch on 2048 rows; the device is
synchronised before each clock reading. It prints seconds per epoch (the
median of the timed epochs) and the two ratios the project aims at:
``skbackprop torch / torch loop`` (aim: at most 1.5) and ``numpy cpu /
skbackprop torch`` (aim: more than 20). A ``--budget`` (default 240 s) stops
adding epochs once spent, so the whole check ends within 5 minutes.

Usage, from the repository root on a machine with a GPU::

    python benchmarks/gpu_check.py [--device cuda] [--epochs 3] [--out DIR]

``--device cpu --rows 2048 --epochs 1`` runs the same code on the CPU (the
test suite does, so that the script stays ready).
"""

import argparse
import json
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

# scikit-learn's array API dispatch needs SciPy's, read at SciPy's import.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from sklearn import config_context  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from skbackprop import MiniBatchMLPClassifier  # noqa: E402

HIDDEN, BATCH, CLASSES, FEATURES, LEARNING_RATE = (256, 128), 256, 10, 784, 1e-3


def make_data(n_rows, seed=0):
    """Random pixels in [0, 1) and labels: the shape of MNIST, no download."""
    rng = np.random.RandomState(seed)
    X = rng.random_sample((n_rows, FEATURES)).astype(np.float32)
    y = rng.randint(CLASSES, size=n_rows)
    return X, y


def synchronize(device):
    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def estimator_epochs(X, y, n_epochs, budget, sync):
    """Seconds of each epoch of one fit, the epochs timed by a callback-free loop."""
    model = MiniBatchMLPClassifier(
        hidden_layer_sizes=HIDDEN,
        batch_size=BATCH,
        learning_rate_init=LEARNING_RATE,
        max_iter=1,
        warm_start=True,
        tol=0.0,
        n_iter_no_change=10**6,
        random_state=0,
    )
    model.fit(X[:2048], y[:2048])  # warm-up, untimed
    model = MiniBatchMLPClassifier(**{**model.get_params()})
    seconds, started = [], time.perf_counter()
    for _ in range(n_epochs):  # warm_start: each fit is one more epoch
        sync()
        start = time.perf_counter()
        model.fit(X, y)
        sync()
        seconds.append(time.perf_counter() - start)
        if time.perf_counter() - started > budget:
            break
    return seconds


def torch_loop_epochs(X, y, n_epochs, budget, device):
    from torch import nn

    def train(X, y, n_epochs):
        torch.manual_seed(0)
        units = [FEATURES, *HIDDEN]
        layers = []
        for fan_in, fan_out in zip(units[:-1], units[1:], strict=True):
            layers += [nn.Linear(fan_in, fan_out), nn.ReLU()]
        model = nn.Sequential(*layers, nn.Linear(units[-1], CLASSES)).to(device)
        optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
        loss_fn = nn.CrossEntropyLoss()
        seconds, started = [], time.perf_counter()
        for _ in range(n_epochs):
            synchronize(device)
            start = time.perf_counter()
            order = torch.randperm(X.shape[0], device=device)
            total = 0.0
            for first in range(0, X.shape[0], BATCH):
                idx = order[first : first + BATCH]
                optimizer.zero_grad()
                loss = loss_fn(model(X[idx]), y[idx])
                loss.backward()
                optimizer.step()
                total += loss.item() * idx.shape[0]
            synchronize(device)
            seconds.append(time.perf_counter() - start)
            if time.perf_counter() - started > budget:
                break
        return seconds

    train(X[:2048], y[:2048], 1)  # warm-up
    return train(X, y, n_epochs)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--rows", type=int, default=60000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--budget", type=float, default=240.0, help="seconds")
    parser.add_argument("--out", type=Path, help="also write gpu_check.json here")
    args = parser.parse_args(argv)
    # Each timed epoch is a warm-started fit(max_iter=1), which warns.
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    device = torch.device(args.device)
    per_system_budget = args.budget / 4
    X, y = make_data(args.rows)
    results = {
        "device": str(device),
        "device_name": (
            torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
        ),
        "torch": torch.__version__,
        "rows": args.rows,
        "seconds_per_epoch": {},
    }

    def record(name, seconds):
        results["seconds_per_epoch"][name] = statistics.median(seconds)
        print(f"{name:<24} {statistics.median(seconds):8.3f} s/epoch  {seconds}")

    X_t = torch.from_numpy(X).to(device)
    y_t = torch.from_numpy(y).to(device)
    with config_context(array_api_dispatch=True):
        record(
            "skbackprop torch",
            estimator_epochs(
                X_t, y_t, args.epochs, per_system_budget, lambda: synchronize(device)
            ),
        )
    record(
        "torch loop",
        torch_loop_epochs(X_t, y_t, args.epochs, per_system_budget, device),
    )
    try:
        import cupy
    except ImportError:
        print("skbackprop cupy: CuPy is not installed")
    else:
        with config_context(array_api_dispatch=True):
            record(
                "skbackprop cupy",
                estimator_epochs(
                    cupy.asarray(X),
                    cupy.asarray(y),
                    args.epochs,
                    per_system_budget,
                    cupy.cuda.Device().synchronize,
                ),
            )
    record(
        "skbackprop numpy (cpu)",
        estimator_epochs(X, y, 1, per_system_budget, lambda: None),
    )
    times = results["seconds_per_epoch"]
    results["ours_over_torch_loop"] = times["skbackprop torch"] / times["torch loop"]
    results["numpy_cpu_over_ours"] = (
        times["skbackprop numpy (cpu)"] / times["skbackprop torch"]
    )
    print(
        f"skbackprop torch / torch loop: {results['ours_over_torch_loop']:.2f} "
        "(aim: at most 1.5)"
    )
    print(
        f"numpy cpu / skbackprop torch: {results['numpy_cpu_over_ours']:.1f} "
        "(aim: more than 20)"
    )
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "gpu_check.json").write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
