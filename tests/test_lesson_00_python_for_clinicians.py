"""Lesson 00 (notebooks/00_python_for_clinicians.ipynb): its scores, its numbers and its self-checks.

The lesson's own code is run from its tagged cells, and the worked solutions from its solution blocks,
so that what the learner reads is what is tested. CURB-65 and CHA2DS2-VASc are checked against
independent reference implementations written here from the papers' definitions (Lim et al. 2003;
Lip et al. 2010), at every boundary.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from mlhc_course import datasets, exercises

from lesson_runner import read_lesson, run_tagged, solution_block

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "00_python_for_clinicians.ipynb"


@pytest.fixture(scope="module")
def nb():
    return read_lesson(NOTEBOOK.name)


def _run_tagged(nb, *tags: str) -> dict:
    """Execute the lesson's setup cell and the cells with these tags, in notebook order, in one namespace."""
    return run_tagged(nb, "l00-setup", *tags, label="<lesson 00>")


def _solution_code(nb, label: str) -> str:
    """The python code block of the lesson's worked solution for ``label``."""
    return solution_block(nb, label)


@pytest.fixture(scope="module")
def lesson(nb):
    ns = _run_tagged(nb, "l00-curb65", "l00-mortality", "l00-cha2ds2vasc", "l00-af-patients", "l00-table")
    return ns


# ---------------------------------------------------------------- the lesson's scores vs references


def _curb65_reference(confusion, urea, rr, sbp, dbp, age):
    # Lim 2003: confusion; urea > 7 mmol/L; RR >= 30/min; SBP < 90 or DBP <= 60 mmHg; age >= 65
    return int(confusion) + (urea > 7) + (rr >= 30) + (sbp < 90 or dbp <= 60) + (age >= 65)


def test_lesson_curb65_matches_the_reference_at_every_boundary(lesson):
    grid = itertools.product((False, True), (7.0, 7.1), (29, 30), (89, 90), (60, 61), (64, 65))
    for args in grid:
        assert lesson["curb65"](*args) == _curb65_reference(*args), args
    mortality = lesson["CURB65_MORTALITY_PERCENT"]
    assert sorted(mortality) == [0, 1, 2, 3, 4, 5]
    assert list(mortality.values()) == sorted(mortality.values())  # rises steeply with the score


def _cha2ds2_vasc_reference(p):
    age_points = 2 if p["age"] >= 75 else 1 if p["age"] >= 65 else 0
    return (
        (p["heart_failure"] + p["hypertension"] + p["diabetes"] + 2 * p["stroke_tia"] + p["vascular"])
        + age_points
        + (p["sex"] == "female")
    )


def test_lesson_cha2ds2_vasc_matches_the_reference_at_every_boundary(lesson):
    items = ("heart_failure", "hypertension", "diabetes", "stroke_tia", "vascular")
    for age, sex, flags in itertools.product(
        (64, 65, 74, 75), ("female", "male"), itertools.product((False, True), repeat=5)
    ):
        patient = {"age": age, "sex": sex, **dict(zip(items, flags, strict=True))}
        assert lesson["cha2ds2_vasc"](patient) == _cha2ds2_vasc_reference(patient), patient


# ---------------------------------------------------------------- numbers stated in the prose


def test_stated_af_and_pneumonia_numbers(lesson):
    scores = [lesson["cha2ds2_vasc"](p) for p in lesson["af_patients"]]
    assert scores == [1, 2, 2, 2, 1, 9, 2, 1]  # documented next to l00_ex4 in exercises.py
    table = lesson["table"]
    assert table["curb65"].tolist() == [0, 0, 2, 5, 2, 3, 0, 3, 1, 5]
    assert table.loc[table["curb65"] >= 3, "patient"].tolist() == ["D", "F", "H", "J"]
    assert 4 not in table["curb65"].tolist()  # the figure's alt text: no patient scores 4
    f = table.set_index("patient").loc["F"]
    assert f["sbp_mmhg"] >= 90 and f["dbp_mmhg"] <= 60  # F's BP point comes from the diastolic


def test_ward_sbp_and_resp_rate_points_agree_with_the_library(nb):
    ns = _run_tagged(nb, "l00-sbp-points", "l00-ward")  # the cell asserts agreement itself
    exec(_solution_code(nb, "l00_ex6_news2_resp_rate"), ns)  # so does the solution (prints True)
    ward = ns["ward"]
    subs = datasets.news2_subscores(ward)
    assert (ward["sbp"].map(ns["sbp_points"]) == subs["sbp"]).all()
    assert (ward["resp_rate"].map(ns["resp_rate_points"]) == subs["resp_rate"]).all()


# ---------------------------------------------------------------- self-checks: right, wrong, wrong type


def test_ex1_urea_boundary():
    assert exercises.check("l00_ex1_urea_boundary", False).passed is True
    wrong = exercises.check("l00_ex1_urea_boundary", True)
    assert wrong.passed is False and "ABOVE 7" in wrong.hint
    odd = exercises.check("l00_ex1_urea_boundary", "False")
    assert odd.passed is False and "without quotes" in odd.message


@pytest.mark.parametrize(
    ("label", "name"),
    [
        ("l00_ex2_crb65", "crb65"),
        ("l00_ex3_checked_resp_rate", "checked_resp_rate"),
        ("l00_ex6_news2_resp_rate", "resp_rate_points"),
    ],
)
def test_function_exercises_worked_solutions_pass(nb, lesson, label, name):
    ns = {**lesson, **_run_tagged(nb, "l00-sbp-points", "l00-ward")}
    exec(_solution_code(nb, label).replace(f'exercises.check("{label}", {name})', ""), ns)
    assert exercises.check(label, ns[name]).passed is True


def test_ex2_crb65_typical_mistakes_get_the_boundary_named():
    def strict_rr(c, rr, sbp, dbp, age):
        return int(c) + (rr > 30) + (sbp < 90 or dbp <= 60) + (age >= 65)

    def two_bp_points(c, rr, sbp, dbp, age):
        return int(c) + (rr >= 30) + (sbp < 90) + (dbp <= 60) + (age >= 65)

    result = exercises.check("l00_ex2_crb65", strict_rr)
    assert result.passed is False and "resp_rate=30" in result.message and ">= 30" in result.hint
    result = exercises.check("l00_ex2_crb65", two_bp_points)
    assert result.passed is False and "ONE criterion" in result.hint


@pytest.mark.parametrize("label", ["l00_ex2_crb65", "l00_ex3_checked_resp_rate", "l00_ex6_news2_resp_rate"])
@pytest.mark.parametrize("answer", [3, "crb65", [1, 2], int])
def test_function_exercises_wrong_types_fail_without_raising(label, answer):
    result = exercises.check(label, answer)
    assert (
        result.passed is False
        and "Expected a function" in result.message
        and "without brackets" in result.hint
    )


@pytest.mark.parametrize("label", ["l00_ex2_crb65", "l00_ex3_checked_resp_rate", "l00_ex6_news2_resp_rate"])
def test_function_exercises_survive_broken_functions(label):
    def no_return(*args):
        pass

    def wrong_arity():
        return 0

    def crashes(*args):
        raise ZeroDivisionError("oops")

    assert "return" in exercises.check(label, no_return).message
    assert exercises.check(label, wrong_arity).passed is False
    assert "ZeroDivisionError" in exercises.check(label, crashes).message


def test_ex3_checked_resp_rate_typical_mistakes():
    def upper_only(rr):
        if rr > 100:
            raise ValueError("too high")
        return rr

    def returns_bool(rr):
        return 0 <= rr <= 100

    result = exercises.check("l00_ex3_checked_resp_rate", upper_only)
    assert result.passed is False and "resp_rate=-1" in result.message and "negative" in result.hint
    assert exercises.check("l00_ex3_checked_resp_rate", returns_bool).passed is False


def test_ex3_stub_in_the_notebook_is_not_accepted(nb):
    ns: dict = {"exercises": exercises}
    stub = next(c.source for c in nb.cells if c.cell_type == "code" and "def checked_resp_rate" in c.source)
    exec(stub, ns)
    result = exercises.check("l00_ex3_checked_resp_rate", ns["checked_resp_rate"])
    assert result.passed is False and "ValueError" in result.message


def test_ex4_count_with_a_loop(lesson):
    count = sum(lesson["cha2ds2_vasc"](p) >= 2 for p in lesson["af_patients"])
    assert count == 5
    assert exercises.check("l00_ex4_count_cha2ds2_vasc", count).passed is True
    assert ">= 2" in exercises.check("l00_ex4_count_cha2ds2_vasc", 1).hint
    assert "sum" in exercises.check("l00_ex4_count_cha2ds2_vasc", 20).hint
    assert exercises.check("l00_ex4_count_cha2ds2_vasc", "five").passed is False


def test_ex5_share_with_curb65_three_or_more(lesson):
    share = (lesson["table"]["curb65"] >= 3).mean()
    assert share == pytest.approx(0.4)
    assert exercises.check("l00_ex5_share_curb65_high", share).passed is True
    assert "above 3" in exercises.check("l00_ex5_share_curb65_high", 0.2).hint
    assert "percentage" in exercises.check("l00_ex5_share_curb65_high", 40).hint
    assert exercises.check("l00_ex5_share_curb65_high", "0.4").passed is False


def test_ex6_news2_resp_rate_typical_mistake():
    def symmetric(rr):  # gives 21-24 one point, as if the chart were symmetric
        return 3 if rr <= 8 else 1 if rr <= 11 else 0 if rr <= 20 else 1 if rr <= 24 else 3

    result = exercises.check("l00_ex6_news2_resp_rate", symmetric)
    assert result.passed is False and "resp_rate=21" in result.message and "2 points" in result.hint
