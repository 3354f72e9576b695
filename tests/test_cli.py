"""The `mlhc` command line: entry point, version and help."""

from __future__ import annotations

import subprocess

from click.testing import CliRunner

from mlhc_course import __version__
from mlhc_course.cli import main

from conftest import VENV_BIN


def test_version_prints_package_and_dependency_versions():
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert f"mlhc-course {__version__}" in result.output
    assert "nbgrader" in result.output and "scikit-learn" in result.output


def test_help_lists_the_command_groups():
    result = CliRunner().invoke(main, ["-h"])
    assert result.exit_code == 0
    assert "data" in result.output and "assign" in result.output


def test_unknown_command_is_a_usage_error():
    result = CliRunner().invoke(main, ["no-such-command"])
    assert result.exit_code == 2
    assert "No such command" in result.output


def test_console_script_is_installed():
    proc = subprocess.run([str(VENV_BIN / "mlhc"), "--version"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"mlhc-course {__version__}")


def test_mlhc_assign_names_the_instructor_extra_when_nbgrader_is_missing(monkeypatch):
    import importlib.util

    from mlhc_course.cli import main

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "nbgrader" else real(name, *a)
    )
    result = CliRunner().invoke(main, ["assign", "export"])
    assert result.exit_code == 1
    assert "pip install 'mlhc-course[instructor]'" in result.output and "nbgrader" in result.output
