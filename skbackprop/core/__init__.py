"""The NumPy core of skbackprop: mini-batch backpropagation, readable alone.

Nothing here imports scikit-learn or SciPy. The modules follow the order of
one training step:

- :mod:`~skbackprop.core.activations`: hidden activations and derivatives;
- :mod:`~skbackprop.core.losses`: losses with their output functions and
  output deltas;
- :mod:`~skbackprop.core.network`: parameters, forward and backward pass;
- :mod:`~skbackprop.core.optimizers`: SGD and Adam updates;
- :mod:`~skbackprop.core.schedules`: the learning rate of each step;
- :mod:`~skbackprop.core.initializers`: the first weights;
- :mod:`~skbackprop.core.batching`: which samples form each mini-batch.

Each kind of building block has a registry
(:mod:`~skbackprop.core.registry`): :data:`ACTIVATIONS`, :data:`LOSSES`,
:data:`OPTIMIZERS`, :data:`SCHEDULES` and :data:`WEIGHT_INITS` map names to
classes, and a new one is one registered class.
"""

from skbackprop.core.activations import ACTIVATIONS, Activation, get_activation
from skbackprop.core.batching import Batches, batch_slices, shuffle_in_place
from skbackprop.core.initializers import WEIGHT_INITS, WeightInit
from skbackprop.core.losses import LOSSES, Loss, get_loss
from skbackprop.core.network import Network, forward, parameter_views
from skbackprop.core.optimizers import OPTIMIZERS, SGD, Adam, Optimizer
from skbackprop.core.schedules import SCHEDULES, Schedule

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "OPTIMIZERS",
    "SCHEDULES",
    "SGD",
    "WEIGHT_INITS",
    "Activation",
    "Adam",
    "Batches",
    "Loss",
    "Network",
    "Optimizer",
    "Schedule",
    "WeightInit",
    "batch_slices",
    "forward",
    "get_activation",
    "get_loss",
    "parameter_views",
    "shuffle_in_place",
]
