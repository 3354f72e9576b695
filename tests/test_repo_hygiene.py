"""Generated artefacts are ignored by git, so `git status` stays clean after building and testing."""

from __future__ import annotations

import shutil
import subprocess

import pytest

GENERATED = [
    ".venv/bin/python",
    "_build/html/index.html",
    "course/release/ps0/ps0.ipynb",
    "course/submitted/alice/ps0/ps0.ipynb",
    "course/autograded/alice/ps0/ps0.ipynb",
    "course/feedback/alice/ps0/ps0.html",
    "course/gradebook.db",
    "gradebook.db",
    "mlhc_course/__pycache__/cli.cpython-311.pyc",
    ".pytest_cache/v/cache/lastfailed",
    "notebooks/.ipynb_checkpoints/01-checkpoint.ipynb",
]

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _git(repo_root, *args):
    return subprocess.run(["git", *args], cwd=repo_root, capture_output=True, text=True)


@pytest.mark.parametrize("path", GENERATED)
def test_generated_paths_are_ignored(repo_root, path):
    assert _git(repo_root, "check-ignore", "-q", "--no-index", path).returncode == 0, f"{path} is not ignored"


def test_no_generated_file_is_tracked(repo_root):
    tracked = _git(repo_root, "ls-files").stdout.splitlines()
    bad = [f for f in tracked if f.startswith(("_build/", "course/", ".venv/")) or f.endswith(".db")]
    assert not bad, f"generated files are tracked by git: {bad[:5]}"


@pytest.mark.parametrize("path", ["datasets/SHA256SUMS", "notebooks/assignments/ps0_test_accuracy/x.ipynb"])
def test_course_content_is_not_ignored(repo_root, path):
    assert _git(repo_root, "check-ignore", "-q", "--no-index", path).returncode == 1, f"{path} is ignored"
