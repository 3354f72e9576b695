"""Shared pytest fixtures for the mlhc-course test suite."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import matplotlib
import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
# absolute but not resolved: resolving the venv's python symlink would leave the venv
PYTHON = os.path.abspath(sys.executable)
VENV_BIN = Path(PYTHON).parent

# Figures render headless in the test process. (Not via MPLBACKEND: kernels started by the tests
# inherit the environment, and a kernel with MPLBACKEND=Agg shows no inline figures.)
matplotlib.use("Agg")
# nbgrader's Gradebook runs the `alembic` executable by name, and nbgrader/jupyter-book start kernels
# and helper commands by name: the environment's bin/ must be on PATH even when called from Python.
if str(VENV_BIN) not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = str(VENV_BIN) + os.pathsep + os.environ.get("PATH", "")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root (where pyproject.toml, _config.yml and nbgrader_config.py live)."""
    return REPO_ROOT


@pytest.fixture
def pyplot():
    """Give a test matplotlib's pyplot with the Agg backend, and close every figure afterwards."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


def toc_files(repo_root: Path) -> list[str]:
    """The book's pages in reading order: the root, then every chapter of every part of ``_toc.yml``."""
    toc = yaml.safe_load((repo_root / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [ch["file"] for ch in part.get("chapters", [])]
    return files


def build_book(repo_root: Path, out: Path) -> subprocess.CompletedProcess:
    """Run ``jupyter-book build`` as ``make book`` does (warnings are errors), output under ``out``."""
    return subprocess.run(
        [
            str(VENV_BIN / "jupyter-book"),
            "build",
            str(repo_root),
            "--path-output",
            str(out),
            "--warningiserror",
            "--nitpick",
            "--keep-going",
        ],
        capture_output=True,
        text=True,
        timeout=1800,
        env={k: v for k, v in os.environ.items() if k != "MPLBACKEND"},  # kernels must draw inline figures
    )


@pytest.fixture(scope="session")
def built_site(repo_root: Path, tmp_path_factory) -> Path:
    """The course website, built once per test session exactly as ``make book`` builds it.

    ``MLHC_TEST_BUILT_SITE=<path to an html folder>`` reuses a finished build (for working on the
    site tests); CI never sets it.
    """
    reuse = os.environ.get("MLHC_TEST_BUILT_SITE")
    if reuse:
        return Path(reuse)
    out = tmp_path_factory.mktemp("book")
    proc = build_book(repo_root, out)
    log = proc.stdout[-8000:] + proc.stderr[-8000:]
    assert proc.returncode == 0, f"the book build failed (warnings are errors):\n{log}"
    return out / "_build" / "html"
