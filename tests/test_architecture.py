"""The import rules of docs/architecture.md, checked on the source."""

import ast
import pathlib
import re
import sys
import warnings

import numpy as np
import pytest

from skbackprop import MiniBatchMLPClassifier

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "skbackprop"
INTEGRATIONS = ["inspection.py", "plotting.py", "onnx.py", "persistence.py"]
# What an integration may import from inside the package.
INTEGRATION_ALLOWED = {"skbackprop", "skbackprop._integration", "skbackprop._optional"}


def _imports(path):
    """(module, names) of every import in a file, relative ones resolved."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path.name}: use absolute imports"
            found.append((node.module, [alias.name for alias in node.names]))
    return found


@pytest.mark.parametrize(
    "path", sorted((PACKAGE / "core").glob("*.py")), ids=lambda p: p.name
)
def test_core_imports_numpy_only(path):
    for module, _ in _imports(path):
        top = module.split(".")[0]
        allowed = top == "numpy" or top in sys.stdlib_module_names
        assert allowed or module.startswith("skbackprop.core"), (
            f"core/{path.name} imports {module}: core imports NumPy and the "
            "standard library only"
        )


def test_the_test_layout_names_every_module():
    # tests/README.md maps each module to its test files; a new module needs
    # a row, and a row must name files that exist.
    readme = (PACKAGE.parent / "tests" / "README.md").read_text()
    rows = re.findall(r"^\| (`.*`) \| (`.*`) \|$", readme, re.MULTILINE)
    listed = {m for modules, _ in rows for m in re.findall(r"`([^`]+)`", modules)}
    modules = {
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if path.name != "__init__.py"
    }
    assert listed == modules, (sorted(modules - listed), sorted(listed - modules))
    for _, files in rows:
        for name in re.findall(r"`([^`]+)`", files):
            assert (PACKAGE.parent / "tests" / name).is_file(), name


@pytest.mark.parametrize("name", INTEGRATIONS)
def test_integrations_use_the_public_api_and_the_entry_point(name):
    for module, names in _imports(PACKAGE / name):
        if not module.startswith("skbackprop"):
            continue
        if module.startswith("skbackprop.core"):
            continue  # public
        assert module in INTEGRATION_ALLOWED, (
            f"{name} imports {module}: integrations use the public API and "
            "skbackprop._integration"
        )
        if module == "skbackprop":
            assert all(not n.startswith("_") for n in names), (name, names)


def test_the_rules_can_fail(tmp_path):
    # The checker sees imports at any depth, not only at the top of a file.
    source = tmp_path / "bad.py"
    source.write_text("def f():\n    from skbackprop._base import X\n")
    assert ("skbackprop._base", ["X"]) in _imports(source)


@pytest.mark.parametrize(
    "params",
    [
        {"max_iter": 1},  # the stochastic solvers' ConvergenceWarning
        {"max_iter": 1, "solver": "lbfgs"},  # L-BFGS's
        {"max_iter": 1, "batch_size": 500},  # batch_size clipped
    ],
)
def test_warnings_point_at_the_callers_line(params):
    # Stack levels are found at run time (the first frame outside the
    # package), not frozen to today's call depth.
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(30, 3)), np.arange(30) % 2
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        MiniBatchMLPClassifier(hidden_layer_sizes=(3,), **params).fit(X, y)
    assert record, "expected a warning"
    assert {w.filename for w in record} == {__file__}
