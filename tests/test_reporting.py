"""Tests for mlhc_course.reporting: the model card renders what it is given, and nothing else."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

from mlhc_course import reporting
from mlhc_course.audit import compare_sites, external_validation_report, subgroup_report
from mlhc_course.metrics import (
    bootstrap_ci,
    calibration_summary,
    confusion_metrics,
    decision_curve,
    roc_auc_ci,
)
from mlhc_course.reporting import TRIPOD_AI_ITEMS, ModelCard, model_card


@pytest.fixture(scope="module")
def results():
    rng = np.random.default_rng(7)
    n = 1500
    sex = rng.choice(["female", "male"], n)
    lp = rng.normal(-1.4, 1.1, n)
    p = 1 / (1 + np.exp(-lp))
    y = rng.binomial(1, p)
    return {
        "y": y,
        "p": p,
        "performance": confusion_metrics(y, p, threshold=0.3),
        "discrimination": roc_auc_ci(y, p),
        "calibration": calibration_summary(y, p),
        "subgroups": subgroup_report(y, p, sex, threshold=0.3),
        "external": external_validation_report(y[:700], p[:700], y[700:], np.clip(p[700:] * 0.6, 0, 1)),
        "utility": decision_curve(y, p, np.round(np.arange(0.05, 0.55, 0.05), 2)),
        "clusters": compare_sites(y, p, np.repeat(["ward A", "ward B", "ward C"], 500)),
    }


def _full_card(results, **overrides):
    kwargs = dict(
        intended_use="Prioritise adult ward patients for a sepsis review by the outreach team.",
        data={"Source": "Synthetic cohort (seed 7)", "Dates": "2020-2022", "Outcome": "Sepsis within 48 h"},
        model_details="Logistic regression on 6 vital signs; no tuning.",
        performance=results["performance"],
        discrimination=results["discrimination"],
        calibration=results["calibration"],
        subgroups=results["subgroups"],
        external_validation=results["external"],
        clinical_utility=results["utility"],
        limitations=["Synthetic data.", "Not validated in children."],
        setting_of_use="Adult medical wards of the same hospital, from 2023.",
        evaluated_on="Held-out admissions 2020-2022",
        clusters=results["clusters"],
    )
    kwargs.update(overrides)
    return model_card("Sepsis alert", **kwargs)


def test_doctests():
    result = doctest.testmod(reporting, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_full_card_covers_every_section_and_checklist_item(results):
    card = _full_card(results)
    assert isinstance(card, ModelCard)
    headings = [h for h, _ in card.sections]
    assert headings == [
        "Intended use", "Data", "Model", "Performance", "Calibration", "Subgroups", "Clinical utility",
        "External validation", "Performance by cluster", "Limitations",
    ]  # fmt: skip
    assert (card.checklist["covered"] == "yes").all()
    assert list(card.checklist["item"]) == [item for item, _, _ in TRIPOD_AI_ITEMS]
    md = card.to_markdown()
    assert md.startswith("# Model card: Sepsis alert\n")
    for heading in [*headings, "TRIPOD+AI checklist"]:
        assert f"\n## {heading}\n" in md
    assert "BMJ 2024;385:e078378" in md


def test_card_numbers_come_from_the_results(results):
    card = _full_card(results)
    md = card.to_markdown()
    auc = results["discrimination"]
    assert (
        f"AUROC (discrimination): {auc.estimate:.2f} (95% CI {auc.ci_lower:.2f} to {auc.ci_upper:.2f})" in md
    )
    perf = results["performance"]
    sens = perf.loc["sensitivity"]
    assert f"| sensitivity | {sens.value:.2f} (95% CI {sens.ci_lower:.2f} to {sens.ci_upper:.2f}) |" in md
    assert f"TP {perf.loc['TP', 'value']:.0f}," in md and "threshold 0.3" in md
    cal = results["calibration"]
    assert f"Calibration slope: {cal.slope:.2f} (95% CI {cal.slope_ci[0]:.2f} to {cal.slope_ci[1]:.2f})" in md
    assert f"Brier score: {cal.brier:.3f}" in md
    # Subgroup table: one row per group with its n.
    assert card.section("Subgroups")[0][1] == "Evaluated on: Held-out admissions 2020-2022."
    sub = card.section("Subgroups")[1][1]
    assert list(sub["group"]) == ["overall", "female", "male"]
    assert sub.set_index("group").loc["overall", "n"] == 1500
    # External validation: the model's risks were shrunk at the external site, so O/E > 1 there.
    ext = card.section("External validation")[0][1].set_index("metric")
    assert float(ext.loc["O/E", "difference"]) > 0.3
    assert "Risks are systematically" not in md  # the development model itself is well calibrated


def test_clinical_utility_section(results):
    card = _full_card(results)
    blocks = card.section("Clinical utility")[1:]  # after "Evaluated on"
    curve = results["utility"]
    wide = curve.pivot(index="threshold", columns="strategy", values="net_benefit")
    better = wide.index[(wide["model"] > wide["treat all"]) & (wide["model"] > 0)]
    assert blocks[0][1].startswith(f"model: net benefit above both treat-all and treat-none for thresholds "
                                   f"{better.min():g} to {better.max():g}")  # fmt: skip
    table = blocks[1][1]
    assert list(table.columns) == ["threshold", "model", "treat all", "treat none"]
    assert len(table) == 6  # 10 thresholds, summarised at 6
    assert table.iloc[0]["model"] == f"{wide['model'].iloc[0]:.3f}"
    no_utility = _full_card(results, clinical_utility=None)
    assert no_utility.checklist.set_index("item").loc["12e", "covered"] == "partly"
    with pytest.raises(ValueError, match="decision_curve"):
        _full_card(results, clinical_utility=results["subgroups"])


def test_miscalibration_is_described(results):
    y, p = results["y"], results["p"]
    over = calibration_summary(y, np.clip(p * 1.8, 0, 1))
    md = _full_card(results, calibration=over).to_markdown()
    assert "systematically overestimated" in md
    rng = np.random.default_rng(0)
    extreme = 1 / (1 + np.exp(-2.5 * np.log(p / (1 - p)) + rng.normal(0, 0.01, len(p))))
    md2 = _full_card(results, calibration=calibration_summary(y, extreme)).to_markdown()
    assert "too extreme" in md2


def test_minimal_card_marks_missing_items(results):
    card = model_card("Bare", intended_use="Teaching only.", data="Synthetic.")
    status = card.checklist.set_index("item")["covered"]
    assert status["3b"] == "partly" and status["5a"] == "yes"  # no setting of use stated
    assert (status.drop(["3b", "5a"]) == "no").all()
    assert "Setting of use: not stated" in card.to_markdown()
    assert card.to_markdown().count("Not reported.") == 5
    partial = model_card("AUROC only", intended_use="x", data="y", discrimination=results["discrimination"])
    assert partial.checklist.set_index("item").loc["23a", "covered"] == "partly"
    boot = bootstrap_ci(
        lambda a, b: float(np.mean(b)), results["y"], results["p"], n_resamples=50, random_state=0
    )
    assert "95% CI" in model_card("Boot", intended_use="x", data="y", discrimination=boot).to_markdown()


def test_notebook_reprs_escape_html(results):
    card = _full_card(results, intended_use="Use when <score> > 5 & the nurse agrees.")
    assert card._repr_markdown_() == card.to_markdown()
    html = card._repr_html_()
    assert html.startswith('<div class="mlhc-model-card">') and html.rstrip().endswith("</div>")
    assert "&lt;score&gt; &gt; 5 &amp; the nurse agrees." in html
    assert "<score>" not in html
    assert html.count("<table") == 6  # performance, subgroups, utility, external, clusters, checklist
    assert str(card) == card.to_markdown()


def test_markdown_table_escapes_pipes():
    card = model_card("Pipes", intended_use="a", data={"Outcome": "death | transfer"})
    assert "death | transfer" in card.to_markdown()  # in a list item, not a table: unchanged
    md = reporting._markdown_table(card.checklist.assign(requirement="a | b"))
    assert "a \\| b" in md


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"intended_use": " "}, "intended_use"),
        ({"data": ""}, "data"),
        ({"performance": "0.8"}, "confusion_metrics"),
        ({"subgroups": __import__("pandas").DataFrame({"a": [1]})}, "subgroup_report"),
        ({"external_validation": __import__("pandas").DataFrame({"a": [1]})}, "external_validation_report"),
    ],
)
def test_model_card_rejects_bad_input(kwargs, match):
    args = {"intended_use": "x", "data": "y"}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        model_card("m", **args)


def test_section_lookup_lists_headings():
    card = model_card("m", intended_use="x", data="y")
    with pytest.raises(KeyError, match="Intended use"):
        card.section("Fairness")


def test_results_must_say_on_which_patients_and_the_setting_of_use(results):
    """The card is hard to get wrong: unsourced results, pooled heterogeneity and no setting are marked."""
    unsourced = _full_card(results, evaluated_on=None, setting_of_use=None)
    status = unsourced.checklist.set_index("item")["covered"]
    assert status["12e"] == "partly" and status["23a"] == "partly" and status["3b"] == "partly"
    md = unsourced.to_markdown()
    assert md.count("Evaluated on: not stated") == 4  # performance, calibration, subgroups, utility
    pooled_only = _full_card(results, clusters=None).checklist.set_index("item")["covered"]
    assert pooled_only["23b"] == "partly"  # a pooled external comparison is not per-cluster heterogeneity
    assert _full_card(results).checklist.set_index("item").loc["23b", "covered"] == "yes"


def test_calibration_is_also_reported_in_the_validation_data(results):
    """The internal calibration may be fine while the model over- or under-predicts where it is used."""
    md = _full_card(results).to_markdown()
    calibration = md.split("## Calibration")[1].split("## Subgroups")[0]
    assert "no clear evidence of systematic miscalibration in these patients" in calibration
    assert "In external: O/E" in calibration and "underestimates risk there" in calibration  # p shrunk
    y, p = results["y"], results["p"]
    over = external_validation_report(y[:700], p[:700], y[700:], np.clip(p[700:] * 1.8, 0, 1))
    assert "overestimates risk there" in _full_card(results, external_validation=over).to_markdown()


def test_clusters_with_few_events_are_flagged(results):
    table = _full_card(results).section("Performance by cluster")[0][1]
    assert list(table["cluster"]) == ["ward A", "ward B", "ward C"]
    events = results["clusters"].query("metric == 'prevalence'")["value"].to_numpy() * 500
    assert table["events"].tolist() == [int(round(e)) for e in events]
    assert (table["too few events"] == np.where(events < 100, "yes", "")).all()
    y, p = results["y"][:300], results["p"][:300]
    small = compare_sites(y, p, np.repeat(["a", "b", "c"], 100))
    card = model_card("m", intended_use="x", data="y", clusters=small)
    text = card.section("Performance by cluster")[1][1]
    assert "3 of 3 clusters have fewer than 100 events" in text and "Stat Med 2016;35:214-226" in text
    with pytest.raises(ValueError, match="compare_sites"):
        model_card("m", intended_use="x", data="y", clusters=results["subgroups"])
