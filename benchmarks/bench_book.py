"""How long the course website takes to build: clean, unchanged, and after editing one lesson.

Run from the repository root, after ``make setup``::

    .venv/bin/python benchmarks/bench_book.py [--lesson notebooks/06_calibration_decision_curves.ipynb]

It copies the tracked files to a temporary folder (the working tree is never touched), then runs
``jupyter-book build`` as ``make book`` does (warnings are errors, nitpicky) three times with the same
output folder and execution cache:

1. a clean build (every lesson executed);
2. a rebuild with nothing changed (target: at most 10% of the clean build);
3. a rebuild after editing one code cell of one lesson (target: only that lesson re-executed).

It prints the three times, what each build re-read, executed and wrote, and PASS or FAIL for each
target; it exits with 1 if a target is missed. Times depend on the machine's load (printed before
and after): compare the ratio, which is measured in one run, and repeat when in doubt.
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
from dataclasses import dataclass
from pathlib import Path

import nbformat

REPO_ROOT = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"
NO_CHANGE_TARGET = 0.10  # the no-change rebuild takes at most this fraction of the clean build


@dataclass
class Build:
    seconds: float
    reread: str  # Sphinx's "N added, M changed, K removed"
    executed: list[str]  # notebooks (and MyST notebook pages) executed, by file name
    written: int  # HTML pages written


def _copy_tracked_files(dest: Path) -> None:
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    for name in filter(None, (f.decode() for f in files)):
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / name, target)


def _build(root: Path, out: Path) -> Build:
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # kernels must draw inline figures
    env["PATH"] = f"{JUPYTER_BOOK.parent}{os.pathsep}{env.get('PATH', '')}"
    command = [str(JUPYTER_BOOK), "build", str(root), "--path-output", str(out)]
    start = time.perf_counter()
    proc = subprocess.run(
        [*command, "--warningiserror", "--nitpick", "--keep-going"], capture_output=True, text=True, env=env
    )
    seconds = time.perf_counter() - start
    log = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout + proc.stderr)
    if proc.returncode != 0:
        sys.exit(f"the build failed:\n{log[-8000:]}")
    reread = re.search(r"updating environment: .*?(\d+ added, \d+ changed, \d+ removed)", log, re.S)
    return Build(
        seconds=seconds,
        reread=reread[1] if reread else "?",
        executed=re.findall(r"/([^/\s]+\.(?:ipynb|md)): Executing notebook", log),
        written=len(re.findall(r"writing output\.\.\. \[\s*\d+%\]", log)),
    )


def _edit_one_code_cell(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code")
    cell.source += "\n# edited by benchmarks/bench_book.py"
    nbformat.write(nb, path)


def _report(name: str, build: Build) -> None:
    executed = ", ".join(build.executed) if len(build.executed) <= 3 else f"{len(build.executed)} notebooks"
    print(
        f"{name:<18} {build.seconds:7.1f} s   re-read: {build.reread}; "
        f"executed: {executed or 'none'}; pages written: {build.written}"
    )


def _load() -> str:
    return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lesson", default="notebooks/06_calibration_decision_curves.ipynb")
    args = parser.parse_args(argv)
    print(f"before: {_load()}")
    with tempfile.TemporaryDirectory(prefix="mlhc-bench-book-") as tmp:
        root, out = Path(tmp) / "repo", Path(tmp) / "out"
        _copy_tracked_files(root)
        clean = _build(root, out)
        unchanged = _build(root, out)
        _edit_one_code_cell(root / args.lesson)
        one = _build(root, out)
    print(f"after:  {_load()}")
    _report("clean build", clean)
    _report("no-change rebuild", unchanged)
    _report("one-lesson edit", one)

    ratio = unchanged.seconds / clean.seconds
    fast = ratio <= NO_CHANGE_TARGET
    only_that = one.executed == [Path(args.lesson).name]
    print(
        f"{'PASS' if fast else 'FAIL'}: the no-change rebuild takes {ratio:.1%} of the clean build "
        f"(target <= {NO_CHANGE_TARGET:.0%})"
    )
    print(
        f"{'PASS' if only_that else 'FAIL'}: the one-lesson edit executed "
        f"{', '.join(one.executed) or 'nothing'} (target: {Path(args.lesson).name} only)"
    )
    return 0 if fast and only_that else 1


if __name__ == "__main__":
    sys.exit(main())
