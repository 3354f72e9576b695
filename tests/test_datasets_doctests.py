"""The Examples sections of the datasets API run and give the documented output."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "mlhc_course._validation",
    "mlhc_course.datasets._base",
    "mlhc_course.datasets._framingham",
    "mlhc_course.datasets._news2",
    "mlhc_course.datasets._primary_care",
    "mlhc_course.datasets._ward",
    "mlhc_course.datasets._notes",
    "mlhc_course.datasets._canonical",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
