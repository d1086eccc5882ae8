"""Mini-batch index generation.

One epoch visits every sample once, in batches of ``batch_size`` consecutive
positions of an index array; the last batch holds what remains. With
shuffling, the index array is permuted in place before each epoch, which
consumes the random state exactly as scikit-learn's MLP does.
:class:`Batches` puts the two together for a training loop and gathers the
rows of each shuffled batch into buffers it reuses all epoch.
"""

import numpy as np

from skbackprop.core.arrays import array_namespace, is_sparse

__all__ = ["Batches", "batch_slices", "shuffle_in_place"]


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


class Batches:
    """The mini-batches of every epoch over the same arrays.

    Parameters
    ----------
    arrays : list of (array, sparse matrix or None)
        Arrays with ``n_samples`` rows each (``X``, ``Y``, sample weights),
        batched together; a None (not the first) stays None in every batch.
        The arrays may
        be of any namespace of :mod:`skbackprop.core.arrays`, all on one
        device; the order is drawn on the host all the same, so a random
        state gives the same batches everywhere.
    batch_size : int
        Rows per batch; the last batch of an epoch may be smaller.
    random_state : numpy.random.RandomState or None
        Shuffles the samples before each epoch; None keeps their order.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.core.batching import Batches
    >>> X, y = np.arange(10.0).reshape(5, 2), np.arange(5.0)
    >>> for X_batch, y_batch, w_batch in Batches([X, y, None], 2, None).epoch():
    ...     print(X_batch.shape, y_batch, w_batch)
    (2, 2) [0. 1.] None
    (2, 2) [2. 3.] None
    (1, 2) [4.] None
    """

    def __init__(self, arrays, batch_size, random_state):
        self.arrays = arrays
        self.n_samples = arrays[0].shape[0]  # the first array is never None
        self.batch_size = batch_size
        self.random_state = random_state
        self._order = np.arange(self.n_samples)
        if random_state is None:
            return
        # Shuffled rows are gathered into these, reused every batch; sparse
        # rows are copied by indexing (no out= there), and None stays None.
        self._xp = self._device = None
        self._buffers = []
        for array in arrays:
            buffer = None
            if array is not None and not is_sparse(array):
                if self._xp is None:
                    self._xp = array_namespace(array)
                    self._device = self._xp.device(array)
                shape = (batch_size, *array.shape[1:])
                buffer = self._xp.empty(shape, dtype=array.dtype, device=self._device)
            self._buffers.append(buffer)

    def epoch(self):
        """Yield the batches of one epoch.

        Yields
        ------
        batch : tuple of (ndarray, sparse matrix or None)
            The rows of each array (None stays None). Shuffled batches are
            buffers that the next batch overwrites.
        """
        arrays = self.arrays
        if self.random_state is None:
            for batch in batch_slices(self.n_samples, self.batch_size):
                yield [None if a is None else a[batch, ...] for a in arrays]
            return
        order = shuffle_in_place(self._order, self.random_state)
        xp = self._xp
        # The order goes to the arrays' device once an epoch (for NumPy
        # arrays it is the same array).
        device_order = order if xp is None else xp.asarray(order, device=self._device)
        buffers = self._buffers
        for batch in batch_slices(self.n_samples, self.batch_size):
            yield [
                self._gather(array, buffer, order[batch], device_order[batch], xp)
                for array, buffer in zip(arrays, buffers, strict=True)
            ]

    @staticmethod
    def _gather(array, buffer, idx, device_idx, xp):
        if array is None:
            return None
        if buffer is None:  # a sparse matrix, on the host
            return array[idx]
        return xp.gather_rows(array, device_idx, out=buffer[: idx.shape[0], ...])
