"""MiniBatchMLPClassifier: labels, probabilities and partial_fit(classes=)."""

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.metrics import accuracy_score
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.metaestimators import available_if

from skbackprop._array_api import placement_of_network, to_host
from skbackprop._base import (
    BaseMiniBatchMLP,
    _stochastic_solver,
    _validation_data,
    registry_constraints,
)
from skbackprop._docstrings import (
    EXTRA_PARAMETERS,
    SHARED_ATTRIBUTES,
    SHARED_PARAMETERS,
)
from skbackprop._targets import ClassTargets
from skbackprop.core.arrays import NUMPY
from skbackprop.core.losses import LOSSES, log_softmax


def _for_classification(loss):
    """Whether a registered loss is one the classifier may choose."""
    return loss.task == "classification"


class MiniBatchMLPClassifier(ClassifierMixin, BaseMiniBatchMLP):
    __doc__ = f"""Multilayer perceptron classifier trained by mini-batch backprop.

    A drop-in for :class:`sklearn.neural_network.MLPClassifier`: the same
    parameters, defaults and fitted attributes, and the same weights after
    training from the same initial weights and batches. It minimises the
    cross-entropy of a softmax output (multiclass) or of one logistic output
    per label (binary, multilabel), plus an L2 penalty.

    Parameters
    ----------
    {SHARED_PARAMETERS}

    class_weight : dict, list of dict, 'balanced' or None, default=None
        Weights of the classes, multiplied into ``sample_weight`` as in
        scikit-learn's other classifiers: ``{{label: weight}}`` (unlisted
        classes weigh 1), for multilabel targets a list with one dict per
        label keyed by 0 and 1, or 'balanced' for
        ``n_samples / (n_classes * count(class))``, samples counted by their
        ``sample_weight``. In ``partial_fit``,
        'balanced' uses the class counts of every sample seen so far,
        this chunk included, so early chunks of a stream are weighed by
        early counts. The validation loss weighs classes as training does;
        validation scores see only ``sample_weight_val``.

    {EXTRA_PARAMETERS}

    label_smoothing : float, default=0.0
        Label smoothing ``eps`` in [0, 1): the one-hot targets of
        ``K`` classes become ``y (1 - eps) + eps / K``, as in
        ``torch.nn.CrossEntropyLoss(label_smoothing=eps)``; binary and
        multilabel outputs use ``y (1 - eps) + eps / 2``. Only training
        changes: the classes predicted and ``score`` are as usual, and the
        training and validation losses are those of the smoothed targets.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,) or list of ndarray
        Class labels.

    {SHARED_ATTRIBUTES}

    See Also
    --------
    MiniBatchMLPRegressor : The regressor built on the same core.
    sklearn.neural_network.MLPClassifier : The MLP classifier of scikit-learn.

    Notes
    -----
    **Sample weights.** A sample's weight multiplies its loss and gradient.
    The objective of a batch is divided by ``n_batch * w_mean``, where
    ``w_mean`` is the mean weight of the training data in ``fit`` and the
    running mean over all samples seen in a stream of ``partial_fit`` calls.
    In one full batch this is scikit-learn's rule (``sum(w * g) / sum(w)``),
    so integer weights equal repeated rows. Unlike scikit-learn, which divides
    each batch by its own weight sum, a weight keeps its meaning in small
    batches and in one-row ``partial_fit`` calls.

    **Early stopping.** The validation split is stratified by class for
    every single-output problem, multiclass included (scikit-learn stratifies
    binary problems only), unless a class is too rare to be split.

    **Probabilities.** ``predict_log_proba`` is computed from the logits, so
    it is finite even where ``predict_proba`` rounds to 0.

    **Callbacks.** With scikit-learn >= 1.9, ``set_callbacks`` takes the
    callbacks of ``sklearn.callback``, such as ``ScoringMonitor`` and
    ``ProgressBar`` (which, set on a Pipeline or a search around the
    classifier, reaches it too). Each ``fit`` or ``partial_fit`` call is a
    task whose subtasks are its epochs (``"epoch"``; ``"iteration"`` for
    L-BFGS). Their hooks receive the data trained on (less the held-out part
    under early stopping), its weights (class weights included) as
    ``metadata={{"sample_weight": ...}}``, and on request a
    ``fitted_estimator`` that predicts with a copy of that epoch's weights. A
    hook returning True stops training after that epoch, with no
    ConvergenceWarning (under early stopping, the best weights are restored
    as usual). Older scikit-learn versions have no callbacks, and the
    estimators no ``set_callbacks``.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skbackprop import MiniBatchMLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> clf = MiniBatchMLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01,
    ...                              max_iter=300, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:1]).shape
    (1, 3)
    >>> bool(clf.score(X, y) > 0.9)
    True
    """

    _target_type = ClassTargets
    # Models pickled before these parameters existed load with their
    # defaults, which keep scikit-learn's behaviour.
    label_smoothing = 0.0
    weight_decay = 0.0
    warmup_fraction = 0.0

    _parameter_constraints: dict = {
        **BaseMiniBatchMLP._parameter_constraints,
        "class_weight": [dict, list, StrOptions({"balanced"}), None],
        **registry_constraints(LOSSES, where=_for_classification),
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        class_weight=None,
        weight_init="glorot_uniform",
        dropout=0.0,
        scoring=None,
        weight_decay=0.0,
        warmup_fraction=0.0,
        label_smoothing=0.0,
    ):
        self.class_weight = class_weight
        self.label_smoothing = label_smoothing
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            solver=solver,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            power_t=power_t,
            max_iter=max_iter,
            shuffle=shuffle,
            random_state=random_state,
            tol=tol,
            verbose=verbose,
            warm_start=warm_start,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            n_iter_no_change=n_iter_no_change,
            max_fun=max_fun,
            weight_init=weight_init,
            dropout=dropout,
            scoring=scoring,
            weight_decay=weight_decay,
            warmup_fraction=warmup_fraction,
        )

    def _stratify_validation(self, y):
        if y.ndim != 1:
            return False
        _, counts = np.unique(y, return_counts=True)
        n_val = int(np.ceil(self.validation_fraction * y.shape[0]))
        # Stratifying needs two members per class and room for every class
        # on both sides of the split.
        return (
            len(counts) > 1
            and counts.min() >= 2
            and len(counts) <= n_val <= y.shape[0] - len(counts)
        )

    def fit(
        self,
        X,
        y,
        sample_weight=None,
        *,
        X_val=None,
        y_val=None,
        sample_weight_val=None,
    ):
        """Fit the model to data ``X`` and labels ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. float32 data trains in float32.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a label indicator matrix for multilabel problems.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights (see Notes of the class).
        X_val : {array-like, sparse matrix} of shape (n_val, n_features), \
default=None
            A validation set of your own, scored after every epoch instead
            of a ``validation_fraction`` split of ``X`` (see ``early_stopping``
            and ``scoring``). Inside a Pipeline, request it with
            ``set_fit_request(X_val=True, y_val=True)`` and let the pipeline
            transform it with ``transform_input=["X_val"]``. With
            ``warm_start=True``, the weights restored are the best of this
            call's epochs on this ``X_val``.
        y_val : array-like of shape (n_val,) or (n_val, n_labels), default=None
            Labels of ``X_val``, among the classes of ``y``.
        sample_weight_val : array-like of shape (n_val,), default=None
            Weights of the validation samples.

        Returns
        -------
        self : MiniBatchMLPClassifier
            The fitted classifier.
        """
        validation_data = _validation_data(X_val, y_val, sample_weight_val)
        return self._fit(
            X,
            y,
            sample_weight=sample_weight,
            validation_data=validation_data,
        )

    @available_if(_stochastic_solver)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Run one epoch of the stochastic solver over ``X, y``.

        The optimizer state, the random state and the sample-weight scale
        are kept between calls, so ``k`` calls on the same data with
        ``shuffle=False`` give the weights of ``fit`` with ``max_iter=k``
        when that ``fit`` runs all ``k`` epochs (its stopping rule may end it
        sooner; ``partial_fit`` never stops on its own).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a label indicator matrix.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights (see Notes of the class).
        classes : array-like of shape (n_classes,), default=None
            All the classes the stream can contain. Required on the first
            call (unless ``y`` is a multilabel indicator matrix); if given
            later, it must be the same.

        Returns
        -------
        self : MiniBatchMLPClassifier
            The updated classifier.
        """
        return self._fit(
            X, y, sample_weight=sample_weight, partial=True, classes=classes
        )

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Predicted labels (an indicator matrix for multilabel problems).
        """
        Z = self._raw_output(X, "predict")
        if self._network.xp is NUMPY:
            return self._labels_from_raw_output(Z)
        # Labels are decoded on the host; numbers go back where X is.
        labels = self._labels_from_raw_output(to_host(Z))
        if labels.dtype.kind in "biuf":
            return placement_of_network(self._network).put(labels)
        return labels

    def predict_proba(self, X):
        """Probability estimates.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probability of each class, in the order of ``classes_``; for
            multilabel problems, the probability of each label. Never
            exactly 0: where it underflows, the smallest positive float.
        """
        Z = self._raw_output(X, "predict_proba")
        xp = self._network.xp
        if len(self.classes_) == 1:
            return xp.ones_like(Z)
        if self._is_binary():
            # Both columns from the logit: sigma(-z) is accurate where
            # 1 - sigma(z) would round to 0.
            Z = xp.concat([-Z, Z], axis=1)
        probabilities = self._network.loss.output(Z)
        # A logistic or softmax model never gives probability 0; where exp
        # underflows, report the smallest positive float so that
        # log(predict_proba) stays finite, like predict_log_proba.
        tiny = xp.finfo(Z.dtype).smallest_normal
        return xp.maximum(probabilities, tiny, out=probabilities)

    def predict_log_proba(self, X):
        """Log of the probability estimates, computed from the logits.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities, finite even where ``predict_proba`` is 0.
        """
        Z = self._raw_output(X, "predict_log_proba")
        xp = self._network.xp
        if len(self.classes_) == 1:
            return xp.zeros_like(Z)
        if self.out_activation_ == "softmax":
            return log_softmax(Z)
        # log sigmoid(z) = -log(1 + e^-z) and log(1 - sigmoid(z)) = -log(1 + e^z)
        log_positive = -xp.logaddexp(0, -Z)
        if self._is_binary():
            return xp.concat([-xp.logaddexp(0, Z), log_positive], axis=1)
        return log_positive

    def _is_binary(self):
        return len(self.classes_) == 2 and self._label_binarizer.y_type_ == "binary"

    def _labels_from_raw_output(self, Z):
        return self._targets.decode(self._network.loss.output(Z))

    def _score_raw_output(self, Z, y, sample_weight=None):
        y_pred = self._labels_from_raw_output(Z)
        return accuracy_score(y, y_pred, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags
