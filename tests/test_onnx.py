"""ONNX export: onnxruntime reproduces predict and predict_proba.

Labels must be equal and probabilities or values within 1e-5 (float32
graphs) of the estimator's own, for every hidden activation of the core
(``skbackprop.core.ACTIVATIONS``, so that an activation added there is
tested here without a change), for binary, multiclass and multilabel
classification and for regression, from models trained in float32 and in
float64. A float64 graph must agree to float64 rounding.
"""

import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

skl2onnx = pytest.importorskip(
    "skl2onnx", reason="needs the [onnx] extra: pip install -e '.[onnx]'"
)
ort = pytest.importorskip(
    "onnxruntime", reason="needs the [onnx] extra: pip install -e '.[onnx]'"
)

from skbackprop import MiniBatchMLPClassifier, MiniBatchMLPRegressor  # noqa: E402
from skbackprop.core import ACTIVATIONS, LOSSES, get_loss  # noqa: E402
from skbackprop.core.activations import Activation  # noqa: E402
from skbackprop.onnx import (  # noqa: E402
    SUPPORTED_ACTIVATIONS,
    register_onnx_converters,
    to_onnx,
)

# Every activation the estimators accept: new ones are covered when they land.
ACTIVATION_NAMES = sorted(ACTIVATIONS)
FLOAT32_TOL = {"rtol": 1e-5, "atol": 1e-5}
FLOAT64_TOL = {"rtol": 1e-10, "atol": 1e-12}
ONNX_FLOAT, ONNX_DOUBLE = 1, 11  # TensorProto element types


def _data(n_samples=120, n_features=5, seed=0):
    """Training inputs, and test inputs that also reach far into the tails."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, n_features))
    X_test = np.vstack([rng.normal(size=(40, n_features)), 6 * X[:10], -6 * X[:10]])
    return X, X_test


def _targets(X, task):
    score = X[:, 0] + X[:, 1] ** 2 - 1
    if task == "binary":
        return np.where(score > 0, "yes", "no")
    if task == "multiclass":
        return np.digitize(score, [-0.5, 0.5])  # ints 0, 1, 2
    if task == "multilabel":
        return np.c_[score > 0, X[:, 2] > 0, X[:, 3] + X[:, 4] > 0].astype(int)
    if task == "regression":
        return np.c_[np.sin(X[:, 0]) + X[:, 1] * X[:, 2]].ravel()
    raise ValueError(task)


def _fit(estimator, X, y, dtype):
    estimator.set_params(max_iter=30, learning_rate_init=0.01, random_state=0)
    estimator.fit(X.astype(dtype), y)
    # The model keeps the training dtype, so both precisions are exported.
    assert estimator.coefs_[0].dtype == dtype
    return estimator


def _run(onx, X):
    """``{output name: value}`` from onnxruntime."""
    session = ort.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    names = [output.name for output in session.get_outputs()]
    return dict(zip(names, session.run(None, {"X": X}), strict=True))


def _check_classifier(clf, X, onx, tol):
    outputs = _run(onx, X)
    assert_array_equal(outputs["label"], clf.predict(X))
    assert outputs["probabilities"].shape == (len(X), len(clf.classes_))
    assert_allclose(outputs["probabilities"], clf.predict_proba(X), **tol)


def _check_regressor(reg, X, onx, tol):
    (values,) = _run(onx, X).values()
    assert values.shape == (len(X), reg.n_outputs_)
    expected = reg.predict(X)
    assert_allclose(values.reshape(expected.shape), expected, **tol)


def test_every_activation_of_the_core_is_supported():
    # The claim that the export tests below check, activation by activation:
    # one added to the core without a translation fails them.
    assert list(SUPPORTED_ACTIVATIONS) == list(ACTIVATIONS)


@pytest.mark.parametrize("model_dtype", [np.float32, np.float64])
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel"])
def test_classifier_float32_graph_matches(task, activation, model_dtype):
    X, X_test = _data()
    clf = MiniBatchMLPClassifier(hidden_layer_sizes=(8, 6), activation=activation)
    clf = _fit(clf, X, _targets(X, task), model_dtype)
    X_test = X_test.astype(np.float32)
    onx = to_onnx(clf, X_test, options={"zipmap": False})
    assert onx.graph.input[0].type.tensor_type.elem_type == ONNX_FLOAT
    _check_classifier(clf, X_test, onx, FLOAT32_TOL)


@pytest.mark.parametrize("model_dtype", [np.float32, np.float64])
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_regressor_float32_graph_matches(activation, model_dtype):
    X, X_test = _data()
    reg = MiniBatchMLPRegressor(hidden_layer_sizes=(8, 6), activation=activation)
    reg = _fit(reg, X, _targets(X, "regression"), model_dtype)
    X_test = X_test.astype(np.float32)
    _check_regressor(reg, X_test, to_onnx(reg, X_test), FLOAT32_TOL)


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_float64_graph_matches_to_float64_rounding(activation):
    X, X_test = _data()
    clf = MiniBatchMLPClassifier(hidden_layer_sizes=(8, 6), activation=activation)
    clf = _fit(clf, X, _targets(X, "multiclass"), np.float64)
    reg = MiniBatchMLPRegressor(hidden_layer_sizes=(8, 6), activation=activation)
    reg = _fit(reg, X, _targets(X, "regression"), np.float64)
    onx = to_onnx(clf, X_test, options={"zipmap": False})
    assert onx.graph.input[0].type.tensor_type.elem_type == ONNX_DOUBLE
    _check_classifier(clf, X_test, onx, FLOAT64_TOL)
    _check_regressor(reg, X_test, to_onnx(reg, X_test), FLOAT64_TOL)


@pytest.mark.parametrize(
    "target_opset, uses_gelu_operator", [(18, False), (20, True), (None, True)]
)
def test_gelu_below_and_from_opset_20(target_opset, uses_gelu_operator):
    X, X_test = _data()
    reg = MiniBatchMLPRegressor(hidden_layer_sizes=(8,), activation="gelu")
    reg = _fit(reg, X, _targets(X, "regression"), np.float32)
    X_test = X_test.astype(np.float32)
    onx = to_onnx(reg, X_test, target_opset=target_opset)
    op_types = {node.op_type for node in onx.graph.node}
    assert ("Gelu" in op_types) == uses_gelu_operator
    _check_regressor(reg, X_test, onx, FLOAT32_TOL)


def test_one_activation_per_hidden_layer():
    X, X_test = _data()
    names = ["tanh", "gelu", "leaky_relu"]
    clf = MiniBatchMLPClassifier(hidden_layer_sizes=(8, 6, 5), activation=names)
    clf = _fit(clf, X, _targets(X, "multiclass"), np.float64)
    reg = MiniBatchMLPRegressor(hidden_layer_sizes=(8, 6, 5), activation=names)
    reg = _fit(reg, X, _targets(X, "regression"), np.float64)
    for X_input, tol in [
        (X_test.astype(np.float32), FLOAT32_TOL),
        (X_test, FLOAT64_TOL),
    ]:
        _check_classifier(
            clf, X_input, to_onnx(clf, X_input, options={"zipmap": False}), tol
        )
        _check_regressor(reg, X_input, to_onnx(reg, X_input), tol)
    op_types = [node.op_type for node in to_onnx(reg).graph.node]
    assert {"Tanh", "Gelu", "LeakyRelu"} <= set(op_types)


@pytest.mark.parametrize("hidden_layer_sizes", [(), (7,)])
def test_regressor_poisson_and_several_outputs(hidden_layer_sizes):
    X, X_test = _data()
    X_test = X_test.astype(np.float32)
    counts = np.random.RandomState(0).poisson(np.exp(X[:, 0] / 2))
    poisson = MiniBatchMLPRegressor(
        loss="poisson", hidden_layer_sizes=hidden_layer_sizes
    )
    poisson = _fit(poisson, X, counts, np.float64)
    assert poisson.out_activation_ == "exp"
    _check_regressor(poisson, X_test, to_onnx(poisson), FLOAT32_TOL)
    Y = np.c_[_targets(X, "regression"), X[:, 3] - X[:, 4]]
    two = _fit(
        MiniBatchMLPRegressor(hidden_layer_sizes=hidden_layer_sizes), X, Y, np.float64
    )
    assert two.predict(X_test).shape == (len(X_test), 2)
    _check_regressor(two, X_test, to_onnx(two), FLOAT32_TOL)


# Every regression loss of the core (identity or exp output), new ones included.
REGRESSION_LOSSES = sorted(
    name
    for name, loss in ((name, get_loss(name)) for name in LOSSES)
    if loss.output_name in ("identity", "exp")
)


@pytest.mark.parametrize("loss", REGRESSION_LOSSES)
def test_regressor_every_loss(loss):
    X, X_test = _data()
    X_test = X_test.astype(np.float32)
    y = _targets(X, "regression")
    if loss == "poisson":
        y = np.random.RandomState(0).poisson(np.exp(X[:, 0] / 2))
    extra = {"quantile": 0.9} if loss == "quantile" else {}  # it needs one
    reg = MiniBatchMLPRegressor(loss=loss, hidden_layer_sizes=(6,), **extra)
    reg = _fit(reg, X, y, np.float64)
    _check_regressor(reg, X_test, to_onnx(reg), FLOAT32_TOL)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_poisson_output_is_capped_like_the_core(dtype):
    # Inputs far out push the log-mean past log(max float): the core caps it,
    # so that predictions stay finite, and so must the graph.
    X, _ = _data()
    counts = np.random.RandomState(0).poisson(np.exp(X[:, 0] / 2))
    reg = MiniBatchMLPRegressor(loss="poisson", hidden_layer_sizes=())
    reg = _fit(reg, X, counts, dtype)
    X_far = (1e6 * X[:20]).astype(dtype)
    expected = reg.predict(X_far)
    assert np.isfinite(expected).all()
    assert expected.max() > np.finfo(dtype).max / 10
    _check_regressor(reg, X_far, to_onnx(reg, X_far), FLOAT32_TOL)


@pytest.mark.parametrize(
    "labels",
    [
        np.array([3, 7, 11]),
        np.array(["cat", "dog", "émeu"]),
        np.array([2.0, 4.0, 8.0]),
    ],
    ids=["int", "str", "whole-float"],
)
def test_class_labels_of_any_kind(labels):
    X, X_test = _data()
    X_test = X_test.astype(np.float32)
    clf = MiniBatchMLPClassifier(hidden_layer_sizes=(6,))
    clf = _fit(clf, X, labels[_targets(X, "multiclass")], np.float64)
    outputs = _run(to_onnx(clf, options={"zipmap": False}), X_test)
    # Whole float labels come out as int64, as in skl2onnx.
    assert_array_equal(outputs["label"], clf.predict(X_test))
    bool_clf = _fit(
        MiniBatchMLPClassifier(hidden_layer_sizes=(6,)), X, X[:, 0] > 0, np.float64
    )
    outputs = _run(to_onnx(bool_clf, options={"zipmap": False}), X_test)
    assert_array_equal(outputs["label"].astype(bool), bool_clf.predict(X_test))


def test_zipmap_gives_one_dict_per_sample():
    X, X_test = _data()
    X_test = X_test.astype(np.float32)
    clf = MiniBatchMLPClassifier(hidden_layer_sizes=(6,))
    clf = _fit(clf, X, _targets(X, "binary"), np.float32)
    outputs = _run(to_onnx(clf), X_test)
    assert set(outputs) == {"output_label", "output_probability"}
    assert_array_equal(outputs["output_label"], clf.predict(X_test))
    proba = clf.predict_proba(X_test)
    assert [set(row) for row in outputs["output_probability"]] == [{"no", "yes"}] * len(
        X_test
    )
    zipped = np.array(
        [[row[c] for c in clf.classes_] for row in outputs["output_probability"]]
    )
    assert_allclose(zipped, proba, **FLOAT32_TOL)


def test_nocl_and_output_class_labels_options():
    X, X_test = _data()
    X_test = X_test.astype(np.float32)
    clf = MiniBatchMLPClassifier(hidden_layer_sizes=(6,))
    clf = _fit(clf, X, np.array(["a", "b", "c"])[_targets(X, "multiclass")], np.float64)
    outputs = _run(to_onnx(clf, options={"zipmap": False, "nocl": True}), X_test)
    # nocl: the label is the index of the class.
    assert_array_equal(clf.classes_[outputs["label"]], clf.predict(X_test))
    onx = to_onnx(clf, options={"zipmap": False, "output_class_labels": True})
    outputs = _run(onx, X_test)
    assert_array_equal(outputs["class_labels"], clf.classes_)
    assert_array_equal(outputs["label"], clf.predict(X_test))


def test_classifier_that_saw_one_class():
    X, X_test = _data()
    X_test = X_test.astype(np.float32)
    clf = MiniBatchMLPClassifier(hidden_layer_sizes=(4,))
    clf = _fit(clf, X, np.full(len(X), "only"), np.float64)
    _check_classifier(clf, X_test, to_onnx(clf, options={"zipmap": False}), FLOAT32_TOL)


def test_pipelines_convert_once_registered():
    X, X_test = _data()
    X, X_test = 10 * X + 3, (10 * X_test + 3).astype(np.float32)
    clf = make_pipeline(
        StandardScaler(), MiniBatchMLPClassifier(hidden_layer_sizes=(6,))
    )
    clf.set_params(minibatchmlpclassifier__random_state=0).fit(
        X, _targets(X / 10, "binary")
    )
    register_onnx_converters()
    onx = skl2onnx.to_onnx(clf, X_test[:1], options={"zipmap": False})
    outputs = _run(onx, X_test)
    assert_array_equal(outputs["label"], clf.predict(X_test))
    assert_allclose(outputs["probabilities"], clf.predict_proba(X_test), **FLOAT32_TOL)
    # to_onnx takes the pipeline too.
    _check_classifier(clf, X_test, to_onnx(clf, options={"zipmap": False}), FLOAT32_TOL)


@pytest.mark.parametrize("Estimator", [MiniBatchMLPClassifier, MiniBatchMLPRegressor])
def test_unfitted_estimator_raises_not_fitted(Estimator):
    with pytest.raises(NotFittedError, match="not fitted"):
        to_onnx(Estimator(), n_features=3)
    register_onnx_converters()
    with pytest.raises(NotFittedError, match="not fitted"):
        skl2onnx.to_onnx(Estimator(), np.zeros((1, 3), dtype=np.float32))


class _Softsign(Activation):
    """``z / (1 + |z|)``: an activation the converters do not know."""

    name = "softsign"

    def forward(self, Z):
        return np.divide(Z, 1 + np.abs(Z), out=Z)

    def derivative(self, A, delta, Z=None):
        delta *= (1 - np.abs(A)) ** 2


@pytest.mark.parametrize("Estimator", [MiniBatchMLPClassifier, MiniBatchMLPRegressor])
def test_activation_without_a_translation_raises_a_clear_error(Estimator):
    # An activation registered without a to_onnx translation, which the
    # estimators accept at once (per layer): the export refuses it clearly.
    ACTIVATIONS.register(_Softsign)
    try:
        _check_untranslated_activation(Estimator)
    finally:
        ACTIVATIONS.unregister("softsign")


def _check_untranslated_activation(Estimator):
    assert "softsign" not in SUPPORTED_ACTIVATIONS
    X, _ = _data()
    y = _targets(X, "binary" if Estimator is MiniBatchMLPClassifier else "regression")
    est = _fit(
        Estimator(hidden_layer_sizes=(4, 3), activation=["relu", "softsign"]),
        X,
        y,
        np.float64,
    )
    assert est.hidden_activations_ == ["relu", "softsign"]
    message = r"hidden activation 'softsign' to ONNX: its class has no to_onnx"
    with pytest.raises(ValueError, match=message):
        to_onnx(est)
    register_onnx_converters()
    with pytest.raises(ValueError, match=message):
        skl2onnx.to_onnx(est, X[:1].astype(np.float32))


def test_input_signature():
    X, X_test = _data()
    reg = _fit(
        MiniBatchMLPRegressor(hidden_layer_sizes=(4,)),
        X,
        _targets(X, "regression"),
        np.float64,
    )
    for onx, elem_type in [
        (to_onnx(reg), ONNX_FLOAT),
        (to_onnx(reg, n_features=5), ONNX_FLOAT),
        (to_onnx(reg, X_test.astype(np.float32)), ONNX_FLOAT),
        (to_onnx(reg, X_test), ONNX_DOUBLE),
        (to_onnx(reg, X_test.tolist()), ONNX_DOUBLE),
    ]:
        (onnx_input,) = onx.graph.input
        assert onnx_input.name == "X"
        assert onnx_input.type.tensor_type.elem_type == elem_type
        assert onnx_input.type.tensor_type.shape.dim[1].dim_value == 5
    with pytest.raises(ValueError, match="fitted on 5 features"):
        to_onnx(reg, n_features=4)
    with pytest.raises(ValueError, match="X_sample has 5 columns"):
        to_onnx(reg, X_test, n_features=4)
    with pytest.raises(ValueError, match="X_sample must be 2-D"):
        to_onnx(reg, X_test[0])


def test_missing_skl2onnx_names_the_extra(monkeypatch):
    X, _ = _data()
    reg = _fit(
        MiniBatchMLPRegressor(hidden_layer_sizes=(4,)),
        X,
        _targets(X, "regression"),
        np.float64,
    )
    monkeypatch.setitem(sys.modules, "skl2onnx", None)  # import skl2onnx fails
    with pytest.raises(ImportError, match=r"pip install -e '\.\[onnx\]'"):
        to_onnx(reg)
