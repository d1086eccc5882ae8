"""
==================================
A real table, start to finish
==================================

The data of most projects is a table: numeric columns and categorical ones,
with gaps in both. This example takes such a table from a pandas
``DataFrame`` to a tuned, saved model:

- missing values filled in, numeric columns scaled, categories one-hot
  encoded, all inside one scikit-learn ``Pipeline``;
- a :class:`~sklearn.model_selection.RandomizedSearchCV` over the penalty
  ``alpha`` and the learning rate (both on a log scale) and the hidden layer
  sizes of a :class:`~skbackprop.MiniBatchMLPClassifier`;
- the curves of the best model read to check its training;
- the best pipeline saved with joblib and loaded back;
- beside it, :class:`~skbackprop.TabularMLPClassifier`, which does the
  preprocessing itself and trains with strong defaults, in one line.

Every step is scikit-learn's own: the estimator is a drop-in for
``MLPClassifier``, so the same code runs with either.
"""

# %%
# The table
# ---------
#
# A table of 3,000 customers of a subscription service, made up here so that
# the example runs without a download: three numeric columns, three
# categorical ones, and missing values in four of them, as real exports
# have. The target, whether the customer left within the year, depends on
# the columns in a non-linear way (the plan changes how tenure and charges
# matter), plus noise.

import tempfile
import warnings
from pathlib import Path

import joblib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy.stats import loguniform
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.model_selection import RandomizedSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skbackprop import MiniBatchMLPClassifier, TabularMLPClassifier
from skbackprop.plotting import LossCurveDisplay

rng = np.random.RandomState(0)
n = 3_000
plan = rng.choice(["basic", "standard", "premium"], size=n, p=[0.5, 0.3, 0.2])
region = rng.choice(["north", "south", "east", "west"], size=n)
payment = rng.choice(["card", "transfer", "cash"], size=n, p=[0.6, 0.3, 0.1])
age = rng.normal(45, 14, size=n).clip(18, 90).round()
tenure = rng.exponential(24, size=n).round()
charges = 20 + 15 * (plan == "standard") + 40 * (plan == "premium") + rng.gamma(2, 5, n)
logit = (
    2.0
    - 0.12 * tenure * np.where(plan == "premium", 2.0, 1.0)
    + 0.1 * (charges - 45) * np.where(plan == "basic", 1.5, 0.3)
    + 1.5 * (payment == "cash")
    - 0.05 * np.abs(age - 40)
    + 1.0 * (region == "south")
)
churned = rng.uniform(size=n) < 1 / (1 + np.exp(-logit))

table = pd.DataFrame(
    {
        "age": age,
        "tenure_months": tenure,
        "monthly_charges": charges.round(2),
        "plan": plan,
        "region": region,
        "payment": payment,
    }
)
for column, share in [
    ("age", 0.08),
    ("monthly_charges", 0.03),
    ("plan", 0.05),
    ("payment", 0.10),
]:
    table.loc[rng.uniform(size=n) < share, column] = np.nan
y = np.where(churned, "left", "stayed")

print(table.head())
print(table.dtypes.to_string())
print(f"missing values per column:\n{table.isna().sum().to_string()}")
print(f"share of customers who left: {np.mean(y == 'left'):.2f}")

# %%
# The preprocessing and the model, in one pipeline
# ------------------------------------------------
#
# A :class:`~sklearn.compose.ColumnTransformer` sends each group of columns
# through its own steps:
#
# - numeric columns: the median fills a gap, and ``add_indicator=True`` adds
#   a 0/1 column for each column that had gaps, so that the network can
#   learn from the fact that a value was missing; then a ``StandardScaler``,
#   which a multilayer perceptron needs (unscaled inputs make training slow
#   or unstable);
# - categorical columns: a gap becomes a category of its own, ``"missing"``,
#   then a one-hot encoding; ``handle_unknown="ignore"`` maps a category
#   never seen in training to all zeros instead of an error.
#
# Fitted inside a pipeline, the imputer's medians and the scaler's statistics
# come from the training part of each cross-validation split only.

numeric = ["age", "tenure_months", "monthly_charges"]
categorical = ["plan", "region", "payment"]
preprocess = ColumnTransformer(
    [
        (
            "numeric",
            make_pipeline(
                SimpleImputer(strategy="median", add_indicator=True), StandardScaler()
            ),
            numeric,
        ),
        (
            "categorical",
            make_pipeline(
                SimpleImputer(strategy="constant", fill_value="missing"),
                OneHotEncoder(handle_unknown="ignore"),
            ),
            categorical,
        ),
    ]
)
model = make_pipeline(
    preprocess,
    MiniBatchMLPClassifier(early_stopping=True, max_iter=100, random_state=0),
)

X_train, X_test, y_train, y_test = train_test_split(
    table, y, test_size=0.25, stratify=y, random_state=0
)
print(f"{preprocess.fit_transform(X_train).shape[1]} columns after preprocessing")

# %%
# A randomized search
# -------------------
#
# ``alpha`` (the L2 penalty) and ``learning_rate_init`` matter on a log
# scale, so they are drawn from log-uniform distributions; the hidden layer
# sizes from a short list. Twelve candidates, three folds each. The
# parameters are named through the pipeline, ``<step>__<parameter>``.
# ``early_stopping=True`` keeps 10% of each training part aside and stops
# when its accuracy stops improving, so no candidate needs its number of
# epochs tuned. With ``n_jobs=-1`` the search would train the candidates in
# parallel, with the same results.

search = RandomizedSearchCV(
    model,
    {
        "minibatchmlpclassifier__alpha": loguniform(1e-5, 1e0),
        "minibatchmlpclassifier__learning_rate_init": loguniform(1e-4, 1e-1),
        "minibatchmlpclassifier__hidden_layer_sizes": [(16,), (64,), (64, 32)],
    },
    n_iter=12,
    cv=3,
    random_state=0,
)
with warnings.catch_warnings():
    # A candidate with a tiny learning rate may reach max_iter: that is what
    # the search is there to find out.
    warnings.simplefilter("ignore", ConvergenceWarning)
    search.fit(X_train, y_train)

results = pd.DataFrame(search.cv_results_)
columns = {
    "param_minibatchmlpclassifier__hidden_layer_sizes": "hidden",
    "param_minibatchmlpclassifier__alpha": "alpha",
    "param_minibatchmlpclassifier__learning_rate_init": "learning rate",
    "mean_test_score": "CV accuracy",
    "std_test_score": "std",
}
print(
    results.sort_values("rank_test_score")[list(columns)]
    .rename(columns=columns)
    .to_string(index=False, float_format="{:.3g}".format)
)
print(f"held-out accuracy of the best pipeline: {search.score(X_test, y_test):.3f}")

# %%
# Most candidates score within about one standard deviation (over the folds)
# of each other: on this table the network is not fussy, and any of them
# would do. The one that falls behind pairs one of the two smallest learning
# rates with a strong penalty and the smallest network: its steps are too
# short for the validation score to improve for long, and early stopping
# ends it before it has learnt. A search says as much about the flat parts
# of the space as about its best point.

hidden = results["param_minibatchmlpclassifier__hidden_layer_sizes"].astype(str)
fig, ax = plt.subplots(figsize=(6.5, 4))
for sizes, marker in zip(sorted(hidden.unique()), "osD", strict=True):
    rows = results[hidden == sizes]
    ax.errorbar(
        rows["param_minibatchmlpclassifier__learning_rate_init"].astype(float),
        rows["mean_test_score"],
        yerr=rows["std_test_score"],
        fmt=marker,
        capsize=3,
        label=f"hidden_layer_sizes={sizes}",
    )
ax.set_xscale("log")
ax.set_xlabel("learning_rate_init")
ax.set_ylabel("mean CV accuracy (bar: one std)")
ax.set_title("the candidates of the search")
ax.legend(loc="lower right")
fig.tight_layout()
plt.show()

# %%
# Reading the curves of the best model
# ------------------------------------
#
# The search refits the best candidate on the whole training set. Its
# curves say whether that training went well: the training loss should fall
# and level off, and the validation accuracy rise and level off. A training
# loss still falling at the last epoch would call for a larger ``max_iter``;
# a validation score that falls while the training loss goes on falling is
# overfitting, which early stopping cuts short. The vertical line marks the
# epoch whose weights the model kept.
#
# Here the losses level off within a few epochs. The validation accuracy is
# measured on 10% of the training rows (225), so it moves by a few points
# from one epoch to the next, and which epoch scores best is partly chance.
# A larger ``validation_fraction``, or a validation set of your own
# (``fit(X, y, X_val=..., y_val=...)``), makes that choice steadier.

best_mlp = search.best_estimator_[-1]
chosen = best_mlp.get_params()
print(
    f"best candidate: hidden_layer_sizes={chosen['hidden_layer_sizes']}, "
    f"alpha={chosen['alpha']:.3g}, "
    f"learning_rate_init={chosen['learning_rate_init']:.3g}"
)
print(
    f"epochs: {best_mlp.n_iter_}, best validation accuracy: "
    f"{best_mlp.best_validation_score_:.3f}"
)
display = LossCurveDisplay.from_estimator(best_mlp)
display.ax_.set_title("the best pipeline's network")
plt.show()

# %%
# The same table in one line: the tabular recipe
# ----------------------------------------------
#
# :class:`~skbackprop.TabularMLPClassifier` takes the data frame as it is and
# does its own preprocessing (the numbers robustly scaled and smoothly
# clipped, a missing number at the median, the categories one-hot encoded
# with a missing value as a category of its own), then trains with the
# defaults of a published recipe for tables (RealMLP-TD; see
# :doc:`/user_guide/strong_defaults_for_tables`, which also says when trees
# are the better choice). No pipeline and no search: a strong first model,
# to compare the tuned pipeline with.

tabular = TabularMLPClassifier(random_state=0).fit(X_train, y_train)
print(f"tuned pipeline, test accuracy:  {search.score(X_test, y_test):.3f}")
print(f"tabular recipe, test accuracy:  {tabular.score(X_test, y_test):.3f}")

# %%
# Saving the model, loading it back
# ---------------------------------
#
# The whole pipeline is saved, preprocessing included, so the loaded model
# takes the raw table, gaps and all. joblib (or pickle) loads it in an
# environment with the same versions of the libraries;
# :doc:`/user_guide/persistence` has the details, and skops files, which
# load without running code from the file.

best = search.best_estimator_
with tempfile.TemporaryDirectory() as directory:
    path = Path(directory) / "churn_model.joblib"
    joblib.dump(best, path)
    loaded = joblib.load(path)

new_customers = X_test.head(3)
print(new_customers.to_string())
print(f"predictions: {loaded.predict(new_customers)}")
same = np.array_equal(loaded.predict_proba(X_test), best.predict_proba(X_test))
print(f"identical probabilities after loading: {same}")
