"""``mlhc data ...``: build and verify the canonical synthetic datasets."""

from __future__ import annotations

from pathlib import Path

import click

_DIR_HELP = "Folder of the canonical files (default: the source checkout's datasets/)."


def _default_dir(datasets_dir: Path | None) -> Path:
    if datasets_dir is not None:
        return datasets_dir
    from ..datasets._base import canonical_dir

    try:
        return canonical_dir()
    except FileNotFoundError as exc:
        raise click.UsageError(f"{exc} Or pass --datasets-dir.") from exc


@click.group()
def data() -> None:
    """Build and verify the course's canonical synthetic datasets."""


@data.command()
@click.option(
    "--datasets-dir", type=click.Path(file_okay=False, path_type=Path), default=None, help=_DIR_HELP
)
@click.option("-q", "--quiet", is_flag=True, help="Print nothing on success.")
def build(datasets_dir: Path | None, quiet: bool) -> None:
    """Regenerate every canonical CSV, its datasheet and SHA256SUMS (deterministic: fixed seeds)."""
    from ..datasets._canonical import build_canonical

    folder = _default_dir(datasets_dir)
    for path in build_canonical(folder):
        if not quiet:
            click.echo(f"wrote {path}")


@data.command()
@click.option(
    "--datasets-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help=_DIR_HELP,
)
def verify(datasets_dir: Path | None) -> None:
    """Regenerate every canonical file in a temporary folder and compare checksums (modifies nothing).

    Exit status 0 if every file matches, 1 if any is missing or differs.
    """
    from ..datasets._canonical import verify_canonical

    folder = _default_dir(datasets_dir)
    checks = verify_canonical(folder)
    for check in checks:
        detail = ""
        if check.status == "MISMATCH":
            detail = f"  (expected sha256 {check.expected[:12]}..., found {check.found[:12]}...)"
        click.echo(f"{check.status:<8}  {folder / check.name}{detail}")
    bad = [c for c in checks if c.status != "OK"]
    if bad:
        names = ", ".join(c.name for c in bad)
        click.echo(
            f"\n{len(bad)} of {len(checks)} files differ from what the generators produce: {names}.\n"
            "If you changed a generator on purpose, run "
            f"`mlhc data build --datasets-dir {folder}` and commit "
            "the new files; otherwise restore them from git (`git checkout -- datasets/`).",
            err=True,
        )
        raise SystemExit(1)
    click.echo(f"All {len(checks)} canonical files match.")
