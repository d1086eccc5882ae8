"""The tables and figures of the README and the docs agree with the code.

The comparison tables are built from the code by ``docs/_tables.py``, and
the benchmark tables of the performance page from the stored results; the
README and the pages hold copies of them between two markers, so that they
read the same in the repository as on the site. These tests check:

- that every copy is the table ``docs/_tables.py`` builds now;
- independently of ``docs/_tables.py``, that every feature table (the
  README's, the generated ones, and the hand-written lists of activations,
  losses, initialisations and solvers in the user guide) names exactly the
  solvers, activations, losses and initialisations the code has, and that
  the README's and the site's tables mention every parameter, ``fit``
  argument and fitted attribute skbackprop adds to scikit-learn's MLP: a
  name in the code and missing from a table fails, and so does a name in a
  table that the code lacks;
- that the README's install list names every extra of ``pyproject.toml``;
- that the numbers quoted in prose (configurations of the estimator checks,
  the parity tolerances and epochs, benchmark figures, counts of activations
  and losses) are those of the tests and of the latest benchmark run;
- that the tests each row cites exist.

The checkers are tested too, on doctored tables, so that they can fail.
"""

import ast
import functools
import importlib.util
import inspect
import json
import re
from pathlib import Path

import pytest
import sklearn
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.fixes import parse_version

import skbackprop
from skbackprop import MiniBatchMLPClassifier, MiniBatchMLPRegressor
from skbackprop.core import ACTIVATIONS, LOSSES
from skbackprop.core.network import WEIGHT_INITS

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
GUIDE = DOCS / "user_guide"
README = ROOT / "README.md"
SKLEARN_1_7 = parse_version(sklearn.__version__) >= parse_version("1.7")
needs_sklearn_1_7 = pytest.mark.skipif(
    not SKLEARN_1_7,
    reason="the README compares with scikit-learn >= 1.7 (loss='poisson', "
    "sample_weight); older versions lack what its scikit-learn column lists",
)
PAIRS = [(MiniBatchMLPClassifier, MLPClassifier), (MiniBatchMLPRegressor, MLPRegressor)]
NUMBER_WORDS = "zero one two three four five six seven eight nine ten eleven twelve \
thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty".split()


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tables():
    """docs/_tables.py, the generator of the tables."""
    return _load("_skbackprop_docs_tables", DOCS / "_tables.py")


# ----------------------------------------------------------------------
# What the code has, read here without docs/_tables.py
# ----------------------------------------------------------------------
def _options(estimator, name):
    return {
        option
        for constraint in estimator._parameter_constraints.get(name, [])
        if isinstance(constraint, StrOptions)
        for option in constraint.options
    }


def _signature(function):
    return list(inspect.signature(function).parameters)[1:]


def _attributes(estimator):
    from numpydoc.docscrape import NumpyDocString

    doc = NumpyDocString(inspect.getdoc(estimator))
    return [item.name for item in doc["Attributes"]]


def _added(names_of, ignore=()):
    return {
        name
        for ours, theirs in PAIRS
        for name in names_of(ours)
        if name not in names_of(theirs) and name not in ignore
    }


# Names scikit-learn's MLP gained in 1.7: on older versions they are ours
# alone, but the README's table describes scikit-learn >= 1.7.
SKLEARN_1_7_ADDITIONS = {"loss", "sample_weight"}


def added_by_skbackprop(methods=True):
    """Parameters, fit arguments, fitted attributes (and methods) we add."""
    added = _added(lambda e: _signature(e.__init__), SKLEARN_1_7_ADDITIONS)
    added |= _added(lambda e: _signature(e.fit), SKLEARN_1_7_ADDITIONS)
    added |= _added(_attributes)
    if methods:
        added |= _added(lambda e: [m for m in dir(e) if not m.startswith("_")])
    return added


def our_names():
    names = set()
    for ours, _ in PAIRS:
        names |= set(_signature(ours.__init__)) | set(_signature(ours.fit))
        names |= set(_attributes(ours)) | {m for m in dir(ours) if m[0] != "_"}
    return names


def _sklearn_regression_losses():
    return _options(MLPRegressor, "loss") or {"squared_error"}


#: Rows whose cells must name exactly a set of the code: label -> (ours,
#: scikit-learn's).
ENUMERATED_ROWS = {
    "Solvers": (
        lambda: _options(MiniBatchMLPClassifier, "solver"),
        lambda: _options(MLPClassifier, "solver"),
    ),
    "Hidden activations": (
        lambda: set(ACTIVATIONS),
        lambda: _options(MLPClassifier, "activation"),
    ),
    "Weight initialisation": (lambda: set(WEIGHT_INITS), lambda: {"glorot_uniform"}),
    "Regression losses": (
        lambda: _options(MiniBatchMLPRegressor, "loss"),
        _sklearn_regression_losses,
    ),
}


# ----------------------------------------------------------------------
# Reading tables
# ----------------------------------------------------------------------
def markdown_tables(text):
    """Every pipe table of a Markdown text: lists of rows of cells."""
    found, current = [], []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            cells = [
                c.strip().replace("\\|", "|")
                for c in re.split(r"(?<!\\)\|", line)[1:-1]
            ]
            if not all(re.fullmatch(r":?-+:?", c) for c in cells):
                current.append(cells)
        elif current:
            found.append(current)
            current = []
    return found


def rst_list_tables(text):
    """Every list-table of a reStructuredText text: lists of rows of cells."""
    lines = text.splitlines()
    found = []
    for i, line in enumerate(lines):
        match = re.match(r"^(\s*)\.\. list-table::", line)
        if not match:
            continue
        base = len(match.group(1))
        rows, marker = [], None
        for body in lines[i + 1 :]:
            if body.strip() and len(body) - len(body.lstrip()) <= base:
                break
            row = re.match(r"^(\s*)\* -\s?(.*)$", body)
            cell = re.match(r"^(\s*)  -\s?(.*)$", body)
            if row and (marker is None or len(row.group(1)) == marker):
                marker = len(row.group(1))
                rows.append([row.group(2).strip()])
            elif cell and marker is not None and len(cell.group(1)) == marker:
                rows[-1].append(cell.group(2).strip())
            elif rows and body.strip():
                rows[-1][-1] = (rows[-1][-1] + " " + body.strip()).strip()
        found.append(rows)
    return found


def code_names(cell):
    """Identifiers written as inline code in a cell (quotes stripped)."""
    literals = re.findall(r"``([^`]+)``", cell) or re.findall(r"`([^`]+)`", cell)
    names = set()
    for literal in literals:
        literal = literal.strip("'\"")
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", literal):
            names.add(literal)
    return names


def _label(cell):
    return re.sub(r"`+", "", cell).strip()


def feature_table_errors(rows, check_sklearn=True, must_mention=()):
    """What a feature table (header, then rows: label, ours, theirs) gets wrong."""
    errors = []
    known = our_names()
    labels = {_label(row[0]): row for row in rows[1:]}
    for label, (ours, theirs) in ENUMERATED_ROWS.items():
        row = labels.get(label)
        if row is None:
            errors.append(f"no row {label!r}")
            continue
        columns = [(1, ours(), "skbackprop")]
        if check_sklearn:
            columns.append((2, theirs(), "scikit-learn"))
        for column, expected, whose in columns:
            written = code_names(row[column])
            if missing := expected - written:
                errors.append(f"{label!r} ({whose}) lacks {sorted(missing)}")
            if unknown := written - expected - known:
                errors.append(
                    f"{label!r} ({whose}) names {sorted(unknown)}, not in the code"
                )
    mentioned = set().union(*(code_names(row[1]) for row in rows[1:]))
    if missing := set(must_mention) - mentioned:
        errors.append(f"skbackprop's column never mentions {sorted(missing)}")
    return errors


# ----------------------------------------------------------------------
# The README's table
# ----------------------------------------------------------------------
def _readme_table(text):
    _, _, after = text.partition("<!-- table generated by docs/_tables.py")
    tables_found = markdown_tables(after)
    assert tables_found, "README.md has no generated table after its marker"
    return tables_found[0]


@needs_sklearn_1_7
def test_readme_table_is_the_generated_one(tables):
    block = tables.readme_block(README.read_text())
    assert block == tables.readme_table(), (
        "README.md's table is not the one docs/_tables.py builds from the code: "
        "run `python docs/_tables.py --write-readme`"
    )


def test_readme_table_names_what_the_code_has():
    rows = _readme_table(README.read_text())
    errors = feature_table_errors(
        rows, check_sklearn=SKLEARN_1_7, must_mention=added_by_skbackprop(methods=False)
    )
    assert not errors, errors


def test_generated_feature_table_names_what_the_code_has(tables):
    (rows,) = rst_list_tables(tables.rst("features"))
    errors = feature_table_errors(rows, must_mention=added_by_skbackprop(methods=True))
    assert not errors, errors


def test_generated_parameter_table_lists_every_parameter(tables):
    (rows,) = rst_list_tables(tables.rst("parameters"))
    listed = [code_names(row[0]) for row in rows[1:]]
    assert all(len(names) == 1 for names in listed), listed
    listed = [names.pop() for names in listed]
    expected = {p for ours, _ in PAIRS for p in _signature(ours.__init__)}
    assert sorted(listed) == sorted(expected)
    for (name, default, theirs_default, values), name_ in zip(
        rows[1:], listed, strict=True
    ):
        owner = next(ours for ours, _ in PAIRS if name_ in _signature(ours.__init__))
        theirs = dict(PAIRS)[owner]
        assert default == f"``{inspect.signature(owner).parameters[name_].default!r}``"
        if name_ in _signature(theirs.__init__):
            parameter = inspect.signature(theirs).parameters[name_]
            assert theirs_default == f"``{parameter.default!r}``", name
        else:
            assert theirs_default == "not in scikit-learn", name
        for option in _options(owner, name_):
            assert f"``'{option}'``" in values, (name, option)


@pytest.mark.parametrize(
    "page, table",
    [
        ("user_guide/drop_in_for_sklearn.rst", "features"),
        ("user_guide/drop_in_for_sklearn.rst", "parameters"),
        ("user_guide/drop_in_for_sklearn.rst", "shared"),
        ("installation.rst", "extras"),
        ("installation.rst", "versions"),
        ("user_guide/beyond_sklearn.rst", "building-blocks"),
    ],
)
def test_pages_hold_the_generated_tables(tables, page, table):
    assert table in tables.PAGE_TABLES[page]
    text = (DOCS / page).read_text()
    assert tables.rst_begin(table) in text, f"docs/{page} has no table {table!r}"


@pytest.mark.parametrize(
    "page",
    [
        "user_guide/drop_in_for_sklearn.rst",
        "installation.rst",
        "user_guide/beyond_sklearn.rst",
    ],
)
def test_generated_tables_of_the_pages_are_current(tables, page):
    text = (DOCS / page).read_text()
    if "sklearn-version" in tables.PAGE_TABLES[page]:
        generated_with = tables.sklearn_version_of(text)
        if generated_with != sklearn.__version__:
            pytest.skip(
                f"docs/{page} compares with scikit-learn {generated_with}, this "
                f"environment has {sklearn.__version__}"
            )
    stale = tables.stale_blocks(page, text)
    assert not stale, (
        f"docs/{page}: the tables {stale} are not what docs/_tables.py builds: "
        "run `python docs/_tables.py --write`"
    )


def test_a_stale_page_table_is_found(tables):
    page = "installation.rst"
    text = _doctor((DOCS / page).read_text(), "- ``>=3.10``", "- ``>=3.9``")
    assert tables.stale_blocks(page, text) == ["versions"]


def test_the_drop_in_page_has_no_hand_written_comparison_table(tables):
    # Its tables are generated: a copy written by hand would drift.
    text = (GUIDE / "drop_in_for_sklearn.rst").read_text()
    outside = re.sub(
        r"\.\. generated table .*?\.\. end of generated table", "", text, flags=re.S
    )
    assert ".. list-table::" not in outside
    assert len(rst_list_tables(text)) == 3


# ----------------------------------------------------------------------
# Hand-written lists in the user guide
# ----------------------------------------------------------------------
def _our_extra_losses():
    if not SKLEARN_1_7:
        pytest.skip("the page compares with scikit-learn >= 1.7's losses")
    return _options(MiniBatchMLPRegressor, "loss") - _options(MLPRegressor, "loss")


HAND_WRITTEN = [
    ("beyond_sklearn.rst", "``weight_init``", lambda: set(WEIGHT_INITS)),
    ("beyond_sklearn.rst", "``loss``", _our_extra_losses),
    ("backprop_from_equations_to_code.rst", "activation", lambda: set(ACTIVATIONS)),
    ("exporting_to_onnx.rst", "activation", lambda: set(ACTIVATIONS)),
    (
        "choosing_solver_and_reading_curves.rst",
        "``solver``",
        lambda: _options(MiniBatchMLPClassifier, "solver"),
    ),
]


@pytest.mark.parametrize(
    "page, header, expected", HAND_WRITTEN, ids=[f"{p}:{h}" for p, h, _ in HAND_WRITTEN]
)
def test_hand_written_lists_name_what_the_code_has(page, header, expected):
    found = [
        t for t in rst_list_tables((GUIDE / page).read_text()) if t[0][0] == header
    ]
    assert found, f"{page} has no table whose first column is {header!r}"
    for table in found:
        names = set().union(*(code_names(row[0]) for row in table[1:]))
        assert names == expected(), (
            f"{page}, table {header!r}: lacks {sorted(expected() - names)}, "
            f"names {sorted(names - expected())} that the code lacks"
        )


# ----------------------------------------------------------------------
# The install list, the rows' tests, the quoted numbers
# ----------------------------------------------------------------------
def readme_extras(text):
    found = set()
    for group in re.findall(r'pip install -e "\.\[([^\]]+)\]"', text):
        found |= {extra.strip() for extra in group.split(",")}
    return found


#: Extras for working on skbackprop: CONTRIBUTING.md lists them, the README
#: (for users) does not.
DEVELOPER_EXTRAS = {"test", "docs", "bench"}


def test_readme_install_list_names_every_users_extra(tables):
    extras = set(tables.pyproject_extras())
    assert DEVELOPER_EXTRAS <= extras
    assert readme_extras(README.read_text()) == extras - DEVELOPER_EXTRAS


def test_contributing_names_the_developers_extras():
    contributing = (ROOT / "CONTRIBUTING.md").read_text()
    assert readme_extras(contributing) == DEVELOPER_EXTRAS


def _test_exists(reference):
    path, _, name = reference.partition("::")
    file = ROOT / path
    if not file.is_file():
        return False
    if not name:
        return True
    tree = ast.parse(file.read_text())
    return any(
        isinstance(node, ast.FunctionDef) and node.name == name
        for node in ast.walk(tree)
    )


def test_every_row_cites_tests_that_exist(tables):
    rows = tables.feature_rows()
    assert all(row.tests for row in rows), [r.label for r in rows if not r.tests]
    missing = [t for row in rows for t in row.tests if not _test_exists(t)]
    assert not missing, missing


@functools.cache
def _check_configurations():
    module = _load("_skbackprop_common_configs", ROOT / "tests" / "test_common.py")
    return module.ESTIMATORS


def _uses_what_sklearn_lacks(estimator):
    theirs = (
        MLPClassifier if isinstance(estimator, MiniBatchMLPClassifier) else MLPRegressor
    )
    params = estimator.get_params()
    ours_defaults = inspect.signature(type(estimator)).parameters
    extras = set(_signature(type(estimator).__init__)) - set(
        _signature(theirs.__init__)
    )
    extras -= SKLEARN_1_7_ADDITIONS
    if any(params[name] != ours_defaults[name].default for name in extras):
        return True
    if params.get("loss", "squared_error") not in {"squared_error", "poisson"}:
        return True
    activation = params["activation"]
    return not isinstance(activation, str) or activation not in {
        "identity",
        "logistic",
        "tanh",
        "relu",
    }


def _word(number):
    return NUMBER_WORDS[number]


def _expected_count(what):
    """A count the prose quotes, from the code, as a word."""
    if what == "activations":
        return _word(len(ACTIVATIONS))
    if what == "losses":
        return _word(len(LOSSES))
    configurations = _check_configurations()
    if what == "configurations":
        return _word(len(configurations))
    assert what == "configurations with features scikit-learn lacks"
    return _word(sum(map(_uses_what_sklearn_lacks, configurations)))


CLAIMS = [
    ("docs/guarantees.md", r"\b(\w+) configurations", "configurations"),
    (
        "docs/user_guide/drop_in_for_sklearn.rst",
        r"\b(\w+) configurations",
        "configurations",
    ),
    (
        "docs/guarantees.md",
        r"(\w+) of them with features",
        "configurations with features scikit-learn lacks",
    ),
    (
        "docs/user_guide/drop_in_for_sklearn.rst",
        r"(\w+) with features",
        "configurations with features scikit-learn lacks",
    ),
    ("docs/guarantees.md", r"activation \((\w+)\)", "activations"),
    ("docs/guarantees.md", r"loss \((\w+)\)", "losses"),
]


@pytest.mark.parametrize(
    "path, pattern, what", CLAIMS, ids=[f"{p}:{w}" for p, _, w in CLAIMS]
)
def test_counts_in_prose_are_the_codes(path, pattern, what):
    expected = _expected_count(what)
    text = re.sub(r"\s+", " ", (ROOT / path).read_text())
    found = re.findall(pattern, text)
    assert found, f"{path}: no match for {pattern!r} (update this test)"
    assert set(found) == {expected}, (
        f"{path}: {pattern!r} says {found}, the code {expected}"
    )


def parity_settings():
    """Epochs and tolerances of test_same_weights_as_sklearn, from its source."""
    source = (ROOT / "tests" / "test_parity.py").read_text()
    iterations = re.search(r'max_iter=(\d+) if solver == "lbfgs" else (\d+)', source)
    tolerances = re.search(
        r'rtol=([\d.e-]+) if solver == "lbfgs" else ([\d.e-]+)', source
    )
    assert iterations and tolerances, "tests/test_parity.py changed: update this test"
    return {
        "lbfgs_iterations": iterations.group(1),
        "epochs": iterations.group(2),
        "lbfgs_rtol": tolerances.group(1),
        "rtol": tolerances.group(2),
    }


@pytest.mark.parametrize(
    "path", ["docs/user_guide/drop_in_for_sklearn.rst", "docs/guarantees.md"]
)
def test_parity_claims_are_what_test_parity_proves(path):
    settings = parity_settings()
    text = re.sub(r"\s+", " ", (ROOT / path).read_text()).replace("``", "`")
    for phrase in (
        f"{settings['epochs']} epochs of SGD or Adam",
        f"rtol={settings['rtol']}",
        f"first {settings['lbfgs_iterations']} iterations of L-BFGS",
        f"rtol={settings['lbfgs_rtol']}",
    ):
        assert phrase in text, f"{path} does not say {phrase!r}"
    # The old, false claim: one tolerance for every solver.
    assert not re.search(r"rtol=\S+ for every solver", text), path


def _load_run(path):
    return json.loads(path.read_text())


def _independent_verdicts(run):
    """Per training workload: was every repeat faster, or some faster?

    Read from the stored run here, without docs/_tables.py: each repeat
    timed skbackprop and scikit-learn back to back.
    """
    verdicts = []
    for entry in run["training"]:
        timings = entry["timings"]
        pairs = zip(
            timings["skbackprop"]["samples"], timings["sklearn"]["samples"], strict=True
        )
        ratios = [ours / theirs for ours, theirs in pairs]
        verdicts.append((max(ratios) < 1, min(ratios) < 1))
    return verdicts


def test_speed_claims_are_the_latest_runs(tables):
    run = _load_run(tables.BENCHMARK)
    verdicts = _independent_verdicts(run)
    # "an epoch as fast as scikit-learn's or faster on every benchmarked
    # workload": on each, some repeat was faster and the median ratio below 1.
    assert all(some for _, some in verdicts)
    assert all(entry["ratios"]["sklearn"] < 1 for entry in run["training"])
    claim = "an epoch as fast as scikit-learn's or faster on every benchmarked workload"
    for path in (README, GUIDE / "drop_in_for_sklearn.rst"):
        assert claim in re.sub(r"\s+", " ", path.read_text()), (path.name, claim)
    summary = tables.speed_summary()
    assert summary["every_epoch_equal_or_faster"]
    assert summary["epochs_faster"] == sum(every for every, _ in verdicts)
    one_row = f"about {summary['one_row_times']} times cheaper"
    for path in (README, GUIDE / "drop_in_for_sklearn.rst"):
        assert one_row in re.sub(r"\s+", " ", path.read_text()), (path.name, one_row)


def test_the_speed_table_reads_the_repeats(tables):
    run = _load_run(tables.BENCHMARK)
    rows = [row for row in tables.speed_rows(run) if row["kind"] == "training"]
    for row, (every, some) in zip(rows, _independent_verdicts(run), strict=True):
        expected = "faster" if every else "equal or faster" if some else "slower"
        assert row["verdict"] == expected, row["workload"]


def test_a_doctored_run_changes_the_reading(tables):
    run = _load_run(tables.BENCHMARK)
    timings = run["training"][0]["timings"]
    theirs = timings["sklearn"]
    # scikit-learn's first repeat as slow as ours: that repeat is a tie...
    timings["sklearn"] = dict(theirs, samples=list(theirs["samples"]))
    timings["sklearn"]["samples"][0] = timings["skbackprop"]["samples"][0]
    assert tables.speed_rows(run)[0]["verdict"] == "equal or faster"
    # ... and every repeat slower: skbackprop is slower.
    timings["sklearn"]["samples"] = [s / 2 for s in timings["skbackprop"]["samples"]]
    assert tables.speed_rows(run)[0]["verdict"] == "slower"
    assert not tables.speed_summary(run)["every_epoch_equal_or_faster"]


def test_performance_page_tables_are_the_generated_ones(tables):
    text = tables.PERFORMANCE.read_text()
    for begin, table in (
        (tables.PERFORMANCE_BEGIN, tables.performance_table()),
        (tables.TORCH_BEGIN, tables.torch_cpu_table()),
    ):
        assert tables.generated_block(text, begin, tables.PERFORMANCE_END) == table, (
            "docs/performance.md's tables are not those of benchmarks/results/: "
            "run `python docs/_tables.py --write`"
        )


def test_readme_links_resolve():
    text = README.read_text()
    targets = re.findall(r"\]\((?!https?://|#)([^)#]+)", text)
    assert targets
    missing = [t for t in targets if not (ROOT / t).exists()]
    assert not missing, missing


def test_citation_file_names_this_version():
    text = (ROOT / "CITATION.cff").read_text()
    fields = dict(re.findall(r'^([a-z-]+):\s*"?([^"\n]*)"?\s*$', text, re.MULTILINE))
    assert fields["cff-version"] == "1.2.0"
    assert fields["version"] == skbackprop.__version__
    assert fields["license"] == "BSD-3-Clause"
    assert re.search(r'^\s+- name: "The skbackprop developers"$', text, re.MULTILINE)


# ----------------------------------------------------------------------
# The checkers can fail
# ----------------------------------------------------------------------
def _doctor(text, old, new):
    assert old in text, old
    return text.replace(old, new, 1)


DOCTORED = [
    ("an activation missing", ", `mish` |", " |", "lacks ['mish']"),
    (
        "an activation the code lacks",
        "`mish` |",
        "`mish`, `swish2` |",
        "names ['swish2']",
    ),
    (
        "a solver missing",
        "`adam`, `lbfgs` | `sgd`",
        "`adam` | `sgd`",
        "lacks ['lbfgs']",
    ),
    (
        "a row missing",
        "| Regression losses |",
        "| Losses |",
        "no row 'Regression losses'",
    ),
    (
        "a parameter never mentioned",
        "`dropout`:",
        "Dropout:",
        "never mentions ['dropout']",
    ),
]


@pytest.mark.parametrize(
    "what, old, new, error", DOCTORED, ids=[d[0] for d in DOCTORED]
)
def test_a_doctored_readme_table_fails(what, old, new, error):
    rows = _readme_table(_doctor(README.read_text(), old, new))
    errors = feature_table_errors(rows, must_mention=added_by_skbackprop(methods=False))
    assert any(error in e for e in errors), errors


def test_a_doctored_generated_table_fails(tables):
    text = _doctor(tables.rst("features"), "``huber``, ", "")
    errors = feature_table_errors(rst_list_tables(text)[0])
    assert any("lacks ['huber']" in e for e in errors), errors


def test_a_doctored_hand_written_list_fails():
    page = (GUIDE / "backprop_from_equations_to_code.rst").read_text()
    text = _doctor(page, "   * - ``elu``", "   * - ``elu2``")
    (table,) = [t for t in rst_list_tables(text) if t[0][0] == "activation"]
    names = set().union(*(code_names(row[0]) for row in table[1:]))
    assert names != set(ACTIVATIONS)


def test_a_doctored_install_list_fails(tables):
    text = _doctor(README.read_text(), '".[progress]"', '".[prog]"')
    assert readme_extras(text) != set(tables.pyproject_extras())


def test_the_generator_refuses_an_undocumented_name(tables, monkeypatch):
    rows = [row for row in tables.feature_rows() if row.label != "Dropout"]
    with pytest.raises(AssertionError, match="dropout"):
        tables._check_coverage(rows)
    monkeypatch.delitem(tables.EXTRAS, "progress")
    with pytest.raises(AssertionError, match="progress"):
        tables.extras_rows()


def test_the_generator_refuses_a_row_for_a_name_the_code_lacks(tables):
    rows = tables.feature_rows() + [
        tables.Row("Mish", "`mish`", "no", covers=("mish",))
    ]
    with pytest.raises(AssertionError, match="mish"):
        tables._check_coverage(rows)


def test_readme_states_the_lower_bounds_of_pyproject(tables):
    project = tables._pyproject()["project"]
    readme = re.sub(r"\s+", " ", README.read_text())
    bounds = [("Python", project["requires-python"].removeprefix(">="))]
    for requirement in project["dependencies"]:
        name, _, version = requirement.partition(">=")
        bounds.append((name, version))
    for name, version in bounds:
        assert re.search(rf"{name} >= {re.escape(version)}\b", readme, re.I), (
            f"README.md should say {name} >= {version}, as pyproject.toml does"
        )


# ----------------------------------------------------------------------
# The examples of the pages outside the user guide
# ----------------------------------------------------------------------
def _collected_by_pytest(path):
    """Whether pytest's own configuration runs the doctests of ``path``."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]
    options = options["ini_options"]
    globbed = re.search(r"--doctest-glob=\*\.rst\b", options.get("addopts", ""))
    paths = [ROOT / testpath for testpath in options.get("testpaths", [])]
    return bool(globbed) and any(path == p or p in path.parents for p in paths)


PAGES_WITH_EXAMPLES = sorted(
    page.name for page in DOCS.glob("*.rst") if ">>> " in page.read_text()
)


@pytest.mark.parametrize("page", PAGES_WITH_EXAMPLES)
def test_examples_of_top_level_pages_are_run_by_pytest(page):
    # Every page with examples is among pytest's testpaths, so its doctests
    # run with the suite (a new page must be added there).
    assert _collected_by_pytest(DOCS / page), (
        f"add docs/{page} to testpaths in pyproject.toml"
    )


# ----------------------------------------------------------------------
# The README's first screen
# ----------------------------------------------------------------------
FIRST_SCREEN = 30  # lines a browser shows of a rendered README, about


def first_screen_problems(text):
    lines = text.splitlines()
    problems = []
    for what, pattern in (
        ("the install command", r"^pip install -e \.(\s|$)"),
        ("a trained model", r"\.fit\("),
    ):
        found = [i for i, line in enumerate(lines) if re.search(pattern, line)]
        if not found or found[0] >= FIRST_SCREEN:
            problems.append(f"{what} is not in the first {FIRST_SCREEN} lines")
    return problems


def test_readme_goes_from_install_to_a_trained_model_in_one_screen():
    assert first_screen_problems(README.read_text()) == []


def test_a_readme_that_opens_with_something_else_fails():
    text = README.read_text()
    title, _, rest = text.partition("\n")
    padded = title + "\n" + "More about the project.\n" * FIRST_SCREEN + rest
    assert len(first_screen_problems(padded)) == 2
