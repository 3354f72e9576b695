"""The instructor pipeline on nbgrader: release, collect, grade, feedback, export and report.

Everything runs in an nbgrader course directory (:func:`open_course`) and goes through nbgrader's
own converters, preprocessors and gradebook. What this package adds:

- :func:`collect_submissions`: unpack an LMS zip into ``submitted/``, with a configurable file-name
  pattern, and a summary of every file it could not place;
- :func:`autograde`: parallel grading (``jobs`` notebooks at once). Each notebook runs in a
  bubblewrap sandbox (mounted by allow-list, with whole-submission limits); its tests run in a second,
  fresh sandboxed kernel that only receives the student's answers. Grading refuses to run without
  the sandbox unless told ``sandbox=False``;
- :func:`generate_feedback`: nbgrader's feedback, with hidden tests redacted by default;
- :func:`export_grades` and :func:`grade_report`: a CSV of grades and an HTML/PNG report.

Examples
--------
>>> from mlhc_course.grading import open_course, autograde   # doctest: +SKIP
>>> course = open_course(".")                                  # doctest: +SKIP
>>> run = autograde(course, "ps1_diagnostic_metrics", jobs=4)  # doctest: +SKIP
"""

from ._autograde import GradingRun, SubmissionResult, autograde, read_grading_log
from ._collect import CollectSummary, collect_submissions
from ._course import Course, open_course
from ._feedback import generate_feedback
from ._release import find_leaks, release_assignment
from ._report import export_grades, grade_report
from ._sandbox import SandboxPolicy, SandboxUnavailable, bwrap_works, check_sandbox
from ._synthetic import make_submission

__all__ = [
    "Course",
    "open_course",
    "release_assignment",
    "find_leaks",
    "CollectSummary",
    "collect_submissions",
    "autograde",
    "GradingRun",
    "SubmissionResult",
    "read_grading_log",
    "SandboxPolicy",
    "bwrap_works",
    "check_sandbox",
    "SandboxUnavailable",
    "generate_feedback",
    "export_grades",
    "grade_report",
    "make_submission",
]
