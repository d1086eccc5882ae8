"""Shared estimator logic: parameters, validation and the one training loop."""

import math
import operator
import time
import warnings
from abc import ABC, abstractmethod
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
import scipy.optimize
import scipy.sparse as sp
from sklearn.base import BaseEstimator, is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import get_scorer
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state, column_or_1d
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

from skbackprop._callbacks import CallbackSupportMixin, callback_task
from skbackprop._threads import blas_thread_limit, limited_blas_threads
from skbackprop.core import ACTIVATIONS, SGD, Adam, Network, forward, get_loss
from skbackprop.core.batching import batch_slices, shuffle_in_place
from skbackprop.core.network import WEIGHT_INITS

_STOCHASTIC_SOLVERS = ("sgd", "adam")


def _stochastic_solver(estimator):
    """``available_if`` test: partial_fit exists only for sgd and adam."""
    if estimator.solver not in _STOCHASTIC_SOLVERS:
        raise AttributeError(
            f"partial_fit is only available for stochastic solvers ('sgd', 'adam'); "
            f"solver={estimator.solver!r} is not stochastic."
        )
    return True


class _ValidationSet(NamedTuple):
    """Held-out data scored after every epoch: a split of X, or X_val."""

    X: object  # ndarray or CSR matrix of shape (n_val, n_features)
    y: np.ndarray  # targets as given, for scorers
    Y: np.ndarray  # encoded targets, (n_val, n_outputs), for the loss
    sample_weight: np.ndarray | None  # for the loss: class weights included
    score_weight: np.ndarray | None  # for scores: the user's weights only


class _PreparedCall(NamedTuple):
    """A training call's accepted inputs, and what it will set when it succeeds."""

    X: object  # ndarray or CSR matrix of shape (n_samples, n_features)
    y: np.ndarray  # the targets as given (labels for early-stopping scores)
    Y: np.ndarray  # encoded targets, (n_samples, n_outputs), X's dtype
    sample_weight: np.ndarray | None  # class weights included
    first_pass: bool
    layer_units: list
    loss_name: object  # a core Loss or its name; None: the fitted network's loss
    fitted_attrs: dict
    validation: _ValidationSet | None = None  # X_val given to fit
    score_weight: np.ndarray | None = None  # the user's sample_weight, for scores


def _validation_data(X_val, y_val, sample_weight_val):
    """``fit``'s validation arguments as one tuple, or None if none is given."""
    if X_val is None and y_val is None and sample_weight_val is None:
        return None
    return X_val, y_val, sample_weight_val


def _as_numeric_array(values):
    """``values`` as a real-number ndarray, or None if it is anything else."""
    if isinstance(values, list):
        try:
            values = np.asarray(values)
        except ValueError:  # ragged rows
            return None
    if type(values) is not np.ndarray or values.dtype.kind not in "fiu":
        return None
    return values


class BaseMiniBatchMLP(CallbackSupportMixin, BaseEstimator, ABC):
    """Base class of the mini-batch MLP estimators; use a subclass.

    Subclasses provide the loss, target encoding and scoring; everything
    else (parameter validation, initialisation, the training loop, early
    stopping, L-BFGS, scikit-learn's callbacks) lives here, shared.
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions(set(ACTIVATIONS)), list, tuple],
        "solver": [StrOptions({"lbfgs", "sgd", "adam"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "weight_init": [StrOptions(set(WEIGHT_INITS))],
        "dropout": [Interval(Real, 0, 1, closed="left"), list, tuple],
        "scoring": [None, str, callable],
    }

    @abstractmethod
    def __init__(
        self,
        hidden_layer_sizes,
        activation,
        solver,
        alpha,
        batch_size,
        learning_rate,
        learning_rate_init,
        power_t,
        max_iter,
        shuffle,
        random_state,
        tol,
        verbose,
        warm_start,
        momentum,
        nesterovs_momentum,
        early_stopping,
        validation_fraction,
        beta_1,
        beta_2,
        epsilon,
        n_iter_no_change,
        max_fun,
        weight_init,
        dropout,
        scoring,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.weight_init = weight_init
        self.dropout = dropout
        self.scoring = scoring

    # ------------------------------------------------------------------
    # Hooks for the subclasses
    # ------------------------------------------------------------------
    @abstractmethod
    def _validate_targets(self, y, first_pass, incremental, classes=None):
        """Check ``y`` and encode it as a 2-D float matrix.

        Must not change the estimator: it returns what the call will set,
        so that a failing call leaves the model as it was.

        Returns
        -------
        Y : ndarray of shape (n_samples, n_outputs)
            Encoded targets (one-hot, indicators or values).
        loss_name : str or Loss
            The core loss to train with (a name, or an object that carries
            options such as the quantile).
        fitted_attrs : dict
            Attributes to set when the call succeeds (e.g. ``classes_``).
        """

    @abstractmethod
    def _score_raw_output(self, Z, y, sample_weight=None):
        """Default validation score (higher is better) from raw outputs.

        ``Z`` of shape (n_samples, n_outputs) holds the logits of the samples
        whose targets are ``y``; it may be overwritten.
        """

    @abstractmethod
    def _encode_validation_targets(self, y_val, fitted_attrs):
        """Check ``y_val`` against the model being fitted; return ``Y_val``.

        ``fitted_attrs`` holds what the current call will set (``classes_``
        on a first pass); what it lacks is read from the estimator.
        """

    def _class_weights(self, Y, sample_weight, incremental, fitted_attrs):
        """Per-class weight table for ``Y``, and attributes to set; none here."""
        return None, {}

    def _weigh_by_class(self, Y, sample_weight, table):
        """``sample_weight`` times each sample's class weight (classifiers)."""
        return sample_weight

    @abstractmethod
    def _encode_known_targets(self, y, n_samples, classes):
        """Fast path of ``_validate_targets`` for a fitted model, or None.

        Returns the encoded targets when ``y`` (and ``classes``) are plainly
        valid for the fitted model, None when full validation must decide.
        """

    # ------------------------------------------------------------------
    # Validation
    # ------------------------------------------------------------------
    def _hidden_layer_sizes_list(self):
        sizes = self.hidden_layer_sizes
        if not hasattr(sizes, "__iter__"):
            sizes = [sizes]
        sizes = list(sizes)
        for size in sizes:
            if (
                isinstance(size, bool)
                or not isinstance(size, Integral | np.integer)
                or size <= 0
            ):
                raise ValueError(
                    "hidden_layer_sizes must be positive integers, got "
                    f"{self.hidden_layer_sizes!r}."
                )
        return [int(size) for size in sizes]

    def _per_layer(self, value, n_hidden, name):
        """A parameter given once, or once per hidden layer, as a list."""
        if isinstance(value, list | tuple):
            if len(value) != n_hidden:
                raise ValueError(
                    f"{name} has {len(value)} entries but the network has "
                    f"{n_hidden} hidden layer(s) (hidden_layer_sizes="
                    f"{self.hidden_layer_sizes!r}); give one value or one per "
                    "hidden layer."
                )
            return list(value)
        return [value] * n_hidden

    def _hidden_activation_names(self, n_hidden):
        names = self._per_layer(self.activation, n_hidden, "activation")
        for name in names:
            if not isinstance(name, str) or name not in ACTIVATIONS:
                raise ValueError(
                    f"Each entry of activation must be one of {sorted(ACTIVATIONS)}; "
                    f"got {name!r}."
                )
        return names

    def _dropout_rate_list(self, n_hidden):
        rates = self._per_layer(self.dropout, n_hidden, "dropout")
        for rate in rates:
            if (
                isinstance(rate, bool)
                or not isinstance(rate, Real)
                or not 0 <= rate < 1
            ):
                raise ValueError(
                    f"Each dropout rate must be a float in [0, 1); got {rate!r}."
                )
        return [float(rate) for rate in rates]

    def _make_scorer(self):
        """The early-stopping scorer: None (default score), "loss" or a scorer.

        A scorer name is checked against the methods this estimator has, so
        that it fails before training, not after the first epoch.
        """
        if self.scoring is None or self.scoring == "loss" or callable(self.scoring):
            return self.scoring
        scorer = get_scorer(self.scoring)  # a ValueError lists the valid names
        methods = getattr(scorer, "_response_method", "predict")
        methods = [methods] if isinstance(methods, str) else list(methods)
        if not any(hasattr(self, method) for method in methods):
            raise ValueError(
                f"scoring={self.scoring!r} needs {' or '.join(methods)}, which "
                f"{type(self).__name__} does not have."
            )
        return scorer

    def _is_fitted(self):
        return hasattr(self, "_network")

    def _prepare_stream_chunk(self, X, y, sample_weight, classes):
        """Fast acceptance of a typical ``partial_fit`` chunk, or None.

        A stream sends chunk after chunk of what the model has already
        accepted: a numeric 2-D array (or list of rows) with the known
        features, finite, with known labels. Checking just that costs a few
        microseconds where full validation costs a millisecond, which is
        what one-row ``partial_fit`` calls pay (river). Anything else returns
        None and goes through full validation, which gives the errors.
        """
        network = self._network
        X = _as_numeric_array(X)
        if (
            X is None
            or X.ndim != 2
            or X.shape[0] == 0
            or X.shape[1] != self.n_features_in_
            or hasattr(self, "feature_names_in_")
            or not self._weights_are_buffer_views()
        ):
            return None
        X = X.astype(network.dtype, copy=False)
        if not np.isfinite(X).all():
            return None
        if sample_weight is not None:
            sample_weight = _as_numeric_array(sample_weight)
            if (
                sample_weight is None
                or sample_weight.shape != (X.shape[0],)
                or not np.isfinite(sample_weight).all()
                or (sample_weight < 0).any()
                or not sample_weight.any()
            ):
                return None
            sample_weight = sample_weight.astype(network.dtype, copy=False)
        if self._hidden_layer_sizes_list() != network.layer_units[1:-1]:
            return None
        Y = self._encode_known_targets(y, X.shape[0], classes)
        if Y is None:
            return None
        table, fitted_attrs = self._class_weights(Y, sample_weight, True, {})
        sample_weight = self._weigh_by_class(Y, sample_weight, table)
        if sample_weight is not None and not sample_weight.any():
            return None  # full validation raises the error
        return _PreparedCall(
            X, y, Y, sample_weight, False, network.layer_units, None, fitted_attrs
        )

    def __sklearn_is_fitted__(self):
        return self._is_fitted()

    def _param_values(self):
        cls = type(self)
        # inspect.signature costs tens of microseconds: once per class.
        getter = cls.__dict__.get("_param_getter")
        if getter is None:
            getter = cls._param_getter = operator.attrgetter(*cls._get_param_names())
        return getter(self)

    def _params_unchanged(self):
        """Whether every parameter is the object validated on the last call."""
        validated = self.__dict__.get("_validated_params")
        return validated is not None and all(
            now is then or (type(now) is list and tuple(now) == then)
            for now, then in zip(self._param_values(), validated, strict=True)
        )

    def _prepare(
        self, X, y, sample_weight, incremental, classes=None, validation_data=None
    ):
        """Validate one call's inputs without changing the estimator.

        Returns everything the call needs; nothing is set on ``self`` until
        the inputs have all been accepted. ``validation_data`` is ``fit``'s
        ``(X_val, y_val, sample_weight_val)``, or None.
        """
        if incremental and self._is_fitted() and self._params_unchanged():
            prepared = self._prepare_stream_chunk(X, y, sample_weight, classes)
            if prepared is not None:
                return prepared
        # validate_data(reset=True) records the new X's features at once; a
        # call that fails later must not leave them on the fitted model.
        recorded = {
            name: self.__dict__[name]
            for name in ("n_features_in_", "feature_names_in_")
            if name in self.__dict__
        }
        try:
            return self._prepare_in_full(
                X, y, sample_weight, incremental, classes, validation_data
            )
        except BaseException:
            for name in ("n_features_in_", "feature_names_in_"):
                if name in recorded:
                    self.__dict__[name] = recorded[name]  # keeps its place
                else:
                    self.__dict__.pop(name, None)
            raise

    def _prepare_in_full(
        self, X, y, sample_weight, incremental, classes, validation_data
    ):
        """Full validation of a call's inputs (see :meth:`_prepare`)."""
        self._validate_params()
        # Lists are kept as tuple copies, so that editing one in place (not
        # through set_params) is still noticed by _params_unchanged.
        validated_params = tuple(
            tuple(value) if type(value) is list else value
            for value in self._param_values()
        )
        hidden_layer_sizes = self._hidden_layer_sizes_list()
        n_hidden = len(hidden_layer_sizes)
        hidden_activations = self._hidden_activation_names(n_hidden)
        dropout_rates = self._dropout_rate_list(n_hidden)
        stochastic = self.solver in _STOCHASTIC_SOLVERS
        if any(dropout_rates) and not stochastic:
            raise ValueError(
                "dropout needs a stochastic solver ('sgd' or 'adam'); L-BFGS "
                f"needs a deterministic objective (solver={self.solver!r})."
            )
        self._make_scorer()  # fails here, before training, if it cannot score
        first_pass = not self._is_fitted() or (not self.warm_start and not incremental)
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True.")
        if validation_data is not None and not stochastic:
            raise ValueError(
                "X_val and y_val are scored after each epoch of the stochastic "
                f"solvers ('sgd', 'adam'); solver={self.solver!r} has no epochs."
            )

        # After the first pass the dtype is that of the parameters, so that a
        # float64 chunk does not silently turn a float32 model into float64.
        dtype = (np.float64, np.float32) if first_pass else self._network.dtype
        X, y = self._validate_training_data(X, y, dtype, reset=first_pass)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=X.dtype, ensure_non_negative=True
            )
            if not sample_weight.any():
                raise ValueError("sample_weight must not be all zero.")
        Y, loss_name, fitted_attrs = self._validate_targets(
            y, first_pass, incremental, classes
        )
        Y = np.ascontiguousarray(Y, dtype=X.dtype)
        if Y.ndim == 1:
            Y = Y.reshape(-1, 1)
        layer_units = [X.shape[1], *hidden_layer_sizes, Y.shape[1]]
        if not first_pass:
            self._check_architecture(layer_units)
        table, class_attrs = self._class_weights(
            Y, sample_weight, incremental, fitted_attrs
        )
        fitted_attrs.update(class_attrs)
        score_weight = sample_weight
        sample_weight = self._weigh_by_class(Y, sample_weight, table)
        if sample_weight is not None and not sample_weight.any():
            raise ValueError(
                "The sample weights, times the class weights, are all zero."
            )
        validation = None
        if validation_data is not None:
            validation = self._prepare_validation(
                *validation_data, X.dtype, Y.shape[1], table, fitted_attrs
            )
        fitted_attrs.update(
            hidden_activations_=hidden_activations,
            _dropout_rates=dropout_rates,
            # Parameters that passed validation need no new check in a stream.
            _validated_params=validated_params,
        )
        return _PreparedCall(
            X,
            y,
            Y,
            sample_weight,
            first_pass,
            layer_units,
            loss_name,
            fitted_attrs,
            validation,
            score_weight,
        )

    def _validate_training_data(self, X, y, dtype, reset):
        """``X`` (CSR if sparse) and ``y`` (1-D if one column), validated."""
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            dtype=dtype,
            reset=reset,
            y_numeric=not is_classifier(self),
        )
        if sp.issparse(X) and X.format == "csc":
            # Training slices rows; CSR makes that cheap.
            X = X.tocsr()
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        return X, y

    def _prepare_validation(
        self, X_val, y_val, sample_weight_val, dtype, n_outputs, table, fitted_attrs
    ):
        """Validate ``fit``'s ``X_val, y_val, sample_weight_val``."""
        if X_val is None or y_val is None:
            raise ValueError(
                "X_val and y_val must be given together (and sample_weight_val "
                "only with them)."
            )
        X_val, y_val = self._validate_training_data(X_val, y_val, dtype, reset=False)
        Y_val = np.ascontiguousarray(
            self._encode_validation_targets(y_val, fitted_attrs), dtype=dtype
        ).reshape(X_val.shape[0], -1)
        if Y_val.shape[1] != n_outputs:
            raise ValueError(f"y_val has {Y_val.shape[1]} outputs; y has {n_outputs}.")
        if sample_weight_val is not None:
            sample_weight_val = _check_sample_weight(
                sample_weight_val, X_val, dtype=dtype, ensure_non_negative=True
            )
        loss_weight = self._weigh_by_class(Y_val, sample_weight_val, table)
        if loss_weight is not None and not loss_weight.any():
            raise ValueError("sample_weight_val must not be all zero.")
        return _ValidationSet(X_val, y_val, Y_val, loss_weight, sample_weight_val)

    def _check_architecture(self, layer_units):
        network_units = self._network.layer_units
        if list(layer_units) != network_units:
            raise ValueError(
                f"The fitted network has layer sizes {network_units}, but this call "
                f"implies {list(layer_units)} (n_features, hidden_layer_sizes, "
                "n_outputs). Refit from scratch (warm_start=False) to change them."
            )
        coef_shapes = [np.shape(c) for c in self.coefs_]
        intercept_shapes = [np.shape(b) for b in self.intercepts_]
        expected_coef = [W.shape for W in self._network.coefs]
        expected_intercept = [b.shape for b in self._network.intercepts]
        if coef_shapes != expected_coef or intercept_shapes != expected_intercept:
            raise ValueError(
                f"coefs_ and intercepts_ must have shapes {expected_coef} and "
                f"{expected_intercept}; got {coef_shapes} and {intercept_shapes}."
            )

    # ------------------------------------------------------------------
    # Training
    # ------------------------------------------------------------------
    def _initialize(self, layer_units, loss_name, dtype, random_state):
        """Fresh network and fitted attributes for a first pass."""
        hidden_activations = self.hidden_activations_
        network = Network(layer_units, hidden_activations, loss_name, dtype=dtype)
        # Glorot's constant of each weight layer follows the activation it
        # feeds (the output layer: the last hidden one), so a single
        # activation gives scikit-learn's rule for every layer.
        init_names = [*hidden_activations, *hidden_activations[-1:]] or ["identity"]
        network.initialize(random_state, init_names, scheme=self.weight_init)
        self._network = network
        self.coefs_ = network.coefs
        self.intercepts_ = network.intercepts
        self.n_iter_ = 0
        self.t_ = 0
        self.n_layers_ = len(layer_units)
        self.n_outputs_ = layer_units[-1]
        self.out_activation_ = network.loss.output_name
        self._best_params = network.params.copy()
        self._weight_count = 0
        self._weight_total = 0.0
        self.loss_ = None
        if self.solver in _STOCHASTIC_SOLVERS:
            self.loss_curve_ = []
            self._no_improvement_count = 0
            self._reset_validation_records(validated=self.early_stopping)

    def _reset_validation_records(self, validated):
        """Start the per-epoch records, with or without a validation set."""
        if validated:
            self.validation_scores_ = []
            self.validation_loss_curve_ = []
            self.best_validation_score_ = -np.inf
            self.best_loss_ = None
        else:
            self.best_loss_ = np.inf
            self.validation_scores_ = None
            self.validation_loss_curve_ = None
            self.best_validation_score_ = None

    def _weights_are_buffer_views(self):
        """Whether ``coefs_`` / ``intercepts_`` are the training buffer's views."""
        network = self._network
        mine = network.coefs + network.intercepts
        theirs = [*self.coefs_, *self.intercepts_]
        return len(mine) == len(theirs) and all(
            view is value for view, value in zip(mine, theirs, strict=True)
        )

    def _sync_parameters(self):
        """Make ``coefs_`` / ``intercepts_`` views of the training buffer.

        They already are after training; they are not after a user assigned
        new arrays or after unpickling (pickle copies views). Either way the
        user's values are where training goes on from.
        """
        if self._weights_are_buffer_views():
            return
        network = self._network
        for views, values in (
            (network.coefs, self.coefs_),
            (network.intercepts, self.intercepts_),
        ):
            for view, value in zip(views, values, strict=True):
                view[...] = value
        self.coefs_ = network.coefs
        self.intercepts_ = network.intercepts

    def _fit(
        self,
        X,
        y,
        sample_weight=None,
        incremental=False,
        classes=None,
        validation_data=None,
    ):
        prepared = self._prepare(
            X, y, sample_weight, incremental, classes, validation_data
        )
        X, y, Y, sample_weight, first_pass, layer_units, loss_name = prepared[:7]
        fitted_attrs, validation = prepared.fitted_attrs, prepared.validation
        score_weight = prepared.score_weight
        # Everything below may change the estimator: the inputs are accepted.
        if first_pass or not incremental:
            # As scikit-learn: a new fit (warm or not) re-seeds; a stream of
            # partial_fit calls goes on with one random state, so that it can
            # be checkpointed and resumed.
            self._random_state = check_random_state(self.random_state)
        for name, value in fitted_attrs.items():
            setattr(self, name, value)
        if first_pass:
            self._initialize(layer_units, loss_name, X.dtype, self._random_state)
        else:
            self._sync_parameters()
            if "hidden_activations_" in fitted_attrs:  # parameters validated
                # As in scikit-learn, a changed activation applies from now on.
                self._network.set_hidden_activations(self.hidden_activations_)
            if loss_name is not None:  # e.g. a new quantile for a warm start
                self._network.loss = get_loss(loss_name)

        stochastic = self.solver in _STOCHASTIC_SOLVERS
        rows = self._batch_size(X.shape[0], warn=False) if stochastic else X.shape[0]
        # The callbacks' task, None without callbacks. Its subtasks are the
        # epochs: at most max_iter in fit, one in partial_fit.
        max_epochs = 1 if incremental else self.max_iter
        with callback_task(self, X, y, sample_weight, max_epochs) as task:
            with limited_blas_threads(blas_thread_limit(layer_units, rows)):
                if stochastic:
                    self._fit_stochastic(
                        X,
                        y,
                        Y,
                        sample_weight,
                        incremental,
                        validation,
                        task,
                        score_weight,
                    )
                else:
                    self._fit_lbfgs(X, Y, sample_weight, task)

            if not np.isfinite(self._network.params).all():
                raise ValueError(
                    "Solver produced non-finite parameter weights. The input data "
                    "may contain large values and need to be preprocessed, or the "
                    "learning rate may be too large."
                )
            if task is not None:
                task.end()
        return self

    def _update_weight_mean(self, sample_weight, n_samples, incremental):
        """Mean weight of the samples seen so far, the unit of a sample weight.

        In ``fit`` it is the mean over the training data, so a full batch
        gives scikit-learn's ``sum(w * g) / sum(w)``. Across ``partial_fit``
        calls it is the running mean over every sample seen, so a lone row of
        weight 3 moves the model three times as far as a row of weight 1.
        """
        if not incremental:
            self._weight_count, self._weight_total = 0, 0.0
        self._weight_count += n_samples
        self._weight_total += (
            float(n_samples) if sample_weight is None else float(sample_weight.sum())
        )
        return self._weight_total / self._weight_count

    def _make_optimizer(self):
        if self.solver == "sgd":
            return SGD(
                learning_rate_init=self.learning_rate_init,
                lr_schedule=self.learning_rate,
                momentum=self.momentum,
                nesterov=self.nesterovs_momentum,
                power_t=self.power_t,
            )
        return Adam(
            learning_rate_init=self.learning_rate_init,
            beta_1=self.beta_1,
            beta_2=self.beta_2,
            epsilon=self.epsilon,
        )

    def _split_validation(self, X, y, Y, sample_weight, score_weight=None):
        """Hold out ``validation_fraction`` of the data for early stopping.

        ``sample_weight`` includes class weights, ``score_weight`` is the
        user's ``sample_weight`` alone. Returns the training part
        ``X, y, Y, sample_weight`` and the held-out :class:`_ValidationSet`.
        """
        stratify = y if self._stratify_validation(y) else None
        weights = [w for w in (sample_weight, score_weight) if w is not None]
        parts = train_test_split(
            X,
            Y,
            y,
            *weights,
            random_state=self._random_state,
            test_size=self.validation_fraction,
            stratify=stratify,
        )
        X_train, X_val, Y_train, Y_val, y_train, y_val = parts[:6]
        sw_train, sw_val = (None, None) if sample_weight is None else parts[6:8]
        score_weight_val = None if score_weight is None else parts[-1]
        if X_val.shape[0] < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' "
                "or the size of your dataset."
            )
        validation = _ValidationSet(X_val, y_val, Y_val, sw_val, score_weight_val)
        return X_train, y_train, Y_train, sw_train, validation

    def _stratify_validation(self, y):
        return False

    def _batch_size(self, n_samples, warn=True):
        if self.batch_size == "auto":
            return min(200, n_samples)
        if warn and self.batch_size > n_samples:
            warnings.warn(
                f"Got batch_size={self.batch_size} larger than the number of "
                f"samples ({n_samples}); it is clipped to {n_samples}.",
                stacklevel=5,
            )
        return int(np.clip(self.batch_size, 1, n_samples))

    def _fit_stochastic(
        self, X, y, Y, sample_weight, incremental, validation, task, score_weight=None
    ):
        network = self._network
        if not incremental or not hasattr(self, "_optimizer"):
            self._optimizer = self._make_optimizer()
        optimizer = self._optimizer

        given_validation_set = validation is not None  # fit's X_val
        if self.early_stopping and validation is None:
            X, y, Y, sample_weight, validation = self._split_validation(
                X, y, Y, sample_weight, score_weight
            )
            if task is not None:
                task.set_data(X, y, sample_weight)
        self._start_validation_records(validation, given_validation_set)
        n_samples = X.shape[0]
        batch_size = self._batch_size(n_samples)
        weight_mean = self._update_weight_mean(sample_weight, n_samples, incremental)
        dropout_rates = self._dropout_rates if any(self._dropout_rates) else None
        scorer = None if validation is None else self._make_scorer()

        sample_idx = np.arange(n_samples)
        dense = not sp.issparse(X)
        if self.shuffle:
            # Shuffled batches are gathered into buffers reused all epoch;
            # mode="clip" skips a bounds check the indices do not need.
            buffers = {
                id(array): np.empty((batch_size, *array.shape[1:]), array.dtype)
                for array in (X, Y, sample_weight)
                if array is not None and not sp.issparse(array)
            }

            def gather(array, idx):
                out = buffers[id(array)][: len(idx)]
                return np.take(array, idx, axis=0, out=out, mode="clip")

        if not incremental:
            self.n_iter_ = 0
        for _ in range(self.max_iter):
            if task is not None:
                task.begin_epoch()
            epoch_start = time.perf_counter()
            if self.shuffle:
                shuffle_in_place(sample_idx, self._random_state)
            accumulated_loss = 0.0
            for batch in batch_slices(n_samples, batch_size):
                n_batch = batch.stop - batch.start
                if self.shuffle:
                    idx = sample_idx[batch]
                    X_batch = gather(X, idx) if dense else X[idx]
                    Y_batch = gather(Y, idx)
                    sw_batch = (
                        None if sample_weight is None else gather(sample_weight, idx)
                    )
                else:
                    X_batch, Y_batch = X[batch], Y[batch]
                    sw_batch = None if sample_weight is None else sample_weight[batch]
                masks = (
                    None
                    if dropout_rates is None
                    else network.draw_dropout_masks(
                        n_batch, dropout_rates, self._random_state
                    )
                )
                batch_loss = network.loss_and_gradient(
                    X_batch,
                    Y_batch,
                    sample_weight=sw_batch,
                    alpha=self.alpha,
                    weight_total=n_batch * weight_mean,
                    dropout_masks=masks,
                )
                # The sum of the gradient is inf or nan as soon as one entry
                # is: one cheap pass that keeps a diverging step from being
                # applied, so the weights stay the last finite ones.
                if not (
                    math.isfinite(batch_loss) and math.isfinite(network.grads.sum())
                ):
                    raise self._divergence_error(batch_loss)
                accumulated_loss += batch_loss * n_batch
                optimizer.step(network.params, network.grads)

            self.n_iter_ += 1
            self.loss_ = accumulated_loss / n_samples
            self.t_ += n_samples
            self.loss_curve_.append(self.loss_)
            if self.verbose == 1:
                print(f"Iteration {self.n_iter_}, loss = {self.loss_:.8f}")

            if validation is not None:
                self._update_no_improvement_count_validation(validation, scorer)
            else:
                self._update_no_improvement_count_loss()
            if self.verbose >= 2:
                self._print_epoch_row(optimizer, time.perf_counter() - epoch_start)
            optimizer.iteration_ends(self.t_)
            # A callback may ask to stop: after this epoch's bookkeeping.
            stop_requested = task is not None and task.end_epoch()

            if self._no_improvement_count > self.n_iter_no_change:
                what = "Validation score" if validation is not None else "Training loss"
                message = (
                    f"{what} did not improve more than tol={self.tol:f} for "
                    f"{self.n_iter_no_change} consecutive epochs."
                )
                if optimizer.on_plateau():
                    if self.verbose:
                        print(message + " Stopping.")
                    break
                if self.verbose:
                    print(
                        message
                        + f" Setting learning rate to {optimizer.learning_rate:f}"
                    )
                self._no_improvement_count = 0

            if incremental or stop_requested:
                break
            if self.n_iter_ == self.max_iter:
                warnings.warn(
                    f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) "
                    "reached and the optimization hasn't converged yet.",
                    ConvergenceWarning,
                    stacklevel=4,
                )

        if validation is not None:
            network.params[...] = self._best_params

    def _start_validation_records(self, validation, given_validation_set):
        """Make the validation records fit this call's validation set.

        A first pass started them for ``early_stopping`` only; a warm-started
        fit may add or drop a validation set, or bring a new ``X_val``.
        """
        if validation is not None and self.validation_scores_ is None:
            # NaN for the epochs without one keeps every curve aligned with
            # loss_curve_, epoch for epoch.
            self._reset_validation_records(validated=True)
            self.validation_scores_ += [np.nan] * len(self.loss_curve_)
            self.validation_loss_curve_ += [np.nan] * len(self.loss_curve_)
            self._no_improvement_count = 0
        elif validation is None and self.validation_scores_ is not None:
            self._reset_validation_records(validated=False)
            self._no_improvement_count = 0
        elif given_validation_set:
            # A new X_val is a new yardstick: scores on an earlier set do not
            # compete with it (warm start); scikit-learn's split is the same
            # every fit with an int random_state, so early stopping carries on.
            self.best_validation_score_ = -np.inf
            self._no_improvement_count = 0

    def _print_epoch_row(self, optimizer, seconds):
        """One row of the ``verbose=2`` table, with its header before epoch 1."""
        validated = self.validation_scores_ is not None
        if self.n_iter_ == 1:
            columns = ["epoch", "train loss"]
            if validated:
                columns += ["val loss", "val score"]
            columns += ["learning rate", "seconds"]
            print(" ".join(f"{c:>13}" for c in columns))
        values = [f"{self.n_iter_:>13d}", f"{self.loss_:>13.6g}"]
        if validated:
            values += [
                f"{self.validation_loss_curve_[-1]:>13.6g}",
                f"{self.validation_scores_[-1]:>13.6g}",
            ]
        values += [f"{optimizer.learning_rate:>13.4g}", f"{seconds:>13.3f}"]
        print(" ".join(values))

    def _divergence_error(self, batch_loss):
        what = "loss" if not math.isfinite(batch_loss) else "gradient"
        advice = (
            f"lower learning_rate_init (now {self.learning_rate_init:g})"
            if self.solver in _STOCHASTIC_SOLVERS
            else "add regularisation (alpha)"
        )
        return ValueError(
            f"Training diverged in epoch {self.n_iter_ + 1}: the {what} is no "
            f"longer finite. The model keeps its last finite weights. To train, "
            f"{advice}, or scale the input features (e.g. with StandardScaler)."
        )

    def _update_no_improvement_count_loss(self):
        if self.loss_curve_[-1] > self.best_loss_ - self.tol:
            self._no_improvement_count += 1
        else:
            self._no_improvement_count = 0
        if self.loss_curve_[-1] < self.best_loss_:
            self.best_loss_ = self.loss_curve_[-1]

    def _update_no_improvement_count_validation(self, validation, scorer):
        validation_loss, score = self._validation_loss_and_score(validation, scorer)
        self.validation_loss_curve_.append(validation_loss)
        self.validation_scores_.append(score)
        if self.verbose == 1:
            print(f"Validation score: {score:f}")
        if score < self.best_validation_score_ + self.tol:
            self._no_improvement_count += 1
        else:
            self._no_improvement_count = 0
        if score > self.best_validation_score_:
            self.best_validation_score_ = score
            self._best_params[...] = self._network.params

    def _validation_loss_and_score(self, validation, scorer):
        """Mean loss (no penalty) and score of the current weights on held-out data.

        The loss and the default score share one forward pass. The loss
        weighs samples as training does (class weights included); scores
        see the user's sample weights only.
        """
        X_val, y_val, Y_val, sw_val, score_weight = validation
        loss = self._network.loss
        Z = self._raw_output(X_val, validate=False)
        total = Z.shape[0] if sw_val is None else float(sw_val.sum())
        validation_loss = loss.value(Z, Y_val, sw_val) / total
        if scorer is None:
            score = self._score_raw_output(Z, y_val, score_weight)
        elif scorer == "loss":
            score = -validation_loss
        else:
            kwargs = {} if score_weight is None else {"sample_weight": score_weight}
            with warnings.catch_warnings():
                # The held-out rows are validated arrays without the feature
                # names the model was fitted with.
                warnings.filterwarnings(
                    "ignore", message="X does not have valid feature names"
                )
                score = float(scorer(self, X_val, y_val, **kwargs))
        return validation_loss, score

    def _fit_lbfgs(self, X, Y, sample_weight, task):
        network = self._network
        last_loss = None
        stop_requested = False
        self.n_iter_ = 0  # counted as scipy reports iterations, for callbacks

        def loss_and_gradient(packed):
            nonlocal last_loss
            if task is not None:
                # An iteration begins with its first evaluation (a no-op for
                # the next ones), so every iteration begun is one scipy runs.
                task.begin_epoch("iteration")
            network.params[...] = packed
            last_loss = network.loss_and_gradient(X, Y, sample_weight, alpha=self.alpha)
            return last_loss, network.grads.astype(np.float64)

        def after_iteration(intermediate_result):
            nonlocal stop_requested
            self.n_iter_ += 1
            # scipy >= 1.11 passes an OptimizeResult; older ones pass the
            # parameters only, whose loss was the last one evaluated.
            current = intermediate_result
            new_protocol = isinstance(current, scipy.optimize.OptimizeResult)
            x = current.x if new_protocol else current
            self.loss_ = float(current.fun if new_protocol else last_loss)
            if self.verbose:
                print(f"L-BFGS iteration, loss = {self.loss_:.8f}")
            if task is not None and task.end_epoch(x) and new_protocol:
                stop_requested = True  # a stop request; scipy < 1.11 cannot stop
                raise StopIteration

        initial = network.params.copy()
        result = scipy.optimize.minimize(
            loss_and_gradient,
            initial.astype(np.float64),
            method="L-BFGS-B",
            jac=True,
            callback=after_iteration if self.verbose or task is not None else None,
            options={
                "maxfun": self.max_fun,
                "maxiter": self.max_iter,
                "gtol": self.tol,
            },
        )
        self.n_iter_ = min(result.nit, self.max_iter)
        if result.status != 0 and not stop_requested:
            warnings.warn(
                f"lbfgs failed to converge after {self.n_iter_} iteration(s) "
                f"(status={result.status}): {result.message}. Increase max_iter or "
                "max_fun, or scale the data.",
                ConvergenceWarning,
                stacklevel=4,
            )
        if not (np.isfinite(result.x).all() and np.isfinite(result.fun)):
            network.params[...] = initial
            raise self._divergence_error(float(result.fun))
        self.loss_ = float(result.fun)
        network.params[...] = result.x

    # ------------------------------------------------------------------
    # Prediction
    # ------------------------------------------------------------------
    def _raw_output(self, X, validate=True):
        """Raw outputs (logits) of the last layer.

        ``validate=False`` is for data the estimator validated itself (the
        early-stopping split), which has lost its feature names.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_outputs)
        """
        if validate:
            check_is_fitted(self)
            X = validate_data(
                self,
                X,
                accept_sparse=["csr", "csc"],
                dtype=(np.float64, np.float32),
                reset=False,
            )
        network = self._network
        return forward(
            X, self.coefs_, self.intercepts_, network.hidden_activations, network.loss
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        return tags
