"""How many BLAS threads training uses, chosen from the layer sizes.

On a busy machine, OpenBLAS threads that wait for a core make matrix
products slower than one thread does (measured on 2 cores with the other
core loaded: up to 30x for digits-sized products, 1.7x for MNIST-sized
ones), while on an idle machine large products gain from threads (1.5x for
MNIST-sized ones). So training uses one thread when a batch's largest
product is small, where threads gain little even when the machine is idle;
for large products it asks the machine, at every epoch: a short probe
times one product with one thread and with the current limit, and keeps
one thread when more are plainly slower (a busy machine); the answer is
kept for a second. The limit is never raised, so that inside
``GridSearchCV(n_jobs=k)`` workers, whose limits joblib lowers, the cores
are not oversubscribed. See docs/performance.md for the measurements.
"""

import operator
import time
from contextlib import nullcontext

import numpy as np
from threadpoolctl import ThreadpoolController

#: A batch whose largest matrix product needs fewer floating-point operations
#: than this trains with one BLAS thread (see ``benchmarks/``).
SMALL_PRODUCT_FLOPS = 8e6
#: Below this, OpenBLAS computes a product on one thread by itself (measured:
#: the same time with 1 and 2 threads, idle or busy), so no limit is set and
#: a one-row ``partial_fit`` does not pay for setting it.
TINY_PRODUCT_FLOPS = 2e5

#: How long the probe's answer stands, in seconds.
PROBE_SECONDS = 1.0

_controller = None
_probe = {"time": -np.inf, "busy": False}


def blas_thread_limit(layer_units, batch_size):
    """BLAS thread limit for training, or None to leave the current one.

    Parameters
    ----------
    layer_units : list of int
        Layer sizes, input and output included.
    batch_size : int
        Rows per batch.

    Returns
    -------
    limit : int or None
        1 for networks whose largest per-batch product is small, and for
        large ones on a busy machine; else None.
    """
    largest = 2 * batch_size * max(map(operator.mul, layer_units, layer_units[1:]))
    if largest < TINY_PRODUCT_FLOPS:
        return None
    if largest < SMALL_PRODUCT_FLOPS:
        return 1
    return 1 if cores_are_busy() else None


def cores_are_busy():
    """Whether more BLAS threads are slower than one right now.

    Times a 256 x 256 float64 product (33 MFLOP, about a millisecond) with
    one thread and then with the current limit, up to three times. On an
    idle machine more threads take about half the time, rarely more than
    one thread; when another process holds their cores, the threads that
    wait for them make a product several times slower, though now and then
    one slips through at full speed. So one product taking more than 1.5x
    the single-threaded time is taken as a busy machine. It costs about
    4 ms on an idle machine and less on a busy one (it stops at the first
    slow product); the answer is kept for ``PROBE_SECONDS``.
    """
    now = time.monotonic()
    if now - _probe["time"] < PROBE_SECONDS:
        return _probe["busy"]
    a = np.full((256, 256), 0.5)
    out = np.empty_like(a)
    busy = False
    for _ in range(3):
        with limited_blas_threads(1):
            single = _seconds(np.matmul, a, a, out=out)
        if _seconds(np.matmul, a, a, out=out) > 1.5 * single:
            busy = True
            break
    _probe.update(time=time.monotonic(), busy=busy)
    return busy


def _seconds(function, *args, **kwargs):
    start = time.perf_counter()
    function(*args, **kwargs)
    return time.perf_counter() - start


def limited_blas_threads(limit):
    """Context manager that caps BLAS threads at ``limit`` (None: no cap)."""
    global _controller
    if limit is None:
        return nullcontext()
    if _controller is None:
        # Inspecting the loaded libraries takes ~100 us: do it once.
        _controller = ThreadpoolController()
    return _controller.limit(limits=limit, user_api="blas")
