"""The course website builds with no warnings, and publishes no solution or hidden-test text."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import VENV_BIN
from notebook_sources import assignment_sources, find_leaks, secret_lines

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built_site(repo_root: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("book")
    proc = subprocess.run(
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
    log = proc.stdout[-8000:] + proc.stderr[-8000:]
    assert proc.returncode == 0, f"the book build failed (warnings are errors):\n{log}"
    return out / "_build" / "html"


def _toc_files(repo_root: Path) -> list[str]:
    toc = yaml.safe_load((repo_root / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [ch["file"] for ch in part.get("chapters", [])]
    return files


def test_every_toc_page_is_built(built_site, repo_root):
    for page in _toc_files(repo_root):
        assert (built_site / f"{page}.html").is_file(), f"{page} is in _toc.yml but was not built"
    assert (built_site / "index.html").is_file()


def test_lesson_pages_were_executed(built_site):
    html = (built_site / "notebooks" / "01_test_accuracy.html").read_text(encoding="utf-8")
    assert "<img" in html, "the lesson's figures are missing: was the notebook executed?"
    assert "sensitivity" in html


def test_site_publishes_no_solutions_or_hidden_tests(built_site):
    secrets: set[str] = set()
    for source in assignment_sources():
        secrets |= secret_lines(source)
    assert secrets, "the source assignments should contain solution text to look for"
    leaks = {}
    for path in built_site.rglob("*"):
        if path.is_file() and path.suffix in {".html", ".ipynb", ".md", ".txt", ".js", ".json", ".py"}:
            # every file is searched for solution lines; notebook pages also for nbgrader's delimiters
            # (prose pages such as the instructor guide may name them)
            is_notebook = path.suffix == ".ipynb" or "notebooks" in path.relative_to(built_site).parts
            found = find_leaks(
                path.read_text(encoding="utf-8", errors="replace"), secrets, markers=is_notebook
            )
            if found:
                leaks[str(path.relative_to(built_site))] = found[:3]
    assert not leaks, f"the built site leaks solution or hidden-test text: {leaks}"


def test_assignment_sources_are_never_in_the_toc(repo_root):
    assert not [f for f in _toc_files(repo_root) if f.startswith("notebooks/assignments")]
