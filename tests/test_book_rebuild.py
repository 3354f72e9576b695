"""A rebuild of the website with nothing changed reads, executes and writes nothing.

The book's own extensions (``book/_ext``) run at every build. Two of them once made every
rebuild redo work: exercise numbers that Sphinx saw as changed (every page with an exercise was
rewritten) and released problem sets rewritten with a new mtime (re-read as changed). These tests
build a small site with the same extensions twice, in this process, in a few seconds. The whole
book is rebuilt in ``tests/test_book.py`` (slow) and timed by ``benchmarks/bench_book.py``.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import REPO_ROOT

EXTENSIONS = REPO_ROOT / "book" / "_ext"  # Sphinx extensions, not a package


def _import_extension(name: str):
    spec = importlib.util.spec_from_file_location(name, EXTENSIONS / f"{name}.py")
    module = sys.modules[name] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


course_assignments = _import_extension("course_assignments")

_CONF = """
extensions = ["myst_nb", "sphinx_exercise", "course_site", "course_assignments"]
exclude_patterns = ["_build", "notebooks/assignments", "**.ipynb_checkpoints"]
html_theme = "sphinx_book_theme"
html_theme_options = {"repository_url": "https://github.com/mlhc-course/mlhc-course"}
# a fresh list per build: the theme appends to it, and Sphinx's default list would be shared by the
# builds in this one process (each real build is a new process)
templates_path = []
nb_execution_mode = "off"
suppress_warnings = ["mystnb.unknown_mime_type"]
"""

_INDEX = """# Course

```{toctree}
lesson01
lesson02
book/assignments/ps_demo
```
"""

# Sphinx numbers exercises through the whole site (1, 2, 3); course_site numbers them within a lesson.
_LESSONS = {
    "lesson01": ["l01_ex1_prevalence", "l01_ex2_ppv"],
    "lesson02": ["l02_ex1_calibration"],
}


def _lesson(name: str, labels: list[str]) -> str:
    exercises = "\n".join(
        f"```{{exercise}} Question\n:label: {label}\n\nAnswer {label}.\n```\n" for label in labels
    )
    return f"# {name.title()}\n\n{exercises}"


def _assignment_source() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    answer = nbformat.v4.new_code_cell("### BEGIN SOLUTION\nanswer = 42\n### END SOLUTION")
    answer.metadata["nbgrader"] = {
        "grade": False,
        "grade_id": "answer",
        "locked": False,
        "schema_version": 3,
        "solution": True,
        "task": False,
    }
    nb.cells = [nbformat.v4.new_markdown_cell("# PS demo"), answer]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A small book: two lessons with exercises and one problem-set source."""
    return _make_site(tmp_path)


def _make_site(root: Path) -> Path:
    src = root / "src"
    src.mkdir()
    (src / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(EXTENSIONS)!r})\n{_CONF}", encoding="utf-8"
    )
    (src / "index.md").write_text(_INDEX, encoding="utf-8")
    for name, labels in _LESSONS.items():
        (src / f"{name}.md").write_text(_lesson(name, labels), encoding="utf-8")
    source = src / course_assignments.SOURCES / "ps_demo" / "ps_demo.ipynb"
    source.parent.mkdir(parents=True)
    nbformat.write(_assignment_source(), source)
    return src


def _build(src: Path) -> str:
    """Build ``src`` as `make book` does (warnings are errors, nitpicky) and return Sphinx's log."""
    from sphinx.testing.util import SphinxTestApp

    # SphinxTestApp: a Sphinx that undoes docutils' global registrations afterwards (a second
    # Sphinx in one process would warn that every directive is already registered)
    app = SphinxTestApp(
        "html",
        srcdir=src,
        builddir=src.parent / "_build",
        warningiserror=True,
        keep_going=True,
        confoverrides={"nitpicky": True},
    )
    try:
        app.build()
    finally:
        app.cleanup()
    assert app.statuscode == 0 and not app.warning.getvalue(), app.warning.getvalue()
    return re.sub(r"\x1b\[[0-9;]*m", "", app.status.getvalue())


def _pages(src: Path) -> dict[str, int]:
    html = src.parent / "_build" / "html"
    return {str(p.relative_to(html)): p.stat().st_mtime_ns for p in html.rglob("*.html")}


def test_a_rebuild_with_no_change_reads_and_writes_nothing(site):
    first = _build(site)
    assert "4 added, 0 changed, 0 removed" in first, first
    pages = _pages(site)
    assert {"lesson01.html", "lesson02.html", "book/assignments/ps_demo.html"} <= set(pages)

    again = _build(site)
    assert "0 added, 0 changed, 0 removed" in again, again  # no document re-read
    assert "looking for now-outdated files... none found" in again, again  # none made outdated
    assert "no targets are out of date" in again, again
    assert _pages(site) == pages, "a rebuild with nothing changed rewrote pages"


def test_exercise_numbers_restart_in_each_lesson_on_every_build(site):
    for _ in range(2):
        _build(site)
        for name, labels in _LESSONS.items():
            page = (site.parent / "_build" / "html" / f"{name}.html").read_text(encoding="utf-8")
            for label in labels:
                number = re.match(r"l\d\d_ex(\d+)_", label)[1]
                body = re.search(rf'id="{label}">(.{{0,400}})', page, re.S)[1]
                assert f"Exercise {number}" in re.sub(r"<[^>]+>", "", body), (name, label)


def test_editing_one_lesson_rereads_only_that_lesson(site):
    _build(site)
    lesson = site / "lesson02.md"
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    again = _build(site)
    assert "0 added, 1 changed, 0 removed" in again, again
    written = re.findall(r"writing output\.\.\. \[\s*\d+%\] (\S+)", again)
    # the lesson, and the page whose table of contents shows its title
    assert set(written) <= {"lesson02", "index"} and "lesson02" in written, written


def test_released_problem_sets_are_rewritten_only_when_their_source_changes(site):
    source = site / course_assignments.SOURCES / "ps_demo" / "ps_demo.ipynb"
    (target,) = course_assignments.write_released_assignments(site)
    assert "answer = 42" not in target.read_text(encoding="utf-8"), "the solution was not cleared"
    made = target.stat().st_mtime_ns
    assert course_assignments.write_released_assignments(site) == [target]
    assert target.stat().st_mtime_ns == made, "an up-to-date released notebook was rewritten"

    nb = nbformat.read(source, as_version=4)
    nb.cells[0].source = "# PS demo, revised"
    nbformat.write(nb, source)
    course_assignments.write_released_assignments(site)
    cells = json.loads(target.read_text(encoding="utf-8"))["cells"]
    assert "".join(cells[0]["source"]) == "# PS demo, revised"

    source.unlink()
    assert course_assignments.write_released_assignments(site) == []
    assert not target.exists(), "the released version of a deleted problem set was kept"
