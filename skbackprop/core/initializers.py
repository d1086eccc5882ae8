r"""Weight initialisations: how the first weights and biases are drawn.

An initialisation is one class, registered with
``@WEIGHT_INITS.register``; the estimators' ``weight_init`` parameter names
it. Each draws one layer's weights and biases on the host, in float64, from
a ``RandomState``, so the same seed gives the same start on every device.
"""

import numpy as np

from skbackprop.core.registry import Registered, Registry

__all__ = [
    "WEIGHT_INITS",
    "GlorotUniform",
    "HeNormal",
    "HeUniform",
    "LecunNormal",
    "LecunUniform",
    "WeightInit",
    "ZeroOutput",
    "glorot_uniform_bound",
]


def glorot_uniform_bound(fan_in, fan_out, activation):
    r"""Half-width of scikit-learn's Glorot-uniform initialisation.

    .. math:: \sqrt{c / (\mathrm{fan\_in} + \mathrm{fan\_out})}

    with :math:`c = 2` for logistic units and :math:`c = 6` otherwise.

    Parameters
    ----------
    fan_in, fan_out : int
        Number of inputs and outputs of the layer.
    activation : str
        Name of the network's hidden activation.

    Returns
    -------
    bound : float
        Weights and biases are drawn from ``U(-bound, bound)``.

    Examples
    --------
    >>> from skbackprop.core.initializers import glorot_uniform_bound
    >>> float(glorot_uniform_bound(2, 4, "relu"))
    1.0
    >>> round(float(glorot_uniform_bound(2, 4, "logistic")), 4)
    0.5774
    """
    factor = 2.0 if activation == "logistic" else 6.0
    return np.sqrt(factor / (fan_in + fan_out))


class WeightInit(Registered):
    """How one layer's weights and biases are drawn.

    Attributes
    ----------
    zero_output : bool
        Whether the output layer starts at zero (weights and biases), so that
        the network's first outputs are all 0 (False by default).

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.core.initializers import WEIGHT_INITS
    >>> W, b = WEIGHT_INITS["he_normal"]().draw(np.random.RandomState(0), 4, 3, "relu")
    >>> W.shape, b
    ((4, 3), None)
    """

    zero_output = False

    def draw(self, random_state, fan_in, fan_out, activation):
        """Draw a layer's weights and biases.

        Parameters
        ----------
        random_state : numpy.random.RandomState
            Source of randomness; advanced by the draws.
        fan_in, fan_out : int
            The layer's numbers of inputs and outputs.
        activation : str
            The name of the activation the layer feeds.

        Returns
        -------
        W : ndarray of shape (fan_in, fan_out)
            The weights, float64.
        b : ndarray of shape (fan_out,) or None
            The biases, float64; None starts them at zero.
        """
        raise NotImplementedError


#: Weight initialisations by name.
WEIGHT_INITS = Registry("weight initialisation", WeightInit)


@WEIGHT_INITS.register
class GlorotUniform(WeightInit):
    """Glorot-uniform, scikit-learn's rule: ``U(-a, a)`` for weights and biases.

    ``a = sqrt(c / (fan_in + fan_out))``, ``c = 2`` for logistic units, else
    6 (:func:`glorot_uniform_bound`); the weights are drawn before the
    biases, layer by layer, so a seed gives scikit-learn's start.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.core.initializers import GlorotUniform
    >>> W, b = GlorotUniform().draw(np.random.RandomState(0), 2, 4, "relu")
    >>> bool(np.abs(W).max() <= 1.0), b.shape
    (True, (4,))
    """

    name = "glorot_uniform"

    def draw(self, random_state, fan_in, fan_out, activation):
        bound = glorot_uniform_bound(fan_in, fan_out, activation)
        W = random_state.uniform(-bound, bound, (fan_in, fan_out))
        return W, random_state.uniform(-bound, bound, fan_out)


class _FanIn(WeightInit):
    """Weights of variance ``gain / fan_in``, biases at zero."""

    gain = 1.0
    uniform = True

    def draw(self, random_state, fan_in, fan_out, activation):
        if self.uniform:
            bound = np.sqrt(3.0 * self.gain / fan_in)
            return random_state.uniform(-bound, bound, (fan_in, fan_out)), None
        scale = np.sqrt(self.gain / fan_in)
        return random_state.normal(0.0, scale, (fan_in, fan_out)), None


@WEIGHT_INITS.register
class HeUniform(_FanIn):
    """He-uniform, ``U(-sqrt(6/m), sqrt(6/m))`` for fan-in ``m``: ReLU-like units.

    The biases start at 0.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.core.initializers import HeUniform
    >>> W, b = HeUniform().draw(np.random.RandomState(0), 6, 3, "relu")
    >>> bool(np.abs(W).max() <= 1.0), b
    (True, None)
    """

    name = "he_uniform"
    gain = 2.0


@WEIGHT_INITS.register
class HeNormal(_FanIn):
    """He-normal, ``N(0, 2/m)`` for fan-in ``m``: ReLU-like units.

    The biases start at 0.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.core.initializers import HeNormal
    >>> W, b = HeNormal().draw(np.random.RandomState(0), 2000, 50, "relu")
    >>> round(float(W.var() * 2000), 1), b
    (2.0, None)
    """

    name = "he_normal"
    gain = 2.0
    uniform = False


@WEIGHT_INITS.register
class LecunUniform(_FanIn):
    """LeCun-uniform, ``U(-sqrt(3/m), sqrt(3/m))`` for fan-in ``m``: SELU.

    The biases start at 0.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.core.initializers import LecunUniform
    >>> W, b = LecunUniform().draw(np.random.RandomState(0), 3, 2, "selu")
    >>> bool(np.abs(W).max() <= 1.0), b
    (True, None)
    """

    name = "lecun_uniform"


@WEIGHT_INITS.register
class LecunNormal(_FanIn):
    """LeCun-normal, ``N(0, 1/m)`` for fan-in ``m``: SELU.

    The biases start at 0.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.core.initializers import LecunNormal
    >>> W, b = LecunNormal().draw(np.random.RandomState(0), 2000, 50, "selu")
    >>> round(float(W.var() * 2000), 1), b
    (1.0, None)
    """

    name = "lecun_normal"
    uniform = False


@WEIGHT_INITS.register
class ZeroOutput(LecunNormal):
    """LeCun-normal hidden layers and a zero output layer (RealMLP's start).

    The hidden weights are ``N(0, 1/m)`` for fan-in ``m`` (RealMLP's
    ``N(0, 1)`` under its NTK parametrisation, in the standard one), the
    biases 0, and the output layer's weights and biases 0: the first
    predictions are the output function of 0 (the mean of standardised
    targets, uniform probabilities), and the first steps move the output
    layer only (Holzmueller et al., 2024).

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.core import Network
    >>> net = Network([3, 4, 2], ["selu"], "log_loss")
    >>> net.initialize(np.random.RandomState(0), "selu", scheme="zero_output")
    >>> bool(np.any(net.coefs[0])), bool(np.any(net.coefs[1]))
    (True, False)
    """

    name = "zero_output"
    zero_output = True
