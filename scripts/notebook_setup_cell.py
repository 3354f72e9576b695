"""Give every lesson the same first code cell: install the course library where it is missing.

A lesson opened from the website's launch buttons runs on Colab (or any Jupyter) without the
course library. Its first code cell installs it from the course repository -- the URL is
``_config.yml``'s ``repository.url``, the one setting behind every link to the code -- and does
nothing where the library is already installed (``make setup``, Binder). The book hides the cell
(tag ``remove-cell``); it still runs there, as a no-op.

Usage, from the repository root::

    .venv/bin/python scripts/notebook_setup_cell.py          # add or update the cell in every lesson
    .venv/bin/python scripts/notebook_setup_cell.py --check  # exit 1 naming lessons that differ

``tests/test_notebooks.py`` runs the same check.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
TAG = "mlhc-setup"  # marks the cell, so that it is found and updated, never duplicated


def setup_source(repo_root: Path = REPO_ROOT) -> str:
    """The first code cell's source for this repository."""
    url = yaml.safe_load((repo_root / "_config.yml").read_text())["repository"]["url"].rstrip("/")
    return (
        "# On Colab, or any Jupyter without the course library, this cell installs it (about a minute).\n"
        "# On your own machine after `make setup`, and on Binder, it does nothing.\n"
        "import importlib.util\n"
        "\n"
        'if importlib.util.find_spec("mlhc_course") is None:\n'
        f'    %pip install --quiet "mlhc-course @ git+{url}"'
    )


def lessons(repo_root: Path = REPO_ROOT) -> list[Path]:
    """The lesson notebooks (not the nbgrader assignments)."""
    return sorted((repo_root / "notebooks").glob("*.ipynb"))


def _first_code_index(nb) -> int | None:
    return next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"), None)


def is_up_to_date(path: Path, repo_root: Path = REPO_ROOT) -> bool:
    """Whether the lesson's first code cell is the current setup cell, tagged for the book."""
    nb = nbformat.read(path, as_version=4)
    i = _first_code_index(nb)
    if i is None:
        return False
    cell = nb.cells[i]
    tags = cell.metadata.get("tags", [])
    return cell.source == setup_source(repo_root) and TAG in tags and "remove-cell" in tags


def update(path: Path, repo_root: Path = REPO_ROOT) -> bool:
    """Add the setup cell after the lesson's title cell, or update it; True if the file changed."""
    if is_up_to_date(path, repo_root):
        return False
    nb = nbformat.read(path, as_version=4)
    existing = [i for i, c in enumerate(nb.cells) if TAG in c.metadata.get("tags", [])]
    for i in reversed(existing):
        del nb.cells[i]
    cell = nbformat.v4.new_code_cell(setup_source(repo_root))
    cell.metadata["tags"] = [TAG, "remove-cell"]
    nb.cells.insert(1, cell)  # right after the title, objectives and clinical question
    nbformat.write(nb, path)
    return True


def main(argv: list[str]) -> int:
    if argv == ["--check"]:
        stale = [p.name for p in lessons() if not is_up_to_date(p)]
        if stale:
            print(f"lessons without the current setup cell: {stale}. Fix: {Path(__file__).name}")
        return 1 if stale else 0
    if argv:
        print(__doc__)
        return 2
    for path in lessons():
        if update(path):
            print(f"updated {path.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
