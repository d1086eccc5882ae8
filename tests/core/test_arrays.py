"""The core's operations in another Array API namespace give NumPy's numbers.

Every activation, loss, optimizer step and the whole backward pass run on
array-api-strict (the standard and nothing more) and on PyTorch, and are
compared with the NumPy path. array-api-strict computes with NumPy
underneath; PyTorch's CPU kernels round differently in the last bit, so
float64 comparisons carry ``rtol=1e-12``.
"""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skbackprop.core import (
    ACTIVATIONS,
    LOSSES,
    SGD,
    Adam,
    Batches,
    Network,
    get_activation,
    get_loss,
)
from skbackprop.core.arrays import (
    _OUT_OPERATIONS,
    LIBRARIES,
    NUMPY,
    array_namespace,
    operations_for,
    operations_for_library,
)
from skbackprop.core.losses import Huber, PinballLoss, log_softmax, softmax

REASON = "needs the [test] extra: pip install -e '.[test]'"
xps = pytest.importorskip("array_api_strict", reason=f"array-api-strict {REASON}")
torch = pytest.importorskip("torch", reason=f"PyTorch {REASON}")
torch_namespace = pytest.importorskip(
    "array_api_compat.torch", reason=f"array-api-compat {REASON}"
)

NAMESPACES = {
    "array_api_strict": (xps, lambda a: xps.asarray(a, copy=True), np.asarray),
    "torch": (
        torch_namespace,
        lambda a: torch.asarray(a, copy=True),
        lambda t: t.numpy(),
    ),
}
TOL = {"rtol": 1e-12, "atol": 1e-14}


@pytest.fixture(params=sorted(NAMESPACES))
def namespace(request):
    xp, to_array, to_numpy = NAMESPACES[request.param]
    operations_for(xp)
    return xp, to_array, to_numpy


def _values(shape=(7, 5), seed=0):
    return np.random.RandomState(seed).normal(scale=3.0, size=shape)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_forward_and_derivative(name, namespace):
    _, to_array, to_numpy = namespace
    activation = get_activation(name)
    Z = _values()
    A = activation.forward(Z.copy())
    delta = _values(seed=1)
    activation.derivative(A, delta, Z)

    Z_other = to_array(Z)
    A_other = activation.forward(to_array(Z))
    delta_other = to_array(_values(seed=1))
    activation.derivative(A_other, delta_other, Z_other)
    assert_allclose(to_numpy(A_other), A, **TOL)
    assert_allclose(to_numpy(delta_other), delta, **TOL)


LOSS_CASES = [*sorted(LOSSES), "huber-0.5", "quantile-0.9"]


def _loss(case):
    if case == "huber-0.5":
        return Huber(delta=0.5)
    if case == "quantile-0.9":
        return PinballLoss(quantile=0.9)
    return get_loss(case)


@pytest.mark.parametrize("case", LOSS_CASES)
def test_loss_value_delta_and_output(case, namespace):
    _, to_array, to_numpy = namespace
    loss = _loss(case)
    Z = _values((6, 3))
    if loss.name == "log_loss":
        Y = np.eye(3)[[0, 1, 2, 2, 1, 0]]
    elif loss.name in ("binary_log_loss", "poisson"):
        Y = (np.abs(_values((6, 3), seed=2)) > 2).astype(float)
    else:
        Y = _values((6, 3), seed=2)
    Y[0, 0] = Z[0, 0]  # a zero residual: the subgradient's own case
    weights = np.linspace(0.5, 1.5, 6)
    delta = np.empty_like(Z)
    total = loss.value_and_delta(Z, Y, weights, out=delta)

    delta_other = to_array(np.empty_like(Z))
    total_other = loss.value_and_delta(
        to_array(Z), to_array(Y), to_array(weights), delta_other
    )
    assert total_other == pytest.approx(total, rel=1e-12)
    assert_allclose(to_numpy(delta_other), delta, **TOL)
    assert_allclose(
        to_numpy(loss.per_sample(to_array(Z), to_array(Y))),
        loss.per_sample(Z, Y),
        **TOL,
    )
    assert_allclose(to_numpy(loss.output(to_array(Z))), loss.output(Z.copy()), **TOL)


def test_softmax_and_log_softmax(namespace):
    _, to_array, to_numpy = namespace
    Z = _values((4, 3))
    assert_allclose(to_numpy(softmax(to_array(Z))), softmax(Z), **TOL)
    assert_allclose(to_numpy(log_softmax(to_array(Z))), log_softmax(Z), **TOL)


@pytest.mark.parametrize(
    "optimizer", [SGD(0.1, nesterov=True), Adam(0.01)], ids=["sgd", "adam"]
)
def test_optimizer_steps(optimizer, namespace):
    _, to_array, to_numpy = namespace
    params, grads = _values((50,)), _values((50,), seed=1)
    host, other = (
        pickle.loads(pickle.dumps(optimizer)),
        pickle.loads(pickle.dumps(optimizer)),
    )
    params_other = to_array(params.copy())
    for _ in range(3):
        host.step(params, grads)
        other.step(params_other, to_array(grads))
    assert_allclose(to_numpy(params_other), params, **TOL)


@pytest.mark.parametrize("activation", ["relu", "silu"])
def test_backward_pass_with_dropout_and_weights(activation, namespace):
    xp, to_array, to_numpy = namespace
    X, Y = _values((9, 4)), np.eye(3)[np.arange(9) % 3]
    weights = np.linspace(0.2, 2.0, 9)

    def gradient(namespace_or_none, convert):
        network = Network(
            [4, 6, 5, 3],
            [activation, "tanh"],
            "log_loss",
            dropout_rates=[0.3, 0.1],
            namespace=namespace_or_none,
        )
        network.initialize(np.random.RandomState(0), activation)
        loss = network.loss_and_gradient(
            convert(X),
            convert(Y),
            convert(weights),
            alpha=0.1,
            random_state=np.random.RandomState(1),
        )
        return loss, network

    loss, host = gradient(None, np.asarray)
    loss_other, other = gradient(xp, to_array)
    assert loss_other == pytest.approx(loss, rel=1e-12)
    assert array_namespace(other.params) is not NUMPY
    assert_allclose(to_numpy(other.grads), host.grads, **TOL)


def test_batches_gather_the_same_rows(namespace):
    _, to_array, to_numpy = namespace
    X, y = _values((11, 2)), np.arange(11.0)
    host = Batches([X, y, None], 4, np.random.RandomState(0))
    other = Batches([to_array(X), to_array(y), None], 4, np.random.RandomState(0))
    for _ in range(2):
        for (Xh, yh, wh), (Xo, yo, wo) in zip(host.epoch(), other.epoch(), strict=True):
            assert_allclose(to_numpy(Xo), Xh, rtol=0, atol=0)
            assert_allclose(to_numpy(yo), yh, rtol=0, atol=0)
            assert wh is None and wo is None


def test_a_network_pickles_with_its_library(namespace):
    xp, _, to_numpy = namespace
    network = Network([3, 4, 2], ["relu"], "log_loss", namespace=xp)
    network.initialize(np.random.RandomState(0), "relu")
    # Saved by its key in the table, not by a module's name.
    assert network.__getstate__()["xp"] in LIBRARIES
    loaded = pickle.loads(pickle.dumps(network))
    assert loaded.xp is network.xp
    assert isinstance(loaded.coefs[0], type(network.params))
    assert_allclose(to_numpy(loaded.params), to_numpy(network.params), rtol=0, atol=0)


# ----------------------------------------------------------------------
# The table of libraries
# ----------------------------------------------------------------------
@pytest.mark.parametrize("name", ["os", "skbackprop_no_such_module", "", 3, ["numpy"]])
def test_a_library_outside_the_table_is_refused_before_any_import(name):
    # A ValueError, not an ImportError: nothing was looked up but the table.
    with pytest.raises(ValueError, match=r"skbackprop\.core\.arrays\.LIBRARIES"):
        operations_for_library(name)


def test_a_library_of_the_table_loads_its_operations(namespace):
    xp, _, _ = namespace
    operations = operations_for(xp)
    assert operations.name in LIBRARIES
    assert operations_for_library(operations.name) is operations
    assert operations_for_library("numpy") is NUMPY


def test_every_namespace_of_one_library_shares_its_operations():
    vendored = pytest.importorskip(
        "sklearn.externals.array_api_compat.torch",
        reason="scikit-learn >= 1.7 ships its own array-api-compat",
    )
    assert operations_for(vendored) is operations_for(torch_namespace)
    assert operations_for(vendored).name == "torch"


@pytest.mark.parametrize("library", ["torch", "array_api_strict"])
def test_the_table_says_which_functions_write_into_out(library):
    """The fixed table against the library itself: out= where it says, only there."""
    xp = torch_namespace if library == "torch" else xps
    vector, square = (
        xp.asarray([0.5, 2.0]),
        xp.reshape(xp.asarray([1.0, 2, 3, 4]), (2, 2)),
    )
    arguments = {"matmul": (square, square), "clip": (vector, 0.6, 1.0)}
    two = ("add", "subtract", "multiply", "divide", "maximum", "minimum")
    writes = set()
    for name in sorted(_OUT_OPERATIONS):
        args = arguments.get(name, (vector, vector) if name in two else (vector,))
        function = getattr(xp, name)
        expected = function(*args)
        out = xp.zeros(expected.shape, dtype=expected.dtype)
        try:
            function(*args, out=out)
        except TypeError:  # no out= argument
            continue
        if bool(xp.all(out == expected)):
            writes.add(name)
    assert writes == set(LIBRARIES[library].writes_out)


def test_network_to_makes_a_copy_that_shares_nothing(namespace):
    xp, to_array, to_numpy = namespace
    X, Y = _values((9, 4)), np.eye(3)[np.arange(9) % 3]
    host = Network([4, 5, 3], ["tanh"], "log_loss", dropout_rates=[0.2])
    host.initialize(np.random.RandomState(0), "tanh")
    host.loss_and_gradient(X, Y, random_state=np.random.RandomState(1))
    other = host.to(xp)
    assert other.xp is operations_for(xp)
    assert_allclose(to_numpy(other.params), host.params, rtol=0, atol=0)
    assert_allclose(to_numpy(other.grads), host.grads, rtol=0, atol=0)
    assert other.dropout_rates == host.dropout_rates
    # Its views are of its own buffer, not the original's.
    other.coefs[0][...] = 0.0
    assert not np.any(to_numpy(other.params)[: 4 * 5])
    assert np.all(host.coefs[0] != 0.0)
    # Back on the host: the same numbers, in memory of its own.
    back = other.to(None)
    assert back.xp is NUMPY
    assert not np.shares_memory(back.params, host.params)
    back.coefs[0][...] = host.coefs[0]
    loss = host.loss_and_gradient(X, Y)
    assert back.loss_and_gradient(X, Y) == loss  # the same NumPy calls
    assert_allclose(back.grads, host.grads, rtol=0, atol=0)


def test_an_unknown_array_type_gets_a_message_that_says_what_to_do():
    class NotAnArray:
        shape = (2,)

    with pytest.raises(TypeError, match="operations_for"):
        array_namespace(NotAnArray())


def test_a_module_name_saved_by_0_1_0_maps_to_its_table_key():
    # 0.1.0 saved a network's library as its namespace module's name; only
    # the modules the table itself lists are mapped back to their key.
    for key, library in LIBRARIES.items():
        for module in library.modules:
            try:
                expected = operations_for_library(key)
            except ImportError:  # not installed here
                continue
            assert operations_for_library(module) is expected
    with pytest.raises(ValueError, match="not an array library"):
        operations_for_library("array_api_compat.numpy_but_not_listed")
