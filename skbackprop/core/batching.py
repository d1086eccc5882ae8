"""Mini-batch index generation.

One epoch visits every sample once, in batches of ``batch_size`` consecutive
positions of an index array; the last batch holds what remains. With
shuffling, the index array is permuted in place before each epoch, which
consumes the random state exactly as scikit-learn's MLP does.
"""

__all__ = ["batch_slices", "shuffle_in_place"]


def batch_slices(n_samples, batch_size):
    """Yield the slices of consecutive batches covering ``range(n_samples)``.

    Parameters
    ----------
    n_samples : int
        Number of samples in the epoch.
    batch_size : int
        Number of samples per batch; the last batch may be smaller.

    Yields
    ------
    batch : slice
        ``slice(start, stop)`` with ``stop - start <= batch_size``.

    Examples
    --------
    >>> list(batch_slices(7, 3))
    [slice(0, 3, None), slice(3, 6, None), slice(6, 7, None)]
    """
    for start in range(0, n_samples, batch_size):
        yield slice(start, min(start + batch_size, n_samples))


def shuffle_in_place(indices, random_state):
    """Permute an index array in place.

    Permuting in place the array left by the previous epoch (not a fresh
    ``arange``) is what scikit-learn's MLP does, so the same seed gives the
    same batches.

    Parameters
    ----------
    indices : ndarray of shape (n_samples,)
        Sample indices, permuted in place.
    random_state : numpy.random.RandomState
        Source of randomness.

    Returns
    -------
    indices : ndarray of shape (n_samples,)
        The same array.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.core.batching import shuffle_in_place
    >>> indices = np.arange(5)
    >>> shuffle_in_place(indices, np.random.RandomState(0))
    array([2, 0, 1, 3, 4])
    >>> indices
    array([2, 0, 1, 3, 4])
    """
    random_state.shuffle(indices)
    return indices
