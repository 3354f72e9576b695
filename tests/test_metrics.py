"""Tests for mlhc_course.metrics against sklearn.metrics, lifelines and published worked examples."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve
from sklearn.linear_model import LogisticRegression

from mlhc_course import metrics
from mlhc_course.metrics import (
    UndefinedMetricWarning,
    bootstrap_ci,
    calibration_summary,
    concordance_index,
    confusion_metrics,
    decision_curve,
    net_benefit,
    npv_at_prevalence,
    ppv_at_prevalence,
    roc_auc_ci,
    threshold_table,
    wilson_interval,
)


def _random_binary(seed: int, n: int = 300, prevalence: float = 0.3):
    rng = np.random.default_rng(seed)
    y = rng.binomial(1, prevalence, n)
    score = 1 / (1 + np.exp(-(y * 1.2 + rng.normal(size=n) - 1)))
    return y, score


def _altman_bland_liver_scan():
    """Altman & Bland, BMJ 1994;308:1552 (liver scan vs pathology): TP 231, FP 32, FN 27, TN 54."""
    y = np.r_[np.ones(231), np.zeros(32), np.ones(27), np.zeros(54)].astype(int)
    pred = np.r_[np.ones(231 + 32), np.zeros(27 + 54)].astype(int)
    return y, pred


def test_doctests():
    attempted = 0
    for info in pkgutil.iter_modules(metrics.__path__):  # the package's modules, by concern
        module = importlib.import_module(f"mlhc_course.metrics.{info.name}")
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0, info.name
        attempted += result.attempted
    assert attempted >= len(metrics.__all__) - 1  # an example per public function


# --- Wilson -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "nobs", "lower", "upper"),
    [
        # Newcombe RG, Stat Med 1998;17:857-872, Table I, method 3 (Wilson score without continuity
        # correction); these equal statsmodels' proportion_confint(method="wilson") to 4 d.p.
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
        # Hand calculation, 8/10 at 95%: z = 1.959964, z^2 = 3.841459, denominator 1 + z^2/n = 1.384146,
        # centre (0.8 + 0.192073)/1.384146 = 0.716740, half-width
        # z*sqrt(0.8*0.2/10 + z^2/400)/1.384146 = 1.959964*0.160011/1.384146 = 0.226578.
        (8, 10, 0.4902, 0.9433),
    ],
)
def test_wilson_interval_reference_values(count, nobs, lower, upper):
    lo, hi = wilson_interval(count, nobs)
    assert lo == pytest.approx(lower, abs=5e-5)
    assert hi == pytest.approx(upper, abs=5e-5)


def test_wilson_interval_vectorised_and_zero_nobs():
    lo, hi = wilson_interval([81, 0, 0], [263, 20, 0])
    assert lo[0] == pytest.approx(0.2553, abs=5e-5)
    assert hi[1] == pytest.approx(0.1611, abs=5e-5)
    assert np.isnan(lo[2]) and np.isnan(hi[2])


def test_wilson_interval_rejects_bad_input():
    with pytest.raises(ValueError, match="count <= nobs"):
        wilson_interval(5, 3)
    with pytest.raises(ValueError, match="'ci' parameter"):
        wilson_interval(1, 3, ci=95)


# --- confusion_metrics ---------------------------------------------------------------------------


def test_confusion_metrics_altman_bland_worked_example():
    y, pred = _altman_bland_liver_scan()
    table = confusion_metrics(y, pred)
    assert list(table.index) == [
        "TP", "FP", "TN", "FN", "sensitivity", "specificity", "PPV", "NPV",
        "LR+", "LR-", "accuracy", "F1", "prevalence",
    ]  # fmt: skip
    assert list(table.columns) == ["value", "ci_lower", "ci_upper", "numerator", "denominator", "ci_method"]
    v = table["value"]
    assert (v["TP"], v["FP"], v["TN"], v["FN"]) == (231, 32, 54, 27)
    # Published: sensitivity 231/258 = 0.895, specificity 54/86 = 0.628 (BMJ 1994;308:1552),
    # PPV 231/263 = 0.88, NPV 54/81 = 0.67 (BMJ 1994;309:102).
    assert v["sensitivity"] == pytest.approx(231 / 258)
    assert round(v["sensitivity"], 3) == 0.895
    assert round(v["specificity"], 3) == 0.628
    assert round(v["PPV"], 2) == 0.88
    assert round(v["NPV"], 2) == 0.67
    assert v["LR+"] == pytest.approx((231 / 258) / (32 / 86))
    assert v["LR-"] == pytest.approx((27 / 258) / (54 / 86))
    assert v["prevalence"] == pytest.approx(258 / 344)
    lo, hi = wilson_interval(231, 258)
    assert table.loc["sensitivity", "ci_lower"] == pytest.approx(lo)
    assert table.loc["sensitivity", "ci_upper"] == pytest.approx(hi)
    # Log-method interval for LR+ (Simel et al. 1991): SE(ln LR+) = sqrt(1/a - 1/(a+c) + 1/b - 1/(b+d)).
    se = np.sqrt(1 / 231 - 1 / 258 + 1 / 32 - 1 / 86)
    assert table.loc["LR+", "ci_lower"] == pytest.approx(v["LR+"] * np.exp(-1.959964 * se), rel=1e-5)
    assert table.loc["LR+", "ci_upper"] == pytest.approx(v["LR+"] * np.exp(1.959964 * se), rel=1e-5)
    assert table.attrs["n"] == 344


@pytest.mark.filterwarnings("ignore::mlhc_course.metrics.UndefinedMetricWarning")
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("threshold", [0.2, 0.35, 0.5, 0.8])
def test_confusion_metrics_agrees_with_sklearn(seed, threshold):
    y, score = _random_binary(seed)
    pred = (score >= threshold).astype(int)
    table = confusion_metrics(y, score, threshold=threshold)["value"]
    tn, fp, fn, tp = skm.confusion_matrix(y, pred, labels=[0, 1]).ravel()
    assert (table["TP"], table["FP"], table["TN"], table["FN"]) == (tp, fp, tn, fn)
    kw = {"zero_division": np.nan}
    assert table["sensitivity"] == pytest.approx(skm.recall_score(y, pred, **kw), nan_ok=True)
    assert table["specificity"] == pytest.approx(skm.recall_score(y, pred, pos_label=0, **kw), nan_ok=True)
    assert table["PPV"] == pytest.approx(skm.precision_score(y, pred, **kw), nan_ok=True)
    assert table["NPV"] == pytest.approx(skm.precision_score(y, pred, pos_label=0, **kw), nan_ok=True)
    assert table["accuracy"] == pytest.approx(skm.accuracy_score(y, pred))
    assert table["F1"] == pytest.approx(skm.f1_score(y, pred, **kw), nan_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lr_pos, lr_neg = skm.class_likelihood_ratios(y, pred)
    assert table["LR+"] == pytest.approx(lr_pos, nan_ok=True)
    assert table["LR-"] == pytest.approx(lr_neg, nan_ok=True)


def test_confusion_metrics_threshold_equals_binary_predictions():
    y, score = _random_binary(7)
    a = confusion_metrics(y, score, threshold=0.4)
    b = confusion_metrics(y, (score >= 0.4).astype(int))
    pd.testing.assert_frame_equal(a, b)


def test_confusion_metrics_string_labels_need_pos_label():
    y, pred = _altman_bland_liver_scan()
    y_str = np.where(y == 1, "disease", "healthy")
    with pytest.raises(ValueError, match="pos_label="):
        confusion_metrics(y_str, pred)
    table = confusion_metrics(y_str, pred, pos_label="disease")
    assert table.loc["sensitivity", "value"] == pytest.approx(231 / 258)
    # Predictions given as the same string labels work too.
    pred_str = np.where(pred == 1, "disease", "healthy")
    table2 = confusion_metrics(y_str, pred_str, pos_label="disease")
    pd.testing.assert_frame_equal(table, table2)
    with pytest.raises(ValueError, match="not one of the labels"):
        confusion_metrics(y_str, pred, pos_label="Disease")


@pytest.mark.filterwarnings("ignore:LR. is undefined")
def test_confusion_metrics_single_class_gives_documented_nan_with_warning():
    y = np.zeros(10, dtype=int)
    score = np.linspace(0, 1, 10)
    with pytest.warns(UndefinedMetricWarning, match="sensitivity"):
        table = confusion_metrics(y, score, threshold=0.5)
    assert np.isnan(table.loc["sensitivity", "value"])
    assert table.loc["specificity", "value"] == pytest.approx(5 / 10)
    assert table.loc["prevalence", "value"] == 0


@pytest.mark.filterwarnings("ignore:LR. is undefined")
def test_confusion_metrics_all_predictions_equal_matches_sklearn():
    y, _ = _random_binary(3)
    pred = np.ones_like(y)
    with pytest.warns(UndefinedMetricWarning, match="NPV"):
        table = confusion_metrics(y, pred)["value"]
    assert table["sensitivity"] == 1.0
    assert table["specificity"] == 0.0
    assert table["PPV"] == pytest.approx(skm.precision_score(y, pred))
    assert np.isnan(table["NPV"])
    assert np.isnan(table["LR-"])


@pytest.mark.parametrize(
    ("y", "score", "kwargs", "match"),
    [
        ([0, 1, 1], [0.1, np.nan, 0.3], {"threshold": 0.5}, "NaN"),
        ([0, 1, 1], [0.1, 0.3], {"threshold": 0.5}, "lengths differ"),
        ([0, 1, 1], [0.1, 0.6, 0.3], {}, "threshold="),
        ([0, 1, 2], [0, 1, 1], {}, "two classes"),
        ([0, np.nan, 1], [0, 1, 1], {}, "NaN"),
        ([], [], {}, "empty"),
        ([0, 1, 1], [0.1, 0.6, 0.3], {"threshold": 0.5, "ci": 1.5}, "'ci' parameter"),
        ([0, 1, 1], [0.1, 0.6, 0.3], {"threshold": float("nan")}, "threshold must be"),
    ],
)
def test_confusion_metrics_rejects_bad_input(y, score, kwargs, match):
    with pytest.raises(ValueError, match=match):
        confusion_metrics(y, score, **kwargs)


# --- threshold_table ------------------------------------------------------------------------------


def test_threshold_table_rows_match_confusion_metrics():
    y, score = _random_binary(11)
    cuts = [0.1, 0.3, 0.5, 0.7]
    table = threshold_table(y, score, cuts)
    assert table["threshold"].tolist() == cuts
    for i, cut in enumerate(cuts):
        ref = confusion_metrics(y, score, threshold=cut)
        for m in ("TP", "FP", "sensitivity", "specificity", "PPV", "NPV", "LR+", "F1"):
            assert table.loc[i, m] == pytest.approx(ref.loc[m, "value"], nan_ok=True)
        assert table.loc[i, "PPV_ci_lower"] == pytest.approx(ref.loc["PPV", "ci_lower"])
        flagged = int(np.sum(score >= cut))
        assert table.loc[i, "flagged_per_1000"] == pytest.approx(1000 * flagged / len(y))
        assert table.loc[i, "NNE"] == pytest.approx(1 / ref.loc["PPV", "value"])


def test_threshold_table_score_scale_and_undefined_ppv():
    # NEWS2-like integer scores: thresholds are not restricted to [0, 1].
    y = np.array([1, 1, 0, 0, 0, 0])
    news = np.array([9, 5, 6, 2, 1, 0])
    table = threshold_table(y, news, [5, 7, 20])
    assert table["sensitivity"].tolist() == [1.0, 0.5, 0.0]
    assert table["flagged_per_1000"].tolist() == pytest.approx([500.0, 1000 / 6, 0.0])
    assert table.loc[0, "NNE"] == pytest.approx(1.5)
    assert np.isnan(table.loc[2, "PPV"]) and np.isnan(table.loc[2, "NNE"])  # nobody flagged
    with pytest.raises(ValueError, match="thresholds"):
        threshold_table(y, news, [])


# --- Bayes' rule ----------------------------------------------------------------------------------


def test_ppv_npv_at_prevalence_reproduce_the_2x2_table():
    sens, spec, prev = 231 / 258, 54 / 86, 258 / 344
    assert ppv_at_prevalence(sens, spec, prev) == pytest.approx(231 / 263)
    assert npv_at_prevalence(sens, spec, prev) == pytest.approx(54 / 81)
    assert isinstance(ppv_at_prevalence(sens, spec, prev), float)


def test_ppv_at_prevalence_vectorised():
    prev = np.array([0.001, 0.01, 0.1, 0.5])
    ppv = ppv_at_prevalence(0.9, 0.9, prev)
    assert ppv.shape == (4,)
    assert ppv[2] == pytest.approx(0.5)  # hand: 0.09 / (0.09 + 0.09)
    assert ppv[1] == pytest.approx(0.009 / (0.009 + 0.099))
    assert np.all(np.diff(ppv) > 0)
    grid = ppv_at_prevalence(np.array([[0.8], [0.9]]), 0.95, prev)
    assert grid.shape == (2, 4)


def test_ppv_at_prevalence_edge_cases():
    with pytest.raises(ValueError, match="prevalence must be a proportion"):
        ppv_at_prevalence(0.9, 0.9, 1.5)
    with pytest.raises(ValueError, match="sensitivity"):
        ppv_at_prevalence(np.nan, 0.9, 0.1)
    with pytest.warns(UndefinedMetricWarning, match="PPV"):
        out = ppv_at_prevalence(0.9, 1.0, [0.0, 0.1])
    assert np.isnan(out[0]) and out[1] == 1.0


# --- AUROC ----------------------------------------------------------------------------------------


def _delong_brute_force(y, score):
    pos, neg = score[y == 1], score[y == 0]
    psi = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    v10, v01 = psi.mean(axis=1), psi.mean(axis=0)
    return psi.mean(), np.sqrt(v10.var(ddof=1) / len(pos) + v01.var(ddof=1) / len(neg))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_roc_auc_ci_matches_sklearn_and_delong_definition(seed):
    y, score = _random_binary(seed, n=120)
    score = np.round(score, 1)  # create ties
    result = roc_auc_ci(y, score)
    auc, se = _delong_brute_force(y, score)
    assert result.estimate == pytest.approx(skm.roc_auc_score(y, score))
    assert result.estimate == pytest.approx(auc)
    assert result.se == pytest.approx(se)
    assert result.ci_lower == pytest.approx(auc - 1.959964 * se, abs=1e-6)


def test_roc_auc_ci_edge_cases():
    with pytest.raises(ValueError, match="single class"):
        roc_auc_ci([1, 1, 1], [0.1, 0.2, 0.3])
    assert roc_auc_ci([0, 1, 0, 1], [0.3, 0.3, 0.3, 0.3]).estimate == 0.5
    with pytest.raises(ValueError, match="NaN"):
        roc_auc_ci([0, 1], [0.1, np.nan])


# --- bootstrap ------------------------------------------------------------------------------------


def _mean_score(y, score):
    return float(np.mean(score))


def test_bootstrap_ci_percentile_matches_normal_theory_for_a_mean():
    rng = np.random.default_rng(0)
    x = rng.normal(10, 2, 400)
    y = rng.integers(0, 2, 400)
    result = bootstrap_ci(_mean_score, y, x, n_resamples=2000, random_state=0)
    se = x.std(ddof=1) / np.sqrt(len(x))
    assert result.estimate == pytest.approx(x.mean())
    assert result.ci_lower == pytest.approx(x.mean() - 1.96 * se, abs=0.1 * se * 1.96 + 0.02)
    assert result.ci_upper == pytest.approx(x.mean() + 1.96 * se, abs=0.1 * se * 1.96 + 0.02)
    again = bootstrap_ci(_mean_score, y, x, n_resamples=2000, random_state=0)
    assert again.ci_lower == result.ci_lower


def test_bootstrap_ci_groups_resample_patients():
    rng = np.random.default_rng(1)
    n_patients = 100
    x = np.repeat(rng.normal(size=n_patients), 5)  # five identical admissions per patient
    y = np.zeros_like(x)
    pid = np.repeat(np.arange(n_patients), 5)
    rows = bootstrap_ci(_mean_score, y, x, n_resamples=500, random_state=0)
    patients = bootstrap_ci(_mean_score, y, x, n_resamples=500, random_state=0, groups=pid)
    width_rows = rows.ci_upper - rows.ci_lower
    width_patients = patients.ci_upper - patients.ci_lower
    assert width_patients / width_rows == pytest.approx(np.sqrt(5), rel=0.25)


def test_bootstrap_ci_one_row_per_group_equals_row_bootstrap():
    y, score = _random_binary(5, n=80)
    a = bootstrap_ci(skm.roc_auc_score, y, score, n_resamples=100, random_state=3)
    b = bootstrap_ci(skm.roc_auc_score, y, score, n_resamples=100, random_state=3, groups=np.arange(80) * 7)
    assert a.ci_lower == b.ci_lower and a.ci_upper == b.ci_upper
    assert a.estimate == pytest.approx(skm.roc_auc_score(y, score))


def test_bootstrap_ci_skips_undefined_resamples_and_fails_clearly():
    y = np.array([1] + [0] * 9)
    score = np.linspace(0, 1, 10)
    with pytest.warns(UndefinedMetricWarning, match="skipped"):
        result = bootstrap_ci(skm.roc_auc_score, y, score, n_resamples=50, random_state=0)
    assert result.n_failed > 0 and len(result.distribution) == 50 - result.n_failed

    def needs_distinct_scores(y_true, y_score):
        if len(np.unique(y_score)) < len(y_score):
            raise ValueError("ties")
        return 1.0

    with pytest.raises(ValueError, match="too small"):
        bootstrap_ci(needs_distinct_scores, y, score, n_resamples=50, random_state=0)
    with pytest.raises(ValueError, match="n_resamples"):
        bootstrap_ci(skm.roc_auc_score, y, score, n_resamples=0)


# --- calibration ----------------------------------------------------------------------------------


def test_calibration_perfect_model_has_slope_one_and_intercept_zero():
    rng = np.random.default_rng(42)
    p = 1 / (1 + np.exp(-rng.normal(-1.5, 1.2, 20000)))
    y = rng.binomial(1, p)
    result = calibration_summary(y, p)
    assert result.slope == pytest.approx(1, abs=0.06)
    assert result.citl == pytest.approx(0, abs=0.05)
    assert result.observed_expected == pytest.approx(1, abs=0.04)
    assert result.slope_ci[0] < 1 < result.slope_ci[1]
    assert result.citl_ci[0] < 0 < result.citl_ci[1]
    assert result.ece < 0.02


def test_calibration_slope_below_one_for_overfitted_model():
    rng = np.random.default_rng(0)
    n_train, n_test, k = 120, 5000, 40
    beta = np.r_[1.0, -0.8, 0.5, np.zeros(k - 3)]
    X_train, X_test = rng.normal(size=(n_train, k)), rng.normal(size=(n_test, k))
    y_train = rng.binomial(1, 1 / (1 + np.exp(-X_train @ beta)))
    y_test = rng.binomial(1, 1 / (1 + np.exp(-X_test @ beta)))
    model = LogisticRegression(C=np.inf, max_iter=5000).fit(X_train, y_train)
    result = calibration_summary(y_test, model.predict_proba(X_test)[:, 1])
    assert result.slope < 0.7
    assert result.slope_ci[1] < 1


@pytest.mark.parametrize("seed", [0, 1])
def test_calibration_slope_matches_sklearn_logistic_regression(seed):
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.02, 0.9, 800)
    y = rng.binomial(1, np.clip(p * 0.7 + 0.1, 0, 1))
    result = calibration_summary(y, p)
    lp = np.log(p / (1 - p)).reshape(-1, 1)
    ref = LogisticRegression(C=np.inf, tol=1e-10, max_iter=10000).fit(lp, y)
    assert result.slope == pytest.approx(ref.coef_[0, 0], rel=1e-4)


def test_calibration_in_the_large_closed_form_for_constant_prediction():
    # With a constant prediction p0 the offset model has the closed form a = logit(prev) - logit(p0).
    y = np.r_[np.ones(30), np.zeros(70)].astype(int)
    p0 = 0.2
    with pytest.warns(UndefinedMetricWarning, match="slope"):
        result = calibration_summary(y, np.full(100, p0))
    assert result.citl == pytest.approx(np.log(0.3 / 0.7) - np.log(0.2 / 0.8), abs=1e-8)
    assert np.isnan(result.slope)
    assert result.observed_expected == pytest.approx(30 / 20)
    assert result.brier == pytest.approx(0.3 * 0.8**2 + 0.7 * 0.2**2)
    assert result.scaled_brier == pytest.approx(1 - (0.3 * 0.64 + 0.7 * 0.04) / (0.3 * 0.7))
    assert result.ece == pytest.approx(0.1)


def test_calibration_underestimated_risk_has_positive_citl():
    rng = np.random.default_rng(3)
    p = rng.uniform(0.05, 0.5, 5000)
    y = rng.binomial(1, p)
    result = calibration_summary(y, p / 2)
    assert result.observed_expected == pytest.approx(2, rel=0.1)
    assert result.citl > 0.5


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
def test_calibration_table_and_brier_match_sklearn(strategy):
    y, score = _random_binary(9, n=500)
    result = calibration_summary(y, score, n_bins=8, strategy=strategy)
    prob_true, prob_pred = calibration_curve(y, score, n_bins=8, strategy=strategy)
    np.testing.assert_allclose(result.table["observed_rate"], prob_true)
    np.testing.assert_allclose(result.table["mean_predicted"], prob_pred)
    assert result.table["n"].sum() == 500
    assert result.brier == pytest.approx(skm.brier_score_loss(y, score))
    ece = np.sum(result.table["n"] / 500 * np.abs(prob_true - prob_pred))
    assert result.ece == pytest.approx(ece)


@pytest.mark.parametrize(
    ("y", "p", "match"),
    [
        ([0, 0, 0], [0.1, 0.2, 0.3], "single class"),
        ([0, 1, 0], [0.1, 1.2, 0.3], r"\[0, 1\]"),
        ([0, 1, 0], [0.1, -0.2, 0.3], r"\[0, 1\]"),
        ([0, 1, 0], [0.1, np.nan, 0.3], "NaN"),
        ([0, 1, 0], [0.1, 0.3], "lengths differ"),
        (["a", "b", "a"], [0.1, 0.3, 0.2], "pos_label="),
    ],
)
def test_calibration_summary_rejects_bad_input(y, p, match):
    with pytest.raises(ValueError, match=match):
        calibration_summary(y, p)


# --- net benefit ----------------------------------------------------------------------------------


def test_net_benefit_hand_computed():
    y = np.array([1, 1, 1, 0, 0, 0, 0, 0, 0, 0])
    p = np.array([0.9, 0.6, 0.15, 0.7, 0.3, 0.25, 0.1, 0.05, 0.05, 0.02])
    # pt = 0.2: treated 0.9, 0.6, 0.7, 0.3, 0.25 -> TP 2, FP 3: 2/10 - 3/10 * 0.25 = 0.125
    # pt = 0.5: treated 0.9, 0.6, 0.7 -> TP 2, FP 1: 0.2 - 0.1 * 1 = 0.1
    # pt = 0.1: treated 0.9, 0.6, 0.15, 0.7, 0.3, 0.25, 0.1 -> TP 3, FP 4: 0.3 - 0.4/9 = 0.25556
    assert net_benefit(y, p, [0.2, 0.5, 0.1]) == pytest.approx([0.125, 0.1, 0.3 - 0.4 / 9])


def test_net_benefit_treat_all_identity_and_treat_none():
    y, _ = _random_binary(4)
    pt = np.linspace(0.05, 0.95, 19)
    prev = y.mean()
    assert net_benefit(y, np.ones_like(y, dtype=float), pt) == pytest.approx(
        prev - (1 - prev) * pt / (1 - pt)
    )
    assert net_benefit(y, np.zeros_like(y, dtype=float), pt) == pytest.approx(np.zeros_like(pt))


@pytest.mark.parametrize("bad", [0.0, 1.0, -0.1, 1.5, np.nan])
def test_net_benefit_thresholds_must_be_in_open_unit_interval(bad):
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        net_benefit([0, 1], [0.2, 0.8], [0.3, bad])


def test_net_benefit_rejects_scores_outside_unit_interval():
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
        net_benefit([0, 1], [0.2, 3.0], [0.3])


def test_decision_curve_tidy_table():
    y, p = _random_binary(8)
    pt = [0.1, 0.2, 0.3]
    curve = decision_curve(y, {"a": p, "b": p**2}, pt)
    assert list(curve.columns) == ["threshold", "strategy", "net_benefit", "interventions_avoided_per_100"]
    assert set(curve["strategy"]) == {"a", "b", "treat all", "treat none"}
    assert len(curve) == 4 * 3
    a = curve[curve.strategy == "a"]["net_benefit"].to_numpy()
    assert a == pytest.approx(net_benefit(y, p, pt))
    prev = y.mean()
    treat_all = curve[curve.strategy == "treat all"]["net_benefit"].to_numpy()
    assert treat_all == pytest.approx(prev - (1 - prev) * np.array(pt) / (1 - np.array(pt)))
    assert (curve[curve.strategy == "treat none"]["net_benefit"] == 0).all()
    avoided = curve[curve.strategy == "a"]["interventions_avoided_per_100"].to_numpy()
    odds = np.array(pt) / (1 - np.array(pt))
    assert avoided == pytest.approx(100 * (a - treat_all) / odds)
    default = decision_curve(y, p)
    assert default["threshold"].min() == 0.01 and default["threshold"].max() == 0.99
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        decision_curve(y, p, [0, 0.5])


# --- C-index --------------------------------------------------------------------------------------


def test_concordance_index_hand_example():
    # Patients (time, event, risk): A (2, 1, 0.9), B (4, 1, 0.5), C (5, 0, 0.7), D (6, 1, 0.2).
    # Comparable pairs (the earlier time is an observed event): A-B, A-C, A-D, B-C, B-D = 5.
    # Concordant (the earlier event has the higher risk): A-B, A-C, A-D, B-D = 4; B-C is discordant.
    c = concordance_index([2, 4, 5, 6], [1, 1, 0, 1], [0.9, 0.5, 0.7, 0.2])
    assert c == pytest.approx(4 / 5)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_concordance_index_matches_lifelines_with_sign_flip(seed):
    from lifelines.utils import concordance_index as lifelines_cindex

    rng = np.random.default_rng(seed)
    risk = rng.normal(size=200)
    time = rng.exponential(np.exp(-risk))
    event = rng.binomial(1, 0.7, 200)
    c = concordance_index(time, event, risk)
    assert c == pytest.approx(lifelines_cindex(time, -risk, event))
    assert c == pytest.approx(1 - lifelines_cindex(time, risk, event))
    assert c > 0.6


def test_concordance_index_edge_cases():
    with pytest.raises(ValueError, match="No comparable pairs"):
        concordance_index([1, 2, 3], [0, 0, 0], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="NaN"):
        concordance_index([1, 2, np.nan], [1, 0, 1], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="non-negative"):
        concordance_index([1, -2, 3], [1, 0, 1], [0.1, 0.2, 0.3])
    assert concordance_index([1, 2, 3], [1, 1, 1], [0.5, 0.5, 0.5]) == 0.5
    with pytest.raises(ValueError, match="1 \\(event observed\\) or 0 \\(censored\\)"):
        concordance_index([1, 2, 3], ["died", "alive", "died"], [0.1, 0.2, 0.3])
    assert concordance_index([1, 2, 3], [True, False, True], [0.3, 0.2, 0.1]) == 1.0


# --- edge cases against sklearn -------------------------------------------------------------------

EDGE_CASES = {
    "all flagged": ([0, 1, 0, 1, 1, 0], [1, 1, 1, 1, 1, 1]),
    "none flagged": ([0, 1, 0, 1, 1, 0], [0, 0, 0, 0, 0, 0]),
    "perfect": ([0, 1, 0, 1, 1, 0], [0, 1, 0, 1, 1, 0]),
    "all wrong": ([0, 1, 0, 1, 1, 0], [1, 0, 1, 0, 0, 1]),
    "only negatives": ([0, 0, 0, 0], [0, 1, 0, 1]),
    "only positives": ([1, 1, 1, 1], [0, 1, 1, 1]),
    "one patient": ([1], [1]),
    "booleans": ([True, False, True, False], [True, True, False, False]),
}


@pytest.mark.filterwarnings("ignore::mlhc_course.metrics.UndefinedMetricWarning")
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.UndefinedMetricWarning")
@pytest.mark.parametrize("case", list(EDGE_CASES))
def test_confusion_metrics_edge_cases_agree_with_sklearn(case):
    y, pred = (np.asarray(a) for a in EDGE_CASES[case])
    v = confusion_metrics(y, pred)["value"]
    kw = {"zero_division": np.nan}
    tn, fp, fn, tp = skm.confusion_matrix(y, pred, labels=[0, 1]).ravel()
    assert (v["TP"], v["FP"], v["TN"], v["FN"]) == (tp, fp, tn, fn)
    assert v["sensitivity"] == pytest.approx(skm.recall_score(y, pred, labels=[0, 1], **kw), nan_ok=True)
    assert v["specificity"] == pytest.approx(
        skm.recall_score(y, pred, labels=[0, 1], pos_label=0, **kw), nan_ok=True
    )
    assert v["PPV"] == pytest.approx(skm.precision_score(y, pred, labels=[0, 1], **kw), nan_ok=True)
    assert v["NPV"] == pytest.approx(
        skm.precision_score(y, pred, labels=[0, 1], pos_label=0, **kw), nan_ok=True
    )
    assert v["accuracy"] == pytest.approx(skm.accuracy_score(y, pred))
    assert v["F1"] == pytest.approx(skm.f1_score(y, pred, labels=[0, 1], **kw), nan_ok=True)
    # Every NaN is a ratio with a zero denominator, never a silent failure.
    for metric in ("sensitivity", "specificity", "PPV", "NPV"):
        row = confusion_metrics(y, pred).loc[metric]
        assert np.isnan(row["value"]) == (row["denominator"] == 0)


def test_label_encodings():
    y = np.array([1, 0, 1, 1, 0, 0])
    pred = np.array([1, 0, 0, 1, 1, 0])
    ref = confusion_metrics(y, pred)
    pd.testing.assert_frame_equal(confusion_metrics(y * 2 - 1, pred), ref)  # {-1, 1}
    pd.testing.assert_frame_equal(confusion_metrics(y.astype(bool), pred.astype(bool)), ref)
    # Numeric labels other than 0/1 need pos_label, and predictions in the same labels are mapped.
    with pytest.raises(ValueError, match="pos_label="):
        confusion_metrics(y + 1, pred + 1)
    pd.testing.assert_frame_equal(confusion_metrics(y + 1, pred + 1, pos_label=2), ref)
    # pos_label=0 makes 0 the positive class for outcomes *and* predictions.
    flipped = confusion_metrics(y, pred, pos_label=0)
    assert flipped.loc["sensitivity", "value"] == ref.loc["specificity", "value"]


def test_roc_auc_ci_needs_two_of_each_class_for_an_interval():
    with pytest.warns(UndefinedMetricWarning, match="at least 2 positives"):
        result = roc_auc_ci([0, 1, 0], [0.2, 0.8, 0.4])
    assert result.estimate == 1.0
    assert np.isnan(result.ci_lower) and np.isnan(result.se)


def test_calibration_summary_perfect_separation_is_a_clear_error():
    with pytest.raises(ValueError, match="separate the outcomes perfectly"):
        calibration_summary([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])


def _lowess_reference(x, y, x0, frac):
    """Cleveland's lowess (iter=0) at x0, one weighted least-squares line per point (np.polyfit)."""
    k = int(np.ceil(frac * len(x)))
    out = []
    for point in x0:
        d = np.abs(x - point)
        h = np.sort(d)[k - 1]
        w = np.clip(1 - (d / h) ** 3, 0, None) ** 3
        slope, intercept = np.polyfit(x, y, 1, w=np.sqrt(w))
        out.append(intercept + slope * point)
    return np.clip(out, 0, 1)


@pytest.mark.parametrize("frac", [0.3, 2 / 3, 1.0])
def test_smoothed_calibration_curve_matches_a_reference_lowess(frac):
    from mlhc_course.metrics import smoothed_calibration_curve

    rng = np.random.default_rng(11)
    p = rng.uniform(0.01, 0.6, 800)
    y = rng.binomial(1, np.clip(1.3 * p, 0, 1))  # under-predicting model
    curve = smoothed_calibration_curve(y, p, frac=frac, n_points=25)
    np.testing.assert_allclose(curve["predicted"], np.linspace(p.min(), p.max(), 25))
    np.testing.assert_allclose(
        curve["observed"], _lowess_reference(p, y, curve["predicted"], frac), atol=1e-9
    )
    assert (curve["observed"] >= curve["predicted"]).mean() > 0.8  # it sees the under-prediction


def test_smoothed_calibration_curve_rejects_bad_input():
    from mlhc_course.metrics import smoothed_calibration_curve

    with pytest.raises(ValueError, match="'frac' parameter"):
        smoothed_calibration_curve([0, 1], [0.2, 0.8], frac=0)
    with pytest.raises(ValueError, match="'n_points' parameter"):
        smoothed_calibration_curve([0, 1], [0.2, 0.8], n_points=1)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        smoothed_calibration_curve([0, 1], [0.2, 1.8])


def test_post_test_probability_is_bayes_on_the_odds_scale():
    from mlhc_course.metrics import npv_at_prevalence, post_test_probability, ppv_at_prevalence

    sens, spec = 156 / 198, 1425 / 1802
    for prev in (0.01, 0.1, 0.3):
        # reference: PPV and 1 - NPV from Bayes' rule on probabilities
        assert post_test_probability(prev, sens / (1 - spec)) == pytest.approx(
            ppv_at_prevalence(sens, spec, prev)
        )
        assert post_test_probability(prev, (1 - sens) / spec) == pytest.approx(
            1 - npv_at_prevalence(sens, spec, prev)
        )
    # a published worked example: pre-test 0.50 (odds 1) and LR 9 give odds 9, probability 0.9
    assert post_test_probability(0.5, 9.0) == pytest.approx(0.9)
    assert post_test_probability(0.2, 1.0) == pytest.approx(0.2)  # an LR of 1 changes nothing
    np.testing.assert_allclose(post_test_probability([0.1, 0.2], 0.0), [0.0, 0.0])
    with pytest.raises(ValueError, match="percentage"):
        post_test_probability(30, 0.27)
    with pytest.raises(ValueError, match="likelihood_ratio"):
        post_test_probability(0.3, -1)


def test_every_metric_the_course_uses_imports_from_mlhc_course_metrics(repo_root):
    """The metrics live in private modules by concern; lessons, problem sets and the book import them all here."""
    texts = [p.read_text(encoding="utf-8") for p in (repo_root / "notebooks").rglob("*.ipynb")]
    texts += [p.read_text(encoding="utf-8") for p in (repo_root / "book").rglob("*.md")]
    used = {name for text in texts for name in re.findall(r"(?<![\w.])metrics\.([a-z_][a-z_]+)\b", text)}
    used -= {"ipynb", "html"}  # file names, not attributes
    assert {"roc_auc_ci", "calibration_summary", "decision_curve"} <= used
    assert used <= set(metrics.__all__), (
        f"not in mlhc_course.metrics.__all__: {sorted(used - set(metrics.__all__))}"
    )
    for name in metrics.__all__:
        assert getattr(metrics, name).__module__.startswith("mlhc_course.metrics"), name
