"""Learner self-checks: right answers pass, wrong ones get a hint, nothing raises but an unknown id."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix

from mlhc_course import exercises
from mlhc_course.metrics import ppv_at_prevalence


def _lesson01_cohort():
    """Lesson 1's synthetic cohort, regenerated exactly as the notebook does (seed 2026)."""
    rng = np.random.default_rng(2026)
    has_condition = rng.random(2_000) < 0.10
    log_conc = np.where(has_condition, rng.normal(4.5, 0.8, 2_000), rng.normal(3.0, 0.8, 2_000))
    return has_condition.astype(int), np.round(np.exp(log_conc), 1)


def test_lesson01_expected_ppv_matches_the_lesson_data():
    y, biomarker = _lesson01_cohort()
    tn, fp, fn, tp = confusion_matrix(y, (biomarker >= 40.0).astype(int)).ravel()
    ppv = ppv_at_prevalence(tp / (tp + fn), tn / (tn + fp), 0.02)
    assert exercises.check("l01_ex2_ppv_at_2_percent", float(ppv)).passed is True
    # and the "ED PPV" mistake the hint targets is the lesson's real PPV at 10% prevalence
    assert tp / (tp + fp) == pytest.approx(0.293, abs=0.001)


@pytest.mark.parametrize(
    ("answer", "hint_fragment"),
    [(0.293, "emergency department"), (7.14, "percentage"), (0.5, "PPV = sens"), ("abc", "PPV = sens")],
)
def test_wrong_answers_get_a_hint_and_never_raise(answer, hint_fragment):
    result = exercises.check("l01_ex2_ppv_at_2_percent", answer)
    assert result.passed is False and not result
    assert hint_fragment in result.hint


def test_unanswered_is_neither_pass_nor_fail():
    result = exercises.check("l01_ex2_ppv_at_2_percent", None)
    assert result.passed is None
    assert "Not answered" in result.message


def test_choice_question_is_case_insensitive():
    assert exercises.check("l01_q1_conditions_on_truth", " Sensitivity ").passed
    assert not exercises.check("l01_q1_conditions_on_truth", "PPV").passed
    assert "one of" in exercises.check("l01_q1_conditions_on_truth", "npv").message


def test_unknown_id_lists_valid_ids():
    with pytest.raises(KeyError, match="l01_ex2_ppv_at_2_percent"):
        exercises.check("no_such_question", 1)


def test_result_renders_in_text_and_html():
    good = exercises.check("l01_q1_conditions_on_truth", "sensitivity")
    bad = exercises.check("l01_q1_conditions_on_truth", "ppv")
    assert "passed" in str(good) and "✅" in good._repr_html_()
    assert "Hint:" in str(bad) and "❌" in bad._repr_html_() and "<b>Hint:</b>" in bad._repr_html_()


def test_mistake_hints_use_the_question_tolerance():
    from mlhc_course.exercises import _matching_mistake, _number, _Question

    q = _Question("p", _number(0.02, abs_tol=0.001), "generic", {0.03: "targeted"}, mistake_tol=0.002)
    assert _matching_mistake(q, 0.031) == "targeted"
    assert _matching_mistake(q, 0.026) is None  # near, but not within this question's tolerance


LESSONS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_every_lesson_has_at_least_three_self_checks(lesson):
    """Each lesson ends with at least 3 self-checked exercises, each checked by a known id of its own lesson."""
    import nbformat

    code = "\n".join(c.source for c in nbformat.read(lesson, as_version=4).cells if c.cell_type == "code")
    ids = set(re.findall(r"exercises\.check\(\s*[\"'](\w+)[\"']", code))
    assert len(ids) >= 3, f"{lesson.name} has {len(ids)} self-checks: {sorted(ids)}"
    prefix = f"l{lesson.name[:2]}_"
    assert all(i.startswith(prefix) for i in ids), sorted(ids)
    unknown = ids - set(exercises._QUESTIONS)
    assert not unknown, f"{lesson.name} checks unknown ids {sorted(unknown)}"
