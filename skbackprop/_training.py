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
from skbackprop._validation import PARTIAL_FIT, ValidationSet, make_scorer
from skbackprop._warnings import warn
from skbackprop.core import OPTIMIZERS, Batches


def batch_size(estimator, n_samples, *, warn_if_clipped=True):
    """Rows per batch: ``batch_size``, or ``min(200, n_samples)`` for 'auto'."""
    if estimator.batch_size == "auto":
        return min(200, n_samples)
    if warn_if_clipped and estimator.batch_size > n_samples:
        warn(
            f"Got batch_size={estimator.batch_size} larger than the number of "
            f"samples ({n_samples}); it is clipped to {n_samples}."
        )
    return int(np.clip(estimator.batch_size, 1, n_samples))


def divergence_error(estimator, batch_loss):
    what = "loss" if not math.isfinite(batch_loss) else "gradient"
    advice = (
        f"lower learning_rate_init (now {estimator.learning_rate_init:g})"
        if estimator.solver in OPTIMIZERS
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
    """Epochs of a stochastic optimizer over the call's data (one for ``partial_fit``).

    ``thread_limits()`` is the BLAS thread limit of an epoch, entered anew
    for each (see ``skbackprop._threads``).
    """
    X, Y, sample_weight, validation = training_data(estimator, call, task)
    incremental = call.kind.incremental
    n_samples = X.shape[0]
    # A stream's chunks are short by nature (its last one, a single row):
    # partial_fit clips batch_size to the chunk without a warning.
    rows = batch_size(estimator, n_samples, warn_if_clipped=not incremental)
    if call.kind is not PARTIAL_FIT or "_optimizer" not in estimator.__dict__:
        # A new optimizer (a stream's goes on); its schedule's horizon is
        # max_iter epochs of batches (in partial_fit one call is one epoch).
        optimizer = OPTIMIZERS[estimator.solver].from_params(call.settings.params)
        optimizer.n_decayed = estimator._network.n_coefs  # weights, not biases
        optimizer.schedule.start(estimator.max_iter * -(-n_samples // rows))
        estimator._optimizer = optimizer
    optimizer = estimator._optimizer
    weight_mean = update_weight_mean(estimator, sample_weight, n_samples, call.kind)
    scorer = None if validation is None else make_scorer(estimator)
    random_state = estimator._random_state if estimator.shuffle else None
    batches = Batches([X, Y, sample_weight], rows, random_state)
    for _ in range(1 if incremental else estimator.max_iter):
        if task is not None:
            task.begin_epoch()
        started = time.perf_counter()
        with thread_limits():
            loss = run_epoch(estimator, optimizer, batches, weight_mean)
        seconds = time.perf_counter() - started
        if end_epoch(estimator, optimizer, loss, validation, scorer, seconds, task):
            break
    else:
        if not incremental:
            warn(
                f"Stochastic Optimizer: Maximum iterations ({estimator.max_iter}) "
                "reached and the optimization hasn't converged yet.",
                ConvergenceWarning,
            )
    if validation is not None:
        estimator._network.params[...] = estimator._stopping.best_params


def run_epoch(estimator, optimizer, batches, weight_mean):
    """One pass over the batches; returns the epoch's loss (``loss_``).

    The epoch's loss is the mean of the batch objectives, weighted by rows.
    """
    network = estimator._network
    total = 0.0
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
        # The sum of the gradient is inf or nan as soon as one entry is: one
        # cheap pass that keeps a diverging step from being applied, so the
        # weights stay the last finite ones.
        if not (
            math.isfinite(batch_loss) and math.isfinite(network.xp.sum(network.grads))
        ):
            raise divergence_error(estimator, batch_loss)
        total += batch_loss * n_batch
        optimizer.step(network.params, network.grads)
    estimator.t_ += batches.n_samples
    return total / batches.n_samples


def end_epoch(estimator, optimizer, loss, validation, scorer, seconds, task):
    """Record an epoch; return whether training stops.

    It stops at a plateau that the schedule does not answer, or when a
    callback asks, after this epoch's records (the callbacks see them before
    any plateau changes the rate).
    """
    estimator.n_iter_ += 1
    estimator.loss_ = loss
    estimator.loss_curve_.append(loss)
    verbose = estimator.verbose
    if verbose == 1:
        print(f"Iteration {estimator.n_iter_}, loss = {loss:.8f}")
    rule = estimator._stopping
    if validation is None:
        rule.record_loss(loss, estimator.tol)
    else:
        validation_loss, score = validation_loss_and_score(
            estimator, validation, scorer
        )
        estimator.validation_loss_curve_.append(validation_loss)
        estimator.validation_scores_.append(score)
        if verbose == 1:
            print(f"Validation score: {score:f}")
        rule.record_score(score, estimator.tol, estimator._network.params)
    estimator.best_loss_, estimator.best_validation_score_ = rule.best

    schedule = optimizer.schedule
    if verbose >= 2:
        print_epoch_row(estimator, schedule.learning_rate, seconds)
    schedule.epoch_ends(estimator.t_)
    requested = task is not None and task.end_epoch()
    if rule.no_improvement_count <= estimator.n_iter_no_change:
        return requested
    what = "Validation score" if validation is not None else "Training loss"
    message = (
        f"{what} did not improve more than tol={estimator.tol:f} for "
        f"{estimator.n_iter_no_change} consecutive epochs."
    )
    if schedule.on_plateau():
        if verbose:
            print(message + " Stopping.")
        return True
    if verbose:
        print(message + f" Setting learning rate to {schedule.learning_rate:f}")
    rule.no_improvement_count = 0
    return requested


def training_data(estimator, call, task):
    """The call's training rows and its validation set (``X_val``, a split, or None).

    Starts the records of the epochs to come, and the epoch count of a fit.
    """
    X, y, Y = call.X, call.y, call.Y
    sample_weight, validation = call.sample_weight, call.validation
    if estimator.early_stopping and validation is None:
        X, y, Y, sample_weight, validation = split_validation(
            estimator, X, y, Y, sample_weight, call.score_weight
        )
        if task is not None:
            task.set_data(X, y, sample_weight)
    if "loss_curve_" not in estimator.__dict__:
        # A model fitted by L-BFGS, now trained in epochs: its first records.
        estimator.loss_curve_ = []
        reset_records(estimator, validated=False)
    # The records of the epochs to come follow this call's validation set: a
    # warm-started fit may add or drop one, or bring a new X_val.
    validated_before = estimator.validation_scores_ is not None
    if validation is not None and not validated_before:
        reset_records(estimator, validated=True)
        # NaN for the epochs without one keeps every curve aligned with
        # loss_curve_, epoch for epoch.
        n_epochs = len(estimator.loss_curve_)
        estimator.validation_scores_ += [np.nan] * n_epochs
        estimator.validation_loss_curve_ += [np.nan] * n_epochs
    elif validation is None and validated_before:
        reset_records(estimator, validated=False)
    elif call.validation is not None:
        # A new X_val is a new yardstick: scores on an earlier set do not
        # compete with it (warm start); scikit-learn's split is the same
        # every fit with an int random_state, so early stopping carries on.
        estimator._stopping.reset(validated=True)
        estimator.best_loss_, estimator.best_validation_score_ = (
            estimator._stopping.best
        )
    if not call.kind.incremental:
        estimator.n_iter_ = 0
    return X, Y, sample_weight, validation


def update_weight_mean(estimator, sample_weight, n_samples, kind):
    """Mean weight of the samples seen so far, the unit of a sample weight.

    In ``fit`` it is the mean over the training data, so a full batch gives
    scikit-learn's ``sum(w * g) / sum(w)``. Across ``partial_fit`` calls it
    is the running mean over every sample seen, so a lone row of weight 3
    moves the model three times as far as a row of weight 1.
    """
    if not kind.incremental:
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
    validation = ValidationSet(X_val, y_val, Y_val, sw_val, score_weight_val)
    return X_train, y_train, Y_train, sw_train, validation


# ----------------------------------------------------------------------
# The stopping rule and the per-epoch records
# ----------------------------------------------------------------------
class StoppingRule:
    """When the stochastic solvers stop, and which weights they keep.

    It owns the best training loss (without a validation set) or the best
    validation score (with one), the count of epochs that did not improve
    on it by ``tol``, and the weights of the best score, restored at the
    end of ``fit``. A stream of ``partial_fit`` calls keeps one rule.

    Parameters
    ----------
    best_params : array of shape (n_parameters,)
        Where the best weights are copied; a copy of the network's.

    Attributes
    ----------
    best_loss : float or None
        The lowest training loss so far; None with a validation set.
    best_score : float or None
        The highest validation score so far; None without one.
    no_improvement_count : int
        Epochs in a row that did not improve by ``tol``.
    """

    def __init__(self, best_params):
        self.best_params = best_params
        self.reset(validated=False)

    @classmethod
    def from_fitted(cls, estimator):
        """The rule of a model saved before rules were objects of their own."""
        state = estimator.__dict__
        network = estimator._network
        best_params = state.pop("_best_params", None)
        rule = cls(
            network.xp.copy(network.params) if best_params is None else best_params
        )
        rule.best_loss = state.get("best_loss_")
        rule.best_score = state.get("best_validation_score_")
        rule.no_improvement_count = state.pop("_no_improvement_count", 0)
        return rule

    def reset(self, validated):
        """Start afresh, judging by a validation score or the training loss."""
        self.best_loss = None if validated else np.inf
        self.best_score = -np.inf if validated else None
        self.no_improvement_count = 0

    def record_loss(self, loss, tol):
        """Count an epoch whose training loss did not improve by ``tol``."""
        if loss > self.best_loss - tol:
            self.no_improvement_count += 1
        else:
            self.no_improvement_count = 0
        self.best_loss = min(self.best_loss, loss)

    def record_score(self, score, tol, params):
        """Count an epoch whose score did not improve by ``tol``; keep the best."""
        if score < self.best_score + tol:
            self.no_improvement_count += 1
        else:
            self.no_improvement_count = 0
        if score > self.best_score:
            self.best_score = score
            self.best_params[...] = params

    @property
    def best(self):
        """scikit-learn's ``best_loss_`` and ``best_validation_score_``."""
        return self.best_loss, self.best_score


def reset_records(estimator, validated):
    """Start the per-epoch records, with or without a validation set."""
    estimator.validation_scores_ = [] if validated else None
    estimator.validation_loss_curve_ = [] if validated else None
    estimator._stopping.reset(validated)
    estimator.best_loss_, estimator.best_validation_score_ = estimator._stopping.best


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


def print_epoch_row(estimator, rate, seconds):
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
