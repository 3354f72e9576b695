"""Calibration: the hierarchy of Van Calster et al. (2019) and a smoothed calibration curve."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._validation import Interval, Options, check_ci, check_param
from .._validation import check_binary_labels as _check_binary_labels
from .._validation import check_consistent_length as _check_same_length
from .._validation import check_scores as _check_scores
from .._validation import check_two_classes as _check_two_classes
from ._common import ArrayLike, UndefinedMetricWarning, _bunch, _z
from ._intervals import wilson_interval

if TYPE_CHECKING:
    from sklearn.utils import Bunch


#: Predicted probabilities are clipped to [_EPS, 1 - _EPS] before taking logits, so that a
#: prediction of exactly 0 or 1 gives a large finite logit instead of infinity.
_EPS = 1e-10


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


def _fit_logistic(
    X: np.ndarray, y: np.ndarray, offset: np.ndarray | None = None, *, max_iter: int = 100
) -> tuple[np.ndarray, np.ndarray]:
    """Unpenalised logistic regression by Newton-Raphson; returns (coefficients, standard errors)."""
    n, k = X.shape
    off = np.zeros(n) if offset is None else offset
    beta = np.zeros(k)
    for _ in range(max_iter):
        eta = np.clip(X @ beta + off, -500, 500)
        mu = 1 / (1 + np.exp(-eta))
        w = mu * (1 - mu)
        hess = X.T @ (X * w[:, None])
        grad = X.T @ (y - mu)
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            raise ValueError(_SEPARATION) from None
        beta = beta + step
        if np.max(np.abs(step)) < 1e-10:
            break
    else:
        raise ValueError(_SEPARATION)
    eta = np.clip(X @ beta + off, -500, 500)
    mu = 1 / (1 + np.exp(-eta))
    try:
        cov = np.linalg.inv(X.T @ (X * (mu * (1 - mu))[:, None]))
    except np.linalg.LinAlgError:
        raise ValueError(_SEPARATION) from None
    return beta, np.sqrt(np.diag(cov))


_SEPARATION = (
    "The logistic recalibration model has no finite solution: the predictions separate the outcomes "
    "perfectly (typical of a very small sample), so the calibration slope is undefined (infinite)."
)


def calibration_summary(
    y_true: ArrayLike,
    y_score: ArrayLike,
    *,
    n_bins: int = 10,
    strategy: str = "uniform",
    ci: float = 0.95,
    pos_label: Any = None,
) -> Bunch:
    """Calibration of predicted risks, following the hierarchy of Van Calster et al. (2019).

    Parameters
    ----------
    y_true : array-like of shape (n_patients,)
        Observed outcome; both classes must be present.
    y_score : array-like of shape (n_patients,)
        Predicted probability of the outcome, in [0, 1].
    n_bins : int, default=10
        Number of bins for the binned table and the ECE.
    strategy : {"uniform", "quantile"}, default="uniform"
        Equal-width bins on [0, 1], or bins with equal numbers of patients; as in
        :func:`sklearn.calibration.calibration_curve`.
    ci : float, default=0.95
        Confidence level of the Wald intervals for the intercept and slope and of the Wilson
        intervals for the observed rates.
    pos_label : object, default=None
        The positive class, needed when the labels are not 0/1.

    Returns
    -------
    result : sklearn.utils.Bunch
        - ``observed_expected``: O/E ratio, observed events / sum of predicted risks (1 is ideal);
        - ``citl``: calibration-in-the-large, the intercept *a* of ``logit P(y=1) = a + logit(p)``
          (logit(p) as an offset; 0 is ideal, > 0 means risks are underestimated), with
          ``citl_ci``;
        - ``slope``: the calibration slope *b* of ``logit P(y=1) = a + b·logit(p)`` (1 is ideal,
          < 1 means predictions are too extreme, typical of overfitting), with ``slope_ci``;
          NaN (documented, with a warning) when all predictions are equal;
        - ``brier``: mean squared error of the probabilities (equal to
          :func:`sklearn.metrics.brier_score_loss`);
        - ``scaled_brier``: 1 - brier / (prev·(1-prev)), the Brier score relative to a model
          predicting the prevalence for everyone (Steyerberg et al. 2010);
        - ``ece``: expected calibration error, sum over bins of (n_bin/n)·|observed - mean predicted|;
        - ``table``: DataFrame with one row per non-empty bin: ``bin``, ``lower``, ``upper``,
          ``n``, ``mean_predicted``, ``observed_rate`` and its Wilson ``ci_lower``/``ci_upper``;
        - ``n``, ``prevalence`` and ``ci`` (the confidence level).

    Raises
    ------
    ValueError
        If ``y_true`` has a single class, ``y_score`` is outside [0, 1] or has NaN, or the
        predictions separate the outcomes perfectly (the slope is then infinite).

    See Also
    --------
    sklearn.calibration.calibration_curve : The binned observed rates (the same bins).

    Notes
    -----
    The bins follow :func:`sklearn.calibration.calibration_curve` exactly (empty bins are left
    out), so ``table`` agrees with it. Probabilities of exactly 0 or 1 are clipped to
    [1e-10, 1 - 1e-10] before the logit. Both logistic models are fitted without penalty by
    Newton-Raphson; the intervals are Wald intervals from the observed information.

    References
    ----------
    .. [1] Van Calster B, McLernon DJ, van Smeden M, Wynants L, Steyerberg EW. Calibration: the
       Achilles heel of predictive analytics. BMC Med 2019;17:230.
    .. [2] Cox DR. Two further applications of a model for binary regression. Biometrika
       1958;45:562-565.
    .. [3] Steyerberg EW, Vickers AJ, Cook NR, et al. Assessing the performance of prediction
       models: a framework for traditional and novel measures. Epidemiology 2010;21:128-138.
    .. [4] Naeini MP, Cooper G, Hauskrecht M. Obtaining well calibrated probabilities using
       Bayesian binning. AAAI 2015:2901-2907.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(0.05, 0.6, 5000)
    >>> y = rng.binomial(1, p)
    >>> result = calibration_summary(y, p)
    >>> bool(abs(result.slope - 1) < 0.15 and abs(result.citl) < 0.1)
    True
    """
    ci = check_ci(ci, caller="calibration_summary")
    check_param(n_bins, Interval(int, 1, None, closed="left"), name="n_bins", caller="calibration_summary")
    check_param(
        strategy, Options(str, ("uniform", "quantile")), name="strategy", caller="calibration_summary"
    )
    y = _check_binary_labels(y_true, pos_label=pos_label)
    p = _check_scores(y_score, "y_score", probability=True)
    _check_same_length(y_true=y, y_score=p)
    _check_two_classes(y, "Calibration assessment")
    n = len(y)
    z = _z(ci)
    lp = _logit(p)
    (citl,), (citl_se,) = _fit_logistic(np.ones((n, 1)), y, offset=lp)
    if np.ptp(lp) == 0:
        warnings.warn(
            "All predicted probabilities are equal, so the calibration slope is undefined (reported as NaN).",
            UndefinedMetricWarning,
            stacklevel=2,
        )
        slope, slope_se = float("nan"), float("nan")
    else:
        (_, slope), (_, slope_se) = _fit_logistic(np.column_stack([np.ones(n), lp]), y)
    prevalence = float(y.mean())
    brier = float(np.mean((p - y) ** 2))
    # Bins exactly as sklearn.calibration.calibration_curve.
    if strategy == "quantile":
        edges = np.percentile(p, np.linspace(0, 1, n_bins + 1) * 100)
    else:
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    binids = np.searchsorted(edges[1:-1], p)
    counts = np.bincount(binids, minlength=len(edges) - 1)
    sum_p = np.bincount(binids, weights=p, minlength=len(edges) - 1)
    sum_y = np.bincount(binids, weights=y, minlength=len(edges) - 1)
    nonzero = counts > 0
    lo, hi = wilson_interval(sum_y[nonzero], counts[nonzero], ci=ci)
    table = pd.DataFrame(
        {
            "bin": np.flatnonzero(nonzero),
            "lower": edges[:-1][nonzero],
            "upper": edges[1:][nonzero],
            "n": counts[nonzero],
            "mean_predicted": sum_p[nonzero] / counts[nonzero],
            "observed_rate": sum_y[nonzero] / counts[nonzero],
            "ci_lower": lo,
            "ci_upper": hi,
        }
    )
    ece = float(np.sum(table["n"] / n * np.abs(table["observed_rate"] - table["mean_predicted"])))
    expected = float(p.sum())
    return _bunch(
        n=n,
        prevalence=prevalence,
        observed_expected=float(y.sum() / expected) if expected > 0 else float("inf"),
        citl=float(citl),
        citl_ci=(float(citl - z * citl_se), float(citl + z * citl_se)),
        slope=float(slope),
        slope_ci=(float(slope - z * slope_se), float(slope + z * slope_se)),
        brier=brier,
        scaled_brier=1.0 - brier / (prevalence * (1 - prevalence)),
        ece=ece,
        table=table,
        ci=ci,
    )


def smoothed_calibration_curve(
    y_true: ArrayLike,
    y_score: ArrayLike,
    *,
    frac: float = 2 / 3,
    n_points: int = 101,
    pos_label: Any = None,
) -> pd.DataFrame:
    """Flexible (loess) calibration curve: the observed event rate as a smooth function of risk.

    Van Calster et al. (2016, 2019) recommend a smoothed curve over bins: it uses every patient
    without choosing bin edges. The curve is a locally linear regression of the outcome on the
    predicted risk with tricube weights over the nearest ``frac`` of patients (Cleveland's
    lowess, without robustness iterations, as in ``rms::val.prob``), evaluated on a grid.

    Parameters
    ----------
    y_true : array-like of shape (n_patients,)
        Observed outcome.
    y_score : array-like of shape (n_patients,)
        Predicted probability, in [0, 1].
    frac : float, default=2/3
        Share of patients in each local fit (the span), in (0, 1]. Larger is smoother.
    n_points : int, default=101
        Grid points, evenly spaced from the smallest to the largest predicted risk.
    pos_label : object, default=None
        The positive class, needed when the labels are not 0/1.

    Returns
    -------
    curve : pandas.DataFrame
        Columns ``predicted`` (the grid) and ``observed`` (the smoothed event rate, clipped to
        [0, 1]). A perfectly calibrated model lies on ``observed == predicted``.

    See Also
    --------
    calibration_summary : Binned calibration table and the calibration hierarchy.
    mlhc_course.plots.plot_calibration : Draws this curve over the bins.

    Notes
    -----
    Where few patients have a given risk (the ends of the grid), the curve rests on patients
    further away and is less certain; read it together with the histogram of predicted risks.

    References
    ----------
    .. [1] Cleveland WS. Robust locally weighted regression and smoothing scatterplots. J Am Stat
       Assoc 1979;74:829-836.
    .. [2] Van Calster B, Nieboer D, Vergouwe Y, et al. A calibration hierarchy for risk models was
       defined: from utopia to empirical data. J Clin Epidemiol 2016;74:167-176.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(0, 1, 2000)
    >>> curve = smoothed_calibration_curve(rng.binomial(1, p), p, n_points=5)
    >>> bool((curve["observed"] - curve["predicted"]).abs().max() < 0.05)
    True
    """
    caller = "smoothed_calibration_curve"
    check_param(frac, Interval(float, 0, 1, closed="right"), name="frac", caller=caller)
    check_param(n_points, Interval(int, 2, None, closed="left"), name="n_points", caller=caller)
    y = _check_binary_labels(y_true, pos_label=pos_label)
    p = _check_scores(y_score, "y_score", probability=True)
    _check_same_length(y_true=y, y_score=p)
    grid = np.linspace(p.min(), p.max(), n_points)
    k = max(2, int(np.ceil(frac * len(p))))
    fitted = np.empty(n_points)
    # rows of the (grid x patients) distance matrix per chunk, so memory stays ~40 MB at any n
    step = max(1, 5_000_000 // len(p))
    for start in range(0, n_points, step):
        x0 = grid[start : start + step, None]
        dist = np.abs(p[None, :] - x0)
        h = np.partition(dist, min(k, len(p)) - 1, axis=1)[:, min(k, len(p)) - 1 : min(k, len(p))]
        h = np.where(h > 0, h, 1e-12)
        w = np.clip(1 - (dist / h) ** 3, 0, None) ** 3
        s0, s1, s2 = w.sum(1), (w * p).sum(1), (w * p**2).sum(1)
        t0, t1 = (w * y).sum(1), (w * p * y).sum(1)
        det = s0 * s2 - s1**2
        flat = det <= 1e-12 * np.maximum(s0**2, 1e-300)
        slope = np.where(flat, 0.0, (s0 * t1 - s1 * t0) / np.where(flat, 1.0, det))
        fitted[start : start + step] = (t0 - slope * s1) / s0 + slope * x0[:, 0]
    return pd.DataFrame({"predicted": grid, "observed": np.clip(fitted, 0.0, 1.0)})
