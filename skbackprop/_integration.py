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

import numpy as np

from skbackprop._array_api import HOST, move_to, placement_of_network, to_host
from skbackprop._targets import ClassTargets, RegressionTargets
from skbackprop._training import StoppingRule
from skbackprop._validation import (
    Settings,
    hidden_activation_names,
    hidden_layer_sizes,
    validate_training_call,
)

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
    a ``partial_fit`` chunk would be (a model trained on a device lends a
    NumPy copy, and the batch is brought to the host). An unfitted one gets
    the weights a user assigned to ``coefs_`` and ``intercepts_`` (checked
    as training checks them), or else the initial weights ``fit`` would
    draw with its ``random_state``.
    """
    fitted = estimator.__sklearn_is_fitted__()
    if fitted and placement_of_network(estimator._network) is not HOST:
        # Inspection runs in NumPy on the host: a model trained on a device
        # lends a NumPy copy of its weights, and the data come to the host.
        estimator = move_to(estimator, np)
        X, y, sample_weight = to_host(X), to_host(y), to_host(sample_weight)
    model = copy.deepcopy(estimator)
    # Checked as training would check them, without a fit-only setting
    # (early stopping) that a partial_fit chunk would refuse.
    model.early_stopping = False
    fitted = model.__sklearn_is_fitted__()
    if not fitted:
        model.warm_start = True  # start from assigned weights, if any
    call = validate_training_call(model, X, y, sample_weight, partial=fitted)
    model._apply(call)
    return PreparedBatch(
        model._network, call.X, call.Y, call.sample_weight, model.alpha
    )


def layer_plan(estimator, n_features_in=None, n_outputs=None):
    """Layer sizes, hidden activation names and output function.

    A fitted estimator reports its network. A configured one is described
    from its parameters for ``n_features_in`` inputs and ``n_outputs``
    outputs (a classifier with more than two is taken as multiclass); only
    the parameters that shape the layers are checked.

    Returns
    -------
    layer_units : list of int
    hidden_activations : list of str
    output_name : str
    """
    network = estimator.__dict__.get("_network")
    if network is not None:
        names = [activation.name for activation in network.hidden_activations]
        return list(network.layer_units), names, network.loss.output_name
    if n_features_in is None or n_outputs is None:
        raise ValueError(
            "An unfitted estimator needs n_features_in and n_outputs to be described."
        )
    sizes = hidden_layer_sizes(estimator)
    activations = hidden_activation_names(estimator, len(sizes))
    output = estimator._target_type.output_name(estimator, n_outputs)
    return [n_features_in, *sizes, n_outputs], activations, output


def fitted_state_types():
    """The package's private types that a fitted estimator holds."""
    return [Settings, StoppingRule, ClassTargets, RegressionTargets]
