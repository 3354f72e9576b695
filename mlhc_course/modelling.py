"""Reading a fitted risk model: odds ratios per clinically meaningful unit, and what they mean as risks.

A logistic regression's coefficients are log odds ratios per one unit of each predictor. One mmHg
or one year is too small a unit to read, and a standard deviation is a unit no clinician uses, so
:func:`odds_ratio_table` reports each odds ratio per a unit you choose (per 10 mmHg, per 10 years,
yes against no), with its Wald confidence interval. :func:`risk_ratio_from_odds_ratio` shows why an
odds ratio is not a risk ratio when the outcome is common.
"""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Real
from statistics import NormalDist
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["odds_ratio_table", "risk_ratio_from_odds_ratio"]


def _check_unpenalised_logistic(estimator: Any) -> None:
    if not (hasattr(estimator, "coef_") and hasattr(estimator, "predict_proba")):
        raise ValueError(
            "odds_ratio_table needs a fitted sklearn.linear_model.LogisticRegression; got "
            f"{type(estimator).__name__}. Fit it first: model.fit(X, y)."
        )
    if np.shape(estimator.coef_)[0] != 1:
        raise ValueError("odds_ratio_table supports a binary outcome only (one row of coefficients).")
    params = estimator.get_params() if hasattr(estimator, "get_params") else {}
    unpenalised = params.get("penalty", "l2") is None or np.isinf(params.get("C", 1.0))
    if not unpenalised:
        raise ValueError(
            "Confidence intervals from the Fisher information are valid only for an unpenalised fit; "
            f"this model has C={params.get('C')!r}. Refit with LogisticRegression(C=np.inf)."
        )


def _check_units(units: Mapping[str, float] | None, names: list[str]) -> dict[str, float]:
    units = dict(units or {})
    unknown = [k for k in units if k not in names]
    if unknown:
        raise ValueError(f"units names unknown predictors {unknown}; the predictors are {names}.")
    for name, value in units.items():
        if isinstance(value, bool) or not isinstance(value, Real) or not np.isfinite(value) or value <= 0:
            raise ValueError(
                f"The unit of {name!r} must be a positive number (for example 10); got {value!r}."
            )
    return {name: float(units.get(name, 1.0)) for name in names}


def odds_ratio_table(
    estimator: Any, X: Any, *, units: Mapping[str, float] | None = None, ci: float = 0.95
) -> pd.DataFrame:
    """Odds ratios with Wald confidence intervals, per a clinically meaningful unit of each predictor.

    The standard errors come from the Fisher information of the logistic likelihood at the fitted
    coefficients, ``X1' W X1`` with ``W = diag(p (1 - p))`` and ``X1`` the predictors with a column of
    ones for the intercept. For a logistic model the observed and expected information are equal.

    Parameters
    ----------
    estimator : sklearn.linear_model.LogisticRegression
        Fitted, unpenalised (``C=np.inf``), on a binary outcome, directly on ``X`` (not inside a
        pipeline that rescales the predictors: the coefficients would then be per rescaled unit).
    X : DataFrame or array-like of shape (n_patients, n_predictors)
        The data the model was fitted on, with the same columns in the same order.
    units : mapping of str to float, default=None
        The unit to report each odds ratio per, for example ``{"age": 10, "sbp": 10}`` for per 10
        years and per 10 mmHg. Predictors not named are reported per 1 unit (right for 0/1 predictors:
        yes against no).
    ci : float, default=0.95
        Confidence level of the intervals.

    Returns
    -------
    table : DataFrame
        One row per predictor (the intercept is left out), with columns ``per`` (the unit),
        ``odds_ratio``, ``ci_lower``, ``ci_upper`` (per that unit), ``coef`` and ``se`` (log odds ratio
        per 1 unit and its standard error).

    Raises
    ------
    ValueError
        If the model is not fitted, is penalised or not binary, ``X`` does not match it, a unit is not
        a positive number or names an unknown predictor, or the information matrix is singular
        (perfectly collinear predictors or separation).

    See Also
    --------
    risk_ratio_from_odds_ratio : What an odds ratio means as a ratio of risks.

    Notes
    -----
    The odds ratio per ``u`` units is ``exp(u * coef)``, with interval ``exp(u * (coef -/+ z * se))``:
    the same model, read on a scale a clinician uses. Wald intervals assume the sample is large
    enough for the log odds ratio to be approximately normal; with few events, or near separation,
    they are unreliable.

    References
    ----------
    .. [1] Hosmer DW, Lemeshow S, Sturdivant RX. Applied Logistic Regression. 3rd ed. Wiley, 2013,
       chapters 1-3.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = pd.DataFrame({"smoker": [1] * 40 + [0] * 60})
    >>> y = np.array([1] * 12 + [0] * 28 + [1] * 9 + [0] * 51)
    >>> model = LogisticRegression(C=np.inf).fit(X, y)
    >>> table = odds_ratio_table(model, X)
    >>> round(float(table.loc["smoker", "odds_ratio"]), 2)  # (12 * 51) / (28 * 9) from the 2x2 table
    2.43
    """
    _check_unpenalised_logistic(estimator)
    if isinstance(ci, bool) or not isinstance(ci, Real) or not 0 < ci < 1:
        raise ValueError(f"ci must be a confidence level in (0, 1), for example 0.95; got {ci!r}.")
    coef = np.asarray(estimator.coef_, dtype=float).ravel()
    if isinstance(X, pd.DataFrame):
        names = [str(c) for c in X.columns]
        fitted_names = getattr(estimator, "feature_names_in_", None)
        if fitted_names is not None and list(fitted_names) != names:
            raise ValueError(
                f"X has the columns {names}, but the model was fitted on {list(fitted_names)}: pass the data "
                "the model was fitted on."
            )
    else:
        names = [f"x{i}" for i in range(np.shape(X)[1])] if np.ndim(X) == 2 else []
    x = np.asarray(X, dtype=float)
    if x.ndim != 2 or x.shape[1] != coef.size:
        raise ValueError(f"X must have {coef.size} columns, one per coefficient; got shape {x.shape}.")
    if not np.isfinite(x).all():
        raise ValueError("X has missing or infinite values; pass the complete rows the model was fitted on.")
    per = _check_units(units, names)

    p = estimator.predict_proba(x if not isinstance(X, pd.DataFrame) else X)[:, 1]
    design = np.column_stack([np.ones(len(x)), x]) if estimator.fit_intercept else x
    information = design.T @ (design * (p * (1 - p))[:, None])
    try:
        cov = np.linalg.inv(information)
    except np.linalg.LinAlgError:
        raise ValueError(
            "The information matrix is singular: some predictors are perfectly collinear, or a predictor "
            "separates the outcomes. Drop the redundant predictor."
        ) from None
    se = np.sqrt(np.diag(cov))[1:] if estimator.fit_intercept else np.sqrt(np.diag(cov))
    z = NormalDist().inv_cdf(0.5 + ci / 2)
    unit = np.array([per[name] for name in names])
    return pd.DataFrame(
        {
            "per": unit,
            "odds_ratio": np.exp(unit * coef),
            "ci_lower": np.exp(unit * (coef - z * se)),
            "ci_upper": np.exp(unit * (coef + z * se)),
            "coef": coef,
            "se": se,
        },
        index=pd.Index(names, name="predictor"),
    )


def risk_ratio_from_odds_ratio(odds_ratio: npt.ArrayLike, baseline_risk: npt.ArrayLike) -> Any:
    """The risk ratio that an odds ratio implies at a given risk in the unexposed.

    ``RR = OR / (1 - p0 + p0 * OR)``, where ``p0`` is the risk without the exposure (Zhang & Yu 1998).
    When the outcome is rare (``p0`` near 0) the two ratios agree; when it is common, the odds ratio
    is further from 1 than the risk ratio.

    Parameters
    ----------
    odds_ratio : float or array-like
        Odds ratio(s), > 0.
    baseline_risk : float or array-like
        Risk of the outcome without the exposure, in [0, 1].

    Returns
    -------
    risk_ratio : float or ndarray
        The implied risk ratio; an array if either input is one.

    Raises
    ------
    ValueError
        If an odds ratio is not positive or a baseline risk is outside [0, 1].

    Notes
    -----
    This converts one odds ratio at one baseline risk. It is not a way to turn an adjusted odds ratio
    into an adjusted risk ratio for a whole population, whose patients have different baseline risks.

    References
    ----------
    .. [1] Zhang J, Yu KF. What's the relative risk? A method of correcting the odds ratio in cohort
       studies of common outcomes. JAMA 1998;280:1690-1691.

    Examples
    --------
    >>> round(float(risk_ratio_from_odds_ratio(2.0, 0.01)), 3)  # rare outcome: RR close to OR
    1.98
    >>> round(float(risk_ratio_from_odds_ratio(2.0, 0.30)), 2)  # common outcome: RR well below OR
    1.54
    """
    odds = np.asarray(odds_ratio, dtype=float)
    p0 = np.asarray(baseline_risk, dtype=float)
    if not (np.isfinite(odds).all() and (odds > 0).all()):
        raise ValueError(f"odds_ratio must be positive and finite; got {odds_ratio!r}.")
    if not (np.isfinite(p0).all() and ((p0 >= 0) & (p0 <= 1)).all()):
        raise ValueError(
            f"baseline_risk must be a risk in [0, 1] (a proportion, not a percentage); got {baseline_risk!r}."
        )
    rr = odds / (1 - p0 + p0 * odds)
    return float(rr) if rr.ndim == 0 else rr
