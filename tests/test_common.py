"""scikit-learn's estimator checks in several configurations, none expected to fail."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skbackprop import MiniBatchMLPClassifier, MiniBatchMLPRegressor

# Small networks and few epochs keep the suite fast; each configuration
# switches on a different code path (solver, depth, dtype, schedule).
ESTIMATORS = [
    MiniBatchMLPClassifier(
        hidden_layer_sizes=(16,),
        learning_rate_init=0.01,
        max_iter=100,
        random_state=0,
    ),
    MiniBatchMLPClassifier(
        hidden_layer_sizes=(16,),
        solver="sgd",
        learning_rate_init=0.05,
        max_iter=100,
        random_state=0,
    ),
    MiniBatchMLPClassifier(hidden_layer_sizes=(16,), solver="lbfgs", random_state=0),
    MiniBatchMLPClassifier(
        hidden_layer_sizes=(12, 8),
        activation="leaky_relu",
        max_iter=100,
        random_state=0,
    ),
    MiniBatchMLPRegressor(hidden_layer_sizes=(16,), max_iter=100, random_state=0),
    MiniBatchMLPRegressor(
        hidden_layer_sizes=(16,),
        solver="sgd",
        learning_rate="adaptive",
        max_iter=100,
        random_state=0,
    ),
    MiniBatchMLPRegressor(hidden_layer_sizes=(16,), solver="lbfgs", random_state=0),
    MiniBatchMLPRegressor(
        hidden_layer_sizes=(12, 8),
        activation="tanh",
        solver="sgd",
        nesterovs_momentum=False,
        max_iter=100,
        random_state=0,
    ),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
