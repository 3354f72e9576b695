"""``make_ward_vitals``: hourly ward observations, with trajectories that drift before deterioration.

Vectorised over admissions: arrays are (admissions x hours); the only Python loop runs over hours
(the autocorrelated noise). The simulation model is described in the datasheet
(``mlhc_course/datasets/descr/ward_vitals.md``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._validation import Interval, check_param, check_random_state
from ._base import SEXES, ClinicalDataset, Column, build_dataset, datasheet

__all__ = ["make_ward_vitals", "DETERIORATION_TYPES"]

_NAME = "ward_vitals"
_CALLER = "make_ward_vitals"

ACVPU = ("A", "C", "V", "P", "U")
OUTCOMES = ("none", "icu_transfer", "death")

#: Physiological signature of each deterioration type at full severity (added to the patient's
#: baseline): respiration rate /min, SpO2 %, systolic BP mmHg, pulse /min, temperature degC, and the
#: probability of new confusion or reduced consciousness. Illustrative values: septic, respiratory
#: and circulatory patterns as described for the parameters of NEWS2 (RCP 2017).
DETERIORATION_TYPES = {
    "sepsis": {"share": 0.40, "rr": 9.0, "spo2": -4.0, "sbp": -35.0, "hr": 40.0, "temp": 1.8, "cvpu": 0.45},
    "respiratory": {
        "share": 0.35,
        "rr": 14.0,
        "spo2": -10.0,
        "sbp": -5.0,
        "hr": 25.0,
        "temp": 0.6,
        "cvpu": 0.30,
    },
    "circulatory": {
        "share": 0.25,
        "rr": 6.0,
        "spo2": -3.0,
        "sbp": -45.0,
        "hr": 45.0,
        "temp": -0.2,
        "cvpu": 0.40,
    },
}
#: Share of admissions scored on SpO2 scale 2 (hypercapnic respiratory failure, target 88-92%).
SCALE2_SHARE = 0.08
#: Share of deteriorations that are deaths on the ward (the rest are ICU transfers). Illustrative.
DEATH_SHARE = 0.25
#: Share of (otherwise present) temperature readings not taken. Illustrative.
TEMPERATURE_MISSING = 0.03

COLUMNS = (
    Column("admission_id", "int", "Admission identifier (1..n_admissions).", dtype="int32"),
    Column("hour", "int", "Hours since admission to the ward (0, 1, ...).", "hours", dtype="int16"),
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


def make_ward_vitals(
    n_admissions: int = 500,
    *,
    hours: int = 48,
    deterioration_rate: float = 0.1,
    missed_obs_rate: float = 0.1,
    return_X_y: bool = False,
    as_frame: bool = True,
    random_state: int | np.random.Generator | None = None,
) -> ClinicalDataset | tuple[Any, Any]:
    """Generate hourly ward vital signs, in long format, with deterioration as the outcome.

    Each admission has a baseline physiology (respiration rate, SpO2, systolic BP, pulse,
    temperature, consciousness, supplemental oxygen) with autocorrelated noise. Some admissions
    deteriorate (ICU transfer or death) at an onset hour; in the 12-36 hours before it, their vital
    signs drift in a sepsis, respiratory or circulatory pattern. Others arrive unwell and recover,
    which makes false alarms. Observation sets are sometimes missed, less often in sicker patients.
    Rows stop at the onset of deterioration (the patient leaves the ward).

    Parameters
    ----------
    n_admissions : int, default=500
        Number of admissions (>= 1).
    hours : int, default=48
        Length of the observation window in hours (>= 1); one observation set per hour.
    deterioration_rate : float, default=0.1
        Probability that an admission deteriorates, within the window or in the 24 h after it, in [0, 1].
    missed_obs_rate : float, default=0.1
        Probability that an hourly observation set is missed in a stable patient, in [0, 1].
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a ``ClinicalDataset``.
    as_frame : bool, default=True
        Return pandas objects; if False, ``data`` is a float array with categories as codes.
    random_state : int, numpy.random.Generator or None, default=None
        Seed or generator.

    Returns
    -------
    dataset : ClinicalDataset
        ``frame`` has one row per observation set (see the datasheet in ``DESCR`` for every column).
        ``target`` is ``deterioration_within_24h``: deterioration in (hour, hour + 24].
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
    Drift: severity rises as ``s = (1 - (onset - t) / D) ** 1.2`` over a drift period D uniform in
    12-36 h, and each vital moves by ``s`` times its type's signature (``DETERIORATION_TYPES``).
    Oxygen is started when SpO2 falls below target (94% on scale 1, 88% on scale 2) and raises SpO2 by
    about 4 points. The values are illustrative, not fitted to real records.

    Examples
    --------
    >>> from mlhc_course.datasets import make_ward_vitals, news2_score
    >>> ward = make_ward_vitals(50, hours=24, random_state=0)
    >>> bool(ward.frame.groupby("admission_id").size().max() <= 24)
    True
    >>> bool(news2_score(ward.frame.dropna()).between(0, 20).all())
    True
    """
    check_param(n_admissions, Interval(int, 1, None, closed="left"), name="n_admissions", caller=_CALLER)
    check_param(hours, Interval(int, 1, None, closed="left"), name="hours", caller=_CALLER)
    check_param(deterioration_rate, Interval(float, 0, 1), name="deterioration_rate", caller=_CALLER)
    check_param(missed_obs_rate, Interval(float, 0, 1), name="missed_obs_rate", caller=_CALLER)
    check_param(return_X_y, bool, name="return_X_y", caller=_CALLER)
    check_param(as_frame, bool, name="as_frame", caller=_CALLER)
    rng = check_random_state(random_state, caller=_CALLER)
    n, h = int(n_admissions), int(hours)

    # ---- admissions
    age = np.clip(np.round(18 + 77 * rng.beta(2.6, 1.6, n)), 18, 100)
    male = rng.random(n) < 0.5
    scale2 = rng.random(n) < SCALE2_SHARE
    deteriorates = rng.random(n) < deterioration_rate
    onset = np.where(deteriorates, np.round(rng.uniform(4.0, h + 24.0, n), 1), np.inf)
    drift_hours = rng.uniform(12.0, 36.0, n)
    type_names = list(DETERIORATION_TYPES)
    shares = np.array([DETERIORATION_TYPES[k]["share"] for k in type_names])
    kind = np.searchsorted(np.cumsum(shares) / shares.sum(), rng.random(n), side="right")
    kind = np.minimum(kind, len(type_names) - 1)
    signature = {
        key: np.array([DETERIORATION_TYPES[k][key] for k in type_names])[kind] * deteriorates
        for key in ("rr", "spo2", "sbp", "hr", "temp", "cvpu")
    }
    death = deteriorates & (rng.random(n) < DEATH_SHARE)

    # Baseline physiology (per admission) and an admission illness that resolves (false alarms).
    base_rr = 16 + 0.02 * (age - 65) + 2.0 * rng.standard_normal(n) + 3 * scale2
    base_spo2 = np.where(scale2, 90.0 + 1.5 * rng.standard_normal(n), 97.0 + 1.2 * rng.standard_normal(n))
    base_sbp = 128 + 0.15 * (age - 65) + 18 * rng.standard_normal(n)
    base_hr = 80 + 12 * rng.standard_normal(n)
    base_temp = 36.8 + 0.3 * rng.standard_normal(n)
    resolving = rng.exponential(0.25, n)  # severity on arrival that decays, time constant ~12 h
    resolve_tau = rng.uniform(6.0, 24.0, n)

    # ---- hours (n x h arrays, float32 to keep 100,000 x 48 small)
    t = np.arange(h, dtype=np.float32)[None, :]
    to_onset = (onset[:, None] - t).astype(np.float32)
    severity = np.clip(1.0 - to_onset / drift_hours[:, None].astype(np.float32), 0.0, 1.0) ** 1.2
    arrival = (resolving[:, None] * np.exp(-t / resolve_tau[:, None])).astype(np.float32)

    def ar1(sd: float, phi: float = 0.8) -> np.ndarray:
        """Autocorrelated noise, stationary SD ``sd``: a loop over hours, vectorised over admissions."""
        eps = rng.standard_normal((n, h), dtype=np.float32) * np.float32(sd * np.sqrt(1 - phi**2))
        out = np.empty((n, h), dtype=np.float32)
        out[:, 0] = eps[:, 0] / np.sqrt(1 - phi**2)
        for j in range(1, h):
            out[:, j] = phi * out[:, j - 1] + eps[:, j]
        return out

    def signed(key: str) -> np.ndarray:
        return signature[key][:, None].astype(np.float32)

    rr = base_rr[:, None] + severity * signed("rr") + arrival * 8 + ar1(1.5)
    spo2_air = base_spo2[:, None] + severity * signed("spo2") - arrival * 4 + ar1(0.8)
    sbp = base_sbp[:, None] + severity * signed("sbp") - arrival * 15 + ar1(7.0)
    hr = base_hr[:, None] + severity * signed("hr") + arrival * 20 + ar1(5.0)
    temp = base_temp[:, None] + severity * signed("temp") + arrival * 0.8 + ar1(0.25)
    # Oxygen: started once SpO2 falls below target (or from arrival for some), then continued.
    target = np.where(scale2, 88.0, 94.0)[:, None]
    on_o2 = (spo2_air < target - 1.0) & (rng.random((n, h), dtype=np.float32) < 0.5)
    on_o2[:, 0] |= rng.random(n) < 0.08
    on_o2 = np.maximum.accumulate(on_o2, axis=1)
    spo2 = np.minimum(spo2_air + 4.0 * on_o2, 100.0)
    # Consciousness: new confusion or worse, more likely when very unwell and in the very old.
    p_cvpu = 0.005 + 0.02 * (age[:, None] >= 85) + severity * signed("cvpu") + arrival * 0.1
    u = rng.random((n, h), dtype=np.float32)
    acvpu = np.where(u < p_cvpu, np.searchsorted([0.6, 0.85, 0.95], u / np.maximum(p_cvpu, 1e-6)) + 1, 0)

    # ---- which rows exist: before onset, not missed (sicker patients are observed more reliably)
    p_missed = missed_obs_rate * (1.0 - 0.8 * np.maximum(severity, np.minimum(arrival, 1.0)))
    keep = (t < onset[:, None]) & (rng.random((n, h), dtype=np.float32) >= p_missed)
    temp_missing = rng.random((n, h), dtype=np.float32) < TEMPERATURE_MISSING
    row_admission, row_hour = np.nonzero(keep)
    del u, arrival

    def pick(values: np.ndarray, low: float, high: float, dtype: str) -> np.ndarray:
        return np.clip(np.round(values[keep]), low, high).astype(dtype)

    onset_kept = onset[row_admission]
    temperature = np.round(np.clip(temp[keep], 33.0, 42.0).astype(np.float64), 1)
    temperature[temp_missing[keep]] = np.nan
    frame = pd.DataFrame(
        {
            "admission_id": (row_admission + 1).astype(np.int32),
            "hour": row_hour.astype(np.int16),
            "age": age[row_admission].astype(np.int16),
            "sex": pd.Categorical.from_codes(male[row_admission].astype(np.int8), categories=list(SEXES)),
            "spo2_scale": np.where(scale2[row_admission], 2, 1).astype(np.int8),
            "resp_rate": pick(rr, 4, 60, "int16"),
            "spo2": pick(spo2, 60, 100, "int16"),
            "on_oxygen": on_o2[keep].astype(np.int8),
            "sbp": pick(sbp, 50, 250, "int16"),
            "heart_rate": pick(hr, 25, 200, "int16"),
            "consciousness": pd.Categorical.from_codes(acvpu[keep].astype(np.int8), categories=list(ACVPU)),
            "temperature": temperature,
            "deterioration_within_24h": ((onset_kept > row_hour) & (onset_kept <= row_hour + 24)).astype(
                np.int8
            ),
            "deteriorated": deteriorates[row_admission].astype(np.int8),
            "onset_hour": np.where(np.isfinite(onset_kept), onset_kept, np.nan),
            "outcome": pd.Categorical.from_codes(
                (deteriorates.astype(np.int8) + death)[row_admission].astype(np.int8),
                categories=list(OUTCOMES),
            ),
            "deterioration_type": pd.Categorical.from_codes(
                np.where(deteriorates, kind + 1, 0)[row_admission].astype(np.int8),
                categories=["none", *type_names],
            ),
        }
    )
    options = {
        "n_admissions": n,
        "hours": h,
        "deterioration_rate": deterioration_rate,
        "missed_obs_rate": missed_obs_rate,
    }
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
