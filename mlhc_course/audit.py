"""Audits of a fitted model: does it work equally well for every subgroup, and at another site?

:func:`subgroup_report` is the subgroup (fairness) audit: per-group sensitivity, specificity, PPV,
NPV and AUROC with confidence intervals and the gap to the overall figure. :func:`compare_sites`
and :func:`external_validation_report` check transportability: discrimination and calibration in
the development data against one or more external datasets (Van Calster et al. 2019; Riley et al.
2016).

Small groups are flagged rather than dropped or allowed to crash the report: a metric that is
undefined in a group (for example sensitivity with no events) is NaN, and the ``note`` column says
why.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._validation import (
    Interval,
    check_1d,
    check_binary_labels,
    check_ci,
    check_consistent_length,
    check_param,
    check_scores,
)
from .metrics import (
    UndefinedMetricWarning,
    _z,
    calibration_summary,
    confusion_metrics,
    roc_auc_ci,
    wilson_interval,
)

__all__ = ["subgroup_report", "compare_sites", "external_validation_report"]

ArrayLike = Any
_SUBGROUP = "subgroup_report"

_SUBGROUP_METRICS = ("prevalence", "sensitivity", "specificity", "PPV", "NPV", "AUROC")


def _group_rows(
    label: str,
    y: np.ndarray,
    score: np.ndarray,
    threshold: float,
    ci: float,
    min_group_size: int,
    min_events: int,
) -> list[dict[str, Any]]:
    n, n_pos = len(y), int(y.sum())
    n_neg = n - n_pos
    notes = []
    small = n < min_group_size or min(n_pos, n_neg) < min_events
    if n < min_group_size:
        notes.append(f"n={n} < {min_group_size}")
    if min(n_pos, n_neg) < min_events:
        notes.append(f"{n_pos} events and {n_neg} non-events (fewer than {min_events})")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        table = confusion_metrics(y, score, threshold=threshold, ci=ci)
    rows = []
    for metric in _SUBGROUP_METRICS[:-1]:
        value = table.loc[metric, "value"]
        rows.append(
            {
                "metric": metric,
                "value": value,
                "ci_lower": table.loc[metric, "ci_lower"],
                "ci_upper": table.loc[metric, "ci_upper"],
                "undefined": f"{metric} undefined (zero denominator)" if np.isnan(value) else "",
            }
        )
    if n_pos and n_neg:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UndefinedMetricWarning)
            auc = roc_auc_ci(y, score, ci=ci)
        no_ci = "" if np.isfinite(auc.se) else "AUROC interval undefined (fewer than 2 events or non-events)"
        rows.append(
            {"metric": "AUROC", "value": auc.estimate, "ci_lower": auc.ci_lower, "ci_upper": auc.ci_upper,
             "undefined": no_ci}
        )  # fmt: skip
    else:
        nan = float("nan")
        rows.append(
            {"metric": "AUROC", "value": nan, "ci_lower": nan, "ci_upper": nan,
             "undefined": "AUROC undefined (one outcome class)"}
        )  # fmt: skip
    for row in rows:
        row_notes = [*notes, row.pop("undefined")]
        row.update(
            group=label, n=n, n_events=n_pos, small_group=small, note="; ".join(x for x in row_notes if x)
        )
    return rows


def subgroup_report(
    y_true: ArrayLike,
    y_score: ArrayLike,
    groups: ArrayLike,
    *,
    threshold: float,
    ci: float = 0.95,
    min_group_size: int = 30,
    min_events: int = 5,
    pos_label: Any = None,
) -> pd.DataFrame:
    """Per-subgroup performance with confidence intervals and the gap to the overall figure.

    Parameters
    ----------
    y_true : array-like of shape (n_patients,)
        Reference-standard outcome.
    y_score : array-like of shape (n_patients,)
        Continuous score; a patient is flagged when ``score >= threshold``.
    groups : array-like of shape (n_patients,)
        Subgroup of each patient (for example sex, ethnicity or age band). Missing values are not
        allowed: recode them as an explicit category such as ``"unknown"``.
    threshold : float
        Operating threshold used for sensitivity, specificity, PPV and NPV.
    ci : float, default=0.95
        Confidence level (Wilson intervals for proportions, DeLong for the AUROC).
    min_group_size : int, default=30
        Groups with fewer patients are flagged ``small_group=True``.
    min_events : int, default=5
        Groups with fewer events, or fewer non-events, than this are flagged too.
    pos_label : object, default=None
        The positive class, needed when the labels are not 0/1.

    Returns
    -------
    report : pandas.DataFrame
        Tidy table, one row per (group, metric); the first rows are the group ``"overall"``.
        Columns: ``group`` (str), ``n``, ``n_events``, ``metric`` (prevalence, sensitivity,
        specificity, PPV, NPV, AUROC), ``value``, ``ci_lower``, ``ci_upper``, ``overall`` (the
        value in all patients), ``gap`` (value - overall), ``small_group`` and ``note`` (why a group
        is flagged or a value is NaN; empty otherwise). Pivot it for a wide view, e.g.
        ``report.pivot(index="group", columns="metric", values="value")``.

    See Also
    --------
    mlhc_course.plots.plot_subgroup_performance : Forest plot of this table.
    mlhc_course.metrics.confusion_metrics : The per-group metrics.

    Notes
    -----
    Equal AUROC across groups does not mean equal treatment: at a fixed threshold sensitivity and
    PPV can still differ, and if the *label* itself is biased (for example cost as a proxy for
    need) no metric computed against it will show the problem (Obermeyer et al. 2019).

    References
    ----------
    .. [1] Obermeyer Z, Powers B, Vogeli C, Mullainathan S. Dissecting racial bias in an algorithm
       used to manage the health of populations. Science 2019;366:447-453.
    .. [2] Collins GS, et al. TRIPOD+AI statement. BMJ 2024;385:e078378 (performance "including
       for any key subgroups").

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 400)
    >>> score = y + rng.normal(size=400)
    >>> sex = rng.choice(["F", "M"], 400)
    >>> report = subgroup_report(y, score, sex, threshold=0.5)
    >>> sorted(report["group"].unique())
    ['F', 'M', 'overall']
    """
    ci = check_ci(ci, caller="subgroup_report")
    check_param(
        min_group_size, Interval(int, 1, None, closed="left"), name="min_group_size", caller=_SUBGROUP
    )
    check_param(min_events, Interval(int, 0, None, closed="left"), name="min_events", caller=_SUBGROUP)
    y = check_binary_labels(y_true, pos_label=pos_label)
    score = check_scores(y_score)
    g = check_1d(groups, "groups")
    check_consistent_length(y_true=y, y_score=score, groups=g)
    g_series = pd.Series(g)
    if g_series.isna().any():
        raise ValueError(
            f"groups has {int(g_series.isna().sum())} missing value(s); recode them as an explicit "
            "category (e.g. 'unknown') so that they are audited rather than dropped."
        )
    labels = g_series.astype(str).to_numpy()
    if "overall" in set(labels):
        raise ValueError("'overall' is reserved for the all-patients rows; rename that group.")
    rows = _group_rows("overall", y, score, threshold, ci, min_group_size, min_events)
    for label in sorted(pd.unique(labels)):
        mask = labels == label
        rows += _group_rows(label, y[mask], score[mask], threshold, ci, min_group_size, min_events)
    report = pd.DataFrame(rows)
    overall = report[report["group"] == "overall"].set_index("metric")["value"]
    report["overall"] = report["metric"].map(overall)
    report["gap"] = report["value"] - report["overall"]
    report = report[
        [
            "group",
            "n",
            "n_events",
            "metric",
            "value",
            "ci_lower",
            "ci_upper",
            "overall",
            "gap",
            "small_group",
            "note",
        ]
    ]
    report.attrs.update({"threshold": threshold, "ci": ci})
    return report


def _site_rows(site: str, y: np.ndarray, p: np.ndarray, n_bins: int, ci: float) -> list[dict[str, Any]]:
    n, events = len(y), int(y.sum())
    nan = float("nan")
    z = _z(ci)
    prev_lo, prev_hi = wilson_interval(events, n, ci=ci)
    rows = [
        {"metric": "n", "value": float(n), "ci_lower": nan, "ci_upper": nan},
        {"metric": "prevalence", "value": events / n, "ci_lower": prev_lo, "ci_upper": prev_hi},
        {"metric": "mean predicted risk", "value": float(p.mean()), "ci_lower": nan, "ci_upper": nan},
    ]
    auc = roc_auc_ci(y, p, ci=ci)
    rows.append(
        {"metric": "AUROC", "value": auc.estimate, "ci_lower": auc.ci_lower, "ci_upper": auc.ci_upper}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        cal = calibration_summary(y, p, n_bins=n_bins, ci=ci)
    # O/E interval by the delta method with a binomial observed count and the expected count taken
    # as fixed: var(ln O/E) = var(O)/O^2 = n p (1-p) / (n p)^2 = 1/O - 1/n (cf. Debray et al. 2017).
    se_log_oe = np.sqrt(1 / events - 1 / n)
    rows += [
        {"metric": "O/E", "value": cal.observed_expected,
         "ci_lower": cal.observed_expected * np.exp(-z * se_log_oe),
         "ci_upper": cal.observed_expected * np.exp(z * se_log_oe)},
        {"metric": "calibration-in-the-large", "value": cal.citl, "ci_lower": cal.citl_ci[0],
         "ci_upper": cal.citl_ci[1]},
        {"metric": "calibration slope", "value": cal.slope, "ci_lower": cal.slope_ci[0],
         "ci_upper": cal.slope_ci[1]},
        {"metric": "Brier", "value": cal.brier, "ci_lower": nan, "ci_upper": nan},
        {"metric": "scaled Brier", "value": cal.scaled_brier, "ci_lower": nan, "ci_upper": nan},
        {"metric": "ECE", "value": cal.ece, "ci_lower": nan, "ci_upper": nan},
    ]  # fmt: skip
    for row in rows:
        row["site"] = site
    return rows


def compare_sites(
    y_true: ArrayLike,
    y_score: ArrayLike,
    sites: ArrayLike,
    *,
    n_bins: int = 10,
    ci: float = 0.95,
    pos_label: Any = None,
) -> pd.DataFrame:
    """Discrimination and calibration of one model at each site (hospital, period, dataset).

    Parameters
    ----------
    y_true : array-like of shape (n_patients,)
        Observed outcome.
    y_score : array-like of shape (n_patients,)
        Predicted probability from the *same* fitted model, in [0, 1].
    sites : array-like of shape (n_patients,)
        Site of each patient. Every site needs patients with and without the outcome.
    n_bins : int, default=10
        Bins for the ECE.
    ci : float, default=0.95
        Confidence level.
    pos_label : object, default=None
        The positive class, needed when the labels are not 0/1.

    Returns
    -------
    table : pandas.DataFrame
        Tidy table with columns ``site``, ``metric``, ``value``, ``ci_lower``, ``ci_upper``; metrics
        are n, prevalence, mean predicted risk, AUROC (DeLong CI), O/E (CI from
        var(ln O/E) ≈ 1/O - 1/n, cf. Debray et al. 2017), calibration-in-the-large and calibration slope
        (Wald CIs), Brier, scaled Brier and ECE (no CI: NaN). Sites appear in order of first
        appearance.

    Raises
    ------
    ValueError
        If a site has a single outcome class (its AUROC and calibration are undefined).

    See Also
    --------
    external_validation_report : Two datasets side by side with their differences.

    References
    ----------
    .. [1] Riley RD, Ensor J, Snell KIE, et al. External validation of clinical prediction models
       using big datasets from e-health records or IPD meta-analysis: opportunities and
       challenges. BMJ 2016;353:i3140.
    .. [2] Debray TPA, Damen JAAG, Snell KIE, et al. A guide to systematic review and meta-analysis
       of prediction model performance. BMJ 2017;356:i6460.
    .. [3] Van Calster B, et al. Calibration: the Achilles heel of predictive analytics. BMC Med
       2019;17:230.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(0.05, 0.5, 600)
    >>> y = rng.binomial(1, p)
    >>> table = compare_sites(y, p, np.repeat(["A", "B"], 300))
    >>> table.pivot(index="metric", columns="site", values="value").loc["n"].tolist()
    [300.0, 300.0]
    """
    ci = check_ci(ci, caller="compare_sites")
    y = check_binary_labels(y_true, pos_label=pos_label)
    p = check_scores(y_score, "y_score", probability=True)
    s = check_1d(sites, "sites")
    check_consistent_length(y_true=y, y_score=p, sites=s)
    s_series = pd.Series(s)
    if s_series.isna().any():
        raise ValueError("sites contains missing values; every patient needs a site.")
    labels = s_series.astype(str).to_numpy()
    rows: list[dict[str, Any]] = []
    for site in pd.unique(labels):
        mask = labels == site
        ys = y[mask]
        if ys.min() == ys.max():
            raise ValueError(
                f"Site {site!r} has only {'events' if ys[0] else 'non-events'} (n={mask.sum()}); discrimination "
                "and calibration are undefined there. Merge it with another site or leave it out."
            )
        rows += _site_rows(site, ys, p[mask], n_bins, ci)
    return pd.DataFrame(rows)[["site", "metric", "value", "ci_lower", "ci_upper"]]


def external_validation_report(
    y_true_dev: ArrayLike,
    y_score_dev: ArrayLike,
    y_true_ext: ArrayLike,
    y_score_ext: ArrayLike,
    *,
    names: Sequence[str] = ("development", "external"),
    n_bins: int = 10,
    ci: float = 0.95,
    pos_label: Any = None,
) -> pd.DataFrame:
    """Compare discrimination and calibration in the development data and an external dataset.

    Parameters
    ----------
    y_true_dev, y_score_dev : array-like
        Outcomes and predicted risks in the development (or internal test) data.
    y_true_ext, y_score_ext : array-like
        Outcomes and predicted risks from the same, unchanged model in the external data.
    names : (str, str), default=("development", "external")
        Column prefixes for the two datasets.
    n_bins : int, default=10
        Bins for the ECE.
    ci : float, default=0.95
        Confidence level.
    pos_label : object, default=None
        The positive class, needed when the labels are not 0/1.

    Returns
    -------
    report : pandas.DataFrame
        Indexed by ``metric`` (as in :func:`compare_sites`), with columns ``<dev>``,
        ``<dev>_ci_lower``, ``<dev>_ci_upper``, ``<ext>``, ``<ext>_ci_lower``, ``<ext>_ci_upper``
        and ``difference`` (external minus development).

    See Also
    --------
    compare_sites : Any number of sites in a tidy table.

    Notes
    -----
    A typical transported model keeps much of its AUROC but loses calibration: O/E away from 1
    when the outcome is more or less common at the new site, and a slope below 1 when the
    case-mix is narrower or the model was overfitted. Recalibrate before use (Van Calster et al.
    2019).

    References
    ----------
    .. [1] Riley RD, et al. BMJ 2016;353:i3140.
    .. [2] Van Calster B, et al. BMC Med 2019;17:230.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> p_dev, p_ext = rng.uniform(0.05, 0.5, 500), rng.uniform(0.05, 0.5, 500)
    >>> report = external_validation_report(rng.binomial(1, p_dev), p_dev, rng.binomial(1, p_ext * 1.5), p_ext)
    >>> bool(report.loc["O/E", "external"] > report.loc["O/E", "development"])
    True
    """
    if isinstance(names, str) or len(names) != 2 or len(set(names)) != 2:
        raise ValueError(
            f"names must be two different strings, e.g. ('development', 'external'); got {names!r}."
        )
    dev_name, ext_name = (str(x) for x in names)
    y_dev = check_binary_labels(y_true_dev, pos_label=pos_label, name="y_true_dev")
    y_ext = check_binary_labels(y_true_ext, pos_label=pos_label, name="y_true_ext")
    p_dev = check_scores(y_score_dev, "y_score_dev", probability=True)
    p_ext = check_scores(y_score_ext, "y_score_ext", probability=True)
    check_consistent_length(y_true_dev=y_dev, y_score_dev=p_dev)
    check_consistent_length(y_true_ext=y_ext, y_score_ext=p_ext)
    table = compare_sites(
        np.concatenate([y_dev, y_ext]),
        np.concatenate([p_dev, p_ext]),
        np.repeat([dev_name, ext_name], [len(y_dev), len(y_ext)]),
        n_bins=n_bins,
        ci=ci,
    )
    parts = []
    for site in (dev_name, ext_name):
        part = table[table["site"] == site].set_index("metric")[["value", "ci_lower", "ci_upper"]]
        part.columns = [site, f"{site}_ci_lower", f"{site}_ci_upper"]
        parts.append(part)
    report = pd.concat(parts, axis=1)
    report["difference"] = report[ext_name] - report[dev_name]
    report.attrs["ci"] = ci
    return report
