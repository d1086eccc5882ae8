"""The benchmark behind ``benchmarks/run.py``, one module per part.

``common``
    Settings shared by the modules (seeds, learning rates, ...), PyTorch.
``workloads``
    The training workloads and their data.
``systems``
    skbackprop, scikit-learn, a PyTorch loop and a NumPy floor, timed
    through one interface.
``timing``
    Interleaved timings and the CPU share of other processes.
``memory``
    Peak memory of a fit, with ``tracemalloc`` or in a subprocess by RSS
    (the subprocess runs ``run.py --memory-child``).
``partial_fit``
    One-row ``partial_fit`` and ``predict_proba`` calls.
``scaling``
    skbackprop's cost per sample at three dataset sizes.
``targets``
    The figures against the project's performance targets.
``environment``
    Thread limits, machine, versions and command line.
``report``
    The Markdown report.
``cli``
    The command line: ``main`` runs the benchmarks and writes the results.
"""
