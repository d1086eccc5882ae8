"""Python-level call counts and code size of the imported skbackprop package.

Dynamic counts come from ``sys.setprofile``: every ``call`` event of a
Python function whose code file lies inside a package directory counts as a
call (so do comprehensions and generator resumptions; C functions do not).
"functions" counts distinct code objects entered; "names" distinct (file,
name) pairs, in which a file's comprehensions or same-named methods count
once, as the issue's figures do. Each call is counted after a warm-up:

- ``fit``: ``MiniBatchMLPClassifier(hidden_layer_sizes=(16,), max_iter=2,
  random_state=0)`` (adam) on 300 random rows x 20 features, 3 classes
  (two batches of 200 and 100 per epoch);
- ``partial_fit``: one one-row ``partial_fit(X[:1], y[:1])`` on that fitted
  model;
- ``predict``: one one-row ``predict(X[:1])``;
- for comparison, scikit-learn's ``MLPClassifier`` fit with the same
  parameters, counted in ``sklearn/neural_network`` and in all of sklearn.

Static metrics come from ``ast``: per module under the package directory,
its lines and its functions and methods (nested ones included), and the
largest class and function.

skbackprop is imported from wherever Python finds it, so another checkout
can be measured by putting it first on the path::

    python benchmarks/call_counts.py            # from the repo root
    PYTHONPATH=/path/to/checkout python benchmarks/call_counts.py --json
"""

import argparse
import ast
import json
import os
import subprocess
import sys
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

import skbackprop
from skbackprop import MiniBatchMLPClassifier

PARAMS = {"hidden_layer_sizes": (16,), "max_iter": 2, "random_state": 0}


def package_dir(module):
    return os.path.realpath(os.path.dirname(module.__file__))


def count_calls(function, scopes):
    """Distinct functions and calls per scope (name -> directory) in ``function()``."""
    counts = {name: Counter() for name in scopes}
    where = {}  # code object -> scopes its file lies in

    def profile(frame, event, arg):
        if event != "call":
            return
        code = frame.f_code
        if code not in where:
            path = os.path.realpath(code.co_filename)
            where[code] = [n for n, d in scopes.items() if path.startswith(d + os.sep)]
        for name in where[code]:
            counts[name][code] += 1

    sys.setprofile(profile)
    try:
        function()
    finally:
        sys.setprofile(None)
    return {
        name: {
            "functions": len(c),
            "names": len({(code.co_filename, code.co_name) for code in c}),
            "calls": sum(c.values()),
        }
        for name, c in counts.items()
    }


def dynamic_counts():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((300, 20)), rng.integers(0, 3, 300)
    ours = {"skbackprop": package_dir(skbackprop), "sklearn": package_dir(sklearn)}
    theirs = {
        "sklearn.neural_network": os.path.join(ours["sklearn"], "neural_network"),
        "sklearn": ours["sklearn"],
    }
    model = MiniBatchMLPClassifier(**PARAMS)
    sk_model = MLPClassifier(**PARAMS)
    cases = [
        ("skbackprop fit (2 epochs, adam)", ours, lambda: model.fit(X, y)),
        ("skbackprop one-row partial_fit", ours,
         lambda: model.partial_fit(X[:1], y[:1])),
        ("skbackprop one-row predict", ours, lambda: model.predict(X[:1])),
        ("sklearn MLPClassifier fit (2 epochs, adam)", theirs,
         lambda: sk_model.fit(X, y)),
    ]  # fmt: skip
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for label, scopes, call in cases:
            call()  # warm-up: the fit before partial_fit/predict, lazy imports
            for scope, c in count_calls(call, scopes).items():
                rows.append({"call": label, "scope": scope, **c})
    return rows


def definitions(node, prefix):
    """(kind, qualified name, lines) of every class and function under ``node``."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            kind = "class" if isinstance(child, ast.ClassDef) else "function"
            size = child.end_lineno - child.lineno + 1
            yield kind, prefix + child.name, size
            yield from definitions(child, f"{prefix}{child.name}.")
        else:
            yield from definitions(child, prefix)


def static_metrics(root):
    """Lines and functions per module; the largest class and function."""
    modules, found = [], []
    for path in sorted(Path(root).rglob("*.py")):
        name = path.relative_to(Path(root).parent).as_posix()
        source = path.read_text()
        defs = list(definitions(ast.parse(source), f"{name}:"))
        n_functions = sum(d[0] == "function" for d in defs)
        lines = len(source.splitlines())
        modules.append({"module": name, "lines": lines, "functions": n_functions})
        found += defs
    largest = {}
    for kind in ("class", "function"):
        size, qualname = max((s, q) for k, q, s in found if k == kind)
        largest[kind] = {"name": qualname, "lines": size}
    return {"modules": modules, "largest": largest}


def table(headers, rows):
    """A Markdown table: text columns left-aligned, numbers right-aligned."""
    align = "".join("|---" if isinstance(c, str) else "|--:" for c in rows[0]) + "|"
    lines = ["| " + " | ".join(headers) + " |", align]
    return lines + ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]


def markdown(result):
    calls = [[r["call"], r["scope"], r["functions"], r["names"], r["calls"]]
             for r in result["calls"]]  # fmt: skip
    modules = [
        [m["module"], m["lines"], m["functions"]] for m in result["static"]["modules"]
    ]
    modules.append(["**total**", *(sum(m[i] for m in modules) for i in (1, 2))])
    return "\n".join(
        [
            f"# Call counts: skbackprop {result['skbackprop_version']} at "
            f"{result['revision']} (sklearn {result['sklearn_version']})",
            "",
            "Python function entries (`sys.setprofile` call events) in code "
            "files of each scope, after a warm-up of the same call; 300 x 20 "
            "random rows, 3 classes, hidden (16,), max_iter=2, random_state=0 "
            "(two batches per epoch). functions: distinct code objects; names: "
            "distinct (file, name) pairs.",
            "",
            *table(("call", "scope", "functions", "names", "calls"), calls),
            "",
            "## Code size",
            "",
            *table(("module", "lines", "functions"), modules),
            "",
            *(f"- largest {kind}: `{v['name']}` ({v['lines']} lines)"
              for kind, v in result["static"]["largest"].items()),
        ]
    )  # fmt: skip


def git_revision(directory):
    """The checkout's commit (short), or "unknown" outside a git checkout."""
    try:
        return subprocess.run(
            ["git", "-C", directory, "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)
    result = {
        "revision": git_revision(package_dir(skbackprop)),
        "skbackprop_version": skbackprop.__version__,
        "sklearn_version": sklearn.__version__,
        "calls": dynamic_counts(),
        "static": static_metrics(package_dir(skbackprop)),
    }
    print(json.dumps(result, indent=2) if args.json else markdown(result))


if __name__ == "__main__":
    main()
