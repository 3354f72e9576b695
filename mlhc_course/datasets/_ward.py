"""``make_ward_vitals``: ward observations taken as often as NEWS2 asks, with deteriorations that drift or strike.

The physiology is simulated hour by hour for every admission, vectorised over admissions: arrays are
(admissions x hours), and the only Python loops run over hours (the autocorrelated noise, and the
observation schedule, which depends on the last score). Which hours are *charted* is decided by the
schedule: by default the RCP 2017 NEWS2 monitoring frequencies, with missed and late sets. The model,
its calibration targets and their sources are in the datasheet
(``mlhc_course/datasets/descr/ward_vitals.md``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._validation import Interval, Options, check_param, check_random_state
from ._base import SEXES, ClinicalDataset, Column, build_dataset, datasheet
from ._news2 import news2_subscores

__all__ = ["make_ward_vitals", "DETERIORATION_TYPES", "SCHEDULES"]

_NAME = "ward_vitals"
_CALLER = "make_ward_vitals"

ACVPU = ("A", "C", "V", "P", "U")
OUTCOMES = ("none", "icu_transfer", "death")

#: Physiological signature of each deterioration type at full severity (added to the patient's
#: baseline): respiration rate /min, SpO2 %, systolic BP mmHg, pulse /min, temperature degC, and the
#: probability that new confusion (or worse) starts before the onset. Illustrative values: septic,
#: respiratory and circulatory patterns as described for the parameters of NEWS2 (RCP 2017). "sudden"
#: events (arrhythmic arrest, pulmonary embolism, haemorrhage) give little or no warning: their drift
#: lasts under 2 hours. ``share`` is the share of deteriorations of each type.
DETERIORATION_TYPES = {
    "sepsis": {"share": 0.28, "rr": 9.0, "spo2": -4.0, "sbp": -35.0, "hr": 40.0, "temp": 1.8, "cvpu": 0.45},
    "respiratory": {"share": 0.24, "rr": 14.0, "spo2": -10.0, "sbp": -5.0, "hr": 25.0, "temp": 0.6,
                    "cvpu": 0.30},
    "circulatory": {"share": 0.18, "rr": 6.0, "spo2": -3.0, "sbp": -45.0, "hr": 45.0, "temp": -0.2,
                    "cvpu": 0.40},
    "sudden": {"share": 0.30, "rr": 6.0, "spo2": -4.0, "sbp": -40.0, "hr": 40.0, "temp": 0.0, "cvpu": 0.0},
}  # fmt: skip

#: Default share of admissions that deteriorate (ICU transfer or death on the ward): Churpek et al.
#: (Crit Care Med 2012) recorded 2,820 ICU transfers and 88 cardiac arrests among 47,427 ward patients,
#: about 6% over whole stays.
DETERIORATION_RATE = 0.06
#: Drift before a gradual deterioration: log-normal duration, median 24 h, clipped to 3-72 h. Sudden
#: events drift for 0.5-2 h. Illustrative; with the schedule below they give a NEWS2 AUROC near the
#: published 0.87 (Smith et al. 2013) and about 60% of deteriorations preceded by a charted warning
#: (Kause et al. 2004: 60% of deaths, arrests and emergency ICU admissions had documented antecedents).
DRIFT_MEDIAN_HOURS, DRIFT_LOG_SD, DRIFT_RANGE_HOURS = 24.0, 0.6, (3.0, 72.0)
SUDDEN_DRIFT_HOURS = (0.5, 2.0)
#: Patients who will deteriorate are often unwell from the start: from arrival, their vital signs sit a
#: uniform 0 to ``UNDERLYING_MAX`` of the way towards their type's signature (illustrative).
UNDERLYING_MAX = 0.35
#: Share of admissions scored on SpO2 scale 2 (hypercapnic respiratory failure, target 88-92%).
SCALE2_SHARE = 0.08
#: Share of deteriorations that are deaths on the ward (the rest are ICU transfers). Illustrative.
DEATH_SHARE = 0.25
#: Share of (otherwise present) temperature readings not taken. Illustrative.
TEMPERATURE_MISSING = 0.03

#: Observation schedules: "news2" charts a set when the last NEWS2 says it is due (RCP 2017), "hourly"
#: charts every hour (as on a high-dependency unit, or in a study that wants every hour).
SCHEDULES = ("news2", "hourly")
#: Hours to the next set by the last charted NEWS2 (RCP 2017 minimum frequencies): 0 -> 12-hourly;
#: 1-4 -> 4-6-hourly (6 h for 1-2, 4 h for 3-4); a 3 in one parameter or 5-6 -> hourly; 7 or more ->
#: continuous monitoring, charted hourly here.
_INTERVAL_BY_SCORE = np.array([12, 6, 6, 4, 4, 1, 1] + [1] * 14, dtype=np.int16)
#: Each hour a due set is late (not yet done) with this probability; 5 times less often in patients
#: whose last score asked for hourly sets. Illustrative.
LATE_RATE = 0.3
#: Per hour, a set not yet due is charted anyway because a nurse is worried, when the patient's current
#: NEWS2 is 7 or more. Illustrative.
CONCERN_RATE = 0.15

#: Consciousness. New confusion before a deterioration starts when the drift's severity passes a
#: threshold (uniform 0.4-0.9) and lasts to the onset; it deepens to V with probability 0.3 and to P or U
#: with probability 0.1 as severity nears 1. Confusion on arrival (30% of those arriving most unwell)
#: lasts while the arrival illness is above half its first value. Delirium in older patients (per
#: admission: 3% at 75-84, 8% at 85 and over) starts at a uniform hour and lasts 12-48 h. Illustrative.
DELIRIUM_RISK = {75: 0.03, 85: 0.08}

COLUMNS = (
    Column("admission_id", "int", "Admission identifier (1..n_admissions).", dtype="int32"),
    Column("hour", "int", "Hours since admission to the ward (0, 1, ...) when the set was charted.", "hours",
           dtype="int16"),
    Column("age", "int", "Age at admission.", "years", dtype="int16"),
    Column("sex", "category", "Sex.", categories=SEXES),
    Column("spo2_scale", "int", "NEWS2 SpO2 scale prescribed (2 = hypercapnic respiratory failure).",
           dtype="int8"),
    Column("resp_rate", "int", "Respiration rate.", "/min", dtype="int16"),
    Column("spo2", "int", "Oxygen saturation (pulse oximetry).", "%", dtype="int16"),
    Column("on_oxygen", "int", "Supplemental oxygen (1) or air (0).", dtype="int8"),
    Column("sbp", "int", "Systolic blood pressure.", "mmHg", dtype="int16"),
    Column("heart_rate", "int", "Pulse.", "/min", dtype="int16"),
    Column("consciousness", "category", "ACVPU: alert, new confusion, voice, pain, unresponsive.",
           categories=ACVPU),
    Column("temperature", "float", "Temperature (missing when not taken).", "degC", 1),
    Column("deterioration_within_24h", "int", "Target: deterioration in the next 24 h (0/1).", dtype="int8"),
    Column("deteriorated", "int", "Ground truth: the admission deteriorates (ICU transfer or death).",
           dtype="int8"),
    Column("onset_hour", "float", "Ground truth: hour of deterioration (missing if none).", "hours", 1),
    Column("outcome", "category", "Ground truth: the admission's outcome.", categories=OUTCOMES),
    Column("deterioration_type", "category", "Ground truth: the deterioration's physiological pattern.",
           categories=("none", *DETERIORATION_TYPES)),
)  # fmt: skip
_FEATURES = ["hour", "age", "sex", "spo2_scale", "resp_rate", "spo2", "on_oxygen", "sbp", "heart_rate",
             "consciousness", "temperature"]  # fmt: skip
_VITALS = ("resp_rate", "spo2", "on_oxygen", "sbp", "heart_rate", "consciousness", "temperature")


def make_ward_vitals(
    n_admissions: int = 500,
    *,
    hours: int = 48,
    deterioration_rate: float = DETERIORATION_RATE,
    missed_obs_rate: float = 0.1,
    schedule: str = "news2",
    return_X_y: bool = False,
    as_frame: bool = True,
    random_state: int | np.random.Generator | None = None,
) -> ClinicalDataset | tuple[Any, Any]:
    """Generate ward observation sets, in long format, with deterioration as the outcome.

    Each admission has a baseline physiology (respiration rate, SpO2, systolic BP, pulse,
    temperature, supplemental oxygen) with autocorrelated hourly noise. Some admissions deteriorate
    (ICU transfer or death) at an onset hour: most after hours of drift in a sepsis, respiratory or
    circulatory pattern, some suddenly, with little or no warning. Others arrive unwell and recover,
    and some older patients become delirious: both make false alarms. New confusion is a state that
    starts, persists and resolves. Observation sets are charted as often as the last NEWS2 asks
    (RCP 2017), and some are late or missed. Rows stop at the onset (the patient leaves the ward).

    Parameters
    ----------
    n_admissions : int, default=500
        Number of admissions (>= 1).
    hours : int, default=48
        Length of the observation window in hours (>= 1).
    deterioration_rate : float, default=0.06
        Probability that an admission deteriorates, within the window or in the 24 h after it, in
        [0, 1]. The default is about the 6% of ward patients transferred to intensive care or
        arresting in Churpek et al. (2012).
    missed_obs_rate : float, default=0.1
        Probability that a due observation set is missed altogether (five times less in patients
        on hourly observations), in [0, 1].
    schedule : {"news2", "hourly"}, default="news2"
        "news2": the next set is due after the interval the last charted NEWS2 sets (0: 12 h; 1-2:
        6 h; 3-4: 4 h; a single 3 or 5-6: 1 h; 7 or more: continuous, charted hourly), may be late,
        and is sometimes added early when a nurse is worried. "hourly": a set every hour (some
        missed). The physiology is the same under both (its own random stream).
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a ``ClinicalDataset``.
    as_frame : bool, default=True
        Return pandas objects; if False, ``data`` is a float array with categories as codes.
    random_state : int, numpy.random.Generator or None, default=None
        Seed or generator.

    Returns
    -------
    dataset : ClinicalDataset
        ``frame`` has one row per charted observation set (see the datasheet in ``DESCR`` for every
        column). ``target`` is ``deterioration_within_24h``: deterioration in (hour, hour + 24].
        ``true_risk`` is None (the per-hour probability has no closed form here; ``deteriorated``,
        ``onset_hour`` and ``deterioration_type`` are the ground truth).
    (data, target) : tuple
        If ``return_X_y`` is True.

    See Also
    --------
    news2_score : The NEWS2 aggregate score of each observation set.
    load_ward_vitals : The course's canonical copy.

    Notes
    -----
    Drift: severity rises as ``s = (1 - (onset - t) / D) ** 1.2`` over a drift period D (log-normal,
    median 24 h, 3-72 h; 0.5-2 h for sudden events), and each vital moves by ``s`` times its type's
    signature (``DETERIORATION_TYPES``) times a per-admission amplitude (0.6-1.2). Oxygen is started
    when SpO2 falls below target (94% on scale 1, 88% on scale 2) and raises SpO2 by about 4 points.
    The values are illustrative; the calibration targets (event rate, NEWS2 AUROC, share of warned
    deteriorations, sets per admission) and their sources are in the datasheet.

    References
    ----------
    .. [1] Royal College of Physicians. National Early Warning Score (NEWS) 2. London: RCP, 2017.
    .. [2] Smith GB, Prytherch DR, Meredith P, et al. The ability of the National Early Warning Score
       (NEWS) to discriminate patients at risk of early cardiac arrest, unanticipated intensive care
       unit admission, and death. Resuscitation 2013;84:465-470.
    .. [3] Churpek MM, Yuen TC, Park SY, et al. Derivation of a cardiac arrest prediction model using
       ward vital signs. Crit Care Med 2012;40:2102-2108.

    Examples
    --------
    >>> from mlhc_course.datasets import make_ward_vitals, news2_score
    >>> ward = make_ward_vitals(50, hours=24, random_state=0)
    >>> bool(ward.frame.groupby("admission_id").size().max() <= 24)
    True
    >>> bool(news2_score(ward.frame.dropna()).between(0, 20).all())
    True
    >>> hourly = make_ward_vitals(50, hours=24, schedule="hourly", random_state=0)
    >>> len(hourly.frame) > len(ward.frame)
    True
    """
    check_param(n_admissions, Interval(int, 1, None, closed="left"), name="n_admissions", caller=_CALLER)
    check_param(hours, Interval(int, 1, None, closed="left"), name="hours", caller=_CALLER)
    check_param(deterioration_rate, Interval(float, 0, 1), name="deterioration_rate", caller=_CALLER)
    check_param(missed_obs_rate, Interval(float, 0, 1), name="missed_obs_rate", caller=_CALLER)
    check_param(schedule, Options(str, SCHEDULES), name="schedule", caller=_CALLER)
    check_param(return_X_y, bool, name="return_X_y", caller=_CALLER)
    check_param(as_frame, bool, name="as_frame", caller=_CALLER)
    rng = check_random_state(random_state, caller=_CALLER)
    n, h = int(n_admissions), int(hours)
    # One stream per component: the schedule (or the missed-set rate) does not change the physiology.
    rng_admission, rng_noise, rng_consciousness, rng_schedule = (
        np.random.default_rng(seed) for seed in rng.integers(0, 2**63 - 1, size=4)
    )

    adm = _admissions(n, h, deterioration_rate, rng_admission)
    charted = _hourly_vitals(adm, h, rng_noise)
    charted["consciousness"] = _consciousness(adm, charted.pop("_severity"), charted.pop("_arrival"),
                                              rng_consciousness)  # fmt: skip
    score, red = _hourly_news2(charted, adm["scale2"])
    present = np.arange(h)[None, :] < adm["onset"][:, None]
    if schedule == "hourly":
        p_missed = missed_obs_rate * np.where((score >= 5) | red, 0.2, 1.0)
        keep = present & (rng_schedule.random((n, h), dtype=np.float32) >= p_missed)
    else:
        keep = _news2_schedule(score, red, present, missed_obs_rate, rng_schedule)
    frame = _long_frame(adm, charted, keep)
    options = {"n_admissions": n, "hours": h, "deterioration_rate": deterioration_rate,
               "missed_obs_rate": missed_obs_rate, "schedule": schedule}  # fmt: skip
    return build_dataset(
        name=_NAME,
        frame=frame,
        feature_names=_FEATURES,
        target_names=["deterioration_within_24h"],
        true_risk_column=None,
        descr=datasheet(_NAME, COLUMNS),
        options=options,
        return_X_y=return_X_y,
        as_frame=as_frame,
    )


def _admissions(n: int, h: int, deterioration_rate: float, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Per admission: age, sex, SpO2 scale, whether, when and how it deteriorates, baseline physiology."""
    age = np.clip(np.round(18 + 77 * rng.beta(2.6, 1.6, n)), 18, 100)
    deteriorates = rng.random(n) < deterioration_rate
    type_names = list(DETERIORATION_TYPES)
    shares = np.array([DETERIORATION_TYPES[k]["share"] for k in type_names])
    kind = np.minimum(np.searchsorted(np.cumsum(shares) / shares.sum(), rng.random(n), side="right"),
                      len(type_names) - 1)  # fmt: skip
    sudden = kind == type_names.index("sudden")
    gradual_drift = np.exp(np.log(DRIFT_MEDIAN_HOURS) + DRIFT_LOG_SD * rng.standard_normal(n))
    drift = np.where(sudden, rng.uniform(*SUDDEN_DRIFT_HOURS, n), np.clip(gradual_drift, *DRIFT_RANGE_HOURS))
    amplitude = np.where(deteriorates, rng.uniform(0.6, 1.2, n), 0.0)
    signature = {key: np.array([DETERIORATION_TYPES[k][key] for k in type_names])[kind] * amplitude
                 for key in ("rr", "spo2", "sbp", "hr", "temp")}  # fmt: skip
    scale2 = rng.random(n) < SCALE2_SHARE
    return {
        "age": age,
        "male": rng.random(n) < 0.5,
        "scale2": scale2,
        "deteriorates": deteriorates,
        "onset": np.where(deteriorates, np.round(rng.uniform(4.0, h + 24.0, n), 1), np.inf),
        "drift": drift,
        "kind": kind,
        "signature": signature,
        "cvpu": np.array([DETERIORATION_TYPES[k]["cvpu"] for k in type_names])[kind] * deteriorates,
        "death": deteriorates & (rng.random(n) < DEATH_SHARE),
        # baseline physiology, and an admission illness that resolves (false alarms)
        "rr": 16 + 0.02 * (age - 65) + 2.0 * rng.standard_normal(n) + 3 * scale2,
        "spo2": np.where(scale2, 90.0 + 1.5 * rng.standard_normal(n), 97.0 + 1.2 * rng.standard_normal(n)),
        "sbp": 130 + 0.15 * (age - 65) + 16 * rng.standard_normal(n),
        "hr": 80 + 12 * rng.standard_normal(n),
        "temp": 36.8 + 0.3 * rng.standard_normal(n),
        "resolving": rng.exponential(0.2, n),  # severity on arrival, decaying
        "resolve_tau": rng.uniform(6.0, 24.0, n),  # its time constant, hours
        "underlying": np.where(deteriorates, rng.uniform(0.0, UNDERLYING_MAX, n), 0.0),
    }


def _hourly_vitals(adm: dict[str, np.ndarray], h: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Every hour's vital signs as they would be charted (n x h), plus the hidden severities."""
    n = len(adm["age"])
    t = np.arange(h, dtype=np.float32)[None, :]
    to_onset = (adm["onset"][:, None] - t).astype(np.float32)
    severity = np.clip(1.0 - to_onset / adm["drift"][:, None].astype(np.float32), 0.0, 1.0) ** 1.2
    underlying = adm["underlying"][:, None].astype(np.float32)
    physiology = underlying + (1 - underlying) * severity  # 0 = the patient's baseline, 1 = full signature
    arrival = (adm["resolving"][:, None] * np.exp(-t / adm["resolve_tau"][:, None])).astype(np.float32)

    def ar1(sd: float, phi: float = 0.8) -> np.ndarray:
        """Autocorrelated noise, stationary SD ``sd``: a loop over hours, vectorised over admissions."""
        eps = rng.standard_normal((n, h), dtype=np.float32) * np.float32(sd * np.sqrt(1 - phi**2))
        out = np.empty((n, h), dtype=np.float32)
        out[:, 0] = eps[:, 0] / np.sqrt(1 - phi**2)
        for j in range(1, h):
            out[:, j] = phi * out[:, j - 1] + eps[:, j]
        return out

    def drifted(key: str, arrival_effect: float, sd: float) -> np.ndarray:
        shift = physiology * adm["signature"][key][:, None].astype(np.float32)
        return adm[key][:, None] + shift + arrival * arrival_effect + ar1(sd)

    rr, spo2_air = drifted("rr", 8, 1.5), drifted("spo2", -4, 0.8)
    sbp, hr, temp = drifted("sbp", -15, 7.0), drifted("hr", 20, 5.0), drifted("temp", 0.8, 0.25)
    # Oxygen: started once SpO2 falls below target (or from arrival for some), then continued.
    target = np.where(adm["scale2"], 88.0, 94.0)[:, None]
    on_o2 = (spo2_air < target - 1.0) & (rng.random((n, h), dtype=np.float32) < 0.5)
    on_o2[:, 0] |= rng.random(n) < 0.08
    on_o2 = np.maximum.accumulate(on_o2, axis=1)
    temperature = np.round(np.clip(temp, 33.0, 42.0).astype(np.float64), 1)
    temperature[rng.random((n, h), dtype=np.float32) < TEMPERATURE_MISSING] = np.nan

    def charted(values: np.ndarray, low: float, high: float) -> np.ndarray:
        return np.clip(np.round(values), low, high).astype(np.int16)

    return {
        "resp_rate": charted(rr, 4, 60),
        "spo2": charted(np.minimum(spo2_air + 4.0 * on_o2, 100.0), 60, 100),
        "on_oxygen": on_o2.astype(np.int8),
        "sbp": charted(sbp, 50, 250),
        "heart_rate": charted(hr, 25, 200),
        "temperature": temperature,
        "_severity": severity,
        "_arrival": arrival,
    }


def _consciousness(adm, severity: np.ndarray, arrival: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """ACVPU codes (0 = A ... 4 = U), n x h: confusion is a state that starts, persists and resolves."""
    n, h = severity.shape
    # before a deterioration: from a severity threshold to the onset (severity only rises), deepening
    confused = rng.random(n) < adm["cvpu"]
    start = rng.uniform(0.4, 0.9, n)
    deeper = rng.random(n)
    level = (confused[:, None] & (severity >= start[:, None])).astype(np.int8)
    level += (confused & (deeper < 0.3))[:, None] & (severity >= (1 + start[:, None]) / 2)
    level += (confused & (deeper < 0.1))[:, None] & (severity >= 0.95)
    level += (confused & (deeper < 0.05))[:, None] & (severity >= 0.99)
    # on arrival, in the most unwell: while the arrival illness is above half its first value
    first = arrival[:, 0]
    on_arrival = (first > 0.5) & (rng.random(n) < 0.3)
    level = np.maximum(level, (on_arrival[:, None] & (arrival >= first[:, None] / 2)).astype(np.int8))
    # delirium in older patients: an episode of 12-48 h starting at a uniform hour
    risk = np.select([adm["age"] >= 85, adm["age"] >= 75], [DELIRIUM_RISK[85], DELIRIUM_RISK[75]], 0.0)
    delirious = rng.random(n) < risk
    begin = rng.uniform(0, h, n)
    end = begin + rng.uniform(12, 48, n)
    t = np.arange(h)[None, :]
    episode = delirious[:, None] & (t >= begin[:, None]) & (t < end[:, None])
    return np.maximum(level, episode.astype(np.int8))


def _hourly_news2(charted: dict[str, np.ndarray], scale2: np.ndarray, chunk: int = 20_000):
    """NEWS2 of every hour (n x h, a missing temperature scoring 0) and whether any parameter scores 3."""
    n, h = charted["resp_rate"].shape
    score, red = np.empty((n, h), dtype=np.int8), np.empty((n, h), dtype=bool)
    for lo in range(0, n, chunk):
        hi = min(lo + chunk, n)
        block = {key: charted[key][lo:hi].ravel() for key in _VITALS}
        block["consciousness"] = np.asarray(ACVPU)[block["consciousness"]]
        block["spo2_scale"] = np.repeat(np.where(scale2[lo:hi], 2, 1), h)
        points = news2_subscores(pd.DataFrame(block)).fillna(0.0).to_numpy()
        score[lo:hi] = points.sum(axis=1).reshape(hi - lo, h)
        red[lo:hi] = (points == 3).any(axis=1).reshape(hi - lo, h)
    return score, red


def _news2_schedule(score, red, present, missed_rate: float, rng: np.random.Generator) -> np.ndarray:
    """Which hours are charted when the last NEWS2 sets the next set's time (RCP 2017).

    A due set is done, late (tried again next hour) or missed (the next is due one interval later);
    both are five times rarer on hourly observations. A worried nurse may chart a set early when the
    current NEWS2 is 7 or more.
    """
    n, h = score.shape
    u = rng.random((n, h), dtype=np.float32)
    worried = rng.random((n, h), dtype=np.float32) < CONCERN_RATE
    keep = np.zeros((n, h), dtype=bool)
    due = np.zeros(n, dtype=np.int32)  # the admission set is due at hour 0
    interval = np.ones(n, dtype=np.int32)  # the interval the last charted set asked for
    for j in range(h):
        at = present[:, j] & ((due <= j) | (worried[:, j] & (score[:, j] >= 7)))
        if not at.any():
            continue
        idx = np.flatnonzero(at)
        reliable = np.where(interval[idx] == 1, 0.2, 1.0)
        p_missed, p_late = missed_rate * reliable, LATE_RATE * reliable
        missed = u[idx, j] < p_missed
        late = ~missed & (u[idx, j] < p_missed + p_late)
        done = ~missed & ~late
        keep[idx[done], j] = True
        interval[idx[done]] = np.where(red[idx[done], j], 1, _INTERVAL_BY_SCORE[score[idx[done], j]])
        due[idx[done]] = j + interval[idx[done]]
        due[idx[missed]] = j + interval[idx[missed]]
        due[idx[late]] = j + 1
    return keep


def _long_frame(adm: dict[str, np.ndarray], charted: dict[str, np.ndarray], keep: np.ndarray) -> pd.DataFrame:
    """One row per charted set, with the admission's ground truth."""
    row_admission, row_hour = np.nonzero(keep)
    onset = adm["onset"][row_admission]
    deteriorates = adm["deteriorates"]
    return pd.DataFrame(
        {
            "admission_id": (row_admission + 1).astype(np.int32),
            "hour": row_hour.astype(np.int16),
            "age": adm["age"][row_admission].astype(np.int16),
            "sex": pd.Categorical.from_codes(
                adm["male"][row_admission].astype(np.int8), categories=list(SEXES)
            ),
            "spo2_scale": np.where(adm["scale2"][row_admission], 2, 1).astype(np.int8),
            "resp_rate": charted["resp_rate"][keep],
            "spo2": charted["spo2"][keep],
            "on_oxygen": charted["on_oxygen"][keep],
            "sbp": charted["sbp"][keep],
            "heart_rate": charted["heart_rate"][keep],
            "consciousness": pd.Categorical.from_codes(
                charted["consciousness"][keep], categories=list(ACVPU)
            ),
            "temperature": charted["temperature"][keep],
            "deterioration_within_24h": ((onset > row_hour) & (onset <= row_hour + 24)).astype(np.int8),
            "deteriorated": deteriorates[row_admission].astype(np.int8),
            "onset_hour": np.where(np.isfinite(onset), onset, np.nan),
            "outcome": pd.Categorical.from_codes(
                (deteriorates.astype(np.int8) + adm["death"])[row_admission].astype(np.int8),
                categories=list(OUTCOMES),
            ),
            "deterioration_type": pd.Categorical.from_codes(
                np.where(deteriorates, adm["kind"] + 1, 0)[row_admission].astype(np.int8),
                categories=["none", *DETERIORATION_TYPES],
            ),
        }
    )
