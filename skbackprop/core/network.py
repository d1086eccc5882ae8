r"""A multilayer perceptron: parameters, forward pass and backward pass.

Notation, for a batch of ``n`` samples and a network with layer sizes
``layer_units = [u_0, u_1, ..., u_L]`` (``u_0`` features, ``u_L`` outputs):

==========  =================  ===============================================
symbol      shape              meaning
==========  =================  ===============================================
``A[0]``    ``(n, u_0)``       the input batch ``X``
``W[l]``    ``(u_l, u_l+1)``   weights of layer ``l`` (``coefs_[l]``)
``b[l]``    ``(u_l+1,)``       biases of layer ``l`` (``intercepts_[l]``)
``Z[l+1]``  ``(n, u_l+1)``     pre-activation, ``A[l] @ W[l] + b[l]``
``A[l+1]``  ``(n, u_l+1)``     activation, ``f(Z[l+1])`` for hidden layers
``D[l]``    ``(n, u_l+1)``     delta, ``dJ/dZ[l+1]``
``dW[l]``   ``(u_l, u_l+1)``   gradient of the objective for ``W[l]``
``db[l]``   ``(u_l+1,)``       gradient of the objective for ``b[l]``
==========  =================  ===============================================

The objective of one batch, with sample weights ``w`` (all ones by default)
and a weight total ``s`` (``n``, or ``sum(w)``), is

.. math::

    J = \frac{1}{s}\Big(\sum_i w_i\,\ell(z_i, y_i)
        + \frac{\alpha}{2} \sum_l \lVert W_l \rVert^2\Big)

All parameters live in one contiguous vector (all weights, then all biases,
the order scikit-learn uses for L-BFGS); ``coefs`` and ``intercepts`` are
views into it, and the gradient has the same layout. An optimizer can
therefore update every parameter with a few vectorised operations.
"""

from copy import deepcopy

import numpy as np

from skbackprop.core.activations import get_activation
from skbackprop.core.arrays import (
    NUMPY,
    array_namespace,
    operations_for,
    operations_for_library,
)
from skbackprop.core.initializers import WEIGHT_INITS
from skbackprop.core.losses import get_loss
from skbackprop.core.registry import Param

__all__ = [
    "DROPOUT_RATE",
    "Network",
    "draw_dropout_masks",
    "forward",
    "parameter_views",
    "trace",
]

#: A hidden layer's dropout rate: the one check of the rule, for the
#: estimators' parameter too.
DROPOUT_RATE = Param(float, 0, 1, closed="left")


def parameter_views(flat, layer_units):
    """Split a flat parameter vector into per-layer weight and bias views.

    Parameters
    ----------
    flat : ndarray of shape (n_parameters,)
        All weights (layer by layer, row-major), then all biases.
    layer_units : list of int
        Sizes ``[u_0, ..., u_L]`` of every layer, input and output included.

    Returns
    -------
    coefs : list of ndarray, each of shape (u_l, u_l+1)
        Views of ``flat``, one per layer.
    intercepts : list of ndarray, each of shape (u_l+1,)
        Views of ``flat``, one per layer.

    Raises
    ------
    ValueError
        If the length of ``flat`` does not match ``layer_units``.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.core.network import parameter_views
    >>> flat = np.zeros(13)  # 2*3 + 3*1 weights, then 3 + 1 biases
    >>> coefs, intercepts = parameter_views(flat, [2, 3, 1])
    >>> [W.shape for W in coefs], [b.shape for b in intercepts]
    ([(2, 3), (3, 1)], [(3,), (1,)])
    >>> coefs[1][:] = 1.0  # views: writing to them writes to flat
    >>> flat
    array([0., 0., 0., 0., 0., 0., 1., 1., 1., 0., 0., 0., 0.])
    """
    xp = array_namespace(flat)
    coefs, intercepts = [], []
    start = 0
    for fan_in, fan_out in zip(layer_units[:-1], layer_units[1:], strict=True):
        stop = start + fan_in * fan_out
        coefs.append(xp.reshape(flat[start:stop], (fan_in, fan_out)))
        start = stop
    for fan_out in layer_units[1:]:
        intercepts.append(flat[start : start + fan_out])
        start += fan_out
    if start != flat.shape[0]:
        raise ValueError(
            f"A flat vector of {flat.shape[0]} parameters does not match "
            f"layer sizes {list(layer_units)} ({start} parameters)."
        )
    return coefs, intercepts


def forward(X, coefs, intercepts, hidden_activations):
    """Raw outputs of a network for ``X``, allocating fresh arrays.

    This is the prediction path: it shares no buffer with anything, so any
    number of threads may call it at once.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Input samples.
    coefs : list of ndarray, each of shape (u_l, u_l+1)
        Weights of every layer.
    intercepts : list of ndarray, each of shape (u_l+1,)
        Biases of every layer.
    hidden_activations : list of Activation or str
        One activation per hidden layer (``len(coefs) - 1`` of them).

    Returns
    -------
    Z : ndarray of shape (n_samples, n_outputs)
        Raw outputs (logits) of the last layer; the loss's output function
        (softmax, logistic, ...) is left to the caller.

    Examples
    --------
    One hidden unit, whose pre-activation ``1 - 2 + 0.5 = -0.5`` the ReLU
    sets to 0:

    >>> import numpy as np
    >>> from skbackprop.core.network import forward
    >>> X = np.array([[1.0, -1.0]])
    >>> coefs = [np.array([[1.0], [2.0]]), np.array([[3.0]])]
    >>> intercepts = [np.array([0.5]), np.array([-1.0])]
    >>> forward(X, coefs, intercepts, ["relu"])
    array([[-1.]])
    >>> forward(X, coefs, intercepts, ["identity"])
    array([[-2.5]])
    """
    A = X
    n_layers = len(coefs)
    for layer, (W, b) in enumerate(zip(coefs, intercepts, strict=True)):
        Z = A @ W  # (n, u_l) @ (u_l, u_l+1) -> (n, u_l+1)
        Z += b  # (u_l+1,) broadcast over the n rows
        if layer < n_layers - 1:
            A = get_activation(hidden_activations[layer]).forward(Z)
        else:
            A = Z
    return A


class Network:
    """Parameters of an MLP and the work buffers to train it on mini-batches.

    Parameters
    ----------
    layer_units : list of int
        ``[n_features, hidden_1, ..., hidden_k, n_outputs]``.
    hidden_activations : list of str or Activation
        One activation per hidden layer (``len(layer_units) - 2`` of them).
    loss : str or Loss
        The loss, which also fixes the output function.
    dtype : {numpy.float32, numpy.float64}, default=numpy.float64
        Floating-point type of parameters, gradients and work buffers.
    dropout_rates : sequence of float, default=None
        Inverted-dropout rate of each hidden layer, in ``[0, 1)``; None
        drops nothing. Masks are drawn in :meth:`loss_and_gradient` from the
        ``random_state`` it is given.
    namespace : module, default=None
        The Array API namespace whose arrays the network holds and trains on
        (e.g. ``array_api_compat.torch``); None is NumPy. See
        :mod:`skbackprop.core.arrays`.
    device : object, default=None
        The namespace's device for every array (None: its default).

    Attributes
    ----------
    params : ndarray of shape (n_parameters,)
        All weights then all biases, contiguous.
    coefs : list of ndarray, each of shape (u_l, u_l+1)
        Views of ``params``: the weights of each layer.
    intercepts : list of ndarray, each of shape (u_l+1,)
        Views of ``params``: the biases of each layer.
    grads : ndarray of shape (n_parameters,)
        Gradient of the last batch's objective, laid out as ``params``.
    coef_grads, intercept_grads : list of ndarray
        Views of ``grads``, shaped as ``coefs`` and ``intercepts``.
    n_coefs : int
        Number of weights; ``params[:n_coefs]`` are all the weights.
    xp : object
        The array operations of the namespace (:mod:`skbackprop.core.arrays`).

    Examples
    --------
    Twenty steps of gradient descent on a small regression batch:

    >>> import numpy as np
    >>> from skbackprop.core import SGD, Network
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(8, 3))
    >>> Y = X.sum(axis=1, keepdims=True)
    >>> net = Network([3, 4, 1], ["tanh"], "squared_error")
    >>> net.initialize(np.random.RandomState(0), "tanh")
    >>> [W.shape for W in net.coefs], net.params.shape
    ([(3, 4), (4, 1)], (21,))
    >>> optimizer = SGD(learning_rate_init=0.1)
    >>> losses = []
    >>> for _ in range(20):
    ...     losses.append(net.loss_and_gradient(X, Y))  # fills net.grads
    ...     optimizer.step(net.params, net.grads)
    >>> bool(losses[-1] < 0.1 * losses[0])
    True
    """

    #: No dropout: also what a network pickled before dropout rates loads with.
    dropout_rates = ()
    #: NumPy on the host, also for networks pickled before other namespaces.
    xp = NUMPY
    device = None

    def __init__(
        self,
        layer_units,
        hidden_activations,
        loss,
        dtype=np.float64,
        dropout_rates=None,
        namespace=None,
        device=None,
    ):
        self.layer_units = [int(u) for u in layer_units]
        if len(hidden_activations) != len(self.layer_units) - 2:
            raise ValueError(
                f"{len(self.layer_units) - 2} hidden layers need as many "
                f"activations; got {len(hidden_activations)}."
            )
        self.hidden_activations = [get_activation(a) for a in hidden_activations]
        self.loss = get_loss(loss)
        self.dtype = np.dtype(dtype)
        if namespace is not None:
            self.xp = operations_for(namespace)
            self.device = device
        if dropout_rates is not None:
            self.set_dropout_rates(dropout_rates)
        self.n_coefs = sum(
            fan_in * fan_out
            for fan_in, fan_out in zip(
                self.layer_units[:-1], self.layer_units[1:], strict=True
            )
        )
        n_params = self.n_coefs + sum(self.layer_units[1:])
        self.params = self._new((n_params,), zeros=True)
        self.grads = self._new((n_params,), zeros=True)
        self._make_views()
        self._batch_capacity = 0

    def _new(self, shape, zeros=False):
        """A new array of the network's dtype, namespace and device."""
        make = self.xp.zeros if zeros else self.xp.empty
        return make(shape, dtype=self.xp.float_dtype(self.dtype), device=self.device)

    def _make_views(self):
        self.coefs, self.intercepts = parameter_views(self.params, self.layer_units)
        self.coef_grads, self.intercept_grads = parameter_views(
            self.grads, self.layer_units
        )

    def __getstate__(self):
        # Views would be pickled as copies, and work buffers are only scratch.
        state = self.__dict__.copy()
        for name in ("coefs", "intercepts", "coef_grads", "intercept_grads"):
            del state[name]
        for name in (
            "_undropped",
            "_activations",
            "_deltas",
            "_kept_pre_activations",
            "_masks",
            "_ones",
            "_penalty_scratch",
        ):
            state.pop(name, None)
        state["_batch_capacity"] = 0
        # A dtype's name ('<f8') is a plain string: safe loaders such as
        # skops need not trust numpy.dtype objects. The library is saved by
        # its key in core.arrays.LIBRARIES, never by a module's name.
        state["dtype"] = self.dtype.str
        if "xp" in state:
            state["xp"] = self.xp.name
        return state

    def __setstate__(self, state):
        state = dict(state)
        if "xp" in state:
            # Looked up in the fixed table, which refuses any other name
            # before anything is imported: a file names no module to import.
            state["xp"] = operations_for_library(state["xp"])
        self.__dict__.update(state)
        self.dtype = np.dtype(self.dtype)
        self._make_views()

    def to(self, namespace=None, device=None):
        """A copy of the network whose arrays are in ``namespace``, on ``device``.

        The copy has the same layers, activations, loss, dtype, dropout
        rates, parameters and gradient, and shares no memory with this
        network; its work buffers are allocated by its first batch.

        Parameters
        ----------
        namespace : module, default=None
            The Array API namespace of the copy (see :class:`Network`); None
            is NumPy.
        device : object, default=None
            The namespace's device (None: its default).

        Returns
        -------
        network : Network
            The copy.

        Examples
        --------
        >>> import numpy as np
        >>> from skbackprop.core import Network
        >>> net = Network([2, 3, 1], ["relu"], "squared_error")
        >>> net.initialize(np.random.RandomState(0), "relu")
        >>> copy = net.to(np)
        >>> bool(np.array_equal(copy.params, net.params))
        True
        >>> np.shares_memory(copy.params, net.params)
        False
        """
        state = self.__getstate__()  # parameters and settings, no work buffers
        params, grads = state.pop("params"), state.pop("grads")
        state.pop("xp", None)
        state.pop("device", None)
        moved = type(self).__new__(type(self))
        moved.__dict__ = deepcopy(state)
        moved.dtype = np.dtype(moved.dtype)
        xp = operations_for(namespace)
        if xp is not NUMPY:
            moved.xp, moved.device = xp, device
        to_host = self.xp.to_host
        # Through the host, copied there: the copy owns its memory.
        moved.params = moved.from_host(np.array(to_host(params), copy=True))
        moved.grads = moved.from_host(np.array(to_host(grads), copy=True))
        moved._make_views()
        return moved

    def set_hidden_activations(self, hidden_activations):
        """Replace the hidden activations, keeping the parameters.

        Parameters
        ----------
        hidden_activations : list of str or Activation
            One activation per hidden layer.
        """
        activations = [get_activation(a) for a in hidden_activations]
        if len(activations) != len(self.hidden_activations):
            raise ValueError(
                f"{len(self.hidden_activations)} hidden layers need as many "
                f"activations; got {len(activations)}."
            )
        if activations != self.hidden_activations:
            self.hidden_activations = activations
            self._batch_capacity = 0  # which copies of Z to keep may change

    def set_dropout_rates(self, rates):
        """Set the dropout rate of each hidden layer (zeros: no dropout).

        Parameters
        ----------
        rates : sequence of float
            One rate in ``[0, 1)`` per hidden layer.
        """
        rates = self._checked_rates(rates)
        self.dropout_rates = rates if any(rates) else ()

    def _checked_rates(self, rates):
        """One rate per hidden layer, each in ``[0, 1)``, as floats."""
        n_hidden = len(self.layer_units) - 2
        if len(rates) != n_hidden:
            raise ValueError(
                f"{n_hidden} hidden layers need as many dropout rates; got "
                f"{list(rates)}."
            )
        return [DROPOUT_RATE.check(rate, "Each dropout rate") for rate in rates]

    @property
    def n_layers(self):
        """Number of layers, input and output included."""
        return len(self.layer_units)

    def initialize(self, random_state, activation_name, scheme="glorot_uniform"):
        """Draw the initial weights and biases.

        Layer by layer, the scheme (a class of
        :data:`~skbackprop.core.initializers.WEIGHT_INITS`) draws the weights
        and biases on the host in float64; they are cast to the network's
        dtype. The default ``"glorot_uniform"`` is scikit-learn's rule, so the
        same ``RandomState`` gives scikit-learn's initial parameters.

        Parameters
        ----------
        random_state : numpy.random.RandomState
            Source of randomness; advanced by the draws.
        activation_name : str or list of str
            The hidden activation that selects the Glorot bound's constant;
            a list gives one per weight layer (``len(layer_units) - 1``).
        scheme : str, default="glorot_uniform"
            A name in :data:`~skbackprop.core.initializers.WEIGHT_INITS`.
        """
        init = WEIGHT_INITS[scheme]()  # a ValueError names the schemes
        names = activation_name
        if isinstance(names, str):
            names = [names] * len(self.coefs)
        if len(names) != len(self.coefs):
            raise ValueError(
                f"{len(self.coefs)} weight layers need as many activation names; "
                f"got {len(names)}."
            )
        # Drawn on the host, whatever the namespace: the same random state
        # gives the same weights on every device.
        to_network = self.from_host
        for W, b, name in zip(self.coefs, self.intercepts, names, strict=True):
            weights, biases = init.draw(random_state, *W.shape, name)
            W[...] = to_network(weights)
            b[...] = 0.0 if biases is None else to_network(biases)
        if init.zero_output:  # drawn as the others, then zeroed
            self.coefs[-1][...] = 0.0
            self.intercepts[-1][...] = 0.0

    def from_host(self, values):
        """A NumPy array as an array of the network's dtype, namespace and device.

        Parameters
        ----------
        values : ndarray
            Values on the host.

        Returns
        -------
        array : array of the network's namespace
            The values, cast to the network's dtype, on its device (for
            NumPy, ``values`` itself where no cast is needed).
        """
        xp = self.xp
        return xp.asarray(values, dtype=xp.float_dtype(self.dtype), device=self.device)

    def _ensure_buffers(self, n_samples):
        """Allocate activation and delta buffers for batches of ``n_samples``.

        Buffers are reused across batches and only grow; a smaller batch
        uses their first rows.
        """
        if n_samples <= self._batch_capacity:
            return
        self._activations = [self._new((n_samples, u)) for u in self.layer_units[1:]]
        self._deltas = [self._new((n_samples, u)) for u in self.layer_units[1:]]
        # Copies of Z for activations whose derivative needs it, and the
        # dropped-out activations that feed the next layer; only where used.
        self._kept_pre_activations = [
            self._new((n_samples, units)) if activation.needs_pre_activation else None
            for units, activation in zip(
                self.layer_units[1:-1], self.hidden_activations, strict=True
            )
        ]
        n_hidden = len(self.layer_units) - 2
        self._masks = [None] * n_hidden
        self._undropped = [None] * n_hidden  # allocated on first use
        self._ones = self.xp.ones(
            n_samples, dtype=self.xp.float_dtype(self.dtype), device=self.device
        )
        self._batch_capacity = n_samples

    def forward_train(self, X, dropout_masks=None):
        """Forward pass on one batch into the work buffers.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n, n_features)
            The batch.
        dropout_masks : list of (ndarray of shape (n, u_l) or None), default=None
            Inverted-dropout masks of the hidden layers, from
            :func:`draw_dropout_masks`; ``None`` (the default) drops nothing.

        Returns
        -------
        activations : list of ndarray
            ``[X, A[1], ..., A[L-1], Z[L]]``: the input, the hidden
            activations (each of shape ``(n, u_l)``; with dropout, after the
            mask) and the raw outputs of shape ``(n, n_outputs)``. The arrays
            are work buffers, overwritten by the next batch.
        """
        n = X.shape[0]
        self._ensure_buffers(n)
        A = [X] + [buffer[:n, :] for buffer in self._activations]
        last = len(self.layer_units) - 2
        xp = self.xp
        for l in range(last + 1):
            # X, the input of layer 0, may be a sparse matrix (no out= there).
            matmul = xp.matmul if l else xp.matmul_input
            Z = matmul(A[l], self.coefs[l], out=A[l + 1])  # Z = A_prev @ W: (n, u_l+1)
            Z += self.intercepts[l]  #                      Z += b: (u_l+1,) per row
            if l < last:
                self._activate(l, Z, dropout_masks)  #      A = f(Z), in place
        return A

    def _activate(self, l, Z, dropout_masks):
        """``f(Z)`` of hidden layer ``l`` in place, keeping what backward needs.

        The derivative of most activations is read from ``f(Z)``; SiLU and
        GELU need ``Z`` (kept in a copy). With dropout the buffer ends up
        holding ``f(Z) * mask``, what the next layer sees, so ``f(Z)`` itself
        is kept in a copy for the derivative.
        """
        n = Z.shape[0]
        activation = self.hidden_activations[l]
        if activation.needs_pre_activation:
            self.xp.copyto(self._kept_pre_activations[l][:n, :], Z)
        activation.forward(Z)
        mask = None if dropout_masks is None else dropout_masks[l]
        self._masks[l] = mask
        if mask is None:
            return
        kept = self._undropped
        if kept[l] is None:  # _ensure_buffers resets it when batches grow
            kept[l] = self._new((self._batch_capacity, Z.shape[1]))
        self.xp.copyto(kept[l][:n, :], Z)
        Z *= mask

    def _backward_through_activation(self, l, delta):
        """Turn ``delta`` = dJ/dA of hidden layer ``l`` into dJ/dZ, in place.

        With dropout, ``A = f(Z) * mask``, so the mask multiplies first.
        """
        n = delta.shape[0]
        mask = self._masks[l]
        if mask is None:
            f_of_Z = self._activations[l][:n, :]
        else:
            delta *= mask
            f_of_Z = self._undropped[l][:n, :]
        kept = self._kept_pre_activations[l]
        Z = None if kept is None else kept[:n, :]
        self.hidden_activations[l].derivative(f_of_Z, delta, Z)

    def loss_and_gradient(
        self,
        X,
        Y,
        sample_weight=None,
        alpha=0.0,
        weight_total=None,
        dropout_masks=None,
        random_state=None,
    ):
        r"""Objective of one batch and its gradient, by backpropagation.

        Fills :attr:`grads` (and so :attr:`coef_grads` and
        :attr:`intercept_grads`).

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n, n_features)
            The batch.
        Y : ndarray of shape (n, n_outputs)
            Targets, in the network's dtype.
        sample_weight : ndarray of shape (n,), default=None
            Per-sample weights; ``None`` means all ones.
        alpha : float, default=0.0
            Strength of the L2 penalty on the weights (not the biases).
        weight_total : float, default=None
            The divisor ``s`` of the objective. ``None`` means ``n`` without
            weights and ``sum(sample_weight)`` with them, as in scikit-learn.
        dropout_masks : list of (ndarray of shape (n, u_l) or None), default=None
            Inverted-dropout masks of the hidden layers, from
            :func:`draw_dropout_masks`. Held fixed, they make ``J`` a smooth
            function of the parameters, so gradient checks apply.
        random_state : numpy.random.RandomState, default=None
            Where :attr:`dropout_rates` are set and no ``dropout_masks`` are
            given, the masks of this batch are drawn from it; otherwise it is
            not used.

        Returns
        -------
        loss : float
            The objective ``J`` of the batch, L2 penalty included.
        """
        n = X.shape[0]
        xp = self.xp
        if weight_total is None:
            weight_total = n if sample_weight is None else float(xp.sum(sample_weight))
        W, dW, db = self.coefs, self.coef_grads, self.intercept_grads
        last = len(self.layer_units) - 2

        if dropout_masks is None and self.dropout_rates and random_state is not None:
            dropout_masks = draw_dropout_masks(
                self, n, self.dropout_rates, random_state
            )

        # Forward pass: A[l+1] = f(A[l] @ W[l] + b[l]); the last layer keeps Z.
        A = self.forward_train(X, dropout_masks)
        D = [buffer[:n, :] for buffer in self._deltas]

        weights = self.params[: self.n_coefs]
        penalty = 0.5 * alpha * float(weights @ weights)
        # Output delta g(Z[L]) - Y, (n, n_outputs), computed with the loss.
        total = self.loss.value_and_delta(A[-1], Y, sample_weight, out=D[last])
        loss = (total + penalty) / weight_total
        # D[L-1] = dJ/dZ[L] = w * (g(Z[L]) - Y) / s. Every gradient below is
        # linear in it, so dividing by s here divides them all.
        if sample_weight is None:
            D[last] /= weight_total
        else:
            D[last] *= (sample_weight / weight_total)[:, None]
        decay = alpha / weight_total

        for l in range(last, -1, -1):
            # The batch dimension is summed away in A[l].T @ D[l]: (u_l, u_l+1).
            (xp.matmul if l else xp.matmul_input)(A[l].T, D[l], out=dW[l])
            # db = D summed over samples, (u_l+1,); ones @ D is a fast column sum.
            xp.matmul(self._ones[:n], D[l], out=db[l])
            if l > 0:
                # Back through W[l]: dJ/dA[l] = D[l] @ W[l].T, (n, u_l);
                # then times f'(Z[l]) gives D[l-1] = dJ/dZ[l].
                xp.matmul(D[l], W[l].T, out=D[l - 1])
                self._backward_through_activation(l - 1, D[l - 1])
        if alpha:
            # dW += (alpha / s) * W for every layer at once: the weights
            # (and their gradients) are the first n_coefs entries of the
            # flat vectors.
            self.grads[: self.n_coefs] += xp.multiply(
                weights, decay, out=self._penalty_buffer()
            )
        return loss

    def _penalty_buffer(self):
        """Scratch of the weights' size for ``alpha * W``, reused."""
        scratch = self.__dict__.get("_penalty_scratch")
        if scratch is None or scratch.dtype != self.params.dtype:
            scratch = self._penalty_scratch = self._new((self.n_coefs,))
        return scratch


def trace(network, X, Y, sample_weight=None, alpha=0.0):
    """One forward and backward pass, keeping a copy of every matrix.

    Inspection, not training: it runs :meth:`Network.loss_and_gradient`
    (no dropout) and copies what its buffers hold; each ``Z`` is recomputed
    from the layer's input, as the forward pass computed it.

    Parameters
    ----------
    network : Network
        The network; its gradient is filled as by a training step.
    X : {ndarray, sparse matrix} of shape (n, n_features)
        The batch.
    Y : ndarray of shape (n, n_outputs)
        Targets, in the network's dtype.
    sample_weight : ndarray of shape (n,), default=None
        Per-sample weights.
    alpha : float, default=0.0
        Strength of the L2 penalty.

    Returns
    -------
    loss : float
        The objective ``J`` of the batch.
    layers : list of dict
        One per layer of weights, with copies of ``Z``, ``A`` (for the
        last layer ``g(Z)``), ``W``, ``D``, ``dW`` and ``db``.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.core.network import Network, trace
    >>> net = Network([3, 4, 2], ["relu"], "log_loss")
    >>> net.initialize(np.random.RandomState(0), "relu")
    >>> X, Y = np.ones((5, 3)), np.tile([[1.0, 0.0]], (5, 1))
    >>> loss, layers = trace(net, X, Y)
    >>> [(layer["W"].shape, layer["D"].shape) for layer in layers]
    [((3, 4), (5, 4)), ((4, 2), (5, 2))]
    """
    loss = network.loss_and_gradient(X, Y, sample_weight, alpha=alpha)
    n, last, copy = X.shape[0], network.n_layers - 2, network.xp.copy
    A = [X] + [buffer[:n, :] for buffer in network._activations]
    layers = []
    for l in range(last + 1):
        if l == last:
            Z = copy(A[l + 1])
        else:
            Z = network.xp.asarray(A[l] @ network.coefs[l]) + network.intercepts[l]
        output = A[l + 1] if l < last else network.loss.output(copy(A[l + 1]))
        layers.append(
            {
                "layer": l + 1,
                "Z": Z,
                "A": copy(output),
                "W": copy(network.coefs[l]),
                "D": copy(network._deltas[l][:n, :]),
                "dW": copy(network.coef_grads[l]),
                "db": copy(network.intercept_grads[l]),
            }
        )
    return loss, layers


def draw_dropout_masks(network, n_samples, rates, random_state):
    """Random inverted-dropout masks for one batch.

    A unit of hidden layer ``l`` is kept with probability ``1 - p_l``;
    kept units are scaled by ``1 / (1 - p_l)`` so that the expected
    input of the next layer is unchanged and prediction needs no mask.

    Parameters
    ----------
    network : Network
        The network: its layer sizes, dtype, namespace and device.
    n_samples : int
        Rows of the batch.
    rates : sequence of float
        Dropout rate ``p_l`` in ``[0, 1)`` of each hidden layer.
    random_state : numpy.random.RandomState
        Source of randomness; advanced by the draws.

    Returns
    -------
    masks : list of (ndarray of shape (n_samples, u_l) or None)
        One per hidden layer: ``0`` or ``1 / (1 - p_l)`` in the network's
        dtype, or ``None`` where ``p_l = 0``. Pass it to
        :meth:`Network.loss_and_gradient` as ``dropout_masks``. Drawn on
        the host and moved to the network's device, so that a random state
        gives the same masks on every device.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.core.network import Network, draw_dropout_masks
    >>> net = Network([3, 4, 2, 1], ["relu", "relu"], "squared_error")
    >>> masks = draw_dropout_masks(net, 5, [0.5, 0.0], np.random.RandomState(0))
    >>> masks[0].shape, sorted(set(masks[0].ravel().tolist())), masks[1]
    ((5, 4), [0.0, 2.0], None)
    """
    hidden_units = network.layer_units[1:-1]
    rates = network._checked_rates(rates)
    masks = []
    for units, rate in zip(hidden_units, rates, strict=True):
        if rate == 0:
            masks.append(None)
            continue
        keep = random_state.random_sample((n_samples, units)) >= rate
        mask = np.multiply(keep, 1.0 / (1.0 - rate), dtype=network.dtype)
        masks.append(network.from_host(mask))
    return masks
