"""Run a lesson's own code in-process, so the lesson tests check exactly what the learner runs.

Shared by the ``tests/test_lesson_NN_*.py`` modules. A lesson's code cells run in one namespace, in
notebook order, with figures closed instead of shown. The Colab install cell (tag ``mlhc-setup``, IPython
``%pip`` syntax) and the learner's self-check stubs (``exercises.check(...)`` with ``None``) never run.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import nbformat

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def read_lesson(name: str) -> nbformat.NotebookNode:
    """The lesson notebook ``notebooks/<name>`` (file name with or without ``.ipynb``)."""
    return nbformat.read(NOTEBOOKS / (name if name.endswith(".ipynb") else f"{name}.ipynb"), as_version=4)


def is_runnable(cell) -> bool:
    """A code cell that is part of the lesson: not the install cell, not a self-check stub."""
    return (
        cell.cell_type == "code"
        and "mlhc-setup" not in cell.metadata.get("tags", [])
        and "exercises.check(" not in cell.source
    )


def run_cells(nb, select: Callable[[object], bool] = is_runnable, *, label: str = "<lesson>") -> dict:
    """Execute the selected code cells in order in one namespace and return the namespace."""
    import matplotlib

    matplotlib.use("Agg")
    namespace: dict = {}
    for cell in nb.cells:
        if is_runnable(cell) and select(cell):
            source = cell.source.replace("plt.show()", "plt.close('all')")
            exec(compile(source, label, "exec"), namespace)  # noqa: S102
    return namespace


def run_tagged(nb, *tags: str, label: str = "<lesson>") -> dict:
    """Execute the cells carrying any of ``tags``, in notebook order; every tag must be on some cell."""
    present = {t for c in nb.cells for t in c.metadata.get("tags", [])}
    assert set(tags) <= present, f"tagged cells missing from the lesson: {set(tags) - present}"
    return run_cells(nb, lambda cell: bool(set(cell.metadata.get("tags", [])) & set(tags)), label=label)


def solution_block(nb, label: str, language: str = "python") -> str:
    """The ``language`` code block inside the lesson's ``{solution} <label>`` dropdown."""
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    block = re.search(r"(`{3,})\{solution\} " + re.escape(label) + r"\n(.*?)\n\1(?:\n|$)", text, re.S)
    assert block, f"no solution block for {label}"
    code = re.search(r"```" + language + r"\n(.*?)```", block.group(2), re.S)
    assert code, f"the solution of {label} has no {language} code"
    return code.group(1).rstrip("\n")
