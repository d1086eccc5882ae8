"""Small input checks shared by validation, the fast paths and prediction."""

import numpy as np
import scipy.sparse as sp


def as_numeric_array(values):
    """``values`` as a real-number ndarray, or None if it is anything else."""
    if isinstance(values, list):
        try:
            values = np.asarray(values)
        except ValueError:  # ragged rows
            return None
    if type(values) is not np.ndarray or values.dtype.kind not in "fiu":
        return None
    return values


def check_dense(values, name):
    """Raise, in scikit-learn's words, if ``values`` (named ``name``) is sparse."""
    if sp.issparse(values):
        raise TypeError(
            f"Sparse data was passed for {name}, but dense data is required. "
            "Use '.toarray()' to convert to a dense numpy array."
        )


def check_not_all_zero(weights, message):
    """Raise ``ValueError(message)`` if ``weights`` is given and all zero.

    A batch whose weights are all zero has no objective to divide by.
    """
    if weights is not None and not weights.any():
        raise ValueError(message)


def known_rows(X, n_features, dtype=None, ndim=2):
    """``X`` as finite rows of ``n_features`` floats, or None.

    The cheap acceptance of the fast paths (streaming ``partial_fit``,
    one-row prediction): a numeric 2-D array or list of rows that full
    validation would accept as it is, converted as full validation would
    convert it (to ``dtype``; without one, float32 and float64 stay and
    other numbers become float64). Anything else returns None and goes
    through full validation, which gives the errors. ``ndim=1`` checks a
    vector of ``n_features`` entries instead (sample weights).
    """
    X = as_numeric_array(X)
    if X is None or X.ndim != ndim or X.shape[-1] != n_features or X.size == 0:
        return None
    if dtype is None:
        dtype = X.dtype if X.dtype in _FLOATS else np.float64
    if X.dtype != dtype:
        # A value beyond the new dtype becomes inf, which sends the input
        # to full validation: its error, not NumPy's cast warning.
        with np.errstate(over="ignore"):
            X = X.astype(dtype)
    if not np.isfinite(X).all():
        return None
    return X


_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
