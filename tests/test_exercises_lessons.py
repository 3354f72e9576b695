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
# Lesson 8 (notebooks/08_early_warning_alarm_burden.ipynb)
# --------------------------------------------------------------------------------------------------
L08_SEED = 2026
L08_WARD_BEDS = 28
L08_MIN_WARNING_H = 4
L08_WINDOW_H = 72
L08_THRESHOLDS = [3, 4, 5, 6, 7, 8, 9]
L08_TREND_VITALS = ["resp_rate", "spo2", "sbp", "heart_rate", "temperature", "news2"]


def _l08_ward(deterioration_rate: float | None = None):
    """The lesson's ward (default event rate unless given): complete-NEWS2 sets, and one row per admission."""
    rate = {} if deterioration_rate is None else {"deterioration_rate": deterioration_rate}
    vitals = datasets.make_ward_vitals(2_000, hours=L08_WINDOW_H, random_state=L08_SEED, **rate).frame
    admissions = vitals.groupby("admission_id").agg(
        deteriorated=("deteriorated", "first"),
        onset_hour=("onset_hour", "first"),
        deterioration_type=("deterioration_type", "first"),
    )
    admissions["hours_on_ward"] = admissions["onset_hour"].clip(upper=L08_WINDOW_H).fillna(L08_WINDOW_H)
    vitals["news2"] = datasets.news2_score(vitals)
    vitals["band"] = datasets.news2_risk_band(vitals)
    return vitals, admissions


def _l08_counts(obs: pd.DataFrame) -> pd.Series:
    hours_to_onset = obs["onset_hour"] - obs["hour"]
    return (obs["deteriorated"] == 0) | hours_to_onset.between(L08_MIN_WARNING_H, 24)


def _l08_admission_level(obs: pd.DataFrame, admissions: pd.DataFrame, score: str = "news2") -> pd.DataFrame:
    """Highest score 4-24 h before the onset (deteriorations in the window) or over the stay (others)."""
    fate_observed = admissions.index[~(admissions["onset_hour"] >= L08_WINDOW_H)]
    return (
        obs[_l08_counts(obs)]
        .groupby("admission_id")[score]
        .max()
        .reindex(fate_observed, fill_value=-1)
        .to_frame("max_news2")
        .join(admissions[["deteriorated", "deterioration_type"]])
    )


def _l08_new_alerts(obs: pd.DataFrame, threshold: float, score: str = "news2") -> pd.Series:
    flagged = obs[score] >= threshold
    return flagged & ~flagged.groupby(obs["admission_id"]).shift(fill_value=False)


def _l08_alerts_per_ward_day(obs, admissions, threshold, score: str = "news2") -> float:
    patient_days = admissions["hours_on_ward"].sum() / 24
    return float(_l08_new_alerts(obs, threshold, score).sum() / patient_days * L08_WARD_BEDS)


def _l08_lead_times(obs: pd.DataFrame, threshold: float, score: str = "news2") -> pd.Series:
    cases = obs[(obs["onset_hour"] < L08_WINDOW_H) & (obs["deterioration_within_24h"] == 1)]
    onset = cases.groupby("admission_id")["onset_hour"].first()
    first_alert = cases[cases[score] >= threshold].groupby("admission_id")["hour"].min()
    return (onset - first_alert).dropna()


@pytest.fixture(scope="module")
def l08_ward():
    vitals, admissions = _l08_ward()
    return vitals.dropna(subset=["news2"]), admissions


def test_l08_ex1_lowest_threshold_within_two_alerts_a_day(l08_ward):
    obs, admissions = l08_ward
    per_day = {t: _l08_alerts_per_ward_day(obs, admissions, t) for t in range(3, 10)}
    # the burden falls as the threshold rises, and 6 is the first threshold at or under 2 a day
    assert all(per_day[t] > per_day[t + 1] for t in range(3, 9))
    assert per_day[5] > 2 >= per_day[6]
    assert per_day[5] == pytest.approx(2.39, abs=0.01)  # documented next to the question (hint "2.4")
    assert per_day[6] == pytest.approx(1.69, abs=0.01)
    assert exercises.check("l08_ex1_threshold_for_budget", 6).passed is True
    assert exercises.check("l08_ex1_threshold_for_budget", 6.0).passed is True
    wrong = exercises.check("l08_ex1_threshold_for_budget", 5)
    assert wrong.passed is False and "2.4" in wrong.hint
    assert "lowest" in exercises.check("l08_ex1_threshold_for_budget", 7).hint
    assert exercises.check("l08_ex1_threshold_for_budget", "six").passed is False


def test_l08_ex2_admission_level_nne_on_the_low_acuity_ward():
    vitals, admissions = _l08_ward(deterioration_rate=0.02)
    obs = vitals.dropna(subset=["news2"])
    per_admission = _l08_admission_level(obs, admissions)
    row = metrics.threshold_table(per_admission["deteriorated"], per_admission["max_news2"], [5]).iloc[0]
    assert int(per_admission["deteriorated"].sum()) == 26 and (row["TP"], row["FP"]) == (15, 221)
    assert row["NNE"] == pytest.approx(1 / row["PPV"]) and row["NNE"] == pytest.approx(15.73, abs=0.005)
    assert exercises.check("l08_ex2_nne_low_acuity_ward", float(row["NNE"])).passed is True
    # the observation-level NNE on the same ward is the mistake the hint names
    y, score = obs["deterioration_within_24h"], obs["news2"]
    nne_obs = float(metrics.threshold_table(y, score, [5]).iloc[0]["NNE"])
    assert nne_obs == pytest.approx(12.41, abs=0.005)
    result = exercises.check("l08_ex2_nne_low_acuity_ward", round(nne_obs, 2))
    assert result.passed is False and "observation" in result.hint
    ppv = exercises.check("l08_ex2_nne_low_acuity_ward", round(float(row["PPV"]), 3))
    assert ppv.passed is False and "reciprocal" in ppv.hint


def test_l08_admission_level_table_and_prose(l08_ward):
    """The lesson's admission-level table at NEWS2 >= 5 and what its prose says about it."""
    obs, admissions = l08_ward
    per_admission = _l08_admission_level(obs, admissions)
    assert len(per_admission) == 1972 and int(per_admission["deteriorated"].sum()) == 81
    row = metrics.threshold_table(per_admission["deteriorated"], per_admission["max_news2"], [5]).iloc[0]
    assert (row["TP"], row["FP"], row["FN"]) == (53, 214, 28)
    obs_row = metrics.threshold_table(obs["deterioration_within_24h"], obs["news2"], [5]).iloc[0]
    # "the observation-level one is the higher"
    assert obs_row["sensitivity"] > row["sensitivity"]
    # "almost all the sudden deteriorations get no alert; some gradual ones are missed too"
    det = per_admission[per_admission["deteriorated"] == 1]
    warned = det["max_news2"] >= 5
    sudden = det["deterioration_type"] == "sudden"
    assert warned[sudden].mean() < 0.2 and 0 < (~warned[~sudden]).sum() < (~warned[sudden]).sum() + 5
    # "alerts per deterioration ... larger than the admission-level NNE"
    n_deteriorations = int((admissions["onset_hour"] < L08_WINDOW_H).sum())
    assert _l08_new_alerts(obs, 5).sum() / n_deteriorations > row["NNE"]


def test_l08_ex5_missed_sudden_share(l08_ward):
    obs, admissions = l08_ward
    per_admission = _l08_admission_level(obs, admissions)
    det = per_admission[per_admission["deteriorated"] == 1]
    missed = det[det["max_news2"] < 5]
    sudden = det["deterioration_type"] == "sudden"
    assert (len(missed), int((missed["deterioration_type"] == "sudden").sum()), int(sudden.sum())) == (
        28,
        13,
        15,
    )
    share = float((missed["deterioration_type"] == "sudden").mean())
    assert exercises.check("l08_ex5_missed_sudden_share", share).passed is True
    wrong = exercises.check("l08_ex5_missed_sudden_share", round(13 / 15, 3))
    assert wrong.passed is False and "THEM" in wrong.hint
    assert "81" in exercises.check("l08_ex5_missed_sudden_share", round(13 / 81, 2)).hint
    assert exercises.check("l08_ex5_missed_sudden_share", [0.46]).passed is False


def test_l08_observation_level_prose(l08_ward):
    obs, _ = l08_ward
    share = obs.groupby("band", observed=True)["deterioration_within_24h"].mean()
    assert share["high"] > 0.5 and share["low"] < 0.05  # "in the high band, over half are"
    assert obs["band"].value_counts().idxmax() == "low"  # "most observation sets are in the low band"
    y = obs["deterioration_within_24h"]
    aggregate, low_medium = obs["band"] >= "medium", obs["band"] == "low-medium"
    assert y[low_medium].mean() < y[aggregate].mean() / 5  # the single-parameter tier's far lower PPV


def test_l08_wards_auroc_steady_nne_triples():
    results = {}
    for rate in (0.06, 0.04, 0.02):
        vitals, _ = _l08_ward(rate)
        obs = vitals.dropna(subset=["news2"])
        row = metrics.threshold_table(obs["deterioration_within_24h"], obs["news2"], [5]).iloc[0]
        results[rate] = (
            metrics.roc_auc_ci(obs["deterioration_within_24h"], obs["news2"]).estimate,
            row["NNE"],
        )
    aurocs = [auc for auc, _ in results.values()]
    assert max(aurocs) - min(aurocs) < 0.02  # "the AUROC barely moves"
    assert 2.5 < results[0.02][1] / results[0.06][1] < 3.5  # "the NNE roughly triples"


def test_l08_lead_time_prose(l08_ward):
    obs, admissions = l08_ward
    n_deteriorations = int((admissions["onset_hour"] < L08_WINDOW_H).sum())
    per_admission = _l08_admission_level(obs, admissions)
    sensitivity = metrics.threshold_table(per_admission["deteriorated"], per_admission["max_news2"], [5])
    for threshold in (5, 6, 7):
        lead = _l08_lead_times(obs, threshold)
        assert len(lead) / n_deteriorations < 0.9  # "even at 0 hours no curve reaches 100%"
    # at 4 hours the curve equals the admission-level sensitivity
    at_4h = (_l08_lead_times(obs, 5) >= L08_MIN_WARNING_H).sum() / n_deteriorations
    assert at_4h == pytest.approx(sensitivity.iloc[0]["sensitivity"])


def _l08_trend_features(frame: pd.DataFrame) -> pd.DataFrame:
    """The lesson's trend_features, step by step."""
    f = frame.sort_values(["admission_id", "hour"])
    X = f[["hour", "age", "on_oxygen", *L08_TREND_VITALS]].assign(
        confused=(f["consciousness"] != "A").astype(int), scale2=(f["spo2_scale"] == 2).astype(int)
    )
    by_admission = f.groupby("admission_id")
    X["hours_since_last_set"] = by_admission["hour"].diff()
    for col in L08_TREND_VITALS:
        X[f"{col}_change"] = by_admission[col].diff()
    clock = pd.Timestamp("2000-01-01") + pd.to_timedelta(f["hour"], unit="h")
    last_24h = (
        f[["admission_id", *L08_TREND_VITALS]]
        .assign(clock=clock)
        .groupby("admission_id")
        .rolling("24h", on="clock")
    )
    for stat in ("max", "min", "mean"):
        X[[f"{col}_24h_{stat}" for col in L08_TREND_VITALS]] = getattr(
            last_24h[L08_TREND_VITALS], stat
        )().to_numpy()
    X["sets_in_24h"] = last_24h["news2"].count().to_numpy()
    return X.loc[frame.index]


def test_l08_trend_model_at_the_same_alarm_burden():
    """The model section: better AUROC; at matched burden as many warned at 5, more at 6 and 7, earlier."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits

    vitals, admissions = _l08_ward()
    development = datasets.make_ward_vitals(6_000, hours=L08_WINDOW_H, random_state=L08_SEED + 1).frame
    development["news2"] = datasets.news2_score(development)
    with threadpool_limits(1):
        model = HistGradientBoostingClassifier(max_iter=150, learning_rate=0.05, random_state=L08_SEED)
        model.fit(_l08_trend_features(development), development["deterioration_within_24h"])
        risk = pd.Series(model.predict_proba(_l08_trend_features(vitals))[:, 1], index=vitals.index)
    obs = vitals.dropna(subset=["news2"]).assign(ml_risk=risk)
    y = obs["deterioration_within_24h"]
    assert metrics.roc_auc_ci(y, obs["ml_risk"]).estimate > metrics.roc_auc_ci(y, obs["news2"]).estimate
    candidates = np.quantile(obs["ml_risk"], np.linspace(0.5, 0.999, 400))
    for threshold in (5, 6, 7):
        budget = _l08_alerts_per_ward_day(obs, admissions, threshold)
        burden = np.array([_l08_alerts_per_ward_day(obs, admissions, c, "ml_risk") for c in candidates])
        t_ml = candidates[np.argmin(np.abs(burden - budget))]
        assert _l08_alerts_per_ward_day(obs, admissions, t_ml, "ml_risk") == pytest.approx(budget, rel=0.05)
        news2_adm, ml_adm = (
            _l08_admission_level(obs, admissions),
            _l08_admission_level(obs, admissions, "ml_risk"),
        )
        warned_news2 = (news2_adm.loc[news2_adm.deteriorated == 1, "max_news2"] >= threshold).mean()
        warned_ml = (ml_adm.loc[ml_adm.deteriorated == 1, "max_news2"] >= t_ml).mean()
        assert warned_ml < 0.8 and warned_news2 < 0.8  # "both columns stay well below 100%"
        if threshold == 5:
            assert warned_ml == pytest.approx(warned_news2, abs=0.03)  # "about as many patients"
        else:
            assert warned_ml > warned_news2 + 0.05  # "at the lower burdens it loses less"
        assert _l08_lead_times(obs, t_ml, "ml_risk").median() > _l08_lead_times(obs, threshold).median()


# --------------------------------------------------------------------------------------------------
# Lesson 9 (notebooks/09_shift_drift_label_bias.ipynb)
# --------------------------------------------------------------------------------------------------
L09_SEED = 2026
L09_N = 8_000
L09_FEATURES = ["age", "male", "smoker", "diabetes", "total_chol", "hdl_chol", "sbp", "bp_treated"]
L09_EXTERNAL = ["P09", "P10", "P11", "P12"]


def _l09_cohort(**options) -> pd.DataFrame:
    """A lesson-9 cohort restricted, as in the lesson, to patients not on a statin at baseline."""
    frame = datasets.make_primary_care_cohort(L09_N, random_state=L09_SEED, **options).frame
    return frame[frame["statin"] == 0]


def _l09_predictors(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(male=(frame["sex"] == "male").astype(int))[L09_FEATURES]


def _l09_fit(frame: pd.DataFrame, outcome: str = "event_recorded"):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1_000))
    return model.fit(_l09_predictors(frame), frame[outcome])


def _l09_risk(model, frame: pd.DataFrame) -> np.ndarray:
    return model.predict_proba(_l09_predictors(frame))[:, 1]


def _l09_external_oe(site_shift: float) -> float:
    """Pooled O/E in the external practices P09-P12, as in the lesson's site-shift section."""
    from mlhc_course import audit, splits

    regional = _l09_cohort(sites=12, site_shift=site_shift)
    development, external = splits.site_split(regional, site_col="practice", test_sites=L09_EXTERNAL)
    train, internal = splits.patient_split(
        development, patient_col="patient_id", test_size=0.3, random_state=L09_SEED
    )
    model = _l09_fit(train)
    report = audit.external_validation_report(
        internal["event_recorded"],
        _l09_risk(model, internal),
        external["event_recorded"],
        _l09_risk(model, external),
        names=("internal", "external"),
    )
    return float(report.loc["O/E", "external"])


def _l09_women_sensitivity(label_bias: float, outcome: str = "event_recorded") -> float:
    """Sensitivity at 10% in women against the true events, as in the lesson's label-bias section."""
    from mlhc_course import audit, splits

    biased = _l09_cohort(label_bias=label_bias)
    train, test = splits.patient_split(biased, patient_col="patient_id", test_size=0.3, random_state=L09_SEED)
    model = _l09_fit(train, outcome)
    report = audit.subgroup_report(
        test["event_true"], _l09_risk(model, test), test["sex"].astype(str), threshold=0.10
    )
    return float(report.query("group == 'female' and metric == 'sensitivity'")["value"].item())


def test_l09_temporal_drift_prose_claims():
    """The drift section: the AUROC changes little, the later years have fewer events than predicted."""
    from mlhc_course import audit, splits

    drifting_all = datasets.make_primary_care_cohort(L09_N, temporal_drift=True, random_state=L09_SEED).frame
    by_year = drifting_all.groupby("baseline_year")[["diabetes", "statin", "event_recorded"]].mean()
    drifting = drifting_all[drifting_all["statin"] == 0]
    late_years, early_years = by_year.loc[2012:], by_year.loc[:2008]
    assert late_years["diabetes"].min() > early_years["diabetes"].max()  # more coded diabetes
    assert late_years["statin"].min() > early_years["statin"].max()  # statin use rises
    early, late = splits.temporal_split(drifting, time_col="baseline_year", cutoff=2010)
    train, internal = splits.patient_split(
        early, patient_col="patient_id", test_size=0.3, random_state=L09_SEED
    )
    model = _l09_fit(train)
    report = audit.external_validation_report(
        internal["event_recorded"], _l09_risk(model, internal), late["event_recorded"], _l09_risk(model, late),
        names=("early", "late"),
    )  # fmt: skip
    assert abs(report.loc["AUROC", "difference"]) < 0.05
    assert report.loc["O/E", "late"] < 0.85 and report.loc["O/E", "late_ci_upper"] < 1
    held_out = pd.concat([internal, late])
    by_year = audit.compare_sites(
        held_out["event_recorded"], _l09_risk(model, held_out), held_out["baseline_year"]
    )
    oe_by_year = by_year[by_year["metric"] == "O/E"].set_index("site")["value"]
    later = oe_by_year.index.astype(int) >= 2010
    assert (oe_by_year[later] < 1).all()  # the figure: below 1 in every later year


def test_l09_pooled_external_report_prose():
    """Pooled: AUROC somewhat lower, O/E and CITL intervals still include 1 and 0, slope clearly below 1."""
    from mlhc_course import audit, splits

    regional = _l09_cohort(sites=12, site_shift=1.0)
    development, external = splits.site_split(regional, site_col="practice", test_sites=L09_EXTERNAL)
    train, internal = splits.patient_split(
        development, patient_col="patient_id", test_size=0.3, random_state=L09_SEED
    )
    model = _l09_fit(train)
    report = audit.external_validation_report(
        internal["event_recorded"], _l09_risk(model, internal), external["event_recorded"], _l09_risk(model, external),
        names=("internal", "external"),
    )  # fmt: skip
    assert report.loc["AUROC", "external"] < report.loc["AUROC", "internal"]
    assert report.loc["O/E", "external_ci_lower"] < 1 < report.loc["O/E", "external_ci_upper"]
    assert (
        report.loc["calibration-in-the-large", "external_ci_lower"]
        < 0
        < report.loc["calibration-in-the-large", "external_ci_upper"]
    )
    assert report.loc["calibration slope", "external_ci_upper"] < 1


def test_l09_per_practice_table_prose():
    """Small numbers: every practice under 100 events, most O/E intervals include 1, the extreme is tiny."""
    from mlhc_course import audit, splits

    def by_practice(site_shift):
        regional = _l09_cohort(sites=12, site_shift=site_shift)
        development, external = splits.site_split(regional, site_col="practice", test_sites=L09_EXTERNAL)
        train, internal = splits.patient_split(
            development, patient_col="patient_id", test_size=0.3, random_state=L09_SEED
        )
        held_out = pd.concat([internal, external])
        model = _l09_fit(train)
        table = audit.compare_sites(
            held_out["event_recorded"], _l09_risk(model, held_out), held_out["practice"].astype(str)
        )
        return table.pivot(index="site", columns="metric", values="value"), table[table["metric"] == "O/E"]

    wide, oe = by_practice(1.0)
    events = (wide["n"] * wide["prevalence"]).round()
    assert (events < 100).all()  # "every practice has fewer than 100 events"
    includes_one = (oe["ci_lower"] <= 1) & (oe["ci_upper"] >= 1)
    assert includes_one.sum() >= 8  # "in many of them the interval includes 1"
    extreme = np.log(wide["O/E"]).abs().idxmax()
    assert events[extreme] < 10  # "a practice with only a handful of events"
    wide_none, _ = by_practice(0.0)
    assert np.log(wide["O/E"]).std() > 1.3 * np.log(wide_none["O/E"]).std()  # "spread more widely"


def test_l09_model_card_is_computed_in_the_setting_of_use():
    """The lesson's card: results on the external, later patients, per-practice results, 23b covered."""
    from mlhc_course import audit, reporting, splits

    region = _l09_cohort(sites=12, site_shift=1.0, temporal_drift=True, label_bias=0.5)
    dev_sites, new_sites = splits.site_split(region, site_col="practice", test_sites=L09_EXTERNAL)
    dev_period, _ = splits.temporal_split(dev_sites, time_col="baseline_year", cutoff=2010)
    _, deployment = splits.temporal_split(new_sites, time_col="baseline_year", cutoff=2010)
    dev_train, dev_test = splits.patient_split(
        dev_period, patient_col="patient_id", test_size=0.3, random_state=L09_SEED
    )
    model = _l09_fit(dev_train)
    risk_new = _l09_risk(model, deployment)
    y_new = deployment["event_recorded"]
    validation = audit.external_validation_report(
        dev_test["event_recorded"], _l09_risk(model, dev_test), y_new, risk_new, names=("internal", "new")
    )
    assert validation.loc["O/E", "new"] < 1 and y_new.sum() < 100  # "more events predicted; too few events"
    card = reporting.model_card(
        "m", intended_use="x", data={"Outcome": "y"}, calibration=metrics.calibration_summary(y_new, risk_new),
        external_validation=validation, setting_of_use="later, elsewhere", evaluated_on="P09-P12, 2010-2014",
        clusters=audit.compare_sites(y_new, risk_new, deployment["practice"].astype(str)), limitations=["z"],
    )  # fmt: skip
    assert card.checklist.set_index("item").loc["23b", "covered"] == "yes"
    assert "fewer than 100 events" in card.to_markdown()


def test_l09_ex1_validation_design_for_the_same_practices():
    assert exercises.check("l09_ex1_validation_design", "temporal").passed is True
    assert exercises.check("l09_ex1_validation_design", " Temporal ").passed is True
    result = exercises.check("l09_ex1_validation_design", "site")
    assert result.passed is False and "same practices" in result.hint


def test_l09_ex2_external_oe_with_exchangeable_practices():
    oe_shift, oe_none = _l09_external_oe(1.0), _l09_external_oe(0.0)
    assert oe_shift == pytest.approx(0.912, abs=0.001)  # the lesson's own figure
    assert oe_none == pytest.approx(1.009, abs=0.001)  # documented next to the question
    assert exercises.check("l09_ex2_oe_exchangeable_practices", oe_none).passed is True
    result = exercises.check("l09_ex2_oe_exchangeable_practices", round(oe_shift, 3))
    assert result.passed is False and "site_shift=1.0" in result.hint


def test_l09_ex3_women_sensitivity_with_less_label_bias():
    half, quarter = _l09_women_sensitivity(0.5), _l09_women_sensitivity(0.25)
    oracle = _l09_women_sensitivity(0.25, outcome="event_true")
    assert half == pytest.approx(4 / 52, abs=0.001)  # the lesson's own figure at label_bias=0.5
    assert quarter == pytest.approx(8 / 52) and oracle == pytest.approx(21 / 52)  # documented values
    assert half < quarter < oracle  # less under-recording, less under-prediction
    assert exercises.check("l09_ex3_women_sensitivity", quarter).passed is True
    result = exercises.check("l09_ex3_women_sensitivity", round(half, 3))
    assert result.passed is False and "0.25" in result.hint


# --------------------------------------------------------------------------------------------------
# Lesson 5 (notebooks/05_leakage.ipynb)
# --------------------------------------------------------------------------------------------------
L05_SEED = 2026
L05_LEAKY = ["cardiology_referral", "statin_at_followup"]


def _l05_logistic():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


@pytest.fixture(scope="module")
def l05_cohort():
    """The lesson's cohort, design matrix and patient-level split, built exactly as in the notebook."""
    from mlhc_course import splits

    cohort = datasets.make_primary_care_cohort(
        4000, repeat_visits=True, leaky_features=True, random_state=L05_SEED
    )
    frame = cohort.frame
    X = pd.get_dummies(cohort.data, drop_first=True, dtype=float)
    train, test = splits.patient_split(frame, patient_col="patient_id", test_size=0.25, random_state=L05_SEED)
    base = [c for c in X.columns if c not in L05_LEAKY]
    return frame, X, cohort.target, train, test, base


def _l05_test_auroc(l05_cohort, columns, model=None):
    _, X, y, train, test, _ = l05_cohort
    model = model or _l05_logistic()
    model.fit(X.loc[train.index, columns], y.loc[train.index])
    return metrics.roc_auc_ci(
        y.loc[test.index], model.predict_proba(X.loc[test.index, columns])[:, 1]
    ).estimate


def test_l05_ex1_cardiology_referral_inflates_the_auroc_more(l05_cohort):
    base = l05_cohort[5]
    auc_base = _l05_test_auroc(l05_cohort, base)
    auc_referral = _l05_test_auroc(l05_cohort, base + ["cardiology_referral"])
    auc_statin = _l05_test_auroc(l05_cohort, base + ["statin_at_followup"])
    assert auc_base == pytest.approx(0.800, abs=0.002)  # the values quoted next to the question
    assert auc_referral == pytest.approx(0.964, abs=0.002)
    assert auc_statin == pytest.approx(0.887, abs=0.002)
    assert exercises.check("l05_ex1_which_leak", "cardiology_referral").passed is True
    assert exercises.check("l05_ex1_which_leak", "statin_at_followup").passed is False


def test_l05_ex2_informative_missingness_auroc():
    cohort = datasets.make_primary_care_cohort(4000, missingness="informative", random_state=L05_SEED)
    n_missing = cohort.frame[["total_chol", "hba1c", "egfr"]].isna().sum(axis=1)
    auc = metrics.roc_auc_ci(cohort.target, -n_missing).estimate
    assert auc == pytest.approx(0.667, abs=0.0005)  # documented next to the question
    assert exercises.check("l05_ex2_missingness_auroc", auc).passed is True
    assert exercises.check("l05_ex2_missingness_auroc", round(auc, 3)).passed is True
    flipped = exercises.check("l05_ex2_missingness_auroc", 1 - auc)
    assert flipped.passed is False and "minus the count" in flipped.hint
    # with missingness completely at random the count carries no signal: the lesson's contrast
    random = datasets.make_primary_care_cohort(4000, missingness="random", random_state=L05_SEED)
    n_random = random.frame[["total_chol", "hba1c", "egfr"]].isna().sum(axis=1)
    assert abs(metrics.roc_auc_ci(random.target, -n_random).estimate - 0.5) < 0.05


def test_l05_prose_claims_hold(l05_cohort):
    """What the lesson's prose says about its outputs: leakage beats the ceiling, honesty does not."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import train_test_split

    frame, X, y, train, test, base = l05_cohort
    train_rows, test_rows = train_test_split(frame, test_size=0.25, random_state=L05_SEED)

    def forest():
        return RandomForestClassifier(n_estimators=150, n_jobs=2, random_state=L05_SEED)

    def auc(model, columns, tr, te):
        model.fit(X.loc[tr.index, columns], y.loc[tr.index])
        return metrics.roc_auc_ci(
            y.loc[te.index], model.predict_proba(X.loc[te.index, columns])[:, 1]
        ).estimate

    ceiling_rows = metrics.roc_auc_ci(
        y.loc[test_rows.index], frame.loc[test_rows.index, "true_risk"]
    ).estimate
    ceiling_pat = metrics.roc_auc_ci(y.loc[test.index], frame.loc[test.index, "true_risk"]).estimate
    assert auc(forest(), list(X.columns), train_rows, test_rows) >= 0.95  # "at least as impressive"
    assert auc(forest(), base, train_rows, test_rows) > ceiling_rows + 0.1  # memorised patients
    assert auc(forest(), base, train, test) < ceiling_pat  # honest split: below the ceiling
    # the leaky model at the visit: no better than the honest one, and it under-predicts badly
    leaky = _l05_logistic().fit(X.loc[train.index], y.loc[train.index])
    at_visit = X.loc[test.index].copy()
    at_visit["cardiology_referral"] = 0.0
    at_visit["statin_at_followup"] = at_visit["statin"]
    p_in_use = leaky.predict_proba(at_visit)[:, 1]
    assert metrics.roc_auc_ci(y.loc[test.index], p_in_use).estimate < _l05_test_auroc(l05_cohort, base)
    assert metrics.calibration_summary(y.loc[test.index], p_in_use).observed_expected > 3
    coefficients = pd.Series(leaky[-1].coef_[0], index=X.columns).abs().sort_values(ascending=False)
    assert set(coefficients.index[:2]) == set(L05_LEAKY)
    assert leaky[-1].coef_[0][list(X.columns).index("statin")] < 0  # the "odd negative coefficient"


def test_l05_odds_ratios_yes_vs_no_and_against_risk_ratios(l05_cohort):
    """The odds-ratio table reads yes vs no for 0/1 features; OR and RR part company when risk is common."""
    _, X, y, train, _, _ = l05_cohort
    leaky = _l05_logistic().fit(X.loc[train.index], y.loc[train.index])
    coef = pd.Series(leaky[-1].coef_[0] / leaky[0].scale_, index=X.columns)  # log-odds per unit
    assert X["smoker"].isin([0, 1]).all() and not X["age"].isin([0, 1]).all()
    assert np.exp(coef["cardiology_referral"]) > np.exp(coef["statin_at_followup"]) > 10  # the two leaks
    assert np.exp(coef["statin"]) < 1

    def ratios(column):
        risk_yes, risk_no = y[X[column] == 1].mean(), y[X[column] == 0].mean()
        return risk_yes, risk_yes / risk_no, (risk_yes / (1 - risk_yes)) / (risk_no / (1 - risk_no))

    risk_diabetes, rr_diabetes, or_diabetes = ratios("diabetes")
    assert risk_diabetes > 0.2 and or_diabetes > 1.15 * rr_diabetes  # "noticeably further from 1"
    risk_referral, rr_referral, or_referral = ratios("cardiology_referral")
    assert risk_referral > 0.5 and or_referral > 3 * rr_referral  # "several times the risk ratio"


# --------------------------------------------------------------------------------------------------
# Lesson 6 (notebooks/06_calibration_decision_curves.ipynb)
# --------------------------------------------------------------------------------------------------
L06_SEED = 2026
L06_PREDICTORS = ["age", "sex", "smoker", "diabetes", "total_chol", "hdl_chol", "sbp", "bp_treated",
                  "bmi", "egfr", "hba1c"]  # fmt: skip


def _l06_statin_naive(n_patients: int, random_state: int) -> pd.DataFrame:
    frame = datasets.make_primary_care_cohort(n_patients, random_state=random_state).frame
    frame = frame[frame["statin"] == 0].copy()
    frame["sex"] = (frame["sex"] == "male").astype(int)
    return frame


@pytest.fixture(scope="module")
def l06_models():
    """Team A, team B and team B recalibrated, fitted and validated exactly as in the notebook."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import PolynomialFeatures, StandardScaler

    dev = _l06_statin_naive(3000, L06_SEED)
    val = _l06_statin_naive(20000, L06_SEED + 1)
    recal = _l06_statin_naive(10000, L06_SEED + 3)
    X_dev, y_dev = dev[L06_PREDICTORS], dev["event_recorded"]
    simple = make_pipeline(StandardScaler(), LogisticRegression(C=np.inf, max_iter=1000)).fit(X_dev, y_dev)
    sink = make_pipeline(
        StandardScaler(),
        PolynomialFeatures(degree=2, include_bias=False),
        StandardScaler(),
        LogisticRegression(C=np.inf, max_iter=5000),
    ).fit(X_dev, y_dev)
    recalibrator = LogisticRegression(C=np.inf).fit(
        sink.decision_function(recal[L06_PREDICTORS]).reshape(-1, 1), recal["event_recorded"]
    )
    X_val = val[L06_PREDICTORS]
    probs = {
        "team A (simple)": simple.predict_proba(X_val)[:, 1],
        "team B (kitchen sink)": sink.predict_proba(X_val)[:, 1],
        "team B recalibrated": recalibrator.predict_proba(sink.decision_function(X_val).reshape(-1, 1))[:, 1],
        "true risk": val["true_risk"].to_numpy(),
    }
    apparent = {"A": simple.predict_proba(X_dev)[:, 1], "B": sink.predict_proba(X_dev)[:, 1]}
    return dev, val, probs, apparent


def test_l06_q1_slope_below_one_means_too_extreme():
    assert exercises.check("l06_q1_slope_below_one", "too extreme").passed is True
    assert exercises.check("l06_q1_slope_below_one", "Too moderate").passed is False


def test_l06_ex1_team_a_net_benefit_at_ten_percent(l06_models):
    _, val, probs, _ = l06_models
    curve = metrics.decision_curve(val["event_recorded"], probs, thresholds=[0.05, 0.075, 0.10, 0.15, 0.20])
    nb = curve.pivot(index="threshold", columns="strategy", values="net_benefit")
    avoided = curve.pivot(index="threshold", columns="strategy", values="interventions_avoided_per_100")
    # the values documented next to the question (and used by its mistake hints)
    assert nb.loc[0.10, "team A (simple)"] == pytest.approx(0.0194, abs=0.00005)
    assert nb.loc[0.10, "treat all"] == pytest.approx(-0.0276, abs=0.00005)
    assert avoided.loc[0.10, "team A (simple)"] == pytest.approx(42.3, abs=0.05)
    assert exercises.check("l06_ex1_net_benefit_at_10", float(nb.loc[0.10, "team A (simple)"])).passed is True
    assert (
        exercises.check("l06_ex1_net_benefit_at_10", round(nb.loc[0.10, "team A (simple)"], 4)).passed is True
    )
    treat_all = exercises.check("l06_ex1_net_benefit_at_10", round(nb.loc[0.10, "treat all"], 4))
    assert treat_all.passed is False and "treating everyone" in treat_all.hint
    per_1000 = exercises.check("l06_ex1_net_benefit_at_10", round(1000 * nb.loc[0.10, "team A (simple)"], 1))
    assert per_1000.passed is False and "1,000" in per_1000.hint
    # the prose: treat-all harms at 10%; team B is below team A at every tabulated threshold
    assert nb.loc[0.10, "treat all"] < 0
    assert (nb["team B (kitchen sink)"] < nb["team A (simple)"]).all()


def test_l06_net_benefit_uncertainty_and_events_prevented(l06_models):
    """The bootstrap of net benefit, and true positives against events prevented (HR 0.75), with the NNT."""
    _, val, probs, _ = l06_models
    y = val["event_recorded"].to_numpy()
    team_a, team_b = probs["team A (simple)"], probs["team B (kitchen sink)"]

    def nb(y_true, p):
        return float(metrics.net_benefit(y_true, p, [0.10])[0])

    ci_a = metrics.bootstrap_ci(nb, y, team_a, n_resamples=500, random_state=L06_SEED)
    ci_b = metrics.bootstrap_ci(nb, y, team_b, n_resamples=500, random_state=L06_SEED)
    paired = metrics.bootstrap_ci(
        lambda yy, i: nb(yy, team_a[i]) - nb(yy, team_b[i]), y, np.arange(len(y)), n_resamples=500,
        random_state=L06_SEED,
    )  # fmt: skip
    assert ci_a.ci_lower > 0 and ci_b.ci_lower > 0 and paired.ci_lower > 0  # "excludes zero"
    assert ci_a.ci_upper - ci_a.ci_lower < 0.01
    risk = val["true_risk"].to_numpy()
    reduction = risk - (1 - (1 - risk) ** datasets.STATIN_HR)
    offered = team_a >= 0.10
    true_positives = (offered & (y == 1)).sum()
    assert 0.2 < reduction[offered].sum() / true_positives < 0.3  # "only about a quarter"
    assert round(1 / reduction[offered].mean()) == 25  # "about 25 patients for 10 years"


def test_l06_ex3_framingham_overestimates_in_statin_users():
    frame = datasets.make_primary_care_cohort(20000, random_state=L06_SEED + 1).frame
    users = frame[frame["statin"] == 1]
    summary = metrics.calibration_summary(users["event_recorded"], users["framingham_risk"])
    assert summary.observed_expected < 0.9 and summary.citl_ci[1] < 0
    assert exercises.check("l06_ex3_framingham_statin", "overestimates").passed is True
    assert exercises.check("l06_ex3_framingham_statin", "underestimates").passed is False


def test_l06_prose_claims_hold(l06_models):
    """Overfitting shows on new patients only; recalibration fixes the risks but not the ranking."""
    dev, val, probs, apparent = l06_models
    y_dev, y_val = dev["event_recorded"], val["event_recorded"]
    # apparent: team B looks better than team A and perfectly calibrated on its own data
    assert (
        metrics.roc_auc_ci(y_dev, apparent["B"]).estimate > metrics.roc_auc_ci(y_dev, apparent["A"]).estimate
    )
    cal_apparent = metrics.calibration_summary(y_dev, apparent["B"])
    assert cal_apparent.observed_expected == pytest.approx(1, abs=0.005)
    assert cal_apparent.slope == pytest.approx(1, abs=0.01)
    cal = {name: metrics.calibration_summary(y_val, p) for name, p in probs.items()}
    auc = {name: metrics.roc_auc_ci(y_val, p).estimate for name, p in probs.items()}
    assert cal["team B (kitchen sink)"].slope < 0.6
    assert cal["team A (simple)"].slope_ci[0] < 1 < cal["team A (simple)"].slope_ci[1]
    assert cal["team A (simple)"].observed_expected < 1  # "overestimates risk slightly on average"
    assert dev["event_recorded"].mean() > y_val.mean()
    lo, hi = cal["team B recalibrated"].slope_ci
    assert lo < 1 < hi and abs(cal["team B recalibrated"].observed_expected - 1) < 0.05
    assert auc["team B recalibrated"] == pytest.approx(auc["team B (kitchen sink)"], abs=1e-9)
    assert auc["true risk"] > auc["team A (simple)"] > auc["team B (kitchen sink)"]
    # decision curve: team B falls below treat-none at the highest thresholds shown; team A does not
    nb = metrics.decision_curve(y_val, probs, thresholds=[0.35, 0.38, 0.40]).pivot(
        index="threshold", columns="strategy", values="net_benefit"
    )
    assert (nb["team B (kitchen sink)"] < 0).all() and (nb["team A (simple)"] > 0).all()
    # recalibration fixes mean and slope but not the curve: both extreme tenths have more events than predicted
    curve = metrics.calibration_summary(y_val, probs["team B recalibrated"], strategy="quantile").table
    for _, tenth in curve.iloc[[0, -1]].iterrows():
        assert tenth["ci_lower"] > tenth["mean_predicted"]
    # at 10%, recalibrated team B offers fewer statins than team B, which offers fewer than team A
    offered = {name: float(np.mean(p >= 0.10)) for name, p in probs.items()}
    assert offered["team B recalibrated"] < offered["team B (kitchen sink)"] < offered["team A (simple)"]


def test_l05_ex3_patient_level_interval_is_wider(l05_cohort):
    """The widths quoted next to l05_ex3_cluster_bootstrap, computed as the exercise asks."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.metrics import roc_auc_score

    frame, X, y, train, test, base = l05_cohort
    forest = RandomForestClassifier(n_estimators=150, n_jobs=2, random_state=L05_SEED)
    forest.fit(X.loc[train.index, base], y.loc[train.index])
    p_forest = forest.predict_proba(X.loc[test.index, base])[:, 1]
    y_test = y.loc[test.index]
    rows = metrics.bootstrap_ci(roc_auc_score, y_test, p_forest, random_state=L05_SEED)
    patients = metrics.bootstrap_ci(
        roc_auc_score, y_test, p_forest, groups=test["patient_id"], random_state=L05_SEED
    )
    assert rows.estimate == pytest.approx(0.770, abs=0.002)
    assert (rows.ci_lower, rows.ci_upper) == pytest.approx((0.742, 0.798), abs=0.002)
    assert (patients.ci_lower, patients.ci_upper) == pytest.approx((0.717, 0.814), abs=0.002)
    ratio = (patients.ci_upper - patients.ci_lower) / (rows.ci_upper - rows.ci_lower)
    assert ratio == pytest.approx(1.73, abs=0.01)
    assert exercises.check("l05_ex3_cluster_bootstrap", ratio).passed is True
    reversed_ratio = exercises.check("l05_ex3_cluster_bootstrap", 1 / ratio)
    assert reversed_ratio.passed is False and "on top" in reversed_ratio.hint
    assert exercises.check("l05_ex3_cluster_bootstrap", 1.0).passed is False
    assert exercises.check("l05_ex3_cluster_bootstrap", "wider").passed is False
