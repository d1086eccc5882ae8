"""The base estimator: parameters, one path for every call, the weight views.

A training call goes through three modules, each one responsibility:

- :mod:`skbackprop._validation` checks the call and returns one
  :class:`~skbackprop._validation.TrainingCall` record, changing nothing;
- this module applies the record (fitted attributes, a new network or the
  weights a user assigned) and owns ``coefs_`` / ``intercepts_``, which are
  views of the network's parameter buffer;
- :mod:`skbackprop._training` runs the epochs or L-BFGS.

The subclasses add their target encoding (``_target_type``, see
:mod:`skbackprop._targets`) and what they predict from the raw outputs.
"""

from abc import ABC, abstractmethod
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from skbackprop._array_api import (
    all_finite,
    as_data,
    check_placement,
    move_to_placement,
)
from skbackprop._callbacks import CallbackSupportMixin, callback_task
from skbackprop._inputs import known_rows
from skbackprop._threads import blas_thread_limit, limited_blas_threads
from skbackprop._training import (
    StoppingRule,
    batch_size,
    reset_records,
    train_lbfgs,
    train_stochastic,
)
from skbackprop._validation import (
    HIDDEN_LAYER_SIZE,
    PARTIAL_FIT,
    stochastic_solvers,
    validate_training_call,
)
from skbackprop.core import (
    ACTIVATIONS,
    OPTIMIZERS,
    SCHEDULES,
    WEIGHT_INITS,
    Network,
    forward,
)
from skbackprop.core.arrays import NUMPY
from skbackprop.core.network import DROPOUT_RATE


def constraint(param):
    """scikit-learn's constraints for a :class:`~skbackprop.core.registry.Param`."""
    if param.kind is bool:
        return ["boolean"]
    number = Integral if param.kind is int else Real
    interval = Interval(number, param.low, param.high, closed=param.closed)
    return [interval, None] if param.optional else [interval]


def registry_constraints(*registries, where=None):
    """The constraints of the parameters that registered classes read.

    A parameter read by several classes must be checked alike by each.
    """
    params = {}
    for registry in registries:
        for cls in registry.values():
            if where is None or where(cls):
                for name, param in cls.read_parameters().items():
                    if params.setdefault(name, param).describe() != param.describe():
                        raise ValueError(f"{name} is checked two ways: {param!r}")
    return {name: constraint(param) for name, param in params.items()}


def _stochastic_solver(estimator):
    """``available_if`` test: partial_fit exists only for the stochastic solvers."""
    if estimator.solver not in OPTIMIZERS:
        raise AttributeError(
            "partial_fit is only available for stochastic solvers "
            f"({stochastic_solvers()}); solver={estimator.solver!r} is not stochastic."
        )
    return True


def _thread_limits(call, rows):
    """The BLAS thread limit for batches of ``rows`` rows, as a context factory.

    The stochastic solvers enter it once per epoch, so that a large network
    follows the machine's load as it changes (see ``skbackprop._threads``).
    """
    return lambda: limited_blas_threads(blas_thread_limit(call.layer_units, rows))


def _validation_data(X_val, y_val, sample_weight_val):
    """``fit``'s validation arguments as one tuple, or None if none is given."""
    if X_val is None and y_val is None and sample_weight_val is None:
        return None
    return X_val, y_val, sample_weight_val


class BaseMiniBatchMLP(CallbackSupportMixin, BaseEstimator, ABC):
    """Base class of the mini-batch MLP estimators; use a subclass.

    Subclasses set ``_target_type`` (a class of :mod:`skbackprop._targets`)
    and provide ``_score_raw_output``; validation, initialisation, training
    and the weight views live here and in the modules this one wires.
    """

    # The names a registry holds are read live: a class registered later is
    # accepted at once. The parameters the registered classes read (momentum,
    # beta_1, ...) are checked as the classes declare.
    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", *constraint(HIDDEN_LAYER_SIZE)],
        "activation": [StrOptions(ACTIVATIONS.names()), list, tuple],
        "solver": [StrOptions(OPTIMIZERS.names(extra=("lbfgs",)))],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "learning_rate": [StrOptions(SCHEDULES.names())],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "weight_init": [StrOptions(WEIGHT_INITS.names())],
        "dropout": [*constraint(DROPOUT_RATE), list, tuple],
        "scoring": [None, str, callable],
        **registry_constraints(OPTIMIZERS, SCHEDULES),
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
        weight_decay=0.0,
        warmup_fraction=0.0,
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
        self.weight_decay = weight_decay
        self.warmup_fraction = warmup_fraction

    @abstractmethod
    def _score_raw_output(self, Z, y, sample_weight=None):
        """Default validation score (higher is better) from raw outputs.

        ``Z`` of shape (n_samples, n_outputs) holds the logits of the samples
        whose targets are ``y``; it may be overwritten.
        """

    def _stratify_validation(self, y):
        """Whether the early-stopping split is stratified by ``y``."""
        return False

    def _is_fitted(self):
        return "_network" in self.__dict__

    def __sklearn_is_fitted__(self):
        return self._is_fitted()

    def __setstate__(self, state):
        super().__setstate__(state)
        if "_network" in self.__dict__ and "_targets" not in self.__dict__:
            # Saved by skbackprop 0.1.0, which kept the target encoding in
            # attributes of its own; its settings are validated anew on the
            # next training call.
            self._targets = self._target_type.from_fitted(self)
        if "_network" in self.__dict__ and "_stopping" not in self.__dict__:
            # Saved before the stopping rule was an object of its own.
            self._stopping = StoppingRule.from_fitted(self)
        settings = self.__dict__.get("_settings")
        if settings is not None and "params" not in vars(settings):
            # Saved before Settings held the parameters by name: validated
            # anew on the next training call, and applied to the network.
            del self._settings

    # ------------------------------------------------------------------
    # Training: validate, apply, train
    # ------------------------------------------------------------------
    def _fit(
        self,
        X,
        y,
        sample_weight=None,
        *,
        partial=False,
        classes=None,
        validation_data=None,
    ):
        call = validate_training_call(
            self,
            X,
            y,
            sample_weight,
            partial=partial,
            classes=classes,
            validation_data=validation_data,
        )
        # Everything below may change the estimator: the inputs are accepted.
        self._apply(call)
        # The callbacks' task, None without callbacks. Its subtasks are the
        # epochs: at most max_iter in fit, one in partial_fit.
        max_epochs = 1 if partial else self.max_iter
        with callback_task(
            self, call.X, call.y, call.sample_weight, max_epochs
        ) as task:
            if call.settings.stochastic:
                rows = batch_size(self, call.X.shape[0], warn_if_clipped=False)
                train_stochastic(self, call, task, _thread_limits(call, rows))
            else:
                with _thread_limits(call, call.Y.shape[0])():
                    train_lbfgs(self, call, task)
            if not all_finite(self._network.params):
                raise ValueError(
                    "Solver produced non-finite parameter weights. The input data "
                    "may contain large values and need to be preprocessed, or the "
                    "learning rate may be too large."
                )
            if task is not None:
                task.end()
        return self

    def _apply(self, call):
        """Set what an accepted call sets, before its training starts."""
        if call.kind is not PARTIAL_FIT:
            # As scikit-learn: a new fit (warm or not) re-seeds; a stream of
            # partial_fit calls goes on with one random state, so that it can
            # be checkpointed and resumed.
            self._random_state = check_random_state(self.random_state)
        settings = call.settings
        changed = settings is not self.__dict__.get("_settings")
        self._settings = settings
        self._targets = call.targets
        for name, value in call.targets.fitted_attributes().items():
            setattr(self, name, value)
        self.hidden_activations_ = settings.hidden_activations
        if call.kind.new_network:
            self._initialize(call)
            return
        network = self._network
        if call.assigned_weights is not None:
            self._adopt_weights(call.assigned_weights)
        if changed:
            # As in scikit-learn, a changed activation applies from now on.
            network.set_hidden_activations(settings.hidden_activations)
            network.set_dropout_rates(settings.dropout_rates)
            network.loss = call.loss  # e.g. a new quantile

    def _initialize(self, call):
        """A new network, its weights drawn or assigned, and fresh records."""
        settings = call.settings
        hidden_activations = settings.hidden_activations
        placement = call.placement
        network = Network(
            call.layer_units,
            hidden_activations,
            call.loss,
            dtype=placement.host_dtype(call.X.dtype),
            dropout_rates=settings.dropout_rates,
            namespace=placement.namespace,
            device=placement.device,
        )
        self._network = network
        if call.assigned_weights is not None:
            self._adopt_weights(call.assigned_weights)
        else:
            # Glorot's constant of each weight layer follows the activation
            # it feeds (the output layer: the last hidden one), so a single
            # activation gives scikit-learn's rule for every layer.
            init_names = [*hidden_activations, *hidden_activations[-1:]]
            network.initialize(
                self._random_state, init_names or ["identity"], scheme=self.weight_init
            )
            self._adopt_weights(None)
        self.n_iter_ = 0
        self.t_ = 0
        self.n_layers_ = len(call.layer_units)
        self.n_outputs_ = call.layer_units[-1]
        self.out_activation_ = network.loss.output_name
        self._stopping = StoppingRule(network.xp.copy(network.params))
        self._weight_count = 0
        self._weight_total = 0.0
        self.loss_ = None
        if settings.stochastic:
            self.loss_curve_ = []
            reset_records(self, validated=self.early_stopping)

    def _adopt_weights(self, weights):
        """Copy checked weights (None: none) in; ``coefs_`` become the views.

        The one place where the two meet: after it, ``coefs_`` and
        ``intercepts_`` are the buffer's views again.
        """
        network = self._network
        if weights is not None:  # checked on the host
            views = network.coefs + network.intercepts
            for view, value in zip(views, weights, strict=True):
                view[...] = network.from_host(value)
        # Lists of their own: replacing coefs_[0] must not replace the
        # network's view too (the change is then seen, checked and adopted).
        self.coefs_ = list(network.coefs)
        self.intercepts_ = list(network.intercepts)

    # ------------------------------------------------------------------
    # Prediction
    # ------------------------------------------------------------------
    def _raw_output(self, X, method):
        """Raw outputs (logits) of the last layer for validated ``X``.

        Rows of the known schema (a numeric array or list of rows with the
        fitted number of features, finite, on a model fitted without
        feature names) skip scikit-learn's validation, which costs more
        than a one-row prediction itself; they are converted as it would
        convert them. Anything else is validated in full, with its errors.

        With array API dispatch, ``X`` must be in the namespace and on the
        device of the model (``method`` names the call in the error).

        Returns
        -------
        Z : array of shape (n_samples, n_outputs)
            In the model's namespace, on its device.
        """
        if self._is_fitted() and "feature_names_in_" not in self.__dict__:
            known = known_rows(X, self.n_features_in_)
            # NumPy rows for a NumPy model: there is no other place to be.
            if known is not None and self._network.xp is NUMPY:
                return self._raw_output_of_valid(known)
        check_is_fitted(self)
        placement = check_placement(self, X, method)
        # On a device, X takes the model's dtype (the library may not mix
        # float32 and float64 in a product, as NumPy does).
        dtype = (np.float64, np.float32) if placement.on_host else self._network.dtype
        X = validate_data(
            self,
            as_data(X),
            accept_sparse=["csr", "csc"],
            dtype=placement.float_dtypes(dtype),
            reset=False,
        )
        return self._raw_output_of_valid(X)

    def _raw_output_of_valid(self, X):
        """Raw outputs for data the estimator validated itself (held-out rows)."""
        network = self._network
        return forward(X, self.coefs_, self.intercepts_, network.hidden_activations)

    def __sklearn_array_api_convert__(self, converter):
        # scikit-learn's move_estimator_to: the network's arrays move too.
        return move_to_placement(self, converter)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.array_api_support = True
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        return tags
