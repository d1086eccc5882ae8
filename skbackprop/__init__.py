"""Mini-batch multilayer perceptrons for scikit-learn, on a readable NumPy core.

The estimators :class:`MiniBatchMLPClassifier` and :class:`MiniBatchMLPRegressor`
are drop-ins for scikit-learn's ``MLPClassifier`` and ``MLPRegressor``;
:mod:`skbackprop.core` holds the backpropagation they are built on.
"""

from skbackprop._array_api import move_to
from skbackprop._classifier import MiniBatchMLPClassifier
from skbackprop._regressor import MiniBatchMLPRegressor

__version__ = "0.2.0.dev0"

__all__ = ["MiniBatchMLPClassifier", "MiniBatchMLPRegressor", "__version__", "move_to"]
