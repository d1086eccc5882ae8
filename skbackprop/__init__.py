"""Mini-batch multilayer perceptrons for scikit-learn, on a readable NumPy core.

The estimators :class:`MiniBatchMLPClassifier` and :class:`MiniBatchMLPRegressor`
are drop-ins for scikit-learn's ``MLPClassifier`` and ``MLPRegressor``;
:class:`TabularMLPClassifier` and :class:`TabularMLPRegressor` are the same
networks with a modern recipe for tables as their defaults;
:mod:`skbackprop.core` holds the backpropagation they are built on.
"""

from skbackprop._array_api import move_to
from skbackprop._classifier import MiniBatchMLPClassifier
from skbackprop._regressor import MiniBatchMLPRegressor
from skbackprop._tabular import (
    TabularEncoder,
    TabularMLPClassifier,
    TabularMLPRegressor,
)

__version__ = "0.2.0.dev0"

__all__ = [
    "MiniBatchMLPClassifier",
    "MiniBatchMLPRegressor",
    "TabularEncoder",
    "TabularMLPClassifier",
    "TabularMLPRegressor",
    "__version__",
    "move_to",
]
