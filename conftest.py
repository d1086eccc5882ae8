"""Test-session settings shared by the doctests and the test suite.

Doctests are collected from the package's modules (``--doctest-modules``),
from the user guide's pages and from the README (``--doctest-glob``; see
``[tool.pytest.ini_options]`` in pyproject.toml). A doctest that needs an
optional extra, or a newer scikit-learn, is skipped with a reason that names
what to install when that is missing (``make test-oldest`` installs no
extra), and fails like any other test when it is installed.
"""

import ast
import doctest
import functools
import importlib.util
import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")  # doctests and tests never open windows
# scikit-learn's array API checks need SciPy's array API support, which is
# read when SciPy is first imported: before any test module imports it.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

# Modules whose doctests need an optional extra: module file -> (import, extra).
_DOCTEST_EXTRAS = {
    "skbackprop/plotting.py": ("matplotlib", "plot"),
    "skbackprop/onnx.py": ("skl2onnx", "onnx"),
}

# What a doctest may import from an extra: top-level module -> extra.
_EXTRA_OF_MODULE = {
    "matplotlib": "plot",
    "river": "river",
    "dask": "dask",
    "dask_ml": "dask",
    "distributed": "dask",
    "skl2onnx": "onnx",
    "onnx": "onnx",
    "onnxruntime": "onnx",
    "skops": "skops",
    "rich": "progress",
    "torch": "test",
    "array_api_strict": "test",
}
# skbackprop's own modules that import an extra when they are imported.
_MODULE_NEEDS = {
    "skbackprop.plotting": "matplotlib",
    "skbackprop.onnx": "skl2onnx",
}
# Names that need an extra when they are used, not when they are imported:
# scikit-learn's ProgressBar draws with rich.
_NAME_NEEDS = {("sklearn.callback", "ProgressBar"): "rich"}
# Modules of a newer scikit-learn than the oldest supported one.
_SKLEARN_NEWER = {"sklearn.callback": "1.9"}


@functools.cache
def _installed(module):
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a parent package is missing
        return False


def _imports(source):
    """``(module, names)`` for each import statement of a doctest example."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, ()) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.module, tuple(alias.name for alias in node.names)))
    return found


def _missing_requirements(item, rootpath):
    """What ``item`` needs and lacks here: ``(extras, other requirements)``."""
    extras, others = [], []
    path = item.path.relative_to(rootpath).as_posix()
    if path in _DOCTEST_EXTRAS:
        module, extra = _DOCTEST_EXTRAS[path]
        if not _installed(module):
            extras.append(extra)
    for example in item.dtest.examples:
        if example.options.get(doctest.SKIP):
            continue
        for module, names in _imports(example.source):
            needed = [module.split(".")[0], _MODULE_NEEDS.get(module)]
            needed += [_NAME_NEEDS.get((module, name)) for name in names]
            for top in filter(None, needed):
                extra = _EXTRA_OF_MODULE.get(top.split(".")[0])
                if extra is not None and not _installed(top):
                    extras.append(extra)
            if module in _SKLEARN_NEWER and not _installed(module):
                others.append(f"scikit-learn >= {_SKLEARN_NEWER[module]}")
    return sorted(set(extras)), list(dict.fromkeys(others))


def pytest_collection_modifyitems(config, items):
    for item in items:
        if not isinstance(item, pytest.DoctestItem):
            continue
        extras, others = _missing_requirements(item, config.rootpath)
        if not extras and not others:
            continue
        needs = others.copy()
        if extras:
            names = " and ".join(f"[{extra}]" for extra in extras)
            noun = "extra" if len(extras) == 1 else "extras"
            needs.insert(0, f"the {names} {noun}")
        reason = "needs " + " and ".join(needs)
        if extras:
            reason += f": pip install -e '.[{','.join(extras)}]'"
        item.add_marker(pytest.mark.skip(reason=reason))
