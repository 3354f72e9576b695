"""Lesson 1 (notebooks/01_test_accuracy.ipynb): every number its prose states and every self-check's
expected value, recomputed from the lesson's seeded cohort."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlhc_course import exercises, metrics

SEED = 2026
CUTOFF = 40.0


@pytest.fixture(scope="module")
def lesson():
    """The lesson's cohort, drawn exactly as in the notebook, and its 2x2 table at 40 ng/L."""
    rng = np.random.default_rng(SEED)
    n = 2_000
    has_condition = rng.random(n) < 0.10
    log_conc = np.where(has_condition, rng.normal(4.5, 0.8, n), rng.normal(3.0, 0.8, n))
    cohort = pd.DataFrame(
        {"biomarker_ng_per_l": np.round(np.exp(log_conc), 1), "has_condition": has_condition.astype(int)}
    )
    table = metrics.confusion_metrics(cohort["has_condition"], cohort["biomarker_ng_per_l"], threshold=CUTOFF)
    return cohort, table


def test_the_two_by_two_table_and_the_prose_numbers(lesson):
    cohort, table = lesson
    assert table.loc[["TP", "FN", "TN", "FP"], "value"].tolist() == [156, 42, 1425, 377]
    assert table.loc["sensitivity", "denominator"] == 198  # "only about 200 here"
    width = table["ci_upper"] - table["ci_lower"]
    assert width["sensitivity"] > 3 * width["specificity"]  # "several times wider"
    assert table.loc["LR-", "value"] == pytest.approx(0.27, abs=0.005)  # "an LR- of 0.27"
    # "a 10% pre-test probability down to about 3%: about 1 in 35"; "from 30%, about 1 in 10"
    after_negative = metrics.post_test_probability(0.10, table.loc["LR-", "value"])
    assert after_negative == pytest.approx(0.029, abs=0.001) and round(1 / after_negative) == 35
    assert metrics.post_test_probability(0.30, table.loc["LR-", "value"]) == pytest.approx(0.10, abs=0.005)
    # PPV at 2% (exercise 2's self-check), by Bayes' rule
    sens, spec = table.loc["sensitivity", "value"], table.loc["specificity", "value"]
    assert metrics.ppv_at_prevalence(sens, spec, 0.02) == pytest.approx(0.0714, abs=0.0005)


def test_verification_bias_inflates_sensitivity(lesson):
    cohort, table = lesson
    test_positive = (cohort["biomarker_ng_per_l"] >= CUTOFF).astype(int)
    verified = (test_positive == 1) | (np.random.default_rng(SEED + 1).random(len(cohort)) < 0.2)
    naive = metrics.confusion_metrics(cohort.loc[verified, "has_condition"], test_positive[verified])
    assert naive.loc["sensitivity", "value"] > table.loc["sensitivity", "value"] + 0.1  # "much higher"
    assert naive.loc["specificity", "value"] < table.loc["specificity", "value"]


def test_l01_ex4_post_test_after_negative(lesson):
    _, table = lesson
    lr_neg = table.loc["LR-", "value"]
    answer = metrics.post_test_probability(0.30, lr_neg)
    assert answer == pytest.approx(0.1031, abs=0.00005)  # documented next to the question
    assert exercises.check("l01_ex4_post_test_after_negative", answer).passed is True
    times_probability = exercises.check("l01_ex4_post_test_after_negative", round(0.30 * lr_neg, 4))
    assert times_probability.passed is False and "ODDS" in times_probability.hint
    from_ten = exercises.check(
        "l01_ex4_post_test_after_negative", round(metrics.post_test_probability(0.1, lr_neg), 4)
    )
    assert from_ten.passed is False and "30%" in from_ten.hint
    assert exercises.check("l01_ex4_post_test_after_negative", "ten percent").passed is False
    assert "percentage" in exercises.check("l01_ex4_post_test_after_negative", 10.31).hint
