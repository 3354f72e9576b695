"""One validation module (mlhc_course/_validation.py) serves the whole public API (issue 10)."""

from __future__ import annotations

import ast
import inspect
import pydoc
from pathlib import Path

import numpy as np
import pytest

from mlhc_course import _validation, audit, metrics, plots, splits
from mlhc_course.datasets import PRIMARY_CARE_PITFALLS, make_primary_care_cohort

PACKAGE = Path(__file__).resolve().parents[1] / "mlhc_course"
#: Modules that check arguments of public functions (grading and the CLI check files and commands).
PUBLIC_API_MODULES = ["metrics", "plots.py", "audit.py", "splits.py", "reporting.py", "datasets"]


def _defined_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}


@pytest.mark.parametrize("module", PUBLIC_API_MODULES)
def test_no_module_keeps_its_own_array_or_random_state_checks(module):
    paths = sorted((PACKAGE / module).rglob("*.py")) if (PACKAGE / module).is_dir() else [PACKAGE / module]
    own_checks = {"_as_1d", "_check_same_length", "_check_binary_labels", "_check_scores", "_check_ci"}
    own_checks |= {"_check_unit_interval", "_check_two_classes", "_check_frame", "check_random_state"}
    for path in paths:
        assert not (_defined_functions(path) & own_checks), f"{path.name} defines its own checks"
        assert "sklearn.utils import Bunch, check_random_state" not in path.read_text(encoding="utf-8")


def test_the_old_private_names_still_import_from_metrics():
    # code written against them (plots, audit, new lessons' helpers) keeps working
    assert metrics._check_scores is _validation.check_scores
    assert metrics._check_binary_labels is _validation.check_binary_labels
    assert metrics._check_same_length is _validation.check_consistent_length
    assert metrics._as_1d is _validation.check_1d


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: metrics.wilson_interval(1, 3, ci=95), "'ci' parameter of wilson_interval"),
        (lambda: metrics.roc_auc_ci([0, 1], [0.1, 0.9], ci=0), "'ci' parameter of roc_auc_ci"),
        (lambda: metrics.bootstrap_ci(np.mean, [0, 1], [0, 1], n_resamples=0), "'n_resamples' parameter"),
        (lambda: metrics.calibration_summary([0, 1], [0.2, 0.8], n_bins=0), "'n_bins' parameter"),
        (lambda: metrics.calibration_summary([0, 1], [0.2, 0.8], strategy="x"), "'strategy' parameter"),
        (
            lambda: audit.subgroup_report([0, 1], [0.1, 0.9], ["a", "b"], threshold=0.5, min_group_size=0),
            "'min_group_size'",
        ),
        (
            lambda: audit.compare_sites([0, 1], [0.1, 0.9], ["a", "b"], ci=2),
            "'ci' parameter of compare_sites",
        ),
    ],
)
def test_scalar_parameters_get_the_one_message_shape(call, name):
    with pytest.raises(ValueError, match=name) as err:
        call()
    assert "Got" in str(err.value) and "instead." in str(err.value)


def test_array_checks_are_shared_by_metrics_plots_and_audit(pyplot):
    for call in (
        lambda: metrics.roc_auc_ci([0, 1, 1], [0.1, np.nan, 0.3]),
        lambda: plots.plot_roc([0, 1, 1], [0.1, np.nan, 0.3]),
        lambda: audit.subgroup_report([0, 1, 1], [0.1, np.nan, 0.3], ["a", "b", "a"], threshold=0.5),
    ):
        with pytest.raises(ValueError, match="never dropped silently"):
            call()
    with pytest.raises(ValueError, match="is not a column of frame"):
        splits.patient_split(__import__("pandas").DataFrame({"a": [1]}), patient_col="pid")


def test_help_lists_every_pitfall_as_a_keyword_only_parameter():
    params = inspect.signature(make_primary_care_cohort).parameters
    text = pydoc.render_doc(make_primary_care_cohort)
    for name, default in PRIMARY_CARE_PITFALLS.items():
        assert params[name].kind is inspect.Parameter.KEYWORD_ONLY
        assert params[name].default == default
        assert f"{name}=" in text.split("\n\n")[0] or f"{name}:" in text
        assert f"\n{name} : " in inspect.getdoc(make_primary_care_cohort)
    assert not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())


def test_an_unknown_keyword_still_gets_the_clear_error():
    with pytest.raises(
        ValueError, match="Unknown pitfall 'leaky' for make_primary_care_cohort. Valid pitfalls"
    ):
        make_primary_care_cohort(10, leaky=True)
