"""mlhc_course.modelling: odds ratios per unit against statsmodels-free references."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from mlhc_course import modelling


def _newton_logistic(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Reference: unpenalised logistic regression by Newton-Raphson, SEs from the observed information."""
    design = np.column_stack([np.ones(len(X)), X])
    beta = np.zeros(design.shape[1])
    for _ in range(50):
        mu = 1 / (1 + np.exp(-design @ beta))
        hess = design.T @ (design * (mu * (1 - mu))[:, None])
        step = np.linalg.solve(hess, design.T @ (y - mu))
        beta += step
        if np.abs(step).max() < 1e-12:
            break
    mu = 1 / (1 + np.exp(-design @ beta))
    cov = np.linalg.inv(design.T @ (design * (mu * (1 - mu))[:, None]))
    return beta[1:], np.sqrt(np.diag(cov))[1:]


@pytest.fixture(scope="module")
def cohort():
    rng = np.random.default_rng(7)
    n = 4000
    X = pd.DataFrame(
        {"age": rng.uniform(30, 80, n), "sbp": rng.normal(135, 18, n), "smoker": rng.binomial(1, 0.2, n)}
    )
    lp = -9 + 0.06 * X["age"] + 0.02 * X["sbp"] + 0.6 * X["smoker"]
    y = rng.binomial(1, 1 / (1 + np.exp(-lp)))
    return X, y


def test_matches_newton_raphson_with_observed_information(cohort):
    X, y = cohort
    model = LogisticRegression(C=np.inf, max_iter=10_000, tol=1e-10).fit(X, y)
    table = modelling.odds_ratio_table(model, X, units={"age": 10, "sbp": 10})
    beta, se = _newton_logistic(X.to_numpy(), y)
    np.testing.assert_allclose(table["coef"], beta, rtol=1e-4)
    np.testing.assert_allclose(table["se"], se, rtol=1e-4)
    per = np.array([10, 10, 1])
    np.testing.assert_allclose(table["odds_ratio"], np.exp(per * beta), rtol=1e-4)
    np.testing.assert_allclose(table["ci_lower"], np.exp(per * (beta - 1.959964 * se)), rtol=1e-4)
    np.testing.assert_allclose(table["ci_upper"], np.exp(per * (beta + 1.959964 * se)), rtol=1e-4)
    assert table["per"].tolist() == [10.0, 10.0, 1.0]
    assert list(table.index) == ["age", "sbp", "smoker"]


def test_single_binary_predictor_gives_the_two_by_two_odds_ratio_and_woolf_interval():
    a, b, c, d = 30, 70, 45, 255  # exposed events/non-events, unexposed events/non-events
    X = pd.DataFrame({"exposed": [1] * (a + b) + [0] * (c + d)})
    y = np.array([1] * a + [0] * b + [1] * c + [0] * d)
    model = LogisticRegression(C=np.inf, tol=1e-10, max_iter=1000).fit(X, y)
    row = modelling.odds_ratio_table(model, X, ci=0.90).loc["exposed"]
    woolf_se = np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    assert row["odds_ratio"] == pytest.approx(a * d / (b * c), rel=1e-5)
    assert row["se"] == pytest.approx(woolf_se, rel=1e-4)
    z90 = 1.644854
    assert row["ci_lower"] == pytest.approx(a * d / (b * c) * np.exp(-z90 * woolf_se), rel=1e-4)


def test_penalised_or_unfitted_models_and_bad_units_raise_helpful_errors(cohort):
    X, y = cohort
    with pytest.raises(ValueError, match="C=np.inf"):
        modelling.odds_ratio_table(LogisticRegression().fit(X, y), X)
    with pytest.raises(ValueError, match="Fit it first"):
        modelling.odds_ratio_table(LogisticRegression(C=np.inf), X)
    model = LogisticRegression(C=np.inf, max_iter=5000).fit(X, y)
    with pytest.raises(ValueError, match="unknown predictors"):
        modelling.odds_ratio_table(model, X, units={"weight": 10})
    with pytest.raises(ValueError, match="positive number"):
        modelling.odds_ratio_table(model, X, units={"age": -10})
    with pytest.raises(ValueError, match="fitted on"):
        modelling.odds_ratio_table(model, X[["sbp", "age", "smoker"]])
    with pytest.raises(ValueError, match="ci must be"):
        modelling.odds_ratio_table(model, X, ci=95)


def test_array_input_names_columns_by_position(cohort):
    X, y = cohort
    model = LogisticRegression(C=np.inf, max_iter=5000).fit(X.to_numpy(), y)
    table = modelling.odds_ratio_table(model, X.to_numpy(), units={"x0": 10})
    assert list(table.index) == ["x0", "x1", "x2"] and table.loc["x0", "per"] == 10


def test_risk_ratio_from_odds_ratio_matches_a_two_by_two_table():
    # exposed risk 0.4, unexposed 0.2: RR 2, OR (0.4/0.6)/(0.2/0.8) = 2.667
    odds_ratio = (0.4 / 0.6) / (0.2 / 0.8)
    assert modelling.risk_ratio_from_odds_ratio(odds_ratio, 0.2) == pytest.approx(2.0)
    rr = modelling.risk_ratio_from_odds_ratio([2.0, 2.0], [0.0, 1.0])
    np.testing.assert_allclose(rr, [2.0, 1.0])
    with pytest.raises(ValueError, match="percentage"):
        modelling.risk_ratio_from_odds_ratio(2.0, 30)
    with pytest.raises(ValueError, match="positive"):
        modelling.risk_ratio_from_odds_ratio(-1.0, 0.3)
