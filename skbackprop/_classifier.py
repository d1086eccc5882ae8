"""MiniBatchMLPClassifier: labels, probabilities and partial_fit(classes=)."""

from numbers import Real

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.metrics import accuracy_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target, unique_labels

from skbackprop._base import BaseMiniBatchMLP, _stochastic_solver, _validation_data
from skbackprop._docstrings import (
    EXTRA_PARAMETERS,
    SHARED_ATTRIBUTES,
    SHARED_PARAMETERS,
)
from skbackprop.core.losses import log_softmax


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

    _parameter_constraints: dict = {
        **BaseMiniBatchMLP._parameter_constraints,
        "class_weight": [dict, list, StrOptions({"balanced"}), None],
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
    ):
        self.class_weight = class_weight
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
        )

    def _validate_targets(self, y, first_pass, incremental, classes=None):
        multilabel = type_of_target(y).startswith("multilabel")
        if first_pass and incremental:
            if classes is None and not multilabel:
                raise ValueError(
                    "classes must be passed on the first call to partial_fit."
                )
            binarizer = LabelBinarizer().fit(y if multilabel else classes)
        elif first_pass:
            binarizer = LabelBinarizer().fit(y)
        else:
            binarizer = self._label_binarizer
            if (
                incremental
                and classes is not None
                and not np.array_equal(unique_labels(classes), self.classes_)
            ):
                raise ValueError(
                    f"classes={classes!r} is not the same as on the first call to "
                    f"partial_fit, which was {self.classes_!r}."
                )
        if multilabel != binarizer.y_type_.startswith("multilabel"):
            raise ValueError(
                "y is a multilabel indicator matrix but the classifier was fitted "
                "on single-output labels, or the other way round."
                if multilabel
                else "y holds single-output labels but the classifier was fitted "
                "on a multilabel indicator matrix."
            )
        if multilabel:
            if y.shape[1] != len(binarizer.classes_):
                raise ValueError(
                    f"y has {y.shape[1]} labels; the classifier has "
                    f"{len(binarizer.classes_)}."
                )
        else:
            seen = unique_labels(y)
            unknown = np.setdiff1d(seen, binarizer.classes_)
            if len(unknown):
                raise ValueError(
                    f"y contains labels not in classes_ {binarizer.classes_!r}: "
                    f"{unknown!r}."
                )
            if (
                not first_pass
                and not incremental
                and len(seen) != len(binarizer.classes_)
            ):
                raise ValueError(
                    "warm_start can only be used where y has the same classes as in "
                    f"the previous call to fit. Previously got {self.classes_!r}, y "
                    f"has {seen!r}."
                )
        loss_name = (
            "log_loss" if binarizer.y_type_ == "multiclass" else "binary_log_loss"
        )
        Y = binarizer.transform(y)
        fitted_attrs = {"_label_binarizer": binarizer, "classes_": binarizer.classes_}
        return Y, loss_name, fitted_attrs

    def _encode_known_targets(self, y, n_samples, classes):
        binarizer = self._label_binarizer
        if binarizer.y_type_ not in ("binary", "multiclass"):
            return None
        known = self.classes_
        if classes is not None and not (
            len(classes) == len(known)
            and (
                np.array_equal(np.asarray(classes), known)
                # Unsorted, as river passes them (in the order it met them):
                # np.unique costs microseconds, so only when needed.
                or np.array_equal(np.unique(np.asarray(classes)), known)
            )
        ):
            return None
        if isinstance(y, list):
            y = np.asarray(y)
        if type(y) is not np.ndarray or y.shape != (n_samples,):
            return None
        try:
            codes = np.searchsorted(known, y)
        except TypeError:  # labels not comparable with the classes
            return None
        if (codes >= len(known)).any() or not (known[codes] == y).all():
            return None
        dtype = self._network.dtype
        if self.n_outputs_ == 1:
            # LabelBinarizer's binary column: 1 for classes_[1], else 0.
            return (codes == 1).astype(dtype).reshape(-1, 1)
        Y = np.zeros((n_samples, len(known)), dtype=dtype)
        Y[np.arange(n_samples), codes] = 1
        return Y

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
            incremental=False,
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
            X, y, sample_weight=sample_weight, incremental=True, classes=classes
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
        return self._predict(X)

    def _predict(self, X, validate=True):
        return self._labels_from_raw_output(self._raw_output(X, validate))

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
        Z = self._raw_output(X)
        if len(self.classes_) == 1:
            return np.ones_like(Z)
        if self._is_binary():
            # Both columns from the logit: sigma(-z) is accurate where
            # 1 - sigma(z) would round to 0.
            Z = np.hstack([-Z, Z])
        probabilities = self._network.loss.output(Z)
        # A logistic or softmax model never gives probability 0; where exp
        # underflows, report the smallest positive float so that
        # log(predict_proba) stays finite, like predict_log_proba.
        return np.maximum(probabilities, np.finfo(Z.dtype).tiny, out=probabilities)

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
        Z = self._raw_output(X)
        if len(self.classes_) == 1:
            return np.zeros_like(Z)
        if self.out_activation_ == "softmax":
            return log_softmax(Z)
        # log sigmoid(z) = -log(1 + e^-z) and log(1 - sigmoid(z)) = -log(1 + e^z)
        log_positive = -np.logaddexp(0, -Z)
        if self._is_binary():
            return np.hstack([-np.logaddexp(0, Z), log_positive])
        return log_positive

    def _is_binary(self):
        return len(self.classes_) == 2 and self._label_binarizer.y_type_ == "binary"

    def _labels_from_raw_output(self, Z):
        probabilities = self._network.loss.output(Z)
        if self.n_outputs_ == 1:
            probabilities = probabilities.ravel()
        return self._label_binarizer.inverse_transform(probabilities)

    def _score_raw_output(self, Z, y, sample_weight=None):
        y_pred = self._labels_from_raw_output(Z)
        return accuracy_score(y, y_pred, sample_weight=sample_weight)

    def _encode_validation_targets(self, y_val, fitted_attrs):
        binarizer = fitted_attrs.get("_label_binarizer") or self._label_binarizer
        multilabel = type_of_target(y_val).startswith("multilabel")
        if multilabel != binarizer.y_type_.startswith("multilabel"):
            raise ValueError(
                "y_val must be of the same kind as y (labels, or a multilabel "
                "indicator matrix)."
            )
        if not multilabel:
            unknown = np.setdiff1d(unique_labels(y_val), binarizer.classes_)
            if len(unknown):
                raise ValueError(
                    f"y_val contains labels not in y's classes "
                    f"{binarizer.classes_!r}: {unknown!r}."
                )
        return binarizer.transform(y_val)

    # ------------------------------------------------------------------
    # Class weights
    # ------------------------------------------------------------------
    @staticmethod
    def _class_codes(Y, multilabel):
        """Class index of each sample in each group, shape (n, n_groups).

        One group for single-output labels (the class), one per label for
        multilabel targets (0 or 1).
        """
        if multilabel or Y.shape[1] == 1:  # indicators; binary or one class
            return (Y > 0.5).astype(np.intp)
        return Y.argmax(axis=1).reshape(-1, 1)

    def _class_weights(self, Y, sample_weight, incremental, fitted_attrs):
        """Weight of each class of each output group, and the counts to keep.

        "balanced" counts each sample by its ``sample_weight``, so that a
        weight of 2 and a repeated row give the same class weights.

        Returns
        -------
        table : tuple (ndarray of shape (n_groups, n_classes), bool) or None
            ``table[0][g, c]`` weighs the samples of class ``c`` in group
            ``g``; ``table[1]`` tells whether the targets are multilabel.
        attrs : dict
            ``_class_counts`` for "balanced": the counts seen so far.
        """
        class_weight = self.class_weight
        # Counts belong to "balanced": other settings drop them, so that a
        # later switch back to "balanced" counts afresh.
        no_counts = (
            {"_class_counts": None}
            if self.__dict__.get("_class_counts") is not None
            else {}
        )
        if class_weight is None:
            return None, no_counts
        binarizer = fitted_attrs.get("_label_binarizer") or self._label_binarizer
        multilabel = binarizer.y_type_.startswith("multilabel")
        classes = [0, 1] if multilabel else list(binarizer.classes_)
        n_groups = len(binarizer.classes_) if multilabel else 1
        codes = self._class_codes(Y, multilabel)
        n_classes = len(classes)
        if isinstance(class_weight, str):  # "balanced"
            counts = np.stack(
                [
                    np.bincount(codes[:, g], weights=sample_weight, minlength=n_classes)
                    for g in range(n_groups)
                ]
            ).astype(np.float64)
            previous = self.__dict__.get("_class_counts")
            if incremental and previous is not None and previous.shape == counts.shape:
                counts += previous
            # n_seen / (n_classes * count), as sklearn's compute_class_weight;
            # classes not seen yet have no sample to weigh.
            n_seen = counts.sum(axis=1, keepdims=True)
            table = np.divide(
                n_seen,
                n_classes * counts,
                out=np.ones_like(counts),
                where=counts > 0,
            )
            return (table, multilabel), {"_class_counts": counts}
        if multilabel:
            if not isinstance(class_weight, list) or len(class_weight) != n_groups:
                raise ValueError(
                    "For multilabel targets, class_weight must be 'balanced' or a "
                    f"list of {n_groups} dicts (one per label, keyed by 0 and 1)."
                )
            dicts = class_weight
        else:
            if not isinstance(class_weight, dict):
                raise ValueError(
                    "class_weight must be a dict {class_label: weight} or "
                    f"'balanced' for single-output targets; got {class_weight!r}."
                )
            dicts = [class_weight]
        table = np.ones((n_groups, n_classes))
        for g, weights in enumerate(dicts):
            if not isinstance(weights, dict):
                raise ValueError(
                    f"class_weight entries must be dicts; got {weights!r}."
                )
            for label, weight in weights.items():
                matches = [i for i, c in enumerate(classes) if c == label]
                if not matches:
                    raise ValueError(
                        f"class_weight has the label {label!r}, which is not among "
                        f"the classes {classes!r}."
                    )
                if (
                    isinstance(weight, bool)
                    or not isinstance(weight, Real)
                    or not np.isfinite(weight)
                    or weight < 0
                ):
                    raise ValueError(
                        f"class_weight values must be finite non-negative numbers; "
                        f"got {weight!r} for {label!r}."
                    )
                table[g, matches[0]] = weight
        return (table, multilabel), no_counts

    def _weigh_by_class(self, Y, sample_weight, table):
        if table is None:
            return sample_weight
        table, multilabel = table
        codes = self._class_codes(Y, multilabel)
        weights = np.ones(Y.shape[0], dtype=Y.dtype)
        for g in range(codes.shape[1]):
            weights *= table[g, codes[:, g]]
        return weights if sample_weight is None else sample_weight * weights

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags
