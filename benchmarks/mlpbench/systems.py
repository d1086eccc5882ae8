"""The systems timed: skbackprop, scikit-learn, a PyTorch loop, a NumPy floor."""

from abc import ABC, abstractmethod

import numpy as np
from sklearn.neural_network import MLPClassifier, MLPRegressor

from skbackprop import MiniBatchMLPClassifier, MiniBatchMLPRegressor

from .common import ALPHA, LEARNING_RATES, MODEL_SEED, OURS, torch


class System(ABC):
    """A way of training an MLP, timed through one interface.

    ``prepare`` (untimed) receives the data; ``fit_epochs`` (timed) builds
    a freshly initialised model and trains it on all of the data.
    """

    name = ""

    @classmethod
    def unavailable_reason(cls):
        """Why the system cannot run here, or None if it can."""
        return None

    def prepare(self, X, y, workload, solver):
        """Keep the data and settings of the next fits (untimed).

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            Features, C-contiguous, in the workload's dtype.
        y : ndarray of shape (n_samples,)
            Labels or regression targets.
        workload : Workload
            Architecture, batch size, task.
        solver : {'adam', 'sgd'}
            Optimizer.
        """
        self.X, self.y, self.workload, self.solver = X, y, workload, solver

    @abstractmethod
    def fit_epochs(self, n_epochs):
        """Train a freshly initialised model for ``n_epochs`` epochs."""


def estimator_params(hidden, batch_size, solver, n_epochs):
    """Constructor parameters shared by skbackprop and scikit-learn.

    ``tol=0`` and ``n_iter_no_change > max_iter`` make sure that nothing
    stops before ``max_iter`` epochs. The other parameters (``relu``,
    Nesterov momentum 0.9, Adam's betas) are the shared defaults.
    """
    return {
        "hidden_layer_sizes": hidden,
        "solver": solver,
        "batch_size": batch_size,
        "learning_rate_init": LEARNING_RATES[solver],
        "alpha": ALPHA,
        "max_iter": n_epochs,
        "tol": 0.0,
        "n_iter_no_change": n_epochs + 1,
        "shuffle": True,
        "random_state": MODEL_SEED,
    }


class _EstimatorSystem(System):
    """A scikit-learn-style estimator fitted with ``max_iter=n_epochs``."""

    classifier = regressor = None

    def fit_epochs(self, n_epochs):
        workload = self.workload
        cls = self.regressor if workload.task == "regression" else self.classifier
        params = estimator_params(
            workload.hidden, workload.batch_size, self.solver, n_epochs
        )
        model = cls(**params).fit(self.X, self.y)
        if model.n_iter_ != n_epochs:  # the comparison needs every epoch run
            raise RuntimeError(
                f"{self.name} stopped after {model.n_iter_} of {n_epochs} epochs"
            )


class SkbackpropSystem(_EstimatorSystem):
    """skbackprop's ``MiniBatchMLPClassifier`` / ``MiniBatchMLPRegressor``."""

    name = OURS
    classifier, regressor = MiniBatchMLPClassifier, MiniBatchMLPRegressor


class SkbackpropTorchSystem(SkbackpropSystem):
    """skbackprop on PyTorch CPU tensors, through scikit-learn's array API dispatch.

    The same estimators, given ``torch.from_numpy`` views of the data under
    ``sklearn.config_context(array_api_dispatch=True)``: the network, its
    buffers and every operation are PyTorch's, at PyTorch's default number
    of threads (its element-wise kernels are multi-threaded, NumPy's are not).
    """

    name = "skbackprop-torch"

    @classmethod
    def unavailable_reason(cls):
        return None if torch is not None else "PyTorch is not installed"

    def prepare(self, X, y, workload, solver):
        super().prepare(X, y, workload, solver)
        self.X, self.y = torch.from_numpy(X), torch.from_numpy(np.asarray(y))

    def fit_epochs(self, n_epochs):
        from sklearn import config_context

        with config_context(array_api_dispatch=True):
            super().fit_epochs(n_epochs)


class SklearnSystem(_EstimatorSystem):
    """scikit-learn's ``MLPClassifier`` / ``MLPRegressor``."""

    name = "sklearn"
    classifier, regressor = MLPClassifier, MLPRegressor


class TorchSystem(System):
    """A plain PyTorch CPU training loop, as one would write it by hand.

    ``nn.Sequential`` of ``Linear`` and ``ReLU``; cross-entropy on the
    logits, binary cross-entropy on one logit, or mean squared error
    (scikit-learn minimises half of it; the scale does not change the
    cost); ``Adam``, or ``SGD`` with Nesterov momentum 0.9. Weight decay
    is off, which can only save PyTorch work. Each epoch draws a
    ``randperm`` and indexes the tensors, which ``prepare`` made once with
    ``torch.from_numpy`` (no copy). The number of threads is PyTorch's
    default, recorded in the report's header.
    """

    name = "torch"

    @classmethod
    def unavailable_reason(cls):
        return None if torch is not None else "PyTorch is not installed"

    def prepare(self, X, y, workload, solver):
        super().prepare(X, y, workload, solver)
        self.X_tensor = torch.from_numpy(X)
        if workload.task == "multiclass":
            self.y_tensor = torch.from_numpy(y.astype(np.int64))
        else:
            self.y_tensor = torch.from_numpy(y.astype(X.dtype).reshape(-1, 1))

    def fit_epochs(self, n_epochs):
        from torch import nn

        workload = self.workload
        torch.manual_seed(MODEL_SEED)
        units = [workload.n_features, *workload.hidden]
        layers = []
        for fan_in, fan_out in zip(units[:-1], units[1:], strict=True):
            layers += [nn.Linear(fan_in, fan_out), nn.ReLU()]
        layers.append(nn.Linear(units[-1], workload.n_outputs))
        model = nn.Sequential(*layers).to(self.X_tensor.dtype)
        loss_fn = {
            "multiclass": nn.CrossEntropyLoss,
            "binary": nn.BCEWithLogitsLoss,
            "regression": nn.MSELoss,
        }[workload.task]()
        lr = LEARNING_RATES[self.solver]
        if self.solver == "adam":
            optimizer = torch.optim.Adam(model.parameters(), lr=lr)
        else:
            optimizer = torch.optim.SGD(
                model.parameters(), lr=lr, momentum=0.9, nesterov=True
            )

        X, y = self.X_tensor, self.y_tensor
        n_samples, batch_size = X.shape[0], workload.batch_size
        for _ in range(n_epochs):
            order = torch.randperm(n_samples)
            epoch_loss = 0.0
            for start in range(0, n_samples, batch_size):
                idx = order[start : start + batch_size]
                optimizer.zero_grad()
                loss = loss_fn(model(X[idx]), y[idx])
                loss.backward()
                optimizer.step()
                # The estimators record the epoch's loss (loss_curve_); so
                # does a typical loop.
                epoch_loss += loss.item() * len(idx)


class FloorSystem(System):
    """The matrix products of backpropagation, and nothing else.

    Per batch: the rows are gathered into a preallocated buffer
    (``np.take(..., out=, mode='clip')``, as a NumPy MLP must); forward
    ``Z_l = A_{l-1} @ W_l`` with ``A_l = Z_l`` (no bias, no activation);
    backward ``dW_l = A_{l-1}.T @ D_l`` for every layer and
    ``D_{l-1} = D_l @ W_l.T`` for every layer but the first, from
    ``D_L = Z_L`` (no loss). Every product writes into a preallocated
    array (``np.matmul(..., out=)``) and nothing is updated. A NumPy MLP
    does at least this work on the same batches, so its time is a lower
    bound for one.
    """

    name = "floor"

    def fit_epochs(self, n_epochs):
        X, workload = self.X, self.workload
        n_samples, dtype = X.shape[0], X.dtype
        batch_size = min(workload.batch_size, n_samples)
        units = [workload.n_features, *workload.hidden, workload.n_outputs]
        rng = np.random.RandomState(MODEL_SEED)
        # Glorot-scaled weights keep every product of order one, far from
        # overflow and from subnormal numbers (which are slow).
        weights = [
            (rng.standard_normal((a, b)) * np.sqrt(2.0 / (a + b))).astype(dtype)
            for a, b in zip(units[:-1], units[1:], strict=True)
        ]
        grads = [np.empty_like(W) for W in weights]
        batch = np.empty((batch_size, units[0]), dtype=dtype)
        outputs = [np.empty((batch_size, u), dtype=dtype) for u in units[1:]]
        deltas = [np.empty((batch_size, u), dtype=dtype) for u in units[1:-1]]

        sample_idx = np.arange(n_samples)
        for _ in range(n_epochs):
            rng.shuffle(sample_idx)
            for start in range(0, n_samples, batch_size):
                idx = sample_idx[start : start + batch_size]
                n = len(idx)
                A = np.take(X, idx, axis=0, out=batch[:n], mode="clip")
                inputs = []  # A_{l-1} of each layer
                for W, out in zip(weights, outputs, strict=True):
                    inputs.append(A)
                    A = np.matmul(A, W, out=out[:n])
                D = A
                for layer in range(len(weights) - 1, -1, -1):
                    np.matmul(inputs[layer].T, D, out=grads[layer])
                    if layer > 0:
                        D = np.matmul(D, weights[layer].T, out=deltas[layer - 1][:n])


class CompactSystem(System):
    """A compact NumPy MLP: the same model with nothing but the training.

    What a careful NumPy programmer writes for this one network: one flat
    parameter vector with per-layer views, preallocated buffers, the
    rows gathered with ``np.take(..., out=)``, ReLU in place, the output
    delta fused (softmax, logistic or identity minus Y), the L2 term, and
    the Adam or Nesterov-SGD step on the flat vector with scikit-learn's
    formulas, at the library's default BLAS threads. No validation, no
    divergence check, no callbacks, no early stopping: how fast a plain
    NumPy loop can be, the yardstick of skbackprop's overhead.
    """

    name = "compact"

    def fit_epochs(self, n_epochs):
        X, y, workload = self.X, self.y, self.workload
        n_samples, dtype = X.shape[0], X.dtype
        batch_size = min(workload.batch_size, n_samples)
        units = [workload.n_features, *workload.hidden, workload.n_outputs]
        if workload.task == "multiclass":
            Y = np.eye(workload.n_outputs, dtype=dtype)[
                np.unique(y, return_inverse=True)[1]
            ]
        else:
            Y = y.reshape(-1, 1).astype(dtype)
        rng = np.random.RandomState(MODEL_SEED)
        shapes = list(zip(units[:-1], units[1:], strict=True))
        n_coefs = sum(a * b for a, b in shapes)
        params = np.empty(n_coefs + sum(units[1:]), dtype=dtype)
        grads = np.empty_like(params)

        def views(flat):
            Ws, bs, start = [], [], 0
            for a, b in shapes:
                Ws.append(flat[start : start + a * b].reshape(a, b))
                start += a * b
            for _, b in shapes:
                bs.append(flat[start : start + b])
                start += b
            return Ws, bs

        Ws, bs = views(params)
        dWs, dbs = views(grads)
        for (a, b), W, bias in zip(shapes, Ws, bs, strict=True):
            bound = np.sqrt(6.0 / (a + b))
            W[...] = rng.uniform(-bound, bound, (a, b))
            bias[...] = rng.uniform(-bound, bound, b)
        x_buf = np.empty((batch_size, units[0]), dtype)
        y_buf = np.empty((batch_size, units[-1]), dtype)
        acts = [np.empty((batch_size, u), dtype) for u in units[1:]]
        deltas = [np.empty((batch_size, u), dtype) for u in units[1:]]
        ones = np.ones(batch_size, dtype)
        first, second = np.zeros_like(params), np.zeros_like(params)
        scratch = np.empty_like(params)
        beta_1, beta_2, eps, momentum = 0.9, 0.999, 1e-8, 0.9
        lr = LEARNING_RATES[self.solver]
        last = len(shapes) - 1
        step = 0
        sample_idx = np.arange(n_samples)
        for _ in range(n_epochs):
            rng.shuffle(sample_idx)
            for start in range(0, n_samples, batch_size):
                idx = sample_idx[start : start + batch_size]
                n = len(idx)
                A = [np.take(X, idx, axis=0, out=x_buf[:n], mode="clip")]
                Yb = np.take(Y, idx, axis=0, out=y_buf[:n], mode="clip")
                for l in range(last + 1):
                    Z = np.matmul(A[l], Ws[l], out=acts[l][:n])
                    Z += bs[l]
                    if l < last:
                        np.maximum(Z, 0, out=Z)
                    A.append(Z)
                D = deltas[last][:n]
                Z = A[-1]
                if workload.task == "multiclass":
                    Z -= Z.max(axis=1, keepdims=True)
                    np.exp(Z, out=Z)
                    Z /= Z.sum(axis=1, keepdims=True)
                elif workload.task == "binary":
                    np.negative(Z, out=Z)
                    np.exp(Z, out=Z)
                    Z += 1
                    np.reciprocal(Z, out=Z)
                np.subtract(Z, Yb, out=D)
                D /= n
                for l in range(last, -1, -1):
                    np.matmul(A[l].T, D, out=dWs[l])
                    dWs[l] += (ALPHA / n) * Ws[l]
                    np.matmul(ones[:n], D, out=dbs[l])
                    if l > 0:
                        D_prev = np.matmul(D, Ws[l].T, out=deltas[l - 1][:n])
                        D_prev *= A[l] > 0
                        D = D_prev
                step += 1
                if self.solver == "adam":
                    first *= beta_1
                    first += (1 - beta_1) * grads
                    second *= beta_2
                    np.multiply(grads, grads, out=scratch)
                    second += (1 - beta_2) * scratch
                    rate = lr * np.sqrt(1 - beta_2**step) / (1 - beta_1**step)
                    np.sqrt(second, out=scratch)
                    scratch += eps
                    np.divide(first, scratch, out=scratch)
                    scratch *= rate
                    params -= scratch
                else:  # Nesterov momentum
                    first *= momentum
                    first -= lr * grads
                    np.multiply(first, momentum, out=scratch)
                    scratch -= lr * grads
                    params += scratch


SYSTEMS = {
    system.name: system
    for system in (
        SkbackpropSystem,
        SkbackpropTorchSystem,
        SklearnSystem,
        TorchSystem,
        FloorSystem,
        CompactSystem,
    )
}
