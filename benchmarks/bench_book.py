"""How long the course website takes to build: clean, unchanged, and after editing one lesson.

Run from the repository root, after ``make setup``::

    .venv/bin/python benchmarks/bench_book.py [--lesson notebooks/06_calibration_decision_curves.ipynb]

It copies the tracked files to a temporary folder (the working tree is never touched), then times
``jupyter-book build`` three times with the same output folder and execution cache:

1. a clean build (every lesson executed);
2. a rebuild with nothing changed (target: at most 10% of the clean build);
3. a rebuild after editing one code cell of one lesson (target: only that lesson re-executed).

It prints the three times, the ratio, and which notebooks each build executed.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

REPO_ROOT = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"


def _copy_tracked_files(dest: Path) -> None:
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    for name in filter(None, (f.decode() for f in files)):
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / name, target)


def _build(root: Path, out: Path) -> tuple[float, list[str]]:
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    env["PATH"] = f"{JUPYTER_BOOK.parent}{os.pathsep}{env.get('PATH', '')}"
    start = time.perf_counter()
    proc = subprocess.run(
        [
            str(JUPYTER_BOOK),
            "build",
            str(root),
            "--path-output",
            str(out),
            "--warningiserror",
            "--keep-going",
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"the build failed:\n{proc.stdout[-4000:]}{proc.stderr[-4000:]}")
    executed = re.findall(r"/([^/\s]+\.ipynb): Executing notebook", proc.stdout + proc.stderr)
    return seconds, executed


def _edit_one_code_cell(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code")
    cell.source += "\n# edited by benchmarks/bench_book.py"
    nbformat.write(nb, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lesson", default="notebooks/06_calibration_decision_curves.ipynb")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mlhc-bench-book-") as tmp:
        root, out = Path(tmp) / "repo", Path(tmp) / "out"
        _copy_tracked_files(root)
        clean, clean_run = _build(root, out)
        unchanged, unchanged_run = _build(root, out)
        _edit_one_code_cell(root / args.lesson)
        one, one_run = _build(root, out)
    print(f"clean build:            {clean:7.1f} s  ({len(clean_run)} notebooks executed)")
    ratio = unchanged / clean
    print(f"no-change rebuild:      {unchanged:7.1f} s  ({ratio:.0%} of clean; target <= 10%)")
    print(f"  executed: {unchanged_run or 'none'}")
    print(f"one-lesson edit:        {one:7.1f} s  executed: {one_run or 'none'}")
    only_that = one_run == [Path(args.lesson).name]
    print(
        f"targets met: no-change {'yes' if ratio <= 0.10 else 'NO'}, one-lesson {'yes' if only_that else 'NO'}"
    )


if __name__ == "__main__":
    main()
