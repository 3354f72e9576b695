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


def test_plot_calibration_draws_the_loess_curve_and_fits_the_axes_to_the_data(pyplot):
    from mlhc_course.metrics import smoothed_calibration_curve

    rng = np.random.default_rng(5)
    p = rng.beta(1, 30, 3000)  # a rare outcome: every risk below about 0.25
    y = rng.binomial(1, p)
    ax = plot_calibration(y, p, name="model")
    smooth = next(line for line in ax.get_lines() if line.get_label() == "model (loess)")
    curve = smoothed_calibration_curve(y, p)
    np.testing.assert_allclose(smooth.get_xdata(), curve["predicted"])
    np.testing.assert_allclose(smooth.get_ydata(), curve["observed"])
    low, high = ax.get_xlim()
    assert ax.get_ylim() == (low, high)  # same scale on both axes: the diagonal stays at 45 degrees
    assert p.max() <= high < 0.5
    hist_ax = ax.figure.axes[-1]
    assert sum(patch.get_height() for patch in hist_ax.patches) == len(p)
    assert f"{high / 1.02 / 40:.3g}" in hist_ax.get_ylabel()
    whole = plot_calibration(y, p, smooth=False, zoom=False, ax=pyplot.subplots()[1])
    assert whole.get_xlim() == pytest.approx((-0.02, 1.02))
    assert not any("loess" in line.get_label() for line in whole.get_lines())


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
    with pytest.raises(ValueError, match="pass the dict"):
        DecisionCurveDisplay.from_predictions(y, {"A": p, "B": p**2})


def test_plot_decision_curve_takes_a_dict_of_models(pyplot, data):
    y, p = data
    pt = np.linspace(0.05, 0.5, 10)
    ax = plot_decision_curve(y, {"logistic": p, "squashed": p**3}, thresholds=pt)
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["logistic", "treat all", "treat none", "squashed"]
    # the same curves as drawing the models one by one
    one = plot_decision_curve(y, p**3, thresholds=pt, name="squashed")
    np.testing.assert_allclose(ax.get_lines()[3].get_ydata(), one.get_lines()[0].get_ydata())
    top = ax.get_ylim()[1]
    assert all(np.max(line.get_ydata()) <= top for line in ax.get_lines())
    with pytest.raises(ValueError, match="empty mapping"):
        plot_decision_curve(y, {})
    with pytest.raises(ValueError, match="keys are the names"):
        plot_decision_curve(y, {"a": p}, name="x")


def test_decision_curve_display_from_estimator(pyplot):
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(3)
    X = rng.normal(size=(400, 2))
    y = rng.binomial(1, 1 / (1 + np.exp(-(X[:, 0] - 1))))
    model = LogisticRegression().fit(X, y)
    pt = np.linspace(0.05, 0.6, 12)
    display = DecisionCurveDisplay.from_estimator(model, X, y, thresholds=pt)
    expected = DecisionCurveDisplay.from_predictions(y, model.predict_proba(X)[:, 1], thresholds=pt)
    np.testing.assert_allclose(display.net_benefit, expected.net_benefit)
    assert display.line_.get_label() == "LogisticRegression"
    assert display.ax_.get_xlabel().startswith("Threshold probability")
    # string classes: the positive class picks the probability column
    labels = np.where(y == 1, "deteriorated", "stable")
    named = LogisticRegression().fit(X, labels)
    shown = DecisionCurveDisplay.from_estimator(named, X, labels, thresholds=pt, pos_label="deteriorated")
    np.testing.assert_allclose(shown.net_benefit, expected.net_benefit, atol=1e-12)
    with pytest.raises(ValueError, match="fitted classifier"):
        DecisionCurveDisplay.from_estimator(object(), X, y)
    with pytest.raises(ValueError, match="not one of the estimator's classes"):
        DecisionCurveDisplay.from_estimator(named, X, labels, pos_label="dead")


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


def test_plot_site_comparison(pyplot):
    from mlhc_course.audit import compare_sites
    from mlhc_course.plots import plot_site_comparison

    rng = np.random.default_rng(2)
    sites = np.repeat(["Leeds", "Lisbon", "Lima"], [500, 400, 300])
    p = rng.uniform(0.05, 0.5, len(sites))
    y = rng.binomial(1, np.clip(p * np.where(sites == "Lima", 1.6, 1.0), 0, 1))  # Lima: under-predicted
    table = compare_sites(y, p, sites)
    ax = plot_site_comparison(table)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Leeds (n=500)", "Lisbon (n=400)", "Lima (n=300)"]
    assert ax.get_xlabel().startswith("Observed/expected events (ratio")
    assert ax.get_title() == "O/E by site"
    points = ax.lines[0].get_xdata()
    oe = table[table.metric == "O/E"]["value"].to_numpy()
    np.testing.assert_allclose(points, oe)
    assert any(line.get_label().startswith("ideal") for line in ax.get_lines())
    auroc = plot_site_comparison(table, metric="AUROC", ax=pyplot.subplots()[1])
    assert auroc.get_legend() is None  # no "ideal" line for discrimination
    with pytest.raises(ValueError, match="choose one of"):
        plot_site_comparison(table, metric="sensitivity")
    with pytest.raises(ValueError, match="compare_sites"):
        plot_site_comparison(table.drop(columns="ci_lower"))
