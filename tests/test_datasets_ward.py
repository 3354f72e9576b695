"""make_ward_vitals: long format, missed observations, drift before deterioration, the 24-hour target."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from mlhc_course.datasets import make_ward_vitals, news2_score

VITALS = ["resp_rate", "spo2", "on_oxygen", "sbp", "heart_rate", "consciousness", "temperature"]


@pytest.fixture(scope="module")
def ward():
    return make_ward_vitals(3000, hours=48, random_state=21)


def test_long_format_one_row_per_observation(ward):
    f = ward.frame
    assert not f.duplicated(["admission_id", "hour"]).any()
    assert f["hour"].between(0, 47).all()
    assert f["admission_id"].nunique() == 3000
    assert (f.groupby("admission_id")["age"].nunique() == 1).all()
    assert set(VITALS) <= set(ward.feature_names)
    assert ward.target_names == ["deterioration_within_24h"] and ward.true_risk is None
    assert list(f["consciousness"].cat.categories) == ["A", "C", "V", "P", "U"]
    assert f["resp_rate"].between(4, 60).all() and f["spo2"].between(60, 100).all()
    assert f["temperature"].dropna().between(33, 42).all()
    assert "NEWS2" in ward.DESCR


def test_missed_observations(ward):
    f = ward.frame
    stable = f[f.deteriorated == 0]
    observed = len(stable) / (stable["admission_id"].nunique() * 48)
    assert 0.88 < observed < 0.93  # missed_obs_rate=0.1, a little less in the unwell
    full = make_ward_vitals(200, hours=24, missed_obs_rate=0.0, deterioration_rate=0.0, random_state=1).frame
    assert len(full) == 200 * 24
    assert 0 < f["temperature"].isna().mean() < 0.06


def test_rows_stop_at_onset_and_the_target_is_the_next_24_hours(ward):
    f = ward.frame
    det = f[f.deteriorated == 1]
    assert (det["hour"] < det["onset_hour"]).all()
    expected = (f["onset_hour"] > f["hour"]) & (f["onset_hour"] <= f["hour"] + 24)
    assert (f["deterioration_within_24h"] == expected.astype(int)).all()
    assert f.loc[f.deteriorated == 0, "onset_hour"].isna().all()
    assert (f.loc[f.deteriorated == 0, "outcome"] == "none").all()
    assert set(f.loc[f.deteriorated == 1, "outcome"]) == {"icu_transfer", "death"}
    admissions = f.groupby("admission_id")["deteriorated"].first()
    assert admissions.mean() == pytest.approx(0.1, abs=0.02)


def test_vital_signs_drift_before_deterioration(ward):
    f = ward.frame.assign(news2=news2_score(ward.frame))
    det = f[f.deteriorated == 1]
    hours_before = det["onset_hour"] - det["hour"]
    near, far = det[hours_before <= 6], det[hours_before > 36]
    stable = f[f.deteriorated == 0]
    assert near["news2"].mean() > far["news2"].mean() + 3
    assert near["heart_rate"].mean() > stable["heart_rate"].mean() + 15
    assert near["resp_rate"].mean() > stable["resp_rate"].mean() + 4
    assert near["sbp"].mean() < stable["sbp"].mean() - 10
    assert near["on_oxygen"].mean() > stable["on_oxygen"].mean()
    assert (near["consciousness"] != "A").mean() > 5 * (stable["consciousness"] != "A").mean()


def test_news2_discriminates_but_is_not_perfect(ward):
    f = ward.frame.assign(news2=news2_score(ward.frame)).dropna(subset=["news2"])
    auc = roc_auc_score(f["deterioration_within_24h"], f["news2"])
    assert 0.72 < auc < 0.92  # published NEWS AUROCs for 24-h outcomes lie around here


def test_oxygen_once_started_continues_and_scale_2_is_prescribed_to_some(ward):
    f = ward.frame.sort_values(["admission_id", "hour"])
    stops = f.groupby("admission_id")["on_oxygen"].diff().fillna(0)
    assert (stops >= 0).all()
    scale2 = f.groupby("admission_id")["spo2_scale"].first()
    assert set(scale2) == {1, 2} and scale2.eq(2).mean() == pytest.approx(0.08, abs=0.02)
    assert f.loc[f.spo2_scale == 2, "spo2"].median() < f.loc[f.spo2_scale == 1, "spo2"].median()


def test_options_and_determinism():
    assert make_ward_vitals(100, hours=1, random_state=0).frame["hour"].eq(0).all()
    none = make_ward_vitals(300, deterioration_rate=0.0, random_state=0).frame
    assert none["deterioration_within_24h"].sum() == 0 and none["deteriorated"].sum() == 0
    a = make_ward_vitals(200, random_state=3).frame
    pd.testing.assert_frame_equal(a, make_ward_vitals(200, random_state=3).frame)
    X, y = make_ward_vitals(50, return_X_y=True, as_frame=False, random_state=3)
    assert isinstance(X, np.ndarray) and X.shape[1] == 11 and len(y) == len(X)
