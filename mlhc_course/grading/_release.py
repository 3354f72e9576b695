"""Releasing an assignment: nbgrader's ``generate_assignment``, then a leak check."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from ._course import Course

_SOLUTION = re.compile(r"### BEGIN SOLUTION(.*?)### END SOLUTION", re.S)
_HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS(.*?)### END HIDDEN TESTS", re.S)


def _secret_lines(source_nb) -> set[str]:
    """Lines that only the instructor may see: inside solution and hidden-test regions.

    A line that the notebook also gives students outside those regions, in whole or as part of a
    longer line (the same ``cross_val_score`` call in a provided pipeline and in the solution, say),
    is not a secret, and is left out.
    """
    secrets, public = set(), set()
    for cell in source_nb.cells:
        source = cell.source
        for pattern in (_SOLUTION, _HIDDEN):
            for block in pattern.findall(source):
                secrets.update(line.strip() for line in block.splitlines() if len(line.strip()) > 12)
            source = pattern.sub("", source)
        if not cell.metadata.get("nbgrader", {}).get("solution"):
            public.update(line.strip() for line in source.splitlines())
        else:  # an answer cell: what is left around its solution region is given to students
            public.update(line.strip() for line in source.splitlines() if cell.cell_type == "code")
    given = "\n".join(public)
    return {line for line in secrets if line not in given}  # also not a fragment of a given line


def find_leaks(source_path: Path, release_path: Path) -> list[str]:
    """Solution or hidden-test lines of ``source_path`` that appear in ``release_path``.

    Parameters
    ----------
    source_path, release_path : path-like
        The instructor's source notebook and its student version.

    Returns
    -------
    list of str
        The leaked lines (lines of at least 13 characters inside ``### BEGIN SOLUTION`` or
        ``### BEGIN HIDDEN TESTS`` regions), plus any region marker left in the release; empty if
        nothing leaked.

    Examples
    --------
    >>> find_leaks("source/ps1/ps1.ipynb", "release/ps1/ps1.ipynb")  # doctest: +SKIP
    []
    """
    secrets = _secret_lines(nbformat.read(source_path, as_version=4))
    released = nbformat.read(release_path, as_version=4)
    text = "\n".join(cell.source for cell in released.cells)
    leaks = [line for line in sorted(secrets) if line in text]
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        if marker in text:
            leaks.append(marker)
    return leaks


def release_assignment(course: Course, assignment_id: str) -> Path:
    """Generate the student version of an assignment and check that it leaks nothing.

    Parameters
    ----------
    course : Course
        The course.
    assignment_id : str
        An assignment with a folder of source notebooks.

    Returns
    -------
    Path
        The release folder, ``release/{assignment_id}``.

    Raises
    ------
    ValueError
        If the assignment is unknown.
    RuntimeError
        If nbgrader fails, or a solution or hidden-test line survives in the release.

    See Also
    --------
    find_leaks : The leak check on its own.
    collect_submissions : The next step of the term.

    Examples
    --------
    >>> course = open_course("path/to/course")                      # doctest: +SKIP
    >>> release_assignment(course, "ps1_diagnostic_metrics")         # doctest: +SKIP
    PosixPath('path/to/course/release/ps1_diagnostic_metrics')
    """
    course.check_assignment(assignment_id)
    result = course.run_converter("GenerateAssignment", assignment_id, force=True, create_assignment=True)
    if not result["success"]:
        raise RuntimeError(f"nbgrader generate_assignment {assignment_id} failed:\n{result.get('log', '')}")
    release = course.path("release", assignment_id)
    for nb_id in course.notebook_ids(assignment_id):
        leaks = find_leaks(
            course.path("source", assignment_id) / f"{nb_id}.ipynb", release / f"{nb_id}.ipynb"
        )
        if leaks:
            raise RuntimeError(
                f"The release of {assignment_id}/{nb_id} leaks instructor-only text: {leaks[:5]}"
            )
    return release
