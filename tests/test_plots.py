"""Tests for mlhc_course.plots: labels, titles and the data on the lines (headless, Agg)."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve

from mlhc_course import plots
from mlhc_course.audit import subgroup_report
from mlhc_course.metrics import net_benefit, threshold_table
from mlhc_course.plots import (
    DecisionCurveDisplay,
    plot_calibration,
    plot_decision_curve,
    plot_precision_recall,
    plot_roc,
    plot_subgroup_performance,
    plot_threshold_tradeoff,
)


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    n = 600
    y = rng.binomial(1, 0.2, n)
    p = 1 / (1 + np.exp(-(1.5 * y + rng.normal(size=n) - 1.8)))
    return y, p


def test_doctests(pyplot):
    result = doctest.testmod(plots, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_backend_is_headless(pyplot):
    assert pyplot.get_backend().lower() == "agg"


def test_plot_roc(pyplot, data):
    y, p = data
    ax = plot_roc(y, p, name="logistic")
    assert ax.get_title() == "ROC curve"
    assert "1 − specificity" in ax.get_xlabel() and "proportion" in ax.get_xlabel()
    assert "sensitivity" in ax.get_ylabel()
    fpr, tpr, _ = skm.roc_curve(y, p, drop_intermediate=True)
    line = ax.get_lines()[0]
    np.testing.assert_allclose(line.get_xdata(), fpr)
    np.testing.assert_allclose(line.get_ydata(), tpr)
    auc = skm.roc_auc_score(y, p)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0].startswith(f"logistic (AUROC {auc:.2f}, 95% CI ")
    assert "chance (AUROC 0.50)" in labels


def test_plot_roc_draws_on_given_axes_and_accepts_string_labels(pyplot, data):
    y, p = data
    fig, (ax1, ax2) = pyplot.subplots(1, 2)
    out = plot_roc(np.where(y == 1, "sepsis", "no sepsis"), p, pos_label="sepsis", ax=ax2)
    assert out is ax2 and len(ax1.get_lines()) == 0
    with pytest.raises(ValueError, match="pos_label="):
        plot_roc(np.where(y == 1, "sepsis", "no sepsis"), p)
    with pytest.raises(ValueError, match="single class"):
        plot_roc(np.zeros(10), np.linspace(0, 1, 10))


def test_plot_precision_recall(pyplot, data):
    y, p = data
    ax = plot_precision_recall(y, p)
    assert ax.get_title() == "Precision-recall curve"
    assert ax.get_xlabel().startswith("Sensitivity") and ax.get_ylabel().startswith(
        "Positive predictive value"
    )
    precision, recall, _ = skm.precision_recall_curve(y, p)
    line = ax.get_lines()[0]
    np.testing.assert_allclose(line.get_xdata(), recall)
    np.testing.assert_allclose(line.get_ydata(), precision)
    chance = ax.get_lines()[1]
    np.testing.assert_allclose(chance.get_ydata(), y.mean())


def test_plot_calibration_with_histogram(pyplot, data):
    y, p = data
    ax = plot_calibration(y, p, n_bins=5, name="logistic")
    assert ax.get_title() == "Calibration"
    assert ax.get_xlabel() == "Mean predicted risk (probability)"
    assert ax.get_ylabel() == "Observed event rate (proportion)"
    prob_true, prob_pred = calibration_curve(y, p, n_bins=5)
    model_line = next(line for line in ax.get_lines() if line.get_label() == "logistic")
    np.testing.assert_allclose(model_line.get_xdata(), prob_pred)
    np.testing.assert_allclose(model_line.get_ydata(), prob_true)
    hist_ax = ax.figure.axes[-1]
    assert hist_ax is not ax and "count" in hist_ax.get_ylabel()
    assert sum(patch.get_height() for patch in hist_ax.patches) == len(p)
    assert "calibration slope" in ax.texts[0].get_text()
    ax2 = plot_calibration(y, p, hist=False, ax=pyplot.subplots()[1])
    assert len(ax2.figure.axes) == 1
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        plot_calibration(y, p * 2)


def test_decision_curve_display_attributes_and_data(pyplot, data):
    y, p = data
    pt = np.linspace(0.05, 0.5, 10)
    display = DecisionCurveDisplay.from_predictions(y, p, thresholds=pt, name="model A")
    np.testing.assert_allclose(display.thresholds, pt)
    np.testing.assert_allclose(display.line_.get_ydata(), net_benefit(y, p, pt))
    prev = y.mean()
    np.testing.assert_allclose(display.treat_all_line_.get_ydata(), prev - (1 - prev) * pt / (1 - pt))
    np.testing.assert_allclose(display.treat_none_line_.get_ydata(), 0)
    assert display.ax_.get_title() == "Decision curve"
    assert display.ax_.get_xlabel().startswith("Threshold probability")
    assert display.ax_.get_ylabel() == "Net benefit (true positives per patient)"
    assert display.figure_ is display.ax_.figure
    assert [t.get_text() for t in display.ax_.get_legend().get_texts()] == [
        "model A",
        "treat all",
        "treat none",
    ]
    bottom, top = display.ax_.get_ylim()
    assert bottom < 0 < prev < top


def test_decision_curve_display_from_constructor_and_second_model(pyplot, data):
    y, p = data
    pt = np.array([0.1, 0.2, 0.3])
    display = DecisionCurveDisplay(thresholds=pt, net_benefit=[0.1, 0.05, 0.02], treat_all=[0.1, 0.0, -0.1])
    display.plot(name="precomputed")
    assert display.line_.get_label() == "precomputed"
    ax = plot_decision_curve(y, p, thresholds=pt, name="A")
    plot_decision_curve(y, p**2, thresholds=pt, name="B", ax=ax, plot_reference=False)
    assert [line.get_label() for line in ax.get_lines()] == ["A", "treat all", "treat none", "B"]
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        plot_decision_curve(y, p, thresholds=[0.0, 0.5])
    with pytest.raises(ValueError, match="plot_reference=False"):
        plot_decision_curve(y, {"A": p, "B": p**2})


def test_plot_threshold_tradeoff(pyplot):
    rng = np.random.default_rng(1)
    y = rng.binomial(1, 0.1, 500)
    news2 = np.clip(np.round(rng.normal(2 + 3 * y, 2)), 0, 20)  # integer, NEWS2-like
    ax = plot_threshold_tradeoff(y, news2, score_label="NEWS2 threshold (points)")
    assert ax.get_xlabel() == "NEWS2 threshold (points)"
    assert ax.get_title() == "Threshold trade-off"
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert list(lines) == ["sensitivity", "specificity", "PPV"]
    cuts = np.unique(news2)
    np.testing.assert_allclose(lines["sensitivity"].get_xdata(), cuts)
    table = threshold_table(y, news2, cuts)
    np.testing.assert_allclose(lines["specificity"].get_ydata(), table["specificity"])
    burden_ax = ax.figure.axes[-1]
    assert burden_ax.get_ylabel() == "Patients flagged per 1,000 (count)"
    np.testing.assert_allclose(burden_ax.get_lines()[0].get_ydata(), table["flagged_per_1000"])
    with pytest.raises(ValueError, match="metrics must be"):
        plot_threshold_tradeoff(y, news2, metrics=["AUROC"])


def test_plot_threshold_tradeoff_names_what_a_row_is(pyplot):
    y, news2 = np.array([0, 1, 0, 1, 0, 0]), np.array([1, 6, 2, 5, 0, 3])
    ax = plot_threshold_tradeoff(y, news2, unit_label="Observations")
    assert ax.figure.axes[-1].get_ylabel() == "Observations flagged per 1,000 (count)"


def test_plot_threshold_tradeoff_continuous_default_thresholds(pyplot, data):
    y, p = data
    ax = plot_threshold_tradeoff(y, p, metrics=["NPV"], show_flagged=False)
    assert len(ax.figure.axes) == 1
    xs = ax.get_lines()[0].get_xdata()
    assert 1 < len(xs) <= 50 and np.all(np.diff(xs) > 0)


def test_plot_subgroup_performance(pyplot):
    rng = np.random.default_rng(2)
    n = 800
    group = rng.choice(["18-44", "45-64", "65+", "unknown"], n, p=[0.3, 0.4, 0.28, 0.02]).astype(object)
    y = rng.binomial(1, 0.25, n)
    score = 1 / (1 + np.exp(-(1.4 * y + rng.normal(size=n) - 1)))
    report = subgroup_report(y, score, group, threshold=0.35)
    ax = plot_subgroup_performance(report, metric="sensitivity")
    assert ax.get_title() == "Sensitivity by subgroup"
    assert ax.get_xlabel() == "Sensitivity (proportion, with 95% CI)"
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["18-44", "45-64", "65+", "unknown (small n)"]
    overall = report.query("group == 'overall' and metric == 'sensitivity'")["value"].iloc[0]
    vline = ax.get_lines()[-1]
    assert vline.get_xdata()[0] == pytest.approx(overall)
    ax2 = plot_subgroup_performance(report, metric="AUROC", ax=pyplot.subplots()[1])
    assert "AUROC" in ax2.get_xlabel()
    with pytest.raises(ValueError, match="choose one of"):
        plot_subgroup_performance(report, metric="F1")
    with pytest.raises(ValueError, match="missing columns"):
        plot_subgroup_performance(report.drop(columns="overall"))
