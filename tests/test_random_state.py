"""Every public function that draws random numbers accepts the same four ``random_state`` forms.

None, an int, a ``numpy.random.Generator`` and a legacy ``numpy.random.RandomState`` (issue 10).
An int or a freshly seeded Generator/RandomState gives the same result every time; an int gives
exactly what it gave before the forms were unified (the canonical data sets and the lessons'
numbers depend on that).
"""

from __future__ import annotations

import importlib
import inspect

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupShuffleSplit

import mlhc_course
from mlhc_course import causal, datasets, metrics, splits, survival

_RNG = np.random.default_rng(42)
_Y = _RNG.integers(0, 2, 120)
_SCORE = _Y + _RNG.normal(size=120)
_FRAME = pd.DataFrame({"patient_id": np.repeat(np.arange(30), 2), "x": np.arange(60)})


def _fingerprint(result):
    """Something comparable with == from any of the functions' return types."""
    if hasattr(result, "frame"):
        return pd.util.hash_pandas_object(result.frame, index=True).sum()
    if hasattr(result, "distribution"):
        return tuple(np.round(result.distribution, 12))
    if hasattr(result, "tables"):  # an EHR
        return tuple(pd.util.hash_pandas_object(t, index=True).sum() for t in result.tables.values())
    if hasattr(result, "images"):
        return hash(result.images.tobytes())
    if isinstance(result, splits.Split):
        return tuple(result.test.index)
    if isinstance(result, pd.DataFrame):
        return pd.util.hash_pandas_object(result, index=True).sum()
    if isinstance(result, tuple):
        return tuple(hash(np.asarray(part).tobytes()) for part in result)
    raise TypeError(type(result))


#: name -> call(random_state). Every public function with a random_state parameter is here.
CALLS = {
    "datasets.make_primary_care_cohort": lambda rs: datasets.make_primary_care_cohort(300, random_state=rs),
    "datasets.make_ward_vitals": lambda rs: datasets.make_ward_vitals(20, hours=12, random_state=rs),
    "datasets.make_clinical_notes": lambda rs: datasets.make_clinical_notes(50, random_state=rs),
    "datasets.make_ehr": lambda rs: datasets.make_ehr(60, random_state=rs),
    "datasets.make_gene_expression": lambda rs: datasets.make_gene_expression(20, 50, random_state=rs),
    "datasets.make_lesion_images": lambda rs: datasets.make_lesion_images(8, size=16, random_state=rs),
    "survival.censor_at_rate": lambda rs: survival.censor_at_rate(
        np.linspace(0.5, 12, 40), np.ones(40), rate=0.2, random_state=rs
    ),
    "causal.match_on_propensity": lambda rs: causal.match_on_propensity(
        np.tile([0, 1], 20), np.linspace(0.2, 0.8, 40), random_state=rs
    ),
    "metrics.bootstrap_ci": lambda rs: metrics.bootstrap_ci(
        roc_auc_score, _Y, _SCORE, n_resamples=50, random_state=rs
    ),
    "splits.patient_split": lambda rs: splits.patient_split(
        _FRAME, patient_col="patient_id", random_state=rs
    ),
}

FORMS = {
    "None": lambda: None,
    "int": lambda: 7,
    "numpy int": lambda: np.int64(7),
    "Generator": lambda: np.random.default_rng(7),
    "RandomState": lambda: np.random.RandomState(7),
}


def _public_functions_with_random_state():
    found = set()
    for module_name in mlhc_course.__all__:
        if module_name in ("__version__", "grading", "cli"):
            continue  # the instructor pipeline draws no random numbers
        module = importlib.import_module(f"mlhc_course.{module_name}")
        for name in module.__all__:
            obj = getattr(module, name)
            targets = [obj]
            if inspect.isclass(obj):
                targets = [v for k, v in vars(obj).items() if not k.startswith("_")]
                targets = [getattr(t, "__func__", t) for t in targets]
            for target in targets:
                if inspect.isfunction(target) and "random_state" in inspect.signature(target).parameters:
                    found.add(f"{module_name}.{name}")
    return found


def test_every_public_function_with_random_state_is_tested_here():
    assert mlhc_course  # the package imports
    assert _public_functions_with_random_state() == set(CALLS)


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("name", CALLS)
def test_the_four_random_state_forms_are_accepted_and_reproducible(name, form):
    first = _fingerprint(CALLS[name](FORMS[form]()))
    if form != "None":
        assert _fingerprint(CALLS[name](FORMS[form]())) == first


@pytest.mark.parametrize("name", CALLS)
def test_a_generator_or_randomstate_advances_so_two_calls_differ(name):
    for make in (FORMS["Generator"], FORMS["RandomState"]):
        rs = make()
        assert _fingerprint(CALLS[name](rs)) != _fingerprint(CALLS[name](rs))


@pytest.mark.parametrize("name", CALLS)
@pytest.mark.parametrize("bad", ["seed", -1, 1.5, True, [1]])
def test_a_bad_random_state_names_all_four_forms(name, bad):
    with pytest.raises(ValueError, match="'random_state' parameter of") as err:
        CALLS[name](bad)
    for form in ("int", "Generator", "RandomState", "None"):
        assert form in str(err.value)


def test_integer_seeds_give_what_they_gave_before():
    # bootstrap_ci and patient_split drew from RandomState(int), scikit-learn's convention.
    rs = np.random.RandomState(3)
    draws = [rs.randint(0, 120, 120) for _ in range(5)]
    expected = [roc_auc_score(_Y[d], _SCORE[d]) for d in draws]
    got = metrics.bootstrap_ci(roc_auc_score, _Y, _SCORE, n_resamples=5, random_state=3).distribution
    np.testing.assert_allclose(got, expected)
    split = splits.patient_split(_FRAME, patient_col="patient_id", random_state=3)
    _, test_idx = next(
        GroupShuffleSplit(n_splits=1, test_size=0.2, random_state=3).split(_FRAME, groups=_FRAME.patient_id)
    )
    assert list(split.test.index) == sorted(test_idx)
    # the generators seed a PCG64 Generator from the int, as before
    a = datasets.make_clinical_notes(30, random_state=5).frame
    b = datasets.make_clinical_notes(30, random_state=np.random.default_rng(5)).frame
    pd.testing.assert_frame_equal(a, b)
