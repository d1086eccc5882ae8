"""MiniBatchMLPRegressor: squared error or Poisson deviance, one or more outputs."""

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.metaestimators import available_if

from skbackprop._base import (
    BaseMiniBatchMLP,
    _stochastic_solver,
    _validation_data,
    registry_constraints,
)
from skbackprop._docstrings import (
    EXTRA_PARAMETERS,
    SHARED_ATTRIBUTES,
    SHARED_PARAMETERS,
)
from skbackprop._targets import RegressionTargets
from skbackprop.core.arrays import array_namespace
from skbackprop.core.losses import LOSSES


def _for_regression(loss):
    """Whether a registered loss is a choice of the regressor's ``loss``."""
    return loss.task == "regression"


class MiniBatchMLPRegressor(RegressorMixin, BaseMiniBatchMLP):
    __doc__ = f"""Multilayer perceptron regressor trained by mini-batch backpropagation.

    A drop-in for :class:`sklearn.neural_network.MLPRegressor`: the same
    parameters, defaults and fitted attributes, and the same weights after
    training from the same initial weights and batches. The output layer
    is the exponential for the Poisson deviance and the identity for the
    other losses.

    Parameters
    ----------
    loss : {{'squared_error', 'poisson', 'absolute_error', 'huber', \
'quantile'}}, default='squared_error'
        The loss, summed over outputs: half the squared error; half the
        Poisson deviance with a log link (targets must be non-negative); the
        absolute error (predicts the conditional median); the Huber loss
        (squared up to ``huber_delta``, linear beyond, robust to outliers);
        or the pinball loss of ``quantile`` (predicts that conditional
        quantile).

    {SHARED_PARAMETERS}

    quantile : float, default=None
        The quantile to predict with ``loss='quantile'``, in (0, 1); required
        then, as in :class:`~sklearn.ensemble.HistGradientBoostingRegressor`.

    huber_delta : float, default=1.0
        Residual size, in target units, where the Huber loss turns from
        squared to linear. It is not named ``alpha`` or ``epsilon`` as in
        scikit-learn's other Huber estimators: those names are the L2
        penalty and Adam's constant here.

    {EXTRA_PARAMETERS}

    Attributes
    ----------
    {SHARED_ATTRIBUTES}

    See Also
    --------
    MiniBatchMLPClassifier : The classifier built on the same core.
    sklearn.neural_network.MLPRegressor : The MLP regressor of scikit-learn.

    Notes
    -----
    **Multi-output squared error.** ``loss_`` is the objective whose exact
    gradient is followed: half the squared error *summed* over outputs.
    scikit-learn's MLPRegressor follows the same gradient but reports the
    loss averaged over outputs (scikit-learn issue #8349), so for
    ``n_outputs > 1`` our ``loss_`` is ``n_outputs`` times theirs.

    **Poisson.** Negative targets are rejected with a ValueError.

    **Sample weights.** As in :class:`MiniBatchMLPClassifier`: the objective
    of a batch is divided by ``n_batch * w_mean``, ``w_mean`` being the mean
    weight of the training data (``fit``) or of all samples seen so far
    (``partial_fit``).

    **Callbacks.** As in :class:`MiniBatchMLPClassifier`: with scikit-learn
    1.9 or later, ``set_callbacks`` takes the callbacks of
    ``sklearn.callback`` (``ScoringMonitor``, ``ProgressBar``, ...), for
    which each epoch (L-BFGS iteration) is a subtask of the ``fit`` or
    ``partial_fit`` call.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from skbackprop import MiniBatchMLPRegressor
    >>> X, y = make_regression(n_samples=200, n_features=5, noise=1.0,
    ...                        random_state=0)
    >>> reg = MiniBatchMLPRegressor(hidden_layer_sizes=(32,), solver="lbfgs",
    ...                             max_iter=500, random_state=0).fit(X, y / 100)
    >>> reg.predict(X[:3]).shape
    (3,)
    >>> bool(reg.score(X, y / 100) > 0.95)
    True
    """

    _target_type = RegressionTargets
    # Models pickled before these parameters existed load with their
    # defaults, which keep scikit-learn's behaviour.
    weight_decay = 0.0
    warmup_fraction = 0.0

    _parameter_constraints: dict = {
        **BaseMiniBatchMLP._parameter_constraints,
        "loss": [StrOptions(LOSSES.names(where=_for_regression))],
        **registry_constraints(LOSSES, where=_for_regression),
    }

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        quantile=None,
        huber_delta=1.0,
        weight_init="glorot_uniform",
        dropout=0.0,
        scoring=None,
        weight_decay=0.0,
        warmup_fraction=0.0,
    ):
        self.loss = loss
        self.quantile = quantile
        self.huber_delta = huber_delta
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            solver=solver,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            power_t=power_t,
            max_iter=max_iter,
            shuffle=shuffle,
            random_state=random_state,
            tol=tol,
            verbose=verbose,
            warm_start=warm_start,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            n_iter_no_change=n_iter_no_change,
            max_fun=max_fun,
            weight_init=weight_init,
            dropout=dropout,
            scoring=scoring,
            weight_decay=weight_decay,
            warmup_fraction=warmup_fraction,
        )

    def fit(
        self,
        X,
        y,
        sample_weight=None,
        *,
        X_val=None,
        y_val=None,
        sample_weight_val=None,
    ):
        """Fit the model to data ``X`` and targets ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. float32 data trains in float32.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights (see Notes of the class).
        X_val : {array-like, sparse matrix} of shape (n_val, n_features), \
default=None
            A validation set of your own, scored after every epoch instead
            of a ``validation_fraction`` split of ``X`` (see ``early_stopping``
            and ``scoring``). Inside a Pipeline, request it with
            ``set_fit_request(X_val=True, y_val=True)`` and let the pipeline
            transform it with ``transform_input=["X_val"]``. With
            ``warm_start=True``, the weights restored are the best of this
            call's epochs on this ``X_val``.
        y_val : array-like of shape (n_val,) or (n_val, n_outputs), default=None
            Targets of ``X_val``.
        sample_weight_val : array-like of shape (n_val,), default=None
            Weights of the validation samples.

        Returns
        -------
        self : MiniBatchMLPRegressor
            The fitted regressor.
        """
        validation_data = _validation_data(X_val, y_val, sample_weight_val)
        return self._fit(
            X,
            y,
            sample_weight=sample_weight,
            validation_data=validation_data,
        )

    @available_if(_stochastic_solver)
    def partial_fit(self, X, y, sample_weight=None):
        """Run one epoch of the stochastic solver over ``X, y``.

        The optimizer state, the random state and the sample-weight scale
        are kept between calls, so ``k`` calls on the same data with
        ``shuffle=False`` give the weights of ``fit`` with ``max_iter=k``
        when that ``fit`` runs all ``k`` epochs (its stopping rule may end it
        sooner; ``partial_fit`` never stops on its own).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights (see Notes of the class).

        Returns
        -------
        self : MiniBatchMLPRegressor
            The updated regressor.
        """
        return self._fit(X, y, sample_weight=sample_weight, partial=True)

    def predict(self, X):
        """Predict target values.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predicted values; float32 when the model and ``X`` are float32.
        """
        return self._values_from_raw_output(self._raw_output(X, "predict"))

    def _values_from_raw_output(self, Z):
        """Predictions ``g(Z)``, as a vector for one output."""
        y_pred = self._network.loss.output(Z)
        if y_pred.shape[1] == 1:
            return array_namespace(y_pred).reshape(y_pred, (-1,))
        return y_pred

    def _score_raw_output(self, Z, y, sample_weight=None):
        y_pred = self._values_from_raw_output(Z)
        if not np.isfinite(y_pred).all():
            return np.nan
        return r2_score(y, y_pred, sample_weight=sample_weight)
