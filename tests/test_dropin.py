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


@pytest.mark.parametrize("theirs, ours", PAIRS)
def test_same_parameters_defaults_and_order(theirs, ours):
    def signature(cls):
        return [
            (p.name, p.default, p.kind)
            for p in inspect.signature(cls.__init__).parameters.values()
        ]

    ours_signature = signature(ours)
    if parse_version(sklearn.__version__) < parse_version("1.7"):
        # MLPRegressor's first parameter, loss, arrived in scikit-learn 1.7.
        ours_signature = [p for p in ours_signature if p[0] != "loss"]
    assert ours_signature == signature(theirs)


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
