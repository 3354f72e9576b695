"""Synthetic submissions derived from an assignment's source: for tests, benchmarks and dry runs.

A *blank* submission is the released notebook untouched. A *correct* one is the release with every
answer cell (nbgrader ``solution`` cell) replaced by the source's answer, minus the
``### BEGIN/END SOLUTION`` marker lines, as a perfect student would hand it in. A *partial* one fills
only some answer cells. Everything is derived from the notebooks, so it works for any assignment.
"""

from __future__ import annotations

import copy

import nbformat

_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")

#: The kinds :func:`make_submission` accepts.
KINDS = ("correct", "partial", "blank")


def answer_cell_ids(release_nb) -> list[str]:
    """The grade_ids of the answer (solution) cells, in notebook order."""
    return [
        c.metadata["nbgrader"]["grade_id"]
        for c in release_nb.cells
        if c.metadata.get("nbgrader", {}).get("solution") and c.metadata["nbgrader"].get("grade_id")
    ]


def _strip_markers(source: str) -> str:
    return "\n".join(line for line in source.split("\n") if line.strip() not in _MARKERS)


def make_submission(source_nb, release_nb, kind: str = "correct", *, fill: list[str] | None = None):
    """A student notebook built from an assignment's source and release notebooks.

    Parameters
    ----------
    source_nb, release_nb : nbformat.NotebookNode
        The instructor's source notebook and nbgrader's release of it.
    kind : {"correct", "partial", "blank"}, default="correct"
        What to build; see the module docstring.
    fill : list of str, default=None
        For ``"partial"``: the grade_ids of the answer cells to fill in; ``None`` fills the first one.

    Returns
    -------
    nbformat.NotebookNode
        A new notebook; the inputs are not modified.

    Raises
    ------
    ValueError
        If ``kind`` is unknown, or ``fill`` names a cell that is not an answer cell.

    Examples
    --------
    >>> from nbformat.v4 import new_notebook, new_code_cell
    >>> meta = {"nbgrader": {"solution": True, "grade_id": "q1", "grade": False, "locked": False}}
    >>> src = new_notebook(cells=[new_code_cell("### BEGIN SOLUTION\\nx = 1\\n### END SOLUTION", metadata=meta)])
    >>> rel = new_notebook(cells=[new_code_cell("# YOUR CODE HERE", metadata=meta)])
    >>> make_submission(src, rel, "correct").cells[0].source
    'x = 1'
    """
    if kind not in KINDS:
        raise ValueError(f"The 'kind' parameter must be one of {KINDS}. Got {kind!r} instead.")
    answers = answer_cell_ids(release_nb)
    if kind == "blank":
        chosen: set[str] = set()
    elif kind == "correct":
        chosen = set(answers)
    else:
        chosen = set(fill if fill is not None else answers[:1])
        unknown = chosen - set(answers)
        if unknown:
            raise ValueError(
                f"The 'fill' parameter must name answer cells among {answers}. Got {sorted(unknown)} instead."
            )
    solutions = {
        c.metadata["nbgrader"]["grade_id"]: c.source
        for c in source_nb.cells
        if c.metadata.get("nbgrader", {}).get("grade_id")
    }
    nb = copy.deepcopy(release_nb)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in chosen:
            cell.source = _strip_markers(solutions[gid])
    nbformat.validate(nb)
    return nb
