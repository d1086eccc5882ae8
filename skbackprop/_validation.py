"""Validation of a training call: one record of everything the call needs.

:func:`validate_training_call` checks a ``fit`` or ``partial_fit`` call
and returns a :class:`TrainingCall`; a call that fails leaves the estimator
as it was. It runs
in three stages, each one place for its rules:

1. :func:`current_settings`: the parameters, validated once and kept while
   they stay the same objects (a stream does not pay for them per call);
2. :func:`check_call_rules`: rules joining the parameters to the kind of
   call (no early stopping in ``partial_fit``, ...), on every call;
3. the data: a chunk of a known stream is accepted cheaply by
   :func:`_accept_known_chunk`, anything else is validated in full by
   :func:`_validate_data_in_full`, which gives the errors. Both end in the
   same checks of the architecture and of assigned weights.
"""

import math
import operator
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn import config_context
from sklearn.base import is_classifier
from sklearn.metrics import get_scorer
from sklearn.utils import column_or_1d
from sklearn.utils.validation import _check_sample_weight, validate_data

from skbackprop._array_api import (
    HOST,
    Placement,
    as_data,
    placement_advice,
    placement_of,
    placement_of_network,
    to_host,
)
from skbackprop._inputs import check_not_all_zero, known_rows
from skbackprop.core import ACTIVATIONS, OPTIMIZERS
from skbackprop.core.network import DROPOUT_RATE
from skbackprop.core.registry import Param

#: A hidden layer's size, checked in hidden_layer_sizes and its constraint.
HIDDEN_LAYER_SIZE = Param(int, 1, None, closed="left")


def stochastic_solvers():
    """The solvers with epochs and partial_fit, for messages: "'sgd', 'adam'"."""
    return ", ".join(repr(name) for name in OPTIMIZERS)


@dataclass(frozen=True)
class CallKind:
    """The kind of a training call: what it starts from and how long it runs."""

    name: str
    incremental: bool  # partial_fit: one epoch, the stream's state goes on
    new_network: bool  # new weights are drawn (or taken from coefs_)


FIT = CallKind("fit", incremental=False, new_network=True)
WARM_FIT = CallKind("warm-started fit", incremental=False, new_network=False)
FIRST_PARTIAL_FIT = CallKind("first partial_fit", incremental=True, new_network=True)
PARTIAL_FIT = CallKind("partial_fit", incremental=True, new_network=False)


def kind_of_call(estimator, partial):
    """The :class:`CallKind` of ``fit`` (``partial=False``) or ``partial_fit``."""
    fitted = estimator._is_fitted()
    if partial:
        return PARTIAL_FIT if fitted else FIRST_PARTIAL_FIT
    return WARM_FIT if fitted and estimator.warm_start else FIT


@dataclass(frozen=True)
class Settings:
    """What the parameters say about the network, once validated."""

    snapshot: tuple  # the parameter values validated (see _frozen)
    params: dict  # the parameters by name, as validated
    hidden_layer_sizes: list
    hidden_activations: list  # one name per hidden layer
    dropout_rates: list  # one rate per hidden layer
    stochastic: bool  # a registered optimizer: epochs, partial_fit


@dataclass
class ValidationSet:
    """Held-out data scored after every epoch: a split of X, or X_val."""

    X: object  # array or CSR matrix of shape (n_val, n_features), X's placement
    y: np.ndarray  # targets as given, for scorers (on the host)
    Y: object  # encoded targets, (n_val, n_outputs), for the loss (X's placement)
    loss_weight: object  # for the loss: class weights included (X's placement)
    score_weight: np.ndarray | None  # for scores: the user's weights only (host)


@dataclass
class TrainingCall:
    """A training call's accepted inputs and what it sets when it succeeds."""

    # X, Y and sample_weight are arrays of the call's placement (its Array
    # API namespace and device); y and score_weight stay on the host.
    X: object  # array or CSR matrix of shape (n_samples, n_features)
    y: np.ndarray  # the targets as given (labels for early-stopping scores)
    Y: object  # encoded targets, (n_samples, n_outputs), X's dtype
    sample_weight: object  # (n_samples,) or None, for the loss: class weights included
    score_weight: np.ndarray | None  # the user's sample_weight, for scores
    kind: CallKind
    layer_units: list  # [n_features, *hidden_layer_sizes, n_outputs]
    settings: Settings
    targets: object  # the estimator's target encoding after this call
    loss: object = None  # the core Loss; None: the network's (a known chunk)
    validation: ValidationSet | None = None  # held-out data given to fit
    assigned_weights: list | None = None  # coefs_ + intercepts_ set by hand
    placement: Placement = HOST  # where the arrays live (_array_api)


# ----------------------------------------------------------------------
# 1. Parameters
# ----------------------------------------------------------------------
def _parameter_values(estimator):
    cls = type(estimator)
    # inspect.signature costs tens of microseconds: once per class.
    getter = cls.__dict__.get("_param_getter")
    if getter is None:
        getter = cls._param_getter = operator.attrgetter(*cls._get_param_names())
    return getter(estimator)


_MUTABLE = (list, dict, np.ndarray)


def _frozen(value):
    """A parameter value as validated: mutable containers as tuple copies.

    Editing a list, dict or array in place (not through ``set_params``)
    is then still noticed by :func:`_unchanged`.
    """
    if type(value) is dict:
        return tuple(value.items())
    if type(value) in _MUTABLE:
        return tuple(value.tolist() if type(value) is np.ndarray else value)
    return value


def _unchanged(settings, estimator):
    """Whether every parameter is the value validated for ``settings``."""
    if settings is None:
        return False
    # A plain loop, no generator: this runs on every call of a stream.
    values = _parameter_values(estimator)
    for now, then in zip(values, settings.snapshot, strict=True):
        if now is not then and not (type(now) in _MUTABLE and _frozen(now) == then):
            return False
    return True


def current_settings(estimator):
    """The estimator's validated :class:`Settings`, and whether they are known.

    Known settings (the parameters are the objects validated on the last
    successful call) are returned as they are; otherwise the parameters are
    validated in full.
    """
    settings = estimator.__dict__.get("_settings")
    if _unchanged(settings, estimator):
        return settings, True
    estimator._validate_params()
    values = _parameter_values(estimator)
    sizes = hidden_layer_sizes(estimator)
    settings = Settings(
        snapshot=tuple(_frozen(value) for value in values),
        params=dict(zip(type(estimator)._get_param_names(), values, strict=True)),
        hidden_layer_sizes=sizes,
        hidden_activations=hidden_activation_names(estimator, len(sizes)),
        dropout_rates=_dropout_rates(estimator, len(sizes)),
        stochastic=estimator.solver in OPTIMIZERS,
    )
    if any(settings.dropout_rates) and not settings.stochastic:
        raise ValueError(
            f"dropout needs a stochastic solver ({stochastic_solvers()}); L-BFGS "
            f"needs a deterministic objective (solver={estimator.solver!r})."
        )
    make_scorer(estimator)  # fails here, before training, if it cannot score
    return settings, False


def hidden_layer_sizes(estimator):
    """``hidden_layer_sizes`` as a list of positive ints."""
    sizes = estimator.hidden_layer_sizes
    if not hasattr(sizes, "__iter__"):
        sizes = [sizes]
    sizes = list(sizes)
    for size in sizes:
        if not HIDDEN_LAYER_SIZE.accepts(size):
            raise ValueError(
                "hidden_layer_sizes must be positive integers, got "
                f"{estimator.hidden_layer_sizes!r}."
            )
    return [int(size) for size in sizes]


def _per_layer(estimator, name, n_hidden):
    """A parameter given once, or once per hidden layer, as a list."""
    value = getattr(estimator, name)
    if isinstance(value, list | tuple):
        if len(value) != n_hidden:
            raise ValueError(
                f"{name} has {len(value)} entries but the network has "
                f"{n_hidden} hidden layer(s) (hidden_layer_sizes="
                f"{estimator.hidden_layer_sizes!r}); give one value or one per "
                "hidden layer."
            )
        return list(value)
    return [value] * n_hidden


def hidden_activation_names(estimator, n_hidden):
    """One activation name per hidden layer."""
    names = _per_layer(estimator, "activation", n_hidden)
    for name in names:
        ACTIVATIONS.lookup(name)  # a ValueError names the registered ones
    return names


def _dropout_rates(estimator, n_hidden):
    rates = _per_layer(estimator, "dropout", n_hidden)
    return [DROPOUT_RATE.check(rate, "Each dropout rate") for rate in rates]


def make_scorer(estimator):
    """The early-stopping scorer: None (default score), "loss" or a scorer.

    A scorer name is checked against the methods this estimator has, so
    that it fails before training, not after the first epoch.
    """
    scoring = estimator.scoring
    if scoring is None or scoring == "loss" or callable(scoring):
        return scoring
    scorer = get_scorer(scoring)  # a ValueError lists the valid names
    methods = getattr(scorer, "_response_method", "predict")
    methods = [methods] if isinstance(methods, str) else list(methods)
    if not any(hasattr(estimator, method) for method in methods):
        raise ValueError(
            f"scoring={scoring!r} needs {' or '.join(methods)}, which "
            f"{type(estimator).__name__} does not have."
        )
    return scorer


# ----------------------------------------------------------------------
# 2. The call
# ----------------------------------------------------------------------
def check_call_rules(estimator, kind, validation_data):
    """Rules joining the parameters to the kind of call, on every path."""
    if kind.incremental and estimator.early_stopping:
        raise ValueError("partial_fit does not support early_stopping=True.")
    if validation_data is not None and estimator.solver not in OPTIMIZERS:
        raise ValueError(
            "X_val and y_val are scored after each epoch of the stochastic "
            f"solvers ({stochastic_solvers()}); solver={estimator.solver!r} has "
            "no epochs."
        )
    if (
        estimator.early_stopping
        and estimator.validation_fraction == 0
        and validation_data is None
    ):
        # As scikit-learn, 0 is accepted where it is not used.
        raise ValueError(
            "early_stopping=True needs a validation set: a validation_fraction "
            "in (0, 1), or X_val and y_val given to fit."
        )


# ----------------------------------------------------------------------
# 3. The data
# ----------------------------------------------------------------------
def validate_training_call(
    estimator, X, y, sample_weight, *, partial, classes=None, validation_data=None
):
    """Validate one ``fit`` / ``partial_fit`` call.

    ``validation_data`` is ``fit``'s ``(X_val, y_val, sample_weight_val)``
    or None. Returns a :class:`TrainingCall`. Only scikit-learn's
    ``n_features_in_`` / ``feature_names_in_`` are set on the way (by
    ``validate_data``), and put back as they were if the call fails.
    """
    settings, known = current_settings(estimator)
    kind = kind_of_call(estimator, partial)
    check_call_rules(estimator, kind, validation_data)
    placement = placement_of(X)
    if classes is not None:  # labels are handled on the host
        classes = to_host(classes)
    if not kind.new_network:
        _check_same_placement(estimator, placement)
    if kind is PARTIAL_FIT and known and placement is HOST:
        call = _accept_known_chunk(estimator, settings, X, y, sample_weight, classes)
        if call is not None:
            return call
    # validate_data(reset=True) records the new X's features at once; a
    # call that fails later must not leave them on the fitted model.
    recorded = {
        name: estimator.__dict__[name]
        for name in ("n_features_in_", "feature_names_in_")
        if name in estimator.__dict__
    }
    try:
        return _validate_data_in_full(
            estimator,
            settings,
            kind,
            placement,
            X,
            y,
            sample_weight,
            classes,
            validation_data,
        )
    except BaseException:
        for name in ("n_features_in_", "feature_names_in_"):
            if name in recorded:
                estimator.__dict__[name] = recorded[name]  # keeps its place
            else:
                estimator.__dict__.pop(name, None)
        raise


def _accept_known_chunk(estimator, settings, X, y, sample_weight, classes):
    """A typical chunk of a stream, accepted cheaply, or None.

    A stream sends chunk after chunk of what the model has already
    accepted: a numeric 2-D array (or list of rows) with the known features,
    finite, with known labels. Checking just that costs a few microseconds
    where full validation costs a millisecond, which is what one-row
    ``partial_fit`` calls pay (river). Anything else returns None and goes
    through full validation, which gives the errors.
    """
    network = estimator._network
    if hasattr(estimator, "feature_names_in_"):
        return None
    X = known_rows(X, estimator.n_features_in_, network.dtype)
    if X is None:
        return None
    n_samples = X.shape[0]
    if sample_weight is not None:
        # Converted first, so that a weight beyond the model's dtype shows
        # as inf and goes to full validation, which refuses it.
        sample_weight = known_rows(sample_weight, n_samples, network.dtype, ndim=1)
        if sample_weight is None or (sample_weight < 0).any():
            return None
        if not sample_weight.any():
            return None
    targets = estimator._targets
    Y = targets.encode_known(
        y, n_samples, classes, network.layer_units[-1], network.dtype
    )
    if Y is None:
        return None
    targets, weights = targets.advance(
        Y, sample_weight, estimator.__dict__.get("class_weight"), PARTIAL_FIT
    )
    if weights is not None and not weights.any():
        return None  # full validation raises the error
    layer_units = [X.shape[1], *settings.hidden_layer_sizes, Y.shape[1]]
    return TrainingCall(
        X=X,
        y=y,
        Y=Y,
        sample_weight=weights,
        score_weight=sample_weight,
        kind=PARTIAL_FIT,
        layer_units=layer_units,
        settings=settings,
        targets=targets,
        assigned_weights=_checked_weights(estimator, layer_units, X.dtype, PARTIAL_FIT),
    )


def _validate_data_in_full(
    estimator, settings, kind, placement, X, y, sample_weight, classes, validation_data
):
    # After the first pass the dtype is that of the parameters, so that a
    # float64 chunk does not silently turn a float32 model into float64.
    first_pass = kind.new_network
    dtype = (np.float64, np.float32) if first_pass else estimator._network.dtype
    # Targets and weights are checked and encoded on the host, wherever X is.
    y, sample_weight = to_host(y), to_host(sample_weight)
    X, y = validate_x_y(estimator, X, y, placement.float_dtypes(dtype), first_pass)
    dtype = placement.host_dtype(X.dtype)
    if sample_weight is not None:
        with config_context(array_api_dispatch=None if placement.on_host else False):
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=dtype, ensure_non_negative=True
            )
        check_not_all_zero(sample_weight, "sample_weight must not be all zero.")
    targets, loss = estimator._target_type.for_call(
        estimator, y, kind, classes, settings.params
    )
    Y = np.ascontiguousarray(targets.encode(y), dtype=dtype)
    if Y.ndim == 1:
        Y = Y.reshape(-1, 1)
    layer_units = [X.shape[1], *settings.hidden_layer_sizes, Y.shape[1]]
    targets, weights = targets.advance(
        Y, sample_weight, estimator.__dict__.get("class_weight"), kind
    )
    check_not_all_zero(
        weights, "The sample weights, times the class weights, are all zero."
    )
    if estimator.early_stopping and validation_data is None:
        _check_validation_split(estimator, X.shape[0])
    validation = None
    if validation_data is not None:
        validation = _validation_set(
            estimator, *validation_data, placement, dtype, Y.shape[1], targets
        )
    return TrainingCall(
        X=X,
        y=y,
        Y=placement.put(Y),
        sample_weight=placement.put(weights),
        score_weight=sample_weight,
        kind=kind,
        layer_units=layer_units,
        settings=settings,
        targets=targets,
        loss=loss,
        validation=validation,
        assigned_weights=_checked_weights(estimator, layer_units, dtype, kind),
        placement=placement,
    )


def _check_validation_split(estimator, n_samples):
    """The early-stopping split holds out at least 2 rows (before any change)."""
    if math.ceil(estimator.validation_fraction * n_samples) < 2:
        raise ValueError(
            "The validation set is too small. Increase 'validation_fraction' "
            "or the size of your dataset."
        )


def _check_same_placement(estimator, placement):
    """A fitted model goes on training where it lives (no silent moves)."""
    fitted = placement_of_network(estimator._network)
    if placement is not fitted and placement != fitted:
        raise ValueError(
            "Training goes on where the model lives: refit from scratch "
            "(warm_start=False) to train elsewhere. "
            + placement_advice(fitted, placement)
        )


def validate_x_y(estimator, X, y, dtype, reset):
    """``X`` (CSR if sparse) and ``y`` (1-D if one column), validated."""
    X, y = validate_data(
        estimator,
        as_data(X),
        y,
        accept_sparse=["csr", "csc"],
        multi_output=True,
        dtype=dtype,
        reset=reset,
        y_numeric=not is_classifier(estimator),
    )
    if sp.issparse(X) and X.format == "csc":
        X = X.tocsr()  # training slices rows; CSR makes that cheap
    if y.ndim == 2 and y.shape[1] == 1:
        y = column_or_1d(y, warn=True)
    return X, y


def _validation_set(
    estimator, X_val, y_val, sample_weight_val, placement, dtype, n_outputs, targets
):
    """Validate ``fit``'s ``X_val, y_val, sample_weight_val``."""
    if X_val is None or y_val is None:
        raise ValueError(
            "X_val and y_val must be given together (and sample_weight_val "
            "only with them)."
        )
    y_val, sample_weight_val = to_host(y_val), to_host(sample_weight_val)
    if placement_of(X_val) != placement:  # X_val follows X
        if sp.issparse(X_val):
            raise TypeError(
                f"X_val is a sparse matrix, but X trains in {placement.describe()}: "
                "pass X_val as a dense array of X's library, or train on the host "
                "with a NumPy or SciPy X."
            )
        X_val = placement.put(to_host(X_val))
    X_val, y_val = validate_x_y(
        estimator, X_val, y_val, placement.float_dtypes(dtype), reset=False
    )
    Y_val = np.ascontiguousarray(targets.encode_validation(y_val), dtype=dtype).reshape(
        X_val.shape[0], -1
    )
    if Y_val.shape[1] != n_outputs:
        raise ValueError(f"y_val has {Y_val.shape[1]} outputs; y has {n_outputs}.")
    if sample_weight_val is not None:
        with config_context(array_api_dispatch=None if placement.on_host else False):
            sample_weight_val = _check_sample_weight(
                sample_weight_val, X_val, dtype=dtype, ensure_non_negative=True
            )
    loss_weight = targets.weigh(
        Y_val, sample_weight_val, estimator.__dict__.get("class_weight")
    )
    check_not_all_zero(loss_weight, "sample_weight_val must not be all zero.")
    return ValidationSet(
        X_val,
        y_val,
        placement.put(Y_val),
        placement.put(loss_weight),
        sample_weight_val,
    )


def _checked_weights(estimator, layer_units, dtype, kind):
    """Check the architecture; return weights assigned by hand, or None.

    Training goes on from the network's parameter buffer, whose views
    ``coefs_`` and ``intercepts_`` are. Arrays assigned in their place (by
    hand, or by unpickling, which copies views) are where training goes on
    from instead, as in scikit-learn; so are arrays assigned to an unfitted
    model before ``partial_fit`` or a warm-started ``fit``: how one checks a
    step against a worked example. A fresh fit draws new weights.
    """
    network = estimator.__dict__.get("_network")
    if network is not None and not kind.new_network:
        if network.layer_units != layer_units:
            raise ValueError(
                f"The fitted network has layer sizes {network.layer_units}, but "
                f"this call implies {layer_units} (n_features, hidden_layer_sizes, "
                "n_outputs). Refit from scratch (warm_start=False) to change them."
            )
        views = network.coefs + network.intercepts
        given = [*estimator.coefs_, *estimator.intercepts_]
        if len(views) == len(given) and list(map(id, views)) == list(map(id, given)):
            return None  # the buffer's own views: nothing was assigned
    elif network is not None or kind is FIT and not estimator.warm_start:
        return None  # a fresh fit
    assigned = [name in estimator.__dict__ for name in ("coefs_", "intercepts_")]
    if not any(assigned):
        return None
    if not all(assigned):
        raise ValueError(
            "coefs_ and intercepts_ must be assigned together to start training "
            f"from given weights; only {'coefs_' if assigned[0] else 'intercepts_'} "
            "is set."
        )
    expected_coef = list(zip(layer_units[:-1], layer_units[1:], strict=True))
    expected_intercept = [(fan_out,) for fan_out in layer_units[1:]]
    try:
        given = [
            np.asarray(to_host(w)) for w in (*estimator.coefs_, *estimator.intercepts_)
        ]
    except (TypeError, ValueError) as error:  # ragged
        raise ValueError(
            f"coefs_ and intercepts_ must be lists of numeric arrays: {error}"
        ) from error
    if any(w.dtype.kind not in "fiu" for w in given):
        raise ValueError(
            "coefs_ and intercepts_ must be lists of real-number arrays; got "
            f"dtypes {[str(w.dtype) for w in given]}."
        )
    coefs = [w.astype(dtype) for w in given[: len(estimator.coefs_)]]
    intercepts = [w.astype(dtype) for w in given[len(estimator.coefs_) :]]
    coef_shapes = [W.shape for W in coefs]
    intercept_shapes = [b.shape for b in intercepts]
    if coef_shapes != expected_coef or intercept_shapes != expected_intercept:
        raise ValueError(
            f"coefs_ and intercepts_ must have shapes {expected_coef} and "
            f"{expected_intercept} for layer sizes {layer_units} (n_features, "
            f"hidden_layer_sizes, n_outputs); got {coef_shapes} and "
            f"{intercept_shapes}."
        )
    if not all(np.isfinite(w).all() for w in (*coefs, *intercepts)):
        raise ValueError("The assigned coefs_ and intercepts_ must be finite.")
    return coefs + intercepts
