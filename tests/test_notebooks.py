"""Every notebook under notebooks/ is a test: it must execute top to bottom on a fresh kernel.

Lessons must also follow the course's textbook shape, and every notebook is stored stripped.
The nbgrader *source* assignments run with their solutions present, so all their tests -- hidden
ones included -- must pass.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(
    p for p in (REPO_ROOT / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
)
LESSONS = [p for p in NOTEBOOKS if "assignments" not in p.relative_to(REPO_ROOT).parts]
CELL_TIMEOUT_S = 60


def _id(path: Path) -> str:
    return str(path.relative_to(REPO_ROOT / "notebooks"))


def test_there_are_notebooks_to_run():
    assert LESSONS, "no lesson notebooks found under notebooks/"
    assert any("assignments" in p.parts for p in NOTEBOOKS), "no nbgrader source assignment found"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_notebook_is_stored_stripped(path):
    nb = nbformat.read(path, as_version=4)
    dirty = [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count") is not None)
    ]
    assert not dirty, f"{_id(path)}: cells {dirty} have outputs; strip them (the book executes notebooks)"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_notebook_executes_top_to_bottom(path, tmp_path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        allow_errors=False,
    )
    client.execute()  # raises CellExecutionError, naming the cell, on the first failure


@pytest.mark.parametrize("path", LESSONS, ids=_id)
def test_lesson_has_textbook_shape(path):
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0].source.lower()
    assert nb.cells[0].cell_type == "markdown" and first.startswith("# "), "a lesson opens with its title"
    assert "learning objectives" in first, "the first cell states the learning objectives"
    assert "clinical question" in first, "the first cell states the clinical question"
    headings = [
        line.strip().lower()
        for c in nb.cells
        if c.cell_type == "markdown"
        for line in c.source.splitlines()
        if line.startswith("## ")
    ]
    assert "## summary" in headings and "## exercises" in headings, "a lesson ends with Summary and Exercises"
    assert headings.index("## exercises") == len(headings) - 1, "Exercises is the last section"
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert re.search(r"(RANDOM_SEED|random_state|seed)\s*=\s*\d+", code), "a lesson sets its random seed"


@pytest.mark.parametrize("path", LESSONS, ids=_id)
def test_lesson_figures_have_titles_labels_and_alt_text(path):
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or "plt.show()" not in cell.source:
            continue
        alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "")
        assert len(alt) > 20, f"cell {i}: a figure needs alt text in metadata mystnb.image.alt"
        if re.search(r"\bplot_\w+\(", cell.source):
            continue  # mlhc_course.plots functions set a title and labelled axes themselves
        assert "title" in cell.source, f"cell {i}: a figure needs a title"
        assert "xlabel" in cell.source and "ylabel" in cell.source, f"cell {i}: a figure needs axis labels"


def _setup_cell_script():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "notebook_setup_cell", REPO_ROOT / "scripts" / "notebook_setup_cell.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", LESSONS, ids=_id)
def test_lesson_installs_the_library_where_it_is_missing(path):
    """The first code cell installs mlhc-course on Colab (from _config.yml's repository) and is a no-op here."""
    script = _setup_cell_script()
    assert script.is_up_to_date(path), f"{_id(path)}: run `.venv/bin/python scripts/notebook_setup_cell.py`"
    nb = nbformat.read(path, as_version=4)
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert 'find_spec("mlhc_course") is None' in first_code.source
    assert "remove-cell" in first_code.metadata["tags"], "the book hides the setup cell"
