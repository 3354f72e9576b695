"""`mlhc assign ...`: help, exit codes, and a whole term on a temporary course through the CLI."""

from __future__ import annotations

import csv
import zipfile

import nbformat
import pytest
from click.testing import CliRunner
from grading_fixtures import ASSIGNMENTS, autograded_points, make_course, notebooks

from mlhc_course.cli import main

COMMANDS = ["release", "collect", "grade", "feedback", "export", "report"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    result = CliRunner().invoke(main, ["assign", command, "--help"])
    assert result.exit_code == 0, result.output
    assert "--course-dir" in result.output
    assert "Usage: main assign " + command in result.output or f"assign {command}" in result.output


def test_group_help_lists_the_commands():
    result = CliRunner().invoke(main, ["assign", "-h"])
    assert result.exit_code == 0
    for command in COMMANDS:
        assert command in result.output


def test_grade_help_documents_limits_and_parallelism():
    result = CliRunner().invoke(main, ["assign", "grade", "--help"])
    for option in ("--jobs", "--timeout", "--memory", "--max-output", "--db", "--student", "--no-sandbox"):
        assert option in result.output


def test_usage_errors_exit_2(tmp_path):
    course = make_course(tmp_path / "c", [ASSIGNMENTS[0]], release=False)
    runner = CliRunner()
    result = runner.invoke(main, ["assign", "grade", "ps9_unknown", "--course-dir", str(course.root)])
    assert result.exit_code == 2 and "Unknown assignment" in result.output and ASSIGNMENTS[0] in result.output
    result = runner.invoke(
        main, ["assign", "grade", ASSIGNMENTS[0], "--course-dir", str(course.root), "--memory", "lots"]
    )
    assert result.exit_code == 2 and "2G" in result.output
    result = runner.invoke(
        main, ["assign", "grade", ASSIGNMENTS[0], "--course-dir", str(course.root), "--jobs", "0"]
    )
    assert result.exit_code == 2
    result = runner.invoke(main, ["assign", "export", "--course-dir", str(course.root), "--db", "not-a-url"])
    assert result.exit_code == 2 and "SQLAlchemy URL" in result.output


@pytest.mark.slow
def test_a_whole_term_through_the_cli(tmp_path):
    assignment = ASSIGNMENTS[0]
    course = make_course(tmp_path / "course", [assignment], release=False)
    root = str(course.root)
    runner = CliRunner()

    result = runner.invoke(main, ["assign", "release", assignment, "--course-dir", root])
    assert result.exit_code == 0, result.output
    [nb_id] = course.notebook_ids(assignment)
    assert (course.path("release", assignment) / f"{nb_id}.ipynb").is_file()

    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(
            f"doe_jane_101_{nb_id}.ipynb", nbformat.writes(notebooks(course, assignment, "correct")[nb_id])
        )
        zf.writestr(
            f"roe_rick_102_{nb_id}.ipynb", nbformat.writes(notebooks(course, assignment, "blank")[nb_id])
        )
    result = runner.invoke(main, ["assign", "collect", assignment, str(archive), "--course-dir", root])
    assert result.exit_code == 0, result.output
    assert "Collected 2 submission(s)" in result.output

    result = runner.invoke(main, ["assign", "grade", assignment, "--course-dir", root, "--jobs", "2", "-v"])
    assert result.exit_code == 0, result.output
    assert "[1/2] 101" in result.stderr and "Graded 2 submission(s)" in result.stdout

    result = runner.invoke(main, ["assign", "feedback", assignment, "--course-dir", root])
    assert result.exit_code == 0, result.output
    assert result.stdout.count(".html") == 2

    out = tmp_path / "grades.csv"
    result = runner.invoke(main, ["assign", "export", "--course-dir", root, "-o", str(out)])
    assert result.exit_code == 0, result.output
    scores = {r["student_id"]: float(r["raw_score"]) for r in csv.DictReader(out.open())}
    assert scores == {"101": autograded_points(course, assignment), "102": 0.0}

    result = runner.invoke(main, ["assign", "report", assignment, "--course-dir", root, "--png"])
    assert result.exit_code == 0, result.output
    report = course.root / "reports" / f"{assignment}.html"
    assert report.is_file() and report.with_suffix(".png").is_file()

    # a late, broken submission: the batch still grades, and the exit code says something failed
    bad = course.path("submitted", assignment, "103")
    bad.mkdir(parents=True)
    (bad / f"{nb_id}.ipynb").write_text('{"cells": [', encoding="utf-8")
    result = runner.invoke(main, ["assign", "grade", assignment, "--course-dir", root, "--student", "103"])
    assert result.exit_code == 1
    assert "103: failed: " in result.stdout and "not valid JSON" in result.stdout


def test_grade_refuses_without_a_sandbox_unless_told(tmp_path, monkeypatch):
    # issue 8, hole 6: without a working bubblewrap, `grade` must not run student code unsandboxed
    # (nor give everyone 0 and exit 0); --no-sandbox is the explicit way out.
    import os
    import sys

    from grading_fixtures import submit

    assignment = ASSIGNMENTS[0]
    course = make_course(tmp_path / "course", [assignment])
    [nb_id] = course.notebook_ids(assignment)
    submit(course, assignment, "101", {nb_id: notebooks(course, assignment, "correct")[nb_id]})
    monkeypatch.setenv("PATH", os.path.dirname(os.path.abspath(sys.executable)))  # no bwrap here
    args = ["assign", "grade", assignment, "--course-dir", str(course.root), "--timeout", "60"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    assert "refusing to grade" in result.stderr and "bwrap is not installed" in result.stderr
    assert "--no-sandbox" in result.stderr
    with course.gradebook() as gb:
        assert not gb.find_assignment(assignment).submissions  # nothing graded, no zeros
    # control: the explicit flag grades (unsandboxed, with a loud warning)
    result = CliRunner().invoke(main, [*args, "--no-sandbox"])
    assert result.exit_code == 0, result.output
    assert "WITHOUT a sandbox" in result.stdout
