"""The code follows the house style: ruff's lint rules (configured in pyproject.toml) pass."""

from __future__ import annotations

import subprocess

from conftest import VENV_BIN


def test_ruff_check_passes(repo_root):
    proc = subprocess.run(
        [str(VENV_BIN / "ruff"), "check", "--no-cache", "mlhc_course", "tests", "benchmarks", "nbgrader_config.py"],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, f"ruff found style problems (fix with `make lint`):\n{proc.stdout}{proc.stderr}"
