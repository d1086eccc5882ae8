"""Where the core meets an array library: NumPy, or any Array API namespace.

The core is written once, against ``xp``: the operations of this module's
:func:`array_namespace`, spelt as NumPy spells them, ``out=`` arguments
included. For NumPy arrays ``xp`` holds NumPy's own functions, so a NumPy
training step runs exactly the calls, in place and without temporaries, of
a NumPy-only core. For the arrays of any other library that implements the
`Array API standard <https://data-apis.org/array-api/>`_ (PyTorch tensors
through array-api-compat, CuPy, array-api-strict), ``xp`` spells the same
operations with the standard's functions and writes each result into its
``out`` by assignment, on the arrays' device.

This module is the only place that knows the difference; nothing else in
the core asks which library it is working with. It imports NumPy only: a
namespace for another library comes from above (:class:`~skbackprop.core.
Network`'s ``namespace`` argument, which the estimators take from
scikit-learn's array API dispatch), or from the array's own
``__array_namespace__``.

Beyond the standard's names, ``xp`` has a few of its own, each short in
both spellings: ``row_dot(a, b)`` (the dot product of each pair of rows),
``take_rows(a, indices, out)``, ``copyto(dst, src, where=None)``,
``matmul_input`` (a product whose left side may be a SciPy sparse ``X``),
``scalar_type(dtype)`` (the scalar that keeps arithmetic in ``dtype``),
``float_dtype(numpy_dtype)`` and ``device(a)``.
"""

import functools
import importlib
import operator
from types import SimpleNamespace

import numpy as np

__all__ = ["NUMPY", "array_namespace", "is_sparse", "operations_for"]


def is_sparse(array):
    """Whether ``array`` is a SciPy sparse matrix or array.

    Sparse input stays on the host: no Array API library takes it.

    Parameters
    ----------
    array : object
        Anything.

    Returns
    -------
    sparse : bool
        True for SciPy's sparse matrices and arrays.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.core.arrays import is_sparse
    >>> is_sparse(np.eye(2))
    False
    """
    return type(array).__module__.startswith("scipy.sparse")


def _numpy_matmul(a, b, out):
    if isinstance(a, np.ndarray):
        return np.matmul(a, b, out=out)
    # scipy.sparse inputs (first layer only) have no out= argument.
    out[...] = a @ b
    return out


def _numpy_take_rows(a, indices, out):
    # The indices are in range by construction: mode="clip" skips the check.
    return a.take(indices, axis=0, out=out, mode="clip")


# NumPy 2 takes ``device=`` in its creation functions (and has
# ``ndarray.device``), so they serve as they are; NumPy 1 gets thin wrappers.
if np.lib.NumpyVersion(np.__version__) >= "2.0.0":
    _creation = {
        "empty": np.empty,
        "zeros": np.zeros,
        "ones": np.ones,
        "asarray": np.asarray,
        "device": operator.attrgetter("device"),
    }
else:  # pragma: no cover - the oldest supported NumPy
    _creation = {
        "empty": lambda shape, dtype=None, device=None: np.empty(shape, dtype),
        "zeros": lambda shape, dtype=None, device=None: np.zeros(shape, dtype),
        "ones": lambda shape, dtype=None, device=None: np.ones(shape, dtype),
        "asarray": lambda obj, dtype=None, device=None: np.asarray(obj, dtype),
        "device": lambda array: None,
    }

#: NumPy's operations: its own functions, with ``out=`` where the core
#: writes in place. They are NumPy's C functions wherever one does the job
#: (``sum`` is ``np.add.reduce``, exactly what ``ndarray.sum`` runs), so
#: that the NumPy path pays no Python call for the indirection.
NUMPY = SimpleNamespace(
    name="numpy",
    namespace=np,
    **_creation,
    zeros_like=np.zeros_like,
    ones_like=np.ones_like,
    concat=lambda arrays, axis=0: np.concatenate(arrays, axis=axis),
    reshape=np.reshape,
    copy=np.copy,
    float_dtype=np.dtype,
    scalar_type=operator.attrgetter("type"),
    astype=lambda array, dtype: array.astype(dtype, copy=False),
    # Element-wise, each with out=.
    add=np.add,
    subtract=np.subtract,
    multiply=np.multiply,
    divide=np.divide,
    maximum=np.maximum,
    minimum=np.minimum,
    abs=np.abs,
    sign=np.sign,
    exp=np.exp,
    expm1=np.expm1,
    log=np.log,
    log1p=np.log1p,
    logaddexp=np.logaddexp,
    sqrt=np.sqrt,
    tanh=np.tanh,
    clip=np.clip,
    where=np.where,
    copyto=np.copyto,
    # Reductions and products.
    sum=functools.partial(np.add.reduce, axis=None),
    max=functools.partial(np.maximum.reduce, axis=None),
    matmul=np.matmul,
    matmul_input=_numpy_matmul,  # the input layer's X may be sparse
    row_dot=functools.partial(np.einsum, "ij,ij->i"),
    take_rows=_numpy_take_rows,
    finfo=np.finfo,
)


def _is_scalar(value):
    return isinstance(value, int | float | np.generic)


class _Operations:
    """The core's operations spelt with an Array API namespace ``xp``.

    Results are computed by the standard's functions and written into
    ``out``: by the library's own ``out=`` where it has one (PyTorch, CuPy),
    else by assignment (the standard has no ``out=``).
    """

    def __init__(self, xp):
        self.namespace = xp
        self.name = xp.__name__
        self.zeros_like = xp.zeros_like
        self.ones_like = xp.ones_like
        self.concat = xp.concat
        self.reshape = xp.reshape
        self.finfo = xp.finfo
        self.sum = xp.sum
        self.max = xp.max
        self.where = xp.where  # Python scalars allowed (standard 2024.12)
        self._scalars = {}
        # Many libraries (PyTorch, CuPy) take NumPy's out= beyond the
        # standard: where a probe shows that a function writes into out,
        # it does, without a temporary; elsewhere the result is assigned.
        vector = xp.asarray([0.5, 2.0])
        square = xp.reshape(xp.asarray([1.0, 2.0, 3.0, 4.0]), (2, 2))
        for name in ("abs", "sign", "exp", "expm1", "log", "log1p", "sqrt", "tanh"):
            setattr(self, name, self._writing(getattr(xp, name), (vector,)))
        self._matmul = self._writing(xp.matmul, (square, square))
        self._arithmetic = {
            name: self._writing(getattr(xp, name), (vector, 0.5), (vector, vector))
            for name in ("add", "subtract", "multiply", "divide")
        }
        self._clip = self._writing(xp.clip, (vector, 0.6, None), (vector, None, 1.0))
        self._extremum = {
            name: self._writing(getattr(xp, name), (vector, vector))
            for name in ("maximum", "minimum")
        }

    def __reduce__(self):
        # Pickled by the name of its namespace, imported again on loading.
        return operations_for_name, (self.name,)

    @staticmethod
    def _into(result, out):
        if out is None:
            return result
        out[...] = result
        return out

    def _writing(self, function, *trials):
        """``function`` with ``out=``: the library's own if it writes there.

        ``trials`` are tuples of arguments to try it on.
        """
        xp = self.namespace
        try:
            for args in trials:
                expected = function(*args)
                out = xp.zeros(expected.shape, dtype=expected.dtype)
                function(*args, out=out)
                if not bool(xp.all(out == expected)):
                    raise TypeError
        except Exception:  # no out= here: assign the result
            into = self._into
            return lambda *args, out=None: into(function(*args), out)

        def writing(*args, out=None):
            if out is None:
                return function(*args)
            function(*args, out=out)
            return out

        return writing

    def _numeric(self, a, b):
        """``b`` as a number array if it is a boolean one (a 0/1 mask)."""
        if hasattr(b, "dtype") and b.dtype == self.namespace.bool:
            return self.namespace.astype(b, a.dtype)
        return b

    # Element-wise arithmetic; Python scalars are fine for every library.
    def add(self, a, b, out=None):
        return self._arithmetic["add"](a, b, out=out)

    def subtract(self, a, b, out=None):
        return self._arithmetic["subtract"](a, b, out=out)

    def multiply(self, a, b, out=None, where=None):
        b = self._numeric(a, b)
        if where is None:
            return self._arithmetic["multiply"](a, b, out=out)
        # out keeps its values where ``where`` is False.
        return self._into(self.namespace.where(where, a * b, out), out)

    def divide(self, a, b, out=None):
        return self._arithmetic["divide"](a, b, out=out)

    def maximum(self, a, b, out=None):
        if _is_scalar(b):
            b = self._scalar_array(b, a)
        return self._extremum["maximum"](a, b, out=out)

    def minimum(self, a, b, out=None):
        if _is_scalar(b):
            b = self._scalar_array(b, a)
        return self._extremum["minimum"](a, b, out=out)

    def _scalar_array(self, value, like):
        """``value`` as a 0-d array of ``like``'s dtype and device, made once.

        (Some libraries take no Python scalar in ``maximum``; a new 0-d
        array per call would cost a host-to-device copy each time.)
        """
        key = (float(value), str(like.dtype), str(like.device))
        array = self._scalars.get(key)
        if array is None:
            array = self._scalars[key] = self.namespace.asarray(
                float(value), dtype=like.dtype, device=like.device
            )
        return array

    def logaddexp(self, a, b, out=None):
        xp = self.namespace
        if _is_scalar(a):
            a = xp.asarray(float(a), dtype=b.dtype, device=b.device)
        return self._into(xp.logaddexp(a, b), out)

    # Creation ------------------------------------------------------------
    def empty(self, shape, dtype, device=None):
        return self.namespace.empty(shape, dtype=dtype, device=device)

    def zeros(self, shape, dtype, device=None):
        return self.namespace.zeros(shape, dtype=dtype, device=device)

    def ones(self, shape, dtype, device=None):
        return self.namespace.ones(shape, dtype=dtype, device=device)

    def asarray(self, obj, dtype=None, device=None):
        return self.namespace.asarray(obj, dtype=dtype, device=device)

    def copy(self, array):
        return self.namespace.asarray(array, copy=True)

    def device(self, array):
        return array.device

    def float_dtype(self, dtype):
        return getattr(self.namespace, np.dtype(dtype).name)

    def scalar_type(self, dtype):
        return float  # Python floats take the array's dtype

    def astype(self, array, dtype):
        return self.namespace.astype(array, dtype)

    # Element-wise ----------------------------------------------------------
    def clip(self, x, low, high, out=None):
        return self._clip(x, low, high, out=out)

    def copyto(self, dst, src, where=None):
        if where is None:
            dst[...] = src
        else:
            dst[...] = self.namespace.where(where, src, dst)

    # Products --------------------------------------------------------------
    def matmul(self, a, b, out=None):
        if a.ndim == 1:  # a vector times a matrix (a column sum): no out=
            return self._into(a @ b, out)
        return self._matmul(a, b, out=out)

    matmul_input = matmul

    def row_dot(self, a, b):
        return self.namespace.sum(a * b, axis=1)

    def take_rows(self, a, indices, out):
        out[...] = self.namespace.take(a, indices, axis=0)
        return out


# Operations by array type, and by namespace name (for unpickling).
_BY_TYPE = {}
_BY_NAME = {"numpy": NUMPY}


def operations_for(namespace):
    """The core's operations for an Array API namespace.

    Parameters
    ----------
    namespace : module
        An Array API namespace, e.g. ``array_api_compat.torch`` or
        ``array_api_strict``; NumPy (or a wrapper of it) gives :data:`NUMPY`.

    Returns
    -------
    xp : object
        The operations; arrays of this namespace's type are known to
        :func:`array_namespace` from now on.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.core.arrays import NUMPY, operations_for
    >>> operations_for(np) is NUMPY
    True
    """
    if namespace is None or namespace is np:
        return NUMPY
    name = namespace.__name__
    if name in _BY_NAME:
        return _BY_NAME[name]
    array_type = type(namespace.empty(0))
    if issubclass(array_type, np.ndarray):  # a wrapper of NumPy
        operations = NUMPY
    else:
        operations = _BY_TYPE[array_type] = _Operations(namespace)
    _BY_NAME[name] = operations
    return operations


def operations_for_name(name):
    """The operations of the namespace module named ``name``.

    What a pickled network's namespace is loaded by: the module is imported
    by its name, as pickle imports a class's module.

    Parameters
    ----------
    name : str
        A module name, e.g. ``"array_api_strict"``.

    Returns
    -------
    xp : object
        Its operations (:func:`operations_for`).

    Examples
    --------
    >>> from skbackprop.core.arrays import NUMPY, operations_for_name
    >>> operations_for_name("numpy") is NUMPY
    True
    """
    if name not in _BY_NAME:
        # As pickle itself imports a class's module by name.
        operations_for(importlib.import_module(name))
    return _BY_NAME[name]


def array_namespace(array):
    """The core's operations for ``array``'s library.

    Parameters
    ----------
    array : array
        A NumPy array, or an array of a namespace given to
        :func:`operations_for` (or with ``__array_namespace__``).

    Returns
    -------
    xp : object
        :data:`NUMPY` for NumPy arrays, else that namespace's operations.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.core.arrays import array_namespace
    >>> xp = array_namespace(np.zeros(3))
    >>> xp.name, xp.tanh is np.tanh
    ('numpy', True)
    """
    if isinstance(array, np.ndarray):
        return NUMPY
    operations = _BY_TYPE.get(type(array))
    if operations is not None:
        return operations
    if hasattr(array, "__array_namespace__"):
        return operations_for(array.__array_namespace__())
    raise TypeError(
        f"The core does not know the array library of {type(array).__name__}: "
        "give its Array API namespace to skbackprop.core.arrays.operations_for "
        "(e.g. operations_for(array_api_compat.torch)) or to Network(namespace=)."
    )
