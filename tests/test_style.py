"""The code follows the house style: ruff's lint rules and formatter (configured in pyproject.toml)."""

from __future__ import annotations

import re
import subprocess

import pytest

from conftest import REPO_ROOT, VENV_BIN

# One list of files for this test and `make lint`: the Makefile's LINT_PATHS line.
_LINT_LINE = re.search(r"^LINT_PATHS := (.+)$", (REPO_ROOT / "Makefile").read_text(encoding="utf-8"), re.M)
PATHS = _LINT_LINE.group(1).split()


def test_make_lint_checks_the_files_this_test_checks():
    assert {"mlhc_course", "tests", "benchmarks", "nbgrader_config.py"} <= set(PATHS)
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    assert "ruff check $(LINT_PATHS)" in makefile and "ruff format --check $(LINT_PATHS)" in makefile


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
