"""Time-to-event helpers: censoring, the risk at a horizon, and calibration at a horizon.

Survival data give each patient a follow-up ``time`` and an ``event`` flag (1 if the event was
observed, 0 if follow-up ended first: *censored*). These helpers wrap :mod:`lifelines` (the
Kaplan-Meier estimator) and add what a risk-model evaluation needs on top of it:

- :func:`censor_at_rate` adds independent loss to follow-up, to show what censoring does;
- :func:`risk_at_horizon` estimates the risk by a fixed time three ways (the naive binary outcome,
  the complete cases, and Kaplan-Meier), so the bias of the first two can be measured;
- :func:`calibration_at_horizon` compares predicted risks at a horizon with the Kaplan-Meier risk
  observed in groups of patients (Royston & Altman 2013).

Harrell's C-index is :func:`mlhc_course.metrics.concordance_index`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._validation import Interval, Options, check_param, check_random_state

__all__ = ["censor_at_rate", "risk_at_horizon", "calibration_at_horizon"]

ArrayLike = Any
_RISK_METHODS = ("km", "naive", "complete_case")


def _survival_arrays(time: ArrayLike, event: ArrayLike, caller: str) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(time, dtype=float).ravel()
    e = np.asarray(event).ravel()
    if t.shape != e.shape:
        raise ValueError(f"{caller}: time and event must have the same length; got {t.size} and {e.size}.")
    if t.size == 0:
        raise ValueError(f"{caller}: time and event are empty.")
    if not np.isfinite(t).all() or (t < 0).any():
        raise ValueError(f"{caller}: time must be finite and non-negative (years, days...).")
    if not np.isin(e, (0, 1)).all():
        raise ValueError(f"{caller}: event must hold 0 (censored) or 1 (event observed) only.")
    return t, e.astype(bool)


def _km_risk(t: np.ndarray, e: np.ndarray, horizon: float, ci: float = 0.95) -> tuple[float, float, float]:
    """1 - S(horizon) from lifelines' Kaplan-Meier fit, with its (exponential Greenwood) interval."""
    from lifelines import KaplanMeierFitter

    kmf = KaplanMeierFitter(alpha=1 - ci).fit(t, e)
    survival = float(kmf.survival_function_at_times(horizon).iloc[0])
    band = kmf.confidence_interval_survival_function_
    row = band[band.index <= horizon].iloc[-1]  # the step function's value at the horizon
    return 1.0 - survival, 1.0 - float(row.iloc[1]), 1.0 - float(row.iloc[0])


def censor_at_rate(
    time: ArrayLike,
    event: ArrayLike,
    *,
    rate: float,
    random_state: int | np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Add independent exponential loss to follow-up to survival data.

    Each patient gets a censoring time drawn from an exponential distribution with ``rate`` per
    unit of time (for example 0.05 a year: 5% of those still followed are lost each year). Follow-up
    then ends at the earlier of the original time and the censoring time, and an event that would
    have happened after it is no longer observed.

    Parameters
    ----------
    time : array-like of shape (n_patients,)
        Follow-up time, non-negative.
    event : array-like of shape (n_patients,)
        1 if the event was observed at ``time``, 0 if censored.
    rate : float
        Loss to follow-up per unit of time, >= 0 (0 leaves the data unchanged).
    random_state : int, numpy.random.Generator or None, default=None
        Seed for the censoring times.

    Returns
    -------
    time : numpy.ndarray
        The new follow-up times (never longer than the old ones).
    event : numpy.ndarray of int
        The new event flags (an event is kept only if it happened before the new censoring).

    Examples
    --------
    >>> t, e = censor_at_rate([1.0, 5.0, 9.0], [1, 0, 1], rate=0.0)
    >>> t.tolist(), e.tolist()
    ([1.0, 5.0, 9.0], [1, 0, 1])
    >>> t, e = censor_at_rate([1.0, 5.0, 9.0], [1, 0, 1], rate=0.5, random_state=0)
    >>> bool((t <= [1.0, 5.0, 9.0]).all())
    True
    """
    caller = "censor_at_rate"
    t, e = _survival_arrays(time, event, caller)
    check_param(rate, Interval(float, 0, None, closed="left"), name="rate", caller=caller)
    rng = check_random_state(random_state, caller=caller)
    if rate == 0:
        return t.copy(), e.astype(np.int64)
    censor = rng.standard_exponential(t.size) / float(rate)
    return np.minimum(t, censor), (e & (t <= censor)).astype(np.int64)


def risk_at_horizon(time: ArrayLike, event: ArrayLike, horizon: float, *, method: str = "km") -> float:
    """The risk of the event by ``horizon``, estimated from censored data.

    Parameters
    ----------
    time : array-like of shape (n_patients,)
        Follow-up time, non-negative.
    event : array-like of shape (n_patients,)
        1 if the event was observed at ``time``, 0 if censored.
    horizon : float
        The time point (same unit as ``time``), > 0.
    method : {"km", "naive", "complete_case"}, default="km"
        - ``"km"``: 1 minus the Kaplan-Meier survival at ``horizon`` (lifelines). Unbiased when
          censoring is independent of the event.
        - ``"naive"``: the share of *all* patients with an observed event by ``horizon``. It counts
          every patient censored before ``horizon`` as event-free, so it **underestimates**.
        - ``"complete_case"``: the same share among patients whose status at ``horizon`` is known
          (an event by then, or followed beyond it). It drops the censored patients, who had fewer
          events than the rest only because they were followed for less time, so it
          **overestimates**.

    Returns
    -------
    risk : float
        The estimated probability of an event by ``horizon``.

    See Also
    --------
    calibration_at_horizon : The Kaplan-Meier risk in groups of predicted risk.

    References
    ----------
    .. [1] Kaplan EL, Meier P. Nonparametric estimation from incomplete observations. J Am Stat
       Assoc 1958;53:457-481.

    Examples
    --------
    >>> time, event = [2, 4, 6, 8, 12, 12], [1, 0, 1, 0, 0, 0]
    >>> round(risk_at_horizon(time, event, 10, method="naive"), 3)
    0.333
    >>> round(risk_at_horizon(time, event, 10, method="complete_case"), 3)
    0.5
    >>> round(risk_at_horizon(time, event, 10), 3)
    0.375
    """
    caller = "risk_at_horizon"
    t, e = _survival_arrays(time, event, caller)
    check_param(horizon, Interval(float, 0, None, closed="neither"), name="horizon", caller=caller)
    check_param(method, Options(str, _RISK_METHODS), name="method", caller=caller)
    by_horizon = e & (t <= horizon)
    if method == "naive":
        return float(by_horizon.mean())
    if method == "complete_case":
        known = by_horizon | (t > horizon)
        if not known.any():
            raise ValueError(f"{caller}: nobody's status at the horizon is known (all censored before it).")
        return float(by_horizon[known].mean())
    return _km_risk(t, e, float(horizon))[0]


def calibration_at_horizon(
    time: ArrayLike,
    event: ArrayLike,
    risk: ArrayLike,
    *,
    horizon: float,
    n_groups: int = 10,
    ci: float = 0.95,
) -> pd.DataFrame:
    """Predicted against observed (Kaplan-Meier) risk at a horizon, in groups of predicted risk.

    Patients are sorted by predicted risk and cut into ``n_groups`` groups of (nearly) equal size.
    In each group, the observed risk is 1 minus the Kaplan-Meier survival at ``horizon``, so
    patients censored before the horizon count for the time they were followed. A calibrated model
    has observed close to predicted in every group.

    Parameters
    ----------
    time : array-like of shape (n_patients,)
        Follow-up time, non-negative.
    event : array-like of shape (n_patients,)
        1 if the event was observed at ``time``, 0 if censored.
    risk : array-like of shape (n_patients,)
        Predicted probability of the event by ``horizon``, in [0, 1].
    horizon : float
        The time point (same unit as ``time``), > 0.
    n_groups : int, default=10
        Number of groups (tenths by default), >= 1.
    ci : float, default=0.95
        Confidence level of the Kaplan-Meier interval (exponential Greenwood, as in lifelines).

    Returns
    -------
    table : pandas.DataFrame
        One row per group: ``n``, ``events`` (observed by the horizon), ``predicted`` (mean
        predicted risk), ``observed`` (Kaplan-Meier risk) and ``observed_lower`` /
        ``observed_upper`` (its interval).

    See Also
    --------
    risk_at_horizon : The Kaplan-Meier risk of the whole cohort.
    mlhc_course.metrics.calibration_summary : Calibration of a binary outcome.

    References
    ----------
    .. [1] Royston P, Altman DG. External validation of a Cox prognostic model: principles and
       methods. BMC Med Res Methodol 2013;13:33.

    Examples
    --------
    >>> time = [1, 3, 5, 12, 12, 12, 2, 12, 12, 12]
    >>> event = [1, 1, 0, 0, 0, 0, 1, 0, 0, 0]
    >>> risk = [0.6, 0.5, 0.4, 0.3, 0.3, 0.1, 0.1, 0.05, 0.05, 0.05]
    >>> table = calibration_at_horizon(time, event, risk, horizon=10, n_groups=2)
    >>> table[["n", "events"]].to_numpy().tolist()
    [[5, 1], [5, 2]]
    >>> table["observed"].round(3).tolist()
    [0.2, 0.4]
    """
    caller = "calibration_at_horizon"
    t, e = _survival_arrays(time, event, caller)
    r = np.asarray(risk, dtype=float).ravel()
    if r.shape != t.shape:
        raise ValueError(f"{caller}: risk must have one value per patient; got {r.size} for {t.size}.")
    if not np.isfinite(r).all() or (r < 0).any() or (r > 1).any():
        raise ValueError(f"{caller}: risk must be a probability in [0, 1] (a predicted risk by the horizon).")
    check_param(horizon, Interval(float, 0, None, closed="neither"), name="horizon", caller=caller)
    check_param(n_groups, Interval(int, 1, t.size, closed="both"), name="n_groups", caller=caller)
    check_param(ci, Interval(float, 0, 1, closed="neither"), name="ci", caller=caller)
    order = np.argsort(r, kind="stable")
    groups = np.empty(t.size, dtype=np.int64)
    groups[order] = np.arange(t.size) * n_groups // t.size
    rows = []
    for g in range(n_groups):
        m = groups == g
        observed, lower, upper = _km_risk(t[m], e[m], float(horizon), ci)
        rows.append(
            {
                "group": g + 1,
                "n": int(m.sum()),
                "events": int((e[m] & (t[m] <= horizon)).sum()),
                "predicted": float(r[m].mean()),
                "observed": observed,
                "observed_lower": lower,
                "observed_upper": upper,
            }
        )
    return pd.DataFrame(rows).set_index("group")
