"""Each problem set end to end: its source passes its own tests, its release leaks nothing, and the
full loop (release -> collect from a zip -> grade -> feedback -> export -> report) gives the expected
scores for correct, partial and blank submissions. Adding a problem set adds its cases here."""

from __future__ import annotations

import csv
import zipfile

import nbformat
import pytest
from grading_fixtures import (
    ASSIGNMENTS,
    autograded_points,
    first_question_points,
    hidden_test_lines,
    make_course,
    notebooks,
    submit,
)

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_executes_with_all_tests_passing(assignment, tmp_path):
    from mlhc_course.grading import autograde

    # The instructor's own notebook, graded as a submission: every autograded point is earned.
    course = make_course(tmp_path / "c", [assignment])
    for nb_id in course.notebook_ids(assignment):
        source = nbformat.read(course.path("source", assignment) / f"{nb_id}.ipynb", as_version=4)
        submit(course, assignment, "instructor", {nb_id: source})
    run = autograde(course, assignment, jobs=1, timeout=120)
    result = run.result("instructor")
    assert result.status == "graded" and not result.reasons
    assert result.score == autograded_points(course, assignment)
    with course.gradebook() as gb:
        submission = gb.find_submission(assignment, "instructor")
        for nb in submission.notebooks:
            for grade in nb.grades:
                if grade.cell.cell_type == "code":
                    assert grade.auto_score == grade.max_score, grade.name


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_has_no_solution_or_hidden_test_text(assignment, tmp_path):
    from mlhc_course.grading import find_leaks

    course = make_course(tmp_path / "c", [assignment])
    hidden = hidden_test_lines(course, assignment)
    assert hidden, "every problem set keeps some tests hidden"
    for nb_id in course.notebook_ids(assignment):
        source = course.path("source", assignment) / f"{nb_id}.ipynb"
        release = course.path("release", assignment) / f"{nb_id}.ipynb"
        assert find_leaks(source, release) == []
        text = "\n".join(c.source for c in nbformat.read(release, as_version=4).cells)
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
            assert marker not in text
        assert not [line for line in hidden if line in text]
        # and the leak check does catch a leak
        leaky = nbformat.read(release, as_version=4)
        leaky.cells[-1].source += "\n" + hidden[0]
        nbformat.write(leaky, tmp_path / "leaky.ipynb")
        assert hidden[0] in find_leaks(source, tmp_path / "leaky.ipynb")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_full_loop(assignment, tmp_path):
    from mlhc_course.grading import (
        autograde,
        collect_submissions,
        export_grades,
        generate_feedback,
        grade_report,
    )

    course = make_course(tmp_path / "course", [assignment])  # releases
    [nb_id] = course.notebook_ids(assignment)
    kinds = {"11111": "correct", "22222": "partial", "33333": "blank"}
    names = {"11111": "doe_jane", "22222": "müller_josé", "33333": "van der berg_anna"}
    archive = tmp_path / "lms.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for sid, kind in kinds.items():
            nb = notebooks(course, assignment, kind)[nb_id]
            zf.writestr(f"{names[sid]}_{sid}_{nb_id}.ipynb", nbformat.writes(nb))
        zf.writestr("grading_notes.txt", "not a submission")
    summary = collect_submissions(course, assignment, archive)
    assert set(summary.collected) == set(kinds)
    assert [name for name, _ in summary.unmatched] == ["grading_notes.txt"]

    run = autograde(course, assignment, jobs=2, timeout=60)
    expected = {
        "11111": autograded_points(course, assignment),
        "22222": first_question_points(course, assignment),
        "33333": 0.0,
    }
    assert {r.student_id: r.score for r in run.results} == expected
    assert all(r.status == "graded" and not r.reasons for r in run.results)

    # feedback: hidden tests redacted by default, shown with the flag
    hidden = hidden_test_lines(course, assignment)
    paths = generate_feedback(course, assignment)
    assert len(paths) == 3
    for path in paths:
        html = path.read_text(encoding="utf-8")
        assert not [line for line in hidden if _in_html(line, html)]
        assert "hidden tests: not shown" in html
    blank_html = (course.path("feedback", assignment, "33333") / f"{nb_id}.html").read_text(encoding="utf-8")
    assert "failed" in blank_html
    paths = generate_feedback(course, assignment, show_hidden_tests=True)
    html = (course.path("feedback", assignment, "11111") / f"{nb_id}.html").read_text(encoding="utf-8")
    assert any(_in_html(line, html) for line in hidden)

    # export
    rows = list(csv.DictReader(export_grades(course, tmp_path / "grades.csv").open()))
    assert {r["student_id"]: float(r["raw_score"]) for r in rows if r["assignment"] == assignment} == expected

    # report
    report = grade_report(course, assignment, tmp_path / "report.html", png=True)
    text = report.read_text(encoding="utf-8")
    assert (
        "Score distribution" in text and "lowest pass rate first" in text and "data:image/png;base64," in text
    )
    assert (tmp_path / "report.png").stat().st_size > 1000
    rates = _pass_rates(text)
    assert rates == sorted(rates)  # the question the class missed most comes first


def _in_html(line, html):
    """Whether a source line appears in rendered HTML (tags from syntax highlighting removed)."""
    import html as html_lib
    import re

    text = html_lib.unescape(re.sub(r"<[^>]+>", "", html))
    return " ".join(line.split()) in " ".join(text.split())


def _pass_rates(text):
    import re

    return [int(m) for m in re.findall(r"<td>(\d+)%</td>", text)]


def test_regrading_is_idempotent(tmp_path):
    from mlhc_course.grading import autograde

    assignment = ASSIGNMENTS[0]
    course = make_course(tmp_path / "c", [assignment])
    for sid, kind in {"a": "correct", "b": "partial", "c": "blank"}.items():
        submit(course, assignment, sid, notebooks(course, assignment, kind))

    def snapshot():
        with course.gradebook() as gb:
            rows = []
            for sub in gb.find_assignment(assignment).submissions:
                for nb in sub.notebooks:
                    rows += [(sub.student.id, g.name, g.auto_score, g.manual_score) for g in nb.grades]
            return sorted(rows, key=str), gb.db.execute(_count_grades()).scalar()

    first = autograde(course, assignment, jobs=2)
    before, n_before = snapshot()
    # a manual score given in the formgrader must survive a regrade
    with course.gradebook() as gb:
        grade = gb.find_submission(assignment, "b").notebooks[0].grades[0]
        grade.manual_score = 1.5
        gb.db.commit()
        manual = (grade.name, 1.5)
    second = autograde(course, assignment, jobs=2)
    after, n_after = snapshot()
    assert n_before == n_after == len(before)
    assert [r.score for r in first.results] != [None]
    assert {(s, g): a for s, g, a, _ in before} == {(s, g): a for s, g, a, _ in after}
    assert ("b", manual[0], manual[1]) in {(s, g, m) for s, g, _, m in after}
    assert (
        second.result("b").score == first.result("b").score - _points_of(course, assignment, manual[0]) + 1.5
    )
    # and only the students asked for are regraded
    third = autograde(course, assignment, students=["a"], jobs=1)
    assert [r.student_id for r in third.results] == ["a"]
    assert snapshot()[0] == after


def _count_grades():
    from sqlalchemy import text

    return text("SELECT COUNT(*) FROM grade")


def _points_of(course, assignment, grade_id):
    with course.gradebook() as gb:
        grade = gb.find_submission(assignment, "b").notebooks[0].grades
        return next(g.auto_score for g in grade if g.name == grade_id)


def test_unicode_student_ids_and_spaces_in_the_course_path(tmp_path):
    from mlhc_course.grading import autograde, export_grades, generate_feedback

    assignment = ASSIGNMENTS[0]
    course = make_course(tmp_path / "my course 2026", [assignment])
    submit(course, assignment, "Zoë_Ångström", notebooks(course, assignment, "correct"))
    submit(course, assignment, "o'brien", notebooks(course, assignment, "blank"))
    run = autograde(course, assignment, jobs=2)
    assert {r.student_id: r.score for r in run.results} == {
        "Zoë_Ångström": autograded_points(course, assignment),
        "o'brien": 0.0,
    }
    assert len(generate_feedback(course, assignment)) == 2
    rows = list(csv.DictReader(export_grades(course, tmp_path / "g.csv").open(encoding="utf-8")))
    assert {r["student_id"] for r in rows} == {"Zoë_Ångström", "o'brien"}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"jobs": 0}, "'jobs'"), ({"timeout": 0}, "'timeout'"), ({"memory_limit": 1000}, "'memory_limit'")],
)
def test_autograde_rejects_bad_parameters(tmp_path, kwargs, match):
    from mlhc_course.grading import autograde

    course = make_course(tmp_path / "c", [ASSIGNMENTS[0]], release=False)
    with pytest.raises(ValueError, match=match):
        autograde(course, ASSIGNMENTS[0], **kwargs)
    with pytest.raises(ValueError, match="Unknown assignment"):
        autograde(course, "ps9_nope")
