"""make_clinical_notes: labels follow the affirmed finding, so bare keywords are measurably wrong."""

from __future__ import annotations

import re

import numpy as np
import pytest
from sklearn.metrics import f1_score, precision_score, recall_score

from mlhc_course.datasets import make_clinical_notes
from mlhc_course.datasets._notes import CONDITIONS, _vocabulary

KEYWORDS = {
    "pneumonia": r"pneumonia|\bCAP\b|consolidation",
    "heart_failure": r"heart failure|\bHF\b|\bCCF\b|HFrEF",
    "pulmonary_embolism": r"\bPEs?\b|pulmonary embol",
}
# A crude NegEx-style rule: a keyword counts unless its clause has a negation, uncertainty or family cue.
CUES = r"\bno\b|\bnot\b|negative|ruled out|excluded|exclude|\?|r/o|possible|query|pending|mother|father|sister|" \
       r"FHx|family|previous|hx of|PMH|\d{4}"  # fmt: skip


@pytest.fixture(scope="module")
def notes():
    return make_clinical_notes(5000, random_state=31)


def test_structure(notes):
    f = notes.frame
    assert notes.feature_names == ["text"] and notes.target_names == list(CONDITIONS)
    assert list(notes.target.columns) == list(CONDITIONS)
    assert f["note_id"].is_unique and set(f["note_type"]) == {"triage", "discharge"}
    assert not f["text"].str.contains(r"[{}\n]").any()  # every placeholder filled, one line per note
    assert f["text"].str.len().between(60, 600).all()
    X, y = make_clinical_notes(20, return_X_y=True, as_frame=False, random_state=0)
    assert X.shape == (20,) and isinstance(X[0], str) and y.shape == (20, 3)


def test_label_is_the_affirmed_mention(notes):
    f = notes.frame
    for c in CONDITIONS:
        assert (f[c] == (f[f"{c}_mention"] == "affirmed")).all()
        assert f[c].mean() == pytest.approx(0.15, abs=0.02)
        statuses = set(f[f"{c}_mention"])
        assert {"absent", "affirmed", "negated", "uncertain", "historical"} <= statuses


def test_notes_contain_negation_uncertainty_and_family_history(notes):
    text = " ".join(notes.frame["text"])
    for phrase in ("denies chest pain", "no fever", "mother had PE", "?pneumonia", "cannot exclude",
                   "CTPA negative for PE", "SOB"):  # fmt: skip
        assert phrase in text, phrase
    f = notes.frame
    family = f[f.pulmonary_embolism_mention == "family"]
    assert len(family) and family["pulmonary_embolism"].eq(0).all()


def _keyword(texts, pattern):
    return np.array([bool(re.search(pattern, t)) for t in texts])


def _negex(texts, pattern):
    out = []
    for t in texts:
        clauses = re.split(r"[.;]", t)
        out.append(any(re.search(pattern, cl) and not re.search(CUES, cl) for cl in clauses))
    return np.array(out)


def test_a_bare_keyword_classifier_is_measurably_worse_than_the_labels(notes):
    f = notes.frame
    for c, pattern in KEYWORDS.items():
        pred = _keyword(f["text"], pattern)
        assert recall_score(f[c], pred) > 0.95  # it finds the affirmed mentions...
        assert (
            precision_score(f[c], pred) < 0.5
        )  # ...but most of its hits are negated, uncertain, family, past
        assert f1_score(f[c], pred) < 0.65
        # a negation-aware rule does much better: the lesson is learnable
        assert f1_score(f[c], _negex(f["text"], pattern)) > f1_score(f[c], pred) + 0.2


def test_without_distractors_keywords_would_suffice():
    f = make_clinical_notes(2000, distractor_rate=0.0, random_state=32).frame
    for c, pattern in KEYWORDS.items():
        assert f1_score(f[c], _keyword(f["text"], pattern)) > 0.97


def test_vocabulary_ships_with_the_package():
    vocab = _vocabulary()
    for c in CONDITIONS:
        assert vocab["conditions"][c]["affirmed"] and vocab["conditions"][c]["negated"]


def test_determinism():
    a = make_clinical_notes(300, random_state=5).frame
    b = make_clinical_notes(300, random_state=5).frame
    assert a.equals(b)
    assert not a["text"].equals(make_clinical_notes(300, random_state=6).frame["text"])
