"""``make_clinical_notes``: short synthetic triage and discharge notes with negation-aware labels.

Notes are assembled from the templates and vocabularies in ``notes_vocabulary.json`` (shipped in the
package; nothing is downloaded). Each condition's mention has a status: affirmed, negated, uncertain,
family history or historical; only an affirmed, present-tense mention sets the label, so a classifier
that looks for bare keywords is wrong on every negated, uncertain, family or historical mention.
Each phrase is chosen among those that fit the note so far (sex, age, what the note already asserts
or denies, the charted observations), so no note is clinically impossible or contradicts itself.
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


#: Fever threshold, C. The SIRS criteria count a temperature > 38 C (Bone et al. 1992) and NEWS2 scores
#: 38.1 C and above (RCP 2017); a triage note that charts 38.0 C or more never says "no fever".
_FEVER_C = 38.0
#: The notes are undated; past events are dated from ``event_years`` (2009-2021), read as if the note was
#: written in 2022, and no past event is dated before the patient's 16th birthday.
_NOTE_YEAR = 2022
_MIN_EVENT_AGE = 16
#: CURB-65 (Lim et al. 2003): one point each for confusion, urea > 7 mmol/L, respiratory rate >= 30/min,
#: SBP < 90 or DBP <= 60 mmHg, and age >= 65. Points that a note does not chart (confusion, urea; and
#: RR and BP in a discharge summary) are present with this probability each (illustrative).
_CURB_UNCHARTED_RATE = 0.25
#: Two-level Wells score for PE (Wells et al. 2000): heart rate > 100/min alone scores 1.5.
_WELLS_TACHYCARDIA = 1.5


@lru_cache(maxsize=1)
def _vocabulary() -> dict[str, Any]:
    text = (resources.files("mlhc_course.datasets") / "notes_vocabulary.json").read_text(encoding="utf-8")
    return json.loads(text)


def _entries(options: list[Any]) -> list[dict[str, Any]]:
    """Vocabulary entries as dicts: a bare phrase is ``{"text": phrase}``."""
    return [{"text": o} if isinstance(o, str) else o for o in options]


@lru_cache(maxsize=1)
def _tags() -> dict[str, int]:
    """Index of every finding tag named by an ``asserts`` or ``denies`` list in the vocabulary."""
    names = {"fever"}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            names.update(node.get("asserts", ()), node.get("denies", ()), node.get("requires", ()))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(_vocabulary())
    return {name: k for k, name in enumerate(sorted(names))}


def _choice(rng: np.random.Generator, options: list[str], n: int) -> np.ndarray:
    """n phrases drawn uniformly from ``options`` (an object array; empty strings if no options)."""
    if not options:
        return np.full(n, "", dtype=object)
    return np.asarray(options, dtype=object)[rng.integers(len(options), size=n)]


class _Facts:
    """What each note says so far: findings asserted present or absent, and who the patient is."""

    def __init__(self, male: np.ndarray, age: np.ndarray) -> None:
        n, n_tags = len(male), len(_tags())
        self.male, self.age = male, age
        self.asserted = np.zeros((n, n_tags), dtype=bool)
        self.denied = np.zeros((n, n_tags), dtype=bool)

    def allowed(self, entries: list[dict[str, Any]], rows: np.ndarray) -> np.ndarray:
        """(rows, entries) mask: the entry neither contradicts the note nor fits the wrong patient."""
        tags = _tags()
        asserts = np.zeros((len(entries), len(tags)), dtype=np.int64)
        denies = np.zeros_like(asserts)
        requires = np.zeros_like(asserts)
        for j, e in enumerate(entries):
            for matrix, key in ((asserts, "asserts"), (denies, "denies"), (requires, "requires")):
                matrix[j, [tags[t] for t in e.get(key, ())]] = 1
        asserted = self.asserted[rows].astype(np.int64)
        ok = (asserted @ denies.T == 0) & (self.denied[rows].astype(np.int64) @ asserts.T == 0)
        ok &= asserted @ requires.T == requires.sum(axis=1)
        sex = np.array([e.get("sex", "") for e in entries])
        male = self.male[rows, None]
        ok &= ~((sex == "F") & male) & ~((sex == "M") & ~male)
        age = self.age[rows, None]
        ok &= age >= np.array([e.get("min_age", 0) for e in entries])
        ok &= age <= np.array([e.get("max_age", 200) for e in entries])
        return ok

    def record(self, entries: list[dict[str, Any]], rows: np.ndarray, idx: np.ndarray) -> None:
        """Add what the chosen entries assert and deny to their notes."""
        tags = _tags()
        for j, e in enumerate(entries):
            chosen = rows[idx == j]
            self.asserted[np.ix_(chosen, [tags[t] for t in e.get("asserts", ())])] = True
            self.denied[np.ix_(chosen, [tags[t] for t in e.get("denies", ())])] = True

    def choose(self, rng: np.random.Generator, options: list[Any], rows: np.ndarray) -> np.ndarray:
        """One allowed phrase per row in ``rows``, uniformly among the allowed ones; recorded."""
        entries = _entries(options)
        idx = _masked_choice(rng, self.allowed(entries, rows))[:, 0]
        self.record(entries, rows, idx)
        return np.asarray([e["text"] for e in entries], dtype=object)[idx]


def _masked_choice(rng: np.random.Generator, allowed: np.ndarray, k: int = 1) -> np.ndarray:
    """k distinct column indices per row, uniformly among the allowed ones (-1 where too few are allowed).

    Vectorised: each option gets a uniform random key, disallowed options the key -1, and the k
    largest keys win. The first choice must exist: a vocabulary list always has an allowed entry.
    """
    keys = np.where(allowed, rng.random(allowed.shape), -1.0)
    idx = np.argsort(-keys, axis=1, kind="stable")[:, :k]
    if len(idx) and not allowed.any(axis=1).all():
        raise RuntimeError("notes_vocabulary.json: a list has no entry that fits some notes")
    return np.where(np.take_along_axis(keys, idx, axis=1) >= 0, idx, -1)


def make_clinical_notes(
    n_notes: int = 1000,
    *,
    prevalence: float = 0.15,
    distractor_rate: float = 0.35,
    return_X_y: bool = False,
    as_frame: bool = True,
    random_state: int | np.random.Generator | np.random.RandomState | None = None,
) -> ClinicalDataset | tuple[Any, Any]:
    """Generate short synthetic clinical notes labelled for pneumonia, heart failure and PE.

    Each note is a triage note or a discharge summary: age and sex, presenting complaint, negated
    symptoms ("denies chest pain", "no fever"), past history, observations, then one sentence per
    mentioned condition and a plan. For each condition the note either affirms it (the label is 1)
    or, as a distractor, negates it ("CTPA negative for PE"), raises it as uncertain ("?pneumonia",
    "cannot exclude PE"), mentions a family history ("mother had PE") or a past, resolved episode
    (the negation lesson of NegEx [1]_). Every note is clinically possible and consistent with itself.

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
    random_state : int, numpy.random.Generator, numpy.random.RandomState or None, default=None
        Seed (an int gives identical notes every time) or a source of random draws.

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

    No note is clinically impossible or contradicts itself. The mention statuses (and so the labels)
    are drawn as above; only the wording is then chosen, uniformly among the phrases that fit the
    note so far (vectorised: random keys, the largest allowed key wins):

    - a phrase that denies a finding ("no fever", "denies chest pain", "chest clear") is never used
      in a note that asserts it (the complaint "cough and fever", "bibasal creps", a charted
      temperature >= 38.0 C [2]_), and 0-2 *distinct* symptoms are negated;
    - the middle lobe is only ever on the right (the left lung has an upper lobe with the lingula
      and a lower lobe);
    - peripartum cardiomyopathy [3]_ is a past episode of women aged 45 or less, and a history of
      breast cancer is a woman's (male breast cancer is rare); no past event is dated before the
      patient's 16th birthday, reading the notes as written in 2022 (events are dated 2009-2021);
      "ex-smoker 30 pack-years" only from age 40;
    - an anticoagulated patient ("AF on apixaban") is not "started on" or "off" anticoagulation; "PMH:
      nil significant" never comes with a known or past disease; "NT-proBNP normal" never with RV
      strain; a course of antibiotics only follows an infection;
    - scores agree with the age and the charted observations: CURB-65 [4]_ counts age >= 65,
      respiratory rate >= 30/min and SBP < 90 or DBP <= 60 mmHg where charted, and adds confusion and
      urea (and, in a discharge summary, the uncharted RR and BP) with probability 0.25 each; a
      low Wells score [5]_ is 1.5 when the charted heart rate is above 100/min; a sister had her PE
      at an age at most 10 years above the patient's.

    References
    ----------
    .. [1] Chapman WW, Bridewell W, Hanbury P, Cooper GF, Buchanan BG. A simple algorithm for
       identifying negated findings and diseases in discharge summaries. J Biomed Inform
       2001;34:301-310.
    .. [2] Bone RC, Balk RA, Cerra FB, et al. Definitions for sepsis and organ failure (ACCP/SCCM
       consensus). Chest 1992;101:1644-1655: temperature > 38 C. Royal College of Physicians. National
       Early Warning Score (NEWS) 2. London: RCP, 2017: 38.1 C and above scores. 38.0 C is the margin.
    .. [3] Sliwa K, Hilfiker-Kleiner D, Petrie MC, et al. Current state of knowledge on aetiology,
       diagnosis, management, and therapy of peripartum cardiomyopathy. Eur J Heart Fail
       2010;12:767-778.
    .. [4] Lim WS, van der Eerden MM, Laing R, et al. Defining community acquired pneumonia severity on
       presentation to hospital: an international derivation and validation study. Thorax
       2003;58:377-382.
    .. [5] Wells PS, Anderson DR, Rodger M, et al. Derivation of a simple clinical model to categorize
       patients probability of pulmonary embolism. Thromb Haemost 2000;83:416-420.

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
    n = int(n_notes)
    # The steps draw from rng in this order; reordering them would change every note.
    note_type, age, male, obs = _draw_patients(rng, n)
    facts = _Facts(male, age)
    # a charted temperature of 38.0 C or more is a fever: the note must not deny it
    facts.asserted[(note_type == 0) & (obs["temp"] >= _FEVER_C), _tags()["fever"]] = True
    status, sentences = _draw_mentions(rng, vocab, facts, n, prevalence, distractor_rate)
    sections = _draw_sections(rng, vocab, facts, status, note_type)
    fills = _draw_numbers(rng, vocab, note_type, age, obs)
    texts = _assemble_texts(note_type, age, male, obs, sentences, sections, fills)

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


def _draw_patients(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
    """Note type, age, sex and the charted observations (triage notes print them)."""
    note_type = rng.integers(len(NOTE_TYPES), size=n)
    age = rng.integers(18, 96, size=n)
    male = rng.random(n) < 0.5
    obs = {
        "hr": rng.integers(60, 125, size=n),
        "sbp": rng.integers(95, 175, size=n),
        "rr": rng.integers(12, 30, size=n),
        "spo2": rng.integers(88, 100, size=n),
        "temp": np.round(rng.uniform(36.0, 39.2, size=n), 1),
    }
    obs["dbp"] = obs["sbp"] // 2 + 10
    return note_type, age, male, obs


def _draw_mentions(
    rng: np.random.Generator, vocab: dict, facts: _Facts, n: int, prevalence: float, distractor_rate: float
) -> tuple[dict[str, np.ndarray], list[np.ndarray]]:
    """Each condition's mention status (the labels) and the sentence that states it."""
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
            rows = np.flatnonzero(codes == code)
            if code and len(rows):
                phrase[rows] = facts.choose(rng, templates[name], rows)
        sentences.append(phrase)
    return status, sentences


def _draw_sections(
    rng: np.random.Generator, vocab: dict, facts: _Facts, status: dict[str, np.ndarray], note_type: np.ndarray
) -> dict[str, np.ndarray]:
    """History, complaint, negated symptoms, plan and the order of the findings, per note."""
    n = len(note_type)
    everyone = np.arange(n)
    history = facts.choose(rng, vocab["history"], everyone)
    # Complaint: from the first affirmed condition, else a generic one.
    first = np.full(n, "none", dtype=object)
    for condition in reversed(CONDITIONS):
        first[status[condition] == 1] = condition
    complaint = np.full(n, "", dtype=object)
    for group, options in vocab["complaints"].items():
        rows = np.flatnonzero(first == group)
        if len(rows):
            complaint[rows] = facts.choose(rng, options, rows)
    # 0-2 distinct negated symptoms, none of them named in the complaint or contradicting the note
    negation_entries = _entries(vocab["symptom_negations"])
    negation_text = np.asarray([e["text"] for e in negation_entries] + [""], dtype=object)
    negation_idx = _masked_choice(rng, facts.allowed(negation_entries, everyone), k=2)
    negation_idx[np.arange(2) >= rng.integers(0, 3, size=n)[:, None]] = -1
    negations = negation_text[negation_idx]  # index -1 is the empty string
    plan = np.full(n, "", dtype=object)
    for code, kind in enumerate(NOTE_TYPES):
        rows = np.flatnonzero(note_type == code)
        if len(rows):
            plan[rows] = facts.choose(rng, vocab["plans"][kind], rows)
    order = rng.permuted(np.tile(np.arange(len(CONDITIONS)), (n, 1)), axis=1)
    return {"history": history, "complaint": complaint, "negations": negations, "plan": plan, "order": order}


def _draw_numbers(
    rng: np.random.Generator, vocab: dict, note_type: np.ndarray, age: np.ndarray, obs: dict
) -> dict[str, np.ndarray]:
    """The template fill-ins, including numbers that must agree with the patient and the chart."""
    n = len(note_type)
    triage = note_type == 0
    fills = {key: _choice(rng, values, n) for key, values in vocab["fill"].items()}
    years = np.asarray(vocab["event_years"])
    event_age = age[:, None] - (_NOTE_YEAR - years)
    fills["year"] = years[_masked_choice(rng, event_age >= _MIN_EVENT_AGE)[:, 0]].astype(str)
    charted_b_r = (obs["rr"] >= 30).astype(int) + ((obs["sbp"] < 90) | (obs["dbp"] <= 60))
    uncharted = (rng.random((n, 4)) < _CURB_UNCHARTED_RATE).astype(int)
    curb = (age >= 65) + uncharted[:, :2].sum(axis=1)  # confusion, urea
    curb += np.where(triage, charted_b_r, uncharted[:, 2:].sum(axis=1))
    fills["curb"] = curb.astype(str)
    wells_low = np.asarray(["0", "1", "1.5"], dtype=object)[rng.integers(3, size=n)]
    fills["wells_low"] = np.where(triage & (obs["hr"] > 100), f"{_WELLS_TACHYCARDIA:g}", wells_low)
    # a sister's PE: at 30-60, and at most 10 years older than the patient is now
    fills["fam_age"] = np.minimum(rng.integers(30, 61, size=n), age + 10).astype(str)
    return fills


def _assemble_texts(
    note_type: np.ndarray,
    age: np.ndarray,
    male: np.ndarray,
    obs: dict,
    sentences: list[np.ndarray],
    sections: dict[str, np.ndarray],
    fills: dict[str, np.ndarray],
) -> list[str]:
    """Join each note's parts into its text (a triage note or a discharge summary); no randomness."""
    history, complaint, plan = sections["history"], sections["complaint"], sections["plan"]
    negations, order = sections["negations"], sections["order"]
    texts = []
    for i in range(len(note_type)):  # assembling strings: one join per note
        sex = "M" if male[i] else "F"
        findings = [sentences[j][i] for j in order[i] if sentences[j][i]]
        symptoms = ", ".join(p for p in negations[i] if p)
        if note_type[i] == 0:
            parts = [
                f"{age[i]}{sex} presenting with {complaint[i]}",
                symptoms,
                history[i],
                f"Obs: HR {obs['hr'][i]}, BP {obs['sbp'][i]}/{obs['dbp'][i]}, RR {obs['rr'][i]}, "
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
    return texts
