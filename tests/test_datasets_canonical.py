"""The canonical files: loaders, checksums, datasheets, byte-for-byte determinism."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from mlhc_course import datasets as ds
from mlhc_course.datasets._base import canonical_dir, read_checksums, sha256_bytes
from mlhc_course.datasets._canonical import CANONICAL_DATASETS, generate_files

LOADERS = {
    "primary_care_cohort": ds.load_primary_care_cohort,
    "ward_vitals": ds.load_ward_vitals,
    "clinical_notes": ds.load_clinical_notes,
}


@pytest.fixture(scope="module")
def datasets_dir(repo_root):
    return repo_root / "datasets"


def test_every_canonical_file_is_committed_small_and_listed(datasets_dir):
    sums = read_checksums(datasets_dir / "SHA256SUMS")
    assert set(CANONICAL_DATASETS) == set(LOADERS)
    for name in CANONICAL_DATASETS:
        for fname in (f"{name}.csv", f"{name}.md"):
            path = datasets_dir / fname
            assert path.stat().st_size < 5_000_000
            assert sums[fname] == sha256_bytes(path.read_bytes()), fname


@pytest.mark.parametrize("name", list(LOADERS))
def test_loaded_file_equals_the_generator_output(name):
    spec = CANONICAL_DATASETS[name]
    loaded = LOADERS[name]()
    generated = spec.generate()
    assert loaded.feature_names == generated.feature_names
    assert loaded.target_names == generated.target_names
    pd.testing.assert_frame_equal(loaded.frame, generated.frame, check_dtype=False, atol=5e-6, rtol=0)
    for col in loaded.frame.select_dtypes("category"):
        assert list(loaded.frame[col].cat.categories) == list(generated.frame[col].cat.categories), col
    assert loaded.DESCR.startswith("# ") and "## This file" in loaded.DESCR
    assert "not real patients" in loaded.DESCR
    assert str(spec.seed) in loaded.DESCR


def test_loaders_behave_like_scikit_learn():
    X, y = ds.load_primary_care_cohort(return_X_y=True)
    assert X.shape == (6000, 14) and y.name == "event_recorded"
    bunch = ds.load_primary_care_cohort(as_frame=False)
    assert bunch.frame is None and bunch.data.shape == (6000, 14) and bunch.true_risk.shape == (6000,)
    notes = ds.load_clinical_notes()
    assert notes.target.shape == (2000, 3) and notes.data.name == "text"
    assert ds.load_ward_vitals().frame["admission_id"].nunique() == 400


def test_generation_is_byte_identical_across_runs():
    first, second = generate_files(), generate_files()
    assert first.keys() == second.keys()
    for fname in first:
        assert first[fname] == second[fname], fname
    csv = first["primary_care_cohort.csv"].decode()
    assert "\r" not in csv and csv.endswith("\n")
    assert csv.splitlines()[0].startswith("patient_id,practice,baseline_year,age,sex,")


def test_corrupted_file_names_the_file_and_the_fix(datasets_dir, tmp_path):
    shutil.copytree(datasets_dir, tmp_path / "d")
    path = tmp_path / "d" / "ward_vitals.csv"
    path.write_bytes(path.read_bytes().replace(b",A,", b",V,", 1))
    with pytest.raises(ds.CorruptDatasetError) as info:
        ds.load_ward_vitals(data_dir=tmp_path / "d")
    assert str(path) in str(info.value) and "mlhc data build" in str(info.value)
    # the other files still load
    assert len(ds.load_clinical_notes(data_dir=tmp_path / "d").frame) == 2000


def test_missing_file_names_the_file_and_the_fix(datasets_dir, tmp_path):
    shutil.copytree(datasets_dir, tmp_path / "d")
    (tmp_path / "d" / "clinical_notes.csv").unlink()
    with pytest.raises(FileNotFoundError, match=r"clinical_notes\.csv is missing.*mlhc data build"):
        ds.load_clinical_notes(data_dir=tmp_path / "d")
    (tmp_path / "d" / "SHA256SUMS").unlink()
    with pytest.raises(FileNotFoundError, match=r"SHA256SUMS is missing"):
        ds.load_primary_care_cohort(data_dir=tmp_path / "d")


def test_datasheets_follow_datasheets_for_datasets(datasets_dir):
    for name in CANONICAL_DATASETS:
        text = (datasets_dir / f"{name}.md").read_text()
        for heading in ("## Motivation", "## Composition", "## Collection process", "## Uses",
                        "## Known limitations", "## Fields", "## References"):  # fmt: skip
            assert heading in text, (name, heading)
        assert "not real patients" in text.lower()
        frame = ds.__dict__[f"load_{name}"]().frame
        for col in frame.columns:
            assert f"| `{col}` |" in text, (name, col)


def test_csv_floats_have_the_documented_decimals():
    files = generate_files()
    header, first = files["primary_care_cohort.csv"].decode().splitlines()[:2]
    row = dict(zip(header.split(","), first.split(","), strict=True))
    assert len(row["total_chol"].split(".")[1]) == 1
    assert len(row["hdl_chol"].split(".")[1]) == 2
    assert len(row["true_risk"].split(".")[1]) == 6
    assert "." not in row["sbp"]
    assert np.isclose(float(row["true_risk"]), ds.load_primary_care_cohort().frame["true_risk"].iloc[0])


def test_canonical_dir_in_a_source_checkout(repo_root):
    assert canonical_dir() == repo_root / "datasets"


def test_canonical_dir_prefers_the_copy_inside_an_installed_package(monkeypatch, tmp_path):
    from mlhc_course.datasets import _base

    package = tmp_path / "site-packages" / "mlhc_course"
    (package / "_datasets").mkdir(parents=True)
    monkeypatch.setattr(_base.resources, "files", lambda name: package)
    assert _base.canonical_dir() == package / "_datasets"


def test_wheels_carry_the_canonical_files_where_the_loaders_look(repo_root):
    """pyproject's force-include must put datasets/ at mlhc_course/_datasets, as canonical_dir expects."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10: pytest's own dependency tomli reads TOML there
        tomllib = pytest.importorskip("tomli")

    config = tomllib.loads((repo_root / "pyproject.toml").read_text())
    force_include = config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert force_include["datasets"] == "mlhc_course/_datasets"
