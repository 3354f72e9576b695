"""A lesson read where learners read it: in JupyterLab, in a real browser.

The lessons' exercises and solutions are MyST directives. The learner install includes
jupyterlab-myst, so JupyterLab draws them as numbered boxes with collapsible solutions, as the
website does, instead of showing raw ```` ```{exercise} ```` fences. This test starts the
learner's JupyterLab on 127.0.0.1, opens a lesson in Debian's Chromium and checks exactly that.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request

import pytest
from test_site_browser import CHROMIUM, CHROMIUM_ARGS, _require_browser

from conftest import VENV_BIN

pytestmark = pytest.mark.slow

LESSON = "14_medical_imaging.ipynb"  # has exercises and dropdown solutions
TOKEN = "mlhc-test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def jupyterlab(repo_root, tmp_path_factory):
    """JupyterLab from the course venv, serving a copy of one lesson."""
    root = tmp_path_factory.mktemp("lab")
    shutil.copy(repo_root / "notebooks" / LESSON, root / LESSON)
    port = _free_port()
    home = tmp_path_factory.mktemp("home")
    proc = subprocess.Popen(
        [
            str(VENV_BIN / "jupyter-lab"),
            "--no-browser",
            f"--port={port}",
            "--ServerApp.ip=127.0.0.1",
            f"--IdentityProvider.token={TOKEN}",
            "--allow-root",
            f"--ServerApp.root_dir={root}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={
            "PATH": f"{VENV_BIN}:/usr/bin:/bin",
            "HOME": str(home),
            "JUPYTER_CONFIG_DIR": str(home / ".jupyter"),
        },
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # generous: the CI machine is shared
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=5)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("JupyterLab did not start")
                time.sleep(1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_exercises_and_solutions_render_as_boxes_in_jupyterlab(jupyterlab):
    sync_api = _require_browser()
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.set_default_timeout(120_000)
        page.goto(f"{jupyterlab}/lab/tree/{LESSON}?token={TOKEN}")
        page.wait_for_selector(".jp-Notebook .jp-MarkdownCell")
        # JupyterLab renders only the cells near the viewport: go to the last cell (the exercises)
        page.wait_for_selector(".jp-Notebook .jp-Cell .jp-InputPrompt")
        page.wait_for_timeout(3_000)  # let the notebook panel settle before taking keyboard input
        page.locator(".jp-Notebook .jp-Cell .jp-InputPrompt").first.click()
        page.keyboard.press("Escape")
        page.keyboard.press("End")
        page.wait_for_function(
            "() => [...document.querySelectorAll('.jp-MarkdownCell aside.myst-exercise .myst-exercise-header')]"
            ".some(h => h.innerText.trim().startsWith('Exercise 1'))"
        )
        solutions = page.locator(".jp-MarkdownCell details.myst-exercise")
        assert solutions.count() >= 1, "solutions are not collapsible boxes"
        assert not solutions.first.evaluate("d => d.open"), "a solution is open before the learner asks"
        raw = page.evaluate(
            "() => [...document.querySelectorAll('.jp-MarkdownCell .jp-RenderedMarkdown')]"
            ".filter(c => c.innerText.includes('{exercise}') || c.innerText.includes('{solution')).length"
        )
        assert raw == 0, "raw MyST fences are shown instead of exercise boxes"
        browser.close()
