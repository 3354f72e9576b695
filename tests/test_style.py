"""The code follows the house style: ruff's lint rules and formatter (configured in pyproject.toml)."""

from __future__ import annotations

import subprocess

import pytest

from conftest import VENV_BIN

PATHS = ["mlhc_course", "tests", "benchmarks", "nbgrader_config.py"]


@pytest.mark.parametrize(
    "command", [["check", "--no-cache"], ["format", "--check", "--no-cache"]], ids=["lint", "format"]
)
def test_ruff_passes(repo_root, command):
    proc = subprocess.run(
        [str(VENV_BIN / "ruff"), *command, *PATHS],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, (
        f"ruff found style problems (fix: .venv/bin/ruff check --fix . && .venv/bin/ruff format .):\n{proc.stdout}{proc.stderr}"
    )
