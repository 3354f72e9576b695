"""``mlhc assign ...``: the instructor pipeline (release, collect, grade, feedback, export, report).

Each command is a thin wrapper over :mod:`mlhc_course.grading`, imported inside the command so that
``mlhc --help`` stays instant. Exit codes: 0 success, 1 the operation failed (or some submissions
failed to grade), 2 a usage error. Progress goes to stderr; results to stdout.
"""

from __future__ import annotations

import os
import sys

import click

_COURSE_HELP = (
    "The nbgrader course directory (default: the current directory; it may hold nbgrader_config.py)."
)
_DB_HELP = "Gradebook as a SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db (default: the course's SQLite file)."


def _size(text: str) -> int:
    import re

    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*", text.lower())
    if match is None:
        raise click.BadParameter(f"expected a size such as 2G, 512M or 1000000; got {text!r}")
    number, unit = match.groups()
    return int(float(number) * 1024 ** "kmgt".find(unit) * 1024) if unit else int(float(number))


def _open(course_dir: str | None, db: str | None):
    from ..grading import open_course

    # (open_course puts this environment's bin/ on PATH: nbgrader runs `alembic` by name)
    if course_dir is None:
        # like git: the nearest folder upwards with an nbgrader_config.py, else the current one
        here = os.path.abspath(os.getcwd())
        folder = here
        while True:
            if os.path.isfile(os.path.join(folder, "nbgrader_config.py")):
                course_dir = folder
                break
            parent = os.path.dirname(folder)
            if parent == folder:
                course_dir = here
                break
            folder = parent
    try:
        return open_course(course_dir, db_url=db)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


def _quiet_nbgrader(verbose: bool) -> None:
    import logging

    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, stream=sys.stderr, format="%(message)s"
    )
    # nbgrader logs through traitlets' application logger; keep only its errors unless asked.
    logging.getLogger("traitlets").setLevel(logging.INFO if verbose else logging.ERROR)
    logging.getLogger("mlhc_course.grading").setLevel(logging.INFO if verbose else logging.WARNING)


def _check_assignment(course, assignment_id: str) -> None:
    try:
        course.check_assignment(assignment_id)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


course_option = click.option(
    "--course-dir", type=click.Path(file_okay=False), default=None, help=_COURSE_HELP
)
db_option = click.option("--db", "db", default=None, metavar="URL", help=_DB_HELP)
verbose_option = click.option("-v", "--verbose", is_flag=True, help="Show nbgrader's own log.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def assign() -> None:
    """Instructor pipeline: release, collect, grade, feedback, export and report (wraps nbgrader)."""
    _require_instructor_tools()


#: What `mlhc assign` imports that a learner's install (`pip install .`) does not have.
_INSTRUCTOR_MODULES = ("nbgrader", "nbconvert", "nbclient", "jupyter_client", "sqlalchemy")


def _require_instructor_tools() -> None:
    from importlib.util import find_spec

    missing = [name for name in _INSTRUCTOR_MODULES if find_spec(name) is None]
    if missing:
        raise click.ClickException(
            f"mlhc assign needs the instructor tools, which this environment lacks ({', '.join(missing)}). "
            "Install them with: pip install 'mlhc-course[instructor]' (or: make setup)."
        )


@assign.command()
@click.argument("assignment_id")
@course_option
@db_option
@verbose_option
def release(assignment_id: str, course_dir: str | None, db: str | None, verbose: bool) -> None:
    """Generate the student version of ASSIGNMENT_ID (nbgrader generate_assignment) and check it leaks nothing."""
    _quiet_nbgrader(verbose)
    course = _open(course_dir, db)
    _check_assignment(course, assignment_id)
    from ..grading import release_assignment

    try:
        path = release_assignment(course, assignment_id)
    except RuntimeError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    click.echo(str(path))


@assign.command()
@click.argument("assignment_id")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--pattern",
    default=None,
    help="Regular expression matched against each path in the zip, with a named group (?P<student_id>...) "
    "and optionally (?P<file>...). Default: Canvas, Moodle and folder-per-student names.",
)
@click.option("--force", is_flag=True, help="Replace existing submissions (they are backed up first).")
@course_option
@verbose_option
def collect(
    assignment_id: str, archive: str, pattern: str | None, force: bool, course_dir: str | None, verbose: bool
):
    """Unpack an LMS zip ARCHIVE of ASSIGNMENT_ID submissions into submitted/<student>/<assignment>/.

    Every file is either collected or listed, with the reason, under "NOT collected". Exit code 1 if
    any file was not collected.
    """
    _quiet_nbgrader(verbose)
    course = _open(course_dir, None)
    _check_assignment(course, assignment_id)
    import re

    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise click.BadParameter(
                f"not a valid regular expression: {exc}", param_hint="--pattern"
            ) from None
    from ..grading import collect_submissions

    try:
        summary = collect_submissions(course, assignment_id, archive, pattern=pattern, force=force)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(str(summary))
    if summary.unmatched:
        sys.exit(1)


@assign.command()
@click.argument("assignment_id")
@click.option(
    "--student", "students", multiple=True, help="Grade only this student (repeatable). Default: all."
)
@click.option(
    "-j", "--jobs", type=click.IntRange(min=1), default=None, help="Kernels at once (default: CPU count)."
)
@click.option(
    "--timeout",
    type=click.IntRange(min=1),
    default=None,
    help="Per-cell timeout in seconds (default: nbgrader's config).",
)
@click.option(
    "--memory", "memory", default="2G", show_default=True, help="Memory (address-space) limit per kernel."
)
@click.option("--max-file-size", default="256M", show_default=True, help="Largest file a kernel may write.")
@click.option(
    "--max-output",
    type=click.IntRange(min=0),
    default=1_000_000,
    show_default=True,
    help="Characters of printed/display output kept per cell.",
)
@click.option(
    "--data-file",
    "data_files",
    multiple=True,
    help="A file of the assignment's source folder that kernels may read (repeatable). Nothing else is copied.",
)
@click.option(
    "--max-processes", default=64, show_default=True, type=click.IntRange(min=8), help="Processes per kernel."
)
@click.option(
    "--cpu-time", default=600, show_default=True, type=click.IntRange(min=1), help="CPU seconds per kernel."
)
@click.option("--max-disk", default="512M", show_default=True, help="Total bytes a kernel may write.")
@click.option(
    "--no-sandbox",
    is_flag=True,
    help="Grade WITHOUT bubblewrap (limits still apply). Unsafe; without this flag grading refuses to run unsandboxed.",
)
@course_option
@db_option
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
@verbose_option
def grade(
    assignment_id,
    students,
    jobs,
    timeout,
    memory,
    max_file_size,
    max_output,
    data_files,
    max_processes,
    cpu_time,
    max_disk,
    no_sandbox,
    course_dir,
    db,
    quiet,
    verbose,
):
    """Autograde ASSIGNMENT_ID in parallel, each notebook in a sandboxed kernel, into the gradebook.

    Broken or hostile submissions never stop the batch: each gets the score it earns, or zero with a
    reason; both are in the grading log and in `mlhc assign report`. Re-running is idempotent.
    Student code runs in a bubblewrap sandbox and the tests in a second, fresh kernel; without a
    working sandbox, grading refuses (exit 1) unless --no-sandbox is given. Exit code 1 if any
    submission failed or could not be graded (a kernel that cannot start is never a zero).
    """
    _quiet_nbgrader(verbose)
    course = _open(course_dir, db)
    _check_assignment(course, assignment_id)
    memory_limit, file_limit = _size(memory), _size(max_file_size)
    from ..grading import autograde

    show = not quiet and sys.stderr.isatty() or verbose

    def progress(result, done, total):
        if show:
            flag = "FAILED " if result.status == "failed" else ""
            click.echo(
                f"[{done}/{total}] {result.student_id}: {flag}{result.score:g}/{result.max_score:g}"
                + (f"  ({'; '.join(result.reasons)})" if result.reasons else ""),
                err=True,
            )

    from ..grading import SandboxUnavailable

    try:
        run = autograde(
            course,
            assignment_id,
            students=list(students) or None,
            jobs=jobs,
            timeout=timeout,
            memory_limit=memory_limit,
            file_size_limit=file_limit,
            output_limit=max_output,
            sandbox=False if no_sandbox else None,
            progress=progress,
            data_files=list(data_files),
            process_limit=max_processes,
            cpu_limit=cpu_time,
            disk_limit=_size(max_disk),
        )
    except SandboxUnavailable as exc:
        click.echo(f"Error: refusing to grade: {exc}", err=True)
        sys.exit(1)
    except ValueError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    failed = run.failed
    if not quiet:
        click.echo(
            f"Graded {len(run.results)} submission(s) of {assignment_id} in {run.wall_time:.1f} s "
            f"with {run.jobs} job(s), {'in the bubblewrap sandbox' if run.sandboxed else 'WITHOUT a sandbox'}; "
            f"{len(failed)} with problems. Log: {run.log_path}"
        )
        for r in failed:
            click.echo(f"  {r.student_id}: {r.status}: {'; '.join(r.reasons)}")
    if failed:
        sys.exit(1)


@assign.command()
@click.argument("assignment_id")
@click.option(
    "--student", "students", multiple=True, help="Only this student (repeatable). Default: all graded."
)
@click.option(
    "--show-hidden-tests", is_flag=True, help="Show hidden tests and full tracebacks (after the deadline)."
)
@course_option
@db_option
@verbose_option
def feedback(assignment_id, students, show_hidden_tests, course_dir, db, verbose):
    """Write each student's graded notebook as HTML feedback (hidden tests redacted by default)."""
    _quiet_nbgrader(verbose)
    course = _open(course_dir, db)
    _check_assignment(course, assignment_id)
    from ..grading import generate_feedback

    try:
        paths = generate_feedback(
            course, assignment_id, students=list(students) or None, show_hidden_tests=show_hidden_tests
        )
    except RuntimeError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    for p in paths:
        click.echo(str(p))


@assign.command()
@click.option("--assignment", "assignment_id", default=None, help="Only this assignment (default: all).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default=None,
    help="CSV file to write (default: grades.csv next to the gradebook's folders, e.g. course/grades.csv).",
)
@course_option
@db_option
@verbose_option
def export(assignment_id, output, course_dir, db, verbose):
    """Export the gradebook's grades to CSV (nbgrader's CSV exporter)."""
    _quiet_nbgrader(verbose)
    course = _open(course_dir, db)
    if assignment_id is not None:
        _check_assignment(course, assignment_id)
    from ..grading import export_grades

    output = output or course.directory("autograded").parent / "grades.csv"
    click.echo(str(export_grades(course, output, assignment_id=assignment_id)))


@assign.command()
@click.argument("assignment_id")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default=None,
    help="HTML file to write (default: reports/<assignment>.html next to the gradebook's folders, e.g. course/reports/).",
)
@click.option("--png", is_flag=True, help="Also write the figure as a PNG next to the HTML.")
@course_option
@db_option
@verbose_option
def report(assignment_id, output, png, course_dir, db, verbose):
    """Write an HTML report: score distribution, pass rate per question (lowest first), failed submissions."""
    _quiet_nbgrader(verbose)
    course = _open(course_dir, db)
    _check_assignment(course, assignment_id)
    from ..grading import grade_report

    output = output or course.directory("autograded").parent / "reports" / f"{assignment_id}.html"
    click.echo(str(grade_report(course, assignment_id, output, png=png)))
