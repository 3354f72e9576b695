"""``mlhc data ...``: build and verify the canonical synthetic datasets."""

from __future__ import annotations

import click


@click.group()
def data() -> None:
    """Build and verify the course's canonical synthetic datasets."""
