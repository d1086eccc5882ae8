"""The estimators' side of the Array API: where a call's arrays live.

With scikit-learn's ``array_api_dispatch`` on, a call whose ``X`` is an
array of another Array API library (a PyTorch tensor, a CuPy array, ...)
trains and predicts in that library, on ``X``'s device; otherwise
everything is NumPy on the host, exactly as without dispatch. A
:class:`Placement` names the namespace and device; this module decides it
from ``X`` and moves the other arrays there.

What stays on the host whatever the placement: the targets as given, their
encoding, class weights and the validation of sample weights (small, and
label handling is NumPy's); the random draws (initial weights, shuffles,
dropout masks), so a random state gives the same model on every device;
and L-BFGS, which is SciPy's.
"""

import copy
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn import get_config
from sklearn.utils.validation import check_is_fitted

from skbackprop.core.arrays import NUMPY, operations_for


def _compat():
    """array-api-compat: scikit-learn's copy (1.7+), else the package, else None.

    Without it (scikit-learn 1.6 and no array-api-compat installed) there is
    no array API dispatch, and no array of another library to handle.
    """
    try:
        from sklearn.externals import array_api_compat
    except ImportError:
        try:
            import array_api_compat
        except ImportError:
            return None
    return array_api_compat


def standard_namespace(array):
    """The Array API namespace of ``array`` (array-api-compat's), whatever the dispatch.

    Not the core's operations for it (:func:`skbackprop.core.arrays.array_namespace`).
    """
    compat = _compat()
    if compat is None:
        raise ImportError(
            f"Handling a {type(array).__name__} needs array-api-compat: install "
            "it, or scikit-learn >= 1.7, which brings its own."
        )
    return compat.array_namespace(array)


@dataclass(frozen=True)
class Placement:
    """An Array API namespace and device; ``namespace=None`` is NumPy.

    Made by :func:`placement_for`, whose namespace is the core's one for its
    library, so that two placements of one library and device are equal
    whichever copy of array-api-compat gave their namespace.
    """

    namespace: object = None
    device: object = None

    @property
    def on_host(self):
        return self.namespace is None

    @property
    def name(self):
        """The library's short name (``torch`` for array-api-compat's wrapper)."""
        if self.namespace is None:
            return "numpy"
        return self.namespace.__name__.split(".")[-1]

    def describe(self):
        """The namespace and device, in words."""
        if self.on_host:
            return "numpy (on the host)"
        return f"{self.name} (device {self.device})"

    def float_dtypes(self, dtype):
        """``dtype`` (a NumPy dtype or a tuple of them) in this namespace."""
        if self.on_host:
            return dtype
        if isinstance(dtype, tuple):
            return tuple(self.float_dtypes(d) for d in dtype)
        return operations_for(self.namespace).float_dtype(dtype)

    def host_dtype(self, array_dtype):
        """The NumPy dtype of a floating dtype of this namespace."""
        if self.on_host:
            return np.dtype(array_dtype)
        xp = self.namespace
        return np.dtype(np.float32 if array_dtype == xp.float32 else np.float64)

    def put(self, array):
        """A NumPy array (or None) as an array of this namespace, on its device."""
        if array is None or self.on_host:
            return array
        return self.namespace.asarray(np.ascontiguousarray(array), device=self.device)


HOST = Placement()


def placement_for(namespace, device):
    """The placement of an Array API namespace's library, on ``device``."""
    operations = operations_for(namespace)  # the core knows this library from now on
    if operations is NUMPY:
        return HOST
    return Placement(operations.namespace, device)


def placement_of(X):
    """Where a call on ``X`` runs: ``X``'s namespace and device, or the host.

    NumPy arrays, lists, sparse matrices, and any input while array API
    dispatch is off, run on the host (other arrays are converted to NumPy by
    validation, as scikit-learn does).
    """
    if type(X) is np.ndarray or isinstance(X, np.ndarray | list) or sp.issparse(X):
        return HOST
    if not get_config()["array_api_dispatch"]:
        return HOST
    from sklearn.utils._array_api import get_namespace_and_device

    xp, is_array_api, device = get_namespace_and_device(X)
    if not is_array_api or xp.__name__.endswith("numpy"):
        return HOST
    if "sparse" in str(getattr(X, "layout", "")):
        raise TypeError(
            f"A sparse {type(X).__name__} was passed: sparse input is taken as "
            "a SciPy sparse matrix (CSR or CSC), on the host. Pass X.to_dense() "
            "to train on its device, or a scipy.sparse matrix to train on the CPU."
        )
    return placement_for(xp, device)


def placement_of_network(network):
    """Where a fitted network's arrays live."""
    if network.xp is NUMPY:
        return HOST
    return Placement(network.xp.namespace, network.device)


def to_host(array):
    """An array of another Array API library as a NumPy array on the host.

    Anything else (None, NumPy arrays, lists, sparse matrices, pandas
    objects) is returned as it is, for scikit-learn's validation to convert
    as it always has. Independent of the dispatch setting; the result may
    share memory with ``array`` (a PyTorch CPU tensor).
    """
    if array is None or isinstance(array, np.ndarray | list) or sp.issparse(array):
        return array
    compat = _compat()
    if compat is None or not compat.is_array_api_obj(array):  # pandas, tuples...
        return array
    # The core's way to the host for the library (core.arrays.LIBRARIES):
    # a tensor that requires grad gives its values, as data.
    return operations_for(compat.array_namespace(array)).to_host(array)


def as_data(X):
    """``X`` as the data of a call, before scikit-learn validates it.

    An array of another library is read as data whatever the dispatch
    setting: a PyTorch tensor that requires grad gives its values (as
    ``X.detach()``: training and prediction read them, no gradient flows
    back to ``X``, and the outputs record no graph), and a complex array is
    refused as NumPy's is (scikit-learn's own check reads NumPy dtypes
    only). Anything else is returned as it is, for scikit-learn.
    """
    if X is None or isinstance(X, np.ndarray | list) or sp.issparse(X):
        return X
    compat = _compat()
    if compat is None or not compat.is_array_api_obj(X):  # pandas, tuples...
        return X
    xp = compat.array_namespace(X)
    X = operations_for(xp).as_data(X)
    if xp.isdtype(X.dtype, "complex floating"):
        raise ValueError(f"Complex data not supported\n{X}\n")  # scikit-learn's words
    return X


def check_placement(estimator, X, method):
    """Raise, as scikit-learn does, if ``X`` is not where the model lives.

    Returns the placement of ``X`` (the model's) when it is.
    """
    fitted = placement_of_network(estimator._network)
    given = placement_of(X)
    if fitted == given:
        return given
    raise ValueError(
        f"Inputs passed to {type(estimator).__name__}.{method}() must use the "
        "same namespace and the same device as those passed to fit(). "
        + placement_advice(fitted, given)
    )


def placement_advice(fitted, given):
    """Where the model and X are, and what to do about it."""
    return (
        f"The model lives in {fitted.describe()}; X is {given.describe()} "
        f"(array_api_dispatch={get_config()['array_api_dispatch']}). Move the "
        "model with skbackprop.move_to(model, namespace, device), or X to the "
        "model's namespace and device."
    )


def take_rows(array, indices):
    """Rows ``indices`` (a NumPy index array) of an array of any namespace."""
    if array is None:
        return None
    if isinstance(array, np.ndarray) or sp.issparse(array):
        return array[indices]
    xp = standard_namespace(array)
    return xp.take(array, xp.asarray(indices, device=array.device), axis=0)


def all_finite(array):
    """Whether every entry of an array of any namespace is finite."""
    if isinstance(array, np.ndarray):
        return bool(np.isfinite(array).all())
    xp = standard_namespace(array)
    return bool(xp.all(xp.isfinite(array)))


def total(array):
    """The sum of an array of any namespace, as a Python float."""
    if isinstance(array, np.ndarray):
        return float(array.sum())
    return float(standard_namespace(array).sum(array))


# ----------------------------------------------------------------------
# Moving a fitted model
# ----------------------------------------------------------------------
def move_to(estimator, namespace, device=None):
    """A copy of a fitted estimator whose arrays are in ``namespace``, on ``device``.

    Use it to bring a model trained on another array library or device back
    to NumPy (for ONNX, skops or a machine without that device), or to send
    a NumPy model to a device.
    The copy shares no memory and no state with the original.

    Parameters
    ----------
    estimator : MiniBatchMLPClassifier or MiniBatchMLPRegressor
        A fitted estimator; it is left as it is.
    namespace : module
        The array library: ``numpy``, ``torch``, ``cupy``, an
        array-api-compat namespace, ...
    device : str or device, default=None
        The device, e.g. ``"cuda"`` or ``"cpu"``; None is the library's
        default.

    Returns
    -------
    moved : estimator
        A copy whose ``coefs_``, ``intercepts_`` and training state are
        arrays of ``namespace`` on ``device``; it predicts there and goes on
        training there.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If ``estimator`` is not fitted.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop import MiniBatchMLPRegressor, move_to
    >>> X, y = np.random.RandomState(0).normal(size=(20, 3)), np.arange(20.0)
    >>> model = MiniBatchMLPRegressor(max_iter=5, random_state=0).fit(X, y)
    >>> type(move_to(model, np).coefs_[0]).__name__
    'ndarray'
    """
    check_is_fitted(estimator)
    if namespace is np or getattr(namespace, "__name__", "").endswith("numpy"):
        return _moved(estimator, HOST)
    # Through array-api-compat's namespace, which takes device= for every
    # library (a library's own asarray may not).
    xp = standard_namespace(namespace.asarray([0.0]))
    probe = xp.asarray([0.0], device=device)
    return _moved(estimator, placement_for(xp, _compat().device(probe)))


def move_to_placement(estimator, converter):
    """``move_to`` for scikit-learn's ``move_estimator_to`` (a converter)."""
    probe = converter(np.zeros(1))
    if isinstance(probe, np.ndarray):
        return _moved(estimator, HOST)
    xp = standard_namespace(probe)
    return _moved(estimator, placement_for(xp, _compat().device(probe)))


# What holds the arrays of the network's namespace; everything else of a
# fitted estimator is host state, deep-copied.
_ARRAY_STATE = ("_network", "_optimizer", "_stopping", "coefs_", "intercepts_")


def _moved(estimator, placement):
    network = estimator._network
    moved_network = network.to(placement.namespace, placement.device)

    def move(array):  # as the network moves its own: a copy, sharing no memory
        return placement.put(np.array(network.xp.to_host(array), copy=True))

    moved = copy.copy(estimator)
    state = estimator.__dict__
    moved.__dict__ = {
        name: copy.deepcopy(value)
        for name, value in state.items()
        if name not in _ARRAY_STATE
    }
    moved._network = moved_network
    if "_stopping" in state:
        rule = copy.copy(state["_stopping"])
        rule.best_params = move(rule.best_params)
        moved._stopping = rule
    if "_optimizer" in state:
        moved._optimizer = state["_optimizer"].to(move)
    moved._adopt_weights(None)
    return moved
