"""Lazy imports of optional dependencies, with a message naming the extra."""

import importlib


def import_optional(module_name, extra):
    """Import ``module_name``, or explain which extra provides it.

    Parameters
    ----------
    module_name : str
        Dotted name of the module, e.g. ``"skl2onnx"``.
    extra : str
        The skbackprop extra that installs it, e.g. ``"onnx"``.

    Returns
    -------
    module : module
        The imported module.

    Raises
    ------
    ImportError
        If the module cannot be imported; the message says how to install it.

    Examples
    --------
    >>> from skbackprop._optional import import_optional
    >>> import_optional("numpy", extra="none").__name__
    'numpy'
    >>> import_optional("not_a_real_module", extra="onnx")
    Traceback (most recent call last):
    ...
    ImportError: This feature needs 'not_a_real_module', ...
    """
    try:
        return importlib.import_module(module_name)
    except ImportError as error:
        raise ImportError(
            f"This feature needs {module_name!r}, which is not installed. "
            f"Install it with the [{extra}] extra, from the root of the "
            f"skbackprop clone: pip install -e '.[{extra}]'"
        ) from error
