"""A test at a threshold: the 2x2 table with its intervals, alarm burden, and Bayes' rule."""

from __future__ import annotations

import warnings
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd

from .._validation import check_1d as _as_1d
from .._validation import check_binary_labels as _check_binary_labels
from .._validation import check_ci
from .._validation import check_consistent_length as _check_same_length
from .._validation import check_proportion as _check_unit_interval
from .._validation import check_scores as _check_scores
from ._common import ArrayLike, UndefinedMetricWarning, _ratio, _z
from ._intervals import wilson_interval


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
