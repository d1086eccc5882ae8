"""A new activation, loss, optimizer and schedule: one class each, registered.

This module defines four toy building blocks of its own and uses each by
name through the estimators, ``clone``, ``GridSearchCV``, pickle and skops
(and ONNX for the activation), with no other file knowing of them: what
``docs/architecture.md`` promises a contributor. They are registered for
this module's tests only, so that no other test sees them.
"""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from skbackprop import MiniBatchMLPClassifier, MiniBatchMLPRegressor
from skbackprop.core import (
    ACTIVATIONS,
    LOSSES,
    OPTIMIZERS,
    SCHEDULES,
    Activation,
    Loss,
    Optimizer,
    Schedule,
)
from skbackprop.core.arrays import array_namespace


class Softsign(Activation):
    r""":math:`f(z) = z / (1 + |z|)`, whose derivative is :math:`(1 - |f(z)|)^2`."""

    name = "toy_softsign"

    def forward(self, Z):
        xp = array_namespace(Z)
        return xp.divide(Z, xp.abs(Z) + 1, out=Z)

    def derivative(self, A, delta, Z=None):
        xp = array_namespace(A)
        slope = 1 - xp.abs(A)
        delta *= slope * slope

    def to_onnx(self, graph, Z):
        return graph.node("Softsign", [Z])


class LogCosh(Loss):
    r"""The log-cosh regression loss, :math:`\ell = \sum_k \log\cosh(z_k - y_k)`."""

    name = "toy_log_cosh"
    output_name = "identity"

    def output(self, Z):
        return Z

    def per_sample(self, Z, Y):
        residual = Z - Y
        # log cosh r = |r| + log1p(e^{-2|r|}) - log 2, without overflow.
        magnitude = np.abs(residual)
        return (magnitude + np.log1p(np.exp(-2 * magnitude)) - np.log(2)).sum(axis=1)

    def output_delta(self, Z, Y, out):
        np.tanh(Z - Y, out=out)
        return out

    @staticmethod
    def output_to_onnx(graph, Z):
        return Z


class SignSGD(Optimizer):
    r"""Sign descent, :math:`\theta \leftarrow \theta - \eta\,\mathrm{sign}(g)`."""

    name = "toy_sign_sgd"

    def _begin_step(self, scalar):
        return (scalar(self.schedule.next_rate()),)

    def _update_block(self, xp, scalars, params, grads, step, unused):
        (eta,) = scalars
        xp.sign(grads, out=step)
        step *= eta
        params -= step


class LinearDecay(Schedule):
    """The rate falls linearly from ``learning_rate_init`` to 0 over the run."""

    name = "toy_linear_decay"

    def rate(self, step):
        return self.learning_rate_init * max(0.0, 1.0 - step / self.horizon)


TOYS = [(ACTIVATIONS, Softsign), (LOSSES, LogCosh), (OPTIMIZERS, SignSGD)]
TOYS.append((SCHEDULES, LinearDecay))


@pytest.fixture(autouse=True, scope="module")
def registered():
    for registry, cls in TOYS:
        registry.register(cls)
    yield
    for registry, cls in TOYS:
        registry.unregister(cls.name)


def _data(n=120, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 4))
    return X, (X[:, 0] - X[:, 1] > 0).astype(int), X @ [1.0, -1.0, 0.5, 0.0]


def _toy_classifier(**params):
    toys = {
        "hidden_layer_sizes": (6,),
        "activation": "toy_softsign",
        "solver": "toy_sign_sgd",
        "learning_rate": "toy_linear_decay",
        "learning_rate_init": 0.01,
        "max_iter": 60,
        "random_state": 0,
    }
    return MiniBatchMLPClassifier(**{**toys, **params})


def test_each_toy_is_used_by_name_and_learns():
    X, y, target = _data()
    classifier = _toy_classifier().fit(X, y)
    assert classifier.hidden_activations_ == ["toy_softsign"]
    assert isinstance(classifier._optimizer, SignSGD)
    assert isinstance(classifier._optimizer.schedule, LinearDecay)
    assert classifier.score(X, y) > 0.9
    regressor = MiniBatchMLPRegressor(
        loss="toy_log_cosh", hidden_layer_sizes=(6,), max_iter=300, random_state=0
    )
    regressor.fit(X, target)
    assert isinstance(regressor._network.loss, LogCosh)
    assert regressor.score(X, target) > 0.9


def test_the_schedule_knows_the_horizon_and_the_optimizer_follows_it():
    X, y, _ = _data()  # 120 rows, batches of 40: 3 steps per epoch
    model = _toy_classifier(batch_size=40, max_iter=5).fit(X, y)
    schedule = model._optimizer.schedule
    assert schedule.horizon == 15 and schedule.steps == 15
    # The last step's rate, with one step of the 15 left.
    assert schedule.learning_rate == pytest.approx(0.01 * (1 - 14 / 15))
    # One step of sign descent moves every weight by the step's rate.
    start = _toy_classifier(batch_size=120, max_iter=1, shuffle=False).fit(X, y)
    moved = _toy_classifier(batch_size=120, max_iter=2, shuffle=False).fit(X, y)
    change = np.abs(moved._network.params - start._network.params)
    assert np.allclose(change[change > 0], 0.01 * (1 - 1 / 2))


def test_the_names_are_checked_as_registered_names():
    X, y, target = _data()
    for params in (
        {"activation": "toy_nothing"},
        {"solver": "toy_nothing"},
        {"learning_rate": "toy_nothing"},
    ):
        with pytest.raises(ValueError, match="toy_nothing"):
            _toy_classifier(**params).fit(X, y)
    # The classifier picks its loss by the targets: a regression loss is
    # the regressor's parameter only.
    with pytest.raises(ValueError, match="toy_log_cosh"):
        MiniBatchMLPRegressor(loss="toy_nothing").fit(X, target)


def test_clone_and_grid_search_take_the_names():
    X, y, _ = _data()
    assert clone(_toy_classifier()).get_params() == _toy_classifier().get_params()
    search = GridSearchCV(
        _toy_classifier(),
        {"activation": ["toy_softsign", "relu"], "solver": ["toy_sign_sgd", "adam"]},
        cv=2,
    ).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_pickle_and_skops_keep_the_toys_and_training_goes_on():
    sio = pytest.importorskip("skops.io", reason="needs the [skops] extra")
    from skbackprop.persistence import skops_trusted_types

    X, y, _ = _data()
    model = _toy_classifier(max_iter=3).fit(X, y)
    trusted = skops_trusted_types()
    for cls in (Softsign, SignSGD, LinearDecay):
        assert f"{cls.__module__}.{cls.__qualname__}" in trusted
    for loaded in (
        pickle.loads(pickle.dumps(model)),
        sio.loads(sio.dumps(model), trusted=trusted),
    ):
        np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
        assert isinstance(loaded._optimizer.schedule, LinearDecay)
        # The stream goes on exactly as the original's does.
        original = pickle.loads(pickle.dumps(model))
        original.partial_fit(X, y)
        loaded.partial_fit(X, y)
        np.testing.assert_array_equal(loaded._network.params, original._network.params)


def test_the_activation_exports_to_onnx():
    pytest.importorskip("onnxruntime", reason="needs the [onnx] extra")
    import onnxruntime

    from skbackprop.onnx import SUPPORTED_ACTIVATIONS, to_onnx

    assert "toy_softsign" in SUPPORTED_ACTIVATIONS
    X, y, _ = _data()
    model = _toy_classifier().fit(X, y)
    graph = to_onnx(model, X[:1].astype(np.float32), options={"zipmap": False})
    session = onnxruntime.InferenceSession(graph.SerializeToString())
    input_name = session.get_inputs()[0].name
    labels, probabilities = session.run(None, {input_name: X.astype(np.float32)})[:2]
    np.testing.assert_array_equal(labels, model.predict(X))
    np.testing.assert_allclose(
        np.asarray(probabilities), model.predict_proba(X), rtol=1e-4, atol=1e-5
    )


def test_a_registry_is_one_object():
    from skbackprop.core.registry import Registered, Registry

    first, second = Registry("x", Registered), Registry("x", Registered)
    assert first == first and not first != first
    assert first != second and not first == second
    assert ACTIVATIONS != dict(ACTIVATIONS) and not ACTIVATIONS == dict(ACTIVATIONS)
    with pytest.raises(ValueError, match="Unknown x 'nothing'"):
        first.unregister("nothing")
