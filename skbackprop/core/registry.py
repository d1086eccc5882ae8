"""Registries: one per kind of building block, each entry one class.

A hidden activation, a loss, an optimizer, a learning-rate schedule and a
weight initialisation are each one class with a ``name``, registered with
the :class:`Registry` of its kind by a decorator::

    @ACTIVATIONS.register
    class Softsign(Activation):
        name = "softsign"
        ...

Everything that lists names reads the registries: the estimators'
parameter constraints and error messages, the skops trusted types, the
ONNX export, the docstrings and the documentation's tables. An entry also
declares the estimator parameters it reads, each with its check
(:class:`Param`), in ``parameters``; the estimators derive their
constraints from them, and :meth:`Registered.from_params` builds the entry
from the parameters' values.

The core imports no scikit-learn: a :class:`Param` is a plain description
that the estimator layer turns into scikit-learn's ``Interval``.
"""

from collections.abc import Set
from numbers import Integral, Real

__all__ = ["Param", "Registered", "Registry"]

_BOUNDS = {
    "both": ("[", "]"),
    "left": ("[", ")"),
    "right": ("(", "]"),
    "neither": ("(", ")"),
}


class Param:
    """The check of a number parameter: its type and its interval.

    Parameters
    ----------
    kind : {float, int, bool}
        A real number, an integer, or a boolean.
    low, high : float or None, default=None
        The interval's ends; None is unbounded.
    closed : {'both', 'left', 'right', 'neither'}, default='both'
        Which ends belong to the interval.
    optional : bool, default=False
        Whether None is accepted too (where the value is needed, the class
        that reads it says so).

    Examples
    --------
    >>> from skbackprop.core.registry import Param
    >>> rate = Param(float, 0, 1, closed="left")
    >>> rate
    Param(float in [0, 1))
    >>> rate.check(0.5, "dropout")
    0.5
    >>> rate.check(1.0, "dropout")
    Traceback (most recent call last):
    ...
    ValueError: dropout must be a float in [0, 1); got 1.0.
    """

    def __init__(self, kind, low=None, high=None, closed="both", optional=False):
        if kind not in (float, int, bool) or closed not in _BOUNDS:
            raise ValueError(f"Unsupported parameter check {kind!r}, {closed!r}.")
        self.kind, self.low, self.high, self.closed = kind, low, high, closed
        self.optional = optional

    def describe(self):
        """The check in words.

        Returns
        -------
        words : str
            For example ``'a float in [0, 1)'``.
        """
        if self.kind is bool:
            return "a bool"
        left, right = _BOUNDS[self.closed]
        low = "-inf" if self.low is None else f"{self.low:g}"
        high = "inf" if self.high is None else f"{self.high:g}"
        article = "an" if self.kind is int else "a"
        words = f"{article} {self.kind.__name__} in {left}{low}, {high}{right}"
        return words + (" or None" if self.optional else "")

    def accepts(self, value):
        """Whether ``value`` passes the check.

        Parameters
        ----------
        value : object
            The value.

        Returns
        -------
        accepted : bool
            True if it is of the kind and in the interval (or None, where
            that is allowed).
        """
        if value is None:
            return self.optional
        if self.kind is bool:
            return isinstance(value, bool)
        number = Integral if self.kind is int else Real
        if isinstance(value, bool) or not isinstance(value, number):
            return False
        include_low = self.closed in ("both", "left")
        include_high = self.closed in ("both", "right")
        if self.low is not None and not (
            value >= self.low if include_low else value > self.low
        ):
            return False
        return self.high is None or (
            value <= self.high if include_high else value < self.high
        )

    def check(self, value, name):
        """Return ``value`` as ``kind``, or raise a ValueError naming ``name``.

        Parameters
        ----------
        value : object
            The value.
        name : str
            What the value is, for the message.

        Returns
        -------
        value : float, int, bool or None
            The value, converted to ``kind``.

        Raises
        ------
        ValueError
            If the check fails.
        """
        if not self.accepts(value):
            raise ValueError(f"{name} must be {self.describe()}; got {value!r}.")
        return None if value is None else self.kind(value)

    def __repr__(self):
        return f"Param({self.describe()[2:].lstrip()})"


class Registered:
    """Base of every registered class: a name, and the parameters it reads.

    Attributes
    ----------
    name : str
        The name the estimators' parameters use for it.
    parameters : dict of str to Param
        The estimator parameters it reads, each with its check.

    Examples
    --------
    A registered class names the estimator parameters it reads:

    >>> from skbackprop.core.losses import Huber
    >>> Huber.parameters
    {'huber_delta': Param(float in (0, inf))}
    >>> Huber.from_params({"huber_delta": 2.0})
    Huber(delta=2.0)
    """

    name = None
    parameters = {}

    @classmethod
    def from_params(cls, params):
        """An instance configured by the estimator's parameters.

        Parameters
        ----------
        params : mapping of str to object
            The estimator's parameters, by name; only those in
            ``parameters`` are read.

        Returns
        -------
        entry : Registered
            By default ``cls()``; a class that reads parameters overrides it.
        """
        return cls()

    @classmethod
    def read_parameters(cls):
        """Every parameter the class reads: its own and its bases' ``parameters``."""
        merged = {}
        for klass in reversed(cls.__mro__):
            merged.update(klass.__dict__.get("parameters", {}))
        return merged

    @classmethod
    def summary(cls):
        """The first line of the class's docstring, for tables and docstrings."""
        return (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""


class _Names(Set):
    """A live, read-only view of a registry's names (optionally filtered)."""

    def __init__(self, registry, where, extra):
        self._registry, self._where, self._extra = registry, where, tuple(extra)

    @classmethod
    def _from_iterable(cls, iterable):
        # The result of a set operation is a plain set, not a live view.
        return set(iterable)

    def _selected(self):
        return [
            *(
                name
                for name, cls in self._registry.items()
                if self._where is None or self._where(cls)
            ),
            *self._extra,
        ]

    def __contains__(self, name):
        if name in self._extra:
            return True
        try:
            cls = self._registry.get(name)
        except TypeError:  # unhashable
            return False
        return cls is not None and (self._where is None or self._where(cls))

    def __iter__(self):
        return iter(self._selected())

    def __len__(self):
        return len(self._selected())

    def __repr__(self):
        return repr(self._selected())


class Registry(dict):
    """The classes of one kind, by name: a dict with a registering decorator.

    Looking up a name that is not registered raises a ValueError that lists
    the registered ones: the one message for every unknown name.

    Parameters
    ----------
    kind : str
        What the entries are, for messages: ``'activation'``.
    base : type
        The class every entry subclasses.

    Examples
    --------
    >>> from skbackprop.core.registry import Registered, Registry
    >>> SHAPES = Registry("shape", Registered)
    >>> @SHAPES.register
    ... class Square(Registered):
    ...     name = "square"
    >>> SHAPES["square"] is Square, "square" in SHAPES.names()
    (True, True)
    >>> SHAPES["circle"]
    Traceback (most recent call last):
    ...
    ValueError: Unknown shape 'circle'; expected one of ['square'].
    """

    def __init__(self, kind, base):
        super().__init__()
        self.kind = kind
        self.base = base

    def register(self, cls):
        """Add ``cls`` under ``cls.name``; usable as a class decorator.

        Parameters
        ----------
        cls : type
            A subclass of the registry's ``base`` with a string ``name``
            not registered yet.

        Returns
        -------
        cls : type
            The class itself.
        """
        if not (isinstance(cls, type) and issubclass(cls, self.base)):
            raise TypeError(
                f"A {self.kind} must subclass {self.base.__name__}; got {cls!r}."
            )
        name = cls.name
        if not isinstance(name, str) or not name:
            raise ValueError(f"A {self.kind} needs a string name; got {name!r}.")
        if self.get(name, cls) is not cls:
            raise ValueError(f"A {self.kind} named {name!r} is registered already.")
        self[name] = cls
        return cls

    def unregister(self, name):
        """Remove the class registered under ``name`` (a test's own, say).

        Parameters
        ----------
        name : str
            A registered name.
        """
        del self[self.lookup(name).name]

    def lookup(self, name):
        """The class registered under ``name``, whatever ``name`` is.

        Parameters
        ----------
        name : object
            A name given by a user: anything, a list or None included.

        Returns
        -------
        cls : type
            The registered class.

        Raises
        ------
        ValueError
            If no class is registered under ``name``.
        """
        try:
            return self[name]
        except TypeError:  # unhashable: no name at all
            return self.__missing__(name)

    def __missing__(self, name):
        known = sorted(self)
        raise ValueError(f"Unknown {self.kind} {name!r}; expected one of {known}.")

    def names(self, where=None, extra=()):
        """A live set of the registered names.

        Parameters
        ----------
        where : callable, default=None
            Keeps the names of the classes for which ``where(cls)`` is true.
        extra : tuple of str, default=()
            Names the set holds besides (``'lbfgs'`` beside the optimizers).

        Returns
        -------
        names : collections.abc.Set
            A read-only set that follows later registrations.
        """
        return _Names(self, where, extra)

    def __repr__(self):
        return f"Registry({self.kind!r}, {list(self)})"

    # A registry is one object: compared and hashed by identity, as a module.
    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return self is not other

    __hash__ = object.__hash__
