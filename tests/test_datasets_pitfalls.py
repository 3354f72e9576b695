"""Each pitfall switch of make_primary_care_cohort measurably does what it claims."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupShuffleSplit, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mlhc_course.datasets import make_primary_care_cohort

NUMERIC = ["age", "smoker", "diabetes", "total_chol", "hdl_chol", "sbp", "bp_treated", "bmi", "egfr", "hba1c",
           "statin"]  # fmt: skip


def _X(frame: pd.DataFrame, columns=NUMERIC) -> pd.DataFrame:
    X = frame[columns].astype(float)
    return X.assign(male=(frame["sex"] == "male").astype(float))


def _lr(train: pd.DataFrame, columns=NUMERIC):
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    return model.fit(_X(train, columns), train["event_recorded"])


def test_no_pitfall_is_on_by_default():
    f = make_primary_care_cohort(3000, random_state=0).frame
    assert f["patient_id"].is_unique
    assert not f[NUMERIC].isna().any().any()
    assert "cardiology_referral" not in f and "visit_number" not in f
    assert (f["event_recorded"] == f["event_true"]).all()


def test_leaky_features_inflate_auc():
    ds = make_primary_care_cohort(4000, leaky_features=True, random_state=1)
    assert ds.feature_names[-2:] == ["cardiology_referral", "statin_at_followup"]
    train, test = train_test_split(ds.frame, test_size=0.5, random_state=0)
    leaky = NUMERIC + ["cardiology_referral", "statin_at_followup"]
    clean_auc = roc_auc_score(test["event_recorded"], _lr(train).predict_proba(_X(test))[:, 1])
    leaky_auc = roc_auc_score(test["event_recorded"], _lr(train, leaky).predict_proba(_X(test, leaky))[:, 1])
    assert 0.7 < clean_auc < 0.85
    assert leaky_auc > clean_auc + 0.10
    assert leaky_auc > 0.93


def test_repeat_visits_make_a_row_split_leak():
    ds = make_primary_care_cohort(2000, repeat_visits=True, random_state=2)
    f = ds.frame
    visits = f.groupby("patient_id").size()
    assert visits.min() == 1 and visits.max() == 4 and visits.mean() > 2
    assert (f.groupby("patient_id")["event_recorded"].nunique() == 1).all()  # the outcome is the patient's
    assert (f.loc[f.visit_number == 0, "months_since_baseline"] == 0).all()

    def rf_auc(train, test):
        rf = RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=1).fit(
            _X(train), train["event_recorded"]
        )
        return roc_auc_score(test["event_recorded"], rf.predict_proba(_X(test))[:, 1])

    row_train, row_test = train_test_split(f, test_size=0.3, random_state=0)
    i, j = next(GroupShuffleSplit(n_splits=1, test_size=0.3, random_state=0).split(f, groups=f["patient_id"]))
    row_auc, patient_auc = rf_auc(row_train, row_test), rf_auc(f.iloc[i], f.iloc[j])
    assert row_auc > patient_auc + 0.10, (row_auc, patient_auc)


def test_repeat_visits_int_sets_the_maximum():
    f = make_primary_care_cohort(500, repeat_visits=2, random_state=3).frame
    assert f.groupby("patient_id").size().max() == 2
    assert len(make_primary_care_cohort(500, repeat_visits=1, random_state=3).frame) == 500


@pytest.mark.parametrize("kind", ["random", "informative"])
def test_missingness_rate(kind):
    f = make_primary_care_cohort(10_000, missingness=kind, missing_rate=0.3, random_state=3).frame
    share = f["total_chol"].isna().mean()
    assert 0.25 < share < 0.40
    assert (f["total_chol"].isna() == f["hdl_chol"].isna()).all()  # the lipid panel goes together
    assert not f[["age", "sbp", "smoker"]].isna().any().any()


@pytest.mark.parametrize("rate", [0.1, 0.3, 0.6])
def test_informative_missingness_share_equals_missing_rate(rate):
    """The informative mechanism tilts WHO is missing, not HOW MANY: each panel's share is the rate."""
    f = make_primary_care_cohort(20_000, missingness="informative", missing_rate=rate, random_state=3).frame
    for col in ("total_chol", "hba1c", "egfr"):
        assert f[col].isna().mean() == pytest.approx(rate, abs=0.012), col


def test_informative_missingness_predicts_the_outcome_and_random_does_not():
    aucs = {}
    for kind in ("random", "informative"):
        f = make_primary_care_cohort(20_000, missingness=kind, random_state=3).frame
        indicators = f[["total_chol", "hba1c", "egfr"]].isna().astype(float)
        model = LogisticRegression().fit(indicators, f["event_recorded"])
        aucs[kind] = roc_auc_score(f["event_recorded"], model.predict_proba(indicators)[:, 1])
    assert abs(aucs["random"] - 0.5) < 0.03
    assert aucs["informative"] > 0.65
    # sicker patients are tested more: measured patients have the higher true risk
    f = make_primary_care_cohort(20_000, missingness="informative", random_state=3).frame
    assert f.loc[f.hba1c.notna(), "true_risk"].mean() > 1.5 * f.loc[f.hba1c.isna(), "true_risk"].mean()


def test_site_shift_changes_case_mix_prevalence_and_lab_calibration():
    stats = {}
    for shift in (0.0, 1.0):
        f = make_primary_care_cohort(20_000, sites=10, site_shift=shift, random_state=4).frame
        assert f["practice"].nunique() == 10
        by_site = f.groupby("practice", observed=True)
        excess = (f["event_true"] - f["framingham_risk"]).groupby(f["practice"], observed=True).mean()
        stats[shift] = {
            "age": by_site["age"].mean().std(),
            "excess_events": excess.std(),  # prevalence not explained by the measured risk factors
            "lab_offset": (f["total_chol"] - _recompute_tc(f))
            .groupby(f["practice"], observed=True)
            .mean()
            .std(),
        }
    assert stats[1.0]["age"] > 5 * stats[0.0]["age"]
    assert stats[1.0]["excess_events"] > 2 * stats[0.0]["excess_events"]
    assert stats[0.0]["lab_offset"] < 1e-9 < 0.1 < stats[1.0]["lab_offset"]


def _recompute_tc(frame: pd.DataFrame) -> pd.Series:
    """The true total cholesterol, recovered from framingham_risk (the equation uses the true value)."""
    from mlhc_course.datasets._framingham import _COEF, _MEAN_LP, BASELINE_SURVIVAL_10Y

    s = (frame["sex"] == "male").astype(int).to_numpy()
    c = {k: np.asarray(v)[s] for k, v in _COEF.items()}
    lp = np.log(np.log1p(-frame["framingham_risk"].to_numpy()) / np.log(np.asarray(BASELINE_SURVIVAL_10Y)[s]))
    rest = (
        c["ln_age"] * np.log(frame["age"])
        + c["ln_hdl_chol"] * np.log(frame["hdl_chol"] * 38.67)
        + np.where(frame["bp_treated"] == 1, c["ln_sbp_treated"], c["ln_sbp_untreated"])
        * np.log(frame["sbp"])
        + c["smoker"] * frame["smoker"]
        + c["diabetes"] * frame["diabetes"]
    )
    return pd.Series(np.round(np.exp((lp + np.asarray(_MEAN_LP)[s] - rest) / c["ln_total_chol"]) / 38.67, 1),
                     index=frame.index)  # fmt: skip


def test_site_shift_breaks_external_validation():
    """A model from five practices is miscalibrated at the other five only when sites differ."""
    spread = {}
    for shift in (0.0, 1.0):
        f = make_primary_care_cohort(20_000, sites=10, site_shift=shift, random_state=4).frame
        dev = f["practice"].isin(["P01", "P02", "P03", "P04", "P05"])
        model = _lr(f[dev])
        ext = f[~dev]
        p = pd.Series(model.predict_proba(_X(ext))[:, 1], index=ext.index)
        o_over_e = (
            ext["event_recorded"].groupby(ext["practice"], observed=True).mean()
            / p.groupby(ext["practice"], observed=True).mean()
        )
        spread[shift] = np.abs(np.log(o_over_e)).max()
    assert spread[0.0] < 0.25
    assert spread[1.0] > 0.4


def test_temporal_drift_degrades_a_model_trained_on_early_years():
    results = {}
    for drift in (False, True):
        f = make_primary_care_cohort(30_000, temporal_drift=drift, random_state=5).frame
        early, late = f[f.baseline_year <= 2008], f[f.baseline_year >= 2012]
        model = _lr(early)
        p = model.predict_proba(_X(late))[:, 1]
        statin_by_year = f.groupby("baseline_year")["statin"].mean()
        results[drift] = {
            "o_minus_e": late["event_recorded"].mean() - p.mean(),
            "statin_rise": statin_by_year.iloc[-1] - statin_by_year.iloc[0],
            "coded_diabetes": f.loc[f.baseline_year >= 2010, "diabetes"].mean()
            - f.loc[f.baseline_year < 2010, "diabetes"].mean(),
        }
    assert abs(results[False]["o_minus_e"]) < 0.01
    assert results[True]["o_minus_e"] < -0.02  # over-predicts later: fewer events than expected
    assert abs(results[False]["statin_rise"]) < 0.03 < 0.15 < results[True]["statin_rise"]
    assert abs(results[False]["coded_diabetes"]) < 0.01 < 0.02 < results[True]["coded_diabetes"]


def test_temporal_drift_coding_change_spreads_over_years():
    """No overnight jump: the share of non-diabetic hyperglycaemia coded as diabetes rises year by year."""
    from mlhc_course.datasets import framingham_cvd_risk

    f = make_primary_care_cohort(60_000, temporal_drift=True, random_state=5).frame
    base = make_primary_care_cohort(60_000, temporal_drift=False, random_state=5).frame
    band = base["hba1c"].between(42, 47) & (base["diabetes"] == 0)  # hyperglycaemia, no true diabetes
    coded = f.loc[band, "diabetes"].groupby(f.loc[band, "baseline_year"]).mean()
    assert coded.is_monotonic_increasing
    assert coded.loc[2005] < 0.02 and coded.loc[2014] > 0.95
    assert coded.loc[2009] < 0.4 and 0.4 < coded.loc[2010] < 0.6 and coded.loc[2011] > 0.6
    assert coded.diff().max() < 0.3  # the largest year-on-year step is gradual
    # only the coding changes: outside the band the records are identical, and the patients too
    assert (f.loc[~band, "diabetes"] == base.loc[~band, "diabetes"]).all()
    assert (f["hba1c"] == base["hba1c"]).all() and (f["framingham_risk"] == base["framingham_risk"]).all()
    # framingham_risk keeps the true values (datasheet): re-scoring the record differs in the coded only
    rescored = framingham_cvd_risk(
        f["age"], f["sex"].astype(str), f["total_chol"], f["hdl_chol"], f["sbp"], f["bp_treated"],
        f["smoker"], f["diabetes"], chol_units="mmol/L",
    )  # fmt: skip
    differs = ~np.isclose(rescored, f["framingham_risk"], rtol=1e-9)
    recoded = f["diabetes"] != base["diabetes"]
    assert (differs == recoded).all() and recoded.sum() > 1000


def test_label_bias_under_records_events_in_women_only():
    ds = make_primary_care_cohort(30_000, label_bias=0.5, random_state=6)
    f = ds.frame
    women, men = f[f.sex == "female"], f[f.sex == "male"]
    assert (men["event_recorded"] == men["event_true"]).all()
    captured = women["event_recorded"].sum() / women["event_true"].sum()
    assert captured == pytest.approx(0.5, abs=0.05)
    assert (f["event_recorded"] <= f["event_true"]).all()
    # a model trained on recorded labels under-predicts women's true risk
    model = _lr(f)
    p = pd.Series(model.predict_proba(_X(f))[:, 1], index=f.index)
    assert p[women.index].mean() < 0.75 * women["event_true"].mean()
    assert p[men.index].mean() == pytest.approx(men["event_true"].mean(), rel=0.1)


@pytest.mark.parametrize(
    ("group", "column", "value"),
    [("Black", "ethnicity", "Black"), ("most_deprived", "deprivation_quintile", 1)],
)
def test_label_bias_can_target_another_group(group, column, value):
    f = make_primary_care_cohort(30_000, label_bias=0.6, label_bias_group=group, random_state=6).frame
    inside = f[column] == value
    assert (f.loc[~inside, "event_recorded"] == f.loc[~inside, "event_true"]).all()
    captured = f.loc[inside, "event_recorded"].sum() / f.loc[inside, "event_true"].sum()
    assert captured == pytest.approx(0.4, abs=0.1)


def test_every_pitfall_at_once():
    ds = make_primary_care_cohort(
        3000, repeat_visits=3, leaky_features=True, missingness="informative", missing_rate=0.2, sites=5,
        site_shift=0.8, temporal_drift=True, label_bias=0.3, random_state=8,
    )  # fmt: skip
    f = ds.frame
    assert f["patient_id"].nunique() == 3000 and len(f) > 3000
    assert f["practice"].nunique() == 5
    assert f["total_chol"].isna().any() and not f["age"].isna().any()
    assert (f["event_recorded"] <= f["event_true"]).all()
    assert ds.feature_names[-2:] == ["cardiology_referral", "statin_at_followup"]
    assert f["true_risk"].between(0, 1).all()
