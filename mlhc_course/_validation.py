"""Shared parameter checks for the public API (in the spirit of scikit-learn's ``_param_validation``).

Every public function validates its arguments at the door and raises a ``ValueError`` that names the
parameter, the function, the valid range and the value it got, for example::

    The 'n_patients' parameter of make_primary_care_cohort must be an int in the range [1, inf).
    Got -5 instead.

It is the ONE validation module of the library: datasets, metrics, plots, audit, splits and
reporting all check their inputs with it, so every message has the same shape and every
``random_state`` accepts the same four things. It holds:

- scalar parameters: constraints (:class:`Interval`, :class:`Options`), one checker
  (:func:`check_param`), :func:`check_ci` and the check for unknown keyword options
  (:func:`check_keywords`);
- random states: :func:`check_random_state` (a ``numpy.random.Generator``) and
  :func:`check_legacy_random_state` (a ``numpy.random.RandomState``, for code whose integer seeds
  were defined through scikit-learn's RandomState convention); both accept None, an int >= 0, a
  ``Generator`` or a ``RandomState``;
- per-patient arrays (:func:`check_1d`, :func:`check_consistent_length`,
  :func:`check_binary_labels`, :func:`check_scores`, :func:`check_two_classes`,
  :func:`check_proportion`, :func:`check_threshold_probabilities`) and data frames
  (:func:`check_frame_column`). Their messages name the array and the fix, for example
  "y_score contains 2 NaN or infinite value(s) ... they are never dropped silently".
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "Interval",
    "Options",
    "check_param",
    "check_ci",
    "check_keywords",
    "reject_unknown_keywords",
    "check_random_state",
    "check_legacy_random_state",
    "check_1d",
    "check_consistent_length",
    "check_binary_labels",
    "check_scores",
    "check_two_classes",
    "check_proportion",
    "check_threshold_probabilities",
    "check_frame_column",
]

#: What ``random_state`` may be, in every public function of the library.
RANDOM_STATE_DOC = (
    "None, an int in the range [0, inf), a numpy.random.Generator or a numpy.random.RandomState"
)

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


def _bad_random_state(random_state: Any, caller: str) -> ValueError:
    return ValueError(
        f"The 'random_state' parameter of {caller} must be an int in the range [0, inf), "
        f"a numpy.random.Generator, a numpy.random.RandomState or None. Got {random_state!r} instead."
    )


def check_random_state(random_state: Any, *, caller: str) -> np.random.Generator:
    """Turn ``random_state`` into a ``numpy.random.Generator``.

    Parameters
    ----------
    random_state : None, int, numpy.random.Generator or numpy.random.RandomState
        - an int >= 0 seeds a new PCG64 generator, so the same int always gives the same data;
        - a ``Generator`` is used as is (the caller's stream advances);
        - a legacy ``RandomState`` seeds a new generator from four 32-bit draws of it (so it is
          reproducible, and the caller's RandomState advances);
        - ``None`` draws fresh OS entropy.
    caller : str
        The public function's name, for the error message.

    Returns
    -------
    generator : numpy.random.Generator

    Examples
    --------
    >>> a, b = check_random_state(0, caller="f"), check_random_state(0, caller="f")
    >>> int(a.integers(10)) == int(b.integers(10))
    True
    >>> c = check_random_state(np.random.RandomState(0), caller="f")
    >>> d = check_random_state(np.random.RandomState(0), caller="f")
    >>> int(c.integers(10)) == int(d.integers(10))
    True
    """
    if random_state is None or isinstance(random_state, np.random.Generator):
        return np.random.default_rng(random_state)
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(0, 2**32, size=4, dtype=np.uint64))
    if _is_kind(random_state, int) and random_state >= 0:
        return np.random.default_rng(int(random_state))
    raise _bad_random_state(random_state, caller)


def check_legacy_random_state(random_state: Any, *, caller: str) -> np.random.RandomState:
    """Turn ``random_state`` into a legacy ``numpy.random.RandomState`` (scikit-learn's convention).

    For functions whose integer seeds were defined through ``RandomState`` (the bootstrap, the
    patient split): an int gives exactly the stream it always gave.

    Parameters
    ----------
    random_state : None, int, numpy.random.Generator or numpy.random.RandomState
        The four forms :func:`check_random_state` takes, turned into a ``RandomState``: an int in
        [0, 2**32 - 1] seeds ``RandomState(int)``, as :func:`sklearn.utils.check_random_state`; a
        ``RandomState`` is used as is; a ``Generator`` lends its bit generator
        (``RandomState(generator.bit_generator)``), so the caller's stream advances, as it does for
        a Generator everywhere else; ``None`` draws fresh OS entropy.
    caller : str
        As for :func:`check_random_state`.

    Returns
    -------
    random_state : numpy.random.RandomState

    Examples
    --------
    >>> check_legacy_random_state(0, caller="f").randint(100) == np.random.RandomState(0).randint(100)
    True
    >>> rs = check_legacy_random_state(np.random.default_rng(0), caller="f")
    >>> isinstance(rs, np.random.RandomState)
    True
    """
    if random_state is None:
        return np.random.RandomState()
    if isinstance(random_state, np.random.RandomState):
        return random_state
    if isinstance(random_state, np.random.Generator):
        return np.random.RandomState(random_state.bit_generator)
    if _is_kind(random_state, int) and 0 <= random_state < 2**32:
        return np.random.RandomState(int(random_state))
    if _is_kind(random_state, int) and random_state >= 2**32:
        raise ValueError(
            f"The 'random_state' parameter of {caller} must be an int in the range [0, 2**32 - 1] "
            f"(a legacy RandomState seed), a numpy.random.Generator, a numpy.random.RandomState or None. "
            f"Got {random_state!r} instead."
        )
    raise _bad_random_state(random_state, caller)


def check_ci(ci: Any, *, caller: str) -> float:
    """Return a confidence level strictly between 0 and 1 as a float, or raise a ``ValueError``.

    Examples
    --------
    >>> check_ci(0.95, caller="f")
    0.95
    """
    check_param(ci, Interval(float, 0, 1, closed="neither"), name="ci", caller=caller)
    return float(ci)


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


def reject_unknown_keywords(*, kind: str, valid: Iterable[str], caller: str) -> Callable:
    """Decorate a function so that an unknown keyword raises :func:`check_keywords`'s ``ValueError``.

    Python's own error for a misspelt keyword is a terse ``TypeError``; this one names the
    function and lists the valid ``kind`` keywords. The signature (``help()``, IDEs) is unchanged.

    Examples
    --------
    >>> @reject_unknown_keywords(kind="pitfall", valid=["leaky_features"], caller="f")
    ... def f(*, leaky_features=False):
    ...     return leaky_features
    >>> f(leaky_feature=True)
    Traceback (most recent call last):
    ...
    ValueError: Unknown pitfall 'leaky_feature' for f. Valid pitfalls are: leaky_features.
    """
    valid = tuple(valid)

    def decorate(func: Callable) -> Callable:
        accepted = set(inspect.signature(func).parameters)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            unknown = {k: v for k, v in kwargs.items() if k not in accepted}
            if unknown:
                check_keywords(unknown, valid, kind=kind, caller=caller)
            return func(*args, **kwargs)

        return wrapper

    return decorate


# --------------------------------------------------------------------------------------------------
# Per-patient arrays (y_true, y_score, groups, ...) and data frames
# --------------------------------------------------------------------------------------------------


def check_1d(values: Any, name: str) -> np.ndarray:
    """Return ``values`` as a non-empty 1-D numpy array (a column vector is flattened).

    Examples
    --------
    >>> check_1d([[1], [2]], "y_true")
    array([1, 2])
    """
    arr = np.asarray(values)
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.ravel()
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional; got an array of shape {arr.shape}.")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty; at least one patient is needed.")
    return arr


def check_consistent_length(**arrays: Any) -> None:
    """Raise a ``ValueError`` naming each array's length if they differ.

    Examples
    --------
    >>> check_consistent_length(y_true=[0, 1], y_score=[0.2, 0.4])
    """
    lengths = {name: len(arr) for name, arr in arrays.items()}
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"{name} has {n}" for name, n in lengths.items())
        raise ValueError(f"Inputs must have one entry per patient, but the lengths differ: {detail}.")


def check_binary_labels(y: Any, *, pos_label: Any = None, name: str = "y_true") -> np.ndarray:
    """Return ``y`` as an int array of 0/1, or raise a ``ValueError`` naming the fix.

    0/1, False/True and -1/1 need no ``pos_label``; any other two labels do.

    Examples
    --------
    >>> check_binary_labels(["well", "sepsis"], pos_label="sepsis")
    array([0, 1])
    """
    arr = check_1d(y, name)
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} contains NaN or infinite values; every patient needs an outcome.")
    if arr.dtype.kind == "O" and any(v is None or (isinstance(v, float) and np.isnan(v)) for v in arr):
        raise ValueError(f"{name} contains missing values; every patient needs an outcome.")
    labels = pd.unique(arr)
    if len(labels) > 2:
        shown = ", ".join(repr(v) for v in sorted(labels.tolist(), key=str)[:6])
        raise ValueError(f"{name} must hold two classes (a binary outcome); found {len(labels)}: {shown}.")
    if pos_label is not None:
        if pos_label not in set(labels.tolist()) and not (len(labels) == 1):
            raise ValueError(
                f"pos_label={pos_label!r} is not one of the labels in {name}: "
                f"{sorted(labels.tolist(), key=str)}."
            )
        return (arr == pos_label).astype(int)
    label_set = set(labels.tolist())
    if label_set <= {0, 1} or label_set <= {False, True}:
        return arr.astype(int)
    if label_set <= {-1, 1}:
        return (arr == 1).astype(int)
    shown = sorted(label_set, key=str)
    if name == "event":
        raise ValueError(f"event has labels {shown}; encode it as 1 (event observed) or 0 (censored).")
    raise ValueError(
        f"{name} has labels {shown}, so the positive class is ambiguous. Pass pos_label= naming the positive "
        f"class (for example pos_label={shown[-1]!r}), or encode the outcome as 0/1."
    )


def check_scores(y_score: Any, name: str = "y_score", *, probability: bool = False) -> np.ndarray:
    """Return finite float scores, or raise a ``ValueError`` (NaN is never dropped silently).

    With ``probability=True`` the scores must also lie in [0, 1].

    Examples
    --------
    >>> check_scores([0.1, 0.9], probability=True)
    array([0.1, 0.9])
    """
    arr = check_1d(y_score, name)
    if arr.dtype.kind not in "biuf":
        try:
            arr = arr.astype(float)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be numeric; got values of type {arr.dtype}.") from None
    arr = arr.astype(float)
    bad = ~np.isfinite(arr)
    if bad.any():
        first = np.flatnonzero(bad)[:5].tolist()
        raise ValueError(
            f"{name} contains {int(bad.sum())} NaN or infinite value(s) (first at positions {first}). "
            "Impute or remove those patients explicitly before evaluating; they are never dropped silently."
        )
    if probability and (arr.min() < 0 or arr.max() > 1):
        raise ValueError(
            f"{name} must hold probabilities in [0, 1]; got values from {arr.min():.4g} to {arr.max():.4g}. "
            "If these are scores rather than probabilities, calibrate them first "
            "(or use a score-based metric)."
        )
    return arr


def check_two_classes(y: np.ndarray, what: str) -> None:
    """Raise a ``ValueError`` if the 0/1 array ``y`` holds a single class (``what`` is undefined then).

    Examples
    --------
    >>> check_two_classes(np.array([0, 1]), "The AUROC")
    """
    if y.min() == y.max():
        only = "positive" if y[0] == 1 else "negative"
        raise ValueError(
            f"{what} needs patients with and without the outcome, but y_true has only {only} cases "
            f"(n={len(y)}). It is undefined for a single class."
        )


def check_proportion(value: Any, name: str) -> np.ndarray:
    """Return ``value`` (a float or an array) as floats in [0, 1], or raise a ``ValueError``.

    Examples
    --------
    >>> float(check_proportion(0.25, "prevalence"))
    0.25
    """
    arr = np.asarray(value, dtype=float)
    if np.any(~np.isfinite(arr)) or np.any(arr < 0) or np.any(arr > 1):
        raise ValueError(f"{name} must be a proportion in [0, 1]; got {value!r}.")
    return arr


def check_threshold_probabilities(thresholds: Any) -> np.ndarray:
    """Return decision-curve threshold probabilities (1-D, each strictly between 0 and 1).

    Examples
    --------
    >>> check_threshold_probabilities([0.1, 0.2])
    array([0.1, 0.2])
    """
    pt = np.atleast_1d(np.asarray(thresholds, dtype=float))
    if pt.ndim != 1 or pt.size == 0:
        raise ValueError("thresholds must be a non-empty 1-D sequence of threshold probabilities.")
    bad = ~np.isfinite(pt) | (pt <= 0) | (pt >= 1)
    if bad.any():
        raise ValueError(
            "thresholds must be threshold probabilities strictly between 0 and 1 (the odds pt/(1-pt) weigh "
            f"false positives); got {pt[bad][:5].tolist()}."
        )
    return pt


def check_frame_column(frame: Any, column: str, param: str) -> None:
    """Raise a ``ValueError`` unless ``frame`` is a DataFrame with a complete column ``column``.

    Examples
    --------
    >>> check_frame_column(pd.DataFrame({"patient_id": [1, 2]}), "patient_id", "patient_col")
    """
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"frame must be a pandas DataFrame; got {type(frame).__name__}.")
    if column not in frame.columns:
        shown = ", ".join(map(str, list(frame.columns)[:10]))
        raise ValueError(f"{param}={column!r} is not a column of frame; columns are: {shown}.")
    if frame[column].isna().any():
        raise ValueError(
            f"Column {column!r} has {int(frame[column].isna().sum())} missing value(s); every row needs one "
            "before splitting."
        )
