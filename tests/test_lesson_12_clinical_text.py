"""Lesson 12 (notebooks/12_clinical_text.ipynb): stated numbers, self-checks and the NegEx-style rule.

The rule (mlhc_course.text) is tested on hand-written sentences, one behaviour each (pre- and
post-triggers, scope, terminations, pseudo-triggers, uncertainty, family, history), and against the
ground-truth mention statuses of the canonical notes.
"""

from __future__ import annotations

import pandas as pd
import pytest
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from mlhc_course import datasets, exercises, metrics, text

SEED = 2026
PE = ["pe", "pes", "pulmonary embolism"]


@pytest.fixture(scope="module")
def notes():
    return datasets.load_clinical_notes().frame


@pytest.fixture(scope="module")
def found(notes):
    return notes["text"].map(lambda n: text.mention_status(n, PE))


def _models():
    return {
        "bag of words": make_pipeline(CountVectorizer(binary=True), LogisticRegression(max_iter=2000)),
        "TF-IDF": make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=2000)),
    }


@pytest.fixture(scope="module")
def split(notes):
    return train_test_split(notes, test_size=0.5, stratify=notes["pulmonary_embolism"], random_state=SEED)


def test_notes_and_keyword_search(notes, found):
    y = notes["pulmonary_embolism"]
    assert len(notes) == 2000 and y.sum() == 292
    counts = notes["pulmonary_embolism_mention"].astype(str).value_counts()
    assert counts[["negated", "uncertain", "historical", "family"]].tolist() == [294, 144, 77, 63]
    assert (found != "absent").sum() == 870
    keyword = (found != "absent").astype(int)
    table = metrics.confusion_metrics(y, keyword)["value"]
    assert (table["TP"], table["FP"], table["FN"]) == (292, 578, 0)
    assert table["PPV"] == pytest.approx(0.336, abs=0.0005)  # "two of every three ... do not describe a PE"
    status = notes["pulmonary_embolism_mention"].astype(str)
    flagged_by_status = keyword.groupby(status).mean()
    assert flagged_by_status["absent"] == 0 and (flagged_by_status.drop("absent") == 1).all()


def test_rule_makes_no_errors_on_the_canonical_notes(notes, found):
    rule = (found == "affirmed").astype(int)
    assert (rule == notes["pulmonary_embolism"]).all()


def test_learned_models_on_a_random_split(split):
    train, test = split
    y_test = test["pulmonary_embolism"]
    results = {}
    for name, model in _models().items():
        model.fit(train["text"], train["pulmonary_embolism"])
        p = model.predict_proba(test["text"])[:, 1]
        results[name] = (
            metrics.roc_auc_ci(y_test, p).estimate,
            int(((p >= 0.5) & (y_test == 0)).sum()),
            int(((p < 0.5) & (y_test == 1)).sum()),
        )
        if name == "TF-IDF":
            weights = pd.Series(model[-1].coef_[0], index=model[0].get_feature_names_out())
            top = set(weights.nlargest(12).index)
    for auc, fp, _ in results.values():
        assert auc > 0.999 and fp == 0
    assert results["bag of words"][2] <= 5 and results["TF-IDF"][2] > 20  # "misses many PEs at 0.5"
    assert {
        "ctpa",
        "started",
        "sob",
        "positive",
        "confirms",
        "segmental",
        "dx",
        "apixaban",
        "treatment",
    } <= top
    assert "pe" not in top  # "The model does not look for 'PE' at all"


def test_template_fingerprints(notes):
    y = notes["pulmonary_embolism"]
    for phrase in ["sudden-onset SOB", "collapse and SOB", "haemoptysis and SOB"]:
        has = notes["text"].str.contains(phrase, case=False, regex=False)
        assert has.sum() > 40 and y[has].mean() == 1.0


def test_held_out_phrasing(notes):
    spelled = notes["text"].str.contains("pulmonary embolism", case=False)
    seen, unseen = notes[~spelled], notes[spelled]
    y_unseen = unseen["pulmonary_embolism"]
    assert len(unseen) == 200 and y_unseen.sum() == 76
    assert set(unseen["pulmonary_embolism_mention"].astype(str)) == {
        "affirmed",
        "negated",
        "uncertain",
        "family",
    }
    for model in _models().values():
        flagged = model.fit(seen["text"], seen["pulmonary_embolism"]).predict(unseen["text"]) == 1
        assert flagged[y_unseen == 1].mean() == 0 and (flagged & (y_unseen == 0)).sum() == 0
    rule = unseen["text"].map(lambda n: text.mention_status(n, PE)) == "affirmed"
    assert rule[y_unseen == 1].all() and not (rule & (y_unseen == 0)).any()


def test_mentions_only_before_and_after_context(split, notes):
    train, test = split
    y_test = test["pulmonary_embolism"]
    words = ["pe", "pes", "pulmonary", "embolism"]
    context = [p + w for w in words for p in ["", "neg_", "unc_", "fam_", "hist_"]]
    before = make_pipeline(CountVectorizer(vocabulary=words), LogisticRegression(max_iter=2000))
    after = make_pipeline(
        CountVectorizer(vocabulary=context, preprocessor=text.mark_context), LogisticRegression(max_iter=2000)
    )
    counts = {}
    for name, model in {"before": before, "after": after}.items():
        flagged = model.fit(train["text"], train["pulmonary_embolism"]).predict(test["text"]) == 1
        counts[name] = (int((flagged & (y_test == 0)).sum()), int((~flagged & (y_test == 1)).sum()))
    assert counts["before"][0] == 0 and counts["before"][1] > y_test.sum() / 2  # "misses most PEs"
    assert counts["after"] == (0, 0)
    has_pes = notes["text"].map(lambda n: "pes" in text.tokenize(n))
    assert (notes.loc[has_pes, "pulmonary_embolism_mention"].astype(str) == "affirmed").all()


# ---- self-checks -----------------------------------------------------------------------------------


def test_l12_ex1_keyword_ppv(notes, found):
    ppv = notes["pulmonary_embolism"][found != "absent"].mean()
    assert ppv == pytest.approx(0.336, abs=0.0005)
    qid = "l12_ex1_keyword_ppv"
    assert exercises.check(qid, ppv).passed is True
    wrong = exercises.check(qid, 1.0)
    assert wrong.passed is False and "sensitivity" in wrong.hint
    assert "percentage" in exercises.check(qid, 33.6).hint
    assert exercises.check(qid, "0.336").passed is False


def test_l12_ex2_not_excluded():
    sentence = "PE not excluded, started LMWH pending CTPA"
    assert text.mention_status(sentence, PE) == "uncertain"
    qid = "l12_ex2_not_excluded"
    assert exercises.check(qid, "uncertain").passed is True
    wrong = exercises.check(qid, "negated")
    assert wrong.passed is False and "still open" in wrong.hint
    assert exercises.check(qid, 3).passed is False


def test_l12_ex3_heldout_sensitivity(notes):
    spelled = notes["text"].str.contains("pulmonary embolism", case=False)
    seen, unseen = notes[~spelled], notes[spelled]
    model = _models()["bag of words"].fit(seen["text"], seen["pulmonary_embolism"])
    flagged = model.predict(unseen["text"]) == 1
    sensitivity = flagged[unseen["pulmonary_embolism"] == 1].mean()
    assert sensitivity == 0.0
    marked = make_pipeline(
        CountVectorizer(binary=True, preprocessor=text.mark_context), LogisticRegression(max_iter=2000)
    ).fit(seen["text"], seen["pulmonary_embolism"])
    assert (marked.predict(unseen["text"])[unseen["pulmonary_embolism"] == 1] == 0).all()  # solution's claim
    qid = "l12_ex3_heldout_sensitivity"
    assert exercises.check(qid, sensitivity).passed is True
    assert exercises.check(qid, 0).passed is True
    wrong = exercises.check(qid, 1.0)
    assert wrong.passed is False and "rule" in wrong.hint
    assert exercises.check(qid, [0]).passed is False


# ---- the NegEx-style rule on hand-written sentences ----------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("CTPA confirms left segmental PE.", "affirmed"),
        ("Acute pulmonary embolism on CTPA.", "affirmed"),
        ("No PE on CTPA.", "negated"),  # pre-trigger
        ("CTPA negative for PE.", "negated"),  # multi-word pre-trigger beats the post-trigger "negative"
        ("No evidence of pulmonary embolism.", "negated"),  # multi-word term
        ("PE ruled out.", "negated"),  # post-trigger
        ("Wells 1.5, D-dimer negative, PE excluded.", "negated"),  # post-trigger across commas
        ("Patient denies chest pain, PE on CTPA.", "affirmed"),  # a comma ends a pre-trigger's scope
        ("No fever but PE on CTPA.", "affirmed"),  # termination term
        (
            "No cough, fever, rigors, sweats, malaise or PE.",
            "affirmed",
        ),  # KNOWN LIMITATION: a comma ends the scope
        ("Not only PE but also pneumonia.", "affirmed"),  # pseudo-trigger
        ("?PE", "uncertain"),
        ("Possible pulmonary embolism, awaiting CTPA.", "uncertain"),
        ("Cannot exclude PE.", "uncertain"),
        ("PE not excluded.", "uncertain"),  # "not excluded" wins over "not"
        ("r/o PE", "uncertain"),
        ("Mother had PE.", "family"),
        ("FHx: sister with PE aged 50.", "family"),
        ("Previous PE 2015, off anticoagulation.", "historical"),
        ("PE 2015.", "historical"),  # a year dates the mention
        ("Hx of PE.", "historical"),
        ("Sudden-onset SOB and pleuritic chest pain.", "absent"),
        ("Type 2 diabetes, PEG tube in situ.", "absent"),  # whole tokens only: "peg" is not "pe"
        ("No PE. Bilateral PEs on repeat CTPA.", "affirmed"),  # any affirmed mention wins
    ],
)
def test_mention_status_on_hand_written_sentences(sentence, expected):
    assert text.mention_status(sentence, PE) == expected


def test_window_is_the_scope():
    long = "no cough fever rigors sweats malaise pe"
    assert text.mention_status(long, PE) == "affirmed"  # 6 tokens after "no"
    assert text.mention_status(long, PE, window=6) == "negated"


def test_mark_context_prefixes_the_scope():
    assert text.mark_context("No PE on CTPA. Mother had CCF. ?pneumonia") == (
        "no neg_pe neg_on neg_ctpa mother fam_had fam_ccf ? unc_pneumonia"
    )
    assert text.mark_context("previous PE") == "previous hist_pe"
    assert text.mark_context("PE confirmed") == "pe confirmed"


def test_rule_agrees_with_the_generators_mention_status(notes):
    terms = {
        "heart_failure": ["heart failure", "hf", "ccf", "hfref"],
        "pulmonary_embolism": PE,
        "pneumonia": ["pneumonia", "cap", "lrti"],
    }
    for condition, words in terms.items():
        found = notes["text"].map(lambda n, w=words: text.mention_status(n, w))
        truth = notes[f"{condition}_mention"].astype(str)
        disagree = found != truth
        if condition == "pneumonia":
            # "CXR clear, no consolidation" negates pneumonia without naming it: no term, so "absent"
            assert (found[disagree] == "absent").all() and (truth[disagree] == "negated").all()
            assert notes.loc[disagree, "text"].str.contains("no consolidation", regex=False).all()
        else:
            assert not disagree.any()


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: text.mention_status("no PE", "pe"), "terms"),
        (lambda: text.mention_status("no PE", []), "terms"),
        (lambda: text.mention_status("no PE", PE, window=0), "window"),
        (lambda: text.tokenize(None), "str"),
        (lambda: text.mark_context(42), "str"),
    ],
)
def test_rule_rejects_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_statuses_constant():
    assert text.STATUSES == ("absent", "affirmed", "negated", "uncertain", "family", "historical")
