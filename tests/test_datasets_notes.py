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


# --- Clinical consistency: no note is impossible or contradicts itself -------------------------------------

# A negated symptom and the words that would name it elsewhere in the same note.
NEGATION_CLASHES = {
    "denies chest pain": r"chest pain|\bCP\b",
    "no fever": r"fever|pyrexi",
    "no haemoptysis": r"haemoptysis",
    "denies calf swelling": r"swelling|oedema to",
    "no rigors": r"rigors",
    "denies palpitations": r"palpitations",
    "no orthopnoea": r"orthopnoea",
    "denies syncope": r"collapse|syncope",
    "no urinary symptoms": r"UTI|urinary",
}
NOTE_YEAR = 2022  # the year the notes are read as written in (see make_clinical_notes, Notes)


@pytest.fixture(scope="module")
def many_texts(notes):
    # the default notes plus a set with many more mentions, so that every template is used often
    dense = make_clinical_notes(4000, prevalence=0.4, distractor_rate=0.9, random_state=2024)
    return list(notes.frame["text"]) + list(dense.frame["text"])


def _patient(text):
    m = re.match(r"(\d+)([MF]) presenting with ", text) or re.match(
        r"Discharge summary: (\d+) y/o (man|woman) admitted with ", text
    )
    assert m, text
    return int(m.group(1)), m.group(2) in ("M", "man")


def _clauses(text):
    """Complaint, negated symptoms, and the rest of the note (the observations and the sentences)."""
    parts = text.rstrip(".").split(". ")
    complaint = re.sub(r"^.*(presenting|admitted) with ", "", parts[0])
    negations = [
        s
        for p in parts[1:]
        for s in p.split(", ")
        if s in NEGATION_CLASHES or s.startswith(("no ", "denies "))
    ]
    return complaint, negations, ". ".join(parts[1:])


def test_no_left_middle_lobe(many_texts):
    # the left lung has upper and lower lobes (and the lingula); only the right has a middle lobe
    text = " ".join(many_texts)
    assert not re.search(r"\b(L|left) middle lobe", text)
    assert re.search(r"\b(R|right) middle lobe", text) and re.search(r"\b(L|left) (upper|lower) lobe", text)


def test_peripartum_condition_only_in_women_of_reproductive_age(many_texts):
    seen = 0
    for t in many_texts:
        m = re.search(r"peripartum [a-z ]+?(\d{4})", t)
        if "peripartum" in t:
            assert m, t
            age, male = _patient(t)
            assert not male, t
            assert 16 <= age - (NOTE_YEAR - int(m.group(1))) <= 45, t
            seen += 1
    assert seen > 10  # the template is still used, for women


def test_breast_cancer_history_only_in_women(many_texts):
    # Male breast cancer exists but is under 1% of breast cancers: one PMH line in ten would misstate it.
    with_history = [t for t in many_texts if "breast ca" in t]
    assert len(with_history) > 100
    assert not any(_patient(t)[1] for t in with_history)


def test_negated_symptoms_never_name_the_complaint(many_texts):
    n_checked = 0
    for t in many_texts:
        complaint, negations, rest = _clauses(t)
        assert len(negations) == len(set(negations)), t  # no symptom denied twice
        for neg in negations:
            clash = NEGATION_CLASHES.get(neg)
            if clash:
                assert not re.search(clash, complaint), t
                assert not re.search(clash, rest.replace(neg, "")), t
                n_checked += 1
    assert n_checked > 3000


def test_no_fever_is_never_written_next_to_a_fever(many_texts):
    febrile = denied = 0
    for t in many_texts:
        m = re.search(r"\bT (\d+\.\d)\b", t)
        says_no_fever = bool(re.search(r"\bno fever\b|\bafebrile\b", t))
        if m and float(m.group(1)) >= 38.0:
            febrile += 1
            assert not says_no_fever, t
        denied += says_no_fever
    assert febrile > 1000 and denied > 500  # both still common: the rule is tested, not vacuous


def test_past_events_and_scores_fit_the_patient(many_texts):
    for t in many_texts:
        age, male = _patient(t)
        for year in re.findall(r"\b(20\d\d)\b", t):  # no past event before the patient's 16th birthday
            assert age - (NOTE_YEAR - int(year)) >= 16, t
        if "30 pack-years" in t:
            assert age >= 40, t
        if m := re.search(r"sister with PE aged (\d+)", t):
            assert int(m.group(1)) <= age + 10, t
        if "PMH: nil significant" in t:  # no known or past disease elsewhere in the note
            assert not re.search(
                r"known HFrEF|acute on chronic|hx of|previous|PMH: pneumonia|\b20\d\d\b", t
            ), t
        if "on apixaban" in t:  # an anticoagulated patient is not started on, or off, anticoagulation
            assert not re.search(r"started apixaban|started LMWH|off anticoagulation", t), t
        if "chest clear" in t:
            assert "creps" not in t, t
        if "NT-proBNP normal" in t:
            assert "RV strain" not in t, t  # RV strain in PE raises NT-proBNP
        if "course of antibiotics" in t:  # only after an infection
            infective_complaint = re.search(r"fever|cough|rigors|UTI", _clauses(t)[0])
            assert infective_complaint or re.search(
                r"c/w pneumonia|Dx: comm|treating as|Impression|confirmed on CXR|dx CAP", t
            ), t
        obs = re.search(r"HR (\d+), BP (\d+)/(\d+), RR (\d+)", t)
        if m := re.search(r"CURB-65 (\d)", t):  # Lim et al. 2003: age >= 65, RR >= 30, SBP < 90 or DBP <= 60
            least = int(age >= 65)
            if obs:
                hr, sbp, dbp, rr = map(int, obs.groups())
                least += int(rr >= 30) + int(sbp < 90 or dbp <= 60)
            assert least <= int(m.group(1)) <= least + (2 if obs else 4), t
        if (m := re.search(r"Wells (\d+(?:\.5)?), D-dimer negative", t)) and obs:
            assert float(m.group(1)) >= (1.5 if int(obs.group(1)) > 100 else 0), t  # HR > 100 scores 1.5


def test_every_vocabulary_list_has_an_entry_that_fits_every_note():
    # The generator picks, for each note, among the entries that fit it. So every list needs an entry
    # with no sex, age or "requires" limit that denies nothing and asserts nothing denied by a list
    # filled before it (the order below is the generator's).
    vocab = _vocabulary()
    ordered = [v for c in CONDITIONS for v in vocab["conditions"][c].values()]
    ordered += [vocab["history"], *vocab["complaints"].values(), *vocab["plans"].values()]
    denied_so_far = set()
    for options in ordered:
        entries = [{"text": o} if isinstance(o, str) else o for o in options]
        assert not entries or any(
            set(e) <= {"text", "asserts"} and not set(e.get("asserts", ())) & denied_so_far for e in entries
        ), options
        denied_so_far |= {t for e in entries for t in e.get("denies", ())}
    assert vocab["symptom_negations"] and vocab["conditions"]["pneumonia"]["family"] == []
