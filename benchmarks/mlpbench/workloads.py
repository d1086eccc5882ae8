"""The training workloads and the data they train on."""

import dataclasses

import numpy as np
from sklearn.datasets import load_digits

from .common import DATA_SEED


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
