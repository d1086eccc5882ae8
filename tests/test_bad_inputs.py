"""One catalogue of bad inputs, run on every array library.

Each input that the NumPy path refuses is given, in NumPy, in
array-api-strict and in PyTorch (CPU) under ``array_api_dispatch=True``, to
a fitted model's ``fit``, ``partial_fit`` and ``predict``, and to the one-row
calls that take the fast paths on NumPy (a streaming ``partial_fit`` chunk,
a one-row ``predict``). On every library the call must raise:

- the exception class that NumPy's call raises;
- the same message, up to the library's own spelling of a dtype
  (``float64``, ``torch.float64``), of a shape (``torch.Size([0, 4])``) or
  of the input itself (which some messages print);

and leave the model exactly as it was: every array byte for byte (tensors
compared with ``torch.equal``), everything else equal.

Some inputs exist in one library only, and are given there only: an
object-dtype array is NumPy's (array-api-strict and PyTorch have no object
dtype); a sparse tensor is PyTorch's. The targets, the weights and the
classes are checked on the host whatever the library of ``X``: their cases
are given in ``X``'s library all the same.
"""

import copy
import re
from dataclasses import dataclass

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import config_context

from skbackprop import MiniBatchMLPClassifier, MiniBatchMLPRegressor

REASON = "needs the [test] extra: pip install -e '.[test]'"
torch = pytest.importorskip("torch", reason=f"PyTorch {REASON}")
xps = pytest.importorskip("array_api_strict", reason=f"array-api-strict {REASON}")

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

LIBRARIES = ("numpy", "array_api_strict", "torch")
ESTIMATORS = {"classifier": MiniBatchMLPClassifier, "regressor": MiniBatchMLPRegressor}
N_SAMPLES, N_FEATURES = 30, 4


def _in(library, value):
    """A host value as an array of ``library`` (sparse and object arrays stay)."""
    if value is None or sp.issparse(value) or library == "numpy":
        return value
    if isinstance(value, np.ndarray) and value.dtype == object:
        return value
    if library == "torch":
        return torch.asarray(value)
    return xps.asarray(value)


def _data(kind):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(N_SAMPLES, N_FEATURES))
    y = np.arange(N_SAMPLES) % 3 if kind == "classifier" else X[:, 0] - X[:, 1]
    return X, y, np.linspace(0.5, 1.5, N_SAMPLES)


# ----------------------------------------------------------------------
# The catalogue
# ----------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    """A bad input, the calls it goes to, and NumPy's error for it."""

    name: str
    change: object  # change(X, y, w) -> (X, y, w): the bad entry in row 0
    error: type
    message: str  # a regular expression NumPy's message matches
    methods: tuple = (
        "fit",
        "partial_fit",
        "predict",
        "partial_fit 1 row",
        "predict 1 row",
    )
    libraries: tuple = LIBRARIES
    estimators: tuple = tuple(ESTIMATORS)


def _set(array, value):
    array = array.astype(np.result_type(array, np.asarray(value)))
    array.flat[0 if array.ndim == 1 else 1] = value
    return array


def _object_dtype(X):
    X = X.astype(object)
    X[0, 1] = "a"
    return X


TRAINING = ("fit", "partial_fit", "partial_fit 1 row")

CASES = [
    Case(
        "NaN in X",
        lambda X, y, w: (_set(X, np.nan), y, None),
        ValueError,
        "Input X contains NaN",
    ),
    Case(
        "infinity in X",
        lambda X, y, w: (_set(X, np.inf), y, None),
        ValueError,
        "Input X contains infinity or a value too large for dtype",
    ),
    Case(
        "complex X",
        lambda X, y, w: (X + 1j, y, None),
        ValueError,
        "Complex data not supported",
    ),
    Case(
        "empty X",
        lambda X, y, w: (X[:0], y[:0], None),
        ValueError,
        r"Found array with 0 sample\(s\)",
        methods=("fit", "partial_fit", "predict"),
    ),
    Case(
        "a wrong number of features",
        lambda X, y, w: (X[:, :-1], y, None),
        ValueError,
        f"X has {N_FEATURES - 1} features, but .* is expecting {N_FEATURES} features",
        methods=("partial_fit", "predict", "partial_fit 1 row", "predict 1 row"),
    ),
    Case(
        "object dtype X",
        lambda X, y, w: (_object_dtype(X), y, None),
        ValueError,
        "could not convert string to float",
        libraries=("numpy",),  # the other libraries have no object dtype
    ),
    Case(
        "3-D X",
        lambda X, y, w: (X.reshape(X.shape[0], 2, -1), y, None),
        ValueError,
        "Found array with dim 3",
    ),
    Case(
        "unseen labels",
        lambda X, y, w: (X, _set(y, 7), None),
        ValueError,
        "y contains labels not in classes_",
        methods=("partial_fit", "partial_fit 1 row"),
        estimators=("classifier",),
    ),
    Case(
        "a negative sample weight",
        lambda X, y, w: (X, y, _set(w, -1.0)),
        ValueError,
        "Negative values in data passed to `sample_weight`",
        methods=TRAINING,
    ),
    Case(
        "a NaN sample weight",
        lambda X, y, w: (X, y, _set(w, np.nan)),
        ValueError,
        "Input sample_weight contains NaN",
        methods=TRAINING,
    ),
    Case(
        "sparse sample_weight",
        lambda X, y, w: (X, y, sp.csr_matrix(w)),
        TypeError,
        "Sparse data was passed for sample_weight, but dense data is required",
        methods=("fit", "partial_fit"),
    ),
    Case(
        "sparse targets of a regressor",
        lambda X, y, w: (X, sp.csr_matrix(np.c_[y, -y]), None),
        TypeError,
        "Sparse data was passed for y, but dense data is required",
        methods=("fit", "partial_fit"),
        estimators=("regressor",),
    ),
    Case(
        "a sparse tensor X",
        lambda X, y, w: (X, y, None),  # made sparse in _arguments
        TypeError,
        "sparse input is taken as a SciPy sparse matrix",
        methods=("fit", "partial_fit", "predict"),
        libraries=("torch",),  # PyTorch's sparse layouts
    ),
]


def _parameters():
    for case in CASES:
        for estimator in case.estimators:
            for method in case.methods:
                for library in case.libraries:
                    yield pytest.param(
                        case,
                        estimator,
                        method,
                        library,
                        id=f"{case.name}-{estimator}-{method}-{library}",
                    )


# ----------------------------------------------------------------------
# Calls and what they leave
# ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def fitted():
    """A fitted model of each estimator in each library, to copy."""
    models = {}
    for kind, Estimator in ESTIMATORS.items():
        X, y, _ = _data(kind)
        for library in LIBRARIES:
            model = Estimator(hidden_layer_sizes=(5,), max_iter=3, random_state=0)
            with config_context(array_api_dispatch=library != "numpy"):
                models[kind, library] = model.fit(_in(library, X), _in(library, y))
    return models


def _arguments(case, estimator, method, library):
    X, y, w = case.change(*_data(estimator))
    if method.endswith("1 row"):
        X, y, w = X[:1], y[:1], None if w is None else w[:1]
    X, y, w = _in(library, X), _in(library, y), _in(library, w)
    if case.name == "a sparse tensor X":
        X = X.to_sparse()
    return X, y, w


def _call(model, method, X, y, w):
    if method.startswith("predict"):
        return model.predict(X)
    fit = getattr(model, method.split()[0])
    return fit(X, y) if w is None else fit(X, y, sample_weight=w)


def _error_of(model, method, library, X, y, w):
    with config_context(array_api_dispatch=library != "numpy"):
        with pytest.raises(Exception) as info:
            _call(model, method, X, y, w)
    return info


def _normalized(message, X):
    """``message`` up to a library's spelling of dtypes, shapes and ``X`` itself."""
    if X is not None and not sp.issparse(X):
        message = message.replace(str(X), "<X>")
    message = re.sub(r"torch\.Size\(\[([^\]]*)\]\)", r"(\1)", message)
    message = re.sub(r"dtype\('(\w+)'\)", r"dtype \1", message)
    return re.sub(r"\b(?:torch|array_api_strict)\.(\w+)", r"dtype \1", message)


def assert_same_state(after, before, path="model"):
    """``after`` is ``before``: arrays byte for byte, tensors by torch.equal."""
    assert type(after) is type(before), path
    if isinstance(before, torch.Tensor):
        assert (after.dtype, after.device, after.shape) == (
            before.dtype,
            before.device,
            before.shape,
        ), path
        assert torch.equal(after, before), path
    elif isinstance(before, np.ndarray) or hasattr(before, "__array_namespace__"):
        after, before = np.asarray(after), np.asarray(before)
        assert (after.dtype, after.shape) == (before.dtype, before.shape), path
        assert after.tobytes() == before.tobytes(), path
    elif sp.issparse(before):
        assert (after != before).nnz == 0, path
    elif isinstance(before, np.random.RandomState):
        for a, b in zip(after.get_state(), before.get_state(), strict=True):
            assert_same_state(a, b, f"{path}.get_state()")
    elif isinstance(before, dict):
        assert after.keys() == before.keys(), path
        for key in before:
            assert_same_state(after[key], before[key], f"{path}[{key!r}]")
    elif isinstance(before, list | tuple):
        assert len(after) == len(before), path
        for i, (a, b) in enumerate(zip(after, before, strict=True)):
            assert_same_state(a, b, f"{path}[{i}]")
    elif isinstance(before, float | np.floating) and np.isnan(before):
        assert np.isnan(after), path
    elif hasattr(before, "__dict__") and not isinstance(before, type):
        state = getattr(before, "__getstate__", lambda: vars(before))
        after_state = getattr(after, "__getstate__", lambda: vars(after))
        assert_same_state(after_state(), state(), f"{path}.__dict__")
    else:
        assert after == before, path


# ----------------------------------------------------------------------
# The tests
# ----------------------------------------------------------------------
@pytest.mark.parametrize("case, estimator, method, library", list(_parameters()))
def test_bad_input_gets_numpys_error_and_changes_nothing(
    case, estimator, method, library, fitted
):
    model = copy.deepcopy(fitted[estimator, library])
    before = copy.deepcopy(model)
    X, y, w = _arguments(case, estimator, method, library)
    error = _error_of(model, method, library, X, y, w)
    assert_same_state(model, before)
    assert error.type is case.error, error.value
    assert re.search(case.message, _normalized(str(error.value), X)), error.value
    if library == "numpy" or "numpy" not in case.libraries:
        return
    # NumPy's call on the same input gives the very same error.
    host_model = copy.deepcopy(fitted[estimator, "numpy"])
    host_X, host_y, host_w = _arguments(case, estimator, method, "numpy")
    expected = _error_of(host_model, method, "numpy", host_X, host_y, host_w)
    assert error.type is expected.type
    assert _normalized(str(error.value), X) == _normalized(str(expected.value), host_X)


def test_the_catalogue_covers_every_library_and_call():
    # Every case runs on every library where its input exists, and every
    # call is covered on every library.
    seen = {(p.values[2], p.values[3]) for p in _parameters()}
    methods = {"fit", "partial_fit", "predict", "partial_fit 1 row", "predict 1 row"}
    assert seen == {(m, lib) for m in methods for lib in LIBRARIES}


def test_the_state_check_sees_a_changed_model(fitted):
    # assert_same_state can fail: one changed weight, one changed count.
    for library in LIBRARIES:
        model = fitted["classifier", library]
        changed = copy.deepcopy(model)
        changed._network.params[0] = changed._network.params[0] + 1.0
        with pytest.raises(AssertionError):
            assert_same_state(changed, model)
        changed = copy.deepcopy(model)
        changed.t_ += 1
        with pytest.raises(AssertionError):
            assert_same_state(changed, model)
