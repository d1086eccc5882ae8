"""Saving and loading fitted estimators with pickle, joblib and skops."""

import importlib
import inspect
import io
import json
import pathlib
import pickle
import sys
import zipfile
from types import SimpleNamespace

import joblib
import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.datasets import load_diabetes, load_iris
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbackprop import (
    MiniBatchMLPClassifier,
    MiniBatchMLPRegressor,
    TabularMLPClassifier,
    TabularMLPRegressor,
)
from skbackprop.core import ACTIVATIONS, LOSSES, SCHEDULES
from skbackprop.persistence import skops_trusted_types

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return StandardScaler().fit_transform(X), (y - y.mean()) / y.std()


@pytest.fixture
def sio():
    return pytest.importorskip(
        "skops.io", reason="needs the [skops] extra: pip install -e '.[skops]'"
    )


def _pickle_round_trip(model):
    return pickle.loads(pickle.dumps(model))


def _joblib_round_trip(model):
    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    buffer.seek(0)
    return joblib.load(buffer)


def _skops_round_trip(model):
    import skops.io

    return skops.io.loads(skops.io.dumps(model), trusted=skops_trusted_types())


ROUND_TRIPS = {"pickle": _pickle_round_trip, "joblib": _joblib_round_trip}


def _fitted(kind, dtype, iris, diabetes, **params):
    params = {"hidden_layer_sizes": (8, 5), "max_iter": 30, "random_state": 0} | params
    if kind == "classifier":
        X, y = iris
        model = MiniBatchMLPClassifier(**params)
    else:
        X, y = diabetes
        model = MiniBatchMLPRegressor(**params)
    X = X.astype(dtype)
    return model.fit(X, y), X, y


def _outputs(model, X):
    if hasattr(model, "predict_proba"):
        return model.predict_proba(X), model.predict(X)
    return (model.predict(X),)


def _assert_same_fitted_model(loaded, model, X):
    assert type(loaded) is type(model)
    assert loaded.get_params() == model.get_params()
    for a, b in zip(
        loaded.coefs_ + loaded.intercepts_,
        model.coefs_ + model.intercepts_,
        strict=True,
    ):
        assert a.dtype == b.dtype
        assert_array_equal(a, b)
    assert loaded.n_iter_ == model.n_iter_
    assert loaded.loss_curve_ == model.loss_curve_
    assert loaded.out_activation_ == model.out_activation_
    if hasattr(model, "classes_"):
        assert_array_equal(loaded.classes_, model.classes_)
    for a, b in zip(_outputs(loaded, X), _outputs(model, X), strict=True):
        assert a.dtype == b.dtype
        assert_array_equal(a, b)  # bitwise: the same computation on the same data


@pytest.mark.parametrize("round_trip", ROUND_TRIPS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_round_trip_gives_the_same_model(round_trip, dtype, kind, iris, diabetes):
    model, X, _ = _fitted(kind, dtype, iris, diabetes)
    assert model.coefs_[0].dtype == dtype
    loaded = ROUND_TRIPS[round_trip](model)
    _assert_same_fitted_model(loaded, model, X)


@pytest.mark.parametrize("round_trip", ROUND_TRIPS)
def test_unfitted_estimator_round_trip(round_trip):
    model = MiniBatchMLPRegressor(hidden_layer_sizes=(3, 2), alpha=0.5)
    loaded = ROUND_TRIPS[round_trip](model)
    assert loaded.get_params() == model.get_params()
    assert not hasattr(loaded, "coefs_")


def _stream(kind, iris, diabetes, dtype, solver, round_trip, n_chunks=6, stop_at=2):
    """Weights after a partial_fit stream, saved and loaded after chunk ``stop_at``."""
    X, y = iris if kind == "classifier" else diabetes
    X = X.astype(dtype)
    classifier = kind == "classifier"
    model = (MiniBatchMLPClassifier if classifier else MiniBatchMLPRegressor)(
        hidden_layer_sizes=(6,),
        solver=solver,
        momentum=0.9,
        batch_size=16,
        learning_rate_init=0.01,
        random_state=0,
    )
    extra = {"classes": np.unique(y)} if classifier else {}
    rng = np.random.RandomState(1)
    for k in range(n_chunks):
        idx = rng.choice(len(y), 40, replace=False)
        model.partial_fit(X[idx], y[idx], **(extra if k == 0 else {}))
        if round_trip is not None and k == stop_at:
            model = round_trip(model)
    return model


@pytest.mark.parametrize("round_trip", ROUND_TRIPS)
@pytest.mark.parametrize(
    "kind, dtype, solver",
    [
        ("classifier", np.float64, "adam"),
        ("classifier", np.float32, "sgd"),
        ("regressor", np.float32, "adam"),
        ("regressor", np.float64, "sgd"),
    ],
)
def test_partial_fit_stream_resumes_after_loading(
    round_trip, kind, dtype, solver, iris, diabetes
):
    straight = _stream(kind, iris, diabetes, dtype, solver, None)
    resumed = _stream(kind, iris, diabetes, dtype, solver, ROUND_TRIPS[round_trip])
    # The optimizer state (velocities, Adam's moments and step count), the
    # random state of the shuffles and the running sample-weight mean all
    # travel with the model: the weights are bit for bit those of a stream
    # that never stopped.
    assert resumed.n_iter_ == straight.n_iter_ == 6
    assert resumed.t_ == straight.t_
    assert resumed.loss_curve_ == straight.loss_curve_
    for a, b in zip(
        resumed.coefs_ + resumed.intercepts_,
        straight.coefs_ + straight.intercepts_,
        strict=True,
    ):
        assert a.dtype == dtype
        assert_array_equal(a, b)
    # The check has power: one chunk fewer gives other weights.
    shorter = _stream(kind, iris, diabetes, dtype, solver, None, n_chunks=5)
    assert not np.array_equal(shorter.coefs_[0], straight.coefs_[0])


# ----------------------------------------------------------------------
# skops
# ----------------------------------------------------------------------
def test_trusted_types_name_real_classes():
    names = skops_trusted_types()
    assert names == sorted(set(names))
    for name in names:
        module_name, _, class_name = name.rpartition(".")
        module = importlib.import_module(module_name)
        assert inspect.isclass(getattr(module, class_name))


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_skops_file_round_trip_with_trusted_types(sio, kind, iris, diabetes, tmp_path):
    model, X, _ = _fitted(kind, np.float32, iris, diabetes)
    path = tmp_path / "model.skops"
    sio.dump(model, path)

    untrusted = sio.get_untrusted_types(file=path)
    # skops does not trust our types by default: they must be named...
    estimator_name = f"{type(model).__module__}.{type(model).__qualname__}"
    assert {estimator_name, "skbackprop.core.network.Network"} <= set(untrusted)
    # ...and every one it reports is in the list we publish.
    assert set(untrusted) <= set(skops_trusted_types())

    with pytest.raises(sio.exceptions.UntrustedTypesFoundException):
        sio.load(path)
    with pytest.raises(sio.exceptions.UntrustedTypesFoundException):
        sio.load(path, trusted=[estimator_name])

    loaded = sio.load(path, trusted=skops_trusted_types())
    _assert_same_fitted_model(loaded, model, X)


# The options of the regressor's ``loss`` parameter, as declared.
_REGRESSOR_LOSSES = sorted(
    MiniBatchMLPRegressor._parameter_constraints["loss"][0].options
)
_CLASSIFIER_LOSSES = ["binary_log_loss", "log_loss"]


def _all_configurations(iris, diabetes):
    """Fitted models covering every activation, solver, loss and target kind."""
    X, y = iris
    Xr, yr = diabetes
    small = {"hidden_layer_sizes": (4, 3), "max_iter": 2, "random_state": 0}
    for activation in ACTIVATIONS:
        for solver in ("sgd", "adam", "lbfgs"):
            params = small | {"activation": activation, "solver": solver}
            yield MiniBatchMLPClassifier(**params).fit(X, y)
    for schedule in SCHEDULES:
        params = small | {"solver": "sgd", "learning_rate": schedule}
        yield MiniBatchMLPClassifier(**params).fit(X, y)
    yield MiniBatchMLPClassifier(**small).fit(X, y == 0)  # binary
    yield MiniBatchMLPClassifier(**small).fit(X, np.c_[y == 0, y == 1])  # multilabel
    yield MiniBatchMLPClassifier(early_stopping=True, **small).fit(X, y)
    for loss in _REGRESSOR_LOSSES:
        # The quantile loss has no default quantile.
        extra = {"quantile": 0.9} if loss == "quantile" else {}
        model = MiniBatchMLPRegressor(loss=loss, **extra, **small)
        yield model.fit(Xr, np.abs(yr))
    yield MiniBatchMLPRegressor(**small).fit(Xr.astype(np.float32), np.c_[yr, -yr])
    # The tabular estimators: a composite of an encoder and one of the above.
    yield TabularMLPClassifier(**small).fit(X, y)
    yield TabularMLPRegressor(**small).fit(Xr, yr)


def test_trusted_types_cover_every_configuration(sio, iris, diabetes):
    trusted = set(skops_trusted_types())
    reported = set()
    for model in _all_configurations(iris, diabetes):
        data = sio.dumps(model)
        untrusted = set(sio.get_untrusted_types(data=data))
        assert untrusted <= trusted, (model, untrusted - trusted)
        reported |= untrusted
        X = iris[0] if model.n_features_in_ == 4 else diabetes[0]
        loaded = sio.loads(data, trusted=sorted(trusted))
        for a, b in zip(_outputs(loaded, X), _outputs(model, X), strict=True):
            assert_array_equal(a, b)
    # Every name in the list is needed by some fitted model, but for losses
    # of the core that no estimator offers.
    offered = set(_REGRESSOR_LOSSES + _CLASSIFIER_LOSSES)
    not_offered = {
        f"{loss.__module__}.{loss.__qualname__}"
        for name, loss in LOSSES.items()
        if name not in offered
    }
    assert reported == trusted - not_offered


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_skops_partial_fit_stream_resumes_after_loading(sio, solver, iris, diabetes):
    args = ("classifier", iris, diabetes, np.float64, solver)
    straight = _stream(*args, None)
    resumed = _stream(*args, _skops_round_trip)
    assert resumed.loss_curve_ == straight.loss_curve_
    for a, b in zip(
        resumed.coefs_ + resumed.intercepts_,
        straight.coefs_ + straight.intercepts_,
        strict=True,
    ):
        assert_array_equal(a, b)


class _Doubler(TransformerMixin, BaseEstimator):
    """A transformer skops knows nothing about."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return 2 * X


def test_skops_pipeline_trusts_ours_and_nothing_else(sio):
    X, y = load_iris(return_X_y=True)
    mlp = MiniBatchMLPClassifier(hidden_layer_sizes=(5,), max_iter=20, random_state=0)
    pipe = make_pipeline(StandardScaler(), mlp).fit(X, y)
    data = sio.dumps(pipe)
    # The scikit-learn pieces are trusted by default; only ours are reported.
    untrusted = sio.get_untrusted_types(data=data)
    assert all(name.startswith("skbackprop.") for name in untrusted)
    loaded = sio.loads(data, trusted=skops_trusted_types())
    assert_array_equal(loaded.predict_proba(X), pipe.predict_proba(X))

    # Our list trusts our types only, not whatever else a file holds.
    other = make_pipeline(_Doubler(), mlp).fit(X, y)
    with pytest.raises(sio.exceptions.UntrustedTypesFoundException, match="_Doubler"):
        sio.loads(sio.dumps(other), trusted=skops_trusted_types())


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_skops_loads_a_searchs_best_estimator_with_the_list(sio, kind, iris, diabetes):
    # The persistence guide's cases: the best model of a search (here a
    # pipeline) loads with our list alone; the search object itself holds
    # scikit-learn's scorer and splitter, which the list does not cover.
    X, y = iris if kind == "classifier" else diabetes
    estimator = (
        MiniBatchMLPClassifier if kind == "classifier" else MiniBatchMLPRegressor
    )(hidden_layer_sizes=(5,), max_iter=10, random_state=0)
    step = type(estimator).__name__.lower()
    search = GridSearchCV(
        make_pipeline(StandardScaler(), estimator),
        {f"{step}__alpha": [1e-4, 1e-2]},
        cv=3,
    ).fit(X, y)
    best = sio.loads(sio.dumps(search.best_estimator_), trusted=skops_trusted_types())
    assert_array_equal(best.predict(X), search.predict(X))

    data = sio.dumps(search)
    theirs = sorted(
        name
        for name in sio.get_untrusted_types(data=data)
        if not name.startswith("skbackprop.")
    )
    splitter = "StratifiedKFold" if kind == "classifier" else "KFold"
    assert {name.rpartition(".")[2] for name in theirs} == {
        splitter,
        "_PassthroughScorer",
    }
    with pytest.raises(sio.exceptions.UntrustedTypesFoundException, match=splitter):
        sio.loads(data, trusted=skops_trusted_types())
    loaded = sio.loads(data, trusted=skops_trusted_types() + theirs)
    assert_array_equal(loaded.predict(X), search.predict(X))


def test_skops_loads_a_model_fitted_with_a_scorer_name(sio):
    # The scorer is rebuilt from `scoring` when needed, never stored: the
    # file holds no scikit-learn scorer or metric function to trust.
    X, y = load_iris(return_X_y=True)
    model = MiniBatchMLPClassifier(
        hidden_layer_sizes=(5,),
        early_stopping=True,
        scoring="f1_macro",
        max_iter=10,
        random_state=0,
    ).fit(X, y)
    data = sio.dumps(model)
    loaded = sio.loads(data, trusted=skops_trusted_types())
    assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_models_saved_by_version_0_1_0_predict_and_train_on():
    # tests/data/fitted-by-skbackprop-0.1.0.pkl was written by skbackprop
    # 0.1.0 (commit 0e6dd2e) with numpy 2.4 and scikit-learn 1.9.1; pickles
    # of scikit-learn objects load only under the version that wrote them.
    if (
        not sklearn.__version__.startswith("1.9.")
        or int(np.__version__.split(".")[0]) < 2
    ):
        pytest.skip(
            "the stored pickle holds scikit-learn 1.9 and NumPy 2 objects, which "
            f"scikit-learn {sklearn.__version__} / NumPy {np.__version__} do not "
            "promise to load"
        )
    path = pathlib.Path(__file__).parent / "data" / "fitted-by-skbackprop-0.1.0.pkl"
    with open(path, "rb") as file:
        saved = pickle.load(file)
    clf, reg, X = saved["classifier"], saved["regressor"], saved["X"]
    assert_array_equal(clf.predict(X[:10]), saved["labels"])
    # Same weights and calls; a tolerance for another machine's BLAS.
    assert_allclose(clf.predict_proba(X[:10]), saved["proba"], rtol=1e-12)
    assert_allclose(reg.predict(X[:10]), saved["values"], rtol=1e-12, atol=1e-12)
    # Training goes on: class counts ("balanced") and the Huber loss carry over.
    counts = clf._targets.class_counts.copy()
    clf.partial_fit(X[:6], saved["y_class"][:6])
    assert clf._targets.class_counts.sum() == counts.sum() + 6
    reg.partial_fit(X[:6], saved["y_reg"][:6])
    assert reg._network.loss.name == "huber"


# ----------------------------------------------------------------------
# A file names no module to import
# ----------------------------------------------------------------------
_MARKER_SOURCE = """\
import pathlib

pathlib.Path({mark!r}).write_text("imported")
"""


@pytest.fixture
def marking_module(tmp_path, monkeypatch):
    """A module on ``sys.path`` whose import writes a mark: (its name, the mark)."""
    name = f"skbackprop_test_marker_{tmp_path.name.replace('-', '_')}"
    mark = tmp_path / "mark"
    (tmp_path / f"{name}.py").write_text(_MARKER_SOURCE.format(mark=str(mark)))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name, mark
    sys.modules.pop(name, None)


def _skops_file_naming(sio, model, module_name, path):
    """``model`` saved with skops, its network's state edited as an attacker would.

    One key, ``xp``, is added to the network's state in the zip's
    ``schema.json`` (and its type to ``key_types``), naming ``module_name``.
    """
    sio.dump(model, path)
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    schema = json.loads(files["schema.json"])
    state = schema["content"]["content"]["_network"]["content"]
    assert state["__loader__"] == "DictNode"
    dtype = state["content"]["dtype"]  # a str node to copy
    state["content"]["xp"] = dtype | {
        "content": json.dumps(module_name),
        "__id__": max(_node_ids(schema)) + 1,
    }
    state["key_types"]["content"].append(state["key_types"]["content"][0])
    files["schema.json"] = json.dumps(schema).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def _node_ids(node):
    if isinstance(node, dict):
        if "__id__" in node:
            yield node["__id__"]
        for value in node.values():
            yield from _node_ids(value)
    elif isinstance(node, list):
        for value in node:
            yield from _node_ids(value)


def _edited_pickle(model, module_name, dump):
    """``model`` saved by ``dump`` with its network naming ``module_name``."""
    network = model._network
    # The network saves its library by name: give it one to save.
    network.xp = SimpleNamespace(name=module_name)
    try:
        buffer = io.BytesIO()
        dump(model, buffer)
    finally:
        del network.xp
    buffer.seek(0)
    return buffer


def _assert_names_the_table(error):
    """The load failed with a ValueError that names the table of libraries."""
    assert error.type is ValueError, error.value
    message = str(error.value)
    assert "skbackprop.core.arrays.LIBRARIES" in message
    assert "numpy, array_api_strict, torch, cupy" in message


def test_a_skops_file_naming_a_module_imports_nothing(
    sio, marking_module, tmp_path, iris
):
    name, mark = marking_module
    X, y = iris
    model = MiniBatchMLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    path = _skops_file_naming(sio, model.fit(X, y), name, tmp_path / "edited.skops")
    # The edit is what skops reports: our types, all of them in the list.
    assert set(sio.get_untrusted_types(file=path)) <= set(skops_trusted_types())

    with pytest.raises(Exception) as error:
        sio.load(path, trusted=skops_trusted_types())
    assert not mark.exists(), "loading the file imported the module it names"
    assert name not in sys.modules
    _assert_names_the_table(error)


@pytest.mark.parametrize(
    "dump, load",
    [(pickle.dump, pickle.load), (joblib.dump, joblib.load)],
    ids=["pickle", "joblib"],
)
def test_a_pickle_naming_a_module_imports_nothing(dump, load, marking_module, iris):
    # A pickle can run code by design; our own loading code adds no way of
    # its own to import a module a file names.
    name, mark = marking_module
    X, y = iris
    model = MiniBatchMLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    buffer = _edited_pickle(model.fit(X, y), name, dump)
    with pytest.raises(Exception) as error:
        load(buffer)
    assert not mark.exists(), "loading the file imported the module it names"
    assert name not in sys.modules
    _assert_names_the_table(error)


def test_the_marker_module_leaves_a_mark(marking_module):
    # The two tests above can fail: importing the module does leave a mark.
    name, mark = marking_module
    importlib.import_module(name)
    assert mark.read_text() == "imported"


def test_settings_saved_without_parameters_are_validated_anew(iris):
    # Settings saved before they held the parameters by name (0.1.0): a
    # loader that keeps object identity (skops) must not reuse them as
    # known; they are dropped on loading and the next call validates anew.
    from skbackprop._validation import Settings

    X, y = iris
    model = MiniBatchMLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    model.fit(X, y)
    old = object.__new__(Settings)
    for name, value in vars(model._settings).items():
        if name != "params":
            object.__setattr__(old, name, value)
    model._settings = old
    loaded = pickle.loads(pickle.dumps(model))
    assert "_settings" not in loaded.__dict__
    loaded.partial_fit(X, y)  # full validation, then the stream goes on
    assert loaded._settings.params["hidden_layer_sizes"] == (4,)
    loaded.set_params(warm_start=True).fit(X, y)
