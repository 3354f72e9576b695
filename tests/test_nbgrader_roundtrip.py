"""The plain nbgrader loop works on every source assignment, in a temporary course directory.

generate_assignment -> validate (source passes, release fails every test) -> autograde a correct
and a blank submission -> export. The instructor pipeline (`mlhc assign`) has its own tests; this
one proves the course's assignments work with nbgrader as shipped.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import PYTHON
from notebook_sources import assignment_sources, autograded_points, find_leaks, secret_lines

pytestmark = pytest.mark.slow

SOURCES = assignment_sources()


def _nbgrader(course: Path, *args: str) -> str:
    proc = subprocess.run(
        [PYTHON, "-m", "nbgrader", *args],
        cwd=course,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout + proc.stderr


@pytest.fixture(params=SOURCES, ids=lambda p: p.parent.name)
def course(request, tmp_path) -> tuple[Path, Path]:
    """A fresh course directory holding one source assignment; yields (course_dir, source notebook)."""
    source_nb: Path = request.param
    assignment = source_nb.parent.name
    course_dir = tmp_path / "course"
    shutil.copytree(source_nb.parent, course_dir / "source" / assignment)
    (course_dir / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        "c.CourseDirectory.course_id = 'mlhc-test'\n"
        f"c.CourseDirectory.root = {str(course_dir)!r}\n"
        f"c.CourseDirectory.db_url = 'sqlite:///{course_dir / 'gradebook.db'}'\n"
        "c.ExecutePreprocessor.timeout = 60\n"
    )
    return course_dir, course_dir / "source" / assignment / source_nb.name


def test_round_trip(course):
    course_dir, source_nb = course
    assignment, nb_name = source_nb.parent.name, source_nb.name

    # 1. release: no solution and no hidden-test text
    _nbgrader(course_dir, "generate_assignment", assignment, "--force")
    released = course_dir / "release" / assignment / nb_name
    leaks = find_leaks(released.read_text(encoding="utf-8"), secret_lines(source_nb))
    assert not leaks, f"the released {nb_name} leaks: {leaks[:5]}"

    # 2. the source passes its own tests; the untouched release passes none
    out = _nbgrader(course_dir, "validate", str(source_nb))
    assert "Success! Your notebook passes all the tests." in out, out
    out = _nbgrader(course_dir, "validate", "--invert", str(released))
    assert "Success! The notebook does not pass any tests." in out, out

    # 3. submissions: the source as a model student, the untouched release as a blank one
    for student, nb in [("model_student", source_nb), ("blank_student", released)]:
        dest = course_dir / "submitted" / student / assignment
        dest.mkdir(parents=True)
        shutil.copy(nb, dest / nb_name)
    _nbgrader(course_dir, "autograde", assignment, "--create")

    # 4. export: one row per student with the expected autograded scores
    _nbgrader(course_dir, "export", "--to", str(course_dir / "grades.csv"))
    with open(course_dir / "grades.csv", newline="") as fh:
        rows = {row["student_id"]: row for row in csv.DictReader(fh)}
    full = autograded_points(source_nb)
    assert full > 0
    assert set(rows) == {"model_student", "blank_student"}
    assert float(rows["model_student"]["raw_score"]) == pytest.approx(full)
    assert float(rows["blank_student"]["raw_score"]) == pytest.approx(0.0)
    assert all(row["assignment"] == assignment for row in rows.values())
