"""Sphinx extension: the graded assignments, shown on the website as students receive them.

The nbgrader *source* of each assignment (``notebooks/assignments/<name>/<name>.ipynb``) holds the
solutions, hidden tests and mark schemes, and is never published. Before Sphinx reads the book,
this extension makes the *released* version of each with nbgrader's own preprocessors -- the same
``ClearSolutions``, ``ClearHiddenTests`` and ``ClearMarkScheme`` steps as ``nbgrader
generate_assignment`` -- and writes it to ``book/assignments/<name>.ipynb`` (generated, git-ignored),
with a download link under its title. ``_toc.yml`` lists those pages; they are not executed (their
answer cells raise ``NotImplementedError`` until a student fills them in).

A file is remade only when its source (or this extension) is newer, and rewritten only when its
content changes, so a rebuild with no change stays cached and does not even import nbgrader.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

SOURCES = Path("notebooks") / "assignments"
RELEASED = Path("book") / "assignments"

_NOTE = (
    "```{{note}}\n"
    "This is the problem set as students receive it: no solutions and no hidden tests. "
    "Download it: {{download}}`{name}.ipynb <{name}.ipynb>`. Instructors release, collect and grade "
    "it with `mlhc assign` (see the instructor guide).\n"
    "```"
)


def released_notebook(source: Path) -> nbformat.NotebookNode:
    """The student version of an nbgrader source notebook, made by nbgrader's preprocessors."""
    from nbgrader.preprocessors import ClearHiddenTests, ClearMarkScheme, ClearOutput, ClearSolutions

    nb = nbformat.read(source, as_version=4)
    resources: dict = {}
    for step in (ClearSolutions(), ClearHiddenTests(), ClearMarkScheme(), ClearOutput()):
        nb, resources = step.preprocess(nb, resources)
    note = nbformat.v4.new_markdown_cell(_NOTE.format(name=source.stem))
    note.id = "released-version-note"
    nb.cells.insert(1, note)
    return nb


def write_released_assignments(srcdir: Path) -> list[Path]:
    """Write ``book/assignments/<name>.ipynb`` for every source assignment; return the files."""
    out = srcdir / RELEASED
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for source in sorted((srcdir / SOURCES).glob("*/*.ipynb")):
        if ".ipynb_checkpoints" in source.parts:
            continue
        target = out / f"{source.stem}.ipynb"
        written.append(target)
        newest_input = max(source.stat().st_mtime, Path(__file__).stat().st_mtime)
        if target.is_file() and target.stat().st_mtime >= newest_input:
            continue
        text = nbformat.writes(released_notebook(source)) + "\n"
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
        else:
            target.touch()  # up to date: remember that it was checked
    for stale in set(out.glob("*.ipynb")) - set(written):
        stale.unlink()  # an assignment that no longer exists
    return written


def _on_config_inited(app, config) -> None:
    write_released_assignments(Path(app.srcdir))


def setup(app):
    # before the table of contents is checked and the documents are read
    app.connect("config-inited", _on_config_inited, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
