"""Every public datasets function rejects bad input with a ValueError naming the parameter and the value."""

from __future__ import annotations

import re

import numpy as np
import pytest

from mlhc_course import _validation
from mlhc_course import datasets as ds

# (function, kwargs, parameter name, bad value as it must appear, valid range as it must appear)
BAD_INPUTS = [
    (ds.make_primary_care_cohort, {"n_patients": -5}, "n_patients", "-5", "an int in the range [1, inf)"),
    (ds.make_primary_care_cohort, {"n_patients": 0}, "n_patients", "0", "[1, inf)"),
    (ds.make_primary_care_cohort, {"n_patients": 10.5}, "n_patients", "10.5", "[1, inf)"),
    (ds.make_primary_care_cohort, {"n_patients": 10, "statin_hr": 1.5}, "statin_hr", "1.5", "(0, 1]"),
    (ds.make_primary_care_cohort, {"n_patients": 10, "missing_rate": 1.2}, "missing_rate", "1.2", "[0, 1]"),
    (ds.make_primary_care_cohort, {"n_patients": 10, "label_bias": -0.1}, "label_bias", "-0.1", "[0, 1]"),
    (ds.make_primary_care_cohort, {"n_patients": 10, "site_shift": 2}, "site_shift", "2", "[0, 1]"),
    (ds.make_primary_care_cohort, {"n_patients": 10, "label_bias_group": "women"}, "label_bias_group", "'women'",
     "'female', 'male', 'White'"),
    (ds.make_primary_care_cohort, {"n_patients": 10, "sites": 0}, "sites", "0", "[1, 999]"),
    (ds.make_primary_care_cohort, {"n_patients": 10, "missingness": "mnar"}, "missingness", "'mnar'",
     "'none', 'random', 'informative'"),
    (ds.make_primary_care_cohort, {"n_patients": 10, "repeat_visits": 0}, "repeat_visits", "0", "[1, inf)"),
    (ds.make_primary_care_cohort, {"n_patients": 10, "leaky_features": "yes"}, "leaky_features", "'yes'", "a bool"),
    (ds.make_primary_care_cohort, {"n_patients": 10, "temporal_drift": 1}, "temporal_drift", "1", "a bool"),
    (ds.make_primary_care_cohort, {"n_patients": 10, "random_state": "seed"}, "random_state", "'seed'",
     "numpy.random.Generator"),
    (ds.make_primary_care_cohort, {"n_patients": 10, "random_state": -1}, "random_state", "-1", "[0, inf)"),
    (ds.make_primary_care_cohort, {"n_patients": 10, "as_frame": "yes"}, "as_frame", "'yes'", "a bool"),
    (ds.make_ward_vitals, {"n_admissions": -5}, "n_admissions", "-5", "[1, inf)"),
    (ds.make_ward_vitals, {"n_admissions": 10, "hours": 0}, "hours", "0", "an int in the range [1, inf)"),
    (ds.make_ward_vitals, {"n_admissions": 10, "deterioration_rate": 1.5}, "deterioration_rate", "1.5", "[0, 1]"),
    (ds.make_ward_vitals, {"n_admissions": 10, "missed_obs_rate": -0.2}, "missed_obs_rate", "-0.2", "[0, 1]"),
    (ds.make_ward_vitals, {"n_admissions": 10, "random_state": 1.5}, "random_state", "1.5", "Generator"),
    (ds.make_clinical_notes, {"n_notes": -1}, "n_notes", "-1", "[1, inf)"),
    (ds.make_clinical_notes, {"n_notes": 10, "prevalence": 1.01}, "prevalence", "1.01", "[0, 1]"),
    (ds.make_clinical_notes, {"n_notes": 10, "distractor_rate": float("nan")}, "distractor_rate", "nan", "[0, 1]"),
    (ds.make_clinical_notes, {"n_notes": 10, "random_state": [1]}, "random_state", "[1]", "Generator"),
    (ds.make_lesion_images, {"n_images": 0}, "n_images", "0", "an int in the range [1, inf)"),
    (ds.make_lesion_images, {"n_images": 10, "size": 8}, "size", "8", "[16, 512]"),
    (ds.make_lesion_images, {"n_images": 10, "shortcut": 1.5}, "shortcut", "1.5", "[0, 1]"),
    (ds.make_lesion_images, {"n_images": 10, "sites": 0}, "sites", "0", "[1, 26]"),
    (ds.make_lesion_images, {"n_images": 10, "random_state": -1}, "random_state", "-1", "[0, inf)"),
    (ds.make_gene_expression, {"n_samples": 1}, "n_samples", "1", "an int in the range [2, inf)"),
    (ds.make_gene_expression, {"n_samples": 10, "batch_confounding": 1.5}, "batch_confounding", "1.5", "[0, 1]"),
    (ds.framingham_cvd_risk, {"age": 50, "sex": "female", "total_chol": 200, "hdl_chol": 50, "sbp": 130,
                              "bp_treated": 0, "smoker": 0, "diabetes": 0, "chol_units": "mmol"}, "chol_units",
     "'mmol'", "'mg/dL', 'mmol/L'"),
    (ds.make_ehr, {"n_patients": 0}, "n_patients", "0", "an int in the range [1, inf)"),
    (ds.make_ehr, {"n_patients": 10, "messiness": "chaos"}, "messiness", "'chaos'", "'realistic'"),
    (ds.load_primary_care_cohort, {"return_X_y": "no"}, "return_X_y", "'no'", "a bool"),
    (ds.load_ward_vitals, {"as_frame": None}, "as_frame", "None", "a bool"),
    (ds.load_clinical_notes, {"as_frame": 1}, "as_frame", "1", "a bool"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("func", "kwargs", "param", "value", "valid"),
    BAD_INPUTS,
    ids=[f"{f.__name__}-{p}-{v}" for f, _, p, v, _ in BAD_INPUTS],
)
def test_bad_input_message_names_parameter_value_and_range(func, kwargs, param, value, valid):
    with pytest.raises(ValueError) as info:
        func(**kwargs)
    message = str(info.value)
    assert f"The '{param}' parameter of {func.__name__} must be" in message
    assert f"Got {value} instead." in message
    assert valid in message


def test_the_documented_example_message():
    with pytest.raises(ValueError) as info:
        ds.make_primary_care_cohort(-5)
    assert str(info.value) == (
        "The 'n_patients' parameter of make_primary_care_cohort must be an int in the range [1, inf). "
        "Got -5 instead."
    )


def test_unknown_pitfall_is_named_with_the_valid_ones():
    with pytest.raises(
        ValueError, match=re.escape("Unknown pitfall 'leaky_labels' for make_primary_care_cohort")
    ):
        ds.make_primary_care_cohort(10, leaky_labels=True)
    with pytest.raises(ValueError, match="repeat_visits, leaky_features, missingness"):
        ds.make_primary_care_cohort(10, leaky_labels=True)


def test_every_public_generator_is_walked():
    """A new public make_* function must be added to BAD_INPUTS."""
    walked = {f.__name__ for f, *_ in BAD_INPUTS}
    public = {name for name in ds.__all__ if name.startswith(("make_", "load_"))} | {"framingham_cvd_risk"}
    # load_ehr's only parameter is data_dir: a missing file gets a FileNotFoundError naming the fix
    # (tests/test_datasets_ehr.py)
    assert public - {"load_ehr"} <= walked, public - walked


def test_valid_edge_values_are_accepted():
    ds.make_primary_care_cohort(1, random_state=np.int64(3), missing_rate=0.0, label_bias=1.0, statin_hr=1.0)
    ds.make_ward_vitals(1, hours=1, deterioration_rate=1.0, missed_obs_rate=1.0, random_state=0)
    ds.make_clinical_notes(1, prevalence=1.0, distractor_rate=0.0, random_state=np.random.default_rng(0))


def test_interval_and_options_describe_themselves():
    assert str(_validation.Interval(int, 1, None, closed="left")) == "an int in the range [1, inf)"
    assert str(_validation.Interval(float, 0, 1, closed="right")) == "a float in the range (0, 1]"
    assert str(_validation.Options(str, ("a", "b"))) == "a str among {'a', 'b'}"
    assert not _validation.Interval(int, 0, None).is_satisfied_by(True)  # bools are not ints here
    assert _validation.Interval(float, 0, 1).is_satisfied_by(1)  # ints are reals
