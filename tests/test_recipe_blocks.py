"""The tabular recipe's building blocks, each against a reference.

Decoupled weight decay against ``torch.optim.AdamW`` step by step, the
cosine schedule against ``CosineAnnealingLR``, label smoothing against
``torch.nn.CrossEntropyLoss(label_smoothing=...)``, Mish against
``torch.nn.functional.mish``; finite differences for the smoothed losses
inside a network. Mish's finite-difference and ONNX checks run with every
registered activation (``tests/core/test_gradients.py``, ``tests/test_onnx.py``).
"""

import math

import numpy as np
import pytest

from skbackprop import MiniBatchMLPClassifier, MiniBatchMLPRegressor
from skbackprop.core import SGD, Adam, Network
from skbackprop.core.activations import Mish
from skbackprop.core.losses import BinaryCrossEntropy, SoftmaxCrossEntropy
from skbackprop.core.schedules import Cosine, Coslog4, FlatCosine, LinearWarmup

torch = pytest.importorskip("torch", reason="needs the [test] extra (torch)")


def _gradients(rng, n_steps, n):
    return [rng.normal(size=n) for _ in range(n_steps)]


@pytest.mark.parametrize("schedule", ["constant", "cosine"])
def test_adam_weight_decay_is_adamw_with_undecayed_biases(schedule):
    rng = np.random.RandomState(0)
    n_weights, n_biases, n_steps, lr, wd = 12, 4, 25, 0.05, 0.3
    start = rng.normal(size=n_weights + n_biases)
    grads = _gradients(rng, n_steps, start.size)

    ours = start.copy()
    rule = Cosine(lr) if schedule == "cosine" else None
    optimizer = Adam(
        learning_rate_init=lr,
        beta_1=0.9,
        beta_2=0.95,
        epsilon=1e-12,
        schedule=rule,
        weight_decay=wd,
        n_decayed=n_weights,
    )
    optimizer.schedule.start(n_steps)

    weights = torch.tensor(start[:n_weights].copy(), requires_grad=True)
    biases = torch.tensor(start[n_weights:].copy(), requires_grad=True)
    reference = torch.optim.AdamW(
        [{"params": [weights]}, {"params": [biases], "weight_decay": 0.0}],
        lr=lr,
        betas=(0.9, 0.95),
        eps=1e-12,
        weight_decay=wd,
    )
    scheduler = (
        torch.optim.lr_scheduler.CosineAnnealingLR(reference, T_max=n_steps)
        if schedule == "cosine"
        else None
    )
    for g in grads:
        optimizer.step(ours, g)
        weights.grad = torch.tensor(g[:n_weights])
        biases.grad = torch.tensor(g[n_weights:])
        reference.step()
        if scheduler is not None:
            scheduler.step()
        theirs = np.concatenate([weights.detach().numpy(), biases.detach().numpy()])
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


def test_weight_decay_zero_leaves_adam_bit_identical():
    rng = np.random.RandomState(1)
    start = rng.normal(size=10)
    grads = _gradients(rng, 5, 10)
    a, b = start.copy(), start.copy()
    plain, decayed = Adam(0.01), Adam(0.01, weight_decay=0.0, n_decayed=6)
    for g in grads:
        plain.step(a, g)
        decayed.step(b, g)
    assert np.array_equal(a, b)


def test_sgd_weight_decay_is_decoupled_and_spares_the_biases():
    rng = np.random.RandomState(2)
    params = rng.normal(size=8)
    grads = rng.normal(size=8)
    lr, wd, k = 0.1, 0.5, 5
    expected = params.copy()
    expected[:k] *= 1 - lr * wd  # decay first, apart from the gradient
    expected -= lr * grads  # then plain SGD (no momentum)
    SGD(lr, momentum=0.0, weight_decay=wd, n_decayed=k).step(params, grads)
    np.testing.assert_allclose(params, expected, rtol=1e-15)


def test_estimator_decays_weights_not_biases():
    # With zero inputs the data gradient of the first layer's weights is
    # zero: only the decay moves them, by 1 - eta * lambda per step. (Which
    # entries decay, the weights and not the biases, is the optimizer's
    # n_decayed, checked against AdamW above.)
    X = np.zeros((16, 3))
    y = np.zeros(16)
    reg = MiniBatchMLPRegressor(
        hidden_layer_sizes=(4,),
        solver="sgd",
        momentum=0.0,
        learning_rate_init=0.1,
        weight_decay=0.5,
        alpha=0.0,
        batch_size=16,
        max_iter=3,
        random_state=0,
    )
    first = MiniBatchMLPRegressor(**{**reg.get_params(), "max_iter": 1})
    with pytest.warns(Warning):
        first.fit(X, y)
    W0 = [W.copy() for W in first.coefs_]
    first.set_params(warm_start=True, max_iter=1)
    with pytest.warns(Warning):
        first.fit(X, y)
    np.testing.assert_allclose(first.coefs_[0], W0[0] * (1 - 0.1 * 0.5), rtol=1e-12)
    assert first._optimizer.n_decayed == first._network.n_coefs


@pytest.mark.parametrize("horizon", [1, 7, 40])
def test_cosine_is_torch_cosine_annealing(horizon):
    lr = 0.3
    ours = Cosine(lr)
    ours.start(horizon)
    param = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([param], lr=lr)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=horizon)
    for _ in range(horizon + 1):
        expected = opt.param_groups[0]["lr"]
        assert ours.next_rate() == pytest.approx(expected, rel=1e-12, abs=1e-15)
        opt.step()
        scheduler.step()


def test_estimator_schedule_spans_max_iter_epochs_of_batches():
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(50, 3)), rng.normal(size=50)
    reg = MiniBatchMLPRegressor(
        hidden_layer_sizes=(4,),
        learning_rate="cosine",
        batch_size=10,
        max_iter=4,
        tol=0,
        n_iter_no_change=np.inf,
        random_state=0,
    )
    with pytest.warns(Warning):
        reg.fit(X, y)
    schedule = reg._optimizer.schedule
    assert schedule.horizon == 4 * 5 and schedule.steps == 20
    # The last step's rate is the cosine's at 19/20 of the run.
    expected = 0.001 * 0.5 * (1 + math.cos(math.pi * 19 / 20))
    assert schedule.learning_rate == pytest.approx(expected, rel=1e-12)


def test_coslog4_is_realmlps_formula():
    horizon = 15 * 64  # the cycle ends fall on whole steps
    schedule = Coslog4(1.0)
    schedule.start(horizon)
    for k in range(0, horizon + 1, 37):
        t = k / horizon
        expected = 0.5 * (1 - np.cos(2 * np.pi * np.log2(1 + 15 * t)))
        assert schedule.rate(k) == pytest.approx(expected, abs=1e-12)
    # Zero at the cycle ends 1 + 15 t = 1, 2, 4, 8, 16; one between them.
    ends = [schedule.rate((2**c - 1) * 64) for c in range(5)]
    np.testing.assert_allclose(ends, 0.0, atol=1e-12)
    peak = schedule.rate(round(horizon * (2**0.5 - 1) / 15))
    assert peak == pytest.approx(1, abs=1e-3)  # the nearest whole step


def test_flat_cos_and_warmup():
    flat = FlatCosine(2.0)
    flat.start(100)
    assert [flat.rate(k) for k in (0, 50)] == [2.0, 2.0]
    assert flat.rate(75) == pytest.approx(1.0) and flat.rate(100) == pytest.approx(0)
    warm = Cosine(1.0, warmup_fraction=0.1)
    warm.start(100)
    # Linear over the first 10 steps, times the cosine.
    for k in range(10):
        cosine = 0.5 * (1 + math.cos(math.pi * k / 100))
        assert warm.rate(k) == pytest.approx((k + 1) / 10 * cosine)
    assert warm.rate(10) == pytest.approx(0.5 * (1 + math.cos(math.pi * 0.1)))
    plain = LinearWarmup(1.0, warmup_fraction=0.0)
    plain.start(10)
    assert plain.rate(0) == 1.0


def test_new_schedules_apply_to_sgd_and_adam():
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(40, 3)), rng.normal(size=40)
    for solver in ("sgd", "adam"):
        reg = MiniBatchMLPRegressor(
            hidden_layer_sizes=(4,),
            solver=solver,
            learning_rate="coslog4",
            learning_rate_init=0.01,
            max_iter=3,
            random_state=0,
        )
        with pytest.warns(Warning):
            reg.fit(X, y)
        assert isinstance(reg._optimizer.schedule, Coslog4)


@pytest.mark.parametrize("n_classes", [2, 3, 5])
def test_label_smoothing_is_torch_cross_entropy(n_classes):
    rng = np.random.RandomState(n_classes)
    eps = 0.1
    Z = rng.normal(size=(9, n_classes)) * 2
    labels = rng.randint(0, n_classes, size=9)
    Y = np.eye(n_classes)[labels]
    loss = SoftmaxCrossEntropy(label_smoothing=eps)
    delta = np.empty_like(Z)
    value = loss.value_and_delta(Z, Y, None, out=delta)

    logits = torch.tensor(Z, requires_grad=True)
    reference = torch.nn.CrossEntropyLoss(label_smoothing=eps, reduction="sum")(
        logits, torch.tensor(labels)
    )
    reference.backward()
    assert value == pytest.approx(reference.item(), rel=1e-12)
    np.testing.assert_allclose(delta, logits.grad.numpy(), rtol=1e-10, atol=1e-14)
    assert loss.value(Z, Y) == pytest.approx(reference.item(), rel=1e-12)


@pytest.mark.parametrize("n_outputs", [1, 3])
def test_binary_label_smoothing_is_bce_on_smoothed_targets(n_outputs):
    rng = np.random.RandomState(n_outputs)
    eps = 0.2
    Z = rng.normal(size=(8, n_outputs)) * 3
    Y = rng.randint(0, 2, size=(8, n_outputs)).astype(float)
    loss = BinaryCrossEntropy(label_smoothing=eps)
    delta = np.empty_like(Z)
    value = loss.value_and_delta(Z, Y, None, out=delta)
    logits = torch.tensor(Z, requires_grad=True)
    target = torch.tensor(Y * (1 - eps) + eps / 2)
    reference = torch.nn.BCEWithLogitsLoss(reduction="sum")(logits, target)
    reference.backward()
    assert value == pytest.approx(reference.item(), rel=1e-12)
    np.testing.assert_allclose(delta, logits.grad.numpy(), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("loss", ["log_loss", "binary_log_loss"])
def test_smoothed_loss_gradient_by_finite_differences(loss):
    rng = np.random.RandomState(0)
    n_out = 3
    net = Network([4, 5, n_out], ["tanh"], loss)
    net.loss = type(net.loss)(label_smoothing=0.15)
    net.params[:] = rng.normal(size=net.params.size) * 0.5
    X = rng.normal(size=(6, 4))
    if loss == "log_loss":
        Y = np.eye(n_out)[rng.randint(0, n_out, size=6)]
    else:
        Y = rng.randint(0, 2, size=(6, n_out)).astype(float)
    net.loss_and_gradient(X, Y)
    analytic = net.grads.copy()
    numeric = np.empty_like(analytic)
    start = net.params.copy()
    for i in range(start.size):
        for sign in (1, -1):
            net.params[:] = start
            net.params[i] += sign * 1e-6
            value = net.loss_and_gradient(X, Y)
            numeric[i] = value if sign == 1 else (numeric[i] - value) / 2e-6
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)


def test_label_smoothing_through_the_classifier():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 4))
    y = rng.randint(0, 3, size=60)
    clf = MiniBatchMLPClassifier(
        hidden_layer_sizes=(8,), label_smoothing=0.2, max_iter=5, random_state=0
    )
    with pytest.warns(Warning):
        clf.fit(X, y)
    assert clf._network.loss == SoftmaxCrossEntropy(label_smoothing=0.2)
    # Smoothing caps the confidence the loss rewards: a pushed-up logit
    # lowers the loss of a smoothed target less than of a one-hot one.
    with pytest.raises(ValueError, match="label_smoothing"):
        MiniBatchMLPClassifier(label_smoothing=1.0).fit(X, y)


def test_mish_is_torchs():
    Z = np.linspace(-6, 6, 41).reshape(1, -1)
    A = Mish().forward(Z.copy())
    z = torch.tensor(Z, requires_grad=True)
    a = torch.nn.functional.mish(z)
    np.testing.assert_allclose(A, a.detach().numpy(), rtol=1e-12, atol=1e-15)
    a.sum().backward()
    delta = np.ones_like(Z)
    Mish().derivative(A, delta, Z)
    np.testing.assert_allclose(delta, z.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_zero_output_init_starts_at_zero_and_trains():
    rng = np.random.RandomState(0)
    net = Network([6, 50, 3], ["selu"], "log_loss")
    net.initialize(rng, "selu", scheme="zero_output")
    assert not np.any(net.coefs[-1]) and not np.any(net.intercepts[-1])
    # The hidden layer is LeCun-normal: variance 1 / fan_in.
    assert net.coefs[0].var() * 6 == pytest.approx(1, rel=0.25)
    X = rng.normal(size=(30, 6))
    y = rng.randint(0, 3, size=30)
    clf = MiniBatchMLPClassifier(
        hidden_layer_sizes=(16,),
        weight_init="zero_output",
        max_iter=30,
        random_state=0,
        learning_rate_init=0.01,
    )
    with pytest.warns(Warning):
        clf.fit(X, y)
    assert np.any(clf.coefs_[-1]) and clf.score(X, y) > 0.5


def test_defaults_leave_training_bit_identical():
    # The new parameters at their defaults change nothing.
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(50, 4)), rng.randint(0, 3, size=50)
    kwargs = {"hidden_layer_sizes": (8,), "max_iter": 5, "random_state": 0}
    with pytest.warns(Warning):
        a = MiniBatchMLPClassifier(**kwargs).fit(X, y)
    with pytest.warns(Warning):
        b = MiniBatchMLPClassifier(
            **kwargs, label_smoothing=0.0, weight_decay=0.0, warmup_fraction=0.0
        ).fit(X, y)
    for Wa, Wb in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_, strict=True):
        assert np.array_equal(Wa, Wb)
