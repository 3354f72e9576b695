"""Shared parameter checks for the public API (in the spirit of scikit-learn's ``_param_validation``).

Every public function validates its arguments at the door and raises a ``ValueError`` that names the
parameter, the function, the valid range and the value it got, for example::

    The 'n_patients' parameter of make_primary_care_cohort must be an int in the range [1, inf).
    Got -5 instead.

This module is small on purpose: constraints (:class:`Interval`, :class:`Options`), one checker
(:func:`check_param`), the random-state check and the check for unknown keyword options.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

__all__ = ["Interval", "Options", "check_param", "check_random_state", "check_keywords"]

_KIND_NAMES = {int: "an int", float: "a float", bool: "a bool", str: "a str"}


def _is_kind(value: Any, kind: type) -> bool:
    """Is ``value`` of ``kind``? Bools are not numbers here; numpy scalars are."""
    if kind is bool:
        return isinstance(value, bool | np.bool_)
    if isinstance(value, bool | np.bool_):
        return False
    if kind is int:
        return isinstance(value, numbers.Integral)
    if kind is float:
        return isinstance(value, numbers.Real)
    return isinstance(value, kind)


class Interval:
    """A numeric range constraint, e.g. ``Interval(int, 1, None, closed="left")`` for [1, inf).

    Parameters
    ----------
    kind : {int, float}
        ``int`` accepts integers only; ``float`` accepts any real number (ints included).
    low, high : float or None
        The bounds; ``None`` means unbounded on that side.
    closed : {"left", "right", "both", "neither"}, default="both"
        Which bounds belong to the interval.
    """

    def __init__(self, kind: type, low: float | None, high: float | None, *, closed: str = "both") -> None:
        if closed not in {"left", "right", "both", "neither"}:
            raise ValueError(f"closed must be 'left', 'right', 'both' or 'neither', got {closed!r}")
        self.kind, self.low, self.high, self.closed = kind, low, high, closed

    def is_satisfied_by(self, value: Any) -> bool:
        if not _is_kind(value, self.kind):
            return False
        if isinstance(value, float | np.floating) and math.isnan(value):
            return False
        low_ok = self.low is None or (
            value >= self.low if self.closed in {"left", "both"} else value > self.low
        )
        high_ok = self.high is None or (
            value <= self.high if self.closed in {"right", "both"} else value < self.high
        )
        return bool(low_ok and high_ok)

    def __str__(self) -> str:
        left = "[" if self.closed in {"left", "both"} and self.low is not None else "("
        right = "]" if self.closed in {"right", "both"} and self.high is not None else ")"
        low = "-inf" if self.low is None else f"{self.low:g}"
        high = "inf" if self.high is None else f"{self.high:g}"
        return f"{_KIND_NAMES[self.kind]} in the range {left}{low}, {high}{right}"


class Options:
    """A constraint to a fixed set of values, e.g. ``Options(str, {"none", "random", "informative"})``."""

    def __init__(self, kind: type, values: Iterable[Any]) -> None:
        self.kind = kind
        self.values = tuple(values)

    def is_satisfied_by(self, value: Any) -> bool:
        return _is_kind(value, self.kind) and value in self.values

    def __str__(self) -> str:
        listed = ", ".join(repr(v) for v in self.values)
        return f"{_KIND_NAMES.get(self.kind, 'a value')} among {{{listed}}}"


class _Type:
    """A plain type constraint (``bool``, ``None`` or a class)."""

    def __init__(self, kind: type | None) -> None:
        self.kind = kind

    def is_satisfied_by(self, value: Any) -> bool:
        return value is None if self.kind is None else _is_kind(value, self.kind)

    def __str__(self) -> str:
        if self.kind is None:
            return "None"
        return _KIND_NAMES.get(self.kind, f"an instance of {self.kind.__name__!r}")


def check_param(value: Any, *constraints: Interval | Options | type | None, name: str, caller: str) -> Any:
    """Return ``value`` if it satisfies any of ``constraints``, else raise a ``ValueError``.

    Parameters
    ----------
    value : object
        The argument to check.
    *constraints : Interval, Options, type or None
        Accepted alternatives. A bare type (``bool``, ``str``) or ``None`` is a type constraint.
    name : str
        The parameter's name, as the caller spells it.
    caller : str
        The public function's name.

    Raises
    ------
    ValueError
        "The 'n' parameter of f must be an int in the range [1, inf). Got -5 instead."

    Examples
    --------
    >>> check_param(3, Interval(int, 1, None, closed="left"), name="n", caller="f")
    3
    """
    checks = [c if isinstance(c, Interval | Options) else _Type(c) for c in constraints]
    if any(c.is_satisfied_by(value) for c in checks):
        return value
    wanted = " or ".join(str(c) for c in checks)
    raise ValueError(f"The {name!r} parameter of {caller} must be {wanted}. Got {value!r} instead.")


def check_random_state(random_state: Any, *, caller: str) -> np.random.Generator:
    """Turn ``random_state`` (None, an int >= 0 or a ``numpy.random.Generator``) into a Generator.

    A ``Generator`` is used as is (so the caller's stream advances); an int seeds a new PCG64
    generator, so the same int always gives the same data; ``None`` draws fresh OS entropy.

    Examples
    --------
    >>> a, b = check_random_state(0, caller="f"), check_random_state(0, caller="f")
    >>> int(a.integers(10)) == int(b.integers(10))
    True
    """
    if random_state is None or isinstance(random_state, np.random.Generator):
        return np.random.default_rng(random_state)
    if _is_kind(random_state, int) and random_state >= 0:
        return np.random.default_rng(int(random_state))
    raise ValueError(
        f"The 'random_state' parameter of {caller} must be an int in the range [0, inf), "
        f"a numpy.random.Generator or None. Got {random_state!r} instead."
    )


def check_keywords(given: Mapping[str, Any], allowed: Iterable[str], *, kind: str, caller: str) -> None:
    """Raise a ``ValueError`` naming any keyword in ``given`` that is not in ``allowed``.

    Examples
    --------
    >>> check_keywords({"leaky_features": True}, ["leaky_features"], kind="pitfall", caller="f")
    """
    allowed = tuple(allowed)
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise ValueError(
            f"Unknown {kind} {unknown[0]!r} for {caller}. Valid {kind}s are: {', '.join(allowed)}."
        )
