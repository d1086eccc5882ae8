"""Every public class, function and method of skbackprop passes numpydoc validation.

What is checked: every class and function named in the ``__all__`` of a public
module of skbackprop (``skbackprop``, ``skbackprop.core`` and its modules,
``skbackprop.inspection``, and any public module added later: a module is public
when no part of its dotted name starts with an underscore), and every public
method and property of those classes that skbackprop defines itself. Methods
inherited from scikit-learn (``score``, ``get_params``, ``set_params``, the
``set_*_request`` methods) are scikit-learn's to document and are not checked.

An override without a docstring of its own (``ReLU.forward``, say) shows its
base's docstring, in ``help()`` and in the API reference alike
(``inspect.getdoc``, ``autodoc_inherit_docstrings``): it is checked as that
docstring, which must then come from a skbackprop class.

Every numpydoc check is enforced, except:

- GL01 (summary on the line after the opening quotes): a layout choice; the
  summary starts on the line of the quotes here, which newer numpydoc accepts
  and older numpydoc does not.
- ES01 (no extended summary): a one-line docstring is fine where it says all.
- SA01 (no See Also section): cross-references are added where they help,
  not everywhere.
- RT02 (named single return value): returns are named on purpose
  (``self : MiniBatchMLPClassifier``, ``Z : ndarray of shape ...``), so that
  descriptions and the code's comments can refer to them.
- EX01 (no Examples section) for methods and properties only: every public
  class and function has examples, and they run as doctests
  (``--doctest-modules`` in ``pyproject.toml``).

Result containers (dataclasses built by skbackprop, such as
``skbackprop.inspection.BatchTrace``) are read, not constructed, by users:
their fields may be documented under Attributes instead of Parameters, and
their examples are those of the function that returns them.
"""

import dataclasses
import importlib
import inspect
import pkgutil

import pytest
from numpydoc.docscrape import NumpyDocString
from numpydoc.validate import validate

import skbackprop

IGNORED_EVERYWHERE = {"GL01", "ES01", "SA01", "RT02"}
IGNORED_FOR_METHODS = {"EX01"}


def _public_modules():
    """``skbackprop`` and its submodules with no private part in their name."""
    names = ["skbackprop"]
    for info in pkgutil.walk_packages(skbackprop.__path__, prefix="skbackprop."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return [importlib.import_module(name) for name in sorted(names)]


def _is_ours(obj):
    return getattr(obj, "__module__", "").startswith("skbackprop")


def _public_objects():
    """``{public dotted name: object}`` for the classes and functions in __all__."""
    objects, seen = {}, set()
    for module in _public_modules():
        names = getattr(module, "__all__", None)
        if names is None:
            names = [n for n in vars(module) if not n.startswith("_")]
        for name in names:
            obj = getattr(module, name)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue  # constants (ACTIVATIONS, __version__, ...)
            if not _is_ours(obj) or id(obj) in seen:
                continue  # re-exported: checked once, at its first public name
            seen.add(id(obj))
            objects[f"{module.__name__}.{name}"] = obj
    return objects


def _documented_member(cls, name):
    """The skbackprop class whose ``name`` gives ``cls.name`` its docstring."""
    for klass in cls.__mro__:
        member = vars(klass).get(name)
        if member is not None and _is_ours(klass) and getattr(member, "__doc__", None):
            return klass
    return None


def _public_members(cls):
    """Names of the public methods and properties that skbackprop defines."""
    members = []
    for name in dir(cls):
        if name.startswith("_"):
            continue
        static = inspect.getattr_static(cls, name)
        if isinstance(static, property):
            function = static.fget
        else:
            function = getattr(cls, name)
            if not (inspect.isfunction(function) or inspect.ismethod(function)):
                continue  # data attributes (name, state_names, ...)
        if _is_ours(function):
            members.append(name)
    return members


def _collect():
    """``(test id, dotted name to validate, kind)`` for everything checked."""
    items = []
    for public_name, obj in _public_objects().items():
        kind = "function" if inspect.isfunction(obj) else "class"
        if kind == "class" and dataclasses.is_dataclass(obj):
            kind = "dataclass"
        items.append((public_name, f"{obj.__module__}.{obj.__qualname__}", kind))
        if not inspect.isclass(obj):
            continue
        for name in _public_members(obj):
            owner = _documented_member(obj, name) or obj
            target = f"{owner.__module__}.{owner.__qualname__}.{name}"
            items.append((f"{public_name}.{name}", target, "method"))
    return items


ITEMS = _collect()


def test_the_public_api_is_collected():
    ids = {item[0] for item in ITEMS}
    expected = {
        "skbackprop.MiniBatchMLPClassifier",
        "skbackprop.MiniBatchMLPClassifier.fit",
        "skbackprop.MiniBatchMLPClassifier.partial_fit",
        "skbackprop.MiniBatchMLPClassifier.predict_log_proba",
        "skbackprop.MiniBatchMLPRegressor.predict",
        "skbackprop.core.Network",
        "skbackprop.core.Network.loss_and_gradient",
        "skbackprop.core.Network.n_layers",
        "skbackprop.core.Adam.step",
        "skbackprop.core.batch_slices",
        "skbackprop.core.activations.ReLU.derivative",
        "skbackprop.core.activations.sigmoid",
        "skbackprop.core.losses.SoftmaxCrossEntropy.value_and_delta",
        "skbackprop.core.initializers.glorot_uniform_bound",
    }
    assert expected <= ids, sorted(expected - ids)
    # Inherited from scikit-learn, so not checked here.
    assert "skbackprop.MiniBatchMLPClassifier.score" not in ids
    assert "skbackprop.MiniBatchMLPRegressor.get_params" not in ids


def _attribute_names(obj):
    names = set()
    for attribute in NumpyDocString(inspect.getdoc(obj) or "")["Attributes"]:
        names.update(part.strip() for part in attribute.name.split(","))
    return names


@pytest.mark.parametrize(
    "target, kind", [item[1:] for item in ITEMS], ids=[item[0] for item in ITEMS]
)
def test_docstring_passes_numpydoc_validation(target, kind):
    ignored = set(IGNORED_EVERYWHERE)
    if kind in ("method", "dataclass"):
        ignored |= IGNORED_FOR_METHODS
    if kind == "dataclass":
        obj = _load(target)
        if {f.name for f in dataclasses.fields(obj) if f.init} <= _attribute_names(obj):
            ignored.add("PR01")  # every field is documented under Attributes
    errors = [
        (code, message)
        for code, message in validate(target)["errors"]
        if code not in ignored
    ]
    assert not errors, f"{target}:\n" + "\n".join(
        f"  {code}: {message}" for code, message in errors
    )


def _load(dotted_name):
    module_name, _, attribute = dotted_name.rpartition(".")
    return getattr(importlib.import_module(module_name), attribute)
