"""Training speed of skbackprop beside scikit-learn, PyTorch and a NumPy floor.

Every system trains the same architecture for a fixed number of epochs
with identical settings (batch size, solver, learning rate, dtype,
shuffling, no early stopping and ``tol=0``, so that every system runs every
epoch). The systems are:

``skbackprop``
    ``MiniBatchMLPClassifier`` / ``MiniBatchMLPRegressor``.
``sklearn``
    ``sklearn.neural_network.MLPClassifier`` / ``MLPRegressor``.
``torch``
    A plain, idiomatic PyTorch CPU training loop (shown as ``n/a`` when
    PyTorch is not installed).
``skbackprop-torch``
    The same estimators given PyTorch CPU tensors under scikit-learn's
    array API dispatch: the core's operations are PyTorch's.
``floor``
    Pure NumPy running only the matrix products of the forward and
    backward passes on the same batches: no activations, no loss, no
    optimizer. No NumPy MLP can be faster, so ``ours / floor`` is the
    overhead of everything else.

Within each workload the systems are interleaved (A B C D, A B C D, ...)
for several repeats, so that noise from a shared machine falls on all of
them; each figure is the median over the repeats, and the ratios are
computed from the medians of the same run. Besides the time per epoch,
the script measures the peak memory that ``fit`` adds beyond the data, the
cost of a one-row ``partial_fit`` call (what online learners pay per
sample) and the cost per sample at three dataset sizes (it should not
grow).

Run from the project root::

    .venv/bin/python benchmarks/run.py            # full: a few minutes
    .venv/bin/python benchmarks/run.py --quick    # under a minute

The Markdown report is printed and written, with every timing as JSON, to
``benchmarks/results/latest.{md,json}`` (``latest-quick.*`` with
``--quick``). See ``benchmarks/README.md``. The code is in the ``mlpbench``
package next to this file; this script is its entry point.
"""

import os
import sys
from pathlib import Path

# scikit-learn's array API dispatch (the skbackprop-torch system) needs
# SciPy's array API support, which SciPy reads when it is first imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

# `python benchmarks/run.py` puts benchmarks/ on the path already; this also
# covers other ways of running the file (runpy, another working directory).
sys.path.insert(0, str(Path(__file__).resolve().parent))

from mlpbench.cli import main  # noqa: E402

if __name__ == "__main__":
    main()
