"""Lesson 03 (notebooks/03_first_risk_model.ipynb): every number its prose states, and its self-checks.

The lesson's tagged code cells are executed here (figures closed, not shown), so the test checks what the
learner runs; the expected self-check values and the prose's claims are recomputed from that namespace.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pytest

from mlhc_course import exercises, metrics, modelling

from lesson_runner import read_lesson, run_cells, solution_block

matplotlib.use("Agg")

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "03_first_risk_model.ipynb"


@pytest.fixture(scope="module")
def nb():
    return read_lesson(NOTEBOOK.name)


@pytest.fixture(scope="module")
def lesson(nb):
    """The namespace after running every tagged cell of the lesson, in order."""
    return run_cells(
        nb, lambda cell: any(t.startswith("l03-") for t in cell.metadata.get("tags", [])), label="<lesson 03>"
    )


def _solution_code(nb, label: str) -> str:
    return solution_block(nb, label)


# ---------------------------------------------------------------- the cohort and the model


def test_cohort_numbers(lesson):
    frame, complete, train, test = lesson["frame"], lesson["complete"], lesson["train"], lesson["test"]
    assert len(lesson["cohort"].frame) == 10_000
    missing = frame[["total_chol", "hdl_chol", "egfr", "hba1c"]].isna().mean()
    assert missing.between(0.08, 0.12).all()  # "each missing for about 10% of patients"
    assert frame["event_recorded"].mean() < 0.10  # "a 10-year risk under 10%"
    assert (len(train), int(train["event_recorded"].sum())) == (5026, 356)
    assert int(test["event_recorded"].sum()) < 200  # "under two hundred events in the test set"
    assert len(complete) < len(frame)
    everyone = lesson["cohort"].frame
    assert frame["diabetes"].mean() < everyone["diabetes"].mean()  # many with diabetes take a statin
    events = frame.groupby("event_recorded")[["age", "sbp"]].mean()
    assert (events.loc[1] > events.loc[0]).all()  # "older and higher blood pressure"


def test_odds_ratio_table_is_per_unit_and_matches_the_coefficients(lesson):
    table, model = lesson["odds_ratios"], lesson["model"]
    assert table.loc["sbp", "per"] == 10 and table.loc["smoker", "per"] == 1
    np.testing.assert_allclose(table["coef"], model.coef_[0])
    assert table.loc["sbp", "odds_ratio"] == pytest.approx(np.exp(10 * model.coef_[0][4]))


def test_crude_two_by_two_and_the_smoking_claims(lesson):
    assert abs(lesson["crude_or"] - lesson["crude_rr"]) < 0.1  # "close" when the outcome is rare
    assert lesson["crude_or"] > lesson["crude_rr"] > 1
    train = lesson["train"]
    ages = train.groupby("smoker")["age"].mean()
    assert ages.loc[1] < ages.loc[0]  # "smokers here are younger on average"
    assert lesson["smoking_or"] > lesson["crude_or"]  # adjusted OR differs from the crude one
    implied = modelling.risk_ratio_from_odds_ratio(lesson["smoking_or"], [0.01, 0.5])
    assert (
        implied[0] == pytest.approx(lesson["smoking_or"], rel=0.02)
        and implied[1] < lesson["smoking_or"] - 0.5
    )


def test_performance_claims(lesson):
    y, p, p_true = lesson["y_test"], lesson["p_linear"], lesson["p_true"]
    model_auc, true_auc = metrics.roc_auc_ci(y, p), metrics.roc_auc_ci(y, p_true)
    assert model_auc.estimate < true_auc.estimate and model_auc.ci_upper > true_auc.ci_lower  # overlap
    assert metrics.calibration_summary(y, p).slope > 1  # "a little too moderate"
    assert abs(metrics.calibration_summary(y, p_true).slope - 1) > 0.05  # "not exactly 1"


def test_spline_and_reference_man_claims(lesson):
    assert lesson["n_parameters"] == {"linear": 8, "splines": 16}
    ref, truth = lesson["reference"], lesson["true_curve"]
    linear = lesson["model"].predict_proba(ref)[:, 1]
    spline = lesson["spline_model"].predict_proba(ref)[:, 1]
    for age in (40, 45):  # "up to the mid-40s both models follow the truth"
        assert (
            abs(linear[age - 30] - truth[age - 30]) < 0.006
            and abs(spline[age - 30] - truth[age - 30]) < 0.006
        )
    for age in (75, 79):  # "above, both underestimate"
        assert linear[age - 30] < truth[age - 30] - 0.04 and spline[age - 30] < truth[age - 30] - 0.04
    assert spline[79 - 30] - spline[75 - 30] < linear[79 - 30] - linear[75 - 30]  # the spline flattens


def test_patient_by_patient_claims(lesson):
    p, p_true, differs = lesson["p_linear"], lesson["p_true"], lesson["decision_differs"]
    high = p_true > 0.20
    assert np.median(p[high] - p_true[high]) < 0  # "falls below the diagonal at the highest risks"
    assert np.abs(p_true[differs] - 0.10).max() < 0.06  # the differing decisions are near 10%
    spline_differs = (lesson["p_spline"] >= 0.1) != (p_true >= 0.1)
    assert spline_differs.mean() < differs.mean()  # "slightly fewer" with splines


def test_fitted_coefficients_against_the_truth(lesson):
    table, men = lesson["versus_truth"], lesson["men"]
    assert (table["difference in SEs"].abs() < 2).all()  # "every one within two standard errors"
    further = np.abs(table["coef"]) > np.abs(table["true (log HR)"])
    assert further.sum() >= 4  # "most are a little further from zero"
    assert (np.abs(table["fitted to true risks"]) > np.abs(table["true (log HR)"])).all()
    assert 0.08 < men["event_recorded"].mean() < 0.12  # "a 10-year risk around 10% in these men"


# ---------------------------------------------------------------- self-checks


def test_ex1_or_sbp_per_10(nb, lesson):
    answer = lesson["odds_ratios"].loc["sbp", "odds_ratio"]
    assert exercises.check("l03_ex1_or_sbp_per_10", answer).passed is True
    per_mmhg = np.exp(lesson["odds_ratios"].loc["sbp", "coef"])
    assert "per 1 mmHg" in exercises.check("l03_ex1_or_sbp_per_10", per_mmhg).hint
    assert "log odds" in exercises.check("l03_ex1_or_sbp_per_10", 10 * np.log(per_mmhg)).hint
    assert exercises.check("l03_ex1_or_sbp_per_10", "1.17").passed is False
    exec(_solution_code(nb, "l03_ex1_or_sbp_per_10"), dict(lesson))


def test_ex2_rr_at_30_percent(nb, lesson):
    answer = modelling.risk_ratio_from_odds_ratio(lesson["smoking_or"], 0.30)
    assert exercises.check("l03_ex2_rr_at_30_percent", answer).passed is True
    assert "odds ratio itself" in exercises.check("l03_ex2_rr_at_30_percent", lesson["smoking_or"]).hint
    assert "crude" in exercises.check("l03_ex2_rr_at_30_percent", lesson["crude_rr"]).hint
    assert exercises.check("l03_ex2_rr_at_30_percent", [answer]).passed is False
    exec(_solution_code(nb, "l03_ex2_rr_at_30_percent"), dict(lesson))


def test_ex3_epp_splines(nb, lesson):
    events = lesson["y_train"].sum()
    answer = events / lesson["spline_model"][-1].coef_.size
    assert exercises.check("l03_ex3_epp_splines", answer).passed is True
    assert "linear model" in exercises.check("l03_ex3_epp_splines", events / 8).hint
    assert "patients" in exercises.check("l03_ex3_epp_splines", len(lesson["train"]) / 16).hint
    assert exercises.check("l03_ex3_epp_splines", None).passed is None
    assert exercises.check("l03_ex3_epp_splines", "22").passed is False
    exec(_solution_code(nb, "l03_ex3_epp_splines"), dict(lesson))


def test_ex4_decisions_differ(nb, lesson):
    threshold, p_true = lesson["THRESHOLD"], lesson["p_true"]
    answer = ((lesson["p_spline"] >= threshold) != (p_true >= threshold)).mean()
    assert answer == pytest.approx(0.0515, abs=0.0002)  # the value noted next to the question
    assert exercises.check("l03_ex4_decisions_differ", answer).passed is True
    assert "AGREE" in exercises.check("l03_ex4_decisions_differ", 1 - answer).hint
    assert (
        "linear model" in exercises.check("l03_ex4_decisions_differ", lesson["decision_differs"].mean()).hint
    )
    assert "percentage" in exercises.check("l03_ex4_decisions_differ", 100 * answer).hint
    assert exercises.check("l03_ex4_decisions_differ", {"p": answer}).passed is False
    exec(_solution_code(nb, "l03_ex4_decisions_differ"), dict(lesson))


def test_ex5_more_data_closes_the_gap_at_older_ages(nb, lesson):
    """The prose blames estimation error, not the straight line: more data brings the curve to the truth."""
    ns = dict(lesson)
    exec(_solution_code(nb, "l03_ex5_more_data"), ns)
    assert len(ns["big"]) == 4 * len(lesson["cohort"].frame)  # "a cohort four times larger"
    for age in (75, 79):
        assert abs(ns["p_more"][age - 30] - lesson["true_curve"][age - 30]) < 0.02
    assert abs(ns["p_more"][75 - 30] - lesson["true_curve"][75 - 30]) < 0.012  # "about a percentage point"
    assert lesson["y_train"].sum() == 356  # "356 events"
