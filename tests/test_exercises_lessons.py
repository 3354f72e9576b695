"""Lesson self-checks: each expected value is recomputed here from the lesson's own seeded data.

Every helper repeats the lesson's computation step by step (same seed, same parameters), so that a change
to a dataset generator or a metric that moves a lesson's answer fails here rather than silently marking
learners wrong.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlhc_course import datasets, exercises, metrics

# --------------------------------------------------------------------------------------------------
# Lesson 4 (notebooks/04_early_warning_alarm_burden.ipynb)
# --------------------------------------------------------------------------------------------------
L04_SEED = 2026
L04_WARD_BEDS = 28
L04_MIN_WARNING_H = 4
L04_WINDOW_H = 72


def _l04_ward(deterioration_rate: float = 0.1):
    """The lesson's ward: observation sets with a complete NEWS2, and one row per admission."""
    vitals = datasets.make_ward_vitals(
        2_000, hours=L04_WINDOW_H, deterioration_rate=deterioration_rate, random_state=L04_SEED
    ).frame
    admissions = vitals.groupby("admission_id").agg(
        deteriorated=("deteriorated", "first"), onset_hour=("onset_hour", "first")
    )
    admissions["hours_on_ward"] = admissions["onset_hour"].clip(upper=L04_WINDOW_H).fillna(L04_WINDOW_H)
    vitals["news2"] = datasets.news2_score(vitals)
    return vitals.dropna(subset=["news2"]), admissions


def _l04_admission_level(obs: pd.DataFrame, admissions: pd.DataFrame) -> pd.DataFrame:
    """Highest NEWS2 4-24 h before the onset (deteriorations in the window) or over the stay (others)."""
    hours_to_onset = obs["onset_hour"] - obs["hour"]
    counts = (obs["deteriorated"] == 0) | hours_to_onset.between(L04_MIN_WARNING_H, 24)
    fate_observed = admissions.index[~(admissions["onset_hour"] >= L04_WINDOW_H)]
    return (
        obs[counts]
        .groupby("admission_id")["news2"]
        .max()
        .reindex(fate_observed, fill_value=-1)
        .to_frame("max_news2")
        .join(admissions["deteriorated"])
    )


def _l04_alerts_per_ward_day(obs: pd.DataFrame, admissions: pd.DataFrame, threshold: int) -> float:
    flagged = obs["news2"] >= threshold
    new = flagged & ~flagged.groupby(obs["admission_id"]).shift(fill_value=False)
    return float(new.sum() / (admissions["hours_on_ward"].sum() / 24) * L04_WARD_BEDS)


@pytest.fixture(scope="module")
def l04_ward():
    return _l04_ward()


def test_l04_ex1_lowest_threshold_within_four_alerts_a_day(l04_ward):
    obs, admissions = l04_ward
    per_day = {t: _l04_alerts_per_ward_day(obs, admissions, t) for t in range(3, 10)}
    # the burden falls as the threshold rises, and 7 is the first threshold at or under 4 a day
    assert all(per_day[t] > per_day[t + 1] for t in range(3, 9))
    assert per_day[6] > 4 >= per_day[7]
    assert per_day[5] == pytest.approx(8.44, abs=0.01)  # the figure quoted in the lesson's output
    assert exercises.check("l04_ex1_threshold_for_budget", 7).passed is True
    assert exercises.check("l04_ex1_threshold_for_budget", 7.0).passed is True
    wrong = exercises.check("l04_ex1_threshold_for_budget", 6)
    assert wrong.passed is False and "4.8" in wrong.hint


def test_l04_ex2_admission_level_nne_on_the_low_acuity_ward():
    obs, admissions = _l04_ward(deterioration_rate=0.02)
    per_admission = _l04_admission_level(obs, admissions)
    row = metrics.threshold_table(per_admission["deteriorated"], per_admission["max_news2"], [5]).iloc[0]
    assert row["NNE"] == pytest.approx(1 / row["PPV"])
    assert exercises.check("l04_ex2_nne_low_acuity_ward", float(row["NNE"])).passed is True
    # the observation-level NNE on the same ward is the mistake the hint names
    y, score = obs["deterioration_within_24h"], obs["news2"]
    nne_obs = float(metrics.threshold_table(y, score, [5]).iloc[0]["NNE"])
    result = exercises.check("l04_ex2_nne_low_acuity_ward", round(nne_obs, 2))
    assert result.passed is False and "observation" in result.hint


def test_l04_admission_level_nne_on_the_lesson_ward(l04_ward):
    """The lesson's admission-level table at NEWS2 >= 5, which exercise 2 asks learners to compare with."""
    obs, admissions = l04_ward
    per_admission = _l04_admission_level(obs, admissions)
    assert len(per_admission) == 1949 and int(per_admission["deteriorated"].sum()) == 150
    row = metrics.threshold_table(per_admission["deteriorated"], per_admission["max_news2"], [5]).iloc[0]
    assert (row["TP"], row["FP"], row["FN"]) == (147, 553, 3)
    assert np.isclose(row["NNE"], 700 / 147)
