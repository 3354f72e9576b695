"""Confidence intervals: Wilson's for a proportion, and the percentile bootstrap for any metric."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._validation import Interval, check_ci, check_legacy_random_state, check_param
from .._validation import check_1d as _as_1d
from .._validation import check_consistent_length as _check_same_length
from ._common import ArrayLike, UndefinedMetricWarning, _bunch, _z

if TYPE_CHECKING:
    from sklearn.utils import Bunch


def wilson_interval(count: ArrayLike, nobs: ArrayLike, *, ci: float = 0.95) -> tuple[Any, Any]:
    """Wilson score confidence interval for a binomial proportion.

    Parameters
    ----------
    count : int or array-like of int
        Number of successes (for sensitivity: the true positives).
    nobs : int or array-like of int
        Number of trials (for sensitivity: all patients with the condition).
    ci : float, default=0.95
        Confidence level.

    Returns
    -------
    lower, upper : float or ndarray
        The interval limits. Where ``nobs`` is 0 the proportion is undefined and both limits are NaN.

    See Also
    --------
    confusion_metrics : Uses this interval for every proportion in the 2x2 table.

    Notes
    -----
    With :math:`\\hat p = x/n` and :math:`z` the normal quantile,

    .. math:: \\frac{\\hat p + z^2/(2n) \\pm z\\sqrt{\\hat p(1-\\hat p)/n + z^2/(4n^2)}}{1 + z^2/n}.

    Unlike the Wald interval it stays inside [0, 1] and keeps close to nominal coverage for small
    counts and proportions near 0 or 1 (Newcombe 1998, method 3). It is the same as
    ``statsmodels.stats.proportion.proportion_confint(method="wilson")``.

    References
    ----------
    .. [1] Wilson EB. Probable inference, the law of succession, and statistical inference.
       J Am Stat Assoc 1927;22:209-212.
    .. [2] Newcombe RG. Two-sided confidence intervals for the single proportion: comparison of
       seven methods. Stat Med 1998;17:857-872.

    Examples
    --------
    >>> lower, upper = wilson_interval(81, 263)
    >>> round(lower, 4), round(upper, 4)
    (0.2553, 0.3662)
    """
    ci = check_ci(ci, caller="wilson_interval")
    x = np.asarray(count, dtype=float)
    n = np.asarray(nobs, dtype=float)
    if np.any(x < 0) or np.any(n < 0) or np.any(x > n):
        raise ValueError("wilson_interval needs 0 <= count <= nobs.")
    z = _z(ci)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
        lower = np.clip(centre - half, 0.0, 1.0)
        upper = np.clip(centre + half, 0.0, 1.0)
    lower = np.where(n == 0, np.nan, lower)
    upper = np.where(n == 0, np.nan, upper)
    if lower.ndim == 0:
        return float(lower), float(upper)
    return lower, upper


def bootstrap_ci(
    metric: Callable[[np.ndarray, np.ndarray], float],
    y_true: ArrayLike,
    y_score: ArrayLike,
    *,
    n_resamples: int = 1000,
    random_state: int | np.random.Generator | np.random.RandomState | None = None,
    groups: ArrayLike | None = None,
    ci: float = 0.95,
) -> Bunch:
    """Percentile bootstrap confidence interval for any metric ``metric(y_true, y_score)``.

    Parameters
    ----------
    metric : callable
        ``metric(y_true, y_score) -> float``, for example :func:`sklearn.metrics.roc_auc_score`.
    y_true, y_score : array-like of shape (n_rows,)
        Passed to ``metric`` as numpy arrays (unchanged, so string labels work if ``metric``
        accepts them).
    n_resamples : int, default=1000
        Number of bootstrap resamples.
    random_state : int, numpy.random.Generator, numpy.random.RandomState or None, default=None
        Seed for reproducible intervals. An int gives the same interval on every run (the
        resamples are drawn by ``RandomState(int)``, scikit-learn's convention); a ``Generator``
        or ``RandomState`` is used as the source of draws and advances.
    groups : array-like of shape (n_rows,), default=None
        Patient (cluster) identifier. When given, whole patients are resampled with replacement and
        all their rows come along (cluster bootstrap), so repeated admissions of one patient are
        not treated as independent.
    ci : float, default=0.95
        Confidence level.

    Returns
    -------
    result : sklearn.utils.Bunch
        ``estimate`` (the metric on the full data), ``ci_lower``, ``ci_upper``, ``distribution``
        (the resampled values that were defined), ``n_resamples``, ``n_failed`` and ``ci``.

    Raises
    ------
    ValueError
        If the metric fails on the full data, or on more than half of the resamples.

    See Also
    --------
    roc_auc_ci : A closed-form (DeLong) interval for the AUROC.

    Notes
    -----
    A resample on which ``metric`` raises :class:`ValueError` or returns NaN (for example one with a
    single class, for the AUROC) is skipped and counted in ``n_failed``; a warning is issued if any
    were skipped. The percentile method (Efron & Tibshirani 1993, ch. 13) takes the
    ``(1-ci)/2`` and ``(1+ci)/2`` quantiles of the resampled values.

    References
    ----------
    .. [1] Efron B, Tibshirani RJ. An Introduction to the Bootstrap. Chapman & Hall, 1993.

    Examples
    --------
    >>> from sklearn.metrics import roc_auc_score
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 200)
    >>> score = y + rng.normal(size=200)
    >>> result = bootstrap_ci(roc_auc_score, y, score, n_resamples=200, random_state=0)
    >>> bool(result.ci_lower < result.estimate < result.ci_upper)
    True
    """
    ci = check_ci(ci, caller="bootstrap_ci")
    check_param(n_resamples, Interval(int, 1, None, closed="left"), name="n_resamples", caller="bootstrap_ci")
    if not callable(metric):
        raise ValueError(f"metric must be a callable metric(y_true, y_score); got {metric!r}.")
    y = _as_1d(y_true, "y_true")
    score = _as_1d(y_score, "y_score")
    _check_same_length(y_true=y, y_score=score)
    rng = check_legacy_random_state(random_state, caller="bootstrap_ci")
    estimate = float(metric(y, score))
    if groups is None:
        clusters = [np.array([i]) for i in range(len(y))]
        row_sampling = True
    else:
        g = _as_1d(groups, "groups")
        _check_same_length(y_true=y, groups=g)
        codes, uniques = pd.factorize(g)
        if (codes < 0).any():
            raise ValueError("groups contains missing values; every row needs a patient identifier.")
        order = np.argsort(codes, kind="stable")
        clusters = np.split(order, np.cumsum(np.bincount(codes, minlength=len(uniques)))[:-1])
        row_sampling = False
    n_clusters = len(clusters)
    values = []
    failed = 0
    for _ in range(n_resamples):
        draw = rng.randint(0, n_clusters, n_clusters)
        idx = draw if row_sampling else np.concatenate([clusters[k] for k in draw])
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                value = float(metric(y[idx], score[idx]))
        except ValueError:
            failed += 1
            continue
        if np.isnan(value):
            failed += 1
            continue
        values.append(value)
    if failed > n_resamples / 2:
        raise ValueError(
            f"The metric was undefined on {failed} of {n_resamples} resamples (e.g. a single class); "
            "the sample is too small for a bootstrap interval."
        )
    if failed:
        warnings.warn(
            f"{failed} of {n_resamples} resamples were skipped because the metric was undefined on them.",
            UndefinedMetricWarning,
            stacklevel=2,
        )
    dist = np.asarray(values)
    alpha = (1 - ci) / 2
    lower, upper = np.quantile(dist, [alpha, 1 - alpha])
    return _bunch(
        estimate=estimate,
        ci_lower=float(lower),
        ci_upper=float(upper),
        distribution=dist,
        n_resamples=int(n_resamples),
        n_failed=int(failed),
        ci=ci,
    )
