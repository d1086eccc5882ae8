"""Test-session settings shared by the doctests and the test suite."""

import importlib.util
import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")  # doctests and tests never open windows

# Modules whose doctests need an optional extra: module file -> (import, extra).
_DOCTEST_EXTRAS = {
    "skbackprop/plotting.py": ("matplotlib", "plot"),
    "skbackprop/onnx.py": ("skl2onnx", "onnx"),
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if not isinstance(item, pytest.DoctestItem):
            continue
        path = item.path.relative_to(config.rootpath).as_posix()
        if path in _DOCTEST_EXTRAS:
            module, extra = _DOCTEST_EXTRAS[path]
            if importlib.util.find_spec(module) is None:
                reason = f"needs the [{extra}] extra: pip install 'skbackprop[{extra}]'"
                item.add_marker(pytest.mark.skip(reason=reason))
