"""The NumPy core of skbackprop: mini-batch backpropagation, readable alone.

Nothing here imports scikit-learn or SciPy. The modules follow the order of
one training step:

- :mod:`~skbackprop.core.activations`: hidden activations and derivatives;
- :mod:`~skbackprop.core.losses`: losses with their output functions and
  output deltas;
- :mod:`~skbackprop.core.network`: parameters, forward and backward pass;
- :mod:`~skbackprop.core.optimizers`: SGD and Adam updates;
- :mod:`~skbackprop.core.batching`: which samples form each mini-batch.
"""

from skbackprop.core.activations import ACTIVATIONS, Activation, get_activation
from skbackprop.core.batching import Batches, batch_slices, shuffle_in_place
from skbackprop.core.losses import LOSSES, Loss, get_loss
from skbackprop.core.network import Network, forward, parameter_views
from skbackprop.core.optimizers import SGD, Adam, Optimizer

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "SGD",
    "Activation",
    "Adam",
    "Batches",
    "Loss",
    "Network",
    "Optimizer",
    "batch_slices",
    "forward",
    "get_activation",
    "get_loss",
    "parameter_views",
    "shuffle_in_place",
]
