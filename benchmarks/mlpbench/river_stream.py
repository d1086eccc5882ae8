"""A river stream: progressive validation, one row at a time.

river's ``evaluate.progressive_val_score`` on its bundled Phishing data
(1,250 rows, 9 features): each row is first predicted (``predict_one``),
then learnt (``learn_one``), after river's online ``StandardScaler``. The
MLPs run through ``river.compat``, which
calls ``predict_proba`` / ``partial_fit`` on one-row arrays; river's own
models are there for scale. Seconds for the whole stream and the accuracy
of the predictions made before each row was learnt.
"""

import time

from sklearn.neural_network import MLPClassifier

from skbackprop import MiniBatchMLPClassifier

from .common import MODEL_SEED
from .timing import summarize

# The MLPs share these (scikit-learn's defaults otherwise: hidden (100,)).
MLP_PARAMS = {"random_state": MODEL_SEED}


def _models():
    """Name -> a function making a fresh river model (None without river)."""
    from river import compat, linear_model, preprocessing, tree

    def mlp(cls):
        # Scaled online, as the logistic regression is.
        return lambda: (
            preprocessing.StandardScaler()
            | compat.convert_sklearn_to_river(cls(**MLP_PARAMS), classes=[False, True])
        )

    return {
        "skbackprop": mlp(MiniBatchMLPClassifier),
        "sklearn": mlp(MLPClassifier),
        "river LogisticRegression": lambda: (
            preprocessing.StandardScaler() | linear_model.LogisticRegression()
        ),
        "river HoeffdingTreeClassifier": tree.HoeffdingTreeClassifier,
    }


def river_unavailable_reason():
    try:
        import river  # noqa: F401
    except ImportError:
        return "river is not installed (the [river] extra)"
    return None


def time_river_stream(repeats, log):
    """Seconds and accuracy of each model over the Phishing stream.

    Returns
    -------
    rows : list of dict
        One per model: ``model``, ``seconds`` (summary over the repeats,
        interleaved), ``accuracy``.
    """
    from river import datasets, evaluate, metrics

    makers = _models()
    seconds = {name: [] for name in makers}
    accuracy = {}
    for repeat in range(repeats):
        for name, make in makers.items():
            metric = metrics.Accuracy()
            model = make()
            start = time.perf_counter()
            evaluate.progressive_val_score(datasets.Phishing(), model, metric)
            seconds[name].append(time.perf_counter() - start)
            accuracy[name] = metric.get()
        log(f"  repeat {repeat + 1}/{repeats}")
    return [
        {"model": name, "seconds": summarize(seconds[name]), "accuracy": accuracy[name]}
        for name in makers
    ]
