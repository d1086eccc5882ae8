"""skbackprop beside scikit-learn's MLP, on two datasets bundled with scikit-learn.

Each of skbackprop's estimators is trained next to its scikit-learn
counterpart with the same parameters and the same ``random_state``:

- ``digits`` (8x8 images of handwritten digits, 10 classes):
  ``MiniBatchMLPClassifier`` vs ``sklearn.neural_network.MLPClassifier``;
- ``diabetes`` (10 features, disease progression after one year):
  ``MiniBatchMLPRegressor`` vs ``sklearn.neural_network.MLPRegressor``.

The same seed gives both libraries the same initial weights and the same
shuffled mini-batches, so they follow the same training path. The table
shows the test score (accuracy, or R^2), the number of epochs run, the
median fit time of three fits, and the largest absolute difference between
the two fitted models' weights and biases: zero, or a difference at the
level of floating-point round-off, means the two are the same model.

Run it with ``make demo`` (or ``python examples/demo.py``).
"""

import statistics
import time

import numpy as np
from sklearn.base import clone
from sklearn.datasets import load_diabetes, load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler

from skbackprop import MiniBatchMLPClassifier, MiniBatchMLPRegressor

SEED = 0
N_TIMINGS = 3


def digits_data():
    """Digits, split into train and test sets, features standardised."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=SEED, stratify=y
    )
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def diabetes_data():
    """Diabetes, split into train and test sets, features and target standardised.

    The target (a disease score of about 25 to 350) is standardised too, so
    that the network's output starts on the right scale; R^2 does not change
    under this rescaling.
    """
    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=SEED
    )
    x_scaler = StandardScaler().fit(X_train)
    y_mean, y_std = y_train.mean(), y_train.std()
    return (
        x_scaler.transform(X_train),
        x_scaler.transform(X_test),
        (y_train - y_mean) / y_std,
        (y_test - y_mean) / y_std,
    )


def timed_fit(estimator, X, y):
    """Fit a fresh clone ``N_TIMINGS`` times; return the last and the median time."""
    times = []
    for _ in range(N_TIMINGS):
        fitted = clone(estimator)
        start = time.perf_counter()
        fitted.fit(X, y)
        times.append(time.perf_counter() - start)
    return fitted, statistics.median(times)


def max_weight_difference(a, b):
    """Largest absolute difference between two fitted MLPs' weights and biases."""
    return max(
        float(np.max(np.abs(p - q)))
        for p, q in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_, strict=True)
    )


def compare(dataset, ours, theirs, data):
    """Train both estimators on one dataset; return two table rows."""
    X_train, X_test, y_train, y_test = data
    fitted_ours, time_ours = timed_fit(ours, X_train, y_train)
    fitted_theirs, time_theirs = timed_fit(theirs, X_train, y_train)
    difference = f"{max_weight_difference(fitted_ours, fitted_theirs):.1e}"
    return [
        (
            dataset,
            type(fitted_theirs).__name__,
            f"{fitted_theirs.score(X_test, y_test):.4f}",
            str(fitted_theirs.n_iter_),
            f"{time_theirs:.3f}",
            "(reference)",
        ),
        (
            dataset,
            type(fitted_ours).__name__,
            f"{fitted_ours.score(X_test, y_test):.4f}",
            str(fitted_ours.n_iter_),
            f"{time_ours:.3f}",
            difference,
        ),
    ]


def print_table(header, rows):
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    # Text columns aligned left, numbers right.
    align = ["<", "<", ">", ">", ">", ">"]

    def line(row):
        return "  ".join(
            f"{cell:{a}{w}}" for cell, a, w in zip(row, align, widths, strict=True)
        )

    print(line(header))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line(row))


def main():
    # Identical parameters for both libraries; the same random_state gives
    # both the same initial weights and the same shuffled batches. Both
    # configurations stop on their own (the training loss stops improving
    # by tol), so no ConvergenceWarning is expected or silenced.
    classifier_params = dict(
        hidden_layer_sizes=(64,),
        solver="adam",
        alpha=1e-4,
        learning_rate_init=1e-3,
        max_iter=300,
        random_state=SEED,
    )
    regressor_params = dict(
        hidden_layer_sizes=(32,),
        solver="adam",
        alpha=3.0,  # diabetes is small and noisy: a strong L2 penalty helps
        learning_rate_init=3e-3,
        batch_size=32,
        max_iter=300,
        random_state=SEED,
    )
    rows = compare(
        "digits",
        MiniBatchMLPClassifier(**classifier_params),
        MLPClassifier(**classifier_params),
        digits_data(),
    )
    rows += compare(
        "diabetes",
        MiniBatchMLPRegressor(**regressor_params),
        MLPRegressor(**regressor_params),
        diabetes_data(),
    )
    header = (
        "dataset",
        "estimator",
        "test score",
        "epochs",
        "fit time (s)",
        "max |w - w_sklearn|",
    )
    print_table(header, rows)
    print()
    print("test score: accuracy (digits) or R^2 (diabetes), on a held-out 25%.")
    print(f"fit time: median of {N_TIMINGS} fits.")


if __name__ == "__main__":
    main()
