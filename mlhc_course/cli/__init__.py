"""The ``mlhc`` command line: ``mlhc <noun> <verb>`` (``mlhc data verify``, ``mlhc assign grade``).

Exit codes: 0 success, 1 a check failed, 2 a usage error (click's own convention).

Top-level imports are kept to a minimum so that ``mlhc --help`` is instant; each command imports
the library module it needs inside its body.
"""

from __future__ import annotations

import sys
from importlib import metadata

import click

from .._version import __version__

_REPORTED_DEPENDENCIES = (
    "numpy",
    "pandas",
    "scikit-learn",
    "matplotlib",
    "lifelines",
    "nbgrader",
    "jupyter-book",
)


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    click.echo(f"mlhc-course {__version__}")
    click.echo(f"Python {sys.version.split()[0]}")
    for dist in _REPORTED_DEPENDENCIES:
        try:
            version = metadata.version(dist)
        except metadata.PackageNotFoundError:
            version = "not installed"
        click.echo(f"  {dist} {version}")
    ctx.exit(0)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the course package version and its main dependencies, then exit.",
)
def main() -> None:
    """Machine Learning for Healthcare course: data, grading and tools for learners and instructors."""


def _register_groups() -> None:
    # Each command group lives in its own module (cli/data.py, cli/assign.py); they stay thin and
    # import the library inside their commands.
    from .assign import assign
    from .data import data

    main.add_command(data)
    main.add_command(assign)


_register_groups()


if __name__ == "__main__":  # pragma: no cover
    main()
