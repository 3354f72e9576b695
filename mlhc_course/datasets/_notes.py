"""``make_clinical_notes``: short synthetic triage and discharge notes with negation-aware labels.

Notes are assembled from the templates and vocabularies in ``notes_vocabulary.json`` (shipped in the
package; nothing is downloaded). Each condition's mention has a status: affirmed, negated, uncertain,
family history or historical; only an affirmed, present-tense mention sets the label, so a classifier
that looks for bare keywords is wrong on every negated, uncertain, family or historical mention.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from .._validation import Interval, check_param, check_random_state
from ._base import ClinicalDataset, Column, build_dataset, datasheet

__all__ = ["make_clinical_notes", "CONDITIONS", "MENTION_STATUSES"]

_NAME = "clinical_notes"
_CALLER = "make_clinical_notes"

CONDITIONS = ("pneumonia", "heart_failure", "pulmonary_embolism")
#: Mention statuses; only "affirmed" makes the label 1.
MENTION_STATUSES = ("absent", "affirmed", "negated", "uncertain", "family", "historical")
NOTE_TYPES = ("triage", "discharge")
#: Relative frequency of each non-affirmed mention among distractor mentions (illustrative).
_DISTRACTOR_WEIGHTS = {"negated": 0.5, "uncertain": 0.25, "family": 0.1, "historical": 0.15}

COLUMNS = (
    Column("note_id", "int", "Note identifier (1..n_notes)."),
    Column("note_type", "category", "Triage note (emergency department) or discharge summary.",
           categories=NOTE_TYPES),
    Column("text", "str", "The note, one line, with clinical abbreviations."),
    *(Column(c, "int", f"Label: {c.replace('_', ' ')} affirmed and present (0/1).") for c in CONDITIONS),
    *(
        Column(f"{c}_mention", "category", f"Ground truth: how the note mentions {c.replace('_', ' ')}.",
               categories=MENTION_STATUSES)
        for c in CONDITIONS
    ),
)  # fmt: skip


@lru_cache(maxsize=1)
def _vocabulary() -> dict[str, Any]:
    text = (resources.files("mlhc_course.datasets") / "notes_vocabulary.json").read_text(encoding="utf-8")
    return json.loads(text)


def _choice(rng: np.random.Generator, options: list[str], n: int) -> np.ndarray:
    """n phrases drawn uniformly from ``options`` (an object array; empty strings if no options)."""
    if not options:
        return np.full(n, "", dtype=object)
    return np.asarray(options, dtype=object)[rng.integers(len(options), size=n)]


def make_clinical_notes(
    n_notes: int = 1000,
    *,
    prevalence: float = 0.15,
    distractor_rate: float = 0.35,
    return_X_y: bool = False,
    as_frame: bool = True,
    random_state: int | np.random.Generator | None = None,
) -> ClinicalDataset | tuple[Any, Any]:
    """Generate short synthetic clinical notes labelled for pneumonia, heart failure and PE.

    Each note is a triage note or a discharge summary: age and sex, presenting complaint, negated
    symptoms ("denies chest pain", "no fever"), past history, observations, then one sentence per
    mentioned condition and a plan. For each condition the note either affirms it (the label is 1)
    or, as a distractor, negates it ("CTPA negative for PE"), raises it as uncertain ("?pneumonia",
    "cannot exclude PE"), mentions a family history ("mother had PE") or a past, resolved episode.

    Parameters
    ----------
    n_notes : int, default=1000
        Number of notes (>= 1).
    prevalence : float, default=0.15
        Probability that a note affirms each condition, in [0, 1] (independently per condition).
    distractor_rate : float, default=0.35
        Probability that a condition that is not affirmed is still mentioned (negated, uncertain,
        family history or historical), in [0, 1]. At 0, bare keywords would be enough.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a ``ClinicalDataset``.
    as_frame : bool, default=True
        Return pandas objects; if False, ``data`` is a 1-D array of strings and ``target`` a 2-D array.
    random_state : int, numpy.random.Generator or None, default=None
        Seed or generator.

    Returns
    -------
    dataset : ClinicalDataset
        ``data`` is the ``text`` column, ``target`` the three 0/1 label columns ``CONDITIONS``
        (multi-label), and ``frame`` adds each condition's mention status (ground truth).
    (data, target) : tuple
        If ``return_X_y`` is True.

    See Also
    --------
    load_clinical_notes : The course's canonical copy.

    Notes
    -----
    Distractor statuses are drawn with weights negated 0.5, uncertain 0.25, family history 0.1 and
    historical 0.15 (family history is not used for pneumonia). Complaints follow the affirmed
    conditions, so words beyond the condition's name carry signal too. Templates and vocabularies
    are in ``mlhc_course/datasets/notes_vocabulary.json``.

    Examples
    --------
    >>> from mlhc_course.datasets import make_clinical_notes
    >>> notes = make_clinical_notes(200, random_state=0)
    >>> list(notes.target.columns)
    ['pneumonia', 'heart_failure', 'pulmonary_embolism']
    >>> negated = notes.frame.pulmonary_embolism_mention == "negated"
    >>> int(notes.frame.loc[negated, "pulmonary_embolism"].sum())
    0
    """
    check_param(n_notes, Interval(int, 1, None, closed="left"), name="n_notes", caller=_CALLER)
    check_param(prevalence, Interval(float, 0, 1), name="prevalence", caller=_CALLER)
    check_param(distractor_rate, Interval(float, 0, 1), name="distractor_rate", caller=_CALLER)
    check_param(return_X_y, bool, name="return_X_y", caller=_CALLER)
    check_param(as_frame, bool, name="as_frame", caller=_CALLER)
    rng = check_random_state(random_state, caller=_CALLER)
    vocab = _vocabulary()
    fill = vocab["fill"]
    n = int(n_notes)

    note_type = rng.integers(len(NOTE_TYPES), size=n)
    age = rng.integers(18, 96, size=n)
    male = rng.random(n) < 0.5

    status = {}
    sentences = []
    for condition in CONDITIONS:
        templates = vocab["conditions"][condition]
        kinds = [k for k in _DISTRACTOR_WEIGHTS if templates[k]]
        weights = np.array([_DISTRACTOR_WEIGHTS[k] for k in kinds])
        affirmed = rng.random(n) < prevalence
        distractor = ~affirmed & (rng.random(n) < distractor_rate)
        kind_codes = np.array([MENTION_STATUSES.index(k) for k in kinds])
        kind_idx = np.searchsorted(np.cumsum(weights) / weights.sum(), rng.random(n), side="right")
        distractor_code = kind_codes[np.minimum(kind_idx, len(kinds) - 1)]
        codes = np.where(affirmed, 1, np.where(distractor, distractor_code, 0))
        status[condition] = codes
        phrase = np.full(n, "", dtype=object)
        for code, name in enumerate(MENTION_STATUSES):
            rows = codes == code
            if code and rows.any():
                phrase[rows] = _choice(rng, templates[name], int(rows.sum()))
        sentences.append(phrase)

    # Complaint: from the first affirmed condition, else a generic one.
    complaint = _choice(rng, vocab["complaints"]["none"], n)
    for condition in reversed(CONDITIONS):
        rows = status[condition] == 1
        complaint[rows] = _choice(rng, vocab["complaints"][condition], int(rows.sum()))
    negations = [_choice(rng, vocab["symptom_negations"], n) for _ in range(2)]
    n_negations = rng.integers(0, 3, size=n)
    history = _choice(rng, vocab["history"], n)
    plan = np.where(
        note_type == 0,
        _choice(rng, vocab["plans"]["triage"], n),
        _choice(rng, vocab["plans"]["discharge"], n),
    )
    order = rng.permuted(np.tile(np.arange(len(CONDITIONS)), (n, 1)), axis=1)
    obs = {
        "hr": rng.integers(60, 125, size=n),
        "sbp": rng.integers(95, 175, size=n),
        "rr": rng.integers(12, 30, size=n),
        "spo2": rng.integers(88, 100, size=n),
        "temp": np.round(rng.uniform(36.0, 39.2, size=n), 1),
    }
    fills = {key: _choice(rng, values, n) for key, values in fill.items()}

    texts = []
    for i in range(n):  # assembling strings: one join per note
        sex = "M" if male[i] else "F"
        findings = [sentences[j][i] for j in order[i] if sentences[j][i]]
        symptoms = ", ".join(negations[k][i] for k in range(n_negations[i]))
        if note_type[i] == 0:
            parts = [
                f"{age[i]}{sex} presenting with {complaint[i]}",
                symptoms,
                history[i],
                f"Obs: HR {obs['hr'][i]}, BP {obs['sbp'][i]}/{obs['sbp'][i] // 2 + 10}, RR {obs['rr'][i]}, "
                f"SpO2 {obs['spo2'][i]}%, T {obs['temp'][i]:.1f}",
                *findings,
                f"Plan: {plan[i]}",
            ]
        else:
            parts = [
                f"Discharge summary: {age[i]} y/o {'man' if male[i] else 'woman'} "
                f"admitted with {complaint[i]}",
                history[i],
                symptoms,
                *findings,
                f"Follow-up: {plan[i]}",
            ]
        text = ". ".join(p for p in parts if p) + "."
        texts.append(text.format_map({k: v[i] for k, v in fills.items()}) if "{" in text else text)

    frame = pd.DataFrame(
        {
            "note_id": np.arange(1, n + 1, dtype=np.int64),
            "note_type": pd.Categorical.from_codes(note_type, categories=list(NOTE_TYPES)),
            "text": pd.Series(texts, dtype=object),
            **{c: (status[c] == 1).astype(np.int64) for c in CONDITIONS},
            **{
                f"{c}_mention": pd.Categorical.from_codes(status[c], categories=list(MENTION_STATUSES))
                for c in CONDITIONS
            },
        }
    )
    options = {"n_notes": n, "prevalence": prevalence, "distractor_rate": distractor_rate}
    return build_dataset(
        name=_NAME,
        frame=frame,
        feature_names=["text"],
        target_names=list(CONDITIONS),
        true_risk_column=None,
        descr=datasheet(_NAME, COLUMNS),
        options=options,
        return_X_y=return_X_y,
        as_frame=as_frame,
    )
