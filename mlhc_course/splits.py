"""Train/test splits that respect how clinical data are generated: by patient, by time, by site.

A random row split of electronic health records leaks: the same patient's admissions land on both
sides, and the test set no longer answers "how will the model do on *new* patients?". These
functions make the three splits a clinical validation needs (Steyerberg & Harrell 2016; Riley et
al. 2016):

- :func:`patient_split`: every row of a patient on one side (internal validation);
- :func:`temporal_split`: train on the past, test on the future (temporal validation);
- :func:`site_split`: hold out whole hospitals (geographical/external validation);

and :func:`check_no_patient_overlap` verifies any split.

Each split returns a :class:`Split` named tuple ``(train, test)`` of DataFrames, in the original
row order with the original index.
"""

from __future__ import annotations

from collections.abc import Iterable
from numbers import Integral, Real
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from ._validation import check_frame_column, check_legacy_random_state

__all__ = ["Split", "patient_split", "temporal_split", "site_split", "check_no_patient_overlap"]


class Split(NamedTuple):
    """A train/test split: unpack it (``train, test = split``) or use ``split.train``/``split.test``."""

    train: pd.DataFrame
    test: pd.DataFrame


def patient_split(
    frame: pd.DataFrame,
    *,
    patient_col: str,
    test_size: float | int = 0.2,
    random_state: int | np.random.Generator | np.random.RandomState | None = None,
) -> Split:
    """Split rows so that each patient is entirely in train or entirely in test.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per observation (admission, visit, image); several rows may share a patient.
    patient_col : str
        Column holding the patient identifier (the ``groups`` of scikit-learn's splitters).
    test_size : float or int, default=0.2
        Proportion of *patients* (not rows) in the test set if a float in (0, 1), or the number
        of test patients if an int.
    random_state : int, numpy.random.Generator, numpy.random.RandomState or None, default=None
        Seed for a reproducible split. An int gives the split scikit-learn's
        ``GroupShuffleSplit(random_state=int)`` gives; a ``Generator`` or ``RandomState`` is the
        source of the draw and advances.

    Returns
    -------
    split : Split
        ``(train, test)`` DataFrames.

    See Also
    --------
    sklearn.model_selection.GroupShuffleSplit : The splitter used.
    check_no_patient_overlap

    Notes
    -----
    Because whole patients move together, the share of *rows* in the test set is only
    approximately ``test_size``.

    References
    ----------
    .. [1] Steyerberg EW, Harrell FE Jr. Prediction models need appropriate internal, internal-
       external, and external validation. J Clin Epidemiol 2016;69:245-247.

    Examples
    --------
    >>> frame = pd.DataFrame({"patient_id": [1, 1, 2, 3, 3, 3, 4, 5], "x": range(8)})
    >>> train, test = patient_split(frame, patient_col="patient_id", test_size=0.4, random_state=0)
    >>> check_no_patient_overlap(train, test, "patient_id")
    >>> test["patient_id"].nunique()
    2
    """
    check_frame_column(frame, patient_col, "patient_col")
    n_patients = frame[patient_col].nunique()
    if isinstance(test_size, Integral) and not isinstance(test_size, bool):
        if not 1 <= test_size < n_patients:
            raise ValueError(
                f"test_size as an int must be between 1 and {n_patients - 1} patients; got {test_size}."
            )
    elif not isinstance(test_size, Real) or not 0 < test_size < 1:
        raise ValueError(
            f"test_size must be a proportion of patients in (0, 1) or an int; got {test_size!r}."
        )
    if n_patients < 2:
        raise ValueError(f"patient_split needs at least 2 patients; frame has {n_patients}.")
    from sklearn.model_selection import GroupShuffleSplit  # lazy: keeps `import splits` light

    rng = check_legacy_random_state(random_state, caller="patient_split")
    splitter = GroupShuffleSplit(n_splits=1, test_size=test_size, random_state=rng)
    train_idx, test_idx = next(splitter.split(frame, groups=frame[patient_col].to_numpy()))
    return Split(frame.iloc[np.sort(train_idx)], frame.iloc[np.sort(test_idx)])


def temporal_split(frame: pd.DataFrame, *, time_col: str, cutoff: Any) -> Split:
    """Train on rows before ``cutoff`` and test on rows at or after it.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per observation.
    time_col : str
        Column with the time of prediction (a datetime, or a number such as a year).
    cutoff : datetime-like, str or number
        Rows with ``time < cutoff`` go to train, ``time >= cutoff`` to test. A string is parsed
        with :func:`pandas.Timestamp` when the column holds datetimes, e.g. ``"2021-01-01"``.

    Returns
    -------
    split : Split
        ``(train, test)`` DataFrames.

    Raises
    ------
    ValueError
        If either side would be empty (the message gives the column's range).

    See Also
    --------
    check_no_patient_overlap : A patient seen in both periods appears on both sides; check, and
        drop or accept the overlap deliberately.

    Notes
    -----
    Temporal validation shows what happens when practice, coding and case-mix drift (for example
    after a change of laboratory assay or a pandemic). Leave a gap between the periods when the
    outcome is measured long after the prediction time, or the last training rows will use labels
    that were not yet known at the cutoff.

    Examples
    --------
    >>> frame = pd.DataFrame({"admitted": pd.to_datetime(["2019-05-01", "2020-02-01", "2021-03-01"])})
    >>> train, test = temporal_split(frame, time_col="admitted", cutoff="2020-06-01")
    >>> len(train), len(test)
    (2, 1)
    """
    check_frame_column(frame, time_col, "time_col")
    times = frame[time_col]
    if pd.api.types.is_datetime64_any_dtype(times):
        try:
            cut = pd.Timestamp(cutoff)
        except (TypeError, ValueError):
            raise ValueError(
                f"cutoff={cutoff!r} is not a date; the column {time_col!r} holds datetimes."
            ) from None
        if times.dt.tz is not None and cut.tzinfo is None:
            cut = cut.tz_localize(times.dt.tz)
    elif pd.api.types.is_numeric_dtype(times):
        if not isinstance(cutoff, Real):
            raise ValueError(f"cutoff must be a number because {time_col!r} is numeric; got {cutoff!r}.")
        cut = cutoff
    else:
        raise ValueError(f"time_col {time_col!r} must hold datetimes or numbers; got dtype {times.dtype}.")
    before = (times < cut).to_numpy()
    if before.all() or not before.any():
        side = "test" if before.all() else "train"
        raise ValueError(
            f"cutoff={cutoff!r} leaves the {side} set empty; {time_col!r} ranges from {times.min()} to {times.max()}."
        )
    return Split(frame[before], frame[~before])


def site_split(frame: pd.DataFrame, *, site_col: str, test_sites: Iterable[Any] | str) -> Split:
    """Hold out whole sites: rows from ``test_sites`` form the test set, all others train.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per observation.
    site_col : str
        Column with the site (hospital, region, scanner).
    test_sites : label or iterable of labels
        The site(s) to hold out.

    Returns
    -------
    split : Split
        ``(train, test)`` DataFrames.

    Raises
    ------
    ValueError
        If a test site is not in the data, or if no site is left for training.

    See Also
    --------
    mlhc_course.audit.external_validation_report : Compare performance on the two sides.

    References
    ----------
    .. [1] Riley RD, Ensor J, Snell KIE, et al. External validation of clinical prediction models
       using big datasets from e-health records or IPD meta-analysis. BMJ 2016;353:i3140.

    Examples
    --------
    >>> frame = pd.DataFrame({"hospital": ["A", "A", "B", "C"], "x": [1, 2, 3, 4]})
    >>> train, test = site_split(frame, site_col="hospital", test_sites=["C"])
    >>> sorted(train["hospital"].unique()), sorted(test["hospital"].unique())
    (['A', 'B'], ['C'])
    """
    check_frame_column(frame, site_col, "site_col")
    wanted = (
        [test_sites]
        if isinstance(test_sites, str) or not isinstance(test_sites, Iterable)
        else list(test_sites)
    )
    if not wanted:
        raise ValueError("test_sites is empty; name at least one site to hold out.")
    present = list(pd.unique(frame[site_col]))
    unknown = [s for s in wanted if s not in present]
    if unknown:
        raise ValueError(f"test_sites {unknown} are not in column {site_col!r}; sites present: {present}.")
    in_test = frame[site_col].isin(wanted).to_numpy()
    if in_test.all():
        raise ValueError("Every site is in test_sites, so no data are left for training.")
    return Split(frame[~in_test], frame[in_test])


def check_no_patient_overlap(train: pd.DataFrame, test: pd.DataFrame, patient_col: str) -> None:
    """Raise a ValueError if any patient appears in both ``train`` and ``test``.

    Parameters
    ----------
    train, test : pandas.DataFrame
        The two sides of a split.
    patient_col : str
        Column with the patient identifier (present in both frames).

    Returns
    -------
    None
        Returns silently when the split is clean.

    Raises
    ------
    ValueError
        Naming how many patients overlap and the first few IDs.

    See Also
    --------
    patient_split : Makes a split that passes this check.

    Examples
    --------
    >>> train = pd.DataFrame({"pid": ["p1", "p2", "p3"]})
    >>> test = pd.DataFrame({"pid": ["p3", "p4"]})
    >>> check_no_patient_overlap(train, test, "pid")
    Traceback (most recent call last):
    ...
    ValueError: 1 patient ID appears in both train and test (leakage): 'p3'. Split by patient, e.g. with patient_split.
    """
    for name, frame in (("train", train), ("test", test)):
        if not isinstance(frame, pd.DataFrame):
            raise ValueError(f"{name} must be a pandas DataFrame; got {type(frame).__name__}.")
        if patient_col not in frame.columns:
            raise ValueError(f"patient_col={patient_col!r} is not a column of {name}.")
    overlap = sorted(set(train[patient_col].dropna()) & set(test[patient_col].dropna()), key=str)
    if overlap:
        shown = ", ".join(repr(x) for x in overlap[:5])
        more = f" and {len(overlap) - 5} more" if len(overlap) > 5 else ""
        ids = "patient ID appears" if len(overlap) == 1 else "patient IDs appear"
        raise ValueError(
            f"{len(overlap)} {ids} in both train and test (leakage): {shown}{more}. "
            "Split by patient, e.g. with patient_split."
        )
