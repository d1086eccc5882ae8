"""MiniBatchMLPRegressor: squared error or Poisson deviance, one or more outputs."""

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.metaestimators import available_if

from skbackprop._base import BaseMiniBatchMLP, _as_numeric_array, _stochastic_solver
from skbackprop._docstrings import SHARED_ATTRIBUTES, SHARED_PARAMETERS


class MiniBatchMLPRegressor(RegressorMixin, BaseMiniBatchMLP):
    __doc__ = f"""Multilayer perceptron regressor trained by mini-batch backpropagation.

    A drop-in for :class:`sklearn.neural_network.MLPRegressor`: the same
    parameters, defaults and fitted attributes, and the same weights after
    training from the same initial weights and batches. The output layer
    is the identity (squared error) or the exponential (Poisson deviance).

    Parameters
    ----------
    loss : {{'squared_error', 'poisson'}}, default='squared_error'
        The loss: half the squared error summed over outputs, or half the
        Poisson deviance with a log link (targets must be non-negative).

    {SHARED_PARAMETERS}

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

    _parameter_constraints: dict = {
        **BaseMiniBatchMLP._parameter_constraints,
        "loss": [StrOptions({"squared_error", "poisson"})],
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
    ):
        self.loss = loss
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
        )

    def _validate_targets(self, y, first_pass, incremental, classes=None):
        if self.loss == "poisson" and np.any(y < 0):
            raise ValueError(
                "Some value(s) of y are negative, which is not allowed for the "
                "Poisson loss."
            )
        if not first_pass and self._network.loss.name != self.loss:
            raise ValueError(
                f"The model was fitted with loss={self._network.loss.name!r}; "
                f"loss={self.loss!r} needs a fit from scratch (warm_start=False)."
            )
        return y, self.loss, {}

    def _encode_known_targets(self, y, n_samples, classes):
        y = _as_numeric_array(y)
        if y is None or y.shape not in ((n_samples,), (n_samples, self.n_outputs_)):
            return None
        if y.ndim == 1 and self.n_outputs_ != 1:
            return None
        Y = y.reshape(n_samples, -1).astype(self._network.dtype, copy=False)
        if not np.isfinite(Y).all() or (self.loss == "poisson" and (Y < 0).any()):
            return None
        return Y

    def fit(self, X, y, sample_weight=None):
        """Fit the model to data ``X`` and targets ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. float32 data trains in float32.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights (see Notes of the class).

        Returns
        -------
        self : MiniBatchMLPRegressor
            The fitted regressor.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

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
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

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
        return self._predict(X)

    def _predict(self, X, validate=True):
        y_pred = self._predictions(X, validate)
        if y_pred.shape[1] == 1:
            return y_pred.ravel()
        return y_pred

    def _score(self, X, y, sample_weight=None):
        y_pred = self._predict(X, validate=False)
        if not np.isfinite(y_pred).all():
            return np.nan
        return r2_score(y, y_pred, sample_weight=sample_weight)
