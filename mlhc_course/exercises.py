"""Learner self-checks: instant, friendly feedback on a lesson's exercises.

A lesson asks a question, the learner computes an answer and passes it in::

    from mlhc_course import exercises
    exercises.check("l01_ex2_ppv_at_2_percent", my_answer)

:func:`check` returns a :class:`CheckResult` that renders as a coloured box in Jupyter. A wrong
answer gets a hint -- aimed at the commonest mistake where we know it -- and never raises, so a
notebook always runs top to bottom. An unanswered question (``None``) is reported as such. The
expected value is never shown: the point is to work it out.

These checks are for practice. Graded problem sets are nbgrader assignments (see
:mod:`mlhc_course.grading`).
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from numbers import Real
from typing import Any

__all__ = ["CheckResult", "check", "list_questions"]


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one self-check.

    Attributes
    ----------
    question_id : str
        The question checked, for example ``"l01_ex2_ppv_at_2_percent"``.
    passed : bool or None
        True if the answer is right, False if not, None if the question was not answered yet.
    message : str
        What the check found, in words.
    hint : str
        A nudge towards the right answer (empty when the answer passed).
    """

    question_id: str
    passed: bool | None
    message: str
    hint: str = ""

    def __bool__(self) -> bool:
        return self.passed is True

    def __str__(self) -> str:
        status = {True: "passed", False: "not yet right", None: "not answered yet"}[self.passed]
        text = f"{self.question_id} results: {status}. {self.message}"
        return f"{text}\nHint: {self.hint}" if self.hint else text

    def _repr_html_(self) -> str:
        icon, colour = {True: ("✅", "#1b7f3b"), False: ("❌", "#b00020"), None: ("✍️", "#555555")}[
            self.passed
        ]
        hint = f"<br><b>Hint:</b> {html.escape(self.hint)}" if self.hint else ""
        return (
            f'<div style="border-left: 4px solid {colour}; padding: 0.4em 0.8em;">'
            f"{icon} <b>{html.escape(self.question_id)}</b>: {html.escape(self.message)}{hint}</div>"
        )


@dataclass(frozen=True)
class _Question:
    prompt: str
    checker: Callable[[Any], tuple[bool, str]]
    hint: str
    #: specific wrong answers we can recognise, with a targeted hint for each
    mistakes: Mapping[Any, str] = field(default_factory=dict)
    #: how close a numeric answer must be to a listed mistake to get that mistake's hint; keep it
    #: well below the distance between the right answer and any listed mistake
    mistake_tol: float = 0.005


def _number(expected: float, *, abs_tol: float) -> Callable[[Any], tuple[bool, str]]:
    def checker(answer: Any) -> tuple[bool, str]:
        if isinstance(answer, bool) or not isinstance(answer, Real) or not math.isfinite(float(answer)):
            return False, f"Expected a single finite number; got {answer!r}."
        if math.isclose(float(answer), expected, abs_tol=abs_tol):
            return True, "Correct."
        return False, f"{float(answer):.4g} is not within {abs_tol:g} of the expected value."

    return checker


def _choice(expected: str, options: tuple[str, ...]) -> Callable[[Any], tuple[bool, str]]:
    def checker(answer: Any) -> tuple[bool, str]:
        given = str(answer).strip().lower()
        if given not in options:
            return False, f"Answer with one of {', '.join(repr(o) for o in options)}; got {answer!r}."
        if given == expected:
            return True, "Correct."
        return False, f"{answer!r} is not the right choice."

    return checker


# One entry per self-checked exercise. The question id matches the exercise label in the lesson.
# Expected values come from the lesson's own seeded data and are documented next to each entry.
_QUESTIONS: dict[str, _Question] = {
    # Lesson 1 (notebooks/01_test_accuracy.ipynb), seed 2026, cut-off 40 ng/L: sensitivity 156/198,
    # specificity 1425/1802, so PPV at 2% prevalence = 0.0714 by Bayes' rule.
    "l01_ex2_ppv_at_2_percent": _Question(
        prompt="PPV of the 40 ng/L cut-off at 2% prevalence, as a proportion between 0 and 1.",
        checker=_number(0.0714, abs_tol=0.002),
        hint="Use PPV = sens·p / (sens·p + (1 − spec)·(1 − p)) with p = 0.02 and the lesson's sensitivity "
        "and specificity at 40 ng/L. Give a proportion (0.05), not a percentage (5).",
        mistakes={
            0.293: "That is the PPV in the emergency department (10% prevalence). Recompute it for p = 0.02.",
            7.14: "That looks like a percentage: give the answer as a proportion between 0 and 1.",
        },
    ),
    # Lesson 1: sensitivity and specificity condition on the truth (columns of the 2x2 table);
    # predictive values condition on the test result (rows).
    "l01_q1_conditions_on_truth": _Question(
        prompt="Which metric conditions on the truth: 'sensitivity' or 'ppv'?",
        checker=_choice("sensitivity", ("sensitivity", "ppv")),
        hint="Sensitivity is computed among patients WITH the condition; PPV among patients who TEST positive.",
    ),
    # Lesson 1, exercise 4: LR- at 40 ng/L = (42/198) / (1425/1802) = 0.268; from a pre-test probability of
    # 30% (odds 0.429) a negative result leaves odds 0.115, a post-test probability of 0.103.
    "l01_ex4_post_test_after_negative": _Question(
        prompt="Post-test probability after a negative result at 40 ng/L, from a pre-test probability of 30%.",
        checker=_number(0.1031, abs_tol=0.002),
        hint="Convert to odds (0.30 / 0.70), multiply by LR- (table.loc['LR-', 'value']), convert back with "
        "odds / (1 + odds); or call metrics.post_test_probability(0.30, lr_neg). Give a proportion.",
        mistakes={
            0.0805: "That is 0.30 x LR-: the likelihood ratio multiplies the ODDS, not the probability.",
            0.0289: "That is the post-test probability from 10%, the department's prevalence. This patient's "
            "pre-test probability is 30%.",
            0.8969: "That is the probability of NOT having the condition after the negative result.",
            10.31: "That looks like a percentage: give the answer as a proportion between 0 and 1.",
        },
        mistake_tol=0.001,
    ),
    # Lesson 5 (notebooks/05_leakage.ipynb), seed 2026, 4,000 patients with repeat visits and leaky
    # features, patient-level split: logistic regression on the baseline features has test AUROC 0.800;
    # adding cardiology_referral alone gives 0.964, adding statin_at_followup alone 0.887.
    "l05_ex1_which_leak": _Question(
        prompt="Which post-outcome column inflates the AUROC more on its own: "
        "'cardiology_referral' or 'statin_at_followup'?",
        checker=_choice("cardiology_referral", ("cardiology_referral", "statin_at_followup")),
        hint="Fit the two models and compare their test AUROCs. In the datasheet, compare how often each "
        "column is 1 after an event and without one: the bigger the gap, the more it gives the outcome away.",
    ),
    # Lesson 5, exercise 2: make_primary_care_cohort(4000, missingness="informative", random_state=2026);
    # the AUROC of minus the number of missing lab panels (lipids, HbA1c, eGFR) is 0.667.
    "l05_ex2_missingness_auroc": _Question(
        prompt="AUROC of minus the number of missing lab panels for the 10-year CVD outcome.",
        checker=_number(0.667, abs_tol=0.005),
        hint="Count missing values of total_chol, hba1c and egfr per patient (0-3), then call "
        "metrics.roc_auc_ci(cohort.target, -count). The answer is between 0.5 and 1.",
        mistakes={
            0.333: "That is 1 minus the answer: you used the count itself. More missing panels means LOWER "
            "risk here, so score with minus the count.",
        },
    ),
    # Lesson 6 (notebooks/06_calibration_decision_curves.ipynb): a calibration slope below 1 means
    # predictions that are too extreme (Van Calster et al. 2019).
    "l06_q1_slope_below_one": _Question(
        prompt="A calibration slope below 1 means the predicted risks are 'too extreme' or 'too moderate'?",
        checker=_choice("too extreme", ("too extreme", "too moderate")),
        hint="The slope b multiplies the model's log-odds. If the best fit shrinks them (b < 1), high predicted "
        "risks were too high and low ones too low.",
    ),
    # Lesson 6, exercise 1, seed 2026: team A's logistic regression (statin-naive development cohort of
    # make_primary_care_cohort(3000)) on the statin-naive validation cohort (20000, seed 2027) has net
    # benefit 0.0194 at a 10% threshold (42.3 interventions avoided per 100); treat-all has -0.0276.
    "l06_ex1_net_benefit_at_10": _Question(
        prompt="Team A's net benefit at a 10% threshold, in net true positives per patient.",
        checker=_number(0.0194, abs_tol=0.0006),
        hint="Read the net benefit table at threshold 0.10, column 'team A (simple)'. Give it per patient "
        "(for example 0.012), not per 100 or per 1,000.",
        mistakes={
            19.4: "That is per 1,000 patients: give the net benefit per patient.",
            1.94: "That is per 100 patients: give the net benefit per patient.",
            42.3: "That is the number of interventions avoided per 100, not the net benefit.",
            -0.0276: "That is the net benefit of treating everyone. Read team A's column.",
        },
    ),
    # Lesson 6, exercise 3: make_primary_care_cohort(20000, random_state=2027); the published Framingham
    # equation ignores the statin effect (true HR 0.75), so in statin users O/E is about 0.8 (< 1).
    "l06_ex3_framingham_statin": _Question(
        prompt="In statin users, does the published Framingham equation 'overestimates' or "
        "'underestimates' the risk?",
        checker=_choice("overestimates", ("overestimates", "underestimates")),
        hint="Look at the O/E ratio and the calibration intercept among patients with statin == 1: "
        "O/E < 1 (intercept < 0) means fewer events than predicted.",
    ),
    # Lesson 8 (notebooks/08_early_warning_alarm_burden.ipynb), seed 2026, 2,000 admissions over 72 h charted
    # as often as NEWS2 asks (the default schedule): new alerts per day on a full 28-bed ward are 2.39 at
    # NEWS2 >= 5 and 1.69 at >= 6, so 6 is the lowest threshold within a budget of 2 a day
    # (tests/test_exercises_lessons.py recomputes this).
    "l08_ex1_threshold_for_budget": _Question(
        prompt="Lowest NEWS2 threshold (whole points) that keeps new alerts at or below 2 a day on the ward.",
        checker=_number(6, abs_tol=0.01),
        hint="In the `burden` table, go down the column alerts_per_ward_day and take the first threshold "
        "whose value is 2 or less.",
        mistakes={
            5.0: "5 is the hospital's current threshold, about 2.4 new alerts a day: over the budget of 2.",
            7.0: "NEWS2 >= 7 is within the budget, but is it the lowest threshold that is? Check 6.",
        },
    ),
    # Lesson 8, exercise 2: the same ward with deterioration_rate=0.02 (seed 2026); admission level
    # (highest NEWS2 4-24 h before the onset, or over the stay; deteriorations after the window left
    # out): 26 deteriorations, TP 15 and FP 221 at NEWS2 >= 5, so NNE = 236/15 = 15.73. The
    # observation-level NNE on that ward is 12.41.
    "l08_ex2_nne_low_acuity_ward": _Question(
        prompt="Admission-level NNE at NEWS2 >= 5 on the ward where 2% of admissions deteriorate.",
        checker=_number(15.73, abs_tol=0.05),
        hint="Regenerate the ward with deterioration_rate=0.02, rebuild per_admission exactly as in the lesson "
        "(same MIN_WARNING_H), call metrics.threshold_table(..., [5]) and read the NNE column (1/PPV).",
        mistakes={
            12.41: "That is the observation-level NNE. The question asks for patients: build the "
            "admission-level table (one row per admission) first.",
            0.064: "That is the PPV. The NNE is its reciprocal, 1/PPV.",
        },
    ),
    # Lesson 8, exercise 5: on the lesson's ward, 28 of the 81 deteriorations in the window get no alert 4-24 h
    # ahead at NEWS2 >= 5, and 13 of those 28 are sudden: 13/28 = 0.464 (13 of the 15 sudden ones are missed).
    "l08_ex5_missed_sudden_share": _Question(
        prompt="Share of the deteriorating patients with no alert 4-24 h ahead at NEWS2 >= 5 who were sudden.",
        checker=_number(0.464, abs_tol=0.01),
        hint="In the cross-table of deterioration_type against 'warned', take the 'not warned' column: the "
        "sudden count divided by the column total.",
        mistakes={
            0.867: "That is the share of sudden deteriorations that were missed (13 of 15). The question "
            "starts from the missed patients: what share of THEM were sudden?",
            0.16: "That divides by all 81 deteriorations. Divide by the patients who got no alert.",
        },
    ),
    # Lesson 9 (notebooks/09_shift_drift_label_bias.ipynb), exercise 1: the model is used only in the
    # practices that developed it, in later years, so the question is temporal (Steyerberg & Harrell 2016).
    "l09_ex1_validation_design": _Question(
        prompt="Held-out set for a model used only in its development practices, from next year: "
        "'random', 'temporal' or 'site'?",
        checker=_choice("temporal", ("random", "temporal", "site")),
        hint="Ask what will differ between the development data and the patients the model will meet: the "
        "practices, the calendar time, or neither? Choose the held-out set that differs in the same way.",
        mistakes={
            "site": "Other practices answer 'will it work elsewhere?'. Here the model stays in the same "
            "practices: what will differ is the time.",
            "random": "A random split answers 'did we overfit?'. It mixes later years into development, "
            "so it cannot show drift.",
        },
    ),
    # Lesson 9, exercise 2: make_primary_care_cohort(8000, sites=12, site_shift=0.0, random_state=2026),
    # patients not on a statin at baseline, development P01-P08 (30% internal test), external P09-P12:
    # pooled external O/E 1.009 (0.912 with site_shift=1.0, as in the lesson).
    "l09_ex2_oe_exchangeable_practices": _Question(
        prompt="Pooled O/E in the external practices P09-P12 when site_shift=0.0.",
        checker=_number(1.009, abs_tol=0.01),
        hint="Regenerate the cohort with site_shift=0.0, keep the statin-naive patients (statin_naive), repeat "
        "site_split, patient_split and the fit, then read site_report.loc['O/E', 'external']. It is a ratio: 1 means as many events as predicted.",
        mistakes={
            0.912: "That is the O/E with site_shift=1.0, the lesson's own figure. Regenerate the cohort with "
            "site_shift=0.0 first.",
        },
    ),
    # Lesson 9, exercise 3: make_primary_care_cohort(8000, label_bias=0.25, random_state=2026), patients not
    # on a statin at baseline, patient split 30%, model trained on event_recorded: sensitivity at 10% in
    # women against event_true is 8/52 = 0.154 (4/52 = 0.077 with label_bias=0.5; 21/52 = 0.404 for the
    # model trained on event_true).
    "l09_ex3_women_sensitivity": _Question(
        prompt="Sensitivity at the 10% threshold in women, against the true events, with label_bias=0.25.",
        checker=_number(0.154, abs_tol=0.005),
        hint="Regenerate the cohort with label_bias=0.25, fit on event_recorded, and call "
        "audit.subgroup_report(test_b['event_true'], risk, sex, threshold=0.10); read the female "
        "sensitivity.",
        mistakes={
            0.077: "That is the lesson's figure with label_bias=0.5. Regenerate the cohort with label_bias=0.25.",
            0.404: "That is the model trained on the true events. The question asks about the model trained on "
            "event_recorded.",
        },
    ),
}


def list_questions() -> list[str]:
    """The ids of every question that has a self-check.

    Returns
    -------
    ids : list of str
        Sorted question ids, for example ``"l01_ex2_ppv_at_2_percent"``.

    Examples
    --------
    >>> "l01_q1_conditions_on_truth" in list_questions()
    True
    """
    return sorted(_QUESTIONS)


def _matching_mistake(question: _Question, answer: Any) -> str | None:
    for wrong, hint in question.mistakes.items():
        if isinstance(wrong, float) and isinstance(answer, Real) and not isinstance(answer, bool):
            if math.isfinite(float(answer)) and math.isclose(
                float(answer), wrong, abs_tol=question.mistake_tol
            ):
                return hint
        elif answer == wrong:
            return hint
    return None


def check(question_id: str, answer: Any) -> CheckResult:
    """Check a learner's answer to a lesson exercise.

    Parameters
    ----------
    question_id : str
        The exercise's id, as given in the lesson (see :func:`list_questions`).
    answer : object
        The learner's answer. ``None`` means "not answered yet".

    Returns
    -------
    result : CheckResult
        ``passed`` is True, False, or None (not answered). A wrong answer comes with a hint.
        Displays as a coloured box in Jupyter; ``bool(result)`` is True only when it passed.

    Raises
    ------
    KeyError
        If ``question_id`` is unknown; the message lists the valid ids.

    Examples
    --------
    >>> check("l01_q1_conditions_on_truth", "sensitivity").passed
    True
    >>> check("l01_q1_conditions_on_truth", "ppv").passed
    False
    >>> check("l01_q1_conditions_on_truth", None).passed is None
    True
    """
    if question_id not in _QUESTIONS:
        raise KeyError(f"Unknown question id {question_id!r}. Valid ids: {', '.join(list_questions())}.")
    question = _QUESTIONS[question_id]
    if answer is None:
        return CheckResult(
            question_id, None, "Not answered yet: replace None with your answer.", question.hint
        )
    try:
        passed, message = question.checker(answer)
    except Exception as exc:  # an odd answer type must never crash a learner's notebook
        passed, message = False, f"Could not check this answer ({type(exc).__name__}: {exc})."
    if passed:
        return CheckResult(question_id, True, message)
    return CheckResult(question_id, False, message, _matching_mistake(question, answer) or question.hint)
