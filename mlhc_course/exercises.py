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


#: Seed and size of the fresh EHR on which the SQL self-checks run a learner's query (not the lesson's).
_SQL_CHECK_SEED = 4242
_SQL_CHECK_PATIENTS = 400


def _check_baseline_cholesterol_sql(answer: Any) -> tuple[bool, str]:
    """Run a learner's query on a fresh EHR; compare its total_chol with the cohort's baseline values."""
    if not isinstance(answer, str) or not answer.strip():
        return False, f"Expected the SQL query as a string; got {type(answer).__name__}."
    import pandas as pd

    from .datasets import connect_ehr, make_ehr

    ehr = make_ehr(_SQL_CHECK_PATIENTS, random_state=_SQL_CHECK_SEED)
    con = connect_ehr(ehr)
    try:
        result = pd.read_sql(answer, con)
    except Exception as exc:  # any SQL error is feedback, not a crash
        return False, f"The query failed on a fresh EHR: {exc}"
    finally:
        con.close()
    if not {"person_id", "total_chol"} <= set(result.columns):
        return False, f"The result needs the columns person_id and total_chol; it has {list(result.columns)}."
    if result["person_id"].duplicated().any():
        return False, "Some person_id appear more than once: keep one row per person (rn = 1)."
    truth = ehr.frame.set_index("patient_id")["total_chol"]
    got = pd.to_numeric(result.set_index("person_id")["total_chol"], errors="coerce").reindex(truth.index)
    if got.isna().any():
        return False, f"No value for {int(got.isna().sum())} of the {len(truth)} cohort patients."
    wrong = (got - truth).abs() > 0.051
    if not wrong.any():
        return True, f"Correct: your query gives the baseline total cholesterol of all {len(truth)} patients."
    bad, want = got[wrong], truth[wrong]
    if ((bad - want * 38.67).abs() < 1).any():
        why = "Some values are in mg/dL: divide the results whose unit_source_value is 'mg/dL' by 38.67."
    elif (bad < 1).any() or (bad > 20).any():
        why = "Some values are implausible (keying errors): keep only results between 1 and 20 mmol/L."
    else:
        why = (
            "Some values are not the baseline ones: take the latest result ON OR BEFORE the first "
            "'CVD risk review' visit, not the latest ever (look-ahead)."
        )
    return False, f"{int(wrong.sum())} of {len(truth)} values differ from the truth. {why}"


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
    # Lesson 5, exercise 3, seed 2026: the honest random forest scores every visit of the test
    # patients (test AUROC 0.770). The 95% bootstrap interval (1,000 resamples) is 0.742-0.798 resampling
    # visits (width 0.056) and 0.717-0.814 resampling whole patients (width 0.097): 1.73 times wider.
    "l05_ex3_cluster_bootstrap": _Question(
        prompt="Width of the patient-level 95% interval divided by the width of the row-level one.",
        checker=_number(1.73, abs_tol=0.12),
        hint="Width = ci_upper - ci_lower of each result of metrics.bootstrap_ci; divide the interval with "
        "groups=test_pat['patient_id'] by the one without. Visits of one patient are alike, so resampling "
        "visits treats them as independent evidence and the interval comes out too narrow.",
        mistakes={
            0.577: "That is the row-level width divided by the patient-level one: put the patient-level "
            "interval on top.",
        },
        mistake_tol=0.05,
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
    # ---- Lesson 02: EHR data: SQL, cohorts and index dates ----
    # Lesson 2 (notebooks/02_ehr_sql_cohorts.ipynb), make_ehr(2000, random_state=2026): with no lookback
    # window (any Z72.0 code on or before the index date, through the person map) 754 cohort patients are
    # called smokers; the truth (365-day lookback) has 386; without the person map, 737.
    "l02_ex1_smokers_without_lookback": _Question(
        prompt="Number of cohort patients called smokers when any tobacco code on or before the index date counts.",
        checker=_number(754, abs_tol=0.5),
        hint="In DIAGNOSES_SQL, replace the lookback condition of the Z72.0 line by "
        "co.condition_start_date <= k.index_date, run it with sql(...) and sum the smoker column.",
        mistakes={
            386.0: "That is the number of smokers WITH the lookback window (the truth). Remove the "
            "lookback condition: count any tobacco code on or before the index date.",
            737.0: "Close: that count misses the codes filed under second registrations. Join "
            "through person_map, as DIAGNOSES_SQL does.",
        },
        mistake_tol=0.5,
    ),
    # Lesson 2, exercise 2: users defined by a statin started during follow-up, outcomes counted from the
    # index date: the time before the start is immortal (Suissa 2008).
    "l02_ex2_which_bias": _Question(
        prompt="Statin started within 2 years of the review vs not, events counted from the review: "
        "'immortal time', 'look-ahead leakage' or 'neither'?",
        checker=_choice("immortal time", ("immortal time", "look-ahead leakage", "neither")),
        hint="Ask what a patient must do to be put in the statin group, and when that happens relative to the "
        "start of follow-up.",
        mistakes={
            "look-ahead leakage": "The predictors all come from before the review, so the feature table does not "
            "leak. The problem is the exposure groups: who can be in the statin group?",
            "neither": "To be in the statin group a patient had to stay event-free until the statin start, up to "
            "2 years after the review. Is that fair to the other group?",
        },
    ),
    # Lesson 2, exercise 3: the learner's SQL runs on a fresh make_ehr(400, random_state=_SQL_CHECK_SEED)
    # and must return each cohort patient's baseline total cholesterol in mmol/L (within 0.05).
    "l02_ex3_baseline_cholesterol_sql": _Question(
        prompt="A SQL query returning person_id and total_chol (mmol/L): the latest plausible total "
        "cholesterol on or before each person's first CVD risk review.",
        checker=lambda answer: _check_baseline_cholesterol_sql(answer),
        hint="Build it in steps with WITH: the index date (MIN of visit_start_date of 'CVD risk review' "
        "visits, GROUP BY person_id); the cholesterol results (LOINC 14647-2 and 2093-3, mg/dL / 38.67); "
        "then ROW_NUMBER() OVER (PARTITION BY person_id ORDER BY measurement_date DESC) on the results on or "
        "before the index date and between 1 and 20 mmol/L; keep rn = 1.",
    ),
    # ---- Lesson 14: Medical images: from DICOM to a classifier, and the shortcut trap ----
    # Lesson 14 (notebooks/14_medical_imaging.ipynb), quick check: the marker goes with the label only at
    # the development site, so only the external (site B) validation shows the collapse.
    "l14_q1_which_validation": _Question(
        prompt="Which validation revealed the shortcut: 'internal' or 'external'?",
        checker=_choice("external", ("internal", "external")),
        hint="Compare the two AUROC columns of the shortcut model: which one looks better than the honest "
        "model, and which one worse?",
        mistakes={
            "internal": "The internal test images come from the same hospital, with the same marker habit: "
            "there the shortcut model looked better than the honest one. Which validation showed it failing?",
        },
    ),
    # Lesson 14, exercise 1: the lung window (W 1500, L -600; imaging.WINDOW_PRESETS) shows -1350 HU as
    # black and +150 HU as white, so water (0 HU) is at (0 + 1350) / 1500 = 0.9.
    "l14_ex1_lung_window_water": _Question(
        prompt="Display value (0 = black, 1 = white) of water (0 HU) in the lung window W 1500 / L -600.",
        checker=_number(0.9, abs_tol=0.005),
        hint="The window runs from level - width/2 (black) to level + width/2 (white); the display value is "
        "(HU - bottom) / width. Give a value between 0 and 1.",
        mistakes={
            0.5: "0.5 is the level itself (-600 HU). Water, 0 HU, is 600 HU above the level.",
            0.4: "That is (0 - level) / width. Measure from the bottom of the window, level - width/2.",
            90.0: "That looks like a percentage: give a value between 0 and 1.",
        },
    ),
    # Lesson 14, exercise 2: pydicom's CT_small.dcm has StudyInstanceUID
    # 1.3.6.1.4.1.5962.1.2.1.20040119072730.12322, whose component 20040119072730 starts with the date
    # 20040119 (its Study Date); Series, Acquisition and Content Date are 19970430.
    "l14_ex2_uid_date": _Question(
        prompt="The date (YYYYMMDD, as a number) inside the Study Instance UID of CT_small.dcm.",
        checker=_number(20040119, abs_tol=0.5),
        hint="Split ct.dataset.StudyInstanceUID at the dots and look for a long component that starts with "
        "a year, 19xx or 20xx. Enter its first 8 digits as a number, e.g. 20001231.",
        mistakes={
            19970430.0: "That is the Series and Acquisition Date attribute. The question asks for the date "
            "hidden inside the Study Instance UID.",
            20040119072730.0: "That is the date and the time. Enter only the first 8 digits, YYYYMMDD.",
        },
        mistake_tol=0.5,
    ),
    # Lesson 14, exercise 3: make_lesion_images(4000, size=32, shortcut=0.5, random_state=2026), the
    # lesson's stratified 70/30 split of site A (seed 2026) and pixel_model (StandardScaler + logistic
    # regression, C=0.001): external (site B) AUROC 0.779, internal 0.884; the lesson's models give 0.683
    # (shortcut 0.9, external) and 0.823 (no shortcut, external).
    "l14_ex3_weaker_shortcut": _Question(
        prompt="External (site B) AUROC of the pixel model trained with shortcut=0.5.",
        checker=_number(0.779, abs_tol=0.005),
        hint="Regenerate the images with shortcut=0.5 (same N_IMAGES, SIZE and random_state), call "
        "pixel_model(weaker.data) and read the external AUROC from auc_table.",
        mistakes={
            0.884: "That is the internal AUROC. The question asks for the external site (site B).",
            0.683: "That is the lesson's model with shortcut=0.9. Regenerate the images with shortcut=0.5.",
            0.823: "That is the model trained without the shortcut. Train on the shortcut=0.5 images.",
        },
    ),
    # ---- Lesson 07: Rare outcomes: class imbalance without fooling yourself ----
    # notebooks/07_rare_outcomes.ipynb, seed 2026 (tests/test_lesson_07_rare_outcomes.py recomputes each).
    # Statin-naive patients of make_primary_care_cohort(40000, random_state=2027) with a known 5-year
    # outcome: 27,631 patients, 968 events within 5 years (3.50%).
    # Exercise 1: flagging nobody is right for every patient without an event: accuracy 1 - 0.0350 = 0.965.
    "l07_ex1_accuracy_of_nobody": _Question(
        prompt="Accuracy, in the validation cohort, of flagging no patient at all (a proportion).",
        checker=_number(0.965, abs_tol=0.001),
        hint="Flagging nobody is correct for every patient without an event: compute (y_val == 0).mean(). "
        "Give a proportion (0.9), not a percentage (90).",
        mistakes={
            0.035: "That is the event rate (the patients flagging nobody gets wrong). Accuracy is the share "
            "it gets right.",
            96.5: "That looks like a percentage: give a proportion between 0 and 1.",
        },
    ),
    # Exercise 2: RandomUnderSampler(sampling_strategy=0.1) + logistic regression on the development cohort
    # (make_primary_care_cohort(20000, random_state=2026)): O/E 0.408 on validation (0.085 at 1:1; the
    # standard model 0.956).
    "l07_ex2_partial_undersampling": _Question(
        prompt="O/E ratio on the validation cohort of the model undersampled to 1 event per 10 non-events.",
        checker=_number(0.408, abs_tol=0.005),
        hint="Fit make_pipeline(StandardScaler(), RandomUnderSampler(sampling_strategy=0.1, "
        "random_state=RANDOM_SEED), logistic()) on X_dev, y_dev and read "
        "metrics.calibration_summary(y_val, risk).observed_expected.",
        mistakes={
            0.085: "That is the O/E of the fully balanced (1:1) undersampling. Use sampling_strategy=0.1.",
            0.956: "That is the standard model's O/E. Fit the undersampled model.",
        },
    ),
    # Exercise 3: the standard model at a 5-year risk of 4%: PPV 0.0762, NNE 13.12 (SMOTE at 50%: 13.65).
    "l07_ex3_nne_at_threshold": _Question(
        prompt="NNE (patients reviewed per future event) of the standard model at a 4% threshold.",
        checker=_number(13.12, abs_tol=0.05),
        hint="Call metrics.threshold_table(y_val, risks['standard'], [THRESHOLD]) and read the NNE column "
        "(1/PPV).",
        mistakes={
            0.076: "That is the PPV. The NNE is its reciprocal, 1/PPV.",
            13.65: "That is the SMOTE model at 50%. The question asks for the standard model at 4%.",
            311.0: "That is the number flagged per 1,000, not the number reviewed per event found.",
        },
        mistake_tol=0.01,
    ),
    # Exercise 4: to flag more patients, lower the threshold on honest risks; resampling only inflates the
    # risks (van den Goorbergh et al. 2022).
    "l07_ex4_flag_more": _Question(
        prompt="To flag more patients, 'resample' the training data or lower the 'threshold'?",
        checker=_choice("threshold", ("resample", "threshold")),
        hint="Resampling changed the AUROC by almost nothing: the ranking stays. Which option then flags "
        "more patients without changing the risks they are told?",
        mistakes={
            "resample": "Resampling flags more patients only by inflating everyone's risk (O/E below 0.1 "
            "in the lesson): the same ranking with wrong numbers. A lower threshold does the same on honest "
            "risks.",
        },
    ),
    # ---- Lesson 13: Omics: when features outnumber patients ----
    # notebooks/13_omics_high_dimensional.ipynb, seed 2026 (tests/test_lesson_13_omics.py recomputes each).
    # Exercise 1: make_gene_expression(500, 10000, n_informative=0, modules=0, response_rate=0.5), 20 genes
    # selected on all patients, then 5-fold CV of an L2 logistic regression: AUROC 0.812 (0.776 with the
    # lesson's 5,000 genes; the honest pipeline stays near 0.5).
    "l13_ex1_leaky_more_genes": _Question(
        prompt="Leaky cross-validated AUROC on pure noise with 10,000 genes and 20 genes selected.",
        checker=_number(0.812, abs_tol=0.005),
        hint="Regenerate the noise with make_gene_expression(500, 10000, n_informative=0, modules=0, "
        "response_rate=0.5, random_state=RANDOM_SEED) and call leaky_cv_auc(noise_10k.data, "
        "noise_10k.target, 20). It is a proportion between 0 and 1.",
        mistakes={
            0.776: "That is the lesson's value with 5,000 genes. Regenerate the noise with n_genes=10000.",
            0.5: "About 0.5 is what the honest pipeline gives. The question asks for the leaky one.",
        },
    ),
    # Exercise 2: lasso at the chosen C (0.1) on 30 bootstrap resamples of the 200 development patients:
    # 15 genes selected in >= 50% of resamples, 6 of them true: precision 0.40, recall 0.60 (at >= 70%:
    # 8 genes, precision 0.50, recall 0.40).
    "l13_ex2_stable_precision": _Question(
        prompt="Precision, against the true genes, of the genes selected in at least 50% of the resamples.",
        checker=_number(0.40, abs_tol=0.01),
        hint="Use loose = frequency >= 0.5 and precision_score(is_true, loose): the share of the genes "
        "kept that are truly informative.",
        mistakes={
            0.5: "That is the precision at the lesson's 70% threshold. Use 50%.",
            0.6: "That is the recall (the share of the true genes that were kept). Precision is the share of "
            "the kept genes that are true.",
        },
        mistake_tol=0.004,
    ),
    # Exercise 3: the batched data (300 x 2,000, no informative gene, 4 batches, batch_effect=0.4) with
    # batch_confounding=0.0: random 5-fold CV AUROC of the ridge model 0.501 (0.839 when confounded, 0.7).
    "l13_ex3_batch_unconfounded": _Question(
        prompt="Random 5-fold CV AUROC of the ridge model when the batches are not confounded with response.",
        checker=_number(0.501, abs_tol=0.005),
        hint="Regenerate the batched data with batch_confounding=0.0 (same seed and batch_effect=0.4) and "
        "rerun cross_val_score(ridge, ..., cv=cv, scoring='roc_auc').mean().",
        mistakes={
            0.839: "That is the confounded data of the lesson. Regenerate it with batch_confounding=0.0.",
        },
    ),
    # Exercise 4: standardising each gene uses its mean and SD, not the outcome, so it does not leak the
    # outcome (the honest AUROC barely moves); selection, tuning and thresholds do.
    "l13_ex4_where_is_the_leak": _Question(
        prompt="Does standardising every gene on all patients before cross-validation leak the outcome? "
        "'yes' or 'no'.",
        checker=_choice("no", ("yes", "no")),
        hint="Ask whether the step uses the outcome y. A gene's mean and SD do not depend on who responded; "
        "the t-test that ranks genes does.",
        mistakes={
            "yes": "Standardising uses no outcome: each gene's mean and SD are the same whoever responded. "
            "Run honest_cv_auc on the standardised data and compare.",
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
    # differs from the true-risk decision for 5.15% of patients with splines (5.52% linear); the spline model
    # is fitted to convergence (newton-cholesky), so this holds from the declared minimum versions up.
    # Recomputed in tests/test_lesson_03_first_risk_model.py.
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
        checker=_number(0.0515, abs_tol=0.001),
        hint="Compare (p_spline >= THRESHOLD) with (p_true >= THRESHOLD), patient by patient, and take the mean "
        "of the disagreements.",
        mistakes={
            0.0552: "That is the linear model. Use p_spline, the spline model's predicted risks.",
            5.151: "That is a percentage: give a proportion between 0 and 1.",
            0.9485: "That is the proportion whose decisions AGREE. Use != to count disagreements.",
        },
        mistake_tol=0.003,
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
