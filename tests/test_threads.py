"""BLAS threads during training: one for small products, never more than allowed."""

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from skbackprop import MiniBatchMLPClassifier, _threads
from skbackprop._threads import blas_thread_limit
from skbackprop.core import Network


@pytest.mark.parametrize("busy", [False, True])
@pytest.mark.parametrize(
    "layer_units, batch_size, idle, busy_limit",
    [
        ([64, 100, 10], 200, 1, 1),  # digits: 2.6 MFLOP products
        ([100, 64, 1], 32, 1, 1),  # small-batch stream: 0.4 MFLOP
        ([784, 256, 128, 10], 256, None, 1),  # MNIST-sized: 103 MFLOP
        ([20, 32, 1], 1, None, None),  # one row: OpenBLAS stays on one thread
    ],
)
def test_thread_limit_follows_the_largest_product_and_the_machine(
    monkeypatch, layer_units, batch_size, idle, busy_limit, busy
):
    monkeypatch.setattr(_threads, "cores_are_busy", lambda: busy)
    expected = busy_limit if busy else idle
    assert blas_thread_limit(layer_units, batch_size) == expected


def test_the_probe_compares_one_thread_with_the_current_limit(monkeypatch):
    timings = iter([1.0, 0.5, 1.0, 1.4, 1.0, 0.5])  # single, multi, ...
    monkeypatch.setattr(_threads, "_seconds", lambda *a, **k: next(timings))
    monkeypatch.setitem(_threads._probe, "time", -np.inf)
    assert _threads.cores_are_busy() is False  # never 1.5x slower: idle
    # The answer stands for PROBE_SECONDS: no new timing is asked for.
    monkeypatch.setattr(_threads, "_seconds", lambda *a, **k: 1 / 0)
    assert _threads.cores_are_busy() is False
    # One product plainly slower with threads: a busy machine, no more asked.
    timings = iter([1.0, 0.5, 1.0, 3.0])
    monkeypatch.setattr(_threads, "_seconds", lambda *a, **k: next(timings))
    monkeypatch.setitem(_threads._probe, "time", -np.inf)
    assert _threads.cores_are_busy() is True


def _blas_threads_seen_in_training(monkeypatch, model, X, y):
    seen = []
    original = Network.loss_and_gradient

    def spy(self, *args, **kwargs):
        seen.append(
            max(p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas")
        )
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Network, "loss_and_gradient", spy)
    model.fit(X, y)
    return set(seen)


def test_small_network_trains_on_one_thread(monkeypatch):
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(400, 64)), rng.randint(0, 10, 400)
    model = MiniBatchMLPClassifier(hidden_layer_sizes=(100,), max_iter=1)
    with threadpool_limits(2, user_api="blas"):
        assert _blas_threads_seen_in_training(monkeypatch, model, X, y) == {1}
        # The caller's limit is restored afterwards.
        assert all(
            p["num_threads"] == 2 for p in threadpool_info() if p["user_api"] == "blas"
        )


def test_large_network_keeps_the_callers_lower_limit(monkeypatch):
    # As inside a GridSearchCV(n_jobs=k) worker: the limit is never raised.
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(256, 784)), rng.randint(0, 10, 256)
    model = MiniBatchMLPClassifier(hidden_layer_sizes=(256,), max_iter=1)
    with threadpool_limits(1, user_api="blas"):
        assert _blas_threads_seen_in_training(monkeypatch, model, X, y) == {1}


def test_each_epoch_asks_for_its_thread_limit(monkeypatch):
    # A large network follows the machine's load from epoch to epoch.
    answers = iter([True, False, True])
    monkeypatch.setattr(_threads, "cores_are_busy", lambda: next(answers))
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(256, 784)), rng.randint(0, 10, 256)
    model = MiniBatchMLPClassifier(
        hidden_layer_sizes=(256,), max_iter=3, tol=0, n_iter_no_change=10
    )
    with threadpool_limits(2, user_api="blas"):
        seen = []
        original = Network.loss_and_gradient

        def spy(self, *args, **kwargs):
            seen.append(
                max(
                    p["num_threads"]
                    for p in threadpool_info()
                    if p["user_api"] == "blas"
                )
            )
            return original(self, *args, **kwargs)

        monkeypatch.setattr(Network, "loss_and_gradient", spy)
        with pytest.warns(Warning):  # max_iter reached
            model.fit(X, y)
    assert seen == [1, 1, 2, 2, 1, 1]  # two batches of 200 and 56 per epoch
