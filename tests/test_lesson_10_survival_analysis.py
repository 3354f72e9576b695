"""Lesson 10 (notebooks/10_survival_analysis.ipynb): every number its prose states, and its self-checks.

The helpers repeat the lesson's computations (same seeds, same cohorts, same models), so that a change
to the generator or to lifelines that moves a stated number fails here. The library's survival helpers
are tested against lifelines and hand-computed values at the end.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import logrank_test, proportional_hazard_test
from lifelines.utils import concordance_index as lifelines_cindex

from mlhc_course import datasets, exercises, metrics, survival
from mlhc_course.datasets._framingham import _COEF
from mlhc_course.datasets._primary_care import LOSS_TO_FOLLOW_UP_RATE

SEED = 2026
HORIZON = 10
N = 20000
TERMS = ["ln_age", "ln_total_chol", "ln_hdl_chol", "ln_sbp_untreated", "ln_sbp_treated", "smoker", "diabetes"]
# the lesson's table of true coefficients, typed from D'Agostino et al. 2008, Table 2
LESSON_TRUE_COEF = {
    "female": [2.32888, 1.20904, -0.70833, 2.76157, 2.82263, 0.52873, 0.69154],
    "male": [3.06117, 1.12370, -0.93263, 1.93303, 1.99881, 0.65451, 0.57367],
}


def _terms(frame: pd.DataFrame) -> pd.DataFrame:
    treated = frame["bp_treated"]
    return pd.DataFrame(
        {
            "ln_age": np.log(frame["age"]),
            "ln_total_chol": np.log(frame["total_chol"]),
            "ln_hdl_chol": np.log(frame["hdl_chol"]),
            "ln_sbp_untreated": np.log(frame["sbp"]) * (1 - treated),
            "ln_sbp_treated": np.log(frame["sbp"]) * treated,
            "smoker": frame["smoker"],
            "diabetes": frame["diabetes"],
            "statin": frame["statin"],
            "time": frame["time_to_event_years"],
            "event": frame["event_observed"],
        }
    )


def _true_coef(sex: str) -> pd.Series:
    values = dict(zip(TERMS, LESSON_TRUE_COEF[sex], strict=True))
    values["statin"] = np.log(datasets.STATIN_HR)
    return pd.Series(values)


@pytest.fixture(scope="module")
def frame():
    return datasets.make_primary_care_cohort(N, random_state=SEED).frame


@pytest.fixture(scope="module")
def validation():
    return datasets.make_primary_care_cohort(N, random_state=SEED + 1).frame


@pytest.fixture(scope="module")
def cox_models(frame):
    return {
        sex: CoxPHFitter().fit(_terms(frame[frame["sex"] == sex]), duration_col="time", event_col="event")
        for sex in ["female", "male"]
    }


def _compare_estimates(frame, rate):
    t, e = survival.censor_at_rate(
        frame["time_to_event_years"], frame["event_observed"], rate=rate, random_state=SEED
    )
    return {m: survival.risk_at_horizon(t, e, HORIZON, method=m) for m in ["naive", "complete_case", "km"]}


def test_lesson_true_coefficients_are_the_generators():
    for sex, k in [("female", 0), ("male", 1)]:
        assert LESSON_TRUE_COEF[sex] == [_COEF[term][k] for term in TERMS]
    assert datasets.STATIN_HR == 0.75


def test_censoring_and_the_three_estimates(frame):
    t, e = frame["time_to_event_years"], frame["event_observed"]
    lost_early = ((e == 0) & (t < HORIZON)).mean()
    assert lost_early == pytest.approx(0.25, abs=0.01)  # "a quarter ... before 10 years"
    truth = frame["event_true"].mean()
    est = _compare_estimates(frame, 0.0)
    assert est["naive"] < truth < est["complete_case"]  # too low, too high
    assert est["km"] == pytest.approx(truth, abs=0.005)  # "Kaplan-Meier is close to the truth"
    assert truth == pytest.approx(0.102, abs=0.0005)  # "the true 10-year risk of 0.102" (exercise 1)
    assert LOSS_TO_FOLLOW_UP_RATE == 0.03  # "3% a year in this simulation"
    assert ((e == 1) & (t > HORIZON)).sum() > 500  # events after year 10 exist and are many


def test_more_loss_makes_the_shortcuts_worse_and_km_drifts_about_a_point(frame):
    truth = frame["event_true"].mean()
    rows = [_compare_estimates(frame, r) for r in [0.0, 0.05, 0.10, 0.20]]
    naive = [r["naive"] for r in rows]
    complete = [r["complete_case"] for r in rows]
    assert naive == sorted(naive, reverse=True) and complete == sorted(complete)
    assert all(abs(r["km"] - truth) < 0.015 for r in rows)  # "drifts by about a percentage point"
    assert abs(rows[-1]["km"] - truth) > 0.005
    t20, e20 = survival.censor_at_rate(
        frame["time_to_event_years"], frame["event_observed"], rate=0.20, random_state=SEED
    )
    assert np.mean((e20 == 0) & (t20 < HORIZON)) > 0.8  # "most patients are censored before 10 years"


def test_smokers_are_younger_and_have_more_events(frame):
    t, e = frame["time_to_event_years"], frame["event_observed"]
    smokers = frame["smoker"] == 1
    assert frame.loc[smokers, "age"].mean() < frame.loc[~smokers, "age"].mean()
    assert logrank_test(t[smokers], t[~smokers], e[smokers], e[~smokers]).p_value < 1e-6
    risk_s = survival.risk_at_horizon(t[smokers], e[smokers], HORIZON)
    risk_n = survival.risk_at_horizon(t[~smokers], e[~smokers], HORIZON)
    assert risk_s > risk_n


def test_cox_recovers_the_true_coefficients(cox_models):
    covered = 0
    for sex, model in cox_models.items():
        truth = _true_coef(sex)
        ci = model.confidence_intervals_
        covered += int(((ci.iloc[:, 0] <= truth[ci.index]) & (truth[ci.index] <= ci.iloc[:, 1])).sum())
    assert covered >= 15  # "nearly every 95% confidence interval covers the truth" (16 intervals)


def test_statin_hr_unadjusted_nearly_triple_adjusted_about_075(frame, cox_models):
    naive = CoxPHFitter().fit(_terms(frame)[["statin", "time", "event"]], "time", "event")
    assert 2.6 < naive.hazard_ratios_["statin"] < 3.1  # "nearly triple"
    for model in cox_models.values():
        assert 0.65 < model.hazard_ratios_["statin"] < 0.85  # "lower it by about a quarter"


def test_ph_tests_seven_of_eight_quiet_hdl_false_alarm(frame, cox_models):
    male = _terms(frame[frame["sex"] == "male"])
    p = proportional_hazard_test(cox_models["male"], male, time_transform="rank").summary["p"]
    assert (p > 0.05).sum() == 7
    assert p["ln_hdl_chol"] < 0.001
    # the plot: HDL drifts steadily from about -0.27 to -1.28, statin scatters without a steady trend
    scaled = cox_models["male"].compute_residuals(male, "scaled_schoenfeld")
    times = male.loc[scaled.index, "time"]
    fifths = pd.qcut(times, 5)
    binned = {
        term: (cox_models["male"].params_[term] + scaled[term])
        .groupby(fifths, observed=True)
        .mean()
        .to_numpy()
        for term in ["statin", "ln_hdl_chol"]
    }
    hdl, statin = binned["ln_hdl_chol"], binned["statin"]
    assert (np.diff(hdl) < 0).all()
    assert hdl[0] == pytest.approx(-0.27, abs=0.02) and hdl[-1] == pytest.approx(-1.28, abs=0.02)
    assert not ((np.diff(statin) < 0).all() or (np.diff(statin) > 0).all())
    assert statin.min() == pytest.approx(-0.42, abs=0.02) and statin.max() == pytest.approx(-0.03, abs=0.02)


def _cox_risk(cox_models, validation):
    risk = pd.Series(np.nan, index=validation.index)
    for sex, model in cox_models.items():
        rows = validation["sex"] == sex
        surv = model.predict_survival_function(_terms(validation[rows]), times=[HORIZON])
        risk[rows] = 1 - surv.iloc[0].to_numpy()
    return risk


def test_cindex_and_calibration_on_validation(cox_models, validation):
    t, e = validation["time_to_event_years"], validation["event_observed"]
    risk = _cox_risk(cox_models, validation)
    c_cox = metrics.concordance_index(t, e, risk)
    c_true = metrics.concordance_index(t, e, validation["true_risk"])
    c_age = metrics.concordance_index(t, e, validation["age"])
    assert abs(c_cox - c_true) < 0.01  # "ranks almost as well as the true risk"
    assert c_age < c_cox - 0.03  # age alone does well, but worse
    table = survival.calibration_at_horizon(t, e, risk, horizon=HORIZON)
    oe = survival.risk_at_horizon(t, e, HORIZON) / risk.mean()
    assert oe == pytest.approx(1.0, abs=0.05)
    inside = (table["observed_lower"] <= table["predicted"]) & (table["predicted"] <= table["observed_upper"])
    assert inside.sum() == 9 and not inside[5]  # the fifth tenth is the one miss (alt text)
    assert table.loc[5, "predicted"] == pytest.approx(0.055, abs=0.002)
    assert table.loc[5, "observed"] == pytest.approx(0.067, abs=0.002)
    assert table["predicted"].iloc[0] == pytest.approx(0.01, abs=0.002)
    assert table["predicted"].iloc[-1] == pytest.approx(0.35, abs=0.01)


# ---- self-checks -----------------------------------------------------------------------------------


def test_l10_ex1_naive_risk_heavy_loss(frame):
    est = _compare_estimates(frame, 0.15)
    assert est["naive"] == pytest.approx(0.048, abs=0.001)
    assert est["complete_case"] == pytest.approx(0.249, abs=0.001)
    assert est["km"] == pytest.approx(0.112, abs=0.001)
    assert _compare_estimates(frame, 0.0)["naive"] == pytest.approx(0.086, abs=0.001)
    qid = "l10_ex1_naive_risk_heavy_loss"
    assert exercises.check(qid, est["naive"]).passed is True
    wrong = exercises.check(qid, est["complete_case"])
    assert wrong.passed is False and "complete-case" in wrong.hint
    assert "percentage" in exercises.check(qid, 4.8).hint
    assert exercises.check(qid, "0.048").passed is False


def test_l10_ex2_statin_km(frame):
    t, e = frame["time_to_event_years"], frame["event_observed"]
    statin = frame["statin"] == 1
    users = survival.risk_at_horizon(t[statin], e[statin], HORIZON)
    non_users = survival.risk_at_horizon(t[~statin], e[~statin], HORIZON)
    assert users == pytest.approx(0.20, abs=0.005) and non_users == pytest.approx(0.074, abs=0.002)
    qid = "l10_ex2_statin_km"
    assert exercises.check(qid, "statin").passed is True
    wrong = exercises.check(qid, "no statin")
    assert wrong.passed is False and "high risk" in wrong.hint
    assert exercises.check(qid, 1).passed is False


def test_l10_ex3_smoker_hr_men(cox_models):
    model = cox_models["male"]
    hr = model.hazard_ratios_["smoker"]
    lower, upper = np.exp(model.confidence_intervals_.loc["smoker"])
    assert hr == pytest.approx(2.04, abs=0.005)
    assert lower == pytest.approx(1.82, abs=0.005) and upper == pytest.approx(2.29, abs=0.005)
    assert lower < np.exp(0.65451) < upper
    assert cox_models["female"].hazard_ratios_["smoker"] == pytest.approx(1.72, abs=0.005)
    assert model.params_["smoker"] == pytest.approx(0.714, abs=0.001)
    qid = "l10_ex3_smoker_hr_men"
    assert exercises.check(qid, hr).passed is True
    wrong = exercises.check(qid, model.params_["smoker"])
    assert wrong.passed is False and "exp(coef)" in wrong.hint
    assert exercises.check(qid, [2.04]).passed is False


def test_l10_ex4_cindex_framingham(validation):
    t, e = validation["time_to_event_years"], validation["event_observed"]
    c = metrics.concordance_index(t, e, validation["framingham_risk"])
    assert c == pytest.approx(0.772, abs=0.001)
    assert lifelines_cindex(t, validation["framingham_risk"], e) == pytest.approx(1 - c)
    qid = "l10_ex4_cindex_framingham"
    assert exercises.check(qid, c).passed is True
    wrong = exercises.check(qid, 1 - c)
    assert wrong.passed is False and "1 - C" in wrong.hint
    assert exercises.check(qid, None).passed is None
    assert exercises.check(qid, {"c": 0.77}).passed is False


# ---- the library's survival helpers against lifelines and by hand ------------------------------------


def test_risk_at_horizon_km_matches_lifelines(frame):
    t, e = frame["time_to_event_years"], frame["event_observed"]
    kmf = KaplanMeierFitter().fit(t, e)
    assert survival.risk_at_horizon(t, e, 7.5) == pytest.approx(1 - kmf.predict(7.5))


def test_risk_at_horizon_by_hand():
    time, event = [2, 4, 6, 8, 12, 12], [1, 0, 1, 0, 0, 0]
    assert survival.risk_at_horizon(time, event, 10, method="naive") == pytest.approx(2 / 6)
    assert survival.risk_at_horizon(time, event, 10, method="complete_case") == pytest.approx(2 / 4)
    assert survival.risk_at_horizon(time, event, 10) == pytest.approx(1 - 5 / 6 * 3 / 4)


def test_calibration_at_horizon_matches_lifelines_per_group(validation):
    t = validation["time_to_event_years"].to_numpy()
    e = validation["event_observed"].to_numpy()
    risk = validation["true_risk"].to_numpy()
    table = survival.calibration_at_horizon(t, e, risk, horizon=HORIZON, n_groups=4)
    assert table["n"].sum() == len(t) and table["n"].max() - table["n"].min() <= 1
    order = np.argsort(risk, kind="stable")
    for g, idx in enumerate(np.array_split(order, 4), start=1):
        kmf = KaplanMeierFitter().fit(t[idx], e[idx])
        assert table.loc[g, "observed"] == pytest.approx(1 - kmf.predict(HORIZON))
        assert table.loc[g, "predicted"] == pytest.approx(risk[idx].mean())
        band = kmf.confidence_interval_survival_function_
        row = band[band.index <= HORIZON].iloc[-1]
        assert table.loc[g, "observed_lower"] == pytest.approx(1 - row.iloc[1])
        assert table.loc[g, "observed_lower"] <= table.loc[g, "observed"] <= table.loc[g, "observed_upper"]


def test_censor_at_rate_only_shortens_and_only_removes_events(frame):
    t, e = frame["time_to_event_years"].to_numpy(), frame["event_observed"].to_numpy()
    t2, e2 = survival.censor_at_rate(t, e, rate=0.1, random_state=0)
    assert (t2 <= t).all() and (e2 <= e).all() and e2.sum() < e.sum()
    t3, e3 = survival.censor_at_rate(t, e, rate=0.1, random_state=0)
    assert np.array_equal(t2, t3) and np.array_equal(e2, e3)  # same seed, same data


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: survival.risk_at_horizon([1, 2], [1], 10), "same length"),
        (lambda: survival.risk_at_horizon([1, -2], [1, 0], 10), "non-negative"),
        (lambda: survival.risk_at_horizon([1, 2], [1, 2], 10), "event must hold"),
        (lambda: survival.risk_at_horizon([1, 2], [1, 0], 0), "horizon"),
        (lambda: survival.risk_at_horizon([1, 2], [1, 0], 10, method="logistic"), "method"),
        (lambda: survival.censor_at_rate([1, 2], [1, 0], rate=-0.1), "rate"),
        (lambda: survival.calibration_at_horizon([1, 2], [1, 0], [0.5, 1.5], horizon=1), "probability"),
        (
            lambda: survival.calibration_at_horizon([1, 2], [1, 0], [0.5, 0.2], horizon=1, n_groups=3),
            "n_groups",
        ),
    ],
)
def test_survival_helpers_reject_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
