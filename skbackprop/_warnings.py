"""Warnings that point at the user's line, however deep the call that raises."""

import os
import sys
import warnings

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _stacklevel_outside_package():
    """``stacklevel`` of the first frame outside skbackprop, for ``warn``'s caller."""
    frame = sys._getframe(2)  # the caller of warn()
    level = 2
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
        level += 1
    return level


def warn(message, category=UserWarning):
    """``warnings.warn`` attributed to the first frame outside the package."""
    warnings.warn(message, category, stacklevel=_stacklevel_outside_package())
