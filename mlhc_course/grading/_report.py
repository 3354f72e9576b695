"""Grades out of the gradebook: a CSV (nbgrader's exporter) and an HTML/PNG report for the instructor."""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass
from pathlib import Path

from ._autograde import read_grading_log
from ._course import Course


def export_grades(course: Course, path: str | Path, *, assignment_id: str | None = None) -> Path:
    """Write the gradebook's grades as CSV with nbgrader's ``CsvExportPlugin``.

    Parameters
    ----------
    course : Course
        The course.
    path : path-like
        The CSV file to write.
    assignment_id : str, default=None
        Export only this assignment; ``None`` exports every assignment.

    Returns
    -------
    Path
        ``path``. One row per student and assignment: ``assignment, duedate, timestamp, student_id,
        last_name, first_name, email, raw_score, late_submission_penalty, score, max_score``.

    Examples
    --------
    >>> export_grades(course, "grades.csv")  # doctest: +SKIP
    PosixPath('grades.csv')
    """
    from nbgrader.plugins import CsvExportPlugin

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    plugin = CsvExportPlugin(config=course.config)
    plugin.to = str(path)
    if assignment_id is not None:
        plugin.assignment = [assignment_id]
    with course.gradebook() as gb:
        plugin.export(gb)
    return path


def _median(values: list[float]) -> float:
    """The median (the mean of the two middle values when there is an even number); 0 if empty."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return 0.0
    middle = n // 2
    return ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2


@dataclass
class _Question:
    grade_id: str
    max_score: float
    autograded: bool
    passed: int = 0
    graded: int = 0
    needs_manual: int = 0

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.graded if self.graded else None


def _collect(course: Course, assignment_id: str):
    scores: dict[str, tuple[float, float]] = {}
    questions: dict[str, _Question] = {}
    with course.gradebook() as gb:
        assignment = gb.find_assignment(assignment_id)
        for notebook in assignment.notebooks:
            for cell in notebook.grade_cells:
                questions[cell.name] = _Question(cell.name, float(cell.max_score), cell.cell_type == "code")
        for submission in assignment.submissions:
            scores[submission.student.id] = (float(submission.score), float(submission.max_score))
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    q = questions[grade.name]
                    if grade.needs_manual_grade and grade.manual_score is None:
                        q.needs_manual += 1
                        continue
                    q.graded += 1
                    if grade.score is not None and float(grade.score) >= float(grade.max_score):
                        q.passed += 1
    ranked = sorted(questions.values(), key=lambda q: (q.pass_rate is None, q.pass_rate or 0.0, q.grade_id))
    return scores, ranked


def _figure(scores: dict[str, tuple[float, float]], ranked: list[_Question], title: str):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4), constrained_layout=True)
    values = [s for s, _ in scores.values()]
    max_score = max((m for _, m in scores.values()), default=1.0) or 1.0
    bins = min(20, max(5, int(max_score) + 1))
    ax1.hist(values, bins=bins, range=(0, max_score), color="#4477aa", edgecolor="white")
    ax1.set_xlabel(f"score (out of {max_score:g})")
    ax1.set_ylabel("students")
    ax1.set_title(f"Score distribution (n = {len(values)})")
    rated = [q for q in ranked if q.pass_rate is not None]
    ax2.barh([q.grade_id for q in rated][::-1], [100 * q.pass_rate for q in rated][::-1], color="#cc6677")
    ax2.set_xlim(0, 100)
    ax2.set_xlabel("% of graded submissions with full marks")
    ax2.set_title("Per question, lowest first")
    fig.suptitle(title)
    return fig


def grade_report(course: Course, assignment_id: str, path: str | Path, *, png: bool = False) -> Path:
    """Write an HTML report of one assignment's grades.

    The report shows the score distribution, each question's pass rate ranked lowest first (the
    concept the class missed is at the top), the submissions that failed to grade with the reason,
    and what grading noticed about the others (restored cells, timeouts, monkeypatching).

    Parameters
    ----------
    course : Course
        The course.
    assignment_id : str
        A graded assignment.
    path : path-like
        The HTML file to write.
    png : bool, default=False
        Also write the figure as a PNG next to the HTML file (same name, ``.png``).

    Returns
    -------
    Path
        ``path``.

    See Also
    --------
    export_grades : The grades themselves, as CSV.

    Examples
    --------
    >>> grade_report(course, "ps1_diagnostic_metrics", "report.html", png=True)  # doctest: +SKIP
    PosixPath('report.html')
    """
    course.check_assignment(assignment_id)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    scores, ranked = _collect(course, assignment_id)
    logbook = read_grading_log(course, assignment_id)
    fig = _figure(scores, ranked, f"{assignment_id}: {len(scores)} submissions")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    if png:
        fig.savefig(path.with_suffix(".png"), dpi=110)
    import matplotlib.pyplot as plt

    plt.close(fig)
    image = base64.b64encode(buffer.getvalue()).decode("ascii")

    esc = html.escape
    values = sorted(s for s, _ in scores.values())
    mean = sum(values) / len(values) if values else 0.0
    median = _median(values)
    rows_q = "".join(
        f"<tr><td>{esc(q.grade_id)}</td><td>{q.max_score:g}</td>"
        f"<td>{'autograded' if q.autograded else 'manual'}</td>"
        f"<td>{'' if q.pass_rate is None else f'{100 * q.pass_rate:.0f}%'}</td>"
        f"<td>{q.passed}/{q.graded}</td><td>{q.needs_manual}</td></tr>"
        for q in ranked
    )
    failed = {sid: e for sid, e in logbook.items() if e.get("status") != "graded" or e.get("reasons")}
    rows_f = (
        "".join(
            f"<tr><td>{esc(sid)}</td><td>{esc(e['status'])}</td><td>{esc('; '.join(e['reasons']))}</td></tr>"
            for sid, e in sorted(failed.items())
        )
        or "<tr><td colspan=3>None: every submission was graded.</td></tr>"
    )
    noted = {sid: e for sid, e in logbook.items() if e.get("notes")}
    rows_n = (
        "".join(
            f"<tr><td>{esc(sid)}</td><td><ul>{''.join(f'<li>{esc(n)}</li>' for n in e['notes'])}</ul></td></tr>"
            for sid, e in sorted(noted.items())
        )
        or "<tr><td colspan=2>Nothing to note.</td></tr>"
    )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Grade report: {esc(assignment_id)}</title>
<style>body{{font-family:sans-serif;max-width:70em;margin:2em auto}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}}</style></head>
<body><h1>Grade report: {esc(assignment_id)}</h1>
<p>{len(scores)} submissions in the gradebook; mean score {mean:.2f}, median {median:g}.
Failed to grade: {len(failed)}.</p>
<h2>Score distribution and pass rates</h2>
<img alt="Histogram of scores and per-question pass rates" src="data:image/png;base64,{image}">
<h2>Questions, lowest pass rate first</h2>
<table><tr><th>grade cell</th><th>points</th><th>kind</th><th>pass rate</th><th>full marks</th>
<th>awaiting manual grading</th></tr>{rows_q}</table>
<h2>Submissions that failed to grade</h2>
<table><tr><th>student</th><th>status</th><th>reason</th></tr>{rows_f}</table>
<h2>Notes from grading</h2>
<table><tr><th>student</th><th>notes</th></tr>{rows_n}</table>
</body></html>
"""
    path.write_text(page, encoding="utf-8")
    return path
