"""The grade loop with the gradebook on a real PostgreSQL server (see tests/pg_fixture.py)."""

from __future__ import annotations

import csv

import pytest
from grading_fixtures import (
    ASSIGNMENTS,
    autograded_points,
    first_question_points,
    make_course,
    notebooks,
    submit,
)
from pg_fixture import postgres_url  # noqa: F401  (the fixture)

pytestmark = pytest.mark.slow


def test_grade_loop_on_postgresql(postgres_url, tmp_path):  # noqa: F811
    from mlhc_course.grading import autograde, export_grades, grade_report

    assignment = ASSIGNMENTS[0]
    course = make_course(tmp_path / "c", [assignment], db_url=postgres_url)
    assert course.db_url.startswith("postgresql+psycopg://")
    kinds = {"s1": "correct", "s2": "partial", "s3": "blank", "s4": "correct"}
    for sid, kind in kinds.items():
        submit(course, assignment, sid, notebooks(course, assignment, kind))
    submit(course, assignment, "s5", files={f"{assignment}.ipynb": "{ truncated"})
    expected = {
        "s1": autograded_points(course, assignment),
        "s2": first_question_points(course, assignment),
        "s3": 0.0,
        "s4": autograded_points(course, assignment),
        "s5": 0.0,
    }
    run = autograde(course, assignment, jobs=2, timeout=60)
    assert {r.student_id: r.score for r in run.results} == expected
    assert run.result("s5").status == "failed"

    # the grades are really in PostgreSQL, and a regrade neither duplicates nor loses them
    from sqlalchemy import create_engine, text

    engine = create_engine(postgres_url)
    with engine.connect() as conn:
        n_grades = conn.execute(text("SELECT COUNT(*) FROM grade")).scalar()
        n_submissions = conn.execute(text("SELECT COUNT(*) FROM submitted_assignment")).scalar()
    assert n_submissions == len(expected)
    autograde(course, assignment, jobs=2, timeout=60)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM grade")).scalar() == n_grades
        assert conn.execute(text("SELECT COUNT(*) FROM submitted_assignment")).scalar() == n_submissions
    engine.dispose()

    rows = list(
        csv.DictReader(export_grades(course, tmp_path / "grades.csv", assignment_id=assignment).open())
    )
    assert {r["student_id"]: float(r["raw_score"]) for r in rows} == expected
    assert "s5" in grade_report(course, assignment, tmp_path / "report.html").read_text(encoding="utf-8")
    assert not (tmp_path / "c" / "gradebook.db").exists()  # nothing went to a SQLite file by mistake
