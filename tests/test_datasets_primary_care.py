"""make_primary_care_cohort: plausible values, Framingham ground truth, event times, statin HR, determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlhc_course.datasets import ClinicalDataset, framingham_cvd_risk, make_primary_care_cohort
from mlhc_course.datasets._primary_care import WEIBULL_SHAPE

FEATURES = ["age", "sex", "ethnicity", "deprivation_quintile", "smoker", "diabetes", "total_chol", "hdl_chol",
            "sbp", "bp_treated", "bmi", "egfr", "hba1c", "statin"]  # fmt: skip


@pytest.fixture(scope="module")
def big():
    return make_primary_care_cohort(40_000, random_state=11)


def test_returns_a_clinical_dataset_with_the_documented_fields():
    ds = make_primary_care_cohort(500, random_state=0)
    assert isinstance(ds, ClinicalDataset)
    assert ds.feature_names == FEATURES
    assert ds.target_names == ["event_recorded"]
    assert list(ds.data.columns) == FEATURES
    assert ds.target.name == "event_recorded"
    assert ds.true_risk.name == "true_risk"
    assert ds.frame.shape[0] == 500 and ds.frame["patient_id"].is_unique
    assert "Framingham" in ds.DESCR and "not real patients" in ds.DESCR
    assert "primary_care_cohort" in repr(ds) and "features (14)" in repr(ds)
    for col in ("sex", "ethnicity", "practice"):
        assert isinstance(ds.frame[col].dtype, pd.CategoricalDtype)


def test_return_X_y_and_as_frame_behave_like_scikit_learn():
    X, y = make_primary_care_cohort(300, return_X_y=True, random_state=0)
    assert isinstance(X, pd.DataFrame) and isinstance(y, pd.Series) and len(X) == len(y) == 300
    Xa, ya = make_primary_care_cohort(300, return_X_y=True, as_frame=False, random_state=0)
    assert isinstance(Xa, np.ndarray) and Xa.dtype == float and Xa.shape == (300, 14)
    np.testing.assert_array_equal(ya, y.to_numpy())
    np.testing.assert_array_equal(Xa[:, FEATURES.index("sex")], X["sex"].cat.codes)
    ds = make_primary_care_cohort(300, as_frame=False, random_state=0)
    assert ds.frame is None and isinstance(ds.true_risk, np.ndarray)


def test_values_are_in_plausible_ranges_and_units(big):
    f = big.frame
    assert f["age"].between(30, 79).all()
    assert f["total_chol"].between(2.5, 10.5).all() and 4.9 < f["total_chol"].mean() < 5.6  # mmol/L
    assert f["hdl_chol"].between(0.5, 3.5).all()
    assert f["sbp"].between(85, 230).all() and 118 < f["sbp"].mean() < 132
    assert 26 < f["bmi"].mean() < 29
    assert f["egfr"].between(8, 140).all()
    assert f["hba1c"].between(20, 130).all()
    assert 0.17 < f["smoker"].mean() < 0.23  # ~20% in the baselines' era (ONS General Lifestyle Survey 2011)
    assert 0.05 < f["diabetes"].mean() < 0.10  # ~7-8% (QOF)
    assert 0.15 < f["statin"].mean() < 0.30
    shares = f["ethnicity"].value_counts(normalize=True)
    assert shares["White"] == pytest.approx(0.817, abs=0.01) and shares["Asian"] == pytest.approx(
        0.093, abs=0.01
    )


def test_joint_distributions_are_clinically_sensible(big):
    f = big.frame
    by_sex = f.groupby("sex", observed=True)
    assert by_sex["hdl_chol"].mean()["female"] > by_sex["hdl_chol"].mean()["male"] + 0.2
    assert f["age"].corr(f["sbp"]) > 0.3 and f["age"].corr(f["egfr"]) < -0.5
    assert f["bmi"].corr(f["hba1c"]) > 0.15
    assert f.loc[f.diabetes == 1, "hba1c"].median() >= 48 > f.loc[f.diabetes == 0, "hba1c"].median()
    assert f.loc[f.bp_treated == 1, "age"].mean() > f.loc[f.bp_treated == 0, "age"].mean()
    most, least = f[f.deprivation_quintile == 1], f[f.deprivation_quintile == 5]
    assert most["smoker"].mean() > 1.5 * least["smoker"].mean()


def test_framingham_risk_is_the_published_equation_on_the_recorded_values(big):
    f = big.frame
    expected = framingham_cvd_risk(
        f["age"], f["sex"].astype(str), f["total_chol"], f["hdl_chol"], f["sbp"], f["bp_treated"], f["smoker"],
        f["diabetes"], chol_units="mmol/L",
    )  # fmt: skip
    np.testing.assert_allclose(f["framingham_risk"], expected, rtol=1e-12)


def test_true_risk_is_framingham_adjusted_by_the_statin_hazard_ratio(big):
    f = big.frame
    on = f["statin"] == 1
    np.testing.assert_allclose(f.loc[~on, "true_risk"], f.loc[~on, "framingham_risk"], rtol=1e-12)
    np.testing.assert_allclose(
        1 - f.loc[on, "true_risk"], (1 - f.loc[on, "framingham_risk"]) ** 0.75, rtol=1e-12
    )
    no_effect = make_primary_care_cohort(2000, statin_hr=1.0, random_state=3).frame
    np.testing.assert_allclose(no_effect["true_risk"], no_effect["framingham_risk"], rtol=1e-12)


def test_outcomes_are_calibrated_to_the_true_risk(big):
    f = big.frame
    n = len(f)
    se = np.sqrt((f["true_risk"] * (1 - f["true_risk"])).sum()) / n
    assert abs(f["event_true"].mean() - f["true_risk"].mean()) < 3 * se
    deciles = pd.qcut(f["true_risk"], 10)
    grouped = f.groupby(deciles, observed=True)[["event_true", "true_risk"]].mean()
    np.testing.assert_allclose(grouped["event_true"], grouped["true_risk"], atol=0.02)
    assert (f["event_recorded"] == f["event_true"]).all()  # no label bias by default


def test_event_times_follow_the_weibull_cox_model(big):
    """Kaplan-Meier of the censored times matches the model's mean survival at 2, 5 and 10 years."""
    from lifelines import KaplanMeierFitter

    f = big.frame
    km = KaplanMeierFitter().fit(f["time_to_event_years"], f["event_observed"])
    cum_hazard_10 = -np.log1p(-f["true_risk"].to_numpy())
    for t in (2.0, 5.0, 10.0):
        model = np.mean(np.exp(-cum_hazard_10 * (t / 10) ** WEIBULL_SHAPE))
        assert float(km.survival_function_at_times(t).iloc[0]) == pytest.approx(model, abs=0.006), t
    assert (f["time_to_event_years"] > 0).all() and (f["time_to_event_years"] <= 20.0).all()
    assert 0 < (f["event_observed"] == 0).mean() < 1  # some censoring, some events
    # an event observed within 10 years is a true 10-year event
    assert (f.loc[(f.event_observed == 1) & (f.time_to_event_years < 9.999), "event_true"] == 1).all()


def test_statin_is_given_by_indication(big):
    f = big.frame
    assert f.loc[f.statin == 1, "framingham_risk"].mean() > 2 * f.loc[f.statin == 0, "framingham_risk"].mean()
    low, high = f[f.framingham_risk < 0.05], f[f.framingham_risk > 0.2]
    assert high["statin"].mean() > 3 * low["statin"].mean()


@pytest.mark.slow
def test_cox_model_adjusted_for_the_true_confounders_recovers_the_statin_hazard_ratio():
    """Naively statins look harmful (confounding by indication); adjusted, the HR is about 0.75."""
    from lifelines import CoxPHFitter

    f = make_primary_care_cohort(30_000, random_state=5).frame.copy()
    male = (f["sex"] == "male").to_numpy()
    d = pd.DataFrame({"T": f["time_to_event_years"], "E": f["event_observed"], "statin": f["statin"]})
    naive = CoxPHFitter().fit(d, "T", "E")
    assert np.exp(naive.params_["statin"]) > 1.2

    # the Framingham covariates, with sex-specific coefficients (interactions) and sex strata
    for name, x in {
        "ln_age": np.log(f["age"]),
        "ln_tc": np.log(f["total_chol"]),
        "ln_hdl": np.log(f["hdl_chol"]),
        "ln_sbp_untreated": np.log(f["sbp"]) * (1 - f["bp_treated"]),
        "ln_sbp_treated": np.log(f["sbp"]) * f["bp_treated"],
        "smoker": f["smoker"],
        "diabetes": f["diabetes"],
    }.items():
        d[name] = x
        d[name + "_male"] = x * male
    d["male"] = male.astype(int)
    adjusted = CoxPHFitter().fit(d, "T", "E", strata=["male"])
    hr = float(np.exp(adjusted.params_["statin"]))
    lower, upper = np.exp(adjusted.confidence_intervals_.loc["statin"])
    assert 0.65 < hr < 0.86, hr
    assert lower < 0.75 < upper


def test_same_seed_same_data_and_generators_are_accepted():
    a = make_primary_care_cohort(1000, random_state=42).frame
    b = make_primary_care_cohort(1000, random_state=42).frame
    pd.testing.assert_frame_equal(a, b)
    c = make_primary_care_cohort(1000, random_state=43).frame
    assert not a["true_risk"].equals(c["true_risk"])
    g = make_primary_care_cohort(1000, random_state=np.random.default_rng(42)).frame
    assert len(g) == 1000


def test_switching_a_pitfall_on_keeps_the_rest_of_the_cohort():
    """Common random numbers: the switch's effect is not confounded by a different sample."""
    base = make_primary_care_cohort(2000, random_state=7).frame
    for switch in ({"leaky_features": True}, {"missingness": "random"}, {"label_bias": 0.5}):
        other = make_primary_care_cohort(2000, random_state=7, **switch).frame
        for col in ("age", "sex", "smoker", "sbp", "true_risk", "event_true", "time_to_event_years"):
            pd.testing.assert_series_equal(base[col], other[col], obj=f"{switch} {col}")
