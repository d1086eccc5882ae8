"""Training: the epoch loop, the stopping rule, and L-BFGS through SciPy.

Everything here runs after a call's inputs were accepted
(:mod:`skbackprop._validation`) and the network exists: it may change the
estimator. The fitted attributes it keeps up to date are scikit-learn's
(``n_iter_``, ``t_``, ``loss_``, ``loss_curve_``, ``best_loss_``,
``validation_scores_``, ``best_validation_score_``) and ours
(``validation_loss_curve_``).
"""

import math
import time
import warnings

import numpy as np
import scipy.optimize
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skbackprop._array_api import placement_of_network, take_rows, to_host, total
from skbackprop._validation import STOCHASTIC_SOLVERS, ValidationSet, make_scorer
from skbackprop._warnings import warn
from skbackprop.core import SGD, Adam, Batches


def batch_size(estimator, n_samples, warn_if_clipped=True):
    """Rows per batch: ``batch_size``, or ``min(200, n_samples)`` for 'auto'."""
    if estimator.batch_size == "auto":
        return min(200, n_samples)
    if warn_if_clipped and estimator.batch_size > n_samples:
        warn(
            f"Got batch_size={estimator.batch_size} larger than the number of "
            f"samples ({n_samples}); it is clipped to {n_samples}."
        )
    return int(np.clip(estimator.batch_size, 1, n_samples))


def make_optimizer(estimator):
    if estimator.solver == "sgd":
        return SGD(
            learning_rate_init=estimator.learning_rate_init,
            lr_schedule=estimator.learning_rate,
            momentum=estimator.momentum,
            nesterov=estimator.nesterovs_momentum,
            power_t=estimator.power_t,
        )
    return Adam(
        learning_rate_init=estimator.learning_rate_init,
        beta_1=estimator.beta_1,
        beta_2=estimator.beta_2,
        epsilon=estimator.epsilon,
    )


def divergence_error(estimator, batch_loss):
    what = "loss" if not math.isfinite(batch_loss) else "gradient"
    advice = (
        f"lower learning_rate_init (now {estimator.learning_rate_init:g})"
        if estimator.solver in STOCHASTIC_SOLVERS
        else "add regularisation (alpha)"
    )
    return ValueError(
        f"Training diverged in epoch {estimator.n_iter_ + 1}: the {what} is no "
        f"longer finite. The model keeps its last finite weights. To train, "
        f"{advice}, or scale the input features (e.g. with StandardScaler)."
    )


# ----------------------------------------------------------------------
# Stochastic solvers
# ----------------------------------------------------------------------
def train_stochastic(estimator, call, task, thread_limits):
    """Epochs of SGD or Adam over the call's data (one for ``partial_fit``).

    ``thread_limits()`` is the BLAS thread limit of an epoch, entered anew
    for each (see ``skbackprop._threads``).
    """
    network = estimator._network
    incremental = call.incremental
    if not incremental or not hasattr(estimator, "_optimizer"):
        estimator._optimizer = make_optimizer(estimator)
    optimizer = estimator._optimizer

    X, y, Y = call.X, call.y, call.Y
    sample_weight, validation = call.sample_weight, call.validation
    if estimator.early_stopping and validation is None:
        X, y, Y, sample_weight, validation = split_validation(
            estimator, X, y, Y, sample_weight, call.score_weight
        )
        if task is not None:
            task.set_data(X, y, sample_weight)
    start_validation_records(estimator, validation, call.validation is not None)
    n_samples = X.shape[0]
    weight_mean = update_weight_mean(estimator, sample_weight, n_samples, incremental)
    scorer = None if validation is None else make_scorer(estimator)
    batches = Batches(
        [X, Y, sample_weight],
        # A stream's chunks are short by nature (its last one, a single row):
        # partial_fit clips batch_size to the chunk without a warning.
        batch_size(estimator, n_samples, warn_if_clipped=not incremental),
        estimator._random_state if estimator.shuffle else None,
    )

    if not incremental:
        estimator.n_iter_ = 0
    for _ in range(estimator.max_iter):
        if task is not None:
            task.begin_epoch()
        epoch_start = time.perf_counter()
        accumulated_loss = 0.0
        with thread_limits():
            for X_batch, Y_batch, sw_batch in batches.epoch():
                n_batch = X_batch.shape[0]
                batch_loss = network.loss_and_gradient(
                    X_batch,
                    Y_batch,
                    sample_weight=sw_batch,
                    alpha=estimator.alpha,
                    weight_total=n_batch * weight_mean,
                    random_state=estimator._random_state,  # dropout masks
                )
                # The sum of the gradient is inf or nan as soon as one entry
                # is: one cheap pass that keeps a diverging step from being
                # applied, so the weights stay the last finite ones.
                if not (
                    math.isfinite(batch_loss)
                    and math.isfinite(network.xp.sum(network.grads))
                ):
                    raise divergence_error(estimator, batch_loss)
                accumulated_loss += batch_loss * n_batch
                optimizer.step(network.params, network.grads)

        estimator.n_iter_ += 1
        estimator.loss_ = accumulated_loss / n_samples
        estimator.t_ += n_samples
        estimator.loss_curve_.append(estimator.loss_)
        if estimator.verbose == 1:
            print(f"Iteration {estimator.n_iter_}, loss = {estimator.loss_:.8f}")
        if validation is not None:
            score_epoch(estimator, validation, scorer)
        else:
            count_loss_improvement(estimator)
        if estimator.verbose >= 2:
            print_epoch_row(estimator, optimizer, time.perf_counter() - epoch_start)
        optimizer.iteration_ends(estimator.t_)
        # A callback may ask to stop: after this epoch's bookkeeping.
        stop_requested = task is not None and task.end_epoch()

        if estimator._no_improvement_count > estimator.n_iter_no_change:
            what = "Validation score" if validation is not None else "Training loss"
            message = (
                f"{what} did not improve more than tol={estimator.tol:f} for "
                f"{estimator.n_iter_no_change} consecutive epochs."
            )
            if optimizer.on_plateau():
                if estimator.verbose:
                    print(message + " Stopping.")
                break
            if estimator.verbose:
                print(
                    message + f" Setting learning rate to {optimizer.learning_rate:f}"
                )
            estimator._no_improvement_count = 0

        if incremental or stop_requested:
            break
        if estimator.n_iter_ == estimator.max_iter:
            warn(
                f"Stochastic Optimizer: Maximum iterations ({estimator.max_iter}) "
                "reached and the optimization hasn't converged yet.",
                ConvergenceWarning,
            )

    if validation is not None:
        network.params[...] = estimator._best_params


def update_weight_mean(estimator, sample_weight, n_samples, incremental):
    """Mean weight of the samples seen so far, the unit of a sample weight.

    In ``fit`` it is the mean over the training data, so a full batch gives
    scikit-learn's ``sum(w * g) / sum(w)``. Across ``partial_fit`` calls it
    is the running mean over every sample seen, so a lone row of weight 3
    moves the model three times as far as a row of weight 1.
    """
    if not incremental:
        estimator._weight_count, estimator._weight_total = 0, 0.0
    estimator._weight_count += n_samples
    estimator._weight_total += (
        float(n_samples) if sample_weight is None else total(sample_weight)
    )
    return estimator._weight_total / estimator._weight_count


def split_validation(estimator, X, y, Y, sample_weight, score_weight):
    """Hold out ``validation_fraction`` of the data for early stopping.

    ``sample_weight`` includes class weights, ``score_weight`` is the user's
    ``sample_weight`` alone. Returns the training part ``X, y, Y,
    sample_weight`` and the held-out :class:`ValidationSet`.
    """
    stratify = y if estimator._stratify_validation(y) else None
    # The split of the row indices, drawn on the host as scikit-learn draws
    # it for the arrays themselves; then the rows, wherever the arrays are.
    train, held_out = train_test_split(
        np.arange(X.shape[0]),
        random_state=estimator._random_state,
        test_size=estimator.validation_fraction,
        stratify=stratify,
    )
    X_train, X_val = take_rows(X, train), take_rows(X, held_out)
    Y_train, Y_val = take_rows(Y, train), take_rows(Y, held_out)
    y_train, y_val = y[train], y[held_out]
    sw_train, sw_val = (
        take_rows(sample_weight, train),
        take_rows(sample_weight, held_out),
    )
    score_weight_val = take_rows(score_weight, held_out)
    if X_val.shape[0] < 2:
        raise ValueError(
            "The validation set is too small. Increase 'validation_fraction' "
            "or the size of your dataset."
        )
    validation = ValidationSet(X_val, y_val, Y_val, sw_val, score_weight_val)
    return X_train, y_train, Y_train, sw_train, validation


# ----------------------------------------------------------------------
# The stopping rule and the per-epoch records
# ----------------------------------------------------------------------
def reset_validation_records(estimator, validated):
    """Start the per-epoch records, with or without a validation set."""
    if validated:
        estimator.validation_scores_ = []
        estimator.validation_loss_curve_ = []
        estimator.best_validation_score_ = -np.inf
        estimator.best_loss_ = None
    else:
        estimator.best_loss_ = np.inf
        estimator.validation_scores_ = None
        estimator.validation_loss_curve_ = None
        estimator.best_validation_score_ = None


def start_validation_records(estimator, validation, given_validation_set):
    """Make the validation records fit this call's validation set.

    A first pass started them for ``early_stopping`` only; a warm-started
    fit may add or drop a validation set, or bring a new ``X_val``.
    """
    if validation is not None and estimator.validation_scores_ is None:
        # NaN for the epochs without one keeps every curve aligned with
        # loss_curve_, epoch for epoch.
        reset_validation_records(estimator, validated=True)
        n_epochs = len(estimator.loss_curve_)
        estimator.validation_scores_ += [np.nan] * n_epochs
        estimator.validation_loss_curve_ += [np.nan] * n_epochs
        estimator._no_improvement_count = 0
    elif validation is None and estimator.validation_scores_ is not None:
        reset_validation_records(estimator, validated=False)
        estimator._no_improvement_count = 0
    elif given_validation_set:
        # A new X_val is a new yardstick: scores on an earlier set do not
        # compete with it (warm start); scikit-learn's split is the same
        # every fit with an int random_state, so early stopping carries on.
        estimator.best_validation_score_ = -np.inf
        estimator._no_improvement_count = 0


def count_loss_improvement(estimator):
    """Count an epoch whose training loss did not improve by ``tol``."""
    loss = estimator.loss_curve_[-1]
    if loss > estimator.best_loss_ - estimator.tol:
        estimator._no_improvement_count += 1
    else:
        estimator._no_improvement_count = 0
    estimator.best_loss_ = min(estimator.best_loss_, loss)


def score_epoch(estimator, validation, scorer):
    """Score the epoch on held-out data; keep the best weights."""
    validation_loss, score = validation_loss_and_score(estimator, validation, scorer)
    estimator.validation_loss_curve_.append(validation_loss)
    estimator.validation_scores_.append(score)
    if estimator.verbose == 1:
        print(f"Validation score: {score:f}")
    if score < estimator.best_validation_score_ + estimator.tol:
        estimator._no_improvement_count += 1
    else:
        estimator._no_improvement_count = 0
    if score > estimator.best_validation_score_:
        estimator.best_validation_score_ = score
        estimator._best_params[...] = estimator._network.params


def validation_loss_and_score(estimator, validation, scorer):
    """Mean loss (no penalty) and score of the current weights on held-out data.

    The loss and the default score share one forward pass. The loss weighs
    samples as training does (class weights included); scores see the
    user's sample weights only.
    """
    Z = estimator._raw_output_of_valid(validation.X)
    loss_weight = validation.loss_weight
    weight_total = Z.shape[0] if loss_weight is None else total(loss_weight)
    validation_loss = (
        estimator._network.loss.value(Z, validation.Y, loss_weight) / weight_total
    )
    if scorer is None:
        score = estimator._score_raw_output(
            to_host(Z), validation.y, validation.score_weight
        )
    elif scorer == "loss":
        score = -validation_loss
    else:
        weight, y_val = validation.score_weight, validation.y
        placement = placement_of_network(estimator._network)
        if not placement.on_host:  # the scorer sees them where the model lives
            weight = placement.put(weight)
            if y_val.dtype.kind in "biuf":
                y_val = placement.put(y_val)
        kwargs = {} if weight is None else {"sample_weight": weight}
        with warnings.catch_warnings():
            # The held-out rows are validated arrays without the feature
            # names the model was fitted with.
            warnings.filterwarnings(
                "ignore", message="X does not have valid feature names"
            )
            score = float(scorer(estimator, validation.X, y_val, **kwargs))
    return validation_loss, score


def print_epoch_row(estimator, optimizer, seconds):
    """One row of the ``verbose=2`` table, with its header before epoch 1."""
    validated = estimator.validation_scores_ is not None
    if estimator.n_iter_ == 1:
        columns = ["epoch", "train loss"]
        if validated:
            columns += ["val loss", "val score"]
        columns += ["learning rate", "seconds"]
        print(" ".join(f"{c:>13}" for c in columns))
    values = [f"{estimator.n_iter_:>13d}", f"{estimator.loss_:>13.6g}"]
    if validated:
        values += [
            f"{estimator.validation_loss_curve_[-1]:>13.6g}",
            f"{estimator.validation_scores_[-1]:>13.6g}",
        ]
    # The schedule's rate: SGD's current one; Adam keeps learning_rate_init
    # (its optimizer.learning_rate is the step after bias correction).
    rate = (
        optimizer.learning_rate_init
        if isinstance(optimizer, Adam)
        else optimizer.learning_rate
    )
    values += [f"{rate:>13.4g}", f"{seconds:>13.3f}"]
    print(" ".join(values))


# ----------------------------------------------------------------------
# L-BFGS
# ----------------------------------------------------------------------
def train_lbfgs(estimator, call, task):
    """Minimise the whole objective with SciPy's L-BFGS-B, in float64.

    SciPy runs on the host: for a network on a device, each evaluation
    copies the parameters there and the gradient back.
    """
    network = estimator._network
    X, Y, sample_weight = call.X, call.Y, call.sample_weight
    last_loss = None
    stop_requested = False
    estimator.n_iter_ = 0  # counted as scipy reports iterations, for callbacks

    def loss_and_gradient(packed):
        nonlocal last_loss
        if task is not None:
            # An iteration begins with its first evaluation (a no-op for the
            # next ones), so every iteration begun is one scipy runs.
            task.begin_epoch("iteration")
        network.params[...] = network.from_host(packed)
        last_loss = network.loss_and_gradient(
            X, Y, sample_weight, alpha=estimator.alpha
        )
        return last_loss, to_host(network.grads).astype(np.float64)

    def after_iteration(intermediate_result):
        nonlocal stop_requested
        estimator.n_iter_ += 1
        # scipy >= 1.11 passes an OptimizeResult; older ones pass the
        # parameters only, whose loss was the last one evaluated.
        current = intermediate_result
        new_protocol = isinstance(current, scipy.optimize.OptimizeResult)
        x = current.x if new_protocol else current
        estimator.loss_ = float(current.fun if new_protocol else last_loss)
        if estimator.verbose:
            print(f"L-BFGS iteration, loss = {estimator.loss_:.8f}")
        if task is not None and task.end_epoch(x) and new_protocol:
            stop_requested = True  # a stop request; scipy < 1.11 cannot stop
            raise StopIteration

    initial = np.array(to_host(network.params))  # a copy
    result = scipy.optimize.minimize(
        loss_and_gradient,
        initial.astype(np.float64),
        method="L-BFGS-B",
        jac=True,
        callback=after_iteration if estimator.verbose or task is not None else None,
        options={
            "maxfun": estimator.max_fun,
            "maxiter": estimator.max_iter,
            "gtol": estimator.tol,
        },
    )
    estimator.n_iter_ = min(result.nit, estimator.max_iter)
    if result.status != 0 and not stop_requested:
        warn(
            f"lbfgs failed to converge after {estimator.n_iter_} iteration(s) "
            f"(status={result.status}): {result.message}. Increase max_iter or "
            "max_fun, or scale the data.",
            ConvergenceWarning,
        )
    if not (np.isfinite(result.x).all() and np.isfinite(result.fun)):
        network.params[...] = network.from_host(initial)
        raise divergence_error(estimator, float(result.fun))
    estimator.loss_ = float(result.fun)
    network.params[...] = network.from_host(result.x)
