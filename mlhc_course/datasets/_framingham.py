"""The Framingham general cardiovascular disease (CVD) 10-year risk equations (D'Agostino et al. 2008).

Source: D'Agostino RB Sr, Vasan RS, Pencina MJ, Wolf PA, Cobain M, Massaro JM, Kannel WB. General
cardiovascular risk profile for use in primary care: the Framingham Heart Study. *Circulation*
2008;117:743-753. doi:10.1161/CIRCULATIONAHA.107.699579 (sex-specific Cox models; coefficients,
means of the linear predictor and baseline 10-year survival as published).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._validation import Options, check_param

__all__ = ["framingham_cvd_risk", "framingham_coefficients", "MMOL_TO_MG_DL"]

#: Cholesterol (total and HDL): mmol/L x 38.67 = mg/dL (the molar mass of cholesterol, 386.65 g/mol).
MMOL_TO_MG_DL = 38.67

#: Derivation age range of the equation (D'Agostino 2008: attendees aged 30-74).
AGE_RANGE = (30.0, 74.0)

# (women, men), D'Agostino 2008, Table 2: beta for ln(age), ln(TC), ln(HDL), ln(SBP untreated),
# ln(SBP treated), smoker, diabetes; the mean of the linear predictor; baseline survival S0(10).
_COEF = {
    "ln_age": (2.32888, 3.06117),
    "ln_total_chol": (1.20904, 1.12370),
    "ln_hdl_chol": (-0.70833, -0.93263),
    "ln_sbp_untreated": (2.76157, 1.93303),
    "ln_sbp_treated": (2.82263, 1.99881),
    "smoker": (0.52873, 0.65451),
    "diabetes": (0.69154, 0.57367),
}
_MEAN_LP = (26.1931, 23.9802)
BASELINE_SURVIVAL_10Y = (0.95012, 0.88936)


def _sex_index(sex: npt.ArrayLike) -> np.ndarray:
    """0 for women, 1 for men, from strings ('female'/'male', 'F'/'M') or 0/1 (1 = male)."""
    arr = np.asarray(sex)
    if arr.dtype.kind in "biu":
        if not np.isin(arr, (0, 1)).all():
            raise ValueError("The 'sex' parameter of framingham_cvd_risk must hold 0 (female) or 1 (male).")
        return arr.astype(np.intp)
    low = np.char.lower(arr.astype(str))
    male = np.isin(low, ("male", "m"))
    female = np.isin(low, ("female", "f"))
    if not (male | female).all():
        bad = arr[~(male | female)].ravel()[0]
        raise ValueError(
            "The 'sex' parameter of framingham_cvd_risk must hold 'female'/'male' ('F'/'M') or 0/1 "
            f"(1 = male). Got {bad!r} instead."
        )
    return male.astype(np.intp)


def framingham_coefficients() -> pd.DataFrame:
    """The published coefficients of the Framingham general CVD equations, for women and men.

    These are the true effects in the course's synthetic primary-care cohort: log hazard ratios per
    unit of ln(age), ln(cholesterol, mg/dL), ln(SBP) and per yes against no for smoking and diabetes.

    Returns
    -------
    coefficients : DataFrame
        Index ``ln_age``, ``ln_total_chol``, ``ln_hdl_chol``, ``ln_sbp_untreated``, ``ln_sbp_treated``,
        ``smoker``, ``diabetes``; columns ``female`` and ``male``. A fresh copy on every call.

    See Also
    --------
    framingham_cvd_risk : The equation that uses them.

    References
    ----------
    .. [1] D'Agostino RB Sr, Vasan RS, Pencina MJ, et al. General cardiovascular risk profile for use
       in primary care: the Framingham Heart Study. Circulation 2008;117:743-753 (Table 2).

    Examples
    --------
    >>> float(framingham_coefficients().loc["smoker", "male"])
    0.65451
    """
    return pd.DataFrame.from_dict(_COEF, orient="index", columns=["female", "male"]).rename_axis("term")


def framingham_linear_predictor(age, sex, total_chol, hdl_chol, sbp, bp_treated, smoker, diabetes):
    """Centred linear predictor ``sum(beta * x) - mean`` of the 2008 equation (inputs in mg/dL)."""
    s = _sex_index(sex)
    coef = {k: np.asarray(v)[s] for k, v in _COEF.items()}
    treated = np.asarray(bp_treated, dtype=bool)
    ln_sbp = np.log(np.asarray(sbp, dtype=float))
    lp = (
        coef["ln_age"] * np.log(np.asarray(age, dtype=float))
        + coef["ln_total_chol"] * np.log(np.asarray(total_chol, dtype=float))
        + coef["ln_hdl_chol"] * np.log(np.asarray(hdl_chol, dtype=float))
        + np.where(treated, coef["ln_sbp_treated"], coef["ln_sbp_untreated"]) * ln_sbp
        + coef["smoker"] * np.asarray(smoker, dtype=float)
        + coef["diabetes"] * np.asarray(diabetes, dtype=float)
    )
    return lp - np.asarray(_MEAN_LP)[s]


def framingham_cvd_risk(
    age: npt.ArrayLike,
    sex: npt.ArrayLike,
    total_chol: npt.ArrayLike,
    hdl_chol: npt.ArrayLike,
    sbp: npt.ArrayLike,
    bp_treated: npt.ArrayLike,
    smoker: npt.ArrayLike,
    diabetes: npt.ArrayLike,
    *,
    chol_units: str = "mg/dL",
) -> np.ndarray | float:
    """10-year risk of a first CVD event from the Framingham general CVD equations (2008).

    The sex-specific Cox model of D'Agostino et al. (2008):
    ``risk = 1 - S0(10) ** exp(sum(beta * x) - mean)``, with x = ln(age), ln(total cholesterol),
    ln(HDL cholesterol), ln(systolic BP) (the treated or the untreated coefficient, never both),
    current smoking and diabetes. "CVD" is coronary death, myocardial infarction, coronary
    insufficiency, angina, stroke or TIA, peripheral artery disease or heart failure.

    Every argument broadcasts (scalars or arrays), so a whole cohort is scored in one call.

    Parameters
    ----------
    age : array-like of float
        Age in years. The equation was derived in ages 30-74; it is evaluated as is outside that
        range (an extrapolation: see Notes).
    sex : array-like of {"female", "male"} or {0, 1}
        Sex; ``"F"``/``"M"`` are accepted, and 1 means male.
    total_chol, hdl_chol : array-like of float
        Total and HDL cholesterol, in mg/dL by default (see ``chol_units``).
    sbp : array-like of float
        Systolic blood pressure, mmHg.
    bp_treated : array-like of bool
        Whether the patient takes antihypertensive treatment (selects the treated SBP coefficient).
    smoker, diabetes : array-like of bool
        Current smoking; diabetes.
    chol_units : {"mg/dL", "mmol/L"}, default="mg/dL"
        Units of the cholesterol arguments. mmol/L are converted with x 38.67 (:data:`MMOL_TO_MG_DL`).

    Returns
    -------
    risk : ndarray of float or float
        The 10-year probability of a first CVD event, in [0, 1].

    See Also
    --------
    make_primary_care_cohort : A synthetic cohort whose true risk comes from this equation.

    Notes
    -----
    Coefficients (women / men): ln age 2.32888 / 3.06117; ln TC 1.20904 / 1.12370; ln HDL
    -0.70833 / -0.93263; ln SBP untreated 2.76157 / 1.93303; ln SBP treated 2.82263 / 1.99881;
    smoker 0.52873 / 0.65451; diabetes 0.69154 / 0.57367; mean of the linear predictor
    26.1931 / 23.9802; baseline survival S0(10) 0.95012 / 0.88936.

    The equation was derived in people aged 30-74 free of CVD. This function does not clip or
    refuse other ages: it extrapolates the log-linear age term, which is what the course's cohort
    generator does for its 75-79 year olds (documented in its datasheet). Treat such values as
    model-based extrapolations, not validated estimates.

    References
    ----------
    .. [1] D'Agostino RB Sr, Vasan RS, Pencina MJ, et al. General cardiovascular risk profile for use
       in primary care: the Framingham Heart Study. Circulation 2008;117:743-753.

    Examples
    --------
    The paper's worked example for women: 61 years, total cholesterol 180 mg/dL, HDL 47 mg/dL,
    untreated SBP 124 mmHg, smoker, no diabetes.

    >>> round(float(framingham_cvd_risk(61, "female", 180, 47, 124, False, True, False)), 4)
    0.1048
    """
    check_param(
        chol_units, Options(str, ("mg/dL", "mmol/L")), name="chol_units", caller="framingham_cvd_risk"
    )
    total_chol = np.asarray(total_chol, dtype=float)
    hdl_chol = np.asarray(hdl_chol, dtype=float)
    for name, value in (("age", age), ("total_chol", total_chol), ("hdl_chol", hdl_chol), ("sbp", sbp)):
        arr = np.asarray(value, dtype=float)
        if not (arr > 0).all():
            bad = arr[~(arr > 0)].ravel()[0]
            raise ValueError(
                f"The {name!r} parameter of framingham_cvd_risk must hold positive numbers "
                f"(the equation takes its logarithm). Got {bad!r} instead."
            )
    if chol_units == "mmol/L":
        total_chol = total_chol * MMOL_TO_MG_DL
        hdl_chol = hdl_chol * MMOL_TO_MG_DL
    lp = framingham_linear_predictor(age, sex, total_chol, hdl_chol, sbp, bp_treated, smoker, diabetes)
    s0 = np.asarray(BASELINE_SURVIVAL_10Y)[_sex_index(sex)]
    risk = -np.expm1(np.exp(lp) * np.log(s0))
    return float(risk) if np.ndim(risk) == 0 else risk
