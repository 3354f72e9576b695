"""``mlhc assign ...``: the instructor pipeline (release, collect, grade, feedback, export, report)."""

from __future__ import annotations

import click


@click.group()
def assign() -> None:
    """Instructor pipeline: release, collect, grade, feedback, export and report (wraps nbgrader)."""
