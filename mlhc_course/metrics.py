"""Clinical evaluation metrics: the numbers a journal reviewer asks for, with their uncertainty.

The module wraps a well-kept library where it does the whole job (:func:`lifelines.utils.concordance_index`
for Harrell's C) and writes by hand what the libraries lack: Wilson intervals, likelihood-ratio
intervals, the DeLong AUROC interval, the calibration hierarchy of Van Calster et al. (2019) and net
benefit (Vickers & Elkin 2006). Three computations that scikit-learn also offers are written here
on purpose, and the tests check that they give scikit-learn's numbers:

- the 2x2 counts (:func:`sklearn.metrics.confusion_matrix`): four numpy sums; calling scikit-learn
  would import :mod:`sklearn.metrics` (about half a second) in every graded notebook for them;
- the AUROC (:func:`sklearn.metrics.roc_auc_score`): it falls out of the midranks that DeLong's
  variance needs anyway, so the estimate and its interval come from one computation;
- the calibration bins (:func:`sklearn.calibration.calibration_curve`): the same edges and bin
  assignment, but ``calibration_curve`` returns neither the bin counts nor the edges, and the
  Wilson interval of each bin needs both.

scipy and scikit-learn are imported inside the functions that use them, so ``import
mlhc_course.metrics`` costs about a third of what it did: 0.46 s instead of 1.43 s of CPU time
(``benchmarks/bench_import.py``; numpy and pandas alone take 0.47 s there).

Conventions shared by every function
------------------------------------
- ``y_true`` holds the reference-standard outcome. It may be 0/1, ``False``/``True``, or any two
  labels (for example strings) together with ``pos_label`` naming the positive class.
- ``y_score`` is any continuous score where higher means "more likely positive" (a probability, a
  NEWS2 total, a biomarker level). Where a function needs a risk (calibration, net benefit) the
  same ``y_score`` must be a probability in [0, 1]; the name does not change with that, as in
  scikit-learn's :func:`~sklearn.metrics.brier_score_loss`.
- A patient is *flagged* (test positive) when ``score >= threshold``, as in
  :func:`sklearn.metrics.roc_curve`.
- Bad input raises a :class:`ValueError` that names the parameter and the fix. NaN or infinite
  scores are never dropped silently.
- A ratio whose denominator is zero (for example sensitivity when there are no positives) is
  reported as NaN *and* an :class:`UndefinedMetricWarning` names it. This is the documented value,
  the same as ``zero_division=np.nan`` in scikit-learn.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Mapping
from numbers import Real
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

# Every check lives in the one validation module. The old private names stay importable from here
# (``from .metrics import _check_scores``) for code written against them.
from ._validation import Interval, Options, check_ci, check_legacy_random_state, check_param
from ._validation import check_1d as _as_1d
from ._validation import check_binary_labels as _check_binary_labels
from ._validation import check_consistent_length as _check_same_length
from ._validation import check_proportion as _check_unit_interval
from ._validation import check_scores as _check_scores
from ._validation import check_threshold_probabilities as _check_thresholds_open_unit
from ._validation import check_two_classes as _check_two_classes

#: The old private name, for code written against it; new code passes its own name as ``caller``.
_check_ci = functools.partial(check_ci, caller="this function")

__all__ = [
    "UndefinedMetricWarning",
    "wilson_interval",
    "confusion_metrics",
    "threshold_table",
    "ppv_at_prevalence",
    "npv_at_prevalence",
    "post_test_probability",
    "roc_auc_ci",
    "bootstrap_ci",
    "calibration_summary",
    "smoothed_calibration_curve",
    "net_benefit",
    "decision_curve",
    "concordance_index",
]

if TYPE_CHECKING:
    from sklearn.utils import Bunch

ArrayLike = Any


class UndefinedMetricWarning(UserWarning):
    """A metric is undefined for this input (a zero denominator); its value is reported as NaN."""


def _z(ci: float) -> float:
    from scipy import stats  # lazy: scipy.stats alone costs more than the rest of this module

    return float(stats.norm.ppf(0.5 + ci / 2))


def _bunch(**fields: Any) -> Bunch:
    from sklearn.utils import Bunch  # lazy, as scipy above

    return Bunch(**fields)


def _ratio(num: float, den: float, metric: str, *, stacklevel: int = 3) -> float:
    if den == 0:
        warnings.warn(
            f"{metric} is undefined here (its denominator is zero) and is reported as NaN.",
            UndefinedMetricWarning,
            stacklevel=stacklevel,
        )
        return float("nan")
    return float(num / den)


# --------------------------------------------------------------------------------------------------
# Proportions, 2x2 tables and Bayes' rule
# --------------------------------------------------------------------------------------------------


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


def _lr_interval(
    tp: int, fp: int, tn: int, fn: int, z: float
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Log-method intervals for LR+ and LR- (Simel, Samsa & Matchar 1991); NaN if a cell is zero."""
    nan2 = (float("nan"), float("nan"))
    pos, neg = tp + fn, tn + fp
    if min(tp, fp, tn, fn) == 0:
        return nan2, nan2
    lr_pos = (tp / pos) / (fp / neg)
    lr_neg = (fn / pos) / (tn / neg)
    se_pos = np.sqrt(1 / tp - 1 / pos + 1 / fp - 1 / neg)
    se_neg = np.sqrt(1 / fn - 1 / pos + 1 / tn - 1 / neg)
    ci_pos = (float(lr_pos * np.exp(-z * se_pos)), float(lr_pos * np.exp(z * se_pos)))
    ci_neg = (float(lr_neg * np.exp(-z * se_neg)), float(lr_neg * np.exp(z * se_neg)))
    return ci_pos, ci_neg


def _binary_predictions(y_pred_or_score: ArrayLike, threshold: float | None, pos_label: Any) -> np.ndarray:
    if threshold is None:
        arr = _as_1d(y_pred_or_score, "y_pred_or_score")
        if arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
            raise ValueError(
                "y_pred_or_score contains NaN or infinite values; they are never dropped silently."
            )
        values = set(pd.unique(arr).tolist())
        indicator = values <= {0, 1}  # also covers False/True
        # Predictions are 0/1 indicators (1 = flagged) or the same labels as y_true. With pos_label
        # they are mapped by equality, except 0/1 indicators next to a non-0/1 pos_label ("disease").
        if pos_label is not None and len(values) <= 2 and (not indicator or pos_label in (0, 1)):
            return (arr == pos_label).astype(int)
        if indicator:
            return arr.astype(int)
        raise ValueError(
            "y_pred_or_score holds values other than 0/1, so it looks like a score, not a prediction. "
            "Pass threshold= to flag patients with score >= threshold."
        )
    if not isinstance(threshold, Real) or not np.isfinite(threshold):
        raise ValueError(f"threshold must be a finite number; got {threshold!r}.")
    score = _check_scores(y_pred_or_score, "y_pred_or_score")
    return (score >= threshold).astype(int)


def _confusion_counts(y: np.ndarray, pred: np.ndarray) -> tuple[int, int, int, int]:
    tp = int(np.sum((pred == 1) & (y == 1)))
    fp = int(np.sum((pred == 1) & (y == 0)))
    tn = int(np.sum((pred == 0) & (y == 0)))
    fn = int(np.sum((pred == 0) & (y == 1)))
    return tp, fp, tn, fn


def _metrics_from_counts(tp: int, fp: int, tn: int, fn: int, ci: float) -> list[dict[str, Any]]:
    """The rows of :func:`confusion_metrics` from the four counts."""
    z = _z(ci)
    n = tp + fp + tn + fn
    nan = float("nan")

    def row(metric, value, lo=nan, hi=nan, num=nan, den=nan, method="Wilson score") -> dict[str, Any]:
        return {
            "metric": metric,
            "value": value,
            "ci_lower": lo,
            "ci_upper": hi,
            "numerator": num,
            "denominator": den,
            "ci_method": method,
        }

    def proportion(metric: str, num: int, den: int) -> dict[str, Any]:
        lo, hi = wilson_interval(num, den, ci=ci)
        # stacklevel: the warning points at the public function, as for the other ratios
        return row(metric, _ratio(num, den, metric, stacklevel=4), lo, hi, num, den)

    rows = [
        row(name, float(v), num=v, den=n, method="none (count)")
        for name, v in (("TP", tp), ("FP", fp), ("TN", tn), ("FN", fn))
    ]
    rows += [
        proportion("sensitivity", tp, tp + fn),
        proportion("specificity", tn, tn + fp),
        proportion("PPV", tp, tp + fp),
        proportion("NPV", tn, tn + fn),
    ]
    sens, spec = rows[4]["value"], rows[5]["value"]
    (lrp_lo, lrp_hi), (lrn_lo, lrn_hi) = _lr_interval(tp, fp, tn, fn, z)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        lr_pos = nan if np.isnan(sens) or np.isnan(spec) else _ratio(sens, 1 - spec, "")
        lr_neg = nan if np.isnan(sens) or np.isnan(spec) else _ratio(1 - sens, spec, "")
    if np.isnan(lr_pos):
        warnings.warn(
            "LR+ is undefined here (specificity is 1 or undefined) and is reported as NaN.",
            UndefinedMetricWarning,
            stacklevel=3,
        )
    if np.isnan(lr_neg):
        warnings.warn(
            "LR- is undefined here (specificity is 0 or undefined) and is reported as NaN.",
            UndefinedMetricWarning,
            stacklevel=3,
        )
    rows += [
        row("LR+", lr_pos, lrp_lo, lrp_hi, method="log method (Simel 1991)"),
        row("LR-", lr_neg, lrn_lo, lrn_hi, method="log method (Simel 1991)"),
        proportion("accuracy", tp + tn, n),  # n > 0: inputs are never empty
        row("F1", _ratio(2 * tp, 2 * tp + fp + fn, "F1"), num=2 * tp, den=2 * tp + fp + fn,
            method="none (use bootstrap_ci)"),
        proportion("prevalence", tp + fn, n),
    ]  # fmt: skip
    return rows


def confusion_metrics(
    y_true: ArrayLike,
    y_pred_or_score: ArrayLike,
    *,
    threshold: float | None = None,
    ci: float = 0.95,
    pos_label: Any = None,
) -> pd.DataFrame:
    """The 2x2 table of a test against the reference standard, with confidence intervals.

    Parameters
    ----------
    y_true : array-like of shape (n_patients,)
        Reference-standard outcome: 0/1, booleans, or two labels with ``pos_label``.
    y_pred_or_score : array-like of shape (n_patients,)
        Either binary test results (0/1; or labels, with ``pos_label``) when ``threshold`` is None,
        or a continuous score that is dichotomised as ``score >= threshold``.
    threshold : float, default=None
        Cut-off applied to a score. Leave as None when ``y_pred_or_score`` is already 0/1.
    ci : float, default=0.95
        Confidence level of the intervals.
    pos_label : object, default=None
        The positive class, needed when the labels are not 0/1 (for example ``"disease"``).

    Returns
    -------
    table : pandas.DataFrame
        One row per metric, indexed by ``metric`` in this order: ``TP, FP, TN, FN, sensitivity,
        specificity, PPV, NPV, LR+, LR-, accuracy, F1, prevalence``. Columns:

        - ``value``: the estimate (counts are stored as floats);
        - ``ci_lower``, ``ci_upper``: the interval (NaN for counts and F1, which have none);
        - ``numerator``, ``denominator``: the counts behind a proportion;
        - ``ci_method``: how the interval was computed.

        ``table.attrs`` records ``threshold``, ``ci`` and ``n``. For example
        ``table.loc["sensitivity", "value"]``.

    See Also
    --------
    threshold_table : The same metrics at several thresholds.
    wilson_interval : The interval used for the proportions.

    Notes
    -----
    Definitions (Altman & Bland 1994; Deeks & Altman 2004):

    - sensitivity = TP/(TP+FN), specificity = TN/(TN+FP);
    - PPV = TP/(TP+FP), NPV = TN/(TN+FN);
    - LR+ = sensitivity/(1-specificity), LR- = (1-sensitivity)/specificity;
    - accuracy = (TP+TN)/n, F1 = 2TP/(2TP+FP+FN), prevalence = (TP+FN)/n.

    Proportions get Wilson score intervals (Wilson 1927; Newcombe 1998). Likelihood ratios get the
    log-method interval of Simel et al. (1991), which is NaN when any cell of the table is zero.
    PPV, NPV, accuracy and F1 depend on the prevalence in *this* sample: see
    :func:`ppv_at_prevalence`.

    A ratio with a zero denominator (for example sensitivity when ``y_true`` has no positives) is
    NaN and an :class:`UndefinedMetricWarning` says which one.

    References
    ----------
    .. [1] Altman DG, Bland JM. Diagnostic tests 1: sensitivity and specificity. BMJ 1994;308:1552.
    .. [2] Deeks JJ, Altman DG. Diagnostic tests 4: likelihood ratios. BMJ 2004;329:168-169.
    .. [3] Simel DL, Samsa GP, Matchar DB. Likelihood ratios with confidence: sample size
       estimation for diagnostic test studies. J Clin Epidemiol 1991;44:763-770.
    .. [4] Wilson EB. J Am Stat Assoc 1927;22:209-212.

    Examples
    --------
    >>> table = confusion_metrics([1, 1, 1, 0, 0, 0, 0, 0], [0.9, 0.8, 0.3, 0.6, 0.2, 0.1, 0.1, 0.0],
    ...                           threshold=0.5)
    >>> table.loc[["TP", "FP", "sensitivity", "specificity"], "value"].round(3).tolist()
    [2.0, 1.0, 0.667, 0.8]
    """
    ci = check_ci(ci, caller="confusion_metrics")
    y = _check_binary_labels(y_true, pos_label=pos_label)
    pred = _binary_predictions(y_pred_or_score, threshold, pos_label)
    _check_same_length(y_true=y, y_pred_or_score=pred)
    tp, fp, tn, fn = _confusion_counts(y, pred)
    table = pd.DataFrame(_metrics_from_counts(tp, fp, tn, fn, ci)).set_index("metric")
    table.attrs.update({"threshold": threshold, "ci": ci, "n": len(y)})
    return table


def threshold_table(
    y_true: ArrayLike,
    y_score: ArrayLike,
    thresholds: ArrayLike,
    *,
    ci: float = 0.95,
    pos_label: Any = None,
) -> pd.DataFrame:
    """The metrics of :func:`confusion_metrics` at each of several thresholds, plus alarm burden.

    Parameters
    ----------
    y_true : array-like of shape (n_patients,)
        Reference-standard outcome.
    y_score : array-like of shape (n_patients,)
        Continuous score (a probability, a NEWS2 total, a biomarker level); higher = more likely positive.
    thresholds : float or array-like of float
        Cut-offs; a patient is flagged when ``score >= threshold``.
    ci : float, default=0.95
        Confidence level of the Wilson intervals.
    pos_label : object, default=None
        The positive class, needed when the labels are not 0/1.

    Returns
    -------
    table : pandas.DataFrame
        One row per threshold (in the order given), with columns ``threshold``, ``TP``, ``FP``,
        ``TN``, ``FN``, then for each of ``sensitivity, specificity, PPV, NPV, LR+, LR-, accuracy,
        F1, prevalence`` the value and ``<metric>_ci_lower``/``<metric>_ci_upper``, and finally

        - ``flagged_per_1000``: patients flagged per 1,000 patients, 1000·(TP+FP)/n;
        - ``NNE``: number needed to evaluate, 1/PPV, the number of flagged patients a clinician
          assesses to find one true case (Romero-Brufau et al. 2015). Infinite when PPV is 0 and
          NaN when nobody is flagged.

    See Also
    --------
    confusion_metrics : The metrics at one threshold, in long format.

    References
    ----------
    .. [1] Romero-Brufau S, Huddleston JM, Escobar GJ, Liebow M. Why the C-statistic is not
       informative to evaluate early warning scores and what metrics to use. Crit Care
       2015;19:285.

    Examples
    --------
    >>> table = threshold_table([1, 1, 0, 0, 0], [0.9, 0.4, 0.5, 0.2, 0.1], [0.3, 0.6])
    >>> table[["threshold", "sensitivity", "flagged_per_1000"]].round(3).values.tolist()
    [[0.3, 1.0, 600.0], [0.6, 0.5, 200.0]]
    """
    ci = check_ci(ci, caller="threshold_table")
    y = _check_binary_labels(y_true, pos_label=pos_label)
    score = _check_scores(y_score)
    _check_same_length(y_true=y, y_score=score)
    cuts = np.atleast_1d(np.asarray(thresholds, dtype=float))
    if cuts.ndim != 1 or cuts.size == 0 or not np.all(np.isfinite(cuts)):
        raise ValueError("thresholds must be a non-empty 1-D sequence of finite numbers.")
    records = []
    for cut in cuts:
        tp, fp, tn, fn = _confusion_counts(y, (score >= cut).astype(int))
        record: dict[str, Any] = {"threshold": float(cut), "TP": tp, "FP": fp, "TN": tn, "FN": fn}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UndefinedMetricWarning)
            rows = _metrics_from_counts(tp, fp, tn, fn, ci)
        for row in rows[4:]:
            record[row["metric"]] = row["value"]
            record[f"{row['metric']}_ci_lower"] = row["ci_lower"]
            record[f"{row['metric']}_ci_upper"] = row["ci_upper"]
        record["flagged_per_1000"] = 1000.0 * (tp + fp) / len(y)
        ppv = record["PPV"]
        record["NNE"] = float("nan") if np.isnan(ppv) else (np.inf if ppv == 0 else 1.0 / ppv)
        records.append(record)
    undefined = [m for m in ("sensitivity", "specificity") if any(np.isnan(r[m]) for r in records)]
    if undefined:
        warnings.warn(
            f"{' and '.join(undefined)} undefined (y_true has a single class) and reported as NaN.",
            UndefinedMetricWarning,
            stacklevel=2,
        )
    return pd.DataFrame.from_records(records)


def ppv_at_prevalence(sensitivity: ArrayLike, specificity: ArrayLike, prevalence: ArrayLike) -> Any:
    """Positive predictive value of a test applied where the condition has a given prevalence.

    Parameters
    ----------
    sensitivity, specificity, prevalence : float or array-like of float
        Proportions in [0, 1]. Arrays broadcast against each other (numpy rules).

    Returns
    -------
    ppv : float or ndarray
        A float when all inputs are scalars. Where nobody tests positive (prevalence 0 and
        specificity 1, or sensitivity 0 and prevalence 1) the PPV is undefined: NaN, with an
        :class:`UndefinedMetricWarning`.

    See Also
    --------
    npv_at_prevalence : The same for the negative predictive value.

    Notes
    -----
    Bayes' rule (Altman & Bland 1994, "Diagnostic tests 2: predictive values"):

    .. math:: PPV = \\frac{sens \\cdot prev}{sens \\cdot prev + (1 - spec)(1 - prev)}

    Sensitivity and specificity are (roughly) properties of the test; PPV also depends on who is
    tested. The same test has a much lower PPV in primary care than in the emergency department.

    References
    ----------
    .. [1] Altman DG, Bland JM. Diagnostic tests 2: predictive values. BMJ 1994;309:102.

    Examples
    --------
    >>> round(ppv_at_prevalence(0.9, 0.9, 0.1), 4)
    0.5
    >>> ppv_at_prevalence(0.9, 0.9, [0.01, 0.1, 0.5]).round(3).tolist()
    [0.083, 0.5, 0.9]
    """
    sens = _check_unit_interval(sensitivity, "sensitivity")
    spec = _check_unit_interval(specificity, "specificity")
    prev = _check_unit_interval(prevalence, "prevalence")
    num = sens * prev
    den = num + (1 - spec) * (1 - prev)
    return _safe_divide(num, den, "PPV")


def npv_at_prevalence(sensitivity: ArrayLike, specificity: ArrayLike, prevalence: ArrayLike) -> Any:
    """Negative predictive value of a test at a given prevalence (Bayes' rule).

    Parameters
    ----------
    sensitivity, specificity, prevalence : float or array-like of float
        Proportions in [0, 1]; arrays broadcast.

    Returns
    -------
    npv : float or ndarray
        NPV = spec·(1-prev) / (spec·(1-prev) + (1-sens)·prev). NaN (with an
        :class:`UndefinedMetricWarning`) where nobody tests negative.

    See Also
    --------
    ppv_at_prevalence

    References
    ----------
    .. [1] Altman DG, Bland JM. Diagnostic tests 2: predictive values. BMJ 1994;309:102.

    Examples
    --------
    >>> round(npv_at_prevalence(0.9, 0.9, 0.1), 4)
    0.9878
    """
    sens = _check_unit_interval(sensitivity, "sensitivity")
    spec = _check_unit_interval(specificity, "specificity")
    prev = _check_unit_interval(prevalence, "prevalence")
    num = spec * (1 - prev)
    den = num + (1 - sens) * prev
    return _safe_divide(num, den, "NPV")


def post_test_probability(pre_test_probability: ArrayLike, likelihood_ratio: ArrayLike) -> Any:
    """Probability of the condition after a test result, from the pre-test probability and the LR.

    Parameters
    ----------
    pre_test_probability : float or array-like of float
        Probability of the condition before the test, in [0, 1): for example the prevalence in the
        setting, or the clinician's estimate for this patient.
    likelihood_ratio : float or array-like of float
        Likelihood ratio of the result, >= 0: LR+ after a positive result, LR- after a negative one.
        Arrays broadcast against each other.

    Returns
    -------
    probability : float or ndarray
        The post-test probability, in [0, 1). A float when both inputs are scalars.

    See Also
    --------
    confusion_metrics : Gives LR+ and LR- with confidence intervals.
    ppv_at_prevalence : The same calculation for a positive result, from sensitivity and specificity.

    Notes
    -----
    Bayes' rule on the odds scale (the calculation behind Fagan's nomogram):
    post-test odds = pre-test odds x LR, with odds = p / (1 - p) and p = odds / (1 + odds). With
    LR+ = sens / (1 - spec) this equals :func:`ppv_at_prevalence`; with LR- = (1 - sens) / spec it
    equals 1 - :func:`npv_at_prevalence`. Multiplying the *probability* by the LR is a common
    mistake; it is close to right only when the probability is small.

    References
    ----------
    .. [1] Fagan TJ. Nomogram for Bayes theorem. N Engl J Med 1975;293:257.
    .. [2] Deeks JJ, Altman DG. Diagnostic tests 4: likelihood ratios. BMJ 2004;329:168-169.

    Examples
    --------
    >>> round(post_test_probability(0.10, 0.27), 4)
    0.0291
    >>> post_test_probability(0.30, [0.1, 1.0, 10.0]).round(3).tolist()
    [0.041, 0.3, 0.811]
    """
    pre = np.asarray(pre_test_probability, dtype=float)
    lr = np.asarray(likelihood_ratio, dtype=float)
    if np.any(~np.isfinite(pre)) or np.any((pre < 0) | (pre >= 1)):
        raise ValueError(
            "post_test_probability needs a pre_test_probability in [0, 1) (a proportion, not a percentage). "
            f"Got {pre_test_probability!r}."
        )
    if np.any(~np.isfinite(lr)) or np.any(lr < 0):
        raise ValueError(
            f"post_test_probability needs a finite likelihood_ratio >= 0. Got {likelihood_ratio!r}."
        )
    odds = pre / (1 - pre) * lr
    probability = odds / (1 + odds)
    return float(probability) if probability.ndim == 0 else probability


def _safe_divide(num: np.ndarray, den: np.ndarray, metric: str) -> Any:
    num, den = np.broadcast_arrays(num, den)
    zero = den == 0
    if np.any(zero):
        warnings.warn(
            f"{metric} is undefined where nobody would get that test result; reported as NaN.",
            UndefinedMetricWarning,
            stacklevel=3,
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(zero, np.nan, num / np.where(zero, 1.0, den))
    return float(out) if out.ndim == 0 else out


# --------------------------------------------------------------------------------------------------
# Discrimination and resampling
# --------------------------------------------------------------------------------------------------


def roc_auc_ci(y_true: ArrayLike, y_score: ArrayLike, *, ci: float = 0.95, pos_label: Any = None) -> Bunch:
    """Area under the ROC curve with a DeLong confidence interval.

    Parameters
    ----------
    y_true : array-like of shape (n_patients,)
        Reference-standard outcome; both classes must be present.
    y_score : array-like of shape (n_patients,)
        Continuous score, higher = more likely positive.
    ci : float, default=0.95
        Confidence level.
    pos_label : object, default=None
        The positive class, needed when the labels are not 0/1.

    Returns
    -------
    result : sklearn.utils.Bunch
        ``estimate`` (equal to :func:`sklearn.metrics.roc_auc_score`), ``ci_lower``, ``ci_upper``,
        ``se`` and ``ci`` (the confidence level). When all scores are equal the AUROC is 0.5 (every
        pair is a tie). With fewer than 2 positives or 2 negatives the variance cannot be estimated:
        ``se`` and the interval are NaN, with an :class:`UndefinedMetricWarning`.

    Raises
    ------
    ValueError
        If ``y_true`` has a single class: the AUROC is undefined.

    See Also
    --------
    bootstrap_ci : A percentile bootstrap for any metric.

    Notes
    -----
    The variance is DeLong's structural-components estimate, computed from midranks as in Sun &
    Xu (2014). The interval is estimate ± z·SE clipped to [0, 1], as in pROC (Robin et al. 2011).

    References
    ----------
    .. [1] DeLong ER, DeLong DM, Clarke-Pearson DL. Comparing the areas under two or more correlated
       receiver operating characteristic curves: a nonparametric approach. Biometrics
       1988;44:837-845.
    .. [2] Sun X, Xu W. Fast implementation of DeLong's algorithm for comparing the areas under
       correlated receiver operating characteristic curves. IEEE Signal Process Lett 2014;21:1389-1393.
    .. [3] Robin X, et al. pROC: an open-source package for R and S+ to analyze and compare ROC
       curves. BMC Bioinformatics 2011;12:77.

    Examples
    --------
    >>> result = roc_auc_ci([0, 0, 1, 1, 0, 1], [0.1, 0.4, 0.35, 0.8, 0.2, 0.7])
    >>> round(result.estimate, 4)
    0.8889
    """
    ci = check_ci(ci, caller="roc_auc_ci")
    y = _check_binary_labels(y_true, pos_label=pos_label)
    score = _check_scores(y_score)
    _check_same_length(y_true=y, y_score=score)
    _check_two_classes(y, "The AUROC")
    pos, neg = score[y == 1], score[y == 0]
    m, n = len(pos), len(neg)
    from scipy import stats

    rank_all = stats.rankdata(np.concatenate([pos, neg]))
    rank_pos = stats.rankdata(pos)
    rank_neg = stats.rankdata(neg)
    v10 = (rank_all[:m] - rank_pos) / n  # per positive: share of negatives it outranks (ties 1/2)
    v01 = 1.0 - (rank_all[m:] - rank_neg) / m  # per negative: share of positives that outrank it
    auc = float(v10.mean())
    if min(m, n) < 2:
        warnings.warn(
            f"The DeLong interval needs at least 2 positives and 2 negatives (got {m} and {n}); "
            "the interval is reported as NaN.",
            UndefinedMetricWarning,
            stacklevel=2,
        )
        nan = float("nan")
        return _bunch(estimate=auc, ci_lower=nan, ci_upper=nan, se=nan, ci=ci)
    se = float(np.sqrt(v10.var(ddof=1) / m + v01.var(ddof=1) / n))
    z = _z(ci)
    return _bunch(
        estimate=auc, ci_lower=max(0.0, auc - z * se), ci_upper=min(1.0, auc + z * se), se=se, ci=ci
    )


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


# --------------------------------------------------------------------------------------------------
# Calibration (Van Calster et al. 2019)
# --------------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------------
# Clinical usefulness: net benefit and decision curves (Vickers & Elkin 2006)
# --------------------------------------------------------------------------------------------------


def net_benefit(
    y_true: ArrayLike, y_score: ArrayLike, thresholds: ArrayLike, *, pos_label: Any = None
) -> np.ndarray:
    """Net benefit of treating patients whose predicted risk is at or above each threshold.

    Parameters
    ----------
    y_true : array-like of shape (n_patients,)
        Observed outcome.
    y_score : array-like of shape (n_patients,)
        Predicted probability, in [0, 1].
    thresholds : float or array-like of float
        Threshold probabilities pt, strictly between 0 and 1.
    pos_label : object, default=None
        The positive class, needed when the labels are not 0/1.

    Returns
    -------
    net_benefit : ndarray of shape (n_thresholds,)
        NB(pt) = TP/n - FP/n · pt/(1-pt), in units of "true positives per patient".

    See Also
    --------
    decision_curve : Net benefit of the model, treat-all and treat-none in one table.

    Notes
    -----
    A patient is treated when ``y_score >= pt``. The threshold expresses how a clinician weighs harms:
    at pt = 0.2 a false positive costs a quarter (0.2/0.8) of what a true positive gains. Treating
    everyone gives NB = prev - (1-prev)·pt/(1-pt); treating nobody gives 0 (Vickers & Elkin 2006).

    References
    ----------
    .. [1] Vickers AJ, Elkin EB. Decision curve analysis: a novel method for evaluating prediction
       models. Med Decis Making 2006;26:565-574.

    Examples
    --------
    >>> net_benefit([1, 1, 0, 0], [0.8, 0.3, 0.6, 0.1], [0.5]).round(4).tolist()
    [0.0]
    """
    pt = _check_thresholds_open_unit(thresholds)
    y = _check_binary_labels(y_true, pos_label=pos_label)
    p = _check_scores(y_score, "y_score", probability=True)
    _check_same_length(y_true=y, y_score=p)
    n = len(y)
    treated = p[None, :] >= pt[:, None]
    tp = (treated & (y[None, :] == 1)).sum(axis=1)
    fp = (treated & (y[None, :] == 0)).sum(axis=1)
    return tp / n - fp / n * pt / (1 - pt)


def decision_curve(
    y_true: ArrayLike,
    y_score: ArrayLike | Mapping[str, ArrayLike],
    thresholds: ArrayLike | None = None,
    *,
    name: str = "model",
    pos_label: Any = None,
) -> pd.DataFrame:
    """Decision curve: net benefit of a model, of treating everyone and of treating no one.

    Parameters
    ----------
    y_true : array-like of shape (n_patients,)
        Observed outcome.
    y_score : array-like of shape (n_patients,), or mapping of name to array-like
        Predicted probabilities in [0, 1]; a dict compares several models on the same patients.
    thresholds : array-like of float, default=None
        Threshold probabilities strictly between 0 and 1. Default: 0.01, 0.02, ..., 0.99.
    name : str, default="model"
        Strategy name of the model when ``y_score`` is a single array.
    pos_label : object, default=None
        The positive class, needed when the labels are not 0/1.

    Returns
    -------
    curve : pandas.DataFrame
        Tidy table with one row per (strategy, threshold): columns ``threshold``, ``strategy``
        (the model name(s), ``"treat all"``, ``"treat none"``), ``net_benefit`` and
        ``interventions_avoided_per_100``, the net reduction in interventions per 100 patients
        compared with treating all, 100·(NB_model - NB_all)/(pt/(1-pt)) (NaN for the reference
        strategies themselves).

    See Also
    --------
    net_benefit
    mlhc_course.plots.plot_decision_curve

    References
    ----------
    .. [1] Vickers AJ, Elkin EB. Decision curve analysis: a novel method for evaluating prediction
       models. Med Decis Making 2006;26:565-574.
    .. [2] Vickers AJ, Van Calster B, Steyerberg EW. Net benefit approaches to the evaluation of
       prediction models, molecular markers, and diagnostic tests. BMJ 2016;352:i6.

    Examples
    --------
    >>> curve = decision_curve([1, 0, 0, 0], [0.9, 0.4, 0.2, 0.1], [0.25, 0.5])
    >>> curve.query("threshold == 0.25").set_index("strategy")["net_benefit"].round(4).to_dict()
    {'model': 0.1667, 'treat all': 0.0, 'treat none': 0.0}
    """
    pt = _check_thresholds_open_unit(
        np.round(np.arange(1, 100) / 100, 2) if thresholds is None else thresholds
    )
    y = _check_binary_labels(y_true, pos_label=pos_label)
    models = dict(y_score) if isinstance(y_score, Mapping) else {name: y_score}
    if not models:
        raise ValueError("y_score is an empty mapping; give at least one model's probabilities.")
    reserved = {"treat all", "treat none"} & set(models)
    if reserved:
        raise ValueError(f"Model names {sorted(reserved)} are reserved for the reference strategies.")
    prev = float(y.mean())
    odds = pt / (1 - pt)
    treat_all = prev - (1 - prev) * odds
    frames = []
    for model_name, probs in models.items():
        nb = net_benefit(y, probs, pt)
        frames.append(
            pd.DataFrame(
                {
                    "threshold": pt,
                    "strategy": model_name,
                    "net_benefit": nb,
                    "interventions_avoided_per_100": 100 * (nb - treat_all) / odds,
                }
            )
        )
    nan = np.full_like(pt, np.nan)
    frames.append(
        pd.DataFrame(
            {
                "threshold": pt,
                "strategy": "treat all",
                "net_benefit": treat_all,
                "interventions_avoided_per_100": nan,
            }
        )
    )
    frames.append(
        pd.DataFrame(
            {
                "threshold": pt,
                "strategy": "treat none",
                "net_benefit": np.zeros_like(pt),
                "interventions_avoided_per_100": nan,
            }
        )
    )
    curve = pd.concat(frames, ignore_index=True)
    curve.attrs["prevalence"] = prev
    return curve


# --------------------------------------------------------------------------------------------------
# Survival: Harrell's C
# --------------------------------------------------------------------------------------------------


def concordance_index(time: ArrayLike, event: ArrayLike, risk: ArrayLike) -> float:
    """Harrell's concordance index of a risk score for censored survival data.

    Parameters
    ----------
    time : array-like of shape (n_patients,)
        Follow-up time (to the event or to censoring), non-negative.
    event : array-like of shape (n_patients,)
        1 (or True) if the event was observed, 0 if the patient was censored.
    risk : array-like of shape (n_patients,)
        Predicted risk, **higher = worse prognosis** (for example a Cox linear predictor or a
        10-year risk).

    Returns
    -------
    c_index : float
        The share of comparable pairs in which the patient with the higher risk has the event
        first; ties in risk count 1/2. 0.5 is chance, 1 is perfect.

    Raises
    ------
    ValueError
        If no pair of patients is comparable (for example no observed events).

    See Also
    --------
    lifelines.utils.concordance_index : The implementation used here.

    Notes
    -----
    lifelines expects predicted *survival times* (higher = better prognosis), so this function
    passes ``-risk``. Passing a risk straight to lifelines gives 1 - C, a classic silent bug.

    References
    ----------
    .. [1] Harrell FE Jr, Califf RM, Pryor DB, Lee KL, Rosati RA. Evaluating the yield of medical
       tests. JAMA 1982;247:2543-2546.

    Examples
    --------
    >>> concordance_index([1, 2, 3], [1, 1, 1], [0.9, 0.5, 0.1])
    1.0
    """
    from lifelines.utils import concordance_index as _lifelines_cindex

    t = _check_scores(time, "time")
    r = _check_scores(risk, "risk")
    e = _check_binary_labels(event, name="event")
    _check_same_length(time=t, event=e, risk=r)
    if t.min() < 0:
        raise ValueError(f"time must be non-negative; the smallest value is {t.min():.4g}.")
    try:
        return float(_lifelines_cindex(t, -r, e))
    except ZeroDivisionError:
        raise ValueError(
            "No comparable pairs: the C-index needs at least one observed event before another patient's "
            "follow-up ends."
        ) from None
