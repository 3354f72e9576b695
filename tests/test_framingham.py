"""The Framingham general CVD equation (D'Agostino et al., Circulation 2008;117:743-753)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mlhc_course.datasets import framingham_cvd_risk
from mlhc_course.datasets._framingham import MMOL_TO_MG_DL


def _by_hand(age, female, tc, hdl, sbp, treated, smoker, diabetes):
    """The published equation typed out term by term from the paper's table (mg/dL)."""
    if female:
        b = (2.32888, 1.20904, -0.70833, 2.82263 if treated else 2.76157, 0.52873, 0.69154)
        mean, s0 = 26.1931, 0.95012
    else:
        b = (3.06117, 1.12370, -0.93263, 1.99881 if treated else 1.93303, 0.65451, 0.57367)
        mean, s0 = 23.9802, 0.88936
    lp = (
        b[0] * math.log(age)
        + b[1] * math.log(tc)
        + b[2] * math.log(hdl)
        + b[3] * math.log(sbp)
        + b[4] * smoker
        + b[5] * diabetes
    )
    return 1 - s0 ** math.exp(lp - mean)


def test_worked_example_woman():
    """Paper's worked example: woman, 61 y, TC 180, HDL 47, untreated SBP 124, smoker, no diabetes: 10.48%."""
    risk = framingham_cvd_risk(61, "female", 180, 47, 124, False, True, False)
    assert risk == pytest.approx(0.1048, abs=5e-5)


def test_worked_example_man():
    """Paper's worked example: man, 53 y, TC 161, HDL 55, treated SBP 125, non-smoker, diabetic: 15.62%."""
    risk = framingham_cvd_risk(53, "male", 161, 55, 125, True, False, True)
    assert risk == pytest.approx(0.1562, abs=5e-5)


@pytest.mark.parametrize(
    "args",
    [
        (45, True, 200, 50, 130, False, 0, 0),
        (70, True, 240, 40, 160, True, 1, 1),
        (30, False, 150, 70, 110, False, 0, 0),
        (74, False, 280, 30, 180, True, 1, 1),
        (55, False, 213, 50, 120, False, 1, 0),
    ],
)
def test_matches_the_equation_typed_by_hand(args):
    age, female, *rest = args
    expected = _by_hand(age, female, *rest)
    got = framingham_cvd_risk(age, "female" if female else "male", *rest)
    assert got == pytest.approx(expected, rel=1e-12)


def test_mmol_per_litre_are_converted_with_38_67():
    mg = framingham_cvd_risk(61, "female", 180, 47, 124, False, True, False)
    mmol = framingham_cvd_risk(
        61, "female", 180 / 38.67, 47 / 38.67, 124, False, True, False, chol_units="mmol/L"
    )
    assert MMOL_TO_MG_DL == 38.67
    assert mmol == pytest.approx(mg, rel=1e-12)
    # 5.0 mmol/L total and 1.2 mmol/L HDL are 193.35 and 46.404 mg/dL
    a = framingham_cvd_risk(50, "male", 5.0, 1.2, 140, False, False, False, chol_units="mmol/L")
    b = _by_hand(50, False, 193.35, 46.404, 140, False, 0, 0)
    assert a == pytest.approx(b, rel=1e-12)


def test_vectorised_and_sex_encodings_agree():
    age = np.array([40, 50, 60, 70])
    sex_str = np.array(["female", "male", "F", "M"])
    sex_int = np.array([0, 1, 0, 1])
    r1 = framingham_cvd_risk(age, sex_str, 200, 50, 130, [0, 1, 0, 1], [1, 0, 0, 1], 0)
    r2 = framingham_cvd_risk(age, sex_int, 200, 50, 130, [0, 1, 0, 1], [1, 0, 0, 1], 0)
    assert r1.shape == (4,)
    np.testing.assert_allclose(r1, r2)
    for i in range(4):
        assert r1[i] == pytest.approx(_by_hand(age[i], i % 2 == 0, 200, 50, 130, i % 2, [1, 0, 0, 1][i], 0))


def test_only_one_sbp_term_applies():
    untreated = framingham_cvd_risk(60, "male", 200, 50, 140, False, False, False)
    treated = framingham_cvd_risk(60, "male", 200, 50, 140, True, False, False)
    # treated coefficient is larger: same SBP on treatment means higher risk
    assert treated > untreated
    assert treated == pytest.approx(_by_hand(60, False, 200, 50, 140, True, 0, 0))


def test_risk_rises_with_each_risk_factor():
    base = dict(
        age=55, sex="female", total_chol=200, hdl_chol=50, sbp=130, bp_treated=False, smoker=0, diabetes=0
    )
    r0 = framingham_cvd_risk(**base)
    for key, worse in [
        ("age", 65),
        ("total_chol", 260),
        ("hdl_chol", 35),
        ("sbp", 160),
        ("smoker", 1),
        ("diabetes", 1),
    ]:
        assert framingham_cvd_risk(**{**base, key: worse}) > r0, key


def test_outside_30_to_74_extrapolates_without_clipping():
    """Documented behaviour: ages outside the derivation range are extrapolated, not clipped or refused."""
    r74 = framingham_cvd_risk(74, "male", 200, 50, 140, False, 0, 0)
    r79 = framingham_cvd_risk(79, "male", 200, 50, 140, False, 0, 0)
    assert r79 > r74
    assert r79 == pytest.approx(_by_hand(79, False, 200, 50, 140, False, 0, 0))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"age": -1}, "'age' parameter of framingham_cvd_risk must hold positive"),
        ({"hdl_chol": 0}, "'hdl_chol'"),
        ({"sex": "x"}, "'sex' parameter"),
        (
            {"chol_units": "mg"},
            r"'chol_units' parameter of framingham_cvd_risk must be a str among \{'mg/dL', 'mmol/L'\}",
        ),
    ],
)
def test_bad_inputs(kwargs, match):
    base = dict(
        age=55, sex="female", total_chol=200, hdl_chol=50, sbp=130, bp_treated=False, smoker=0, diabetes=0
    )
    with pytest.raises(ValueError, match=match):
        framingham_cvd_risk(**{**base, **kwargs})
