"""Lesson 04 (notebooks/04_beyond_linear_models.ipynb): every claim its prose makes, and its self-checks.

The lesson's code cells (all but the self-check stubs) run here, figures closed, so the test checks what the
learner runs; each claim of the prose and each self-check's expected value is recomputed from them.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pytest

from mlhc_course import datasets, exercises

from lesson_runner import read_lesson, run_cells, solution_block

matplotlib.use("Agg")

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "04_beyond_linear_models.ipynb"


@pytest.fixture(scope="module")
def nb():
    return read_lesson(NOTEBOOK.name)


@pytest.fixture(scope="module")
def lesson(nb):
    """The namespace after running the lesson's code cells (not the install cell or the self-check stubs)."""
    return run_cells(nb, label="<lesson 04>")


def _solution_code(nb, label: str) -> str:
    return solution_block(nb, label)


def test_data_and_the_generator_truth(lesson):
    dev, test = lesson["dev"], lesson["test"]
    visits = dev.groupby("patient_id").size()
    assert visits.min() >= 1 and visits.max() <= 4 and visits.max() > 1  # "1 to 4 rows"
    assert (test.groupby("patient_id").size() == 1).all()  # one row each in the test cohort
    # "BMI, eGFR and HbA1c have no effect of their own": the true risk is the Framingham equation
    truth = datasets.framingham_cvd_risk(
        test["age"], test["sex"], test["total_chol"], test["hdl_chol"], test["sbp"], test["bp_treated"],
        test["smoker"], test["diabetes"], chol_units="mmol/L",
    )  # fmt: skip
    np.testing.assert_allclose(truth, test["true_risk"], rtol=1e-6)
    corr = test[["hba1c", "diabetes", "egfr", "age"]].corr()
    assert corr.loc["hba1c", "diabetes"] > 0.3 and corr.loc["egfr", "age"] < -0.3  # "correlated"


def test_depth_claims(lesson):
    by_depth = lesson["by_depth"]
    assert by_depth["training data"].is_monotonic_increasing  # "always improves with depth"
    best_patient = by_depth["CV by patient"].idxmax()
    assert best_patient < by_depth.index.max()  # peaks, then falls
    assert by_depth["CV by patient"].iloc[-1] < by_depth["CV by patient"].max() - 0.05
    assert by_depth["CV by row (wrong)"].idxmax() > best_patient  # row CV chooses deeper trees
    assert (by_depth["CV by row (wrong)"] > by_depth["CV by patient"]).all()  # and looks better
    tree = lesson["small_tree"].tree_
    names = lesson["PREDICTORS"]
    assert names[tree.feature[0]] == "age" and 55 < tree.threshold[0] < 58  # the alt text
    assert {names[tree.feature[i]] for i in (1, 4)} == {"sbp"}


def test_forest_and_tuning(lesson):
    forest_cv = lesson["forest_cv"]
    forest_gap = forest_cv["CV by row (wrong)"] - forest_cv["CV by patient"]
    by_depth = lesson["by_depth"]
    assert forest_gap > (by_depth["CV by row (wrong)"] - by_depth["CV by patient"]).max()  # "most misleading"
    assert lesson["search"].best_params_ == {"max_leaf_nodes": 4, "min_samples_leaf": 200}  # the prose


def test_comparison_claims(lesson):
    table = lesson["comparison"]
    lr, rf, gb, truth = (
        table.loc[k] for k in ["logistic regression", "random forest", "gradient boosting", "true risk"]
    )
    for flexible in (rf, gb):  # "the flexible models do worse than logistic regression"
        assert flexible["AUROC"] < lr["AUROC"] and flexible["net benefit at 10%"] < lr["net benefit at 10%"]
    assert truth["AUROC"] - lr["AUROC"] < 0.01  # "close to the ceiling"
    assert truth["net benefit at 10%"] > lr["net benefit at 10%"]
    assert all(row["O/E"] > 1 for row in (lr, rf, gb))  # "fewer events predicted than occur"
    dev_rate = lesson["dev"].groupby("patient_id")["event_recorded"].first().mean()
    assert dev_rate < lesson["y_test"].mean()  # "a slightly lower event rate"
    assert rf["slope"] < 1 and gb["slope"] < 1  # "a little too extreme"
    gap_per_100 = 100 * (lr["net benefit at 10%"] - gb["net benefit at 10%"])
    assert 0.15 < gap_per_100 < 0.3  # "about 0.2 net true positives per 100 patients"


def test_importance_claims(lesson):
    imp, split = lesson["importances"], lesson["split"]
    assert imp.idxmax() == "age" and imp.sort_values(ascending=False).index[1] == "sbp"
    assert imp["hba1c"] > imp["bmi"] > imp["egfr"] and abs(imp["egfr"]) < 0.002
    assert abs(imp["diabetes"]) < 0.002  # a true effect that looks unimportant
    two = split["two readings"]
    assert (
        two["sbp"] < split.loc["sbp", "one reading"]
        and two["sbp_second_reading"] < split.loc["sbp", "one reading"]
    )
    assert two["sbp_second_reading"] > 0


def test_partial_dependence_claims(lesson):
    age_pd, sbp_pd = lesson["display"].pd_results
    sample = lesson["pd_sample"]

    def true_average(feature, value):
        args = {c: sample[c] for c in ["age", "sbp"]}
        args[feature] = value
        return datasets.framingham_cvd_risk(
            args["age"], sample["sex"], sample["total_chol"], sample["hdl_chol"], args["sbp"],
            sample["bp_treated"], sample["smoker"], sample["diabetes"], chol_units="mmol/L",
        ).mean()  # fmt: skip

    ages, age_curve = age_pd["grid_values"][0], age_pd["average"][0]
    assert age_curve[-1] < true_average("age", ages[-1]) - 0.01  # underestimates age in older patients
    sbps, sbp_curve = sbp_pd["grid_values"][0], sbp_pd["average"][0]
    flat = sbp_curve[sbps >= 137]
    assert flat.max() - flat.min() < 0.002  # "stops rising above about 135 mmHg"
    assert sbp_curve[0] < true_average("sbp", sbps[0])  # below the true curve at low pressures


def test_ex1_best_depth(nb, lesson):
    by_depth = lesson["by_depth"]
    assert exercises.check("l04_ex1_best_depth", by_depth["CV by patient"].idxmax()).passed is True
    row_choice = by_depth["CV by row (wrong)"].idxmax()
    assert "row-level" in exercises.check("l04_ex1_best_depth", row_choice).hint
    assert "training" in exercises.check("l04_ex1_best_depth", 12).hint
    assert exercises.check("l04_ex1_best_depth", "five").passed is False
    exec(_solution_code(nb, "l04_ex1_best_depth"), dict(lesson))


def test_ex2_report_cv(nb, lesson):
    assert exercises.check("l04_ex2_report_cv", "by patient").passed is True
    assert "optimistic" in exercises.check("l04_ex2_report_cv", "by row").hint
    assert exercises.check("l04_ex2_report_cv", 0.678).passed is False
    exec(_solution_code(nb, "l04_ex2_report_cv"), dict(lesson))


def test_ex3_net_benefit_boosting(nb, lesson):
    table = lesson["comparison"]
    answer = table.loc["gradient boosting", "net benefit at 10%"]
    assert exercises.check("l04_ex3_net_benefit_boosting", answer).passed is True
    lr = table.loc["logistic regression", "net benefit at 10%"]
    assert "logistic regression" in exercises.check("l04_ex3_net_benefit_boosting", lr).hint
    assert "per 100" in exercises.check("l04_ex3_net_benefit_boosting", 100 * answer).hint
    assert (
        exercises.check(
            "l04_ex3_net_benefit_boosting", table.loc["random forest", "net benefit at 10%"]
        ).passed
        is False
    )
    assert exercises.check("l04_ex3_net_benefit_boosting", "0.0177").passed is False
    exec(_solution_code(nb, "l04_ex3_net_benefit_boosting"), dict(lesson))


def test_ex4_proxy(nb, lesson):
    answer = lesson["importances"][["bmi", "egfr", "hba1c"]].idxmax()
    assert exercises.check("l04_ex4_proxy", answer).passed is True
    assert "smaller" in exercises.check("l04_ex4_proxy", "bmi").hint
    assert exercises.check("l04_ex4_proxy", 0.0088).passed is False
    exec(_solution_code(nb, "l04_ex4_proxy"), dict(lesson))
