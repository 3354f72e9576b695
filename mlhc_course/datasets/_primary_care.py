"""``make_primary_care_cohort``: adults in primary care with a known 10-year CVD risk and pitfall switches.

The data-generating process, its sources and its limits are in the datasheet
(``mlhc_course/datasets/descr/primary_care_cohort.md``); the constants below cite their sources.
Everything is vectorised over patients: the only Python loops run over sites or visits.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._validation import Interval, Options, check_param, check_random_state, reject_unknown_keywords
from ._base import SEXES, ClinicalDataset, Column, build_dataset, datasheet, present_columns
from ._framingham import BASELINE_SURVIVAL_10Y, MMOL_TO_MG_DL, framingham_linear_predictor

__all__ = ["make_primary_care_cohort", "PRIMARY_CARE_PITFALLS", "STATIN_HR", "WEIBULL_SHAPE"]

_NAME = "primary_care_cohort"
_CALLER = "make_primary_care_cohort"

#: The true causal hazard ratio of statin use on CVD events. Illustrative, in line with the CTT
#: meta-analysis (rate ratio about 0.78 per 1 mmol/L LDL lowering; Lancet 2010;376:1670-81).
STATIN_HR = 0.75

#: Shape of the Weibull baseline hazard, H0(t) = -ln S0(10) * (t / 10) ** WEIBULL_SHAPE, so that S0(10)
#: equals the published value. A shape above 1 means the hazard rises over follow-up, as with ageing.
WEIBULL_SHAPE = 1.25

#: ``temporal_drift``: the coding of non-diabetic hyperglycaemia (HbA1c 42-47 mmol/mol) as diabetes
#: spreads gradually, logistic in the baseline year with this midpoint and scale (years). Illustrative:
#: a change in coding habits diffuses between clinicians and practices over several years.
CODING_CHANGE_MIDPOINT = 2010.0
CODING_CHANGE_SCALE = 0.9

#: Loss to follow-up (leaving the practice, death from other causes), per year, exponential.
LOSS_TO_FOLLOW_UP_RATE = 0.03

#: Baseline years (uniform) and the data extraction date (decimal year): administrative censoring.
BASELINE_YEARS = (2005, 2014)
EXTRACTION_YEAR = 2025.0

#: Age bands 30-34 ... 75-79 and their relative sizes, approximately the ONS mid-2019 population
#: estimates for England (rounded; illustrative).
_AGE_BAND_WEIGHTS = np.array([3.8, 3.7, 3.5, 3.8, 3.9, 3.6, 3.1, 2.8, 2.8, 2.0])

#: Ethnic groups and shares, Census 2021, England and Wales (ONS): 81.7, 9.3, 4.0, 2.9, 2.1 %.
ETHNICITIES = ("White", "Asian", "Black", "Mixed", "Other")
_ETHNICITY_SHARES = np.array([0.817, 0.093, 0.040, 0.029, 0.021])

#: The pitfall switches and their defaults (all off).
PRIMARY_CARE_PITFALLS: dict[str, Any] = {
    "repeat_visits": False,
    "leaky_features": False,
    "missingness": "none",
    "missing_rate": 0.3,
    "sites": 10,
    "site_shift": 0.0,
    "temporal_drift": False,
    "label_bias": 0.0,
    "label_bias_group": "female",
}
_MISSINGNESS = ("none", "random", "informative")
#: Subgroups whose events ``label_bias`` can under-record.
LABEL_BIAS_GROUPS = ("female", "male", *ETHNICITIES, "most_deprived")
_DEFAULT_MAX_VISITS = 4

_BASE_FEATURES = [
    "age", "sex", "ethnicity", "deprivation_quintile", "smoker", "diabetes", "total_chol", "hdl_chol",
    "sbp", "bp_treated", "bmi", "egfr", "hba1c", "statin",
]  # fmt: skip
_LEAKY_FEATURES = ["cardiology_referral", "statin_at_followup"]

COLUMNS = (
    Column("patient_id", "int", "Patient identifier (1..n_patients)."),
    Column("practice", "category", "General practice (site) the patient is registered with: P01, P02, ..."),
    Column("baseline_year", "int", "Calendar year of the baseline visit.", "year"),
    Column("visit_number", "int", "0 for the baseline visit; 1, 2, ... for repeat visits (`repeat_visits`)."),
    Column("months_since_baseline", "int", "Months from the baseline visit to this visit.", "months"),
    Column("age", "int", "Age at the visit, completed years (30-79).", "years"),
    Column("sex", "category", "Sex.", categories=SEXES),
    Column("ethnicity", "category", "Ethnic group (Census 2021 high-level groups).", categories=ETHNICITIES),
    Column("deprivation_quintile", "int", "Index of Multiple Deprivation quintile, 1 = most deprived."),
    Column("smoker", "int", "Current smoker (0/1)."),
    Column("diabetes", "int", "Diabetes recorded (0/1)."),
    Column("total_chol", "float", "Total cholesterol.", "mmol/L", 1),
    Column("hdl_chol", "float", "HDL cholesterol.", "mmol/L", 2),
    Column("sbp", "float", "Systolic blood pressure (on treatment if `bp_treated`).", "mmHg", 0),
    Column("bp_treated", "int", "Taking antihypertensive treatment (0/1)."),
    Column("bmi", "float", "Body mass index.", "kg/m2", 1),
    Column("egfr", "float", "Estimated glomerular filtration rate (CKD-EPI).", "mL/min/1.73m2", 0),
    Column("hba1c", "float", "Glycated haemoglobin (IFCC).", "mmol/mol", 0),
    Column("statin", "int", "Statin started at baseline, by indication (0/1)."),
    Column("cardiology_referral", "int", "LEAKY: referred to cardiology during follow-up (0/1)."),
    Column("statin_at_followup", "int", "LEAKY: on a statin at the end of follow-up (0/1)."),
    Column(
        "framingham_risk",
        "float",
        "Published Framingham 10-year CVD risk of the true baseline values (see the datasheet).",
        "",
        6,
    ),
    Column(
        "true_risk", "float", "Ground truth: the 10-year event probability the outcome was drawn from.", "", 6
    ),
    Column("time_to_event_years", "float", "Follow-up time to the CVD event or censoring.", "years", 3),
    Column("event_observed", "int", "1 if the CVD event was observed, 0 if censored first."),
    Column("event_true", "int", "Ground truth: a CVD event within 10 years of baseline (0/1)."),
    Column("event_recorded", "int", "The 10-year CVD event as recorded (the target; see `label_bias`)."),
)


def _practice_names(n_sites: int) -> list[str]:
    width = max(2, len(str(n_sites)))
    return [f"P{k + 1:0{width}d}" for k in range(n_sites)]


def _logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _check_pitfalls(opts: dict[str, Any]) -> dict[str, Any]:
    check_param(
        opts["repeat_visits"],
        bool,
        Interval(int, 1, None, closed="left"),
        name="repeat_visits",
        caller=_CALLER,
    )
    check_param(opts["leaky_features"], bool, name="leaky_features", caller=_CALLER)
    check_param(opts["missingness"], Options(str, _MISSINGNESS), name="missingness", caller=_CALLER)
    check_param(opts["missing_rate"], Interval(float, 0, 1), name="missing_rate", caller=_CALLER)
    check_param(opts["sites"], Interval(int, 1, 999, closed="both"), name="sites", caller=_CALLER)
    check_param(opts["site_shift"], Interval(float, 0, 1), name="site_shift", caller=_CALLER)
    check_param(opts["temporal_drift"], bool, name="temporal_drift", caller=_CALLER)
    check_param(opts["label_bias"], Interval(float, 0, 1), name="label_bias", caller=_CALLER)
    check_param(
        opts["label_bias_group"], Options(str, LABEL_BIAS_GROUPS), name="label_bias_group", caller=_CALLER
    )
    return opts


@reject_unknown_keywords(kind="pitfall", valid=PRIMARY_CARE_PITFALLS, caller=_CALLER)
def make_primary_care_cohort(
    n_patients: int = 5000,
    *,
    statin_hr: float = STATIN_HR,
    return_X_y: bool = False,
    as_frame: bool = True,
    random_state: int | np.random.Generator | np.random.RandomState | None = None,
    repeat_visits: bool | int = False,
    leaky_features: bool = False,
    missingness: str = "none",
    missing_rate: float = 0.3,
    sites: int = 10,
    site_shift: float = 0.0,
    temporal_drift: bool = False,
    label_bias: float = 0.0,
    label_bias_group: str = "female",
) -> ClinicalDataset | tuple[Any, Any]:
    """Generate a primary-care cohort (ages 30-79) with a known 10-year CVD risk.

    Each patient has demographics, risk factors and labs drawn with realistic correlations; the
    ground-truth 10-year risk comes from the published sex-specific Framingham general CVD
    equations (D'Agostino et al. 2008). Event times are simulated from the same Cox model with a
    Weibull baseline hazard, and censored. Statins are given by indication (more often at higher
    risk: confounding by indication) and truly lower the hazard by ``statin_hr``.

    Each classic pitfall of clinical machine learning is a keyword-only switch, off by default
    (``repeat_visits`` to ``label_bias_group`` below; their defaults are also in
    ``PRIMARY_CARE_PITFALLS``). An unknown keyword raises a ``ValueError`` listing the switches.

    Parameters
    ----------
    n_patients : int, default=5000
        Number of patients (>= 1).
    statin_hr : float, default=0.75
        The true hazard ratio of statin use (in (0, 1]; 1 means no effect).
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a ``ClinicalDataset``.
    as_frame : bool, default=True
        Return pandas objects. If False, ``data`` is a float array with categories as their codes.
    random_state : int, numpy.random.Generator, numpy.random.RandomState or None, default=None
        Seed (an int gives identical data every time) or a source of random draws.
    repeat_visits : bool or int, default=False
        Several rows per ``patient_id``: ``True`` means 1-4 visits, an int k means 1-k visits,
        within two years of baseline, with measurement noise. The outcome is the patient's, so a
        row-level split puts the same patient in train and test (leakage).
    leaky_features : bool, default=False
        Add ``cardiology_referral`` and ``statin_at_followup``, recorded *after* the outcome, to
        the features. They give an unrealistically high AUC.
    missingness : {"none", "random", "informative"}, default="none"
        Missing lab panels (lipids, HbA1c, eGFR). "random": missing completely at random.
        "informative": sicker patients are tested more often, so missingness predicts the outcome.
    missing_rate : float, default=0.3
        Average share of missing lab panels, in [0, 1].
    sites : int, default=10
        Number of practices (``practice`` column).
    site_shift : float, default=0.0
        Between-practice heterogeneity in [0, 1]: case mix (age, deprivation, ethnicity), an
        unmeasured hazard multiplier (prevalence) and a lab calibration offset (recorded
        cholesterol and HbA1c). 0 means exchangeable practices.
    temporal_drift : bool, default=False
        Practice changes over the baseline years 2005-2014: statin use rises, CVD incidence falls
        (3% a year) and a coding change spreads over the years: HbA1c 42-47 mmol/mol ("non-diabetic
        hyperglycaemia") is coded as diabetes in under 10% of such patients before 2008, half in
        2010 and over 90% from 2012. A model trained on early years is miscalibrated later.
    label_bias : float, default=0.0
        Share of true events in the ``label_bias_group`` that the record misses, in [0, 1]:
        ``event_recorded`` under-captures that group's events while ``event_true`` keeps them.
    label_bias_group : str, default="female"
        The under-recorded subgroup: "female", "male", an ethnic group ("White", "Asian",
        "Black", "Mixed", "Other") or "most_deprived" (deprivation quintile 1).

    Returns
    -------
    dataset : ClinicalDataset
        ``frame`` holds identifiers, features, ground truth (``framingham_risk``, ``true_risk``,
        ``event_true``) and outcomes (``time_to_event_years``, ``event_observed``,
        ``event_recorded``). ``data`` is ``frame[feature_names]``, ``target`` is
        ``event_recorded``, ``true_risk`` the ground-truth probability of ``event_true``.
    (data, target) : tuple
        If ``return_X_y`` is True.

    See Also
    --------
    framingham_cvd_risk : The risk equation.
    load_primary_care_cohort : The course's canonical copy of this cohort.

    Notes
    -----
    ``true_risk = 1 - S0(10) ** (exp(lp - mean) * statin_hr ** statin * m_site * m_year)``, where the
    multipliers are 1 unless ``site_shift`` or ``temporal_drift`` is on. Without statin (or with
    ``statin_hr=1``) and without those switches, ``true_risk`` equals the published equation applied
    to the recorded baseline values. ``framingham_risk`` is the published equation applied to the
    patient's *true* baseline values: it equals re-scoring the recorded columns of visit 0 unless
    ``temporal_drift`` (which codes some non-diabetic hyperglycaemia as diabetes) or ``site_shift``
    (which offsets each practice's cholesterol and HbA1c assays) changes what is recorded without
    changing the patient. Ages 75-79 are outside the equation's derivation range (30-74);
    the equation is extrapolated there. Repeat visits carry measurement noise; the risk uses the
    baseline (visit 0) values. See the datasheet (``DESCR``) for every distribution and its source.

    References
    ----------
    .. [1] D'Agostino RB Sr, Vasan RS, Pencina MJ, et al. General cardiovascular risk profile for use
       in primary care: the Framingham Heart Study. Circulation 2008;117:743-753.
    .. [2] Cholesterol Treatment Trialists' (CTT) Collaboration. Efficacy and safety of more intensive
       lowering of LDL cholesterol. Lancet 2010;376:1670-1681.

    Examples
    --------
    >>> from mlhc_course.datasets import make_primary_care_cohort
    >>> cohort = make_primary_care_cohort(1000, random_state=0)
    >>> cohort.frame.shape[0], len(cohort.feature_names)
    (1000, 14)
    >>> bool(cohort.true_risk.between(0, 1).all())
    True
    """
    check_param(n_patients, Interval(int, 1, None, closed="left"), name="n_patients", caller=_CALLER)
    check_param(statin_hr, Interval(float, 0, 1, closed="right"), name="statin_hr", caller=_CALLER)
    check_param(return_X_y, bool, name="return_X_y", caller=_CALLER)
    check_param(as_frame, bool, name="as_frame", caller=_CALLER)
    rng = check_random_state(random_state, caller=_CALLER)
    opts = _check_pitfalls(
        {
            "repeat_visits": repeat_visits,
            "leaky_features": leaky_features,
            "missingness": missingness,
            "missing_rate": missing_rate,
            "sites": sites,
            "site_shift": site_shift,
            "temporal_drift": temporal_drift,
            "label_bias": label_bias,
            "label_bias_group": label_bias_group,
        }
    )

    # Independent streams per component, so that switching a pitfall on leaves the rest unchanged
    # (common random numbers: a pitfall's effect is not confounded by a different sample).
    # (The first seven seeds are the same whatever the number of streams: a new component is appended.)
    streams = [np.random.default_rng(s) for s in rng.integers(0, 2**63 - 1, size=8)]
    rng_core, rng_site, rng_visit, rng_missing, rng_leaky, rng_label, rng_event, rng_drift = streams

    n = int(n_patients)
    frame, lp, site_effects = _baseline(n, opts, rng_core, rng_site, rng_drift)
    _assign_statin_and_outcome(frame, lp, site_effects, opts, statin_hr, rng_core, rng_event)
    if opts["label_bias"] > 0:
        missed = _in_group(frame, opts["label_bias_group"]) & (rng_label.random(n) < opts["label_bias"])
        frame["event_recorded"] = np.where(missed, 0, frame["event_true"].to_numpy())
    if opts["leaky_features"]:
        _add_leaky_features(frame, rng_leaky)
    if opts["repeat_visits"] is not False:
        max_visits = _DEFAULT_MAX_VISITS if opts["repeat_visits"] is True else int(opts["repeat_visits"])
        frame = _repeat_visits(frame, max_visits, rng_visit)
    if opts["missingness"] != "none":
        _add_missingness(frame, opts["missingness"], opts["missing_rate"], rng_missing)
    if opts["site_shift"] > 0:
        _apply_lab_offsets(frame, site_effects)

    frame = frame[[c.name for c in present_columns(COLUMNS, frame.columns)]]
    features = _BASE_FEATURES + (_LEAKY_FEATURES if opts["leaky_features"] else [])
    options = {"n_patients": n, "statin_hr": statin_hr, **opts}
    return build_dataset(
        name=_NAME,
        frame=frame,
        feature_names=features,
        target_names=["event_recorded"],
        true_risk_column="true_risk",
        descr=datasheet(_NAME, COLUMNS),
        options=options,
        return_X_y=return_X_y,
        as_frame=as_frame,
    )


def _baseline(n: int, opts: dict[str, Any], rng: np.random.Generator, rng_site: np.random.Generator,
              rng_drift: np.random.Generator):  # fmt: skip
    """Demographics, risk factors and labs at baseline; returns (frame, centred lp, site effects).

    The steps draw from ``rng`` in a fixed order (site, demographics, risk factors, baseline year), so
    the cohort for given arguments is the same however the steps are arranged in code.
    """
    n_sites = opts["sites"]
    site = rng.integers(n_sites, size=n)
    effects = _site_effects(n_sites, opts["site_shift"], rng_site)
    demo = _demographics(n, site, effects, rng)
    risk = _risk_factors(demo, rng)
    year = rng.integers(BASELINE_YEARS[0], BASELINE_YEARS[1] + 1, size=n)
    diabetes_recorded = risk["diabetes"].copy()
    if opts["temporal_drift"]:
        diabetes_recorded |= _coded_hyperglycaemia(year, risk["hba1c"], rng_drift)

    # The equation uses the patient's TRUE values (true diabetes, lab values before any practice offset).
    lp = framingham_linear_predictor(
        demo["age"], demo["male"], risk["tc"] * MMOL_TO_MG_DL, risk["hdl"] * MMOL_TO_MG_DL, risk["sbp"],
        risk["bp_treated"], risk["smoker"], risk["diabetes"],
    )  # fmt: skip
    frame = pd.DataFrame(
        {
            "patient_id": np.arange(1, n + 1, dtype=np.int64),
            "practice": pd.Categorical.from_codes(site, categories=_practice_names(n_sites)),
            "baseline_year": year.astype(np.int64),
            "age": demo["age"].astype(np.int64),
            "sex": pd.Categorical.from_codes(demo["male"], categories=list(SEXES)),
            "ethnicity": pd.Categorical.from_codes(demo["eth"], categories=list(ETHNICITIES)),
            "deprivation_quintile": demo["quintile"].astype(np.int64),
            "smoker": risk["smoker"].astype(np.int64),
            "diabetes": diabetes_recorded.astype(np.int64),
            "total_chol": risk["tc"],
            "hdl_chol": risk["hdl"],
            "sbp": risk["sbp"],
            "bp_treated": risk["bp_treated"].astype(np.int64),
            "bmi": risk["bmi"],
            "egfr": risk["egfr"],
            "hba1c": risk["hba1c"],
        }
    )
    effects["site"] = site
    return frame, lp, effects


def _site_effects(n_sites: int, shift: float, rng_site: np.random.Generator) -> dict[str, np.ndarray]:
    """Per-practice effects (all zero when ``site_shift == 0``), from their own stream."""
    z = rng_site.standard_normal((6, n_sites)) * shift
    return {
        "age_tilt": 0.8 * z[0],  # log-odds per 25 years towards older lists
        "deprivation": 0.8 * z[1],  # shift of the latent deprivation score
        "minority": np.exp(0.9 * z[2]),  # multiplier on the odds of a minority ethnic group
        "log_hazard": 0.35 * z[3],  # unmeasured practice-level hazard (prevalence)
        "chol_offset": 0.35 * z[4],  # lab calibration offset, total cholesterol, mmol/L
        "hba1c_offset": 3.0 * z[5],  # lab calibration offset, HbA1c, mmol/mol
    }


def _demographics(n: int, site: np.ndarray, effects: dict[str, np.ndarray], rng: np.random.Generator):
    """Age, sex, ethnic group and deprivation, with each practice's case mix."""
    n_sites = len(effects["age_tilt"])
    # Age: piecewise uniform over 5-year bands; site tilt re-weights bands towards older/younger lists.
    centres = (np.arange(10) * 5 + 32.5 - 55.0) / 25.0
    weights = _AGE_BAND_WEIGHTS[None, :] * np.exp(effects["age_tilt"][:, None] * centres[None, :])
    cum = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    band = (rng.random(n)[:, None] > cum[site]).sum(axis=1)
    age = np.floor(30 + 5 * np.minimum(band, 9) + 5 * rng.random(n))
    male = (rng.random(n) < 0.49).astype(np.int64)

    # Ethnicity (Census 2021 shares), minority odds tilted by site.
    shares = np.tile(_ETHNICITY_SHARES, (n_sites, 1))
    shares[:, 1:] *= effects["minority"][:, None]
    cum_eth = np.cumsum(shares / shares.sum(axis=1, keepdims=True), axis=1)
    eth = np.minimum((rng.random(n)[:, None] > cum_eth[site]).sum(axis=1), len(ETHNICITIES) - 1)
    minority = eth > 0

    # Deprivation: latent score, higher in minority groups (as in England), cut at normal quintiles.
    dep_latent = rng.standard_normal(n) + 0.45 * minority + effects["deprivation"][site]
    quintile = 5 - np.searchsorted(np.array([-0.8416, -0.2533, 0.2533, 0.8416]), dep_latent)
    return {
        "age": age,
        "male": male,
        "eth": eth,
        "quintile": quintile,
        "d": (3 - quintile) / 2.0,  # +1 most deprived ... -1 least deprived
        "asian": eth == 1,
        "black": eth == 2,
    }


def _risk_factors(demo: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Smoking, BMI, diabetes and the labs and blood pressure that depend on them (true values)."""
    n = len(demo["age"])
    age, male, d, asian, black = demo["age"], demo["male"], demo["d"], demo["asian"], demo["black"]
    # Smoking: ~20% overall, calibrated to the era of the baselines (2005-2014): 20% of adults in England
    # smoked in 2011 (ONS General Lifestyle Survey 2011; 21% of men, 19% of women). More in men, in deprived
    # areas and at younger ages. (By 2022 it had fallen to 12.9%, ONS Annual Population Survey.)
    smoker = rng.random(n) < _logistic(-1.55 + 0.3 * male + 0.55 * d - 0.03 * (age - 50) - 0.6 * asian)
    # BMI: log-normal, mean ~27.5 kg/m2, SD ~5 (Health Survey for England 2019).
    bmi = np.exp(
        np.log(27.0) + 0.04 * d + 0.0025 * (age - 50) - 0.02 * smoker + 0.17 * rng.standard_normal(n)
    )
    bmi = np.clip(np.round(bmi, 1), 15.0, 60.0)
    # Diagnosed diabetes: ~8% at 30-79 (QOF), rising with age and BMI, higher in South Asian and Black groups.
    diabetes = rng.random(n) < _logistic(
        -3.2 + 0.055 * (age - 55) + 0.11 * (bmi - 27) + 0.9 * asian + 0.6 * black + 0.25 * d + 0.2 * male
    )
    # HbA1c (mmol/mol, IFCC): diagnosis threshold 48 (WHO 2011).
    hba1c = np.where(
        diabetes,
        58 + 12 * rng.standard_normal(n),
        36 + 0.08 * (age - 50) + 0.25 * (bmi - 27) + 2.0 * (asian | black) + 3.5 * rng.standard_normal(n),
    )
    hba1c = np.clip(np.round(hba1c), 20, 130)
    tc, hdl = _lipids(age, male, bmi, smoker, diabetes, rng)
    # Systolic BP (mmHg), untreated: rises with age and BMI; higher in men and in Black groups.
    sbp_untreated = (
        122 + 0.55 * (age - 50) + 5 * male + 0.8 * (bmi - 27) + 3 * black + 15 * rng.standard_normal(n)
    )
    bp_treated = rng.random(n) < _logistic(
        -1.3 + 0.065 * (sbp_untreated - 140) + 0.05 * (age - 60) + 0.5 * diabetes
    )
    sbp = sbp_untreated - bp_treated * np.clip(12 + 6 * rng.standard_normal(n), 0, None)
    sbp = np.clip(np.round(sbp), 85, 230)
    # eGFR (CKD-EPI, mL/min/1.73m2): declines about 0.85 per year of age.
    egfr = 108 - 0.85 * (age - 30) - 5 * diabetes - 3 * bp_treated + 13 * rng.standard_normal(n)
    egfr = np.clip(np.round(egfr), 8, 140)
    return {"smoker": smoker, "bmi": bmi, "diabetes": diabetes, "hba1c": hba1c, "tc": tc, "hdl": hdl,
            "sbp": sbp, "bp_treated": bp_treated, "egfr": egfr}  # fmt: skip


def _lipids(age, male, bmi, smoker, diabetes, rng: np.random.Generator):
    """Total and HDL cholesterol (mmol/L)."""
    n = len(age)
    # Total cholesterol: rises with age, faster in women after the menopause; with BMI.
    tc = 5.25 + np.where(male == 1, 0.008, 0.025) * (age - 50) + 0.03 * (bmi - 27) - 0.25 * diabetes
    tc = np.clip(np.round(tc + 0.95 * rng.standard_normal(n), 1), 2.5, 10.5)
    # HDL: higher in women; lower with BMI, smoking and diabetes; log-normal.
    ln_hdl = (
        np.log(np.where(male == 1, 1.3, 1.6))
        - 0.015 * (bmi - 27)
        - 0.06 * smoker
        - 0.07 * diabetes
        + 0.04 * (tc - 5.25)
        + 0.24 * rng.standard_normal(n)
    )
    return tc, np.clip(np.round(np.exp(ln_hdl), 2), 0.5, 3.5)


def _coded_hyperglycaemia(year: np.ndarray, hba1c: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``temporal_drift``: non-diabetic hyperglycaemia (HbA1c 42-47) coded as diabetes, spreading over years.

    The share of such patients whose record carries a diabetes code follows a logistic adoption curve in
    the baseline year (``CODING_CHANGE_MIDPOINT``, ``CODING_CHANGE_SCALE``): under 10% before 2008, half
    in 2010, over 90% from 2012, as a coding habit spreads between clinicians and practices.
    """
    adopted = _logistic((year - CODING_CHANGE_MIDPOINT) / CODING_CHANGE_SCALE)
    return (hba1c >= 42) & (hba1c < 48) & (rng.random(len(year)) < adopted)


def _assign_statin_and_outcome(frame, lp, effects, opts, statin_hr, rng, rng_event) -> None:
    """Statin by indication, then event times from the Cox model with a Weibull baseline."""
    n = len(frame)
    male = frame["sex"].cat.codes.to_numpy()
    s0 = np.asarray(BASELINE_SURVIVAL_10Y)[male]
    framingham_risk = -np.expm1(np.exp(lp) * np.log(s0))
    year = frame["baseline_year"].to_numpy()
    diabetes = frame["diabetes"].to_numpy()

    # Confounding by indication: statin more likely at higher risk. In the baseline years (2005-2014) NICE
    # CG67 (2008; JBS2 2005 before it) offered a statin from a 10-year CVD risk of 20%; CG181 lowered the
    # threshold to 10% only in July 2014 (QRISK2), and NG238 (2023, QRISK3) kept 10%.
    logit_risk = np.log(framingham_risk / (1 - framingham_risk))
    statin_logit = 1.65 + 1.48 * logit_risk + 0.6 * diabetes
    if opts["temporal_drift"]:
        statin_logit = statin_logit + 0.3 * (year - 2009.5)  # rising uptake over the years
    statin = rng.random(n) < _logistic(statin_logit)

    log_multiplier = np.log(statin_hr) * statin + effects["log_hazard"][effects["site"]]
    if opts["temporal_drift"]:
        log_multiplier = log_multiplier + np.log(0.97) * (year - BASELINE_YEARS[0])  # falling incidence
    cum_hazard_10 = -np.log(s0) * np.exp(lp + log_multiplier)  # H(10 | x)
    true_risk = -np.expm1(-cum_hazard_10)
    # Invert H(t | x) = H(10 | x) (t / 10) ** k at an Exp(1) draw.
    t_event = 10.0 * (rng_event.standard_exponential(n) / cum_hazard_10) ** (1.0 / WEIBULL_SHAPE)
    t_loss = rng_event.standard_exponential(n) / LOSS_TO_FOLLOW_UP_RATE
    t_admin = EXTRACTION_YEAR - (year + rng_event.random(n))
    t_censor = np.minimum(t_loss, t_admin)

    frame["statin"] = statin.astype(np.int64)
    frame["framingham_risk"] = framingham_risk
    frame["true_risk"] = true_risk
    frame["time_to_event_years"] = np.maximum(np.round(np.minimum(t_event, t_censor), 3), 0.001)
    frame["event_observed"] = (t_event <= t_censor).astype(np.int64)
    frame["event_true"] = (t_event <= 10.0).astype(np.int64)
    frame["event_recorded"] = frame["event_true"].to_numpy()


def _in_group(frame: pd.DataFrame, group: str) -> np.ndarray:
    """Membership of a ``LABEL_BIAS_GROUPS`` subgroup."""
    if group in SEXES:
        return (frame["sex"] == group).to_numpy()
    if group == "most_deprived":
        return (frame["deprivation_quintile"] == 1).to_numpy()
    return (frame["ethnicity"] == group).to_numpy()


def _add_leaky_features(frame: pd.DataFrame, rng: np.random.Generator) -> None:
    """Features recorded after the outcome: they encode the event itself."""
    n = len(frame)
    event = frame["event_true"].to_numpy() == 1
    frame["cardiology_referral"] = (rng.random(n) < np.where(event, 0.85, 0.04)).astype(np.int64)
    started = rng.random(n) < np.where(event, 0.80, 0.15)  # secondary prevention after an event
    frame["statin_at_followup"] = ((frame["statin"].to_numpy() == 1) | started).astype(np.int64)


def _repeat_visits(frame: pd.DataFrame, max_visits: int, rng: np.random.Generator) -> pd.DataFrame:
    """1..max_visits rows per patient within two years of baseline; later visits add measurement noise."""
    n = len(frame)
    n_visits = 1 + rng.binomial(max_visits - 1, 0.5, size=n)
    rows = np.repeat(np.arange(n), n_visits)
    # Columns are taken and edited as arrays and the frame built once: a DataFrame-wide take, or
    # column assignments on a large frame, copy and consolidate every block.
    columns = {col: frame[col].array.take(rows) for col in frame.columns}
    starts = np.repeat(np.cumsum(n_visits) - n_visits, n_visits)
    visit = np.arange(len(rows)) - starts
    months = np.where(visit == 0, 0, visit * 6 + rng.integers(0, 6, size=len(rows)))
    later = visit > 0
    m = len(rows)
    # Within-person variability between visits (illustrative SDs): SBP 8 mmHg, total cholesterol
    # 0.3 mmol/L, HDL 0.08 mmol/L, BMI 0.5, eGFR 5, HbA1c 2 mmol/mol.
    noise = {"sbp": (8, 0, 85, 230), "total_chol": (0.3, 1, 2.5, 10.5), "hdl_chol": (0.08, 2, 0.5, 3.5),
             "bmi": (0.5, 1, 15, 60), "egfr": (5, 0, 8, 140), "hba1c": (2, 0, 20, 130)}  # fmt: skip
    for col, (sd, decimals, low, high) in noise.items():
        values = np.asarray(columns[col])
        noisy = np.clip(np.round(values + sd * rng.standard_normal(m), decimals), low, high)
        columns[col] = np.where(later, noisy, values)
    # completed years: a birthday falls in the interval with probability (fractional age + months / 12)
    columns["age"] = (
        np.asarray(columns["age"]) + np.floor(rng.random(m) + months / 12.0).astype(np.int64) * later
    )
    columns["visit_number"] = visit.astype(np.int64)
    columns["months_since_baseline"] = months.astype(np.int64)
    return pd.DataFrame(columns)


_LAB_PANELS = {"lipids": ("total_chol", "hdl_chol"), "hba1c": ("hba1c",), "egfr": ("egfr",)}


def _add_missingness(frame: pd.DataFrame, kind: str, rate: float, rng: np.random.Generator) -> None:
    """Blank whole lab panels, completely at random or more often in healthier patients."""
    n = len(frame)
    if kind == "random":
        p_missing = np.full(n, rate)
    else:
        # informative: P(missing) falls with the true risk (sicker patients are tested more); the
        # intercept is solved so that the average P(missing), hence the share missing, equals `rate`.
        risk = frame["true_risk"].to_numpy()
        z = np.log(risk / (1 - risk))
        z = (z - z.mean()) / (z.std() + 1e-12)
        p_missing = (
            _logistic(_intercept_for_mean(-1.5 * z, rate) - 1.5 * z) if 0 < rate < 1 else np.full(n, rate)
        )
    for cols in _LAB_PANELS.values():
        missing = rng.random(n) < p_missing
        for col in cols:
            frame.loc[missing, col] = np.nan


def _intercept_for_mean(slope_term: np.ndarray, rate: float) -> float:
    """The intercept b with mean(logistic(b + slope_term)) == rate, by bisection (the mean rises with b)."""
    low, high = -40.0, 40.0
    for _ in range(60):  # interval width 80 / 2**60: far below float precision of any share
        mid = 0.5 * (low + high)
        if _logistic(mid + slope_term).mean() < rate:
            low = mid
        else:
            high = mid
    return 0.5 * (low + high)


def _apply_lab_offsets(frame: pd.DataFrame, effects: dict[str, np.ndarray]) -> None:
    """Each practice's lab reports cholesterol and HbA1c with its own calibration offset."""
    site = frame["practice"].cat.codes.to_numpy()
    frame["total_chol"] = np.clip(np.round(frame["total_chol"] + effects["chol_offset"][site], 1), 2.5, 10.5)
    frame["hba1c"] = np.clip(np.round(frame["hba1c"] + effects["hba1c_offset"][site]), 20, 130)
