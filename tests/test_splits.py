"""Tests for mlhc_course.splits."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import GroupShuffleSplit

from mlhc_course import splits
from mlhc_course.splits import Split, check_no_patient_overlap, patient_split, site_split, temporal_split


@pytest.fixture
def admissions() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n_patients = 200
    visits = rng.integers(1, 6, n_patients)
    pid = np.repeat([f"P{i:04d}" for i in range(n_patients)], visits)
    n = len(pid)
    return pd.DataFrame(
        {
            "patient_id": pid,
            "admitted": pd.Timestamp("2018-01-01") + pd.to_timedelta(rng.integers(0, 5 * 365, n), unit="D"),
            "year": 2018 + rng.integers(0, 5, n),
            "hospital": rng.choice(["North", "South", "East", "West"], n),
            "x": rng.normal(size=n),
        },
        index=pd.RangeIndex(100, 100 + n),
    )


def test_doctests():
    result = doctest.testmod(splits, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_patient_split_keeps_patients_whole_and_matches_group_shuffle_split(admissions):
    split = patient_split(admissions, patient_col="patient_id", test_size=0.25, random_state=3)
    assert isinstance(split, Split)
    train, test = split
    check_no_patient_overlap(train, test, "patient_id")
    assert len(train) + len(test) == len(admissions)
    assert test["patient_id"].nunique() == 50  # 25% of 200 patients
    # The same patients as sklearn's GroupShuffleSplit with the same seed.
    _, ref_test = next(
        GroupShuffleSplit(n_splits=1, test_size=0.25, random_state=3).split(
            admissions, groups=admissions["patient_id"].to_numpy()
        )
    )
    assert set(test["patient_id"]) == set(admissions["patient_id"].iloc[ref_test])
    # Original index and row order are kept.
    assert test.index.is_monotonic_increasing and set(test.index) <= set(admissions.index)


def test_patient_split_is_reproducible_and_accepts_int(admissions):
    a = patient_split(admissions, patient_col="patient_id", random_state=1)
    b = patient_split(admissions, patient_col="patient_id", random_state=1)
    pd.testing.assert_frame_equal(a.test, b.test)
    c = patient_split(admissions, patient_col="patient_id", test_size=10, random_state=1)
    assert c.test["patient_id"].nunique() == 10


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"patient_col": "pid"}, "not a column"),
        ({"patient_col": "patient_id", "test_size": 1.5}, "test_size"),
        ({"patient_col": "patient_id", "test_size": 0}, "test_size"),
        ({"patient_col": "patient_id", "test_size": 500}, "test_size"),
    ],
)
def test_patient_split_rejects_bad_input(admissions, kwargs, match):
    with pytest.raises(ValueError, match=match):
        patient_split(admissions, **kwargs)


def test_patient_split_rejects_missing_ids(admissions):
    frame = admissions.copy()
    frame.loc[frame.index[3], "patient_id"] = None
    with pytest.raises(ValueError, match="missing"):
        patient_split(frame, patient_col="patient_id")
    with pytest.raises(ValueError, match="DataFrame"):
        patient_split(frame.to_numpy(), patient_col="patient_id")


def test_temporal_split_datetime_and_numeric(admissions):
    train, test = temporal_split(admissions, time_col="admitted", cutoff="2021-01-01")
    assert train["admitted"].max() < pd.Timestamp("2021-01-01") <= test["admitted"].min()
    assert len(train) + len(test) == len(admissions)
    train_y, test_y = temporal_split(admissions, time_col="year", cutoff=2021)
    assert set(train_y["year"]) == {2018, 2019, 2020} and set(test_y["year"]) == {2021, 2022}


def test_temporal_split_errors(admissions):
    with pytest.raises(ValueError, match="test set empty"):
        temporal_split(admissions, time_col="admitted", cutoff="2030-01-01")
    with pytest.raises(ValueError, match="train set empty"):
        temporal_split(admissions, time_col="year", cutoff=1990)
    with pytest.raises(ValueError, match="not a date"):
        temporal_split(admissions, time_col="admitted", cutoff="soon")
    with pytest.raises(ValueError, match="must be a number"):
        temporal_split(admissions, time_col="year", cutoff="2021")
    with pytest.raises(ValueError, match="datetimes or numbers"):
        temporal_split(admissions, time_col="hospital", cutoff="B")


def test_site_split(admissions):
    train, test = site_split(admissions, site_col="hospital", test_sites=["East", "West"])
    assert set(test["hospital"]) == {"East", "West"}
    assert set(train["hospital"]) == {"North", "South"}
    _, test_one = site_split(admissions, site_col="hospital", test_sites="North")
    assert set(test_one["hospital"]) == {"North"}
    with pytest.raises(ValueError, match=r"\['Central'\] are not in column"):
        site_split(admissions, site_col="hospital", test_sites=["Central"])
    with pytest.raises(ValueError, match="no data are left"):
        site_split(admissions, site_col="hospital", test_sites=["North", "South", "East", "West"])
    with pytest.raises(ValueError, match="empty"):
        site_split(admissions, site_col="hospital", test_sites=[])


def test_check_no_patient_overlap_names_the_ids(admissions):
    train, test = admissions.iloc[:400], admissions.iloc[390:]  # a row split: patients straddle it
    shared = sorted(set(train["patient_id"]) & set(test["patient_id"]))
    with pytest.raises(ValueError, match=f"^{len(shared)} patient ID") as info:
        check_no_patient_overlap(train, test, "patient_id")
    assert repr(shared[0]) in str(info.value)
    many_train = pd.DataFrame({"pid": range(20)})
    many_test = pd.DataFrame({"pid": range(10, 30)})
    with pytest.raises(ValueError, match=r"10 patient IDs appear .*: 10, 11, 12, 13, 14 and 5 more"):
        check_no_patient_overlap(many_train, many_test, "pid")
    assert check_no_patient_overlap(many_train.iloc[:5], many_test, "pid") is None
    with pytest.raises(ValueError, match="not a column of test"):
        check_no_patient_overlap(many_train, many_test.rename(columns={"pid": "id"}), "pid")
