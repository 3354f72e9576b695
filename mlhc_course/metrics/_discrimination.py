"""Discrimination: the AUROC with DeLong's interval, and Harrell's C for survival data."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from .._validation import check_binary_labels as _check_binary_labels
from .._validation import check_ci
from .._validation import check_consistent_length as _check_same_length
from .._validation import check_scores as _check_scores
from .._validation import check_two_classes as _check_two_classes
from ._common import ArrayLike, UndefinedMetricWarning, _bunch, _z

if TYPE_CHECKING:
    from sklearn.utils import Bunch


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
