"""Autograding: intake, parallel sandboxed execution, and nbgrader's own bookkeeping.

One grading run:

1. **Intake** (:mod:`._intake`) stages a clean copy of each submission in a private folder.
2. **Prefetch**: each staged notebook goes through nbgrader's own sanitising preprocessors (the
   ``Autograde.sanitize_preprocessors``) and starts executing in a sandboxed kernel, ``jobs`` at a
   time (:class:`._execute.ParallelRunner`).
3. **Bookkeeping**: meanwhile, in this thread, nbgrader's ``Autograde`` converter (as ``NbGraderAPI.autograde`` runs it) grades the students one by one
   against the staged copies, exactly as ``nbgrader autograde`` would, except that its ``Execute`` step
   is :class:`._execute.SandboxedExecute`, which picks up the result computed in step 2 for exactly
   this notebook (or runs it now if the notebook differs). Only this thread writes the gradebook, so
   SQLite's single writer is never contended, and PostgreSQL works the same way.
4. A submission that cannot be graded gets zero on every grade cell (nbgrader's rule for a missing
   notebook) and a logged reason; nothing stops the batch.

Re-running is idempotent: nbgrader updates each grade in place (``force=True``), and manual scores
given in the formgrader are kept.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbgrader.preprocessors import DeduplicateIds, OverwriteCells

from . import _execute
from ._course import Course
from ._intake import Intake, copy_timestamp, data_files, list_submissions, stage_submission
from ._sandbox import (
    DEFAULT_CPU_LIMIT,
    DEFAULT_DISK_LIMIT,
    DEFAULT_FILE_SIZE_LIMIT,
    DEFAULT_MEMORY_LIMIT,
    DEFAULT_PROCESS_LIMIT,
    SandboxPolicy,
    require_sandbox,
)

log = logging.getLogger("mlhc_course.grading")

# One run at a time per process: the run's runner and notes live in _execute._ACTIVE.
_RUN_LOCK = threading.Lock()


class RestoreLockedCells(OverwriteCells):
    """nbgrader's ``OverwriteCells`` with its missing-cell restore, in the source notebook's order.

    nbgrader (0.9.6) re-adds deleted grade cells after "the previous source cell", but the gradebook
    does not keep cell order, and the previous cell must itself be a grade or solution cell. This
    subclass places each missing grade cell or locked cell after the nearest earlier cell of the
    source notebook that the submission still has.
    """

    def add_missing_grade_cells(self, nb, resources):
        order = _execute._ACTIVE["order"].get((self.assignment_id, self.notebook_id))
        if not order:
            return super().add_missing_grade_cells(nb, resources)
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        source_cells = {c.name: c for c in source_nb.source_cells}
        grade_cells = {c.name: c for c in source_nb.grade_cells}
        solution_ids = {c.name for c in source_nb.solution_cells}

        def position(gid: str) -> int | None:
            for index, cell in enumerate(nb.cells):
                if cell.metadata.get("nbgrader", {}).get("grade_id") == gid:
                    return index
            return None

        for k, gid in enumerate(order):
            if position(gid) is not None or gid not in source_cells:
                continue
            source = source_cells[gid]
            if gid in grade_cells:
                cell = self.missing_cell_transform(
                    source, grade_cells[gid].max_score, is_solution=gid in solution_ids
                )
            elif source.locked:
                cell = _locked_cell(source, self.missing_cell_notification.format(cell_id=gid))
            else:
                continue  # a deleted answer cell stays deleted: its tests will fail
            self.log.warning("Missing cell %s restored from the source", gid)
            before = [position(g) for g in order[:k]]
            before = [p for p in before if p is not None]
            nb.cells.insert(max(before) + 1 if before else 0, cell)
        return nb, resources

    def add_missing_task_cells(self, nb, resources):
        # nbgrader's version indexes metadata.nbgrader["grade_id"] of every cell with nbgrader
        # metadata, but DeduplicateIds leaves duplicates with an empty dict (KeyError).
        ids = {c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells}
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        source_cells = {c.name: c for c in source_nb.source_cells}
        for task in source_nb.task_cells:
            if task.name not in ids and task.name in source_cells:
                nb.cells.append(
                    self.missing_cell_transform(source_cells[task.name], task.max_score, is_task=True)
                )
        return nb, resources


class DropDuplicateIds(DeduplicateIds):
    """nbgrader's ``DeduplicateIds``, but a duplicate loses its nbgrader metadata entirely.

    nbgrader (0.9.6) leaves an empty ``nbgrader`` dict on the duplicate, which later fails metadata
    validation as "an old version of the nbgrader metadata format" and the whole submission is
    lost (jupyter/nbgrader#1083). Keeping the last copy, as nbgrader does, and making the others
    plain cells grades the submission normally.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if cell.metadata.get("nbgrader") == {}:
            del cell.metadata["nbgrader"]
        return cell, resources


def _locked_cell(source, notification: str) -> NotebookNode:
    meta = {
        "nbgrader": {
            "grade": False,
            "grade_id": source.name,
            "locked": True,
            "solution": False,
            "task": False,
            "checksum": source.checksum,
            "schema_version": 3,
        },
        "deletable": False,
        "editable": False,
    }
    if source.cell_type == "code":
        return nbformat.v4.new_code_cell("# " + notification + source.source, metadata=meta)
    return nbformat.v4.new_markdown_cell(notification + source.source, metadata=meta)


@dataclass
class SubmissionResult:
    """The outcome of grading one student's submission.

    Attributes
    ----------
    student_id : str
    status : {"graded", "failed", "not graded"}
        ``"failed"``: the submission itself is unusable (missing, unreadable); the gradebook then
        holds zeros. ``"not graded"``: the grading machinery failed (a kernel could not start);
        the gradebook is left as it was and the command exits non-zero -- never the student's zero.
    score, max_score : float
        Total score in the gradebook after this run (auto plus any manual scores) and the maximum.
    reasons : list of str
        Why (part of) the submission could not be graded.
    notes : list of str
        What the instructor should know: restored cells, renames, timeouts, kernel deaths, truncated
        output, undone monkeypatching.
    seconds : float
        Wall time spent on this submission in the bookkeeping thread.
    """

    student_id: str
    status: str
    score: float = 0.0
    max_score: float = 0.0
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class GradingRun:
    """The outcome of :func:`autograde`: one :class:`SubmissionResult` per student, and how it ran."""

    assignment_id: str
    results: list[SubmissionResult]
    sandboxed: bool
    jobs: int
    wall_time: float
    log_path: str

    def result(self, student_id: str) -> SubmissionResult:
        """The result of one student (``KeyError`` if they were not graded in this run)."""
        for r in self.results:
            if r.student_id == student_id:
                return r
        raise KeyError(
            f"{student_id!r} was not graded in this run; graded: {[r.student_id for r in self.results]}"
        )

    @property
    def failed(self) -> list[SubmissionResult]:
        """Results with a failure reason (including those not graded)."""
        return [r for r in self.results if r.status != "graded" or r.reasons]

    @property
    def not_graded(self) -> list[SubmissionResult]:
        """Submissions the grading machinery could not grade (not the student's fault)."""
        return [r for r in self.results if r.status == "not graded"]


def grading_log_path(course: Course, assignment_id: str) -> Path:
    """Where the per-submission outcomes of grading runs are kept (next to nbgrader's folders)."""
    return course.directory("autograded").parent / "grading_log" / f"{assignment_id}.json"


def read_grading_log(course: Course, assignment_id: str) -> dict[str, dict]:
    """The latest outcome per student, as written by :func:`autograde`.

    Parameters
    ----------
    course : Course
        The course.
    assignment_id : str
        The assignment.

    Returns
    -------
    dict
        Student id to the fields of :class:`SubmissionResult`; empty if never graded.

    Examples
    --------
    >>> read_grading_log(course, "ps1_diagnostic_metrics")["12345"]["status"]  # doctest: +SKIP
    'graded'
    """
    path = grading_log_path(course, assignment_id)
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def ensure_assignment_in_gradebook(course: Course, assignment_id: str) -> None:
    """Run nbgrader's ``generate_assignment`` if the gradebook does not know the assignment yet."""
    from nbgrader.api import MissingEntry

    with course.gradebook() as gb:
        try:
            gb.find_assignment(assignment_id)
            return
        except MissingEntry:
            pass
    log.info("%s is not in the gradebook yet: generating the release to register it", assignment_id)
    result = course.run_converter("GenerateAssignment", assignment_id, force=True, create_assignment=True)
    if not result["success"]:
        raise RuntimeError(f"nbgrader generate_assignment {assignment_id} failed:\n{result.get('log', '')}")


def _zero_grades(course: Course, assignment_id: str, student_id: str, staged: Path) -> None:
    # nbgrader's rule for a missing notebook (Autograde.init_assignment): every grade is zero and
    # needs no manual grading. The student and submission rows are created if needed.
    from nbgrader.coursedir import CourseDirectory

    timestamp = CourseDirectory(config=course.config).get_existing_timestamp(str(staged))
    with course.gradebook() as gb:
        gb.update_or_create_student(student_id)
        if timestamp:
            gb.update_or_create_submission(assignment_id, student_id, timestamp=timestamp)
        else:
            gb.update_or_create_submission(assignment_id, student_id)
        submission = gb.find_submission(assignment_id, student_id)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                grade.auto_score = 0
                grade.needs_manual_grade = False
        gb.db.commit()


def _score(course: Course, assignment_id: str, student_id: str) -> tuple[float, float]:
    with course.gradebook() as gb:
        submission = gb.find_submission(assignment_id, student_id)
        return float(submission.score), float(submission.max_score)


def _source_order(course: Course, assignment_id: str, notebook_id: str) -> list[str]:
    nb = nbformat.read(course.path("source", assignment_id) / f"{notebook_id}.ipynb", as_version=4)
    return [
        c.metadata["nbgrader"]["grade_id"] for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id")
    ]


def _grading_config(course: Course, staging: Path):
    from nbgrader.preprocessors import (
        CheckCellMetadata,
        ClearOutput,
        OverwriteKernelspec,
    )
    from traitlets.config import Config

    config = Config()
    config.merge(course.config)
    config.CourseDirectory.submitted_directory = str(staging)
    config.Autograde.sanitize_preprocessors = [
        ClearOutput,
        DropDuplicateIds,
        OverwriteKernelspec,
        RestoreLockedCells,
        CheckCellMetadata,
    ]
    config.Autograde.autograde_preprocessors = _execute.sandboxed_autograde_preprocessors()
    config.RestoreLockedCells.add_missing_cells = True
    return config


_EXCEPTION_LINE = re.compile(r"^\s*([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning))\b(:.*)?$")
_BOILERPLATE = ("Traceback (most recent call last)", "There was an error processing", "Please see the")


def _error_lines(captured: str) -> list[str]:
    """The useful part of nbgrader's log for a failed conversion: its messages and the exception."""
    messages, exception = [], None
    for line in captured.splitlines():
        if _EXCEPTION_LINE.match(line):
            exception = line.strip()
        if line.startswith("[ERROR]"):
            text = line[len("[ERROR]") :].strip()
            if text and not text.startswith(_BOILERPLATE):
                messages.append(text)
    out = messages[-2:] + ([f"nbgrader failed with {exception}"] if exception else [])
    return out or ["nbgrader could not grade this submission (see its log with --verbose)"]


def autograde(
    course: Course,
    assignment_id: str,
    *,
    students: list[str] | None = None,
    jobs: int | None = None,
    timeout: int | None = None,
    memory_limit: int = DEFAULT_MEMORY_LIMIT,
    file_size_limit: int = DEFAULT_FILE_SIZE_LIMIT,
    output_limit: int = _execute.DEFAULT_OUTPUT_LIMIT,
    sandbox: bool | None = None,
    progress: Callable[[SubmissionResult, int, int], None] | None = None,
    data_files: list[str] | None = None,
    process_limit: int = DEFAULT_PROCESS_LIMIT,
    cpu_limit: int = DEFAULT_CPU_LIMIT,
    disk_limit: int = DEFAULT_DISK_LIMIT,
) -> GradingRun:
    """Autograde submissions in parallel, in a sandbox, into nbgrader's gradebook.

    Parameters
    ----------
    course : Course
        The course (see :func:`open_course`).
    assignment_id : str
        The assignment, e.g. ``"ps1_diagnostic_metrics"``.
    students : list of str, default=None
        Student ids to grade; ``None`` grades every folder under ``submitted/*/{assignment_id}``.
    jobs : int, default=None
        Notebooks graded at once; ``None`` means ``os.cpu_count()``.
    timeout : int, default=None
        Per-cell timeout in seconds; ``None`` keeps nbgrader's configured ``Execute.timeout``.
    memory_limit, file_size_limit : int
        Address-space limit of each kernel process and largest file it may write, in bytes.
    output_limit : int, default=1_000_000
        Characters of stream and display output kept per cell.
    sandbox : bool, default=None
        ``None`` (or ``True``) requires the bubblewrap sandbox and raises
        :class:`SandboxUnavailable` if it cannot run here; ``False`` grades without it (unsafe).
    progress : callable, default=None
        Called as ``progress(result, done, total)`` after each student.
    data_files : list of str, default=None
        Files of the assignment's *source* folder that kernels may read (bound read-only into their
        working folder). Nothing else from the source folder, and nothing the student added, is.
    process_limit, cpu_limit, disk_limit : int
        Per kernel: processes, CPU seconds (all processes together where cgroups exist) and total
        bytes written.

    Returns
    -------
    GradingRun
        One result per student; the same outcomes are written to the grading log.

    Raises
    ------
    ValueError
        If the assignment has no source notebooks, or a parameter is out of range.
    SandboxUnavailable
        If the sandbox is required but cannot run here (grading fails closed).

    See Also
    --------
    SandboxPolicy : What student code may see and use.
    generate_feedback, grade_report : The next steps.

    Notes
    -----
    Each notebook runs in a sandboxed student kernel; the tests run in a second, fresh sandboxed
    kernel that receives only the student's answers (see ``_execute`` and ``_answers``). The
    notebook client and all gradebook writes stay in this process.

    Examples
    --------
    >>> run = autograde(course, "ps1_diagnostic_metrics", jobs=4, timeout=60)  # doctest: +SKIP
    >>> [(r.student_id, r.score, r.status) for r in run.results]              # doctest: +SKIP
    [('12345', 10.0, 'graded'), ('23456', 0.0, 'failed')]
    """
    if not _RUN_LOCK.acquire(blocking=False):
        raise RuntimeError(
            "Another autograde run is in progress in this process; run them one after the other."
        )
    try:
        options = _Options(
            jobs=jobs,
            timeout=timeout,
            memory_limit=memory_limit,
            file_size_limit=file_size_limit,
            output_limit=output_limit,
            sandbox=sandbox,
            data_files=list(data_files or []),
            process_limit=process_limit,
            cpu_limit=cpu_limit,
            disk_limit=disk_limit,
        )
        return _autograde(course, assignment_id, students, options, progress)
    finally:
        _RUN_LOCK.release()


@dataclass
class _Options:
    jobs: int | None
    timeout: int | None
    memory_limit: int
    file_size_limit: int
    output_limit: int
    sandbox: bool | None
    data_files: list[str]
    process_limit: int
    cpu_limit: int
    disk_limit: int

    def check(self) -> None:
        self.jobs = (os.cpu_count() or 1) if self.jobs is None else self.jobs
        for name, value, low in (
            ("jobs", self.jobs, 1),
            ("memory_limit", self.memory_limit, 64 * 1024**2),
            ("file_size_limit", self.file_size_limit, 1),
            ("process_limit", self.process_limit, 8),
            ("cpu_limit", self.cpu_limit, 1),
            ("disk_limit", self.disk_limit, 1024**2),
            ("timeout", 1 if self.timeout is None else self.timeout, 1),
        ):
            if value < low:
                raise ValueError(
                    f"The {name!r} parameter must be an int in the range [{low}, inf). Got {value!r} instead."
                )

    def policy(self, course: Course) -> SandboxPolicy:
        return SandboxPolicy.for_course(
            course,
            memory_limit=self.memory_limit,
            file_size_limit=self.file_size_limit,
            use_bwrap=self.sandbox is not False,
            tmp_size=self.disk_limit,
            process_limit=self.process_limit,
            cpu_limit=self.cpu_limit,
        )


def _autograde(course, assignment_id, students, options: _Options, progress) -> GradingRun:
    start = time.perf_counter()
    course.check_assignment(assignment_id)
    options.check()
    files = data_files(course.path("source", assignment_id), options.data_files)
    policy = options.policy(course)
    sandboxed = require_sandbox(policy)  # fails closed before anything is written
    ensure_assignment_in_gradebook(course, assignment_id)
    available = list_submissions(course.directory("submitted"), assignment_id)
    wanted = available if students is None else list(students)
    staging = Path(tempfile.mkdtemp(prefix="mlhc-staging-"))
    config = _grading_config(course, staging)
    client_kwargs = {"output_limit": options.output_limit}
    if options.timeout is not None:
        client_kwargs["timeout"] = options.timeout
        config.Execute.timeout = options.timeout
    runner = _execute.ParallelRunner(options.jobs, policy, config, client_kwargs)
    notebook_ids = course.notebook_ids(assignment_id)
    _execute._ACTIVE.update(
        runner=runner,
        events={},
        order={(assignment_id, nb): _source_order(course, assignment_id, nb) for nb in notebook_ids},
        specs={(assignment_id, nb): _notebook_spec(course, assignment_id, nb, files) for nb in notebook_ids},
    )
    try:
        intakes = _intake_and_prefetch(course, assignment_id, wanted, staging, config, runner)
        results = _bookkeeping(course, assignment_id, intakes, staging, config, runner, progress)
    finally:
        runner.close()
        _execute._ACTIVE.update(runner=None, events={}, order={}, specs={})
        shutil.rmtree(staging, ignore_errors=True)
    path = _write_log(course, assignment_id, results)
    return GradingRun(assignment_id, results, sandboxed, options.jobs, time.perf_counter() - start, str(path))


def _notebook_spec(course: Course, assignment_id: str, nb_id: str, files: dict) -> _execute.NotebookSpec:
    source = nbformat.read(course.path("source", assignment_id) / f"{nb_id}.ipynb", as_version=4)
    return _execute.spec_from_source(source, files)


def _intake_and_prefetch(course, assignment_id, wanted, staging, config, runner) -> dict[str, Intake]:
    """Stage each submission and start executing its notebooks right away, ``jobs`` at a time.

    Each staged notebook goes through nbgrader's own sanitising preprocessors first, exactly as
    nbgrader's ``Autograde`` will, so that the prefetched result matches what it asks for.
    """
    sanitizers = [pp(config=config) for pp in config.Autograde.sanitize_preprocessors]
    submitted_root = course.directory("submitted")
    release_dir = course.path("release", assignment_id)
    notebook_ids = course.notebook_ids(assignment_id)
    release_cache: dict[str, object] = {}
    intakes: dict[str, Intake] = {}
    for student in wanted:
        folder = submitted_root / student / assignment_id
        staged = staging / student / assignment_id
        if not folder.is_dir():
            intakes[student] = Intake(student, reasons=[f"no submission folder {folder}"])
            continue
        intake = stage_submission(student, folder, staged, notebook_ids, release_dir, release_cache)
        intakes[student] = intake
        copy_timestamp(folder, staged)
        for nb_id in intake.usable:
            nb = _sanitized(course, assignment_id, student, nb_id, staged, sanitizers)
            if nb is not None:
                key = (student, assignment_id, nb_id)
                runner.prefetch(key, nb, _execute._ACTIVE["specs"][(assignment_id, nb_id)])
    return intakes


def _sanitized(course, assignment_id, student, nb_id, staged, sanitizers) -> NotebookNode | None:
    resources = {
        "unique_key": nb_id,
        "nbgrader": {
            "student": student,
            "assignment": assignment_id,
            "notebook": nb_id,
            "db_url": course.db_url,
        },
        "metadata": {"path": str(staged)},
    }
    try:
        nb = nbformat.read(staged / f"{nb_id}.ipynb", as_version=4)
        for sanitize in sanitizers:
            nb, resources = sanitize(nb, resources)
    except Exception as exc:  # nbgrader's own pass reports the same error for this student
        log.debug("prefetch of %s/%s failed: %s", student, nb_id, exc)
        return None
    return nb


def _bookkeeping(course, assignment_id, intakes, staging, config, runner, progress) -> list[SubmissionResult]:
    """Grade the students one by one through nbgrader's ``Autograde`` (the only gradebook writer)."""
    results: list[SubmissionResult] = []
    for done, (student, intake) in enumerate(intakes.items(), start=1):
        t0 = time.perf_counter()
        result = SubmissionResult(student, "graded", reasons=list(intake.reasons), notes=list(intake.notes))
        staged = staging / student / assignment_id
        if not intake.usable:
            result.status = "failed"
            shutil.rmtree(course.path("autograded", assignment_id, student), ignore_errors=True)
            _zero_grades(course, assignment_id, student, staged)
        else:
            _grade_one(course, assignment_id, student, intake, result, staged, config, runner)
        if result.status != "not graded":
            result.score, result.max_score = _score(course, assignment_id, student)
        result.seconds = time.perf_counter() - t0
        results.append(result)
        level = logging.INFO if result.status == "graded" and not result.reasons else logging.WARNING
        log.log(
            level,
            "%s: %s %.1f/%.1f %s",
            student,
            result.status,
            result.score,
            result.max_score,
            "; ".join(result.reasons),
        )
        if progress is not None:
            progress(result, done, len(intakes))
    return results


def _grade_one(course, assignment_id, student, intake, result, staged, config, runner) -> None:
    failure = _machinery_failure(runner, student, assignment_id, intake.usable)
    if failure is None:
        existed = _has_submission(course, assignment_id, student)
        outcome = course.run_converter(
            "Autograde", assignment_id, student, config=config, force=True, create_student=True
        )
        for nb_id in intake.usable:
            events = _execute._ACTIVE["events"].pop((student, assignment_id, nb_id), [])
            result.notes.extend(f"{nb_id}: {event}" for event in events)
        if outcome["success"]:
            return
        if "GraderFailure" not in outcome.get("log", ""):
            result.status = "failed"
            result.reasons.extend(_error_lines(outcome.get("log", "")))
            _zero_grades(course, assignment_id, student, staged)
            return
        failure = next(
            (
                line.split("GraderFailure:", 1)[1].strip()
                for line in outcome["log"].splitlines()
                if "GraderFailure:" in line
            ),
            "a kernel could not be started",
        )
        if not existed:
            _remove_submission(course, assignment_id, student)
    result.status = "not graded"
    result.reasons.append(
        f"not graded: the grading machinery failed ({failure}); re-run grade for this student"
    )
    shutil.rmtree(course.path("autograded", assignment_id, student), ignore_errors=True)


def _machinery_failure(runner, student, assignment_id, notebook_ids) -> str | None:
    """Wait for the prefetched runs; the message of a :class:`GraderFailure`, if one happened."""
    for nb_id in notebook_ids:
        future = runner.peek((student, assignment_id, nb_id))
        if future is None:
            continue
        try:
            future.result()
        except _execute.GraderFailure as exc:
            runner.take((student, assignment_id, nb_id), NotebookNode(cells=[]))
            return str(exc)
        except Exception:  # nbgrader's pass will run it again and report
            continue
    return None


def _has_submission(course: Course, assignment_id: str, student_id: str) -> bool:
    from nbgrader.api import MissingEntry

    with course.gradebook() as gb:
        try:
            gb.find_submission(assignment_id, student_id)
        except MissingEntry:
            return False
    return True


def _remove_submission(course: Course, assignment_id: str, student_id: str) -> None:
    from nbgrader.api import MissingEntry

    with course.gradebook() as gb:
        try:
            gb.remove_submission(assignment_id, student_id)
        except MissingEntry:
            pass


def _write_log(course: Course, assignment_id: str, results: list[SubmissionResult]) -> Path:
    path = grading_log_path(course, assignment_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    logbook = read_grading_log(course, assignment_id)
    for r in results:
        logbook[r.student_id] = asdict(r)
    path.write_text(json.dumps(logbook, indent=1, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    return path
