"""Feedback: nbgrader's ``GenerateFeedback``, with the hidden tests redacted by default.

nbgrader's feedback shows every test cell as graded, hidden tests included, and tracebacks quote the
failing test line with its neighbours. Before the deadline that gives the hidden tests away. By
default :class:`RedactHiddenTests` therefore

- replaces each hidden-test region of a test cell by one comment line, and
- replaces the traceback of every error in such a cell by a short statement in words: whether a
  visible or a hidden check failed (and which line of the hidden tests), and the error's message --
  for an ``assert``, the sentence the instructor wrote for the student;
- replaces *every* output of *every* code cell (printed text, display data, results, error
  messages) that quotes a line of the hidden tests by a one-line notice.

Hidden tests never reach the student's kernel (they run in a separate tests kernel), so student
code cannot print them; the last rule is defence in depth, e.g. for a test that prints its inputs.

``show_hidden_tests=True`` (``--show-hidden-tests``) gives nbgrader's unredacted feedback, for after
the deadline.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
from nbgrader import utils as nbutils
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from ._course import Course

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_CELL_LINE = re.compile(r"(?:Cell In\s*\[\d*\],\s*line|Input In \[\d*\],? in .*?\n.*?->)\s*(\d+)")
_ARROW = re.compile(r"^-+>\s*(\d+)", re.M)

HIDDEN_PLACEHOLDER = "# (hidden tests: not shown until after the deadline)"
REDACTED_OUTPUT = "[output not shown: it quotes the hidden tests]\n"
#: Hidden-test lines shorter than this (``else:``, ``pass``) are too common to redact on.
MIN_QUOTED = 12


class RedactHiddenTests(NbGraderPreprocessor):
    """Remove hidden-test source and the tracebacks that would quote it (see the module docstring)."""

    begin_test_delimeter = Unicode("BEGIN HIDDEN TESTS").tag(config=True)
    end_test_delimeter = Unicode("END HIDDEN TESTS").tag(config=True)

    def _hidden_lines(self, source: str) -> tuple[set[int], list[str]]:
        hidden, kept, inside = set(), [], False
        for number, line in enumerate(source.split("\n"), start=1):
            if self.begin_test_delimeter in line:
                inside = True
                kept.append(HIDDEN_PLACEHOLDER)
            elif self.end_test_delimeter in line:
                inside = False
            elif inside:
                hidden.add(number)
            else:
                kept.append(line)
        return hidden, kept

    def preprocess(self, nb, resources):
        quoted = set()
        for cell in nb.cells:
            if cell.cell_type == "code" and self.begin_test_delimeter in cell.source:
                hidden, _ = self._hidden_lines(cell.source)
                lines = cell.source.split("\n")
                quoted.update(lines[n - 1].strip() for n in hidden if len(lines[n - 1].strip()) >= MIN_QUOTED)
        self._quoted = quoted
        return super().preprocess(nb, resources)

    def _redact_outputs(self, cell, *, keep_traceback: bool) -> None:
        outputs = []
        for output in cell.get("outputs", []):
            if not any(q in _output_text(output, keep_traceback) for q in self._quoted):
                outputs.append(output)
            elif output.get("output_type") == "error":
                output.evalue = "(message not shown: it quotes the hidden tests)"
                output.traceback = [f"{output.ename}: {output.evalue}"]
                outputs.append(output)
            else:
                name = output.get("name", "stdout") if output.get("output_type") == "stream" else "stdout"
                outputs.append(nbformat.v4.new_output("stream", name=name, text=REDACTED_OUTPUT))
        cell.outputs = outputs

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type == "code" and getattr(self, "_quoted", None):
            # tracebacks of hidden-test cells are rewritten below; their message is checked here
            hidden_cell = nbutils.is_grade(cell) and self.begin_test_delimeter in cell.source
            self._redact_outputs(cell, keep_traceback=hidden_cell)
        if (
            cell.cell_type != "code"
            or not nbutils.is_grade(cell)
            or self.begin_test_delimeter not in cell.source
        ):
            return cell, resources
        hidden, kept = self._hidden_lines(cell.source)
        first_hidden = min(hidden) if hidden else 0
        lines = cell.source.split("\n")
        for output in cell.get("outputs", []):
            if output.output_type != "error":
                continue
            text = _ANSI.sub("", "\n".join(output.get("traceback", [])))
            match = _CELL_LINE.search(text) or _ARROW.search(text)
            line = int(match.group(1)) if match else None
            message = f"{output.ename}: {output.evalue}" if output.evalue else f"{output.ename} (no message)"
            if line is not None and line not in hidden and 0 < line <= len(lines):
                where = f"A visible check failed, at line {line}: {lines[line - 1].strip()}"
            elif line is not None and line in hidden:
                where = f"A hidden check failed (line {line - first_hidden + 1} of the hidden tests)"
            else:
                where = "A check failed"
            output.traceback = [where, message]
        cell.source = "\n".join(kept)
        return cell, resources


def _output_text(output, skip_traceback: bool) -> str:
    """All the text an output shows: stream text, every display/result format, the error."""
    parts = [output.get("text", "")]
    for value in (output.get("data") or {}).values():
        parts.append(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
    if output.get("output_type") == "error":
        parts += [output.get("ename", ""), output.get("evalue", "")]
        if not skip_traceback:
            parts += output.get("traceback", [])
    return _ANSI.sub("", "\n".join(p if isinstance(p, str) else "".join(p) for p in parts))


def generate_feedback(
    course: Course,
    assignment_id: str,
    *,
    students: list[str] | None = None,
    show_hidden_tests: bool = False,
) -> list[Path]:
    """Write each graded student's feedback (HTML) with nbgrader's ``GenerateFeedback``.

    Parameters
    ----------
    course : Course
        The course.
    assignment_id : str
        A graded assignment.
    students : list of str, default=None
        Students to write feedback for; ``None`` means everyone with an autograded notebook.
    show_hidden_tests : bool, default=False
        Show hidden tests and full tracebacks (after the deadline). By default they are redacted.

    Returns
    -------
    list of Path
        The feedback files written, ``feedback/{student}/{assignment}/{notebook}.html``.

    Raises
    ------
    RuntimeError
        If nbgrader fails for a student (its log is in the message).

    See Also
    --------
    RedactHiddenTests : What is removed by default.

    Examples
    --------
    >>> generate_feedback(course, "ps1_diagnostic_metrics")  # doctest: +SKIP
    [PosixPath('.../feedback/12345/ps1_diagnostic_metrics/ps1_diagnostic_metrics.html'), ...]
    """
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import GetGrades
    from traitlets.config import Config

    course.check_assignment(assignment_id)
    config = Config()
    config.merge(course.config)
    chain = [GetGrades, CSSHTMLHeaderPreprocessor]
    config.GenerateFeedback.preprocessors = chain if show_hidden_tests else [RedactHiddenTests, *chain]
    autograded = course.directory("autograded")
    if students is None:
        students = (
            sorted(p.name for p in autograded.iterdir() if (p / assignment_id).is_dir())
            if autograded.is_dir()
            else []
        )
    written: list[Path] = []
    errors = []
    for student in students:
        result = course.run_converter("GenerateFeedback", assignment_id, student, config=config, force=True)
        if not result["success"]:
            errors.append(f"{student}:\n{result.get('log', '')}")
            continue
        written += sorted(course.path("feedback", assignment_id, student).glob("*.html"))
    if errors:
        raise RuntimeError("nbgrader generate_feedback failed for:\n" + "\n".join(errors))
    return written
