"""Saving and loading fitted estimators: pickle, joblib and skops.

A fitted estimator pickles like any scikit-learn estimator (``pickle``,
``joblib.dump``), its training state included, so that a stream of
``partial_fit`` calls resumes after loading exactly where it stopped.

`skops <https://skops.readthedocs.io>`_ saves the same objects in a format
that loading cannot use to run arbitrary code: ``skops.io.load`` refuses any
type it does not trust. scikit-learn's types are trusted by default; ours are
not, and :func:`skops_trusted_types` lists them, so that they can be trusted
by name rather than by passing whatever a file reports.
"""

from skbackprop import (
    MiniBatchMLPClassifier,
    MiniBatchMLPRegressor,
    TabularEncoder,
    TabularMLPClassifier,
    TabularMLPRegressor,
)
from skbackprop._integration import fitted_state_types
from skbackprop.core import (
    ACTIVATIONS,
    LOSSES,
    OPTIMIZERS,
    SCHEDULES,
    Network,
)

__all__ = ["skops_trusted_types"]


def skops_trusted_types():
    """List the types a fitted estimator holds, for skops to trust by name.

    ``skops.io.load(file, trusted=skops_trusted_types())`` loads a
    :class:`~skbackprop.MiniBatchMLPClassifier` or
    :class:`~skbackprop.MiniBatchMLPRegressor` saved with ``skops.io.dump``:
    alone, inside a scikit-learn ``Pipeline`` of scikit-learn's own steps,
    or as a search's ``best_estimator_``. Any other type that skops does not
    trust by default is still refused: a custom transformer in the same
    pipeline, or the scorer and cross-validation splitter that a search
    object holds (trust those by name after reading them, or save
    ``search.best_estimator_``).

    Returns
    -------
    names : list of str
        Sorted fully qualified type names, as ``skops.io.get_untrusted_types``
        reports them: the two estimators, :class:`~skbackprop.core.Network`,
        every activation, loss, optimizer and learning-rate schedule
        registered in :mod:`skbackprop.core`, and the small records of
        validated settings, target encoding and stopping rule that an
        estimator keeps.

    See Also
    --------
    skbackprop.core.Network : The fitted network an estimator holds.

    Notes
    -----
    A fitted estimator holds, besides NumPy arrays and scikit-learn objects,
    its :class:`~skbackprop.core.Network` (the parameters in one flat array,
    the hidden activations and the loss as small objects) and, for the
    stochastic solvers, its optimizer with its state (momentum velocities or
    Adam's moments). skops rebuilds each of them from its attributes. The
    network's ``__setstate__`` stores them, looks the name of its array
    library up in the fixed table :data:`skbackprop.core.arrays.LIBRARIES`
    (refusing any other name with a ``ValueError`` before anything is
    imported) and remakes the views of the flat parameter array; no name
    read from the file is imported or looked up anywhere else, and no other
    code runs.

    The network saves its floating-point type by name (``'<f8'``), so no
    ``numpy.dtype`` object needs trusting.

    Callbacks set with ``set_callbacks`` (scikit-learn >= 1.9) are saved
    with the model and are not in this list; remove them with
    ``model.set_callbacks()`` before saving.

    With skops installed (the ``[skops]`` extra)::

        import skops.io as sio

        sio.dump(model, "model.skops")
        model = sio.load("model.skops", trusted=skops_trusted_types())

    Examples
    --------
    >>> from skbackprop.persistence import skops_trusted_types
    >>> for name in skops_trusted_types():
    ...     if name.startswith(("skbackprop._", "skbackprop.core.network")):
    ...         print(name)
    skbackprop._classifier.MiniBatchMLPClassifier
    skbackprop._regressor.MiniBatchMLPRegressor
    skbackprop._tabular.TabularEncoder
    skbackprop._tabular.TabularMLPClassifier
    skbackprop._tabular.TabularMLPRegressor
    skbackprop._targets.ClassTargets
    skbackprop._targets.RegressionTargets
    skbackprop._training.StoppingRule
    skbackprop._validation.Settings
    skbackprop.core.network.Network
    """
    # Built from the registries, so that a class registered in the core is
    # trusted without a change here.
    # (Weight initialisations are not kept by a fitted model: not trusted.)
    registries = (ACTIVATIONS, LOSSES, OPTIMIZERS, SCHEDULES)
    types = {
        MiniBatchMLPClassifier,
        MiniBatchMLPRegressor,
        TabularEncoder,
        TabularMLPClassifier,
        TabularMLPRegressor,
        Network,
        *fitted_state_types(),
        *(cls for registry in registries for cls in registry.values()),
    }
    names = {f"{cls.__module__}.{cls.__qualname__}" for cls in types}
    return sorted(names)
