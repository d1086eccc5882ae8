"""The inspection tools: gradient check, network description, batch trace."""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skbackprop import MiniBatchMLPClassifier, MiniBatchMLPRegressor
from skbackprop.core import Network
from skbackprop.inspection import check_gradients, describe_network, trace_batch


def _data(n=15, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 5))
    return X, rng.randint(0, 3, n), X[:, 0] - X[:, 1]


@pytest.mark.parametrize("fitted", [False, True])
@pytest.mark.parametrize("activation", ["tanh", "logistic", "identity"])
def test_check_gradients_is_small_for_a_correct_backward_pass(activation, fitted):
    X, y, _ = _data()
    model = MiniBatchMLPClassifier(
        hidden_layer_sizes=(4, 3), activation=activation, alpha=0.1, random_state=0
    )
    if fitted:
        model.set_params(max_iter=3).fit(X, y)
    before = pickle.dumps(model.__dict__)
    errors = check_gradients(model, X, y, sample_weight=np.linspace(0.5, 2, len(y)))
    assert set(errors) == {
        f"{n}[{i}]" for n in ("coefs_", "intercepts_") for i in (0, 1, 2)
    }
    assert max(errors.values()) < 1e-7
    assert pickle.dumps(model.__dict__) == before  # the model is unchanged


def test_check_gradients_detects_a_wrong_backward_pass(monkeypatch):
    X, y, _ = _data()
    original = Network.loss_and_gradient

    def wrong(self, *args, **kwargs):
        loss = original(self, *args, **kwargs)
        self.intercept_grads[0] *= 1.01  # a 1% error in one gradient
        return loss

    monkeypatch.setattr(Network, "loss_and_gradient", wrong)
    errors = check_gradients(
        MiniBatchMLPClassifier(hidden_layer_sizes=(4,), activation="tanh"), X, y
    )
    assert errors["intercepts_[0]"] > 1e-3
    assert errors["coefs_[0]"] < 1e-7


def test_describe_network_fitted_and_configured():
    X, _, y = _data()
    model = MiniBatchMLPRegressor(hidden_layer_sizes=(2, 4, 3, 3), max_iter=2)
    configured = describe_network(model, n_features_in=5, n_outputs=1)
    model.fit(X, y)
    fitted = describe_network(model)
    assert str(configured) == str(fitted)
    assert [layer["W"] for layer in fitted.layers] == [
        (5, 2),
        (2, 4),
        (4, 3),
        (3, 3),
        (3, 1),
    ]
    assert fitted.n_parameters == sum(c.size for c in model.coefs_ + model.intercepts_)
    assert fitted.layers[-1]["activation"] == "identity"
    with pytest.raises(ValueError, match="n_features_in"):
        describe_network(MiniBatchMLPRegressor())


def test_trace_batch_holds_the_matrices_training_computes():
    X, _, y = _data(n=7)
    model = MiniBatchMLPRegressor(hidden_layer_sizes=(2, 4, 3, 3), max_iter=2).fit(X, y)
    trace = trace_batch(model, X, y, norms=True)
    shapes = [(d["Z"].shape, d["D"].shape, d["dW"].shape) for d in trace.layers]
    assert shapes == [
        ((7, 2), (7, 2), (5, 2)),
        ((7, 4), (7, 4), (2, 4)),
        ((7, 3), (7, 3), (4, 3)),
        ((7, 3), (7, 3), (3, 3)),
        ((7, 1), (7, 1), (3, 1)),
    ]
    first = trace.layers[0]
    # Z = X @ W + b and A = relu(Z); dW = A_prev.T @ D + (alpha / n) W.
    assert_allclose(first["Z"], X @ model.coefs_[0] + model.intercepts_[0])
    assert_allclose(first["A"], np.maximum(first["Z"], 0))
    assert_allclose(first["dW"], X.T @ first["D"] + model.alpha / 7 * first["W"])
    assert_allclose(first["db"], first["D"].sum(axis=0))
    assert_allclose(trace.layers[-1]["A"][:, 0], model.predict(X))
    assert "|" in str(trace)  # norms shown


def test_inspection_works_on_a_model_fitted_with_early_stopping():
    X, y, _ = _data(n=40)
    model = MiniBatchMLPClassifier(
        hidden_layer_sizes=(4,), activation="tanh", early_stopping=True, max_iter=3
    ).fit(X, y)
    assert max(check_gradients(model, X, y).values()) < 1e-7
    assert len(trace_batch(model, X, y).layers) == 2
    assert model.early_stopping  # the model itself is unchanged


@pytest.mark.parametrize(
    "estimator, n_outputs, output",
    [
        (MiniBatchMLPClassifier(hidden_layer_sizes=(8, 6)), 3, "softmax"),
        (MiniBatchMLPClassifier(hidden_layer_sizes=(8, 6)), 1, "logistic"),
        (MiniBatchMLPRegressor(hidden_layer_sizes=(8, 6), loss="poisson"), 1, "exp"),
        (MiniBatchMLPRegressor(hidden_layer_sizes=(8, 6), loss="huber"), 2, "identity"),
    ],
)
def test_describe_network_names_each_layers_own_activation(
    estimator, n_outputs, output
):
    estimator.set_params(activation=["tanh", "relu"])
    description = describe_network(estimator, n_features_in=5, n_outputs=n_outputs)
    assert [d["activation"] for d in description.layers] == ["tanh", "relu", output]
    # A fitted model is described from its network: the same rows.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(20, 5))
    if isinstance(estimator, MiniBatchMLPClassifier):
        y = rng.randint(0, 3 if n_outputs == 3 else 2, 20)
    else:
        y = rng.poisson(1.0, size=(20, n_outputs)).squeeze()
    fitted = estimator.set_params(max_iter=2).fit(X, y)
    assert describe_network(fitted).layers == description.layers


def test_describe_network_checks_only_the_parameters_that_shape_the_layers():
    # A quantile loss still lacks its quantile: that does not change the layers.
    model = MiniBatchMLPRegressor(hidden_layer_sizes=(4,), loss="quantile")
    description = describe_network(model, n_features_in=5, n_outputs=3)
    assert [d["activation"] for d in description.layers] == ["relu", "identity"]
