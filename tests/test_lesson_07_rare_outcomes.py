"""Lesson 7 (notebooks/07_rare_outcomes.ipynb): every number the lesson states or checks.

The helpers repeat the lesson's computation step by step (same seeds, cohort, horizon and pipelines), so a
change to the primary-care generator, imbalanced-learn or scikit-learn that moves a claim fails here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from imblearn.over_sampling import SMOTE, RandomOverSampler
from imblearn.pipeline import make_pipeline
from imblearn.under_sampling import RandomUnderSampler
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.preprocessing import StandardScaler

from mlhc_course import datasets, exercises, metrics

SEED = 2026
HORIZON = 5
THRESHOLD = 0.04
PREDICTORS = ["age", "sex", "smoker", "diabetes", "total_chol", "hdl_chol",
              "sbp", "bp_treated", "bmi", "egfr", "hba1c"]  # fmt: skip
RESAMPLED = ["class weights", "random oversampling", "random undersampling", "SMOTE"]


def _cohort(n, seed):
    frame = datasets.make_primary_care_cohort(n, random_state=seed).frame
    frame = frame[frame["statin"] == 0].copy()
    frame["sex"] = (frame["sex"] == "male").astype(int)
    event = frame["event_observed"] == 1
    lost_early = ~event & (frame["time_to_event_years"] < HORIZON)
    kept = frame[~lost_early].copy()
    kept["event_5y"] = (event & (kept["time_to_event_years"] <= HORIZON)).astype(int)
    kept["true_risk_5y"] = 1 - (1 - kept["true_risk"]) ** ((HORIZON / 10) ** datasets.WEIBULL_SHAPE)
    return kept, lost_early.mean()


def _logistic(**options):
    return LogisticRegression(max_iter=1000, **options)


@pytest.fixture(scope="module")
def lesson():
    dev, _ = _cohort(20000, SEED)
    val, lost_share = _cohort(40000, SEED + 1)
    X_dev, y_dev, X_val, y_val = dev[PREDICTORS], dev["event_5y"], val[PREDICTORS], val["event_5y"]
    models = {
        "standard": make_pipeline(StandardScaler(), _logistic()),
        "class weights": make_pipeline(StandardScaler(), _logistic(class_weight="balanced")),
        "random oversampling": make_pipeline(
            StandardScaler(), RandomOverSampler(random_state=SEED), _logistic()
        ),
        "random undersampling": make_pipeline(
            StandardScaler(), RandomUnderSampler(random_state=SEED), _logistic()
        ),
        "SMOTE": make_pipeline(StandardScaler(), SMOTE(random_state=SEED), _logistic()),
    }
    risks = {name: m.fit(X_dev, y_dev).predict_proba(X_val)[:, 1] for name, m in models.items()}
    risks["true 5-year risk"] = val["true_risk_5y"].to_numpy()
    return dict(dev=dev, val=val, lost_share=lost_share, X_dev=X_dev, y_dev=y_dev, X_val=X_val, y_val=y_val,
                models=models, risks=risks)  # fmt: skip


def test_the_outcome_is_rare_and_the_truth_agrees(lesson):
    dev, val = lesson["dev"], lesson["val"]
    for frame in (dev, val):
        assert 0.03 < frame["event_5y"].mean() < 0.04  # "about 3.5 patients in 100"
        assert abs(frame["event_5y"].mean() - frame["true_risk_5y"].mean()) < 0.003  # "agree"
    non_events_per_event = (1 - val["event_5y"].mean()) / val["event_5y"].mean()
    assert 26 < non_events_per_event < 28.5  # "about 27"
    dev_ratio = (1 - dev["event_5y"].mean()) / dev["event_5y"].mean()
    assert 25.5 < dev_ratio < 27  # the class weight: "about 26 times more"
    assert 0.11 < lesson["lost_share"] < 0.17  # "about one patient in seven is lost within 5 years"
    oe_truth = metrics.calibration_summary(
        lesson["y_val"], lesson["risks"]["true 5-year risk"]
    ).observed_expected
    assert 1.0 < oe_truth < 1.06  # "their O/E is a little above 1"


def test_accuracy_paradox(lesson):
    y_val, standard = lesson["y_val"], lesson["models"]["standard"]
    accuracy_nobody = (y_val == 0).mean()
    assert accuracy_nobody > 0.96  # "over 96% accurate"
    assert standard.predict(lesson["X_val"]).sum() == 0  # "they invite nobody"
    assert lesson["risks"]["standard"].max() < 0.5 and lesson["risks"]["true 5-year risk"].max() < 0.5


def test_pr_summary(lesson):
    y, p = lesson["y_val"], lesson["risks"]["standard"]
    auc = metrics.roc_auc_ci(y, p).estimate
    ap = average_precision_score(y, p)
    assert 0.72 < auc < 0.78 and 0.08 < ap < 0.13  # "around 0.75", "about 0.1"
    assert average_precision_score(y, lesson["risks"]["true 5-year risk"]) - ap < 0.01  # "barely better"


def test_resampling_keeps_discrimination_and_wrecks_calibration(lesson):
    """Issue 14: resampling moves O/E away from 1 by a stated margin (below 0.1, from about 1)."""
    y, risks = lesson["y_val"], lesson["risks"]
    auc_standard = metrics.roc_auc_ci(y, risks["standard"]).estimate
    standard = metrics.calibration_summary(y, risks["standard"])
    assert 0.9 < standard.observed_expected < 1.1 and 0.9 < standard.slope < 1.1
    for name in RESAMPLED:
        p = risks[name]
        assert abs(metrics.roc_auc_ci(y, p).estimate - auc_standard) < 0.01  # "within a hair"
        assert 0.35 < p.mean() < 0.45  # "an average 5-year risk around 40%"
        cal = metrics.calibration_summary(y, p)
        assert cal.observed_expected < 0.1  # "O/E ... below 0.1"
        assert abs(1 - cal.observed_expected) > 0.85  # the stated margin: at least 0.85 away from 1
        assert 0.9 < cal.slope < 1.1  # "the calibration slope stays near 1 here"
        ratio = p.mean() / risks["true 5-year risk"].mean()
        assert 10 < ratio < 15  # "more than tenfold on average"
    assert metrics.roc_auc_ci(y, risks["random undersampling"]).estimate < auc_standard  # "slightly worse"


def test_smote_tells_a_two_percent_patient_about_one_in_three(lesson):
    true_risk, risks = lesson["risks"]["true 5-year risk"], lesson["risks"]
    near = (true_risk >= 0.015) & (true_risk <= 0.025)
    assert 0.015 < np.median(risks["standard"][near]) < 0.03
    assert 0.28 < np.median(risks["SMOTE"][near]) < 0.4  # "about one in three"
    assert np.median(risks["SMOTE"][near] / true_risk[near]) > 10  # "a factor of ten or more at low risks"


def test_resampling_is_a_threshold_in_disguise(lesson):
    y, risks = lesson["y_val"], lesson["risks"]
    standard = metrics.threshold_table(y, risks["standard"], [THRESHOLD]).iloc[0]
    smote_half = metrics.threshold_table(y, risks["SMOTE"], [0.5]).iloc[0]
    smote_low = metrics.threshold_table(y, risks["SMOTE"], [THRESHOLD]).iloc[0]
    assert abs(standard["flagged_per_1000"] - smote_half["flagged_per_1000"]) < 50  # "a similar share"
    assert abs(standard["sensitivity"] - smote_half["sensitivity"]) < 0.05
    assert abs(standard["NNE"] - smote_half["NNE"]) < 1
    assert smote_low["flagged_per_1000"] > 990  # "SMOTE flags almost everyone"


def test_net_benefit_of_honest_risks(lesson):
    curve = metrics.decision_curve(
        lesson["y_val"], lesson["risks"], thresholds=[0.02, 0.03, 0.04, 0.05, 0.10]
    )
    nb = curve.pivot(index="threshold", columns="strategy", values="net_benefit")
    fitted = ["standard", *RESAMPLED]
    assert (nb[fitted].idxmax(axis=1) == "standard").all()  # highest of the fitted models everywhere
    assert ((nb["true 5-year risk"] - nb["standard"]).abs() < 0.001).all()  # "close to the true risk"
    for name in RESAMPLED:
        assert (
            (nb[name] <= nb["treat all"] + 0.0002).loc[[0.02, 0.03]].all()
        )  # "no better than inviting everyone"
        assert (nb[name] < 0).loc[[0.04, 0.05, 0.10]].all()  # "worse than inviting no one at higher ones"
    assert nb.loc[0.04, "standard"] > 0  # the positive net benefit at 4%


def _expect(question_id, right, wrong, hint_fragment):
    assert exercises.check(question_id, right).passed is True
    result = exercises.check(question_id, wrong)
    assert result.passed is False and hint_fragment in result.hint
    assert exercises.check(question_id, {"answer": right}).passed is False  # a wrong type fails, no raise


def test_ex1_accuracy_of_nobody(lesson):
    y = lesson["y_val"]
    value = float((y == 0).mean())
    assert round(value, 3) == 0.965
    _expect("l07_ex1_accuracy_of_nobody", value, float(y.mean()), "event rate")
    _expect("l07_ex1_accuracy_of_nobody", value, 100 * value, "percentage")


def test_ex2_partial_undersampling(lesson):
    partial = make_pipeline(
        StandardScaler(), RandomUnderSampler(sampling_strategy=0.1, random_state=SEED), _logistic()
    ).fit(lesson["X_dev"], lesson["y_dev"])
    value = metrics.calibration_summary(
        lesson["y_val"], partial.predict_proba(lesson["X_val"])[:, 1]
    ).observed_expected
    assert round(value, 3) == 0.408
    balanced = metrics.calibration_summary(
        lesson["y_val"], lesson["risks"]["random undersampling"]
    ).observed_expected
    assert round(balanced, 3) == 0.085
    _expect("l07_ex2_partial_undersampling", value, balanced, "1:1")


def test_ex3_nne_at_threshold(lesson):
    y, risks = lesson["y_val"], lesson["risks"]
    row = metrics.threshold_table(y, risks["standard"], [THRESHOLD]).iloc[0]
    assert round(row["NNE"], 2) == 13.12 and round(row["PPV"], 3) == 0.076
    assert row["NNE"] < 25  # "within the trade-off the practice accepted"
    smote = metrics.threshold_table(y, risks["SMOTE"], [0.5]).iloc[0]["NNE"]
    assert round(smote, 2) == 13.65
    _expect("l07_ex3_nne_at_threshold", row["NNE"], row["PPV"], "reciprocal")
    _expect("l07_ex3_nne_at_threshold", row["NNE"], smote, "SMOTE")


def test_ex4_flag_more():
    _expect("l07_ex4_flag_more", "threshold", "resample", "inflating")
    assert exercises.check("l07_ex4_flag_more", "more data").passed is False


def test_the_evaluation_table_has_the_stated_shape(lesson):
    table = pd.DataFrame({n: {"mean": p.mean()} for n, p in lesson["risks"].items()}).T
    assert list(table.index) == ["standard", *RESAMPLED, "true 5-year risk"]


def test_the_decision_curve_figure(lesson):
    """The alt text: standard above treat-none everywhere, resampled lines on treat-all, all below standard."""
    thresholds = np.round(np.arange(0.01, 0.151, 0.005), 3)
    shown = {k: lesson["risks"][k] for k in ("standard", "SMOTE", "random undersampling", "true 5-year risk")}
    curve = metrics.decision_curve(lesson["y_val"], shown, thresholds=thresholds)
    nb = curve.pivot(index="threshold", columns="strategy", values="net_benefit")
    assert (nb["standard"] > 0).all()
    assert ((nb["true 5-year risk"] - nb["standard"]) > -0.001).all()  # "on or just below the true risk"
    for name in ("SMOTE", "random undersampling"):
        assert (nb[name] < nb["standard"]).all()
        low = nb.index <= 0.035
        assert (nb.loc[low, name] - nb.loc[low, "treat all"]).abs().max() < 0.001  # the lines overlap
    assert 0.03 < lesson["y_val"].mean() < 0.04  # treat-all crosses zero at the prevalence, about 3.5%
