"""A drop-in: the same constructor parameters and fitted attributes as sklearn's MLP."""

import inspect
import numbers

import numpy as np
import pytest
import sklearn
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.utils.fixes import parse_version

from skbackprop import MiniBatchMLPClassifier, MiniBatchMLPRegressor

PAIRS = [(MLPClassifier, MiniBatchMLPClassifier), (MLPRegressor, MiniBatchMLPRegressor)]


# What scikit-learn's MLP lacks (issue #4), after its parameters; each default
# keeps scikit-learn's behaviour.
EXTRA_PARAMETERS = {
    MiniBatchMLPClassifier: {
        "class_weight": None,
        "weight_init": "glorot_uniform",
        "dropout": 0.0,
        "scoring": None,
        "weight_decay": 0.0,
        "warmup_fraction": 0.0,
        "label_smoothing": 0.0,
    },
    MiniBatchMLPRegressor: {
        "quantile": None,
        "huber_delta": 1.0,
        "weight_init": "glorot_uniform",
        "dropout": 0.0,
        "scoring": None,
        "weight_decay": 0.0,
        "warmup_fraction": 0.0,
    },
}


def _signature(function):
    return [
        (p.name, p.default, p.kind)
        for p in inspect.signature(function).parameters.values()
    ]


@pytest.mark.parametrize("theirs, ours", PAIRS)
def test_same_parameters_defaults_and_order(theirs, ours):
    ours_signature = _signature(ours.__init__)
    if parse_version(sklearn.__version__) < parse_version("1.7"):
        # MLPRegressor's first parameter, loss, arrived in scikit-learn 1.7.
        ours_signature = [p for p in ours_signature if p[0] != "loss"]
    theirs_signature = _signature(theirs.__init__)
    n_theirs = len(theirs_signature)
    assert ours_signature[:n_theirs] == theirs_signature
    extras = ours_signature[n_theirs:]
    assert {name: default for name, default, _ in extras} == EXTRA_PARAMETERS[ours]
    assert all(kind == inspect.Parameter.KEYWORD_ONLY for *_, kind in extras)


@pytest.mark.parametrize("theirs, ours", PAIRS)
def test_fit_takes_sklearns_arguments_then_a_validation_set(theirs, ours):
    ours_signature = _signature(ours.fit)
    if parse_version(sklearn.__version__) < parse_version("1.7"):
        # scikit-learn's MLP fit takes sample_weight from 1.7 on.
        ours_signature = [p for p in ours_signature if p[0] != "sample_weight"]
    theirs_signature = _signature(theirs.fit)
    assert ours_signature[: len(theirs_signature)] == theirs_signature
    assert ours_signature[len(theirs_signature) :] == [
        (name, None, inspect.Parameter.KEYWORD_ONLY)
        for name in ("X_val", "y_val", "sample_weight_val")
    ]


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
@pytest.mark.parametrize("early_stopping", [False, True])
@pytest.mark.parametrize("theirs, ours", PAIRS)
def test_every_fitted_attribute_of_sklearn_exists(theirs, ours, solver, early_stopping):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int)
    params = dict(
        hidden_layer_sizes=(4,),
        solver=solver,
        early_stopping=early_stopping,
        max_iter=3,
    )
    with pytest.warns(Warning):  # ConvergenceWarning after 3 iterations
        reference = theirs(**params).fit(X, y)
        model = ours(**params).fit(X, y)
    fitted = {name for name in vars(reference) if name.endswith("_")}
    assert fitted, "scikit-learn's MLP has fitted attributes"
    assert fitted <= set(vars(model)), fitted - set(vars(model))
    for name in fitted:
        theirs_value, ours_value = getattr(reference, name), getattr(model, name)
        if isinstance(theirs_value, numbers.Real):
            assert isinstance(ours_value, numbers.Real), name
        else:
            assert type(ours_value) is type(theirs_value), name
