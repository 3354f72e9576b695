"""mlhc_course: the library behind the Machine Learning for Healthcare course.

Notebooks and the book import the public modules listed in ``__all__``, for example::

    from mlhc_course import datasets, metrics

Submodules are imported lazily, so ``import mlhc_course`` and the ``mlhc`` command stay fast.
"""

from __future__ import annotations

import importlib
from typing import Any

from ._version import __version__

#: The public modules. Everything a lesson may use lives in one of these.
__all__ = [
    "__version__",
    "datasets",
    "metrics",
    "plots",
    "splits",
    "modelling",
    "audit",
    "reporting",
    "imaging",
    "survival",
    "causal",
    "text",
    "exercises",
    "grading",
]

_SUBMODULES = frozenset(__all__) - {"__version__"}


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _SUBMODULES)
