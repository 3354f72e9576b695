"""Helpers for the grading tests: temporary courses and submissions derived from the sources.

Every assignment under notebooks/assignments/ is picked up, so a new problem set is tested by
adding its source folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

REPO_ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENTS_DIR = REPO_ROOT / "notebooks" / "assignments"
ASSIGNMENTS = sorted(p.name for p in ASSIGNMENTS_DIR.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def make_course(
    root: Path, assignments=("ps0_test_accuracy",), *, release: bool = True, db_url: str | None = None
):
    """A temporary nbgrader course (default layout) with the given source assignments, released."""
    from mlhc_course.grading import open_course, release_assignment

    root.mkdir(parents=True, exist_ok=True)
    for name in assignments:
        shutil.copytree(ASSIGNMENTS_DIR / name, root / "source" / name)
    course = open_course(root, db_url=db_url)
    if release:
        for name in assignments:
            release_assignment(course, name)
    return course


def notebooks(course, assignment: str, kind: str = "correct", fill=None) -> dict[str, nbformat.NotebookNode]:
    """A synthetic submission: notebook id -> notebook (see grading.make_submission)."""
    from mlhc_course.grading import make_submission

    out = {}
    for nb_id in course.notebook_ids(assignment):
        source = nbformat.read(course.path("source", assignment) / f"{nb_id}.ipynb", as_version=4)
        release = nbformat.read(course.path("release", assignment) / f"{nb_id}.ipynb", as_version=4)
        out[nb_id] = make_submission(source, release, kind, fill=fill)
    return out


def submit(
    course, assignment: str, student: str, nbs: dict | None = None, *, files: dict | None = None
) -> Path:
    """Write a student's submission folder; ``files`` maps file names to bytes or str."""
    folder = course.path("submitted", assignment, student)
    folder.mkdir(parents=True, exist_ok=True)
    for nb_id, nb in (nbs or {}).items():
        nbformat.write(nb, folder / f"{nb_id}.ipynb")
    for name, content in (files or {}).items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        (folder / name).write_bytes(data)
    return folder


def graded_cells(nb) -> list[nbformat.NotebookNode]:
    """The autograded test cells (code grade cells) of a notebook, in order."""
    return [
        c
        for c in nb.cells
        if c.cell_type == "code"
        and c.metadata.get("nbgrader", {}).get("grade")
        and not c.metadata["nbgrader"].get("solution")
    ]


def autograded_points(course, assignment: str) -> float:
    """Total points of the autograded (code) test cells of an assignment's source."""
    total = 0.0
    for nb_id in course.notebook_ids(assignment):
        nb = nbformat.read(course.path("source", assignment) / f"{nb_id}.ipynb", as_version=4)
        total += sum(float(c.metadata["nbgrader"]["points"]) for c in graded_cells(nb))
    return total


def first_question_points(course, assignment: str) -> float:
    """Points of the first test cell: what a submission with only the first answer filled earns."""
    nb_id = course.notebook_ids(assignment)[0]
    nb = nbformat.read(course.path("source", assignment) / f"{nb_id}.ipynb", as_version=4)
    return float(graded_cells(nb)[0].metadata["nbgrader"]["points"])


def hidden_test_lines(course, assignment: str) -> list[str]:
    """The (non-trivial) lines inside the hidden-test regions of the source."""
    lines = []
    for nb_id in course.notebook_ids(assignment):
        nb = nbformat.read(course.path("source", assignment) / f"{nb_id}.ipynb", as_version=4)
        for cell in nb.cells:
            inside = False
            for line in cell.source.split("\n"):
                if "BEGIN HIDDEN TESTS" in line:
                    inside = True
                elif "END HIDDEN TESTS" in line:
                    inside = False
                elif inside and len(line.strip()) > 15:
                    lines.append(line.strip())
    return lines


def require_bwrap() -> None:
    """Skip (fail under CI=true) when bubblewrap cannot run here: isolation can't be tested without it."""
    import os

    import pytest

    from mlhc_course.grading import bwrap_works

    if not bwrap_works():
        message = "bubblewrap (bwrap) is not installed or cannot create namespaces here"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}; scripts/install_system_deps.sh installs it")
        pytest.skip(message)
