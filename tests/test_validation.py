"""skbackprop._validation: the kind of call, the settings, the call rules."""

import numpy as np
import pytest

from skbackprop import MiniBatchMLPClassifier, MiniBatchMLPRegressor
from skbackprop._validation import (
    FIRST_PARTIAL_FIT,
    FIT,
    PARTIAL_FIT,
    WARM_FIT,
    current_settings,
    hidden_layer_sizes,
    kind_of_call,
    stochastic_solvers,
)
from skbackprop.core import OPTIMIZERS


def _fitted(**params):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 3))
    return MiniBatchMLPClassifier(hidden_layer_sizes=(3,), max_iter=2, **params).fit(
        X, (X[:, 0] > 0).astype(int)
    )


def test_kind_of_call_names_all_four():
    unfitted = MiniBatchMLPClassifier()
    assert kind_of_call(unfitted, partial=False) is FIT
    assert kind_of_call(unfitted, partial=True) is FIRST_PARTIAL_FIT
    fitted = _fitted()
    assert kind_of_call(fitted, partial=True) is PARTIAL_FIT
    assert kind_of_call(fitted, partial=False) is FIT
    assert kind_of_call(fitted.set_params(warm_start=True), partial=False) is WARM_FIT
    assert [kind.new_network for kind in (FIT, WARM_FIT, FIRST_PARTIAL_FIT)] == [
        True,
        False,
        True,
    ]


def test_settings_are_validated_once_while_the_parameters_stay_the_same():
    model = _fitted()
    settings, known = current_settings(model)
    assert known and settings is model._settings
    model.set_params(alpha=0.5)
    again, known = current_settings(model)
    assert not known and again is not settings
    assert again.params["alpha"] == 0.5


def test_a_list_edited_in_place_is_a_changed_parameter():
    sizes = [3]
    model = _fitted().set_params(hidden_layer_sizes=sizes)
    current_settings(model)
    sizes.append(2)
    assert current_settings(model)[1] is False


@pytest.mark.parametrize("sizes", [0, (3, 0), (2.5,), (True,)])
def test_hidden_layer_sizes_are_positive_integers(sizes):
    with pytest.raises(ValueError, match="positive integers"):
        hidden_layer_sizes(MiniBatchMLPClassifier(hidden_layer_sizes=sizes))


def test_solver_messages_name_the_registered_optimizers():
    assert stochastic_solvers() == ", ".join(repr(name) for name in OPTIMIZERS)
    X = np.zeros((10, 2))
    with pytest.raises(
        ValueError, match=f"stochastic solvers \\({stochastic_solvers()}"
    ):
        MiniBatchMLPRegressor(solver="lbfgs").fit(X, X[:, 0], X_val=X, y_val=X[:, 0])
    with pytest.raises(ValueError, match="dropout needs a stochastic solver"):
        MiniBatchMLPRegressor(solver="lbfgs", dropout=0.1).fit(X, X[:, 0])


@pytest.mark.parametrize("rate", [-0.1, 1.0, True, "0.5"])
def test_each_dropout_rate_is_checked_by_the_one_rule(rate):
    X = np.zeros((10, 2))
    with pytest.raises(ValueError, match="dropout"):
        MiniBatchMLPRegressor(hidden_layer_sizes=(2, 2), dropout=[0.1, rate]).fit(
            X, X[:, 0]
        )
