"""The Makefile's test lists: every test file is sorted into the library's tests or the others (issue 10).

``make test-lib``, ``make test-min``, ``make test-pandas3`` and ``make test-newest-python`` run
``LIB_TESTS``; a library test missing from it would go untested on the oldest and newest
dependencies. So every ``tests/test_*.py`` must be in exactly one of ``LIB_TESTS`` and
``OTHER_TESTS``, and a library test must not need what only the other tests need.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
MAKEFILE = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
#: What only the other tests may use: notebook execution, nbgrader, the book, a browser, the full install.
NOT_IN_LIBRARY_TESTS = re.compile(
    r"^\s*(from|import)\s+(nbclient|nbgrader|nbmake|playwright|notebook_sources|grading_fixtures|pg_fixture"
    r"|mlhc_course\.grading)\b|\"jupyter-book\"",
    re.M,
)


def _make_list(name: str) -> list[str]:
    """The words of a ``NAME := ...`` Makefile variable (continued lines joined, ``$(VAR)`` expanded)."""
    match = re.search(rf"^{name} := ((?:.*\\\n)*.*)$", MAKEFILE, re.M)
    assert match, f"the Makefile has no {name} list"
    words = []
    for word in match.group(1).replace("\\\n", " ").split():
        inner = re.fullmatch(r"\$\((\w+)\)", word)
        words += _make_list(inner.group(1)) if inner else [word]
    return words


def test_every_test_file_is_a_library_test_or_another_test():
    lib, other = _make_list("LIB_TESTS"), _make_list("OTHER_TESTS")
    files = sorted(str(p.relative_to(REPO_ROOT)) for p in (REPO_ROOT / "tests").glob("test_*.py"))
    assert not set(lib) & set(other), f"in both lists: {sorted(set(lib) & set(other))}"
    assert len(lib) == len(set(lib)) and len(other) == len(set(other)), "a file is listed twice"
    missing = sorted(set(files) - set(lib) - set(other))
    assert not missing, (
        f"{missing}: add each to the Makefile's LIB_TESTS (a library test: runs no notebook, nbgrader, "
        "book or browser, needs no extra beyond [dev]) or to OTHER_TESTS"
    )
    gone = sorted(set(lib + other) - set(files))
    assert not gone, f"the Makefile lists test files that do not exist: {gone}"


def test_library_tests_need_no_notebook_grader_book_or_browser():
    for name in _make_list("LIB_TESTS"):
        source = (REPO_ROOT / name).read_text(encoding="utf-8")
        found = NOT_IN_LIBRARY_TESTS.search(source)
        assert not found, f"{name} uses {found.group(0).strip()!r}: move it to OTHER_TESTS"


def test_the_make_targets_run_the_library_tests():
    for target in ("test-lib", "test-min", "test-pandas3", "test-newest-python"):
        recipe = _recipe(target)
        assert "$(LIB_TESTS) $(LIB_DOCTESTS)" in recipe, target


def test_the_oldest_and_the_pandas_3_installs_also_run_every_notebook():
    assert "tests/test_notebooks.py" in _make_list("NOTEBOOK_TESTS")
    for target in ("test-min", "test-pandas3"):
        assert "$(NOTEBOOK_TESTS)" in _recipe(target), target


def _recipe(target: str) -> str:
    recipe = re.search(rf"^{target}:.*\n((?:\t.*\n)+)", MAKEFILE, re.M)
    assert recipe, f"the Makefile has no {target} target"
    return recipe.group(1)
