"""The one internal entry point of skbackprop's integrations.

:mod:`skbackprop.inspection`, :mod:`skbackprop.persistence`,
:mod:`skbackprop.onnx` and :mod:`skbackprop.plotting` use the estimators'
public API (fitted attributes, methods) and, where they need more, the
functions here, and no other private name: the estimator layer can change
behind them as long as these keep their contracts. A test
(``tests/test_architecture.py``) holds them to it.
"""

import copy
from dataclasses import dataclass

from sklearn.base import clone

from skbackprop._targets import ClassTargets, RegressionTargets
from skbackprop._validation import Settings, current_settings, validate_training_call

__all__ = ["PreparedBatch", "fitted_state_types", "layer_plan", "prepare_batch"]


@dataclass
class PreparedBatch:
    """A network with an estimator's weights, and one batch validated for it.

    Attributes
    ----------
    network : skbackprop.core.Network
        A copy: changing it leaves the estimator as it was.
    X : {ndarray, CSR matrix} of shape (n, n_features)
    Y : ndarray of shape (n, n_outputs)
        The encoded targets, in the network's dtype.
    sample_weight : ndarray of shape (n,) or None
        The training weights, class weights included.
    alpha : float
        The estimator's L2 penalty.
    """

    network: object
    X: object
    Y: object
    sample_weight: object
    alpha: float


def prepare_batch(estimator, X, y, sample_weight=None):
    """The estimator's network (a copy) and ``X, y`` validated as training would.

    A fitted estimator lends its current weights and the batch is checked as
    a ``partial_fit`` chunk would be; an unfitted one gets the initial
    weights ``fit`` would draw with its ``random_state``.
    """
    if estimator.__sklearn_is_fitted__():
        model = copy.deepcopy(estimator)
        # A partial_fit chunk's checks, which early stopping (a fit-only
        # setting) would refuse.
        model.early_stopping = False
        call = validate_training_call(model, X, y, sample_weight, incremental=True)
    else:
        model = clone(estimator)
        call = validate_training_call(model, X, y, sample_weight, incremental=False)
    model._apply(call)
    return PreparedBatch(
        model._network, call.X, call.Y, call.sample_weight, model.alpha
    )


def layer_plan(estimator, n_features_in, n_outputs):
    """Layer sizes, hidden activation names and output function, unfitted.

    For a configured estimator the output function is that of its loss for
    ``n_outputs`` outputs (a classifier with more than two is taken as
    multiclass).

    Returns
    -------
    layer_units : list of int
    hidden_activations : list of str
    output_name : str
    """
    settings, _ = current_settings(estimator)
    loss = estimator._target_type.core_loss(estimator, n_outputs)
    units = [n_features_in, *settings.hidden_layer_sizes, n_outputs]
    return units, list(settings.hidden_activations), loss.output_name


def fitted_state_types():
    """The package's private types that a fitted estimator holds."""
    return [Settings, ClassTargets, RegressionTargets]
