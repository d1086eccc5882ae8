"""scikit-learn's estimator checks in several configurations, none expected to fail."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skbackprop import MiniBatchMLPClassifier, MiniBatchMLPRegressor

# Small networks and few epochs keep the suite fast; each configuration
# switches on a different code path (solver, depth, dtype, schedule), and the
# last ones the features scikit-learn's MLP lacks (class weights, per-layer
# and newer activations, initialisations, robust losses). Dropout and early
# stopping are left out, as scikit-learn leaves early_stopping out: the
# checks fit 1-15 rows, too few to hold out a validation set, and compare a
# weight-2 row with a repeated row, which dropout masks independently.
# tests/test_features.py tests both on data where they matter.
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
    MiniBatchMLPClassifier(
        hidden_layer_sizes=(12, 8),
        activation=["gelu", "silu"],
        class_weight="balanced",
        weight_init="he_uniform",
        learning_rate_init=0.01,
        max_iter=100,
        random_state=0,
    ),
    MiniBatchMLPClassifier(
        hidden_layer_sizes=(16,),
        activation="elu",
        weight_init="lecun_normal",
        learning_rate_init=0.01,
        max_iter=100,
        random_state=0,
    ),
    MiniBatchMLPRegressor(
        loss="huber",
        hidden_layer_sizes=(16,),
        activation="selu",
        weight_init="lecun_normal",
        max_iter=100,
        random_state=0,
    ),
    MiniBatchMLPRegressor(
        loss="quantile",
        quantile=0.5,
        hidden_layer_sizes=(12, 8),
        activation=["softplus", "gelu"],
        max_iter=100,
        random_state=0,
    ),
    MiniBatchMLPRegressor(
        loss="absolute_error",
        hidden_layer_sizes=(16,),
        activation="softplus",
        max_iter=100,
        random_state=0,
    ),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
