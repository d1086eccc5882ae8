"""SGD and Adam on a flat vector, bit for bit against scikit-learn's optimizers."""

import pickle

import numpy as np
import pytest
from sklearn.neural_network._stochastic_optimizers import AdamOptimizer, SGDOptimizer

from skbackprop.core.optimizers import SGD, Adam
from skbackprop.core.schedules import SCHEDULES

LAYER_UNITS = [4, 5, 3, 2]
N_STEPS = 20


def _sgd(learning_rate_init=0.1, lr_schedule="constant", power_t=0.5, **options):
    """Our SGD with the schedule scikit-learn's ``lr_schedule`` names."""
    params = {"learning_rate_init": learning_rate_init, "power_t": power_t}
    return SGD(schedule=SCHEDULES[lr_schedule].from_params(params), **options)


def _split(flat):
    """Per-layer views of a flat vector: all weights, then all biases."""
    coefs, intercepts, start = [], [], 0
    for fan_in, fan_out in zip(LAYER_UNITS[:-1], LAYER_UNITS[1:], strict=True):
        coefs.append(flat[start : start + fan_in * fan_out].reshape(fan_in, fan_out))
        start += fan_in * fan_out
    for fan_out in LAYER_UNITS[1:]:
        intercepts.append(flat[start : start + fan_out])
        start += fan_out
    assert start == flat.size
    return coefs + intercepts


def _n_params():
    return sum(
        a * b for a, b in zip(LAYER_UNITS[:-1], LAYER_UNITS[1:], strict=True)
    ) + sum(LAYER_UNITS[1:])


def _concatenate(arrays):
    return np.concatenate([a.ravel() for a in arrays])


def _gradients(seed, n_steps=N_STEPS, dtype=np.float64):
    rng = np.random.RandomState(seed)
    # Varying scales exercise Adam's normalisation.
    return [
        (rng.normal(size=_n_params()) * 10.0 ** rng.uniform(-3, 1)).astype(dtype)
        for _ in range(n_steps)
    ]


def _run_side_by_side(ours, make_theirs, seed, hook=None, dtype=np.float64, rtol=None):
    """Apply the same gradients to both optimizers; compare after every step.

    Bitwise unless ``rtol`` is given.
    """
    rng = np.random.RandomState(seed)
    params = rng.normal(size=_n_params()).astype(dtype)
    their_params = params.copy()
    their_list = _split(their_params)  # views: sklearn updates their_params
    theirs = make_theirs(their_list)
    for step, grad in enumerate(_gradients(seed + 1, dtype=dtype)):
        ours.step(params, grad.copy())
        theirs.update_params(their_list, _split(grad.copy()))
        if rtol is None:
            np.testing.assert_array_equal(params, their_params)
        else:
            np.testing.assert_allclose(params, their_params, rtol=rtol)
        np.testing.assert_array_equal(their_params, _concatenate(their_list))
        assert ours.learning_rate == theirs.learning_rate
        if hook is not None:
            hook(step, ours, theirs)
    assert params.dtype == dtype
    # Parameters actually moved.
    start = np.random.RandomState(seed).normal(size=_n_params()).astype(dtype)
    assert not np.array_equal(params, start)
    return params


@pytest.mark.parametrize("learning_rate_init", [0.1, 0.013])
@pytest.mark.parametrize("nesterov", [True, False], ids=["nesterov", "classical"])
@pytest.mark.parametrize("momentum", [0.0, 0.5, 0.9])
@pytest.mark.parametrize("lr_schedule", ["constant", "invscaling", "adaptive"])
def test_sgd_matches_sklearn_bitwise(
    lr_schedule, momentum, nesterov, learning_rate_init
):
    kwargs = dict(
        learning_rate_init=learning_rate_init,
        lr_schedule=lr_schedule,
        momentum=momentum,
        nesterov=nesterov,
        power_t=0.3,
    )
    ours = _sgd(**kwargs)

    def epoch_end(step, ours, theirs):
        # Every fifth step ends an epoch of 16 samples; every seventh plateaus.
        if step % 5 == 4:
            ours.iteration_ends((step + 1) * 16)
            theirs.iteration_ends((step + 1) * 16)
        if step % 7 == 6:
            assert ours.on_plateau() == theirs.trigger_stopping("", verbose=False)
        assert ours.learning_rate == theirs.learning_rate

    params = _run_side_by_side(
        ours, lambda p: SGDOptimizer(p, **kwargs), seed=7, hook=epoch_end
    )
    assert ours.velocity.shape == params.shape
    if lr_schedule != "constant":
        assert ours.learning_rate != learning_rate_init


@pytest.mark.parametrize(
    ("learning_rate_init", "beta_1", "beta_2", "epsilon"),
    [
        (0.001, 0.9, 0.999, 1e-8),
        (0.01, 0.8, 0.99, 1e-6),
        (0.3, 0.5, 0.9, 1e-3),
        (0.05, 0.0, 0.0, 1e-8),
    ],
)
def test_adam_matches_sklearn_bitwise(learning_rate_init, beta_1, beta_2, epsilon):
    kwargs = dict(
        learning_rate_init=learning_rate_init,
        beta_1=beta_1,
        beta_2=beta_2,
        epsilon=epsilon,
    )
    ours = Adam(**kwargs)

    def check_state(step, ours, theirs):
        assert ours.t == theirs.t == step + 1
        np.testing.assert_array_equal(ours.m, _concatenate(theirs.ms))
        np.testing.assert_array_equal(ours.v, _concatenate(theirs.vs))
        ours.iteration_ends(step)
        theirs.iteration_ends(step)
        assert ours.learning_rate == theirs.learning_rate

    _run_side_by_side(
        ours, lambda p: AdamOptimizer(p, **kwargs), seed=11, hook=check_state
    )
    assert ours.on_plateau() is True
    assert ours.on_plateau() == AdamOptimizer([np.zeros(2)]).trigger_stopping("", False)


@pytest.mark.parametrize("nesterov", [True, False], ids=["nesterov", "classical"])
@pytest.mark.parametrize("lr_schedule", ["constant", "invscaling"])
def test_sgd_matches_sklearn_bitwise_in_float32(lr_schedule, nesterov):
    kwargs = dict(learning_rate_init=0.03, lr_schedule=lr_schedule, nesterov=nesterov)

    def epoch_end(step, ours, theirs):
        if step % 5 == 4:
            ours.iteration_ends((step + 1) * 16)
            theirs.iteration_ends((step + 1) * 16)

    _run_side_by_side(
        _sgd(**kwargs),
        lambda p: SGDOptimizer(p, **kwargs),
        seed=13,
        hook=epoch_end,
        dtype=np.float32,
    )


def test_adam_float32_within_rounding_of_sklearn():
    # In float32 our Adam step stays in float32; scikit-learn's promotes
    # -lr * m / (sqrt(v) + eps) to float64 (lr is a float64 scalar) and rounds
    # once. The two agree to a few float32 ulps, not bitwise.
    _run_side_by_side(
        Adam(0.01),
        lambda p: AdamOptimizer(p, 0.01),
        seed=17,
        dtype=np.float32,
        rtol=1e-5,
    )


@pytest.mark.parametrize("power_t", [0.5, 0.25, 1.0])
@pytest.mark.parametrize("learning_rate_init", [0.1, 0.7])
def test_invscaling_iteration_ends_matches_sklearn(learning_rate_init, power_t):
    ours = _sgd(learning_rate_init, lr_schedule="invscaling", power_t=power_t)
    theirs = SGDOptimizer(
        [np.zeros(3)],
        learning_rate_init=learning_rate_init,
        lr_schedule="invscaling",
        power_t=power_t,
    )
    for time_step in [0, 1, 10, 200, 1000, 12345, 10**7]:
        ours.iteration_ends(time_step)
        theirs.iteration_ends(time_step)
        assert ours.learning_rate == theirs.learning_rate
        assert ours.learning_rate == learning_rate_init / (time_step + 1) ** power_t
    assert ours.learning_rate < learning_rate_init


@pytest.mark.parametrize("lr_schedule", ["constant", "adaptive"])
def test_iteration_ends_leaves_other_schedules_alone(lr_schedule):
    ours = _sgd(0.1, lr_schedule=lr_schedule)
    ours.iteration_ends(1000)
    assert ours.learning_rate == 0.1


@pytest.mark.parametrize("learning_rate_init", [0.1, 1.0, 3e-6])
def test_adaptive_on_plateau_matches_sklearn(learning_rate_init):
    ours = _sgd(learning_rate_init, lr_schedule="adaptive")
    theirs = SGDOptimizer(
        [np.zeros(3)], learning_rate_init=learning_rate_init, lr_schedule="adaptive"
    )
    decisions = []
    for _ in range(30):
        stop = ours.on_plateau()
        assert stop == theirs.trigger_stopping("", verbose=False)
        assert ours.learning_rate == theirs.learning_rate
        decisions.append(stop)
        if stop:
            break
    # Divide by 5 until the rate is at most 1e-6, then stop.
    n_divisions = int(np.ceil(np.log(learning_rate_init / 1e-6) / np.log(5)))
    assert decisions == [False] * n_divisions + [True]
    assert ours.learning_rate <= 1e-6
    assert ours.learning_rate * 5 > 1e-6
    # Once stopped it keeps saying stop, and no longer changes the rate.
    rate = ours.learning_rate
    assert ours.on_plateau() is True
    assert ours.learning_rate == rate


@pytest.mark.parametrize("lr_schedule", ["constant", "invscaling"])
def test_non_adaptive_sgd_stops_on_plateau(lr_schedule):
    ours = _sgd(0.1, lr_schedule=lr_schedule)
    theirs = SGDOptimizer(
        [np.zeros(3)], learning_rate_init=0.1, lr_schedule=lr_schedule
    )
    assert ours.on_plateau() is True
    assert theirs.trigger_stopping("", verbose=False) is True
    assert ours.learning_rate == 0.1


def _optimizers():
    return {
        "sgd-nesterov": lambda: SGD(0.05, momentum=0.9, nesterov=True),
        "sgd-classical": lambda: SGD(0.05, momentum=0.7, nesterov=False),
        "sgd-invscaling": lambda: _sgd(0.05, lr_schedule="invscaling"),
        "adam": lambda: Adam(0.01),
    }


@pytest.mark.parametrize("name", list(_optimizers()))
def test_pickle_mid_way_continues_bitwise(name):
    make = _optimizers()[name]
    gradients = _gradients(seed=3, n_steps=16)
    start = np.random.RandomState(4).normal(size=_n_params())

    def run(optimizer, params, grads):
        for grad in grads:
            optimizer.step(params, grad)

    reference, reference_params = make(), start.copy()
    run(reference, reference_params, gradients[:7])
    reference.iteration_ends(70)
    run(reference, reference_params, gradients[7:])

    first, first_params = make(), start.copy()
    run(first, first_params, gradients[:7])
    first.iteration_ends(70)
    restored = pickle.loads(pickle.dumps(first))
    restored_params = first_params.copy()
    assert restored is not first
    assert restored.learning_rate == first.learning_rate
    run(restored, restored_params, gradients[7:])
    run(first, first_params, gradients[7:])

    np.testing.assert_array_equal(restored_params, reference_params)
    np.testing.assert_array_equal(first_params, reference_params)
    assert restored.learning_rate == reference.learning_rate


@pytest.mark.parametrize("name", list(_optimizers()))
def test_pickled_state_is_independent(name):
    opt = _optimizers()[name]()
    params = np.zeros(_n_params())
    for grad in _gradients(seed=5, n_steps=3):
        opt.step(params, grad)
    restored = pickle.loads(pickle.dumps(opt))
    state_names = ["velocity"] if isinstance(opt, SGD) else ["m", "v"]
    for state in state_names:
        original_state = getattr(opt, state)
        restored_state = getattr(restored, state)
        np.testing.assert_array_equal(restored_state, original_state)
        assert not np.shares_memory(restored_state, original_state)
    # Steps on the copy leave the original's state untouched.
    before = {state: getattr(opt, state).copy() for state in state_names}
    restored.step(params.copy(), np.ones(_n_params()))
    for state in state_names:
        np.testing.assert_array_equal(getattr(opt, state), before[state])


@pytest.mark.parametrize("name", list(_optimizers()))
def test_step_updates_in_place_and_keeps_grads(name):
    opt = _optimizers()[name]()
    params = np.random.RandomState(6).normal(size=_n_params())
    grads = np.random.RandomState(7).normal(size=_n_params())
    params_id, grads_before = id(params), grads.copy()
    before = params.copy()
    opt.step(params, grads)
    assert id(params) == params_id
    np.testing.assert_array_equal(grads, grads_before)
    assert np.all(params != before)
    # A descent step: against the gradient.
    assert np.all(np.sign(params - before) == -np.sign(grads))


def test_sgd_float32_keeps_dtype():
    params = np.ones(5, dtype=np.float32)
    opt = SGD(0.1)
    opt.step(params, np.full(5, 2.0, dtype=np.float32))
    assert params.dtype == np.float32
    assert opt.velocity.dtype == np.float32
    # First Nesterov step: v = -0.2, update = 0.9 v - 0.2 = -0.38.
    np.testing.assert_allclose(params, 1 - 0.38, rtol=1e-6)


def test_adam_float32_keeps_dtype():
    params = np.ones(5, dtype=np.float32)
    opt = Adam(0.1)
    opt.step(params, np.full(5, 2.0, dtype=np.float32))
    assert params.dtype == np.float32
    assert opt.m.dtype == opt.v.dtype == np.float32
    # First Adam step moves each parameter by about learning_rate_init.
    np.testing.assert_allclose(params, 0.9, rtol=1e-6)
