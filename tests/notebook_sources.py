"""Read what a source notebook must never leak: nbgrader solution and hidden-test text.

Used by the round-trip and book tests. It reads notebooks as JSON only, so it works on any
assignment source under ``notebooks/assignments/`` and on any built artefact.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

REPO_ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENTS_DIR = REPO_ROOT / "notebooks" / "assignments"

#: nbgrader's delimiters. None of them may appear in anything a student or reader sees.
MARKERS = (
    "BEGIN SOLUTION",
    "END SOLUTION",
    "BEGIN HIDDEN TESTS",
    "END HIDDEN TESTS",
    "BEGIN MARK SCHEME",
)

# Lines shorter than this (``pass``, ``else:``, ``)``) are too generic to prove a leak.
_MIN_SIGNIFICANT = 16


def assignment_sources() -> list[Path]:
    """Every nbgrader source notebook: ``notebooks/assignments/<assignment>/<notebook>.ipynb``."""
    return sorted(p for p in ASSIGNMENTS_DIR.glob("*/*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def _between(lines: list[str], begin: str, end: str) -> list[str]:
    out, inside = [], False
    for line in lines:
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside:
            out.append(line)
    return out


def secret_lines(notebook: Path) -> set[str]:
    """The significant lines of solutions, hidden tests and mark schemes in a source notebook."""
    nb = nbformat.read(notebook, as_version=4)
    secrets: list[str] = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        lines = cell.source.splitlines()
        secrets += _between(lines, "### BEGIN SOLUTION", "### END SOLUTION")
        secrets += _between(lines, "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
        secrets += _between(lines, "=== BEGIN MARK SCHEME ===", "=== END MARK SCHEME ===")
        if cell.cell_type == "markdown" and meta.get("solution") and "BEGIN SOLUTION" not in cell.source:
            secrets += lines  # a written-answer cell: the whole model answer is the solution
    return {s.strip() for s in secrets if len(s.strip()) >= _MIN_SIGNIFICANT}


def published_lines() -> set[str]:
    """The significant lines of what the course publishes on purpose: lesson notebooks and book pages.

    A solution line that a lesson already teaches word for word (``"PPV": tp / (tp + fp),``) is not a
    secret: the leak checks of the built website look only for solution lines beyond these.
    """
    lines: set[str] = set()
    for lesson in (REPO_ROOT / "notebooks").glob("*.ipynb"):
        nb = nbformat.read(lesson, as_version=4)
        lines |= {s.strip() for c in nb.cells for s in c.source.splitlines()}
    for page in (REPO_ROOT / "book").glob("*.md"):
        lines |= {s.strip() for s in page.read_text(encoding="utf-8").splitlines()}
    return {s for s in lines if len(s) >= _MIN_SIGNIFICANT}


def unpublished(secrets: set[str]) -> set[str]:
    """The secret lines that the course does not already publish, in whole or inside a longer line.

    A solution line that a lesson teaches (``"PPV": tp / (tp + fp),``), or that is a fragment of a
    lesson's line (``SELECT a.person_id,`` inside ``SELECT a.person_id, a.index_date``), proves no
    leak when it is found on the website.
    """
    published = published_lines()
    text = "\n".join(published)
    return {s for s in secrets if s not in published and s not in text}


def autograded_points(notebook: Path) -> float:
    """Total points of the autograded test cells (code grade cells that are not solutions)."""
    nb = nbformat.read(notebook, as_version=4)
    total = 0.0
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            total += float(meta.get("points", 0))
    return total


def find_leaks(text: str, secrets: set[str], *, markers: bool = True) -> list[str]:
    """The secret lines (and, if ``markers``, nbgrader's delimiters) that occur in ``text``.

    Prose pages such as the instructor guide may *name* the delimiters; notebooks may not.
    """
    found = [m for m in MARKERS if m in text] if markers else []
    return found + sorted(s for s in secrets if s in text)
