r"""Export of fitted estimators to ONNX, through skl2onnx.

:func:`register_onnx_converters` teaches skl2onnx to convert
:class:`~skbackprop.MiniBatchMLPClassifier` and
:class:`~skbackprop.MiniBatchMLPRegressor`, alone or inside a pipeline;
:func:`to_onnx` registers them and converts one estimator. The graph is the
forward pass of :func:`skbackprop.core.forward`, layer by layer,

.. math:: Z_l = A_{l-1} W_l + b_l, \qquad A_l = f_l(Z_l),

followed by the output function (``out_activation_``) and, for a
classifier, the label. The graph computes in float32, or in float64 when its
input is float64.

skl2onnx, onnx and onnxruntime are optional: they are imported when a model
is converted, and the ``[onnx]`` extra installs them
(``pip install -e '.[onnx]'``).
"""

import numbers

import numpy as np
from sklearn.utils.validation import check_is_fitted

from skbackprop import MiniBatchMLPClassifier, MiniBatchMLPRegressor, move_to
from skbackprop._optional import import_optional
from skbackprop.core.activations import ACTIVATIONS, Activation, get_activation
from skbackprop.core.losses import LOSSES

__all__ = ["SUPPORTED_ACTIVATIONS", "register_onnx_converters", "to_onnx"]


def _has_translation(activation):
    return activation.to_onnx is not Activation.to_onnx


#: Hidden-layer activations that the converters write as ONNX operators: the
#: registered activations whose class has a ``to_onnx`` (a live set of
#: names). tests/test_onnx.py exports each of them.
SUPPORTED_ACTIVATIONS = ACTIVATIONS.names(where=_has_translation)


def _output_function(graph, name, Z):
    """The nodes of the output function ``name`` (``out_activation_``) of ``Z``.

    Written by the first registered loss with that output function.
    """
    for loss in LOSSES.values():
        if loss.output_name == name:
            try:
                return loss.output_to_onnx(graph, Z)
            except NotImplementedError:
                break
    raise ValueError(
        f"Cannot export the output function {name!r} to ONNX: no registered "
        "loss with it has an output_to_onnx translation."
    )


_ALIASES = {
    MiniBatchMLPClassifier: "SkbackpropMiniBatchMLPClassifier",
    MiniBatchMLPRegressor: "SkbackpropMiniBatchMLPRegressor",
}


# ----------------------------------------------------------------------
# Reading the fitted estimator
# ----------------------------------------------------------------------
def _is_multilabel(classifier):
    # Binary problems have a single output unit and multiclass ones a
    # softmax, so several logistic outputs mean one per label.
    return classifier.out_activation_ == "logistic" and classifier.n_outputs_ > 1


def _label_values(classes):
    """Class labels as an int64 array, or as a list of UTF-8 strings.

    Returns
    -------
    values : ndarray of shape (n_classes,)
        ``int64`` labels, or ``bytes`` objects for string labels.
    is_integer : bool
        Whether the labels are integers.
    """
    classes = np.asarray(classes).ravel()
    if classes.dtype.kind in "biu":
        return classes.astype(np.int64), True
    if classes.dtype.kind == "f":
        # scikit-learn refuses non-integer float labels ("Unknown label
        # type"), so these are whole numbers, exported as int64.
        return classes.astype(np.int64), True
    if all(
        isinstance(c, numbers.Integral) and not isinstance(c, bool) for c in classes
    ):
        return classes.astype(np.int64), True
    if all(isinstance(c, str) for c in classes):
        return np.array([c.encode("utf-8") for c in classes], dtype=object), False
    raise ValueError(
        f"Cannot export the class labels {classes.tolist()} to ONNX: they must "
        "be all integers or all strings."
    )


# ----------------------------------------------------------------------
# Graph construction
# ----------------------------------------------------------------------
class _Graph:
    """Adds nodes and constants to skl2onnx's container under unique names.

    ``proto_dtype`` is the float type of the computation: FLOAT, or DOUBLE
    when the model's input is a double tensor (as in skl2onnx's converters).
    """

    def __init__(self, scope, container, input_type):
        onnx = import_optional("onnx", "onnx")
        data_types = import_optional("skl2onnx.common.data_types", "onnx")
        self._scope = scope
        self._container = container
        self.TensorProto = onnx.TensorProto
        self.is_double = isinstance(input_type, data_types.DoubleTensorType)
        if self.is_double:
            self.proto_dtype, self.dtype = onnx.TensorProto.DOUBLE, np.float64
        else:
            self.proto_dtype, self.dtype = onnx.TensorProto.FLOAT, np.float32
        # None means skl2onnx's latest opset, which has Gelu.
        self.opset = container.target_opset

    def constant(self, value, hint, proto_dtype=None):
        """Add an initializer; floats take the computation's dtype."""
        name = self._scope.get_unique_variable_name(hint)
        if proto_dtype is None:
            proto_dtype = self.proto_dtype
            value = np.asarray(value, dtype=self.dtype)
        value = np.asarray(value)
        content = value.ravel()
        if value.dtype == object:  # bytes of string labels
            content = content.tolist()
        self._container.add_initializer(name, proto_dtype, list(value.shape), content)
        return name

    def node(self, op_type, inputs, output=None, **attributes):
        """Add a node with one output, named ``output`` or a fresh name."""
        if output is None:
            output = self._scope.get_unique_variable_name(op_type.lower())
        self._container.add_node(
            op_type,
            list(inputs),
            output,
            name=self._scope.get_unique_operator_name(op_type),
            **attributes,
        )
        return output

    def scalar_op(self, op_type, Z, value):
        """``op_type(Z, value)`` for a scalar ``value`` in the computation dtype."""
        return self.node(op_type, [Z, self.constant(value, "scalar")])


def _hidden_activation(graph, name, Z):
    """The nodes computing ``f(Z)`` for the activation ``name``; returns ``A``.

    Each registered activation writes its own nodes
    (:meth:`~skbackprop.core.activations.Activation.to_onnx`).
    """
    try:
        return get_activation(name).to_onnx(graph, Z)
    except NotImplementedError:
        raise ValueError(
            f"Cannot export the hidden activation {name!r} to ONNX: its class "
            "has no to_onnx translation."
        ) from None


def _raw_output(graph, input_name, estimator):
    """Nodes of the forward pass up to the last layer's raw output ``Z``.

    ``hidden_activations_`` holds one name (a key of the core's
    ``ACTIVATIONS``) per hidden layer.
    """
    if not isinstance(estimator.coefs_[0], np.ndarray):
        estimator = move_to(estimator, np)  # trained on a device: a NumPy copy
    names = estimator.hidden_activations_
    A = graph.node("Cast", [input_name], to=graph.proto_dtype)
    n_layers = len(estimator.coefs_)
    for layer, (W, b) in enumerate(
        zip(estimator.coefs_, estimator.intercepts_, strict=True)
    ):
        Z = graph.node("MatMul", [A, graph.constant(W, "coefficient")])
        # b of shape (1, n_out) broadcasts over the rows.
        Z = graph.node("Add", [Z, graph.constant(np.reshape(b, (1, -1)), "intercept")])
        A = _hidden_activation(graph, names[layer], Z) if layer < n_layers - 1 else Z
    return Z


# ----------------------------------------------------------------------
# Shape calculators, parser and converters for skl2onnx
# ----------------------------------------------------------------------
def _probability_type(operator):
    data_types = import_optional("skl2onnx.common.data_types", "onnx")
    if isinstance(operator.inputs[0].type, data_types.DoubleTensorType):
        return data_types.DoubleTensorType
    return data_types.FloatTensorType


def _check_inputs(operator, n_outputs):
    utils = import_optional("skl2onnx.common.utils", "onnx")
    data_types = import_optional("skl2onnx.common.data_types", "onnx")
    utils.check_input_and_output_numbers(
        operator, input_count_range=1, output_count_range=n_outputs
    )
    utils.check_input_and_output_types(
        operator,
        good_input_types=[
            data_types.BooleanTensorType,
            data_types.DoubleTensorType,
            data_types.FloatTensorType,
            data_types.Int64TensorType,
        ],
    )


def _classifier_shapes(operator):
    """Types of the classifier's outputs: label, then probabilities."""
    data_types = import_optional("skl2onnx.common.data_types", "onnx")
    utils_classifier = import_optional("skl2onnx.common.utils_classifier", "onnx")
    classifier = operator.raw_operator  # fitted: _parse_classifier checked
    _check_inputs(operator, 2)
    N = operator.inputs[0].get_first_dimension()
    classes = utils_classifier.get_label_classes(operator.scope_inst, classifier)
    _, is_integer = _label_values(classes)
    label_type = (
        data_types.Int64TensorType if is_integer else data_types.StringTensorType
    )
    if _is_multilabel(classifier):
        operator.outputs[0].type = data_types.Int64TensorType([N, len(classes)])
    else:
        operator.outputs[0].type = label_type([N])
    operator.outputs[1].type = _probability_type(operator)([N, len(classes)])


def _regressor_shapes(operator):
    """Type of the regressor's output, ``(N, n_outputs_)``."""
    regressor = operator.raw_operator
    # The first to read the regressor, as it has skl2onnx's default parser.
    check_is_fitted(regressor)
    _check_inputs(operator, 1)
    N = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type = _probability_type(operator)([N, regressor.n_outputs_])


def _parse_classifier(scope, model, inputs, custom_parsers=None):
    """skl2onnx's parser for classifiers, after a check that ``model`` is fitted.

    Its ZipMap reads ``classes_`` before any shape calculator runs, so an
    unfitted classifier would fail there with an AttributeError.
    """
    check_is_fitted(model)
    # The parser skl2onnx uses for its own classifiers (zipmap and
    # output_class_labels options).
    parse = import_optional("skl2onnx._parse", "onnx")
    return parse._parse_sklearn_classifier(
        scope, model, inputs, custom_parsers=custom_parsers
    )


def _convert_classifier(scope, operator, container):
    """Outputs the label and the probabilities, as ``predict``/``predict_proba``."""
    onnx = import_optional("onnx", "onnx")
    utils_classifier = import_optional("skl2onnx.common.utils_classifier", "onnx")
    classifier = operator.raw_operator
    graph = _Graph(scope, container, operator.inputs[0].type)
    label, probabilities = (variable.full_name for variable in operator.outputs)
    Z = _raw_output(graph, operator.inputs[0].full_name, classifier)

    def floor_at_tiny(P):
        # predict_proba reports at least the smallest positive float, so that
        # its log stays finite.
        tiny = graph.constant(np.finfo(graph.dtype).tiny, "tiny")
        graph.node("Max", [P, tiny], probabilities)

    if _is_multilabel(classifier):
        floor_at_tiny(_output_function(graph, "logistic", Z))
        # A label is on where its probability exceeds 0.5, as in predict.
        on = graph.node("Greater", [probabilities, graph.constant(0.5, "half")])
        graph.node("Cast", [on], label, to=onnx.TensorProto.INT64)
        return

    if len(classifier.classes_) == 1:
        # A classifier that saw one class gives it probability 1.
        one = onnx.helper.make_tensor("one", graph.proto_dtype, [1], [1.0])
        graph.node(
            "ConstantOfShape", [graph.node("Shape", [Z])], probabilities, value=one
        )
    elif classifier.n_outputs_ == 1:
        # Binary: both columns from the logit, sigma(-z) and sigma(z).
        Z = graph.node("Concat", [graph.node("Neg", [Z]), Z], axis=1)
        floor_at_tiny(_output_function(graph, "logistic", Z))
    else:
        floor_at_tiny(_output_function(graph, "softmax", Z))

    # ArgMax returns the first of tied maxima, as NumPy's argmax does.
    index = graph.node("ArgMax", [probabilities], axis=1, keepdims=0)
    classes = utils_classifier.get_label_classes(scope, classifier)
    values, is_integer = _label_values(classes)
    proto = onnx.TensorProto.INT64 if is_integer else onnx.TensorProto.STRING
    graph.node("Gather", [graph.constant(values, "classes", proto), index], label)


def _convert_regressor(scope, operator, container):
    """Outputs the predictions as a ``(N, n_outputs_)`` tensor."""
    regressor = operator.raw_operator
    graph = _Graph(scope, container, operator.inputs[0].type)
    output = operator.outputs[0].full_name
    Z = _raw_output(graph, operator.inputs[0].full_name, regressor)
    predictions = _output_function(graph, regressor.out_activation_, Z)
    graph.node("Identity", [predictions], output)


# ----------------------------------------------------------------------
# Public API
# ----------------------------------------------------------------------
def register_onnx_converters():
    """Register the converters of both estimators with skl2onnx.

    After this call, ``skl2onnx.to_onnx`` and ``skl2onnx.convert_sklearn``
    convert :class:`~skbackprop.MiniBatchMLPClassifier` and
    :class:`~skbackprop.MiniBatchMLPRegressor`, alone or inside a pipeline.
    Calling it again does no harm. :func:`to_onnx` calls it for you.

    The classifier's graph has two outputs, like scikit-learn's
    ``MLPClassifier`` converted by skl2onnx: the label (``int64`` for integer
    classes, ``string`` otherwise; for multilabel problems an ``int64``
    indicator matrix) and the probabilities. It accepts skl2onnx's
    classifier options ``zipmap`` (``True``, the default, gives the
    probabilities as a list of ``{class: probability}`` dicts; ``False`` as a
    tensor of shape ``(N, n_classes)``; ``"columns"`` one output per class),
    ``nocl`` and ``output_class_labels``. The regressor's graph has one
    output of shape ``(N, n_outputs_)``, even where ``predict`` returns a
    vector.

    Raises
    ------
    ImportError
        If skl2onnx is not installed.

    See Also
    --------
    to_onnx : Register the converters and convert one estimator.

    Notes
    -----
    A conversion raises ``NotFittedError`` for an unfitted estimator. Every
    hidden activation the estimators accept converts
    (:data:`SUPPORTED_ACTIVATIONS`).

    Examples
    --------
    A pipeline that scales the features, then regresses:

    >>> import numpy as np
    >>> import skl2onnx
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skbackprop import MiniBatchMLPRegressor
    >>> from skbackprop.onnx import register_onnx_converters
    >>> X, y = load_diabetes(return_X_y=True)
    >>> pipe = make_pipeline(
    ...     StandardScaler(), MiniBatchMLPRegressor(max_iter=20, random_state=0)
    ... ).fit(X, (y - y.mean()) / y.std())
    >>> register_onnx_converters()
    >>> onx = skl2onnx.to_onnx(pipe, X[:1].astype(np.float32))
    >>> [output.name for output in onx.graph.output]
    ['variable']
    """
    skl2onnx = import_optional("skl2onnx", "onnx")
    skl2onnx.update_registered_converter(
        MiniBatchMLPClassifier,
        _ALIASES[MiniBatchMLPClassifier],
        _classifier_shapes,
        _convert_classifier,
        parser=_parse_classifier,
        options={
            "zipmap": [True, False, "columns"],
            "nocl": [False, True],
            "output_class_labels": [False, True],
        },
    )
    skl2onnx.update_registered_converter(
        MiniBatchMLPRegressor,
        _ALIASES[MiniBatchMLPRegressor],
        _regressor_shapes,
        _convert_regressor,
    )


def _sample_signature(X_sample):
    """``(n_features, is_double)`` of a sample: array, DataFrame or sparse."""
    shape = np.shape(X_sample)
    if len(shape) != 2:
        raise ValueError(
            f"X_sample must be 2-D, of shape (n_samples, n_features); got shape "
            f"{shape}."
        )
    dtypes = getattr(X_sample, "dtypes", None)  # a DataFrame
    if dtypes is not None:
        is_double = all(str(dtype) == "float64" for dtype in dtypes)
    else:
        dtype = getattr(X_sample, "dtype", None)
        if dtype is None:
            dtype = np.asarray(X_sample).dtype
        # A NumPy dtype, or another library's (torch.float64) by its name.
        is_double = dtype == np.float64 or str(dtype).endswith("float64")
    return shape[1], is_double


def to_onnx(
    estimator, X_sample=None, *, n_features=None, target_opset=None, options=None
):
    """Convert a fitted estimator, or a pipeline ending in one, to ONNX.

    Registers the converters (:func:`register_onnx_converters`), then calls
    ``skl2onnx.convert_sklearn`` with one input named ``"X"`` of shape
    ``(None, n_features)``: any number of rows.

    Parameters
    ----------
    estimator : MiniBatchMLPClassifier, MiniBatchMLPRegressor or Pipeline
        A fitted estimator; any estimator skl2onnx can convert once the
        converters are registered.
    X_sample : {array-like, sparse matrix} of shape (n_samples, n_features), \
            default=None
        Sample input. Only its number of columns and its dtype are read: a
        float64 sample gives a graph that takes and computes in float64; any
        other dtype, float32 (what most ONNX runtimes expect).
    n_features : int, default=None
        Number of input features, if ``X_sample`` is not given; by default
        the estimator's ``n_features_in_``.
    target_opset : int or dict, default=None
        ONNX opset to target; by default skl2onnx's latest tested opset. The
        ``gelu`` activation uses ONNX's ``Gelu`` operator from opset 20 on
        and elementary operators below.
    options : dict, default=None
        Converter options, passed to skl2onnx: for a classifier,
        ``{"zipmap": False}`` gives the probabilities as a tensor of shape
        ``(n_samples, n_classes)`` instead of a list of dicts.

    Returns
    -------
    onx : onnx.ModelProto
        The ONNX model. A classifier's outputs are ``label`` and
        ``probabilities`` (``output_label`` and ``output_probability`` with
        ZipMap); a regressor's, ``variable`` of shape
        ``(n_samples, n_outputs_)``.

    Raises
    ------
    ImportError
        If skl2onnx is not installed.
    sklearn.exceptions.NotFittedError
        If the estimator is not fitted.
    ValueError
        If the number of features does not match the estimator's.
    TypeError
        For a :class:`~skbackprop.TabularMLPClassifier` or
        :class:`~skbackprop.TabularMLPRegressor`, whose input encoding has
        no ONNX translation (its network, ``mlp_``, has one).

    See Also
    --------
    register_onnx_converters : Make skl2onnx convert the estimators.

    Examples
    --------
    >>> import numpy as np
    >>> import onnxruntime as ort
    >>> from sklearn.datasets import load_iris
    >>> from skbackprop import MiniBatchMLPClassifier
    >>> from skbackprop.onnx import to_onnx
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MiniBatchMLPClassifier(hidden_layer_sizes=(8,), random_state=0)
    >>> clf = clf.fit(X, y)
    >>> onx = to_onnx(clf, X.astype(np.float32), options={"zipmap": False})
    >>> session = ort.InferenceSession(
    ...     onx.SerializeToString(), providers=["CPUExecutionProvider"]
    ... )
    >>> label, proba = session.run(None, {"X": X.astype(np.float32)})
    >>> bool(np.all(label == clf.predict(X)))
    True
    >>> bool(np.abs(proba - clf.predict_proba(X)).max() < 1e-5)
    True
    """
    skl2onnx = import_optional("skl2onnx", "onnx")
    data_types = import_optional("skl2onnx.common.data_types", "onnx")
    register_onnx_converters()
    if hasattr(estimator, "encoder_") and hasattr(estimator, "mlp_"):
        raise TypeError(
            f"{type(estimator).__name__} cannot be exported to ONNX: its input "
            "encoding (robust scaling, smooth clipping, one-hot columns) and "
            "target scaling have no ONNX translation. Its network can be: "
            "to_onnx(model.mlp_, model.encoder_.transform(X_sample)), fed the "
            "encoded rows."
        )
    check_is_fitted(estimator)
    expected = getattr(estimator, "n_features_in_", None)
    is_double = False
    if X_sample is not None:
        sample_features, is_double = _sample_signature(X_sample)
        if n_features is not None and n_features != sample_features:
            raise ValueError(
                f"n_features={n_features}, but X_sample has {sample_features} columns."
            )
        n_features = sample_features
    if n_features is None:
        if expected is None:
            raise ValueError(
                "Give X_sample or n_features: the estimator has no n_features_in_."
            )
        n_features = expected
    if expected is not None and n_features != expected:
        raise ValueError(
            f"The estimator was fitted on {expected} features, but the ONNX "
            f"input would have {n_features}."
        )
    tensor_type = (
        data_types.DoubleTensorType if is_double else data_types.FloatTensorType
    )
    return skl2onnx.convert_sklearn(
        estimator,
        initial_types=[("X", tensor_type([None, int(n_features)]))],
        target_opset=target_opset,
        options=options,
    )
