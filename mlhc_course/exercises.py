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
    # Lesson 5 (notebooks/05_leakage.ipynb), seed 2026, 4,000 patients with repeat visits and leaky
    # features, patient-level split: logistic regression on the baseline features has test AUROC 0.797;
    # adding cardiology_referral alone gives 0.963, adding statin_at_followup alone 0.887.
    "l05_ex1_which_leak": _Question(
        prompt="Which post-outcome column inflates the AUROC more on its own: "
        "'cardiology_referral' or 'statin_at_followup'?",
        checker=_choice("cardiology_referral", ("cardiology_referral", "statin_at_followup")),
        hint="Fit the two models and compare their test AUROCs. In the datasheet, compare how often each "
        "column is 1 after an event and without one: the bigger the gap, the more it gives the outcome away.",
    ),
    # Lesson 5, exercise 2: make_primary_care_cohort(4000, missingness="informative", random_state=2026);
    # the AUROC of minus the number of missing lab panels (lipids, HbA1c, eGFR) is 0.684.
    "l05_ex2_missingness_auroc": _Question(
        prompt="AUROC of minus the number of missing lab panels for the 10-year CVD outcome.",
        checker=_number(0.684, abs_tol=0.005),
        hint="Count missing values of total_chol, hba1c and egfr per patient (0-3), then call "
        "metrics.roc_auc_ci(cohort.target, -count). The answer is between 0.5 and 1.",
        mistakes={
            0.316: "That is 1 minus the answer: you used the count itself. More missing panels means LOWER "
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
    # benefit 0.0183 at a 10% threshold (43.8 interventions avoided per 100); treat-all has -0.0304.
    "l06_ex1_net_benefit_at_10": _Question(
        prompt="Team A's net benefit at a 10% threshold, in net true positives per patient.",
        checker=_number(0.0183, abs_tol=0.0006),
        hint="Read the net benefit table at threshold 0.10, column 'team A (simple)'. Give it per patient "
        "(for example 0.012), not per 100 or per 1,000.",
        mistakes={
            18.3: "That is per 1,000 patients: give the net benefit per patient.",
            1.83: "That is per 100 patients: give the net benefit per patient.",
            43.8: "That is the number of interventions avoided per 100, not the net benefit.",
            -0.0304: "That is the net benefit of treating everyone. Read team A's column.",
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
    # Lesson 8 (notebooks/08_early_warning_alarm_burden.ipynb), seed 2026, 2,000 admissions over 72 h:
    # new alerts per day on a full 28-bed ward are 4.77 at NEWS2 >= 6 and 2.83 at >= 7, so 7 is the
    # lowest threshold within a budget of 4 a day (tests/test_exercises_lessons.py recomputes this).
    "l08_ex1_threshold_for_budget": _Question(
        prompt="Lowest NEWS2 threshold (whole points) that keeps new alerts at or below 4 a day on the ward.",
        checker=_number(7, abs_tol=0.01),
        hint="In the `burden` table, go down the column alerts_per_ward_day and take the first threshold "
        "whose value is 4 or less.",
        mistakes={
            6.0: "At NEWS2 >= 6 the ward gets about 4.8 new alerts a day: over the budget of 4.",
            5.0: "5 is the hospital's current threshold, about 8.4 new alerts a day: over the budget of 4.",
        },
    ),
    # Lesson 8, exercise 2: the same ward with deterioration_rate=0.02 (seed 2026); admission level
    # (highest NEWS2 4-24 h before the onset, or over the stay; deteriorations after the window left
    # out): 38 deteriorations, TP 38 and FP 605 at NEWS2 >= 5, so NNE = 643/38 = 16.92. The
    # observation-level NNE on that ward is 9.28.
    "l08_ex2_nne_low_acuity_ward": _Question(
        prompt="Admission-level NNE at NEWS2 >= 5 on the ward where 2% of admissions deteriorate.",
        checker=_number(16.92, abs_tol=0.05),
        hint="Regenerate the ward with deterioration_rate=0.02, rebuild per_admission exactly as in the lesson "
        "(same MIN_WARNING_H), call metrics.threshold_table(..., [5]) and read the NNE column (1/PPV).",
        mistakes={
            9.28: "That is the observation-level NNE. The question asks for patients: build the "
            "admission-level table (one row per admission) first.",
            0.059: "That is the PPV. The NNE is its reciprocal, 1/PPV.",
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
    # development P01-P08 (30% internal test), external P09-P12: pooled external O/E 0.990 (0.900 with
    # site_shift=1.0, as in the lesson).
    "l09_ex2_oe_exchangeable_practices": _Question(
        prompt="Pooled O/E in the external practices P09-P12 when site_shift=0.0.",
        checker=_number(0.990, abs_tol=0.01),
        hint="Regenerate the cohort with site_shift=0.0, repeat site_split, patient_split and the fit, then read "
        "site_report.loc['O/E', 'external']. It is a ratio: 1 means as many events as predicted.",
        mistakes={
            0.900: "That is the O/E with site_shift=1.0, the lesson's own figure. Regenerate the cohort with "
            "site_shift=0.0 first.",
        },
    ),
    # Lesson 9, exercise 3: make_primary_care_cohort(8000, label_bias=0.25, random_state=2026), patient split
    # 30%, model trained on event_recorded: sensitivity at 10% in women against event_true is 26/76 = 0.342
    # (0.184 with label_bias=0.5; 0.447 for the model trained on event_true).
    "l09_ex3_women_sensitivity": _Question(
        prompt="Sensitivity at the 10% threshold in women, against the true events, with label_bias=0.25.",
        checker=_number(0.342, abs_tol=0.005),
        hint="Regenerate the cohort with label_bias=0.25, fit on event_recorded, and call "
        "audit.subgroup_report(test_b['event_true'], risk, sex, threshold=0.10); read the female "
        "sensitivity.",
        mistakes={
            0.184: "That is the lesson's figure with label_bias=0.5. Regenerate the cohort with label_bias=0.25.",
            0.447: "That is the model trained on the true events. The question asks about the model trained on "
            "event_recorded.",
        },
    ),
    # ---- Lesson 10: Survival analysis: time, censoring and the C-index ----
    # Lesson 10 (notebooks/10_survival_analysis.ipynb), exercise 1: make_primary_care_cohort(20000,
    # random_state=2026) with survival.censor_at_rate(rate=0.15, random_state=2026): the naive 10-year risk
    # (censored counted as event-free) is 0.048; complete cases 0.249, Kaplan-Meier 0.112; truth 0.102.
    "l10_ex1_naive_risk_heavy_loss": _Question(
        prompt="Naive 10-year risk (observed events by 10 years / all patients) with 15% extra loss a year.",
        checker=_number(0.048, abs_tol=0.002),
        hint="Call compare_estimates(0.15) and read the 'naive' entry. Give a proportion (0.05), not a "
        "percentage (5).",
        mistakes={
            0.249: "That is the complete-case estimate. The naive one keeps everyone and counts the censored "
            "as event-free.",
            0.112: "That is the Kaplan-Meier estimate. The question asks for the naive one.",
            0.086: "That is the naive estimate without extra loss. Use an extra loss of 0.15 a year.",
            4.8: "That looks like a percentage: give the answer as a proportion between 0 and 1.",
        },
        mistake_tol=0.0015,
    ),
    # Lesson 10, exercise 2: Kaplan-Meier 10-year cumulative incidence 0.203 in statin users against 0.074
    # in non-users (log-rank chi-square 711): confounding by indication.
    "l10_ex2_statin_km": _Question(
        prompt="Which group has the higher 10-year cumulative incidence of CVD: 'statin' or 'no statin'?",
        checker=_choice("statin", ("statin", "no statin")),
        hint="Compute survival.risk_at_horizon(t[group], e[group], HORIZON) for statin == 1 and statin == 0 "
        "and compare.",
        mistakes={
            "no statin": "Statins lower the hazard, but look at the data: they are given to patients at high "
            "risk. Compute the two cumulative incidences and compare.",
        },
    ),
    # Lesson 10, exercise 3: Cox model with the Framingham terms and statin, men of the seed-2026 cohort:
    # smoker HR 2.04 (95% CI 1.82 to 2.29); the true HR is exp(0.65451) = 1.92, the coefficient 0.714.
    "l10_ex3_smoker_hr_men": _Question(
        prompt="Estimated hazard ratio for current smoking in men (the Cox model of the lesson).",
        checker=_number(2.04, abs_tol=0.01),
        hint="Read cox_models['male'].hazard_ratios_['smoker'], or the 'estimated HR' column of the hazard "
        "ratio table.",
        mistakes={
            0.714: "That is the coefficient, the log hazard ratio. The hazard ratio is exp(coef).",
            1.92: "That is the true hazard ratio of the simulation. Give the model's estimate.",
            1.72: "That is the estimate in women. The question asks about men.",
        },
    ),
    # Lesson 10, exercise 4: make_primary_care_cohort(20000, random_state=2027): Harrell's C of
    # framingham_risk is 0.772; lifelines' concordance_index given the risk itself returns 1 - C = 0.228.
    "l10_ex4_cindex_framingham": _Question(
        prompt="Harrell's C-index of the published Framingham risk in the validation cohort.",
        checker=_number(0.772, abs_tol=0.003),
        hint="Call metrics.concordance_index(t_val, e_val, validation['framingham_risk']): time, event, then "
        "the risk (higher = worse).",
        mistakes={
            0.228: "That is 1 - C: lifelines' concordance_index expects a predicted survival time, so a risk "
            "passed to it straight is read backwards. Use metrics.concordance_index.",
        },
    ),
    # ---- Lesson 11: From prediction to treatment: confounding, propensity scores and the true effect ----
    # Lesson 11 (notebooks/11_causal_inference.ipynb), exercise 1: make_primary_care_cohort(20000,
    # random_state=2026): SMD of ln(age), statin users minus non-users, 1.206 before adjustment (-0.083 after
    # stabilised IPW).
    "l11_ex1_smd_ln_age": _Question(
        prompt="Standardised mean difference of ln_age between statin users and non-users, before adjustment.",
        checker=_number(1.206, abs_tol=0.01),
        hint="Read balance.loc['ln_age', 'before'], or call causal.standardized_mean_difference(X, statin).",
        mistakes={
            -1.206: "The sign is reversed: the SMD is treated minus untreated, and statin users are older.",
            -0.083: "That is the SMD after IPW. The question asks for the imbalance before any adjustment.",
        },
    ),
    # Lesson 11, exercise 2: the propensity model without diabetes gives a stabilised-IPW HR of 0.854 (0.806
    # with diabetes); the SMD of diabetes after that weighting is 0.346.
    "l11_ex2_ipw_without_diabetes": _Question(
        prompt="IPW hazard ratio of statin when diabetes is left out of the propensity model.",
        checker=_number(0.854, abs_tol=0.005),
        hint="Fit LogisticRegression(C=np.inf, max_iter=5000) on X.drop(columns='diabetes'), then "
        "causal.ipw_weights(statin, p) and causal.weighted_cox_hr(time, event, statin, weights=w).hr.",
        mistakes={
            0.806: "That is the IPW HR with diabetes in the propensity model. Drop diabetes and refit.",
            0.75: "That is the true HR. The question asks what the analysis with a confounder left out gives.",
        },
    ),
    # Lesson 11, exercise 3: LDL one year after a statin is started is a mediator (post-treatment): adjusting
    # for it blocks part of the effect (Hernan & Robins, Causal Inference: What If, 2020).
    "l11_ex3_post_treatment_ldl": _Question(
        prompt="Adjust the statin HR for LDL cholesterol measured one year after baseline: 'adjust' or "
        "'do not adjust'?",
        checker=_choice("do not adjust", ("adjust", "do not adjust")),
        hint="Ask whether the variable is measured before or after the treatment decision, and whether the "
        "statin changes it. Draw it into the DAG.",
        mistakes={
            "adjust": "LDL one year later is lowered by the statin: it lies on the path statin -> LDL -> CVD "
            "(a mediator). Adjusting for it removes part of the effect you want to estimate.",
        },
    ),
    # Lesson 11, exercise 4: logistic regression of event_recorded on age, male and statin: statin log-odds
    # coefficient +0.201 (a marker of high risk); with all eight confounders it is -0.257.
    "l11_ex4_prediction_coefficient": _Question(
        prompt="Sign of the statin coefficient in the prediction model with age, sex and statin: 'positive' "
        "or 'negative'?",
        checker=_choice("positive", ("positive", "negative")),
        hint="Print coefficients['statin'] from the prediction model of the lesson.",
        mistakes={
            "negative": "Statins do lower the risk, but this model does not adjust for the risk factors that "
            "led to the prescription. Print the fitted coefficient.",
        },
    ),
    # ---- Lesson 12: Clinical text: from notes to features, and why negation matters ----
    # Lesson 12 (notebooks/12_clinical_text.ipynb), exercise 1: load_clinical_notes() (2,000 notes): a keyword
    # search for PE flags 870 notes, 292 of them confirmed: PPV 0.336 (sensitivity 1, prevalence 0.146).
    "l12_ex1_keyword_ppv": _Question(
        prompt="PPV of the keyword search for PE, as a proportion.",
        checker=_number(0.336, abs_tol=0.003),
        hint="Read keyword_table.loc['PPV', 'value']: confirmed PEs among the notes that mention PE. Give a "
        "proportion (0.5), not a percentage (50).",
        mistakes={
            1.0: "That is the sensitivity. The PPV is the share of flagged notes that describe a confirmed PE.",
            0.146: "That is the prevalence of confirmed PE among all notes. The PPV counts only flagged notes.",
            33.6: "That looks like a percentage: give the answer as a proportion between 0 and 1.",
        },
    ),
    # Lesson 12, exercise 2: "PE not excluded, started LMWH pending CTPA" is uncertain (ConText; "not excluded"
    # is matched before "not").
    "l12_ex2_not_excluded": _Question(
        prompt="Status of PE in 'PE not excluded, started LMWH pending CTPA': 'affirmed', 'negated', "
        "'uncertain', 'family' or 'historical'?",
        checker=_choice("uncertain", ("affirmed", "negated", "uncertain", "family", "historical")),
        hint="Run text.mention_status on the sentence, and ask whether the diagnosis is made, excluded or "
        "still open.",
        mistakes={
            "negated": "'Not excluded' means the diagnosis is still open: it is uncertain, not negated. A rule "
            "that reads 'not' alone gets this wrong.",
            "affirmed": "LMWH was started while waiting for the CTPA: treatment is not a confirmed diagnosis.",
        },
    ),
    # Lesson 12, exercise 3: trained on the notes that never spell out "pulmonary embolism" (1,800), the
    # bag-of-words model finds 0 of the 76 confirmed PEs among the 200 notes that do (the rule finds all 76).
    "l12_ex3_heldout_sensitivity": _Question(
        prompt="Sensitivity of the bag-of-words model on the held-out phrasing, as a proportion.",
        checker=_number(0.0, abs_tol=0.005),
        hint="Read the 'sensitivity' column of the held-out phrasing table, row 'bag of words'.",
        mistakes={
            1.0: "That is the keyword + NegEx rule. The question asks about the bag-of-words model.",
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
