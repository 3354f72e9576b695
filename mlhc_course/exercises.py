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


def _boolean(expected: bool, wrong_hint: str) -> Callable[[Any], tuple[bool, str, str]]:
    def checker(answer: Any) -> tuple[bool, str, str]:
        if type(answer).__name__ not in ("bool", "bool_"):  # Python's bool or numpy's
            return False, f"Expected True or False (without quotes); got {answer!r}.", ""
        if bool(answer) is expected:
            return True, "Correct.", ""
        return False, f"{answer!r} is not right.", wrong_hint

    return checker


@dataclass(frozen=True)
class _Case:
    """One call of a learner's function: its arguments, the expected result and a hint if it fails.

    ``expected`` is a value, or an exception class that the call must raise (input validation).
    """

    args: Mapping[str, Any]
    expected: Any
    hint: str


def _describe_call(name: str, args: Mapping[str, Any]) -> str:
    return f"{name}({', '.join(f'{k}={v!r}' for k, v in args.items())})"


def _function(name: str, cases: tuple[_Case, ...]) -> Callable[[Any], tuple[bool, str, str]]:
    """A checker that calls the learner's function on boundary cases, positionally, in order.

    The first failing case is named in the message, and its own hint is returned. Whatever the
    learner's function does (returns None, raises, returns a string), the checker never raises.
    """

    def checker(answer: Any) -> tuple[bool, str, str]:
        if not callable(answer) or isinstance(answer, type):
            return (
                False,
                f"Expected a function (defined with def); got {answer!r}.",
                f"Pass the function itself, without brackets: {name}, not {name}(...).",
            )
        for case in cases:
            call = _describe_call(name, case.args)
            must_raise = isinstance(case.expected, type) and issubclass(case.expected, BaseException)
            try:
                result = answer(*case.args.values())
            except Exception as exc:  # the learner's code: report it, never propagate it
                if must_raise and isinstance(exc, case.expected):
                    continue
                return False, f"{call} raised {type(exc).__name__}: {exc}", case.hint
            if must_raise:
                return (
                    False,
                    f"{call} returned {result!r} instead of raising {case.expected.__name__}.",
                    case.hint,
                )
            if result is None:
                return (
                    False,
                    f"{call} returned None: did the function forget to `return` its result?",
                    case.hint,
                )
            if isinstance(result, bool) or not isinstance(result, Real) or result != case.expected:
                return False, f"{call} returned {result!r}; expected {case.expected!r}.", case.hint
        return True, f"Correct on all {len(cases)} test cases, boundaries included."

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
    # ---- Lesson 00: Python for clinicians: code a clinical calculator ----
    # notebooks/00_python_for_clinicians.ipynb. CURB-65 (Lim et al., Thorax 2003;58:377-82): a point each
    # for new confusion, urea > 7 mmol/L, respiratory rate >= 30/min, SBP < 90 or DBP <= 60 mmHg (one
    # criterion), age >= 65. CRB-65 drops urea. Expected values and cases are tested in
    # tests/test_lesson_00_python_for_clinicians.py.
    "l00_ex1_urea_boundary": _Question(
        prompt="Does a urea of exactly 7.0 mmol/L score the CURB-65 urea point? True or False.",
        checker=_boolean(
            False,
            "CURB-65 gives the point for urea ABOVE 7 mmol/L (> 7, not >= 7): 7.0 is not above 7. "
            "Run 7.0 > 7 in a cell.",
        ),
        hint="Look at Lim et al.'s criterion, then run 7.0 > 7 in a cell: it prints True or False.",
    ),
    "l00_ex2_crb65": _Question(
        prompt="A function crb65(confusion, resp_rate, sbp, dbp, age) returning the CRB-65 score (0-4).",
        checker=_function(
            "crb65",
            (
                _Case(
                    {"confusion": False, "resp_rate": 29, "sbp": 90, "dbp": 61, "age": 64},
                    0,
                    "Every value here is just on the safe side: RR 29 (< 30), SBP 90 (not < 90), DBP 61 "
                    "(not <= 60), age 64 (< 65). None of them scores.",
                ),
                _Case(
                    {"confusion": True, "resp_rate": 20, "sbp": 120, "dbp": 80, "age": 40},
                    1,
                    "New confusion scores 1 point: `if confusion:` adds it.",
                ),
                _Case(
                    {"confusion": False, "resp_rate": 30, "sbp": 120, "dbp": 80, "age": 40},
                    1,
                    "A respiratory rate of 30/min scores: the criterion is >= 30, not > 30.",
                ),
                _Case(
                    {"confusion": False, "resp_rate": 20, "sbp": 89, "dbp": 80, "age": 40},
                    1,
                    "A systolic BP of 89 mmHg scores: the criterion is systolic < 90.",
                ),
                _Case(
                    {"confusion": False, "resp_rate": 20, "sbp": 120, "dbp": 60, "age": 40},
                    1,
                    "A diastolic BP of 60 mmHg scores: the criterion is diastolic <= 60.",
                ),
                _Case(
                    {"confusion": False, "resp_rate": 20, "sbp": 85, "dbp": 55, "age": 40},
                    1,
                    "Low systolic AND low diastolic BP are ONE criterion (the B of CRB-65): 1 point, not 2. "
                    "Use one `if` with `or`.",
                ),
                _Case(
                    {"confusion": False, "resp_rate": 20, "sbp": 120, "dbp": 80, "age": 65},
                    1,
                    "Age 65 scores: the criterion is age >= 65.",
                ),
                _Case(
                    {"confusion": True, "resp_rate": 35, "sbp": 85, "dbp": 50, "age": 80},
                    4,
                    "Every criterion is met here, so the score is the maximum, 4. Does each `if` add 1?",
                ),
            ),
        ),
        hint="Start from the lesson's curb65 function, remove the urea criterion, and test each boundary.",
    ),
    "l00_ex3_checked_resp_rate": _Question(
        prompt="A function checked_resp_rate(resp_rate) that returns the rate if 0 <= rate <= 100 /min and "
        "raises ValueError otherwise.",
        checker=_function(
            "checked_resp_rate",
            (
                _Case(
                    {"resp_rate": 30}, 30, "A possible value must come back unchanged: `return resp_rate`."
                ),
                _Case({"resp_rate": 0}, 0, "0/min (apnoea) is possible: the limits 0 and 100 are allowed."),
                _Case(
                    {"resp_rate": 100}, 100, "100/min is the upper limit and is allowed: use > 100 to reject."
                ),
                _Case(
                    {"resp_rate": -1},
                    ValueError,
                    "A negative rate is impossible: raise ValueError for values below 0 too.",
                ),
                _Case(
                    {"resp_rate": 300},
                    ValueError,
                    "300/min is a typing error (for 30?): `raise ValueError(...)` when the rate is above 100.",
                ),
                _Case(
                    {"resp_rate": 101},
                    ValueError,
                    "Above 100/min must raise ValueError: use > 100, not > 101.",
                ),
            ),
        ),
        hint='Use `if resp_rate < 0 or resp_rate > 100: raise ValueError("...")`, then `return resp_rate`.',
    ),
    # The lesson's eight AF patients: CHA2DS2-VASc 1, 2, 2, 2, 1, 9, 2, 1, so 5 score 2 or more.
    "l00_ex4_count_cha2ds2_vasc": _Question(
        prompt="How many of the lesson's eight patients with atrial fibrillation have a CHA2DS2-VASc of 2 or more?",
        checker=_number(5, abs_tol=0.01),
        hint="Loop over `af_patients`, call cha2ds2_vasc(patient) for each, and add 1 to a counter when the "
        "score is >= 2.",
        mistakes={
            1.0: "That counts scores MORE than 2 (> 2). The question asks for 2 or more (>= 2).",
            20.0: "That is the sum of all the scores. Count the patients whose score is >= 2 instead.",
            8.0: "That is every patient: add 1 only when the score is >= 2 (inside an `if`).",
        },
    ),
    # The lesson's ten pneumonia patients: CURB-65 0, 0, 2, 5, 2, 3, 0, 3, 1, 5, so 4/10 score 3 or more.
    "l00_ex5_share_curb65_high": _Question(
        prompt="Proportion of the ten pneumonia patients in the table with a CURB-65 score of 3 or more.",
        checker=_number(0.4, abs_tol=0.001),
        hint="Compare the curb65 column with 3 (>= 3) and take the mean of the True/False values: "
        "`(table['curb65'] >= 3).mean()`.",
        mistakes={
            40.0: "That is a percentage: give a proportion between 0 and 1.",
            4.0: "That is the number of patients: divide by the number of rows to get a proportion.",
            0.2: "That counts scores above 3 (> 3). The question asks for 3 or more (>= 3).",
        },
    ),
    # NEWS2 respiration rate (RCP 2017): <=8: 3; 9-11: 1; 12-20: 0; 21-24: 2; >=25: 3.
    "l00_ex6_news2_resp_rate": _Question(
        prompt="A function resp_rate_points(resp_rate) returning NEWS2 points for a respiration rate.",
        checker=_function(
            "resp_rate_points",
            (
                _Case({"resp_rate": 16}, 0, "12-20/min scores 0 points."),
                _Case({"resp_rate": 8}, 3, "8/min or less scores 3 points: <= 8."),
                _Case({"resp_rate": 9}, 1, "9/min scores 1 point (9-11)."),
                _Case({"resp_rate": 11}, 1, "11/min scores 1 point (9-11)."),
                _Case({"resp_rate": 12}, 0, "12/min scores 0 points (12-20)."),
                _Case({"resp_rate": 20}, 0, "20/min scores 0 points (12-20)."),
                _Case(
                    {"resp_rate": 21},
                    2,
                    "21/min scores 2 points (21-24). Note: there is no 1-point band above 20.",
                ),
                _Case({"resp_rate": 24}, 2, "24/min scores 2 points (21-24)."),
                _Case({"resp_rate": 25}, 3, "25/min or more scores 3 points: >= 25."),
                _Case({"resp_rate": 4}, 3, "Any rate of 8/min or less scores 3 points."),
            ),
        ),
        hint="Write the chart row as if/elif from the lowest band up: <= 8, <= 11, <= 20, <= 24, else.",
    ),
    # ---- Lesson 03: A first risk model: logistic regression, odds ratios and the true risk ----
    # notebooks/03_first_risk_model.ipynb, seed 2026: make_primary_care_cohort(10000, missingness="random",
    # missing_rate=0.1), statin-naive complete cases, patient split 30%: 5,026 training patients, 356 events.
    # Unpenalised LR on 8 predictors: OR of SBP per 10 mmHg 1.166 (per 1 mmHg 1.015); smoking OR 2.180,
    # implying RR 1.610 at a 30% risk without smoking. Splines (4 knots, cubic, no bias column) for age and
    # SBP: 16 parameters, 22.25 events per parameter (linear: 8, 44.5). Test set: the decision at 10%
    # differs from the true-risk decision for 5.01% of patients with splines (5.52% linear). Recomputed in
    # tests/test_lesson_03_first_risk_model.py.
    "l03_ex1_or_sbp_per_10": _Question(
        prompt="Odds ratio of systolic BP per 10 mmHg in the lesson's logistic regression.",
        checker=_number(1.166, abs_tol=0.005),
        hint="Read odds_ratios.loc['sbp', 'odds_ratio']: the table is already per 10 mmHg. An OR has no unit "
        "of its own; it multiplies the odds.",
        mistakes={
            1.015: "That is the OR per 1 mmHg. The question asks per 10 mmHg: raise it to the power 10, or "
            "read the table, which uses units={'sbp': 10}.",
            0.153: "That is the log odds ratio per 10 mmHg (10 x coef). Exponentiate it to get the OR.",
            0.015: "That is the coefficient (log odds ratio per 1 mmHg). The OR per 10 mmHg is exp(10 x coef).",
        },
    ),
    "l03_ex2_rr_at_30_percent": _Question(
        prompt="Risk ratio implied by the model's smoking odds ratio for a man whose risk without smoking is 30%.",
        checker=_number(1.610, abs_tol=0.01),
        hint="Call modelling.risk_ratio_from_odds_ratio(smoking_or, 0.30), with the risk as a proportion.",
        mistakes={
            2.180: "That is the odds ratio itself. Convert it at a risk of 0.30 with "
            "modelling.risk_ratio_from_odds_ratio.",
            1.42: "That is the crude risk ratio of the two-by-two table, for patients of all ages. The question "
            "converts the model's OR at a risk of 30%.",
        },
        mistake_tol=0.01,
    ),
    "l03_ex3_epp_splines": _Question(
        prompt="Events per parameter of the spline model in the training data.",
        checker=_number(22.25, abs_tol=0.05),
        hint="Divide the number of events in the training data, y_train.sum(), by the number of coefficients "
        "of the spline model, spline_model[-1].coef_.size.",
        mistakes={
            44.5: "That is the linear model (8 parameters). The spline model has more: count "
            "spline_model[-1].coef_.size.",
            314.1: "That divides the number of patients, not events, by the parameters. Events limit a model.",
            89.0: "That divides the events by the number of predictors (4 continuous), not by the parameters.",
        },
        mistake_tol=0.05,
    ),
    "l03_ex4_decisions_differ": _Question(
        prompt="Proportion of test patients whose decision at 10% by the spline model differs from the "
        "true-risk decision.",
        checker=_number(0.0501, abs_tol=0.0005),
        hint="Compare (p_spline >= THRESHOLD) with (p_true >= THRESHOLD), patient by patient, and take the mean "
        "of the disagreements.",
        mistakes={
            0.0552: "That is the linear model. Use p_spline, the spline model's predicted risks.",
            5.012: "That is a percentage: give a proportion between 0 and 1.",
            0.9499: "That is the proportion whose decisions AGREE. Use != to count disagreements.",
        },
        mistake_tol=0.003,
    ),
    # ---- Lesson 04: Beyond linear models: trees, boosting and what a model has learned ----
    # notebooks/04_beyond_linear_models.ipynb, seed 2026: development = make_primary_care_cohort(6000,
    # repeat_visits=True), statin-naive (11,878 visits of 4,764 patients); test = 20,000 new patients (seed
    # 2027), statin-naive baseline visits. Decision trees: 5-fold CV AUROC by patient peaks at depth 5 (by row
    # at depth 8; training AUROC at depth 12). Random forest (50 deep trees), 3-fold CV: by row 0.844, by
    # patient 0.678. Tuned gradient boosting, net benefit at 10% on the test cohort 0.0177 (logistic
    # regression 0.0199, true risk 0.0211). Permutation importance: HbA1c > BMI > eGFR. Recomputed in
    # tests/test_lesson_04_beyond_linear_models.py.
    "l04_ex1_best_depth": _Question(
        prompt="Maximum tree depth with the highest AUROC cross-validated by patient.",
        checker=_number(5, abs_tol=0.01),
        hint="Take by_depth['CV by patient'].idxmax(): the column cross-validated by patient, not by row.",
        mistakes={
            8.0: "That is the depth chosen by row-level cross-validation, which tests on other visits of the "
            "same patients. Use the column 'CV by patient'.",
            12.0: "That is the best depth on the training data, which measures memory. Use the column "
            "'CV by patient'.",
        },
    ),
    "l04_ex2_report_cv": _Question(
        prompt="Which cross-validated AUROC of the random forest should be reported: 'by patient' or 'by row'?",
        checker=_choice("by patient", ("by patient", "by row")),
        hint="The model will be used on new patients. Which folds contain only patients the model has not seen?",
        mistakes={
            "by row": "Row-level folds put other visits of the same patients in training and validation, so the "
            "forest is partly tested on patients it has memorised: the estimate is optimistic.",
        },
    ),
    "l04_ex3_net_benefit_boosting": _Question(
        prompt="Net benefit of the tuned gradient-boosting model at the 10% threshold on the test cohort.",
        checker=_number(0.0177, abs_tol=0.0003),
        hint="Read comparison.loc['gradient boosting', 'net benefit at 10%'], in net true positives per patient "
        "(for example 0.012, not 1.2).",
        mistakes={
            0.0199: "That is the logistic regression. Read the row 'gradient boosting'.",
            0.0211: "That is the true risk, the ceiling. Read the row 'gradient boosting'.",
            1.772: "That is per 100 patients: give the net benefit per patient.",
        },
        mistake_tol=0.0004,
    ),
    "l04_ex4_proxy": _Question(
        prompt="Among 'bmi', 'egfr' and 'hba1c', which has the largest permutation importance in the "
        "gradient-boosting model?",
        checker=_choice("hba1c", ("bmi", "egfr", "hba1c")),
        hint="Look at importances[['bmi', 'egfr', 'hba1c']] and take the largest (idxmax).",
        mistakes={
            "bmi": "BMI's importance is smaller than HbA1c's. Compare the three values in `importances`.",
            "egfr": "eGFR's importance is about zero here. Compare the three values in `importances`.",
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
        # a checker returns (passed, message) or, to name what failed, (passed, message, hint)
        passed, message, *case_hint = question.checker(answer)
    except Exception as exc:  # an odd answer type must never crash a learner's notebook
        passed, message, case_hint = False, f"Could not check this answer ({type(exc).__name__}: {exc}).", []
    if passed:
        return CheckResult(question_id, True, message)
    hint = (case_hint[0] if case_hint else "") or _matching_mistake(question, answer) or question.hint
    return CheckResult(question_id, False, message, hint)
