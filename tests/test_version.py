"""One version everywhere: the package, pyproject.toml, CITATION.cff, the changelog.

``skbackprop.__version__`` is the one place the version is written;
``pyproject.toml`` reads it from there, ``CITATION.cff`` repeats it, and the
changelog's newest section is that version, with a date. The site shows it
in its navigation bar (``docs/conf.py`` sets ``release`` from it).
"""

import datetime
import itertools
import re
from pathlib import Path

import pytest
from sklearn.utils.fixes import parse_version

import skbackprop

ROOT = Path(__file__).resolve().parent.parent

# A section title of docs/changelog.rst: "0.1.0 (2026-11-24)", or for a
# development version "0.2.0.dev0 (in development since 2026-11-24)".
SECTION = re.compile(
    r"^(?P<version>\d+\.\d+\.\d+(?:\.dev\d+|rc\d+)?) "
    r"\((?P<since>in development since )?(?P<date>\d{4}-\d{2}-\d{2})\)$"
)


def _pyproject():
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def changelog_sections(text):
    """(title, version, date, in development) of each top-level section."""
    lines = text.splitlines()
    sections = []
    for title, underline in itertools.pairwise(lines):
        if underline and set(underline) == {"="} and len(underline) == len(title):
            match = SECTION.match(title)
            sections.append(
                (
                    title,
                    match and match["version"],
                    match and datetime.date.fromisoformat(match["date"]),
                    bool(match and match["since"]),
                )
            )
    return sections


def test_version_is_a_valid_version():
    version = parse_version(skbackprop.__version__)
    assert str(version) == skbackprop.__version__  # normalised, PEP 440


def test_pyproject_reads_the_version_from_the_package():
    config = _pyproject()
    assert "version" not in config["project"], "the version is written only once"
    assert "version" in config["project"]["dynamic"]
    dynamic = config["tool"]["setuptools"]["dynamic"]["version"]
    assert dynamic == {"attr": "skbackprop.__version__"}


def test_citation_file_has_the_version():
    text = (ROOT / "CITATION.cff").read_text()
    (version,) = re.findall(r'^version:\s*"?([^"\n]+)"?\s*$', text, re.MULTILINE)
    assert version == skbackprop.__version__


def changelog_problems(text, version):
    """What is wrong with a changelog's sections, for package version ``version``."""
    sections = changelog_sections(text)
    if not sections or sections[0][0] != "Changelog":
        return ["the page's title is not 'Changelog'"]
    releases = sections[1:]
    if not releases:
        return ["no version sections"]
    problems = []
    undated = [title for title, found, *_ in releases if found is None]
    if undated:
        return [f"sections without 'VERSION (YYYY-MM-DD)': {undated}"]
    titles = [title for title, *_ in releases]
    top_title, top_version, _, top_in_development = releases[0]
    if top_version != version:
        problems.append(f"the newest section is {top_version}, the package {version}")
    # Only the newest section may be a development version, and it says so.
    if top_in_development != parse_version(top_version).is_devrelease:
        problems.append(f"{top_title!r}: 'in development since' for .devN only")
    if any(in_development for *_, in_development in releases[1:]):
        problems.append("an older section is still 'in development'")
    versions = [parse_version(found) for _, found, _, _ in releases]
    dates = [date for _, _, date, _ in releases]
    if versions != sorted(versions, reverse=True):
        problems.append(f"versions not newest first: {titles}")
    if dates != sorted(dates, reverse=True):
        problems.append(f"dates not newest first: {titles}")
    return problems


def test_changelog_top_section_is_this_version_and_every_section_is_dated():
    text = (ROOT / "docs" / "changelog.rst").read_text()
    assert changelog_problems(text, skbackprop.__version__) == []


@pytest.mark.parametrize(
    "section, problem",
    [
        ("Unreleased\n==========\n", "without 'VERSION (YYYY-MM-DD)'"),
        ("0.1.0\n=====\n", "without 'VERSION (YYYY-MM-DD)'"),
        ("0.0.9 (2026-11-30)\n==================\n", "the newest section is 0.0.9"),
        ("9.0.0 (2020-01-01)\n==================\n", "dates not newest first"),
        (
            "9.0.0.dev0 (2030-01-01)\n=======================\n",
            "'in development since' for .devN only",
        ),
    ],
)
def test_a_doctored_changelog_fails(section, problem):
    text = (ROOT / "docs" / "changelog.rst").read_text()
    header, _, rest = text.partition("\n\n\n")
    doctored = f"{header}\n\n\n{section}\n{rest}"
    problems = changelog_problems(doctored, skbackprop.__version__)
    assert any(problem in found for found in problems), problems
