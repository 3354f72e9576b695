"""Tests for mlhc_course.audit: subgroup audits and external validation."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from sklearn import metrics as skm

from mlhc_course import audit
from mlhc_course.audit import compare_sites, external_validation_report, subgroup_report
from mlhc_course.metrics import calibration_summary, roc_auc_ci, wilson_interval


def _cohort(seed=0, n=3000):
    rng = np.random.default_rng(seed)
    group = rng.choice(["A", "B", "C"], n, p=[0.6, 0.35, 0.05])
    y = rng.binomial(1, np.where(group == "B", 0.3, 0.15))
    # The score separates less well in group B.
    signal = np.where(group == "B", 0.6, 1.5)
    score = 1 / (1 + np.exp(-(signal * y + rng.normal(size=n) - 1.2)))
    return y, score, group


def test_doctests():
    result = doctest.testmod(audit, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_subgroup_report_values_match_sklearn_per_group():
    y, score, group = _cohort()
    report = subgroup_report(y, score, group, threshold=0.4)
    assert list(report.columns) == [
        "group", "n", "n_events", "metric", "value", "ci_lower", "ci_upper", "overall", "gap", "small_group", "note",
    ]  # fmt: skip
    assert list(report["group"].unique()) == ["overall", "A", "B", "C"]
    assert set(report["metric"]) == {"prevalence", "sensitivity", "specificity", "PPV", "NPV", "AUROC"}
    wide = report.pivot(index="group", columns="metric", values="value")
    for g in ["A", "B", "C"]:
        m = group == g
        pred = (score[m] >= 0.4).astype(int)
        assert wide.loc[g, "sensitivity"] == pytest.approx(skm.recall_score(y[m], pred))
        assert wide.loc[g, "specificity"] == pytest.approx(skm.recall_score(y[m], pred, pos_label=0))
        assert wide.loc[g, "PPV"] == pytest.approx(skm.precision_score(y[m], pred))
        assert wide.loc[g, "AUROC"] == pytest.approx(skm.roc_auc_score(y[m], score[m]))
        assert wide.loc[g, "prevalence"] == pytest.approx(y[m].mean())
    assert wide.loc["overall", "AUROC"] == pytest.approx(skm.roc_auc_score(y, score))
    # CIs: Wilson for proportions, DeLong for AUROC.
    row = report[(report.group == "B") & (report.metric == "sensitivity")].iloc[0]
    mb = group == "B"
    tp = int(((score[mb] >= 0.4) & (y[mb] == 1)).sum())
    assert (row.ci_lower, row.ci_upper) == pytest.approx(wilson_interval(tp, int(y[mb].sum())))
    auc_row = report[(report.group == "B") & (report.metric == "AUROC")].iloc[0]
    assert auc_row.ci_lower == pytest.approx(roc_auc_ci(y[mb], score[mb]).ci_lower)
    # Gap to overall, and the weaker group is visible.
    assert (report["gap"] == report["value"] - report["overall"]).all()
    assert wide.loc["B", "AUROC"] < wide.loc["A", "AUROC"] - 0.1
    assert report.loc[report.group == "C", "n"].iloc[0] == int((group == "C").sum())


def test_subgroup_report_flags_small_groups_instead_of_crashing():
    y, score, group = _cohort(n=400)
    group = group.astype(object)
    group[:3] = "tiny"
    y = y.copy()
    y[:3] = 0  # no events in the tiny group: sensitivity and AUROC undefined there
    report = subgroup_report(y, score, group, threshold=0.4)
    tiny = report[report.group == "tiny"].set_index("metric")
    assert tiny["small_group"].all()
    assert np.isnan(tiny.loc["sensitivity", "value"]) and np.isnan(tiny.loc["AUROC", "value"])
    assert "n=3 < 30" in tiny.loc["sensitivity", "note"]
    assert "sensitivity undefined" in tiny.loc["sensitivity", "note"]
    assert "AUROC undefined" in tiny.loc["AUROC", "note"]
    assert tiny.loc["specificity", "value"] >= 0  # still defined
    assert not report[report.group == "overall"]["small_group"].any()
    assert (report[report.group == "overall"]["note"] == "").all()


def test_subgroup_report_string_labels_and_integer_groups():
    y, score, group = _cohort(n=600)
    codes = np.searchsorted(["A", "B", "C"], group)
    labels = np.where(y == 1, "died", "survived")
    report = subgroup_report(labels, score, codes, threshold=0.4, pos_label="died")
    assert list(report["group"].unique()) == ["overall", "0", "1", "2"]
    with pytest.raises(ValueError, match="pos_label="):
        subgroup_report(labels, score, codes, threshold=0.4)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"groups": np.array(["A", None, "B", "A"], dtype=object)}, "missing"),
        ({"groups": ["A", "B"]}, "lengths differ"),
        ({"groups": ["overall", "A", "B", "A"]}, "reserved"),
        ({"y_score": [0.1, np.nan, 0.3, 0.4]}, "NaN"),
        ({"min_group_size": 0}, "min_group_size"),
    ],
)
def test_subgroup_report_rejects_bad_input(kwargs, match):
    args = {"y_true": [0, 1, 0, 1], "y_score": [0.1, 0.8, 0.3, 0.4], "groups": ["A", "B", "B", "A"]}
    options = {"threshold": 0.5}
    for key, value in kwargs.items():
        (args if key in args else options)[key] = value
    with pytest.raises(ValueError, match=match):
        subgroup_report(args["y_true"], args["y_score"], args["groups"], **options)


def _sites(seed=0):
    rng = np.random.default_rng(seed)
    p_dev = 1 / (1 + np.exp(-rng.normal(-1.5, 1.0, 4000)))
    y_dev = rng.binomial(1, p_dev)
    # External site: higher baseline risk (the model underestimates) and a narrower case-mix.
    lp_ext = rng.normal(-1.5, 0.6, 4000)
    p_ext = 1 / (1 + np.exp(-lp_ext))
    y_ext = rng.binomial(1, 1 / (1 + np.exp(-(lp_ext + 0.7))))
    return y_dev, p_dev, y_ext, p_ext


def test_compare_sites_matches_metrics_per_site():
    y_dev, p_dev, y_ext, p_ext = _sites()
    y, p = np.r_[y_dev, y_ext], np.r_[p_dev, p_ext]
    sites = np.repeat(["dev", "ext"], 4000)
    table = compare_sites(y, p, sites)
    assert list(table.columns) == ["site", "metric", "value", "ci_lower", "ci_upper"]
    assert list(table["site"].unique()) == ["dev", "ext"]
    wide = table.pivot(index="metric", columns="site", values="value")
    cal = calibration_summary(y_ext, p_ext)
    assert wide.loc["AUROC", "ext"] == pytest.approx(skm.roc_auc_score(y_ext, p_ext))
    assert wide.loc["calibration slope", "ext"] == pytest.approx(cal.slope)
    assert wide.loc["calibration-in-the-large", "ext"] == pytest.approx(cal.citl)
    assert wide.loc["Brier", "ext"] == pytest.approx(skm.brier_score_loss(y_ext, p_ext))
    assert wide.loc["O/E", "ext"] == pytest.approx(y_ext.sum() / p_ext.sum())
    oe = table[(table.site == "ext") & (table.metric == "O/E")].iloc[0]
    # Delta method, binomial O, E fixed: var(ln O/E) = 1/O - 1/n.
    se = np.sqrt(1 / y_ext.sum() - 1 / len(y_ext))
    assert np.log(oe.ci_upper / oe.value) == pytest.approx(1.959964 * se, rel=1e-5)


def test_external_validation_report_detects_miscalibration():
    y_dev, p_dev, y_ext, p_ext = _sites()
    report = external_validation_report(y_dev, p_dev, y_ext, p_ext, names=("Leeds", "Lisbon"))
    assert list(report.columns) == [
        "Leeds", "Leeds_ci_lower", "Leeds_ci_upper", "Lisbon", "Lisbon_ci_lower", "Lisbon_ci_upper", "difference",
    ]  # fmt: skip
    assert report.loc["n", "Leeds"] == 4000
    assert report.loc["O/E", "Leeds"] == pytest.approx(1, abs=0.08)
    assert report.loc["O/E", "Lisbon"] > 1.4  # risks underestimated abroad
    assert report.loc["calibration-in-the-large", "Lisbon"] == pytest.approx(0.7, abs=0.15)
    assert report.loc["AUROC", "difference"] < 0  # narrower case-mix, lower AUROC
    assert report.loc["AUROC", "difference"] == pytest.approx(
        skm.roc_auc_score(y_ext, p_ext) - skm.roc_auc_score(y_dev, p_dev)
    )


def test_external_validation_report_errors():
    y_dev, p_dev, y_ext, p_ext = _sites()
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        external_validation_report(y_dev, p_dev * 3, y_ext, p_ext)
    with pytest.raises(ValueError, match="lengths differ"):
        external_validation_report(y_dev, p_dev, y_ext[:10], p_ext)
    with pytest.raises(ValueError, match="names"):
        external_validation_report(y_dev, p_dev, y_ext, p_ext, names=("a", "a"))
    with pytest.raises(ValueError, match="only non-events"):
        external_validation_report(y_dev, p_dev, np.zeros(50), p_ext[:50])
