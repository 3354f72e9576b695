"""Publishing: the GitHub Pages workflow and the Binder environment (they cannot run here, so check them)."""

from __future__ import annotations

import re

import yaml


def test_pages_workflow_parses_and_builds_with_the_readme_command(repo_root):
    workflow = yaml.safe_load((repo_root / ".github" / "workflows" / "book.yml").read_text())
    steps = [s for job in workflow["jobs"].values() for s in job["steps"]]
    commands = [s["run"] for s in steps if "run" in s]
    readme = (repo_root / "README.md").read_text()
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "make book" in re.findall(r"^make \w+", quick_start, flags=re.M), "README's build command changed"
    assert "make book" in commands, "the workflow must build with the README's command"
    uploads = [s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact")]
    assert uploads and uploads[0]["with"]["path"] == "_build/html"
    assert any(s.get("uses", "").startswith("actions/deploy-pages") for s in steps)


def test_binder_installs_the_course_library(repo_root):
    requirements = (repo_root / "binder" / "requirements.txt").read_text().split("\n")
    assert "-e ." in [line.strip() for line in requirements]


def test_one_repository_setting_feeds_every_link(repo_root):
    config = yaml.safe_load((repo_root / "_config.yml").read_text())
    url = config["repository"]["url"]
    assert url.startswith("https://") and not url.endswith("/")
    buttons = config["launch_buttons"]
    assert {"binderhub_url", "colab_url", "jupyterhub_url"} <= set(buttons)
    assert all(
        config["html"][b] for b in ("use_repository_button", "use_issues_button", "use_edit_page_button")
    )
    setup = (repo_root / "book" / "setup.md").read_text()
    assert "git clone {repo_url}.git" in setup and "<the course repository>" not in setup
