"""Targets: how ``y`` becomes the matrix ``Y`` the network trains on.

One object per fitted estimator holds what the encoding has learnt (the
classes, the running class counts) and does every step that depends on it:
encode a call's targets, encode a streaming chunk's known labels cheaply,
encode validation targets, weigh samples by class. A training call gets a
new object and the estimator keeps it only when the call succeeds, so a
failing call changes nothing.
"""

from numbers import Real

import numpy as np
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.multiclass import type_of_target, unique_labels

from skbackprop._inputs import as_numeric_array, check_dense
from skbackprop.core.losses import LOSSES


class RegressionTargets:
    """Real-valued targets, one column per output.

    Parameters
    ----------
    loss : str
        The ``loss`` parameter, for the Poisson check on target values.
    """

    class_counts = None  # regressors weigh no classes

    def __init__(self, loss):
        self.loss = loss  # the name of the loss parameter

    @classmethod
    def from_fitted(cls, estimator):
        """The encoding of a model fitted by skbackprop 0.1.0."""
        return cls(estimator._network.loss.name)

    @classmethod
    def output_name(cls, estimator, n_outputs):
        """The output function of the ``loss`` parameter (no options needed)."""
        return LOSSES[estimator.loss].output_name

    @classmethod
    def for_call(cls, estimator, y, kind, classes, params):
        """Check ``y`` for this call; return the targets and the loss.

        The loss is the registered class of the ``loss`` parameter, built
        from the parameters it reads (``params``).
        """
        loss = LOSSES[params["loss"]].from_params(params)
        targets = cls(estimator.loss)
        targets._check_values(y, "y")
        if not kind.new_network and estimator._network.loss.name != estimator.loss:
            raise ValueError(
                f"The model was fitted with loss={estimator._network.loss.name!r}; "
                f"loss={estimator.loss!r} needs a fit from scratch (warm_start=False)."
            )
        return targets, loss

    def _check_values(self, y, name):
        check_dense(y, name)  # scikit-learn's validation lets a sparse y through
        if self.loss == "poisson" and np.any(y < 0):
            raise ValueError(
                f"Some value(s) of {name} are negative, which is not allowed for "
                "the Poisson loss."
            )

    def encode(self, y):
        """``Y`` of shape (n_samples, n_outputs) for checked targets ``y``."""
        return y

    def encode_validation(self, y_val):
        self._check_values(y_val, "y_val")
        return y_val

    def encode_known(self, y, n_samples, classes, n_outputs, dtype):
        """``Y`` for a streaming chunk's plainly valid ``y``, else None."""
        y = as_numeric_array(y)
        # One output takes a vector: a column goes to full validation, which
        # warns about it.
        expected = (n_samples,) if n_outputs == 1 else (n_samples, n_outputs)
        if y is None or y.shape != expected:
            return None
        Y = y.reshape(n_samples, -1).astype(dtype, copy=False)
        if not np.isfinite(Y).all() or (self.loss == "poisson" and (Y < 0).any()):
            return None
        return Y

    def advance(self, Y, sample_weight, class_weight, kind):
        """Targets after this call, and its samples' weights (no classes here)."""
        return self, sample_weight

    def weigh(self, Y, sample_weight, class_weight):
        return sample_weight

    def fitted_attributes(self):
        return {}


class ClassTargets:
    """Class labels (one-hot or one column) or a multilabel indicator matrix.

    Parameters
    ----------
    binarizer : sklearn.preprocessing.LabelBinarizer
        Fitted on the classes.
    class_counts : ndarray of shape (n_groups, n_classes) or None
        Samples seen per class (by weight), for ``class_weight="balanced"``.
    """

    def __init__(self, binarizer, class_counts=None):
        self.binarizer = binarizer
        self.class_counts = class_counts
        self.multilabel = binarizer.y_type_.startswith("multilabel")

    @classmethod
    def from_fitted(cls, estimator):
        """The encoding of a model fitted by skbackprop 0.1.0."""
        state = estimator.__dict__
        return cls(state["_label_binarizer"], state.pop("_class_counts", None))

    @staticmethod
    def _core_loss(multiclass):
        """Softmax cross-entropy for one label of many classes, else logistic."""
        return LOSSES["log_loss" if multiclass else "binary_log_loss"]()

    @classmethod
    def output_name(cls, estimator, n_outputs):
        """The output function for ``n_outputs`` outputs, before any data.

        More than two outputs are taken as multiclass: a multilabel target
        is told apart only by its data.
        """
        return cls._core_loss(n_outputs > 2).output_name

    @classmethod
    def for_call(cls, estimator, y, kind, classes, params):
        """Check ``y`` for this call; return the targets and the loss."""
        multilabel = type_of_target(y).startswith("multilabel")
        counts = None
        first_pass, incremental = kind.new_network, kind.incremental
        if first_pass and incremental:
            if classes is None and not multilabel:
                raise ValueError(
                    "classes must be passed on the first call to partial_fit."
                )
            binarizer = LabelBinarizer().fit(y if multilabel else classes)
        elif first_pass:
            binarizer = LabelBinarizer().fit(y)
        else:
            binarizer = estimator._label_binarizer
            counts = estimator._targets.class_counts
            if (
                incremental
                and classes is not None
                and not np.array_equal(unique_labels(classes), estimator.classes_)
            ):
                raise ValueError(
                    f"classes={classes!r} is not the same as on the first call to "
                    f"partial_fit, which was {estimator.classes_!r}."
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
                    f"the previous call to fit. Previously got {estimator.classes_!r}, "
                    f"y has {seen!r}."
                )
        multiclass = binarizer.y_type_ == "multiclass"
        loss = LOSSES["log_loss" if multiclass else "binary_log_loss"].from_params(
            params
        )
        return cls(binarizer, counts), loss

    def encode(self, y):
        return self.binarizer.transform(y)

    def encode_validation(self, y_val):
        binarizer = self.binarizer
        multilabel = type_of_target(y_val).startswith("multilabel")
        if multilabel != self.multilabel:
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

    def encode_known(self, y, n_samples, classes, n_outputs, dtype):
        """``Y`` for a streaming chunk's plainly valid labels, else None."""
        if self.binarizer.y_type_ not in ("binary", "multiclass"):
            return None
        known = self.binarizer.classes_
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
        if n_outputs == 1:
            # LabelBinarizer's binary column: 1 for classes_[1], else 0.
            return (codes == 1).astype(dtype).reshape(-1, 1)
        Y = np.zeros((n_samples, len(known)), dtype=dtype)
        Y[np.arange(n_samples), codes] = 1
        return Y

    def decode(self, probabilities):
        """Labels from predicted probabilities, as ``LabelBinarizer`` decodes.

        Parameters
        ----------
        probabilities : ndarray of shape (n_samples, n_outputs)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
        """
        classes = self.binarizer.classes_
        y_type = self.binarizer.y_type_
        # The binarizer's own rules, without its validation (it costs more
        # than a one-row prediction): the first most probable class, or the
        # positive class above one half.
        if y_type == "multiclass":
            return classes.take(probabilities.argmax(axis=1), mode="clip")
        if y_type == "binary" and len(classes) == 2:
            return classes[(probabilities.ravel() > 0.5).astype(np.intp)]
        if probabilities.shape[1] == 1:
            probabilities = probabilities.ravel()
        return self.binarizer.inverse_transform(probabilities)

    # ------------------------------------------------------------------
    # Class weights
    # ------------------------------------------------------------------
    def _codes(self, Y):
        """Class index of each sample in each group, shape (n, n_groups).

        One group for single-output labels (the class), one per label for
        multilabel targets (0 or 1).
        """
        if self.multilabel or Y.shape[1] == 1:  # indicators; binary or one class
            return (Y > 0.5).astype(np.intp)
        return Y.argmax(axis=1).reshape(-1, 1)

    def _groups(self):
        classes = [0, 1] if self.multilabel else list(self.binarizer.classes_)
        n_groups = len(self.binarizer.classes_) if self.multilabel else 1
        return classes, n_groups

    def advance(self, Y, sample_weight, class_weight, kind):
        """Targets after this call, and the samples' weights by class.

        "balanced" counts each sample by its ``sample_weight``, so that a
        weight of 2 and a repeated row give the same class weights; in a
        stream the counts run over every sample seen, this chunk included.
        Counts belong to "balanced": other settings drop them, so that a
        later switch back to "balanced" counts afresh.
        """
        if class_weight is None:
            return ClassTargets(self.binarizer), sample_weight
        if not isinstance(class_weight, str):
            targets = ClassTargets(self.binarizer)
            return targets, targets.weigh(Y, sample_weight, class_weight)
        classes, n_groups = self._groups()
        codes = self._codes(Y)
        counts = np.stack(
            [
                np.bincount(codes[:, g], weights=sample_weight, minlength=len(classes))
                for g in range(n_groups)
            ]
        ).astype(np.float64)
        previous = self.class_counts
        if kind.incremental and previous is not None and previous.shape == counts.shape:
            counts += previous
        targets = ClassTargets(self.binarizer, counts)
        return targets, targets.weigh(Y, sample_weight, class_weight)

    def weigh(self, Y, sample_weight, class_weight):
        """``sample_weight`` times each sample's class weight."""
        if class_weight is None:
            return sample_weight
        table = self._class_weight_table(class_weight)
        codes = self._codes(Y)
        weights = np.ones(Y.shape[0], dtype=Y.dtype)
        for g in range(codes.shape[1]):
            weights *= table[g, codes[:, g]]
        return weights if sample_weight is None else sample_weight * weights

    def _class_weight_table(self, class_weight):
        """Weight of each class (column) of each output group (row)."""
        classes, n_groups = self._groups()
        n_classes = len(classes)
        if isinstance(class_weight, str):  # "balanced", from the counts
            counts = self.class_counts
            # n_seen / (n_classes * count), as sklearn's compute_class_weight;
            # classes not seen yet have no sample to weigh.
            n_seen = counts.sum(axis=1, keepdims=True)
            return np.divide(
                n_seen, n_classes * counts, out=np.ones_like(counts), where=counts > 0
            )
        if self.multilabel:
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
        return table

    def fitted_attributes(self):
        return {
            "_label_binarizer": self.binarizer,
            "classes_": self.binarizer.classes_,
        }
