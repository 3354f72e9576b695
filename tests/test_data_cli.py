"""`mlhc data build` and `mlhc data verify` (click CliRunner; never touch the committed files)."""

from __future__ import annotations

import hashlib
import shutil

import pytest
from click.testing import CliRunner

from mlhc_course.cli import main


@pytest.fixture
def runner():
    return CliRunner()


def _hashes(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_verify_passes_on_the_committed_files_and_modifies_nothing(runner, repo_root):
    folder = repo_root / "datasets"
    before = _hashes(folder)
    result = runner.invoke(main, ["data", "verify", "--datasets-dir", str(folder)])
    assert result.exit_code == 0, result.output
    assert result.output.count("OK ") == 19
    assert "All 19 canonical files match." in result.output
    assert _hashes(folder) == before


def test_verify_fails_on_a_tampered_copy_and_names_the_file(runner, repo_root, tmp_path):
    copy = tmp_path / "datasets"
    shutil.copytree(repo_root / "datasets", copy)
    target = copy / "primary_care_cohort.csv"
    target.write_bytes(target.read_bytes() + b"1,P01,2010\n")
    (copy / "clinical_notes.md").unlink()
    before = _hashes(copy)
    result = runner.invoke(main, ["data", "verify", "--datasets-dir", str(copy)])
    assert result.exit_code == 1
    assert f"MISMATCH  {target}" in result.output
    assert f"MISSING   {copy / 'clinical_notes.md'}" in result.output
    assert f"OK        {copy / 'ward_vitals.csv'}" in result.output
    assert "mlhc data build" in result.output
    assert _hashes(copy) == before  # verify never writes


def test_build_writes_files_that_verify(runner, tmp_path):
    out = tmp_path / "fresh"
    result = runner.invoke(main, ["data", "build", "--datasets-dir", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["SHA256SUMS", *(f"{n}.{e}" for n in ("primary_care_cohort", "ward_vitals", "clinical_notes")
                         for e in ("csv", "md")),
         "ehr.md", "ehr_truth.csv", "ehr_duplicates.csv",
         *(f"ehr_{t}.csv" for t in ("person", "care_site", "observation_period", "visit_occurrence",
                                    "condition_occurrence", "measurement", "drug_exposure", "death", "observation"))]
    )  # fmt: skip
    assert runner.invoke(main, ["data", "verify", "--datasets-dir", str(out)]).exit_code == 0
    assert runner.invoke(main, ["data", "build", "--quiet", "--datasets-dir", str(out)]).output == ""


def test_usage_errors_exit_2(runner, tmp_path):
    assert runner.invoke(main, ["data", "verify", "--datasets-dir", str(tmp_path / "nope")]).exit_code == 2
    assert runner.invoke(main, ["data", "verify", "--bogus"]).exit_code == 2


def test_help_is_fast_and_lists_the_commands(runner):
    result = runner.invoke(main, ["data", "--help"])
    assert result.exit_code == 0 and "build" in result.output and "verify" in result.output
