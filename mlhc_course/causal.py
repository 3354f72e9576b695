"""Treatment effects from observational data: balance, propensity-score weights and matching.

A risk model predicts; a treatment decision needs the *effect* of the treatment, and in routine
data the treated and untreated differ (confounding by indication). These helpers implement the
standard steps of a propensity-score analysis (Austin 2011):

- :func:`standardized_mean_difference` measures the balance of covariates between the groups,
  before and after weighting or matching (Austin & Stuart 2015);
- :func:`ipw_weights` turns propensity scores into inverse probability of treatment weights
  (stabilised, for the average treatment effect, or for the effect in the treated);
- :func:`match_on_propensity` pairs each treated patient with an untreated one of similar
  propensity (greedy nearest neighbour on the logit, within a caliper);
- :func:`weighted_cox_hr` estimates a (weighted) hazard ratio with a robust confidence interval,
  through :class:`lifelines.CoxPHFitter`.

The propensity model itself is an ordinary classifier (for example
:class:`sklearn.linear_model.LogisticRegression`); what matters is the balance it achieves.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ._validation import Interval, Options, check_param, check_random_state

__all__ = ["standardized_mean_difference", "ipw_weights", "match_on_propensity", "weighted_cox_hr"]

ArrayLike = Any
_ESTIMANDS = ("ate", "att")


def _treatment(treatment: ArrayLike, caller: str) -> np.ndarray:
    z = np.asarray(treatment).ravel()
    if z.size == 0 or not np.isin(z, (0, 1)).all():
        raise ValueError(f"{caller}: treatment must hold 0 (untreated) and 1 (treated) only.")
    z = z.astype(bool)
    if z.all() or not z.any():
        raise ValueError(f"{caller}: treatment needs both treated (1) and untreated (0) patients.")
    return z


def _propensity(propensity: ArrayLike, n: int, caller: str) -> np.ndarray:
    p = np.asarray(propensity, dtype=float).ravel()
    if p.size != n:
        raise ValueError(f"{caller}: propensity must have one value per patient; got {p.size} for {n}.")
    if not np.isfinite(p).all() or (p <= 0).any() or (p >= 1).any():
        raise ValueError(
            f"{caller}: propensity scores must lie strictly between 0 and 1; a score of 0 or 1 means no "
            "overlap (positivity fails): restrict the population or fix the propensity model."
        )
    return p


def _weighted_mean_var(x: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    mean = np.average(x, weights=w)
    return float(mean), float(np.average((x - mean) ** 2, weights=w))


def standardized_mean_difference(
    X: ArrayLike, treatment: ArrayLike, *, weights: ArrayLike | None = None
) -> pd.Series:
    """Standardised mean difference (SMD) of each covariate between treated and untreated patients.

    ``SMD = (mean_treated - mean_untreated) / sqrt((var_treated + var_untreated) / 2)``, with
    weighted means and variances when ``weights`` are given (Austin & Stuart 2015). For a 0/1
    covariate the variance is p(1 - p). An absolute SMD below 0.1 is the usual mark of adequate
    balance.

    Parameters
    ----------
    X : DataFrame or array-like of shape (n_patients, n_covariates)
        Numeric covariates (a 1-D array is one covariate).
    treatment : array-like of shape (n_patients,)
        1 for treated, 0 for untreated.
    weights : array-like of shape (n_patients,), default=None
        Non-negative weights (inverse probability weights, or 0/1 for a matched sample).

    Returns
    -------
    smd : pandas.Series
        One value per covariate, named after the columns of ``X``.

    References
    ----------
    .. [1] Austin PC, Stuart EA. Moving towards best practice when using inverse probability of
       treatment weighting (IPTW) using the propensity score to estimate causal treatment effects
       in observational studies. Stat Med 2015;34:3661-3679.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"age": [50, 60, 70, 40, 50, 60]})
    >>> standardized_mean_difference(X, [1, 1, 1, 0, 0, 0]).round(3).tolist()
    [1.225]
    >>> standardized_mean_difference(X, [1, 1, 1, 0, 0, 0], weights=[0, 1, 0, 0, 0, 1]).tolist()
    [0.0]
    """
    caller = "standardized_mean_difference"
    frame = pd.DataFrame(X) if not isinstance(X, pd.DataFrame) else X
    if frame.ndim != 2 or frame.shape[1] == 0:
        raise ValueError(f"{caller}: X must have at least one covariate column.")
    z = _treatment(treatment, caller)
    if len(frame) != z.size:
        raise ValueError(f"{caller}: X has {len(frame)} rows but treatment has {z.size} values.")
    w = np.ones(z.size) if weights is None else np.asarray(weights, dtype=float).ravel()
    if w.size != z.size or not np.isfinite(w).all() or (w < 0).any():
        raise ValueError(f"{caller}: weights must be one finite, non-negative value per patient.")
    if w[z].sum() == 0 or w[~z].sum() == 0:
        raise ValueError(f"{caller}: both groups need a positive total weight.")
    smd = {}
    for column in frame.columns:
        x = frame[column].to_numpy(dtype=float)
        if not np.isfinite(x).all():
            raise ValueError(f"{caller}: covariate {column!r} has missing or infinite values.")
        m1, v1 = _weighted_mean_var(x[z], w[z])
        m0, v0 = _weighted_mean_var(x[~z], w[~z])
        pooled = np.sqrt((v1 + v0) / 2)
        smd[column] = (m1 - m0) / pooled if pooled > 0 else 0.0
    return pd.Series(smd, name="SMD", dtype=float)


def ipw_weights(
    treatment: ArrayLike, propensity: ArrayLike, *, estimand: str = "ate", stabilized: bool = True
) -> np.ndarray:
    """Inverse probability of treatment weights from propensity scores.

    For the average treatment effect (``"ate"``), a treated patient weighs 1/e and an untreated one
    1/(1 - e), where e is the propensity score; *stabilised* weights multiply these by the share
    treated (or untreated), so that the weights average about 1 and the weighted sample keeps its
    size. For the effect in the treated (``"att"``), treated patients weigh 1 and untreated ones
    e/(1 - e), reweighting the untreated to look like the treated.

    Parameters
    ----------
    treatment : array-like of shape (n_patients,)
        1 for treated, 0 for untreated.
    propensity : array-like of shape (n_patients,)
        Estimated probability of treatment given the covariates, strictly between 0 and 1.
    estimand : {"ate", "att"}, default="ate"
        The population the weights target: everyone, or the treated.
    stabilized : bool, default=True
        Multiply the ATE weights by the marginal probability of the group (ignored for ``"att"``).

    Returns
    -------
    weights : numpy.ndarray of shape (n_patients,)

    References
    ----------
    .. [1] Austin PC, Stuart EA. Stat Med 2015;34:3661-3679.
    .. [2] Hernán MA, Robins JM. Causal Inference: What If. Boca Raton: Chapman & Hall/CRC, 2020.

    Examples
    --------
    >>> ipw_weights([1, 1, 0, 0], [0.8, 0.5, 0.5, 0.2], stabilized=False).tolist()
    [1.25, 2.0, 2.0, 1.25]
    >>> ipw_weights([1, 1, 0, 0], [0.8, 0.5, 0.5, 0.2]).tolist()
    [0.625, 1.0, 1.0, 0.625]
    >>> ipw_weights([1, 1, 0, 0], [0.8, 0.5, 0.5, 0.2], estimand="att").tolist()
    [1.0, 1.0, 1.0, 0.25]
    """
    caller = "ipw_weights"
    z = _treatment(treatment, caller)
    e = _propensity(propensity, z.size, caller)
    check_param(estimand, Options(str, _ESTIMANDS), name="estimand", caller=caller)
    check_param(stabilized, bool, name="stabilized", caller=caller)
    if estimand == "att":
        return np.where(z, 1.0, e / (1 - e))
    weights = np.where(z, 1 / e, 1 / (1 - e))
    if stabilized:
        share = z.mean()
        weights = weights * np.where(z, share, 1 - share)
    return weights


def match_on_propensity(
    treatment: ArrayLike,
    propensity: ArrayLike,
    *,
    caliper: float = 0.2,
    random_state: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Greedy 1:1 nearest-neighbour matching on the logit of the propensity score, without replacement.

    Treated patients are taken in random order; each is paired with the untreated patient whose
    logit propensity is closest, if the distance is within ``caliper`` standard deviations of the
    logit propensity (Austin 2011 recommends 0.2); that untreated patient is then no longer
    available. Treated patients without a match within the caliper are left out, so the matched
    sample estimates the effect in the *matched* treated.

    Parameters
    ----------
    treatment : array-like of shape (n_patients,)
        1 for treated, 0 for untreated.
    propensity : array-like of shape (n_patients,)
        Estimated propensity scores, strictly between 0 and 1.
    caliper : float, default=0.2
        Largest allowed distance, in standard deviations of the logit propensity (> 0).
    random_state : int, numpy.random.Generator or None, default=None
        Seed for the order in which treated patients are matched.

    Returns
    -------
    pairs : pandas.DataFrame
        One row per matched pair: ``treated`` and ``control`` (positions, 0-based, in the input)
        and ``distance`` (on the logit scale).

    References
    ----------
    .. [1] Austin PC. Optimal caliper widths for propensity-score matching when estimating
       differences in means and differences in proportions in observational studies. Pharm Stat
       2011;10:150-161.

    Examples
    --------
    >>> pairs = match_on_propensity([1, 0, 0, 1, 0], [0.30, 0.31, 0.60, 0.62, 0.90], caliper=1.0,
    ...                             random_state=0)
    >>> sorted(zip(pairs["treated"].tolist(), pairs["control"].tolist()))
    [(0, 1), (3, 2)]
    """
    caller = "match_on_propensity"
    z = _treatment(treatment, caller)
    e = _propensity(propensity, z.size, caller)
    check_param(caliper, Interval(float, 0, None, closed="neither"), name="caliper", caller=caller)
    rng = check_random_state(random_state, caller=caller)
    logit = np.log(e / (1 - e))
    width = caliper * logit.std(ddof=1) if z.size > 1 else caliper
    treated = np.flatnonzero(z)[rng.permutation(int(z.sum()))]
    controls = np.flatnonzero(~z)
    available = np.ones(controls.size, dtype=bool)
    distance = np.empty(controls.size)
    rows = []
    for i in treated:
        np.abs(logit[controls] - logit[i], out=distance)
        distance[~available] = np.inf
        j = int(np.argmin(distance))
        if distance[j] <= width:
            available[j] = False
            rows.append((int(i), int(controls[j]), float(distance[j])))
    return pd.DataFrame(rows, columns=["treated", "control", "distance"])


def weighted_cox_hr(
    time: ArrayLike,
    event: ArrayLike,
    treatment: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    covariates: pd.DataFrame | None = None,
    cluster: ArrayLike | None = None,
    ci: float = 0.95,
) -> Bunch:
    """Hazard ratio of treatment from a (weighted) Cox model, with a robust confidence interval.

    Fits :class:`lifelines.CoxPHFitter` to ``treatment`` (and any ``covariates``) with the given
    weights. With weights or clusters, the interval uses the robust (sandwich) variance, as it
    should for inverse probability weights (the model-based variance treats the weights as counts)
    or for matched pairs (``cluster`` = pair id).

    Parameters
    ----------
    time : array-like of shape (n_patients,)
        Follow-up time, positive.
    event : array-like of shape (n_patients,)
        1 if the event was observed, 0 if censored.
    treatment : array-like of shape (n_patients,)
        1 for treated, 0 for untreated.
    weights : array-like of shape (n_patients,), default=None
        Non-negative weights, for example from :func:`ipw_weights`.
    covariates : DataFrame, default=None
        Further covariates to adjust for (regression adjustment), one row per patient.
    cluster : array-like of shape (n_patients,), default=None
        Cluster ids (for example matched pair ids) for the robust variance.
    ci : float, default=0.95
        Confidence level.

    Returns
    -------
    result : sklearn.utils.Bunch
        ``hr``, ``ci_lower``, ``ci_upper`` (the treatment's hazard ratio and its interval),
        ``coef`` and ``se`` (log scale), and ``model`` (the fitted CoxPHFitter).

    See Also
    --------
    lifelines.CoxPHFitter : The model fitted here.

    Examples
    --------
    >>> time = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]
    >>> event = [1, 1, 0, 1, 1, 0, 1, 0]
    >>> treatment = [1, 0, 1, 0, 1, 0, 1, 0]
    >>> result = weighted_cox_hr(time, event, treatment)
    >>> bool(result.ci_lower < result.hr < result.ci_upper)
    True
    """
    from lifelines import CoxPHFitter

    caller = "weighted_cox_hr"
    z = _treatment(treatment, caller).astype(np.int64)
    t = np.asarray(time, dtype=float).ravel()
    e = np.asarray(event).ravel()
    if t.size != z.size or e.size != z.size:
        raise ValueError(f"{caller}: time, event and treatment must have the same length.")
    if not np.isfinite(t).all() or (t <= 0).any():
        raise ValueError(f"{caller}: time must be finite and positive.")
    if not np.isin(e, (0, 1)).all():
        raise ValueError(f"{caller}: event must hold 0 (censored) or 1 (event observed) only.")
    check_param(ci, Interval(float, 0, 1, closed="neither"), name="ci", caller=caller)
    data = pd.DataFrame({"treatment": z, "_time": t, "_event": e.astype(np.int64)})
    if covariates is not None:
        if len(covariates) != z.size:
            raise ValueError(f"{caller}: covariates must have one row per patient.")
        data = pd.concat([data, pd.DataFrame(covariates).reset_index(drop=True)], axis=1)
    fit_kwargs: dict[str, Any] = {}
    robust = False
    if weights is not None:
        w = np.asarray(weights, dtype=float).ravel()
        if w.size != z.size or not np.isfinite(w).all() or (w < 0).any():
            raise ValueError(f"{caller}: weights must be one finite, non-negative value per patient.")
        data["_weight"] = w
        fit_kwargs["weights_col"] = "_weight"
        robust = True
    if cluster is not None:
        data["_cluster"] = np.asarray(cluster).ravel()
        fit_kwargs["cluster_col"] = "_cluster"
        robust = True
    model = CoxPHFitter(alpha=1 - ci)
    with warnings.catch_warnings():
        # lifelines warns that non-integer weights need robust=True: we pass it.
        warnings.filterwarnings("ignore", message=".*weights.*", category=UserWarning)
        model.fit(data, duration_col="_time", event_col="_event", robust=robust, **fit_kwargs)
    coef = float(model.params_["treatment"])
    lower, upper = model.confidence_intervals_.loc["treatment"].to_numpy(dtype=float)
    return Bunch(
        hr=float(np.exp(coef)),
        ci_lower=float(np.exp(lower)),
        ci_upper=float(np.exp(upper)),
        coef=coef,
        se=float(model.standard_errors_["treatment"]),
        model=model,
    )
