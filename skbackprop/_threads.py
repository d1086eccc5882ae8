"""How many BLAS threads training uses, chosen from the layer sizes.

On a busy machine, OpenBLAS threads that wait for a core make small matrix
products many times slower than one thread does (measured on 2 cores with the
other core loaded: 2.6 MFLOP products 30x slower per epoch of digits). Large
products gain from threads on an idle machine (1.8x at 100 MFLOP). So
training uses one thread when a batch's largest product is small, and
otherwise leaves the limit as it is: never raising it, so that inside
``GridSearchCV(n_jobs=k)`` workers, whose limits joblib lowers, the cores are
not oversubscribed.
"""

from contextlib import nullcontext

from threadpoolctl import ThreadpoolController

#: A batch whose largest matrix product needs fewer floating-point operations
#: than this trains with one BLAS thread (see ``benchmarks/``).
SMALL_PRODUCT_FLOPS = 8e6
#: Below this, OpenBLAS computes a product on one thread by itself (measured:
#: the same time with 1 and 2 threads, idle or busy), so no limit is set and
#: a one-row ``partial_fit`` does not pay for setting it.
TINY_PRODUCT_FLOPS = 2e5

_controller = None


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
        1 for networks whose largest per-batch product is small, else None.
    """
    largest = max(
        2 * batch_size * fan_in * fan_out
        for fan_in, fan_out in zip(layer_units[:-1], layer_units[1:], strict=True)
    )
    return 1 if TINY_PRODUCT_FLOPS <= largest < SMALL_PRODUCT_FLOPS else None


def limited_blas_threads(limit):
    """Context manager that caps BLAS threads at ``limit`` (None: no cap)."""
    global _controller
    if limit is None:
        return nullcontext()
    if _controller is None:
        # Inspecting the loaded libraries takes ~100 us: do it once.
        _controller = ThreadpoolController()
    return _controller.limit(limits=limit, user_api="blas")
