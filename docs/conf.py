"""Sphinx configuration of the skbackprop documentation site.

Built by ``make docs`` (``sphinx-build -W --keep-going -b html docs
docs/_build/html``): every warning is an error, and every gallery example
(``examples/plot_*.py``) is run. The site needs no network, to build or to
read: no intersphinx, no theme feature that downloads anything, and MathJax
is copied into the site (``sphinx-mathjax-offline``) instead of loaded from
a CDN.
"""

import importlib
import os
import re
import sys

from sphinx.util import logging

import skbackprop

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _tables  # noqa: E402  (docs/_tables.py: the tables, built from the code)

project = "skbackprop"
author = "The skbackprop developers"
copyright = "The skbackprop developers"
version = release = skbackprop.__version__
logger = logging.getLogger(__name__)

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    # MathJax 3's files copied into _static/mathjax (mathjax_path set to them),
    # so that math renders in a site read offline.
    "sphinx-mathjax-offline",
    "sphinx_copybutton",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
# Unresolved cross-references (to NumPy, scikit-learn, ...) are not errors:
# resolving them would need intersphinx inventories from the network.
nitpicky = False

# -- autodoc / autosummary ----------------------------------------------------
autosummary_generate = True  # stubs in docs/generated/ (see api.rst)
autodoc_typehints = "none"
autodoc_inherit_docstrings = True

# The estimators inherit methods from scikit-learn (score, get_params,
# set_params, the set_*_request methods, ...). Their docstrings refer to
# scikit-learn's own pages, which do not exist here, so they are not rendered;
# each estimator's page names them instead, linked to scikit-learn's docs.
SKLEARN_PEERS = {
    "skbackprop.MiniBatchMLPClassifier": "sklearn.neural_network.MLPClassifier",
    "skbackprop.MiniBatchMLPRegressor": "sklearn.neural_network.MLPRegressor",
}
SKLEARN_DOCS = "https://scikit-learn.org/stable/modules/generated"


def _is_from_sklearn(obj):
    module = getattr(obj, "__module__", None) or ""
    return module.split(".")[0] == "sklearn"


def _sklearn_methods_note(fullname, peer):
    module_name, _, class_name = fullname.rpartition(".")
    cls = getattr(importlib.import_module(module_name), class_name)
    names = sorted(
        name
        for name in dir(cls)
        if not name.startswith("_") and _is_from_sklearn(getattr(cls, name))
    )
    links = ", ".join(
        f"`{name} <{SKLEARN_DOCS}/{peer}.html#{peer}.{name}>`__" for name in names
    )
    return f"Methods inherited from scikit-learn, documented with ``{peer}``: {links}."


autosummary_context = {
    "sklearn_methods": {
        fullname: _sklearn_methods_note(fullname, peer)
        for fullname, peer in SKLEARN_PEERS.items()
    }
}


def _skip_sklearn_members(app, what, name, obj, skip, options):
    """Leave out members inherited from scikit-learn (see SKLEARN_PEERS)."""
    return True if _is_from_sklearn(obj) else None


def _check_generated_tables(app, docname, source):
    """Fail the build when a page's generated table is not what the code builds.

    The pages of ``_tables.PAGE_TABLES`` hold their tables as text (so that
    they read the same in the repository); ``python docs/_tables.py --write``
    rewrites them. A copy that differs from what ``docs/_tables.py`` builds
    from the installed skbackprop and scikit-learn is a warning, an error
    under ``-W``.
    """
    page = docname + ".rst"
    if page not in _tables.PAGE_TABLES:
        return
    stale = _tables.stale_blocks(page, source[0])
    if stale:
        logger.warning(
            "docs/%s: the generated tables %s are not what docs/_tables.py builds "
            "from the code; run `python docs/_tables.py --write`",
            page,
            stale,
            location=docname,
        )


def _reread_pages_with_generated_tables(app, env, added, changed, removed):
    """Check the generated tables at every build, not only when a page changed."""
    return [page.removesuffix(".rst") for page in _tables.PAGE_TABLES]


def setup(app):
    app.connect("autodoc-skip-member", _skip_sklearn_members)
    app.connect("source-read", _check_generated_tables)
    app.connect("env-get-outdated", _reread_pages_with_generated_tables)


# -- numpydoc -------------------------------------------------------------------
numpydoc_show_class_members = False  # the class template lists the methods
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
# Docstrings are validated by tests/test_docstrings.py (make test), not here.
numpydoc_validation_checks = set()

# -- sphinx-copybutton ------------------------------------------------------------
# The button copies the code without its prompts (">>> ", "... ", "$ ") and,
# in a doctest, without the output lines.
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True
copybutton_remove_prompts = True

# -- MyST (docs/performance.md, docs/guarantees.md) ---------------------------
myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3

# -- sphinx-gallery -------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # Every file in the gallery is run: examples/plot_*.py. Any other .py file
    # in examples/ (demo.py, which `make demo` runs, or a helper module) is
    # left out of the gallery altogether (matched against the file name).
    "filename_pattern": re.escape(os.sep) + "plot_",
    "ignore_pattern": r"(^|[/\\])(?!plot_)[^/\\]+\.py$",
    "within_subsection_order": "FileNameSortKey",
    "image_scrapers": ("matplotlib",),  # with matplotlib's "agg" backend
    "doc_module": ("skbackprop",),
    "backreferences_dir": "generated/backreferences",
    "reference_url": {"skbackprop": None},  # links to this site only
    "remove_config_comments": True,
    "download_all_examples": False,
    "show_memory": False,
    # Its timing pages load jQuery and DataTables from CDNs in the browser;
    # each example's page still shows its own running time.
    "write_computation_times": False,
}

# -- HTML -----------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skbackprop {release}"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_theme_options = {
    "logo": {"text": "skbackprop"},
    # The version beside the name (docs/_templates/navbar-version.html).
    "navbar_start": ["navbar-logo", "navbar-version"],
    # Nothing that fetches at build time or in the reader's browser: no
    # version switcher, no version banner, no analytics, no announcement URL.
    "navbar_end": ["theme-switcher"],
    "icon_links": [],
    "check_switcher": False,
    "show_version_warning_banner": False,
    "analytics": {},
    "header_links_before_dropdown": 6,
    "secondary_sidebar_items": ["page-toc", "sourcelink"],
    "show_toc_level": 2,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version", "theme-version"],
}
# Pages outside the user guide have no section to navigate: no left sidebar.
html_sidebars = {
    page: []
    for page in (
        "index",
        "installation",
        "faq",
        "changelog",
        "references",
        "performance",
        "guarantees",
        "architecture",
    )
}
html_last_updated_fmt = None
