"""TabularMLPClassifier and TabularMLPRegressor: the RealMLP recipe in one line.

Each is a small composite: a :class:`TabularEncoder` (the recipe's input
preprocessing, fitted on the training data) in front of a
:class:`~skbackprop.MiniBatchMLPClassifier` or
:class:`~skbackprop.MiniBatchMLPRegressor` whose parameters are the recipe's
(Holzmueller et al., "Better by Default: Strong Pre-Tuned MLPs and Boosted
Trees on Tabular Data", NeurIPS 2024). Every parameter of the inner
estimator is a parameter of the composite, with the recipe's default, so
that a search can tune any of them.
"""

import numbers

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
    TransformerMixin,
)
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from skbackprop._classifier import MiniBatchMLPClassifier
from skbackprop._regressor import MiniBatchMLPRegressor
from skbackprop.core import OPTIMIZERS

__all__ = ["TabularEncoder", "TabularMLPClassifier", "TabularMLPRegressor"]

#: A missing category is a category of its own.
_MISSING = "__missing__"


# ----------------------------------------------------------------------
# Columns of a DataFrame (pandas or polars) or an array, without importing
# either library: the user brought it, if it is there.
# ----------------------------------------------------------------------
def _is_dataframe(X):
    module = type(X).__module__
    return module.startswith(("pandas", "polars")) and hasattr(X, "columns")


def _dataframe_columns(X):
    """``[(numeric, values)]`` per column: float64 with NaN, or object labels."""
    columns = []
    polars = type(X).__module__.startswith("polars")
    for name in X.columns:
        column = X[name]
        if polars:
            numeric = column.dtype.is_numeric() or str(column.dtype) == "Boolean"
            if numeric:
                values = column.cast(float).to_numpy()
            else:
                values = np.asarray(column.cast(str).to_list(), dtype=object)
        else:
            import pandas as pd  # the user's DataFrame is a pandas one

            dtype = column.dtype
            numeric = (
                pd.api.types.is_numeric_dtype(dtype)
                or pd.api.types.is_bool_dtype(dtype)
            ) and not isinstance(dtype, pd.CategoricalDtype)
            if numeric:
                values = column.to_numpy(dtype=np.float64, na_value=np.nan)
            else:
                values = column.astype(object).to_numpy()
        columns.append((numeric, values))
    return columns


def _weighted_quantiles(values, weights, quantiles):
    """Inverted-CDF quantiles: integer weights equal repeated rows, exactly."""
    order = np.argsort(values, kind="stable")
    values, cumulative = values[order], np.cumsum(weights[order])
    total = cumulative[-1]
    index = np.searchsorted(cumulative, np.asarray(quantiles) * total, side="left")
    return values[np.minimum(index, values.size - 1)]


def _labels(values):
    """Category labels as strings, a missing value as a category of its own."""
    out = np.empty(values.shape[0], dtype=object)
    for i, value in enumerate(values):
        missing = value is None or (isinstance(value, float) and np.isnan(value))
        out[i] = _MISSING if missing else str(value)
    return out


class TabularEncoder(TransformerMixin, BaseEstimator):
    r"""The recipe's input preprocessing: robust scaling, smooth clipping, one-hot.

    Numeric columns are centred on their median and divided by their
    interquartile range (or, where it is 0, by half their range; a constant
    column becomes 0); missing numbers become the median, that is 0. Then
    the smooth clip :math:`x / \sqrt{1 + (x/3)^2}` bounds every value to
    (-3, 3) while leaving the bulk nearly linear. Other columns (strings,
    categories, booleans of a polars frame) are one-hot encoded, a missing
    value being a category of its own; categories seen fewer than
    ``min_frequency`` times (by sample weight) and unknown ones encode as
    all zeros.

    Parameters
    ----------
    smooth_clip : bool, default=True
        Whether to apply the smooth clip after the robust scaling.
    min_frequency : int, default=5
        Categories seen fewer times (by weight) get no column of their own.
    dtype : {numpy.float32, numpy.float64}, default=numpy.float32
        The output's floating-point type (the network trains in it).

    Attributes
    ----------
    numeric_ : ndarray of bool of shape (``n_features_in_``,)
        Which columns are numeric.
    center_, scale_ : ndarray of shape (n_numeric,)
        Median and factor of each numeric column.
    categories_ : list of ndarray
        The categories of each categorical column that get a column of
        their own (seen at least ``min_frequency`` times, by weight).
    n_features_in_ : int
        Number of columns seen in ``fit``.
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Column names, for a DataFrame with string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop import TabularEncoder
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0], [100.0]])
    >>> TabularEncoder().fit_transform(X).ravel().round(3)
    array([-0.949, -0.493,  0.   ,  0.493,  2.994], dtype=float32)
    """

    _parameter_constraints: dict = {
        "smooth_clip": ["boolean"],
        "min_frequency": [Interval(numbers.Integral, 1, None, closed="left")],
        "dtype": "no_validation",
    }

    def __init__(self, smooth_clip=True, min_frequency=5, dtype=np.float32):
        self.smooth_clip = smooth_clip
        self.min_frequency = min_frequency
        self.dtype = dtype

    def _columns(self, X, reset):
        if _is_dataframe(X):
            validate_data(self, X, reset=reset, skip_check_array=True)
            return _dataframe_columns(X)
        X = validate_data(
            self, X, reset=reset, dtype=np.float64, ensure_all_finite="allow-nan"
        )
        return [(True, X[:, j]) for j in range(X.shape[1])]

    def fit(self, X, y=None, sample_weight=None):
        """Learn the scaling of the numeric columns and the categories of the others.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            A pandas or polars DataFrame, or numbers (NaN allowed).
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows for the quantiles and category counts.

        Returns
        -------
        self : TabularEncoder
            Fitted.
        """
        from sklearn.utils.validation import _check_sample_weight

        self._validate_params()
        columns = self._columns(X, reset=True)
        n = columns[0][1].shape[0] if columns else 0
        weights = _check_sample_weight(sample_weight, np.empty((n, 0)))
        self.numeric_ = np.array([numeric for numeric, _ in columns], dtype=bool)
        numbers_ = [values for numeric, values in columns if numeric]
        centers, scales = [], []
        for values in numbers_:
            _check_no_infinity(values)
            present = ~np.isnan(values) & (weights > 0)
            known = values[present]
            if known.size == 0:
                centers.append(0.0)
                scales.append(0.0)
                continue
            q25, median, q75 = _weighted_quantiles(
                known, weights[present], [0.25, 0.5, 0.75]
            )
            spread = q75 - q25
            if spread == 0:
                spread = 0.5 * (known.max() - known.min())
            centers.append(median)
            scales.append(1.0 / spread if spread > 0 else 0.0)
        self.center_ = np.array(centers, dtype=np.float64)
        self.scale_ = np.array(scales, dtype=np.float64)
        self.categories_ = []
        for numeric, values in columns:
            if numeric:
                continue
            labels, codes = np.unique(_labels(values), return_inverse=True)
            counts = np.bincount(codes.ravel(), weights=weights, minlength=labels.size)
            self.categories_.append(labels[counts >= self.min_frequency])
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.transformer_tags.preserves_dtype = []  # the output is ``dtype``
        return tags

    def transform(self, X):
        """Encode ``X`` as the network's input.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Columns as in ``fit``.

        Returns
        -------
        Xt : ndarray of shape (n_samples, n_encoded)
            The scaled (and clipped) numeric columns, then the one-hot
            columns, in ``dtype``.
        """
        check_is_fitted(self)
        columns = self._columns(X, reset=False)
        numeric = np.array([n for n, _ in columns], dtype=bool)
        if not np.array_equal(numeric, self.numeric_):
            raise ValueError(
                "X's columns are not of the kinds seen in fit (numeric or "
                "categorical, column by column)."
            )
        n = columns[0][1].shape[0] if columns else 0
        parts = []
        if self.center_.size:
            values = np.column_stack([v for is_num, v in columns if is_num])
            _check_no_infinity(values)
            values = (values - self.center_) * self.scale_
            values = np.nan_to_num(values, nan=0.0)  # missing: the median
            if self.smooth_clip:
                values /= np.sqrt(1.0 + (values / 3.0) ** 2)
            parts.append(values.astype(self.dtype))
        categorical = [v for is_num, v in columns if not is_num]
        for values, categories in zip(categorical, self.categories_, strict=True):
            labels = _labels(values)
            # One column per kept category; others (rare, unknown) all zeros.
            position = np.searchsorted(categories, labels)
            position = np.minimum(position, max(categories.size - 1, 0))
            hit = categories.size > 0 and categories[position] == labels
            one_hot = np.zeros((labels.size, categories.size), dtype=self.dtype)
            if categories.size:
                rows = np.flatnonzero(hit)
                one_hot[rows, position[rows]] = 1
            parts.append(one_hot)
        if not parts:
            return np.zeros((n, 0), dtype=self.dtype)
        return np.hstack(parts).astype(self.dtype, copy=False)


def _check_no_infinity(values):
    if np.isinf(values).any():
        raise ValueError(
            "Input X contains infinity. Missing values (NaN) are imputed; "
            "infinite ones are not."
        )


# ----------------------------------------------------------------------
# The estimators
# ----------------------------------------------------------------------
#: The recipe's settings of the inner estimator, shared by both tasks.
_RECIPE = {
    "hidden_layer_sizes": (256, 256, 256),
    "solver": "adam",
    "alpha": 0.0,
    "batch_size": 256,
    "learning_rate": "coslog4",
    "max_iter": 256,
    "tol": 0.0,
    "early_stopping": True,
    "validation_fraction": 0.2,
    "n_iter_no_change": np.inf,
    "beta_2": 0.95,
    "weight_init": "zero_output",
    "dropout": 0.15,
    "weight_decay": 0.32,
}


def _on_host(X):
    """``X`` as NumPy where it is another array library's (array API), and its way back.

    Returns ``X`` for the encoder and a function that moves an encoded
    array to where ``X`` was (the identity for NumPy and DataFrames).
    """

    def same(A):
        return A

    if X is None or _is_dataframe(X) or isinstance(X, (np.ndarray, list, tuple)):
        return X, same
    from sklearn.utils._array_api import (
        _convert_to_numpy,
        _is_numpy_namespace,
        get_namespace_and_device,
    )

    xp, is_array_api, device = get_namespace_and_device(X)
    if not is_array_api or _is_numpy_namespace(xp):
        return X, same
    return _convert_to_numpy(X, xp), lambda A: xp.asarray(A, device=device)


class _TabularMLP(BaseEstimator):
    """The composite: an encoder, then the inner MLP (a subclass sets which)."""

    _inner = None  # the MiniBatchMLP class
    #: What a training call sets before the network trains.
    _call_attributes = (
        "encoder_",
        "n_features_in_",
        "feature_names_in_",
        "_one_column",
        "target_mean_",
        "target_scale_",
        "target_min_",
        "target_max_",
    )

    @classmethod
    def _inner_param_names(cls):
        return cls._inner._get_param_names()

    def _inner_params(self, n_samples, partial=False):
        """The inner estimator's parameters for a call on ``n_samples`` rows."""
        params = {name: getattr(self, name) for name in self._inner_param_names()}
        if isinstance(self.batch_size, numbers.Integral):
            # The recipe's batch of 256 on a table of fewer training rows is
            # the whole of them, without the clipping warning.
            held_out = self.early_stopping and not partial
            rows = n_samples - int(np.ceil(self.validation_fraction * n_samples))
            params["batch_size"] = max(
                1, min(self.batch_size, rows if held_out else n_samples)
            )
        return params

    def _inner_estimator(self, n_samples):
        return self._inner(**self._inner_params(n_samples))

    def _encode(self, X, reset, sample_weight=None):
        host_X, back = _on_host(X)
        if reset:
            host_weight, _ = _on_host(sample_weight)
            self.encoder_ = TabularEncoder(
                smooth_clip=self.smooth_clip,
                min_frequency=self.min_frequency,
                dtype=np.dtype(self.dtype).type,
            ).fit(host_X, sample_weight=host_weight)
        Xt = self.encoder_.transform(host_X)
        self.n_features_in_ = self.encoder_.n_features_in_
        if hasattr(self.encoder_, "feature_names_in_"):
            self.feature_names_in_ = self.encoder_.feature_names_in_
        return back(Xt)

    def _publish(self):
        """The inner estimator's training records, as attributes of the composite."""
        mlp = self.mlp_
        for name in (
            "n_iter_",
            "loss_",
            "loss_curve_",
            "best_validation_score_",
            "validation_scores_",
        ):
            setattr(self, name, getattr(mlp, name, None))

    def _fit(self, X, y, sample_weight, partial, **kwargs):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y "
                "is None."
            )
        fitted = hasattr(self, "mlp_")
        # A new encoder, target scaling and network, unless a stream goes on
        # or a warm start keeps them (the same encoding of the inputs).
        first = not fitted or (not partial and not self.warm_start)
        if partial and self.early_stopping:
            raise ValueError(
                "partial_fit cannot choose the best epoch on a held-out part: "
                "the recipe's early_stopping=True needs the whole training set "
                "in one fit. Set early_stopping=False to train on a stream."
            )
        if first:
            # A failed call leaves the model as it was (fitted or not): the
            # attributes it sets on the way are put back.
            kept = {
                name: self.__dict__[name]
                for name in self._call_attributes
                if name in self.__dict__
            }
            try:
                Xt = self._encode(X, reset=True, sample_weight=sample_weight)
                y_fit = self._fit_targets(y, reset=True, sample_weight=sample_weight)
                mlp = self._inner_estimator(Xt.shape[0])
                if partial:
                    mlp.partial_fit(Xt, y_fit, sample_weight=sample_weight, **kwargs)
                else:
                    mlp.fit(Xt, y_fit, sample_weight=sample_weight, **kwargs)
            except BaseException:
                for name in self._call_attributes:
                    self.__dict__.pop(name, None)
                self.__dict__.update(kept)
                raise
            self.mlp_ = mlp
        else:
            Xt = self._encode(X, reset=False)
            self.mlp_.set_params(**self._inner_params(Xt.shape[0], partial))
            train = self.mlp_.partial_fit if partial else self.mlp_.fit
            train(
                Xt,
                self._fit_targets(y, reset=False, sample_weight=sample_weight),
                sample_weight=sample_weight,
                **kwargs,
            )
        self._publish()
        return self

    def _fit_targets(self, y, reset, sample_weight=None):
        return y

    def _encoded(self, X):
        check_is_fitted(self, "mlp_")
        return self._encode(X, reset=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = False
        # The inner network runs on the array library of X (array API
        # dispatch); the encoder and the target scaling run on the host, so
        # scikit-learn's array API checks, which want every fitted array in
        # X's namespace, do not apply.
        tags.array_api_support = False
        tags.target_tags.multi_output = True
        return tags


def _stochastic(estimator):
    if estimator.solver not in OPTIMIZERS:
        raise AttributeError(
            f"partial_fit is only available for stochastic solvers; "
            f"solver={estimator.solver!r} is not stochastic."
        )
    return True


_RECIPE_DOC = """\
    The recipe, after RealMLP-TD (Holzmueller et al., 2024), by its code's
    defaults, here as the inner estimator's parameters:

    - inputs: numeric columns robust-scaled (median, interquartile range)
      and smoothly clipped to (-3, 3), missing numbers at the median;
      categorical columns one-hot encoded (:class:`TabularEncoder`);
    - three hidden layers of 256 units, {activation};
    - Adam with ``beta_2=0.95``, batches of 256, 256 epochs, the "coslog4"
      learning-rate schedule, decoupled weight decay on the weights;
    - dropout 0.15; {extra}
    - the output layer initialised at zero (``weight_init='zero_output'``);
    - the epoch with the best validation score on a 20% holdout is kept
      (``early_stopping=True``, ``validation_fraction=0.2``,
      ``n_iter_no_change=inf``).

    RealMLP trains with the NTK parametrisation, where a layer's weights are
    ``N(0, 1)`` and its output is divided by the square root of its fan-in;
    with Adam this equals the standard parametrisation with weights
    ``N(0, 1/fan_in)`` and a learning rate divided by that square root, so
    its rate {lr} and weight decay 0.02 become ``learning_rate_init={ours}``
    and ``weight_decay=0.32`` for 256-wide layers. Not reproduced (yet):
    RealMLP's periodic numerical embeddings (PBLD), learnable front scale,
    parametric activations, per-layer learning-rate factors, embeddings of
    high-cardinality categories, and its "flat_cos" schedules of dropout
    and weight decay (both are constant here).

    When to prefer trees: gradient-boosted trees
    (:class:`~sklearn.ensemble.HistGradientBoostingClassifier`) fit in a
    second where this model takes tens of seconds, need no tuning either,
    and are as good or better on many tables; this model pays off where its
    smooth fit helps (see the user guide's "Strong defaults for tabular
    data" and ``docs/performance.md``).
"""

_COMMON_PARAMS_DOC = """\
    smooth_clip : bool, default=True
        Whether the robust-scaled numeric inputs are smoothly clipped.

    min_frequency : int, default=5
        Categories seen fewer times (by weight) get no one-hot column.

    dtype : {{'float32', 'float64'}}, default='float32'
        The floating-point type the network trains in: float32 is about
        twice as fast on a CPU.

    hidden_layer_sizes, activation, solver, alpha, batch_size, learning_rate, \
learning_rate_init, power_t, max_iter, shuffle, random_state, tol, verbose, \
warm_start, momentum, nesterovs_momentum, early_stopping, validation_fraction, \
beta_1, beta_2, epsilon, n_iter_no_change, max_fun, weight_init, dropout, \
scoring, weight_decay, warmup_fraction : see {inner}
        The inner estimator's parameters, with the recipe's defaults (the
        signature shows them); ``max_iter`` is the number of epochs."""

_COMMON_ATTRIBUTES_DOC = """\
    mlp_ : {inner}
        The fitted network, trained on the encoded inputs.

    encoder_ : TabularEncoder
        The fitted input preprocessing.

    n_iter_ : int
        Epochs run by the last fit.

    loss_, loss_curve_, best_validation_score_, validation_scores_ : object
        The inner estimator's training records (see {inner}).

    n_features_in_ : int
        Number of columns seen in ``fit``.

    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Column names, for a DataFrame with string column names."""


class TabularMLPClassifier(ClassifierMixin, _TabularMLP):
    __doc__ = f"""An MLP classifier with strong defaults for tables, in one line.

    :class:`MiniBatchMLPClassifier` with the modern tabular recipe as its
    defaults, and the recipe's preprocessing built in: it takes a pandas or
    polars DataFrame as it comes, with numeric and categorical columns and
    missing values, or a numeric array.

{
        _RECIPE_DOC.format(
            activation="SELU",
            extra="label smoothing 0.1;",
            lr="0.04",
            ours="0.0025",
        )
    }
    Parameters
    ----------
    label_smoothing : float, default=0.1
        Label smoothing of the cross-entropy (see
        :class:`MiniBatchMLPClassifier`).

    class_weight : dict, list of dict, 'balanced' or None, default=None
        Weights of the classes (see :class:`MiniBatchMLPClassifier`).

{_COMMON_PARAMS_DOC.format(inner="MiniBatchMLPClassifier")}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.

{_COMMON_ATTRIBUTES_DOC.format(inner="MiniBatchMLPClassifier")}

    See Also
    --------
    TabularMLPRegressor : The regressor with the same recipe.
    MiniBatchMLPClassifier : The drop-in for scikit-learn's MLP.

    References
    ----------
    D. Holzmueller, L. Grinsztajn and I. Steinwart, "Better by Default:
    Strong Pre-Tuned MLPs and Boosted Trees on Tabular Data", NeurIPS 2024.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from skbackprop import TabularMLPClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = pd.DataFrame({{"size": rng.normal(size=200),
    ...                   "color": rng.choice(["red", "blue", None], size=200)}})
    >>> y = (X["size"] > 0) | (X["color"] == "red")
    >>> clf = TabularMLPClassifier(max_iter=20, random_state=0).fit(X, y)
    >>> clf.predict(X.head(3)).tolist()
    [True, True, True]
    >>> bool(clf.score(X, y) > 0.9)
    True
    """

    _inner = MiniBatchMLPClassifier
    _parameter_constraints: dict = {
        **MiniBatchMLPClassifier._parameter_constraints,
        "smooth_clip": ["boolean"],
        "min_frequency": [Interval(numbers.Integral, 1, None, closed="left")],
        "dtype": [StrOptions({"float32", "float64"})],
    }

    def __init__(
        self,
        *,
        label_smoothing=0.1,
        class_weight=None,
        smooth_clip=True,
        min_frequency=5,
        dtype="float32",
        hidden_layer_sizes=_RECIPE["hidden_layer_sizes"],
        activation="selu",
        solver="adam",
        alpha=0.0,
        batch_size=256,
        learning_rate="coslog4",
        learning_rate_init=0.0025,
        power_t=0.5,
        max_iter=256,
        shuffle=True,
        random_state=None,
        tol=0.0,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=True,
        validation_fraction=0.2,
        beta_1=0.9,
        beta_2=0.95,
        epsilon=1e-8,
        n_iter_no_change=np.inf,
        max_fun=15000,
        weight_init="zero_output",
        dropout=0.15,
        scoring=None,
        weight_decay=0.32,
        warmup_fraction=0.0,
    ):
        self.label_smoothing = label_smoothing
        self.class_weight = class_weight
        self.smooth_clip = smooth_clip
        self.min_frequency = min_frequency
        self.dtype = dtype
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

    def fit(self, X, y, sample_weight=None):
        """Encode ``X`` and fit the network to labels ``y``.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Training data: a pandas or polars DataFrame (numeric and
            categorical columns, missing values allowed) or numbers.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Labels, or a multilabel indicator matrix.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.

        Returns
        -------
        self : TabularMLPClassifier
            Fitted.
        """
        self._validate_params()
        self._fit(X, y, sample_weight, partial=False)
        self.classes_ = self.mlp_.classes_
        return self

    @available_if(_stochastic)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """One epoch on a chunk; the first call fits the encoder on its chunk.

        The recipe's best-epoch choice needs the whole training set, so a
        stream needs ``early_stopping=False``; the schedule's horizon is
        ``max_iter`` calls of the first chunk's batches.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            A chunk of training data.
        y : array-like of shape (n_samples,)
            Its labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.
        classes : array-like of shape (n_classes,), default=None
            Every class of the stream; required on the first call.

        Returns
        -------
        self : TabularMLPClassifier
            Updated.
        """
        self._validate_params()
        self._fit(X, y, sample_weight, partial=True, classes=classes)
        self.classes_ = self.mlp_.classes_
        return self

    def predict(self, X):
        """Predict labels.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Samples, with the columns seen in ``fit``.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Predicted labels.
        """
        Xt = self._encoded(X)
        return self.mlp_.predict(Xt)

    def predict_proba(self, X):
        """Predict class probabilities.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Samples, with the columns seen in ``fit``.

        Returns
        -------
        P : ndarray of shape (n_samples, n_classes)
            Probabilities, in the order of ``classes_``.
        """
        Xt = self._encoded(X)
        return self.mlp_.predict_proba(Xt)

    def predict_log_proba(self, X):
        """Predict the logarithm of the class probabilities.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Samples, with the columns seen in ``fit``.

        Returns
        -------
        log_P : ndarray of shape (n_samples, n_classes)
            Log-probabilities, in the order of ``classes_``.
        """
        Xt = self._encoded(X)
        return self.mlp_.predict_log_proba(Xt)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class TabularMLPRegressor(RegressorMixin, _TabularMLP):
    __doc__ = f"""An MLP regressor with strong defaults for tables, in one line.

    :class:`MiniBatchMLPRegressor` with the modern tabular recipe as its
    defaults, and the recipe's preprocessing built in: it takes a pandas or
    polars DataFrame as it comes, with numeric and categorical columns and
    missing values, or a numeric array. It standardises its targets for
    training, and clamps its predictions to the range of the training
    targets.

{
        _RECIPE_DOC.format(
            activation="Mish",
            extra="",
            lr="0.2",
            ours="0.0125",
        )
    }
    Parameters
    ----------
    loss : str, default='squared_error'
        The loss (see :class:`MiniBatchMLPRegressor`), on standardised
        targets.

    quantile : float, default=None
        The quantile of ``loss='quantile'``.

    huber_delta : float, default=1.0
        The Huber loss's threshold, in standardised target units.

{_COMMON_PARAMS_DOC.format(inner="MiniBatchMLPRegressor")}

    Attributes
    ----------
    target_mean_, target_scale_ : ndarray of shape (n_outputs,)
        The training targets' mean and standard deviation (1 where it is 0).

    target_min_, target_max_ : ndarray of shape (n_outputs,)
        The range predictions are clamped to.

{_COMMON_ATTRIBUTES_DOC.format(inner="MiniBatchMLPRegressor")}

    See Also
    --------
    TabularMLPClassifier : The classifier with the same recipe.
    MiniBatchMLPRegressor : The drop-in for scikit-learn's MLP.

    References
    ----------
    D. Holzmueller, L. Grinsztajn and I. Steinwart, "Better by Default:
    Strong Pre-Tuned MLPs and Boosted Trees on Tabular Data", NeurIPS 2024.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from skbackprop import TabularMLPRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = pd.DataFrame({{"size": rng.normal(size=200),
    ...                   "color": rng.choice(["red", "blue"], size=200)}})
    >>> y = 3 * X["size"] + (X["color"] == "red") + 100
    >>> reg = TabularMLPRegressor(max_iter=20, random_state=0).fit(X, y)
    >>> bool(reg.score(X, y) > 0.9)
    True
    """

    _inner = MiniBatchMLPRegressor
    _parameter_constraints: dict = {
        **MiniBatchMLPRegressor._parameter_constraints,
        "smooth_clip": ["boolean"],
        "min_frequency": [Interval(numbers.Integral, 1, None, closed="left")],
        "dtype": [StrOptions({"float32", "float64"})],
    }

    def __init__(
        self,
        loss="squared_error",
        *,
        quantile=None,
        huber_delta=1.0,
        smooth_clip=True,
        min_frequency=5,
        dtype="float32",
        hidden_layer_sizes=_RECIPE["hidden_layer_sizes"],
        activation="mish",
        solver="adam",
        alpha=0.0,
        batch_size=256,
        learning_rate="coslog4",
        learning_rate_init=0.0125,
        power_t=0.5,
        max_iter=256,
        shuffle=True,
        random_state=None,
        tol=0.0,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=True,
        validation_fraction=0.2,
        beta_1=0.9,
        beta_2=0.95,
        epsilon=1e-8,
        n_iter_no_change=np.inf,
        max_fun=15000,
        weight_init="zero_output",
        dropout=0.15,
        scoring=None,
        weight_decay=0.32,
        warmup_fraction=0.0,
    ):
        self.loss = loss
        self.quantile = quantile
        self.huber_delta = huber_delta
        self.smooth_clip = smooth_clip
        self.min_frequency = min_frequency
        self.dtype = dtype
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

    def _fit_targets(self, y, reset, sample_weight=None):
        host_y, back = _on_host(y)
        y = check_array(host_y, ensure_2d=False, dtype=np.float64, input_name="y")
        column = y.reshape(y.shape[0], -1)
        if reset:
            from sklearn.utils.validation import _check_sample_weight

            self._one_column = y.ndim == 1
            host_weight, _ = _on_host(sample_weight)
            weights = _check_sample_weight(host_weight, column)
            # Weighted, so that integer weights equal repeated rows.
            self.target_mean_ = np.average(column, axis=0, weights=weights)
            scale = np.sqrt(
                np.average((column - self.target_mean_) ** 2, axis=0, weights=weights)
            )
            self.target_scale_ = np.where(scale > 0, scale, 1.0)
            self.target_min_ = column.min(axis=0)
            self.target_max_ = column.max(axis=0)
        else:
            self.target_min_ = np.minimum(self.target_min_, column.min(axis=0))
            self.target_max_ = np.maximum(self.target_max_, column.max(axis=0))
        scaled = (column - self.target_mean_) / self.target_scale_
        return back(scaled.ravel() if y.ndim == 1 else scaled)

    def fit(self, X, y, sample_weight=None):
        """Encode ``X``, standardise ``y`` and fit the network.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Training data: a pandas or polars DataFrame (numeric and
            categorical columns, missing values allowed) or numbers.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.

        Returns
        -------
        self : TabularMLPRegressor
            Fitted.
        """
        self._validate_params()
        return self._fit(X, y, sample_weight, partial=False)

    @available_if(_stochastic)
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch on a chunk; the first call fits the encoder and target scale.

        The recipe's best-epoch choice needs the whole training set, so a
        stream needs ``early_stopping=False``; the targets are standardised
        with the first chunk's mean and deviation, and predictions are
        clamped to the range of every target seen.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            A chunk of training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Its targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.

        Returns
        -------
        self : TabularMLPRegressor
            Updated.
        """
        self._validate_params()
        return self._fit(X, y, sample_weight, partial=True)

    def predict(self, X):
        """Predict targets, clamped to the training targets' range.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Samples, with the columns seen in ``fit``.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predictions.
        """
        Xt = self._encoded(X)
        scaled = self.mlp_.predict(Xt)
        host, back = _on_host(scaled)
        host = np.asarray(host, dtype=np.float64).reshape(host.shape[0], -1)
        y = np.clip(
            host * self.target_scale_ + self.target_mean_,
            self.target_min_,
            self.target_max_,
        )
        return back(y.ravel() if self._one_column else y)
