"""Shared pytest fixtures for the mlhc-course test suite."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import matplotlib
import pytest

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
