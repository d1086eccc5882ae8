"""Docstring sections shared by both estimators, written once.

The lists of names (activations, solvers, schedules, weight
initialisations) are read from the core's registries, each with the first
line of its class's docstring.
"""

from skbackprop.core import ACTIVATIONS, OPTIMIZERS, SCHEDULES, WEIGHT_INITS


def choices(registry, indent=8):
    """The registered names as a bullet list, each with its class's summary."""
    pad = " " * indent
    return "\n".join(
        f"{pad}- ``{name!r}``: {cls.summary()}" for name, cls in registry.items()
    )


def options(registry, *extra):
    """``{'a', 'b'}``: the registered names, for a parameter's type."""
    return "{" + ", ".join(repr(name) for name in (*extra, *registry)) + "}"


SHARED_PARAMETERS = f"""\
hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The ith element is the number of units in the ith hidden layer.

    activation : str or list of str, default='relu'
        Activation of the hidden layers, one name for all or a list with one
        per hidden layer (the first four are scikit-learn's):

{choices(ACTIVATIONS)}

    solver : {options(OPTIMIZERS, "lbfgs")}, default='adam'
        'lbfgs' is SciPy's L-BFGS-B on the full batch; the others train on
        mini-batches, for ``max_iter`` epochs or one per ``partial_fit``.
        'lbfgs' often converges faster and better on small datasets; 'adam'
        is robust on larger ones.

{choices(OPTIMIZERS)}

    alpha : float, default=0.0001
        Strength of the L2 penalty on the weights, divided by the weight
        total of the batch (the number of samples without sample weights),
        as in scikit-learn: the smaller the batches, the stronger its
        effect per epoch.

    batch_size : int, default='auto'
        Size of the mini-batches of the stochastic solvers; 'auto' means
        ``min(200, n_samples)``. Unused by 'lbfgs'.

    learning_rate : {options(SCHEDULES)}, default='constant'
        Learning rate schedule. scikit-learn's three apply to 'sgd' only, as
        there ('adam' keeps ``learning_rate_init``); 'invscaling' uses
        ``learning_rate_init / (t + 1) ** power_t`` after each epoch, ``t``
        the number of samples seen; 'adaptive' divides the rate by 5 each time
        ``n_iter_no_change`` epochs fail to improve by ``tol``.

{choices(SCHEDULES)}

    learning_rate_init : float, default=0.001
        The initial learning rate of 'sgd' and 'adam'.

    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.

    max_iter : int, default=200
        Maximum number of epochs for 'sgd' and 'adam' (each sample is used
        once per epoch), of iterations for 'lbfgs'.

    shuffle : bool, default=True
        Whether to shuffle the samples before each epoch ('sgd', 'adam').

    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the early-stopping split and the
        shuffling. An int gives the same model on every call of ``fit``; a
        stream of ``partial_fit`` calls draws from one random state that is
        kept (and pickled) with the model.

    tol : float, default=1e-4
        Training stops (or, with ``learning_rate='adaptive'``, the rate is
        lowered) when the loss or validation score has not improved by at
        least ``tol`` for ``n_iter_no_change`` consecutive epochs.

    verbose : bool or int, default=False
        Whether to print the loss of each epoch.

    warm_start : bool, default=False
        Whether ``fit`` starts from the current weights (including weights
        assigned to ``coefs_`` and ``intercepts_``) instead of new ones.

    momentum : float, default=0.9
        Momentum of 'sgd', in [0, 1].

    nesterovs_momentum : bool, default=True
        Whether 'sgd' uses Nesterov's momentum (when ``momentum > 0``).

    early_stopping : bool, default=False
        Whether to hold out ``validation_fraction`` of the training data and
        stop when its score stops improving; the best weights are restored at
        the end. Only for 'sgd' and 'adam', and not in ``partial_fit``.

    validation_fraction : float, default=0.1
        Fraction of the training data held out for early stopping, in [0, 1)
        (0 only where no split is made: without early stopping, or with
        ``X_val``).

    beta_1 : float, default=0.9
        Decay rate of Adam's first moment estimate, in [0, 1).

    beta_2 : float, default=0.999
        Decay rate of Adam's second moment estimate, in [0, 1).

    epsilon : float, default=1e-8
        Adam's numerical stability constant.

    n_iter_no_change : int, default=10
        Number of epochs without an improvement of ``tol`` that stops
        training ('sgd', 'adam').

    max_fun : int, default=15000
        Maximum number of loss evaluations of 'lbfgs'."""

EXTRA_PARAMETERS = f"""weight_init : str, default='glorot_uniform'
        How the initial weights are drawn. 'glorot_uniform' is scikit-learn's
        rule, so the same ``random_state`` gives scikit-learn's initial
        weights:

{choices(WEIGHT_INITS)}

    dropout : float or list of float, default=0.0
        Probability of dropping each hidden unit during training, one rate
        for every hidden layer or a list with one per hidden layer, each in
        [0, 1). Inverted dropout: kept units are scaled by ``1 / (1 - p)``,
        so prediction uses the whole network unchanged and is deterministic.
        The masks are drawn from ``random_state``. Only for 'sgd' and 'adam'.

    scoring : str, callable or None, default=None
        The validation score that early stopping maximises (and that picks
        the weights restored at the end), whenever there is a validation
        set (``early_stopping=True``, or ``X_val`` given to ``fit``). None is
        scikit-learn's choice (``score``: accuracy or R2); 'loss' is minus
        the mean validation loss; any other string is a scikit-learn scorer
        name (e.g. 'neg_log_loss', 'f1_macro') and a callable is a scorer
        ``scorer(estimator, X, y)``.

    weight_decay : float, default=0.0
        Decoupled weight decay (Loshchilov and Hutter, 2019) of 'sgd' and
        'adam': before each step the weights, not the biases, are multiplied
        by ``1 - eta * weight_decay``, ``eta`` the step's scheduled learning
        rate. With 'adam' it is ``torch.optim.AdamW``. Unlike ``alpha``, it
        does not pass through Adam's normalisation. Unused by 'lbfgs'.

    warmup_fraction : float, default=0.0
        The fraction of the run's steps (``max_iter`` epochs of batches)
        over which the rate of 'cosine', 'coslog4', 'flat_cos' and 'warmup'
        rises linearly to ``learning_rate_init``, in [0, 1)."""


SHARED_ATTRIBUTES = """\
loss_ : float
        The objective (loss plus L2 penalty) of the last epoch: the mean of
        the batch objectives, weighted by batch size. For 'lbfgs', the
        objective at the solution.

    best_loss_ : float or None
        The lowest ``loss_`` so far ('sgd', 'adam'); None with early
        stopping, whose criterion is ``best_validation_score_``.

    loss_curve_ : list of float
        ``loss_`` after each epoch ('sgd', 'adam').

    validation_scores_ : list of float or None
        Validation score (see ``scoring``) after each epoch when there is a
        validation set, else None.

    validation_loss_curve_ : list of float or None
        Mean loss on the validation set (without the L2 penalty) after
        each epoch when there is a validation set, else None.

    best_validation_score_ : float or None
        Best validation score when there is a validation set, else None.
        Its weights are the ones restored at the end of ``fit``.

    hidden_activations_ : list of str
        Name of the activation of each hidden layer.

    t_ : int
        Number of training samples seen by the stochastic solver (the
        learning-rate clock of 'invscaling').

    coefs_ : list of ndarray of shape (n_units_in, n_units_out)
        Weight matrix of each layer. Assigned values are where the next
        ``partial_fit`` or warm-started ``fit`` starts from.

    intercepts_ : list of ndarray of shape (n_units_out,)
        Bias vector of each layer.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of the features seen during fit, when ``X`` has string column
        names.

    n_iter_ : int
        Number of epochs run by the last ``fit`` ('sgd', 'adam'), or of
        L-BFGS iterations; ``partial_fit`` adds one per call.

    n_layers_ : int
        Number of layers, input and output included.

    n_outputs_ : int
        Number of outputs of the network.

    out_activation_ : str
        Name of the output function."""
