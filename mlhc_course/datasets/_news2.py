"""The National Early Warning Score 2 (NEWS2), vectorised over a table of observations.

Source: Royal College of Physicians. *National Early Warning Score (NEWS) 2: Standardising the
assessment of acute-illness severity in the NHS.* Updated report of a working party. London: RCP, 2017
(the NEWS2 chart: scoring thresholds, SpO2 scales 1 and 2, and the clinical risk thresholds).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["news2_subscores", "news2_score", "news2_risk_band", "NEWS2_COLUMNS", "NEWS2_RISK_BANDS"]

#: The columns NEWS2 reads (the names ``make_ward_vitals`` uses). ``spo2_scale`` is optional (default 1).
NEWS2_COLUMNS = ("resp_rate", "spo2", "on_oxygen", "sbp", "heart_rate", "consciousness", "temperature")

#: The clinical risk bands, lowest first (RCP 2017, "NEWS thresholds and triggers").
NEWS2_RISK_BANDS = ("low", "low-medium", "medium", "high")

_ALERT = "A"
_CVPU = ("C", "V", "P", "U")


def _points(x: np.ndarray, upper_bounds: tuple[float, ...], points: tuple[int, ...]) -> np.ndarray:
    """Points for ``x`` given the chart's ranges: ``x <= upper_bounds[i]`` scores ``points[i]``.

    The last entry of ``points`` applies above the last bound; NaN stays NaN.
    """
    out = np.asarray(points, dtype=float)[np.searchsorted(np.asarray(upper_bounds), x, side="left")]
    out[np.isnan(x)] = np.nan
    return out


def _column(frame: pd.DataFrame, name: str, decimals: int) -> np.ndarray:
    """A numeric column rounded to the chart's resolution (whole numbers; 0.1 degC for temperature)."""
    return np.round(
        pd.to_numeric(frame[name], errors="raise").to_numpy(dtype=float, na_value=np.nan), decimals
    )


def news2_subscores(frame: pd.DataFrame) -> pd.DataFrame:
    """NEWS2 points for each parameter of each observation (RCP 2017 chart).

    Parameters
    ----------
    frame : DataFrame
        One row per observation set, with the columns ``resp_rate`` (/min), ``spo2`` (%),
        ``on_oxygen`` (0/1), ``sbp`` (mmHg), ``heart_rate`` (/min), ``consciousness`` (ACVPU letter:
        "A", "C", "V", "P" or "U") and ``temperature`` (degC); optionally ``spo2_scale`` (1 or 2;
        default 1 for every row).

    Returns
    -------
    subscores : DataFrame
        Columns ``resp_rate``, ``spo2``, ``on_oxygen``, ``sbp``, ``heart_rate``, ``consciousness`` and
        ``temperature`` holding points (0-3), same index as ``frame``. A missing value scores NaN.

    See Also
    --------
    news2_score : The aggregate score.
    news2_risk_band : The clinical risk band.

    Notes
    -----
    Values are compared at the chart's resolution: whole numbers for respiration rate, SpO2,
    systolic BP and pulse, and 0.1 degC for temperature (so 35.04 degC is charted as 35.0 and scores
    3). The chart (RCP 2017):

    - Respiration rate: <=8: 3; 9-11: 1; 12-20: 0; 21-24: 2; >=25: 3.
    - SpO2 scale 1: <=91: 3; 92-93: 2; 94-95: 1; >=96: 0.
    - SpO2 scale 2 (hypercapnic respiratory failure, target 88-92%): <=83: 3; 84-85: 2; 86-87: 1;
      88-92, or >=93 on air: 0; on oxygen 93-94: 1; 95-96: 2; >=97: 3.
    - Air or oxygen: oxygen 2; air 0.
    - Systolic BP: <=90: 3; 91-100: 2; 101-110: 1; 111-219: 0; >=220: 3.
    - Pulse: <=40: 3; 41-50: 1; 51-90: 0; 91-110: 1; 111-130: 2; >=131: 3.
    - Consciousness: alert 0; new confusion, voice, pain or unresponsive (CVPU): 3.
    - Temperature: <=35.0: 3; 35.1-36.0: 1; 36.1-38.0: 0; 38.1-39.0: 1; >=39.1: 2.

    References
    ----------
    .. [1] Royal College of Physicians. National Early Warning Score (NEWS) 2. London: RCP, 2017.

    Examples
    --------
    >>> import pandas as pd
    >>> obs = pd.DataFrame({"resp_rate": [18, 26], "spo2": [97, 90], "on_oxygen": [0, 1],
    ...                     "sbp": [125, 88], "heart_rate": [80, 135], "consciousness": ["A", "V"],
    ...                     "temperature": [37.0, 39.4]})
    >>> news2_subscores(obs).sum(axis=1).tolist()
    [0.0, 19.0]
    """
    missing = [c for c in NEWS2_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(
            f"news2_subscores needs the columns {', '.join(NEWS2_COLUMNS)}; {', '.join(missing)} missing."
        )
    rr = _column(frame, "resp_rate", 0)
    spo2 = _column(frame, "spo2", 0)
    sbp = _column(frame, "sbp", 0)
    hr = _column(frame, "heart_rate", 0)
    temp = _column(frame, "temperature", 1)
    oxygen = pd.to_numeric(frame["on_oxygen"]).to_numpy(dtype=float, na_value=np.nan)
    if not np.isin(oxygen[~np.isnan(oxygen)], (0, 1)).all():
        raise ValueError("The 'on_oxygen' column for NEWS2 must hold 0 (air) or 1 (oxygen).")
    if "spo2_scale" in frame.columns:
        scale = pd.to_numeric(frame["spo2_scale"]).to_numpy(dtype=float, na_value=np.nan)
        if not np.isin(scale, (1, 2)).all():
            raise ValueError("The 'spo2_scale' column for NEWS2 must hold 1 or 2 on every row.")
    else:
        scale = np.ones(len(frame))

    acvpu = frame["consciousness"].astype("object").to_numpy()
    known = pd.isna(acvpu) | np.isin(acvpu, (_ALERT, *_CVPU))
    if not known.all():
        raise ValueError(
            "The 'consciousness' column for NEWS2 must hold ACVPU letters ('A', 'C', 'V', 'P', 'U'). "
            f"Got {acvpu[~known][0]!r}."
        )
    consciousness = np.where(pd.isna(acvpu), np.nan, np.where(acvpu == _ALERT, 0.0, 3.0))

    spo2_scale1 = _points(spo2, (91, 93, 95), (3, 2, 1, 0))
    # scale 2: on air, 93 and above scores 0; on oxygen 93-94: 1, 95-96: 2, >=97: 3
    spo2_scale2_air = _points(spo2, (83, 85, 87), (3, 2, 1, 0))
    spo2_scale2_oxygen = _points(spo2, (83, 85, 87, 92, 94, 96), (3, 2, 1, 0, 1, 2, 3))
    spo2_scale2 = np.where(oxygen == 1, spo2_scale2_oxygen, spo2_scale2_air)
    spo2_scale2[np.isnan(oxygen) & (spo2 >= 93)] = np.nan  # above 92 the points depend on air/oxygen
    spo2_points = np.where(scale == 2, spo2_scale2, spo2_scale1)

    return pd.DataFrame(
        {
            "resp_rate": _points(rr, (8, 11, 20, 24), (3, 1, 0, 2, 3)),
            "spo2": spo2_points,
            "on_oxygen": oxygen * 2,
            "sbp": _points(sbp, (90, 100, 110, 219), (3, 2, 1, 0, 3)),
            "heart_rate": _points(hr, (40, 50, 90, 110, 130), (3, 1, 0, 1, 2, 3)),
            "consciousness": consciousness,
            "temperature": _points(temp, (35.0, 36.0, 38.0, 39.0), (3, 1, 0, 1, 2)),
        },
        index=frame.index,
    )


def news2_score(frame: pd.DataFrame) -> pd.Series:
    """Aggregate NEWS2 score (0-20) of each observation set (RCP 2017).

    Parameters
    ----------
    frame : DataFrame
        Observations with the columns described in :func:`news2_subscores`.

    Returns
    -------
    score : Series of float
        The sum of the seven parameter scores; NaN where any parameter is missing (NEWS2 is only
        defined on a complete set of observations).

    See Also
    --------
    news2_subscores : Points per parameter, with the chart's thresholds.
    news2_risk_band : The clinical risk band of each observation.

    References
    ----------
    .. [1] Royal College of Physicians. National Early Warning Score (NEWS) 2. London: RCP, 2017.

    Examples
    --------
    >>> import pandas as pd
    >>> obs = pd.DataFrame({"resp_rate": [22], "spo2": [95], "on_oxygen": [0], "sbp": [105],
    ...                     "heart_rate": [95], "consciousness": ["A"], "temperature": [38.4]})
    >>> news2_score(obs).tolist()
    [6.0]
    """
    return news2_subscores(frame).sum(axis=1, skipna=False).rename("news2")


def news2_risk_band(frame: pd.DataFrame) -> pd.Series:
    """NEWS2 clinical risk band of each observation set (RCP 2017).

    - "high": aggregate score 7 or more (emergency response);
    - "medium": aggregate 5-6 (urgent response);
    - "low-medium": aggregate 0-4 with a score of 3 in any single parameter (urgent ward-based response);
    - "low": aggregate 0-4 otherwise.

    Parameters
    ----------
    frame : DataFrame
        Observations with the columns described in :func:`news2_subscores`.

    Returns
    -------
    band : Series of Categorical
        Ordered categories ``NEWS2_RISK_BANDS``; missing where the score is missing.

    See Also
    --------
    news2_score : The aggregate score.

    References
    ----------
    .. [1] Royal College of Physicians. National Early Warning Score (NEWS) 2. London: RCP, 2017.

    Examples
    --------
    >>> import pandas as pd
    >>> obs = pd.DataFrame({"resp_rate": [18, 7], "spo2": [97, 97], "on_oxygen": [0, 0], "sbp": [125, 125],
    ...                     "heart_rate": [80, 80], "consciousness": ["A", "A"], "temperature": [37.0, 37.0]})
    >>> news2_risk_band(obs).tolist()
    ['low', 'low-medium']
    """
    sub = news2_subscores(frame)
    total = sub.sum(axis=1, skipna=False).to_numpy()
    red = (sub.to_numpy() == 3).any(axis=1)
    codes = np.select([total >= 7, total >= 5, red, total >= 0], [3, 2, 1, 0], default=-1)
    bands = pd.Categorical.from_codes(codes, categories=list(NEWS2_RISK_BANDS), ordered=True)
    return pd.Series(bands, index=frame.index, name="news2_risk_band")
