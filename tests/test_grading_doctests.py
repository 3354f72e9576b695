"""The Examples sections of the grading API run (those that need a graded course are skipped)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "mlhc_course.grading._course",
    "mlhc_course.grading._synthetic",
    "mlhc_course.grading._release",
    "mlhc_course.grading._collect",
    "mlhc_course.grading._autograde",
    "mlhc_course.grading._feedback",
    "mlhc_course.grading._report",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder()
    assert any(t.examples for t in finder.find(module)), f"{name} has no examples"
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.failed == 0


def test_public_api_is_documented():
    import mlhc_course.grading as grading

    for name in grading.__all__:
        obj = getattr(grading, name)
        assert obj.__doc__ and len(obj.__doc__.strip()) > 20, name
