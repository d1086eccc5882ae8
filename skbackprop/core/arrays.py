"""Where the core meets an array library: NumPy, or any Array API namespace.

The core is written once, against ``xp``: the operations of this module's
:func:`array_namespace`, spelt as NumPy spells them, ``out=`` arguments
included. For NumPy arrays ``xp`` holds NumPy's own functions, so a NumPy
training step runs exactly the calls, in place and without temporaries, of
a NumPy-only core. For the arrays of any other library that implements the
`Array API standard <https://data-apis.org/array-api/>`_ (PyTorch tensors
through array-api-compat, CuPy, array-api-strict), ``xp`` spells the same
operations with the standard's functions and writes each result into its
``out``, on the arrays' device: through the library's own ``out=`` where
:data:`LIBRARIES` says it has one, else by assignment.

This module is the only place that knows the difference; nothing else in
the core asks which library it is working with. It imports NumPy only: a
namespace for another library comes from above (:class:`~skbackprop.core.
Network`'s ``namespace`` argument, which the estimators take from
scikit-learn's array API dispatch), or from the array's own
``__array_namespace__``. The one exception is loading: a saved network
names its library by a key of :data:`LIBRARIES`, and
:func:`operations_for_library` imports that entry's module, a name of this
module's table, never one read from the file.

Beyond the standard's names, ``xp`` has a few of its own, each short in
both spellings: ``row_dot(a, b)`` (the dot product of each pair of rows),
``gather_rows(a, indices, out)``, ``copyto(dst, src, where=None)``,
``matmul_input`` (a product whose left side may be a SciPy sparse ``X``),
``scalar_type(dtype)`` (the scalar that keeps arithmetic in ``dtype``),
``float_dtype(numpy_dtype)``, ``device(a)``, ``to_host(a)`` (the values
as a NumPy array, which may share memory with ``a``) and ``as_data(a)``
(the values without autograd history: a PyTorch tensor that requires grad
is read as data).
"""

import functools
import importlib
import operator
import reprlib
from types import MappingProxyType, SimpleNamespace
from typing import NamedTuple

import numpy as np

__all__ = [
    "LIBRARIES",
    "NUMPY",
    "array_namespace",
    "is_sparse",
    "operations_for",
    "operations_for_library",
]


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


def _same(array):
    return array


def _numpy_gather_rows(a, indices, out):
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
    gather_rows=_numpy_gather_rows,
    finfo=np.finfo,
    to_host=np.asarray,
    as_data=_same,
)


# ----------------------------------------------------------------------
# The libraries the core knows by name
# ----------------------------------------------------------------------
#: The core's operations that take ``out=`` (NumPy's names).
_OUT_OPERATIONS = frozenset(
    {
        "abs",
        "sign",
        "exp",
        "expm1",
        "log",
        "log1p",
        "sqrt",
        "tanh",
        "add",
        "subtract",
        "multiply",
        "divide",
        "maximum",
        "minimum",
        "clip",
        "matmul",
    }
)


class _Library(NamedTuple):
    """What the core knows of one array library (see :data:`LIBRARIES`)."""

    modules: tuple  # the namespace modules to import on loading, the first found
    writes_out: frozenset  # operations whose own out= writes the result into out
    to_host: object  # to_host(namespace, array): the values as a NumPy array
    as_data: object = _same  # as_data(array): its values, without autograd history


def _torch_as_data(array):
    # A tensor that records gradients is read as data: its values, with no
    # graph for a gradient to flow back through (and none to refuse out=).
    return array.detach() if array.requires_grad else array


def _strict_to_host(namespace, array):
    # array-api-strict's arrays may sit on a pretend device; NumPy reads
    # those of its CPU device only.
    cpu = namespace.Device("CPU_DEVICE")
    return np.asarray(namespace.asarray(array, device=cpu))


def _torch_to_host(namespace, array):
    return array.detach().cpu().numpy()


def _cupy_to_host(namespace, array):
    return array.get()


def _any_to_host(namespace, array):
    return np.asarray(array)


#: The array libraries the core knows by name, by the name a saved
#: :class:`~skbackprop.core.Network` gives its library: the modules whose
#: namespace serves it (a loaded network imports the first one found, and
#: no other module), the operations whose own ``out=`` argument writes the
#: result into ``out`` (the others compute a result and assign it), how an
#: array comes to the host, and how it is read as data (a PyTorch tensor
#: that requires grad gives its values, detached). A fixed table, read and
#: never probed: a library outside it still trains (every result assigned
#: into ``out``), and a network on it is moved to NumPy
#: (:func:`skbackprop.move_to`) before it is saved.
LIBRARIES = MappingProxyType(
    {
        "numpy": _Library(("numpy",), _OUT_OPERATIONS, _any_to_host),
        # The standard and nothing more: no out= anywhere.
        "array_api_strict": _Library(
            ("array_api_strict",), frozenset(), _strict_to_host
        ),
        # PyTorch and CuPy through array-api-compat's namespaces: the
        # package's, else the copy that scikit-learn 1.7 and later ship.
        # array-api-compat's torch.sign takes no out=.
        "torch": _Library(
            ("array_api_compat.torch", "sklearn.externals.array_api_compat.torch"),
            _OUT_OPERATIONS - {"sign"},
            _torch_to_host,
            _torch_as_data,
        ),
        "cupy": _Library(
            ("array_api_compat.cupy", "sklearn.externals.array_api_compat.cupy"),
            _OUT_OPERATIONS,
            _cupy_to_host,
        ),
    }
)


def _is_scalar(value):
    return isinstance(value, int | float | np.generic)


class _Operations:
    """The core's operations spelt with an Array API namespace ``xp``.

    Results are computed by the standard's functions and written into
    ``out``: by the library's own ``out=`` where :data:`LIBRARIES` says it
    has one (PyTorch, CuPy), else by assignment (the standard has no
    ``out=``).
    """

    def __init__(self, xp, library):
        self.namespace = xp
        self.name = library
        known = LIBRARIES.get(library)
        writes_out = known.writes_out if known is not None else frozenset()
        self._to_host = known.to_host if known is not None else _any_to_host
        self.as_data = known.as_data if known is not None else _same
        self.zeros_like = xp.zeros_like
        self.ones_like = xp.ones_like
        self.concat = xp.concat
        self.reshape = xp.reshape
        self.finfo = xp.finfo
        self.sum = xp.sum
        self.max = xp.max
        self.where = xp.where  # Python scalars allowed (standard 2024.12)
        self._scalars = {}
        self._float_dtypes = {
            np.dtype(np.float32): xp.float32,
            np.dtype(np.float64): xp.float64,
        }

        def writing(name):
            return self._writing(getattr(xp, name), name in writes_out)

        for name in ("abs", "sign", "exp", "expm1", "log", "log1p", "sqrt", "tanh"):
            setattr(self, name, writing(name))
        self._matmul = writing("matmul")
        self._arithmetic = {
            name: writing(name) for name in ("add", "subtract", "multiply", "divide")
        }
        self._clip = writing("clip")
        self._extremum = {name: writing(name) for name in ("maximum", "minimum")}

    def __reduce__(self):
        # Pickled by its library's name, found again in the table on loading.
        return operations_for_library, (self.name,)

    @staticmethod
    def _into(result, out):
        if out is None:
            return result
        out[...] = result
        return out

    @staticmethod
    def _writing(function, writes_out):
        """``function`` with ``out=``: the library's own if ``writes_out``."""
        if not writes_out:
            into = _Operations._into
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
        try:
            return self._float_dtypes[np.dtype(dtype)]
        except KeyError:
            raise ValueError(
                f"The core computes in float32 or float64; got {dtype!r}."
            ) from None

    def to_host(self, array):
        return self._to_host(self.namespace, array)

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

    def gather_rows(self, a, indices, out):
        out[...] = self.namespace.take(a, indices, axis=0)
        return out


# One operations object per library (its first namespace serves every later
# one: scikit-learn's copy of array-api-compat and the package wrap the same
# library), found by array type and by the namespace modules given so far.
_BY_LIBRARY = {"numpy": NUMPY}
_BY_TYPE = {}
_BY_NAMESPACE = {}


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
        The operations of the namespace's library, the same object for every
        namespace of one library; arrays of this namespace's type are known
        to :func:`array_namespace` from now on.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.core.arrays import NUMPY, operations_for
    >>> operations_for(np) is NUMPY
    True
    """
    if namespace is None or namespace is np:
        return NUMPY
    operations = _BY_NAMESPACE.get(namespace)
    if operations is not None:
        return operations
    array_type = type(namespace.empty(0))
    if issubclass(array_type, np.ndarray):  # a wrapper of NumPy
        operations = NUMPY
    else:
        # The library is the top package of its array type: "torch" for
        # array-api-compat's torch namespace, "array_api_strict", "cupy".
        library = array_type.__module__.partition(".")[0]
        if library == "numpy":  # numpy.array_api (NumPy 1): not NumPy's arrays
            library = namespace.__name__
        operations = _BY_LIBRARY.get(library)
        if operations is None:
            operations = _BY_LIBRARY[library] = _Operations(namespace, library)
        _BY_TYPE[array_type] = operations
    _BY_NAMESPACE[namespace] = operations
    return operations


def operations_for_library(name):
    """The operations of the library that :data:`LIBRARIES` names ``name``.

    What a saved network's library is loaded by. The name is looked up in
    the table and nowhere else: a name outside it is refused before
    anything is imported, and a name in it imports the table's module for
    it, never a module named by the caller.

    Parameters
    ----------
    name : str
        A key of :data:`LIBRARIES`, e.g. ``"array_api_strict"``, or one of
        the modules an entry lists (what skbackprop 0.1.0 saved).

    Returns
    -------
    xp : object
        The library's operations (:func:`operations_for`).

    Raises
    ------
    ValueError
        If ``name`` is not a key of :data:`LIBRARIES`.
    ImportError
        If none of the library's modules can be imported.

    Examples
    --------
    >>> from skbackprop.core.arrays import NUMPY, operations_for_library
    >>> operations_for_library("numpy") is NUMPY
    True
    >>> operations_for_library("os")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: 'os' is not an array library of skbackprop.core.arrays.LIBRARIES ...
    """
    if isinstance(name, str) and name not in LIBRARIES:
        # skbackprop 0.1.0 saved the namespace module's name: one of the
        # table's own modules, mapped back to its key (nothing else is).
        name = next((k for k, v in LIBRARIES.items() if name in v.modules), name)
    known = LIBRARIES.get(name) if isinstance(name, str) else None
    if known is None:
        raise ValueError(
            f"{reprlib.repr(name)} is not an array library of "
            f"skbackprop.core.arrays.LIBRARIES ({', '.join(LIBRARIES)}), the "
            "only libraries a saved network is loaded on; nothing was imported."
        )
    operations = _BY_LIBRARY.get(name)
    if operations is not None:
        return operations
    for module in known.modules:
        try:
            namespace = importlib.import_module(module)
        except ImportError:
            continue
        return operations_for(namespace)
    raise ImportError(
        f"This network was saved on {name}, which is not installed here: "
        f"loading it needs one of {', '.join(known.modules)}. Install it, or "
        "load the model where it is and move it to NumPy with "
        "skbackprop.move_to(model, numpy) before saving it."
    )


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
