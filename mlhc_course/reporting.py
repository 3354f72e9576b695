"""Model cards: a one-page, honest summary of a clinical prediction model, with a TRIPOD+AI checklist.

:func:`model_card` assembles the results computed with :mod:`mlhc_course.metrics` and
:mod:`mlhc_course.audit` (performance with confidence intervals, calibration, subgroups, external
validation) and the author's own words (intended use, data, limitations) into a :class:`ModelCard`.
The card renders as Markdown or HTML in a notebook and marks which TRIPOD+AI items it covers.

The layout follows Mitchell et al. (2019), "Model cards for model reporting"; the checklist follows
Collins et al. (2024), TRIPOD+AI.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["ModelCard", "model_card", "TRIPOD_AI_ITEMS"]

#: TRIPOD+AI items (Collins et al., BMJ 2024;385:e078378) that a model card can address, with a
#: short paraphrase of each (see the published checklist for the exact wording) and the card
#: section that addresses it. The other items (title, abstract, ethics, funding, participant flow,
#: the full model specification, ...) belong in the study report itself.
TRIPOD_AI_ITEMS: tuple[tuple[str, str, str], ...] = (
    ("3b", "Target population, intended purpose in the care pathway, and intended users", "Intended use"),
    ("5a", "Sources of data, separately for the development and evaluation data", "Data"),
    ("8a", "Definition of the predicted outcome, its time horizon, and how and when it was assessed", "Data"),
    ("12c", "Type of model and how it was built", "Model"),
    ("12e", "Measures used to evaluate performance (discrimination, calibration, clinical utility)", "Performance"),
    ("21", "Number of participants and outcome events in each analysis", "Performance"),
    ("23a", "Performance estimates with confidence intervals, including for key subgroups", "Performance"),
    ("23b", "Heterogeneity of performance across clusters (sites, periods)", "Performance by cluster"),
    ("26", "Limitations (non-representative sample, sample size, overfitting, missing data) and biases",
     "Limitations"),
)  # fmt: skip

Block = tuple[str, Any]  # ("p", str) | ("ul", list[str]) | ("table", DataFrame)


@dataclass
class ModelCard:
    """A rendered model card. Build it with :func:`model_card`.

    Parameters
    ----------
    title : str
        The card's heading.
    sections : list of (str, list of blocks)
        Each section is a heading and a list of blocks: ``("p", text)``, ``("ul", [items])`` or
        ``("table", DataFrame)``.
    checklist : pandas.DataFrame
        TRIPOD+AI items with columns ``item``, ``requirement``, ``section`` and ``covered``
        (``"yes"``, ``"partly"`` or ``"no"``).

    Notes
    -----
    In Jupyter the card displays itself through ``_repr_html_`` (or ``_repr_markdown_``);
    :meth:`to_markdown` gives the text to paste into a report or a README.
    """

    title: str
    sections: list[tuple[str, list[Block]]] = field(default_factory=list)
    checklist: pd.DataFrame = field(default_factory=pd.DataFrame)

    def section(self, heading: str) -> list[Block]:
        """The blocks of one section, by heading (raises KeyError listing the headings)."""
        for name, blocks in self.sections:
            if name == heading:
                return blocks
        raise KeyError(f"No section {heading!r}; sections are {[name for name, _ in self.sections]}.")

    def to_markdown(self) -> str:
        """The card as GitHub-flavoured Markdown."""
        out = [f"# {self.title}", ""]
        for heading, blocks in [*self.sections, ("TRIPOD+AI checklist", self._checklist_blocks())]:
            out += [f"## {heading}", ""]
            for kind, content in blocks:
                if kind == "p":
                    out += [content, ""]
                elif kind == "ul":
                    out += [f"- {item}" for item in content] + [""]
                else:
                    out += [_markdown_table(content), ""]
        return "\n".join(out).rstrip() + "\n"

    def to_html(self) -> str:
        """The card as an HTML fragment (headings, paragraphs, lists and tables, all escaped).

        Headings are ``<h3>``/``<h4>`` so that the card sits inside a notebook or web page
        without competing with the page's own title and sections.
        """
        out = ['<div class="mlhc-model-card">', f"<h3>{html.escape(self.title)}</h3>"]
        for heading, blocks in [*self.sections, ("TRIPOD+AI checklist", self._checklist_blocks())]:
            out.append(f"<h4>{html.escape(heading)}</h4>")
            for kind, content in blocks:
                if kind == "p":
                    out.append(f"<p>{html.escape(content)}</p>")
                elif kind == "ul":
                    out.append(
                        "<ul>" + "".join(f"<li>{html.escape(item)}</li>" for item in content) + "</ul>"
                    )
                else:
                    out.append(content.to_html(index=False, escape=True, border=0, na_rep=""))
        out.append("</div>")
        return "\n".join(out)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        return self.to_html()

    def __str__(self) -> str:
        return self.to_markdown()

    def _checklist_blocks(self) -> list[Block]:
        n_yes = int((self.checklist["covered"] == "yes").sum()) if len(self.checklist) else 0
        return [
            (
                "p",
                f"This card addresses {n_yes} of the {len(self.checklist)} TRIPOD+AI items a model card can "
                "cover (Collins et al., BMJ 2024;385:e078378; requirements paraphrased). The other items "
                "(title, abstract, ethics, participant flow, full model specification, ...) belong in the "
                "study report.",
            ),
            ("table", self.checklist),
        ]


def _markdown_table(frame: pd.DataFrame) -> str:
    def cell(value: Any) -> str:
        if isinstance(value, float) and np.isnan(value):
            return ""
        return str(value).replace("|", "\\|").replace("\n", " ")

    header = "| " + " | ".join(cell(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows])


def _fmt(value: float, digits: int = 2) -> str:
    if value is None or not np.isfinite(value):
        return "undefined"
    return f"{value:.{digits}f}"


def _with_ci(value: float, lower: float, upper: float, ci: float, digits: int = 2) -> str:
    if value is None or not np.isfinite(value):
        return "undefined"
    if lower is None or upper is None or not (np.isfinite(lower) and np.isfinite(upper)):
        return _fmt(value, digits)
    return f"{value:.{digits}f} ({ci:.0%} CI {lower:.{digits}f} to {upper:.{digits}f})"


def _get(obj: Any, key: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(key, default)
    return getattr(obj, key, default)


def _paragraphs(value: str | Sequence[str]) -> list[Block]:
    if isinstance(value, str):
        return [("p", value)]
    return [("ul", [str(v) for v in value])]


def _performance_blocks(performance: pd.DataFrame | None, discrimination: Any) -> list[Block]:
    blocks: list[Block] = []
    if discrimination is not None:
        if isinstance(discrimination, (int, float)):
            blocks.append(
                ("p", f"AUROC (discrimination): {_fmt(float(discrimination))} (no interval given).")
            )
        else:
            ci = float(_get(discrimination, "ci", 0.95))
            text = _with_ci(
                _get(discrimination, "estimate"),
                _get(discrimination, "ci_lower"),
                _get(discrimination, "ci_upper"),
                ci,
            )
            blocks.append(("p", f"AUROC (discrimination): {text}."))
    if performance is not None:
        required = {"value", "ci_lower", "ci_upper"}
        if not isinstance(performance, pd.DataFrame) or not required <= set(performance.columns):
            raise ValueError(
                "performance must be the table returned by mlhc_course.metrics.confusion_metrics."
            )
        ci = float(performance.attrs.get("ci", 0.95))
        threshold = performance.attrs.get("threshold")
        v = performance["value"]
        counts = f"TP {v['TP']:.0f}, FP {v['FP']:.0f}, TN {v['TN']:.0f}, FN {v['FN']:.0f}"
        n = int(v[["TP", "FP", "TN", "FN"]].sum())
        where = f"at the threshold {threshold:g}" if threshold is not None else "of the binary test result"
        blocks.append(("p", f"Operating point {where}: n = {n}, {int(v['TP'] + v['FN'])} events ({counts})."))
        rows = []
        for metric in ("sensitivity", "specificity", "PPV", "NPV", "LR+", "LR-", "prevalence"):
            row = performance.loc[metric]
            rows.append(
                {"metric": metric, "estimate": _with_ci(row["value"], row["ci_lower"], row["ci_upper"], ci)}
            )
        blocks.append(("table", pd.DataFrame(rows)))
    return blocks


def _calibration_blocks(calibration: Any) -> list[Block]:
    ci = float(_get(calibration, "ci", 0.95))
    slope, citl = _get(calibration, "slope"), _get(calibration, "citl")
    slope_ci, citl_ci = (
        _get(calibration, "slope_ci", (np.nan, np.nan)),
        _get(calibration, "citl_ci", (np.nan, np.nan)),
    )
    items = [
        f"Observed/expected events: {_fmt(_get(calibration, 'observed_expected'))} (1 is ideal)",
        f"Calibration-in-the-large: {_with_ci(citl, *citl_ci, ci)} (0 is ideal)",
        f"Calibration slope: {_with_ci(slope, *slope_ci, ci)} (1 is ideal)",
        f"Brier score: {_fmt(_get(calibration, 'brier'), 3)}; scaled Brier: {_fmt(_get(calibration, 'scaled_brier'))}",
        f"Expected calibration error: {_fmt(_get(calibration, 'ece'), 3)}",
    ]
    notes = []
    if np.isfinite(citl_ci[0]) and citl_ci[0] > 0:
        notes.append("Risks are systematically underestimated (calibration-in-the-large above 0).")
    elif np.isfinite(citl_ci[1]) and citl_ci[1] < 0:
        notes.append("Risks are systematically overestimated (calibration-in-the-large below 0).")
    if np.isfinite(slope_ci[1]) and slope_ci[1] < 1:
        notes.append("Predictions are too extreme (slope below 1), a typical sign of overfitting.")
    elif np.isfinite(slope_ci[0]) and slope_ci[0] > 1:
        notes.append("Predictions are too moderate (slope above 1).")
    blocks: list[Block] = [("ul", items)]
    blocks.append(
        (
            "p",
            " ".join(notes)
            if notes
            else "The intervals include the ideal values: no clear evidence of systematic miscalibration in "
            "these patients. That is not evidence of good calibration in other patients or later years.",
        )
    )
    blocks.append(("p", "Hierarchy of Van Calster et al. (BMC Med 2019;17:230)."))
    return blocks


def _subgroup_blocks(subgroups: pd.DataFrame) -> list[Block]:
    required = {"group", "metric", "value", "ci_lower", "ci_upper", "gap", "small_group", "n"}
    if not isinstance(subgroups, pd.DataFrame) or not required <= set(subgroups.columns):
        raise ValueError("subgroups must be the table returned by mlhc_course.audit.subgroup_report.")
    ci = float(subgroups.attrs.get("ci", 0.95))
    frame = subgroups.assign(
        text=[
            _with_ci(v, lo, hi, ci)
            for v, lo, hi in zip(subgroups.value, subgroups.ci_lower, subgroups.ci_upper, strict=True)
        ]
    )
    wide = frame.pivot(index="group", columns="metric", values="text")
    order = list(pd.unique(frame["group"]))
    metrics = [m for m in ("sensitivity", "specificity", "PPV", "AUROC") if m in wide.columns]
    n = frame.drop_duplicates("group").set_index("group")["n"]
    table = wide.loc[order, metrics].reset_index()
    table.insert(1, "n", [int(n[g]) for g in order])
    blocks: list[Block] = [("table", table)]
    groups_only = frame[frame["group"] != "overall"]
    ranked = groups_only.dropna(subset=["gap"]).loc[lambda f: ~f["small_group"]]
    ranked = ranked[ranked["metric"].isin(metrics)]
    if len(ranked):
        worst = ranked.loc[ranked["gap"].idxmin()]
        blocks.append(
            ("p", f"Largest shortfall: {worst['metric']} in group {worst['group']} is {abs(worst['gap']):.2f} "
                  "below the overall value.")
        )  # fmt: skip
    small = sorted(groups_only.loc[groups_only["small_group"], "group"].unique())
    if small:
        blocks.append(("p", f"Too small to judge (flagged): {', '.join(small)}."))
    threshold = subgroups.attrs.get("threshold")
    if threshold is not None:
        blocks.append(("p", f"Threshold-dependent metrics use the threshold {threshold:g}."))
    return blocks


#: Collins, Ogundimu & Altman (Stat Med 2016;35:214-226): an external validation needs at least 100
#: events (preferably 200) for its calibration and discrimination to be estimated usefully.
MIN_VALIDATION_EVENTS = 100


def _cluster_blocks(clusters: pd.DataFrame) -> list[Block]:
    """Per-cluster AUROC and O/E with intervals, events, and a flag where events are too few."""
    if not isinstance(clusters, pd.DataFrame) or not {"site", "metric", "value"} <= set(clusters.columns):
        raise ValueError("clusters must be the table returned by mlhc_course.audit.compare_sites.")
    ci = float(clusters.attrs.get("ci", 0.95))
    rows = []
    for site, part in clusters.groupby("site", sort=False):
        part = part.set_index("metric")
        n = int(part.loc["n", "value"])
        events = int(round(n * part.loc["prevalence", "value"]))
        row = {"cluster": site, "n": n, "events": events}
        for metric in ("AUROC", "O/E"):
            value, lower, upper = part.loc[metric, ["value", "ci_lower", "ci_upper"]]
            row[metric] = _with_ci(value, lower, upper, ci)
        row["too few events"] = "yes" if events < MIN_VALIDATION_EVENTS else ""
        rows.append(row)
    table = pd.DataFrame(rows)
    oe = clusters[clusters["metric"] == "O/E"]
    includes_one = int(((oe["ci_lower"] <= 1) & (oe["ci_upper"] >= 1)).sum())
    few = int((table["too few events"] == "yes").sum())
    blocks: list[Block] = [("table", table)]
    blocks.append(
        ("p", f"The O/E interval includes 1 in {includes_one} of {len(table)} clusters. {few} of {len(table)} "
              f"clusters have fewer than {MIN_VALIDATION_EVENTS} events, the minimum suggested for a validation "
              "(Collins, Ogundimu & Altman, Stat Med 2016;35:214-226): read their estimates as imprecise, and "
              "judge heterogeneity from all clusters together, not from the most extreme one.")
    )  # fmt: skip
    return blocks


def _setting_calibration_blocks(external: pd.DataFrame) -> list[Block]:
    """Calibration in each later/other dataset of an external validation report (not the first column)."""
    names = [c for c in external.columns if not c.endswith(("_ci_lower", "_ci_upper")) and c != "difference"]
    blocks: list[Block] = []
    for name in names[1:]:
        if "O/E" not in external.index:
            continue
        oe = external.loc["O/E"]
        text = f"In {name}: O/E {_with_ci(oe[name], oe[f'{name}_ci_lower'], oe[f'{name}_ci_upper'], 0.95)}"
        if "calibration-in-the-large" in external.index:
            citl = external.loc["calibration-in-the-large"]
            lower, upper = citl[f"{name}_ci_lower"], citl[f"{name}_ci_upper"]
            if np.isfinite(upper) and upper < 0:
                text += ": the model systematically overestimates risk there."
            elif np.isfinite(lower) and lower > 0:
                text += ": the model systematically underestimates risk there."
            else:
                text += ": no clear evidence of miscalibration there, at this precision."
        blocks.append(("p", text))
    return blocks


def _external_blocks(external: pd.DataFrame) -> list[Block]:
    if not isinstance(external, pd.DataFrame) or "difference" not in external.columns:
        raise ValueError(
            "external_validation must be the table returned by mlhc_course.audit.external_validation_report."
        )
    names = [c for c in external.columns if not c.endswith(("_ci_lower", "_ci_upper")) and c != "difference"]
    ci = float(external.attrs.get("ci", 0.95))
    rows = []
    for metric, row in external.iterrows():
        entry = {"metric": metric}
        for name in names:
            digits = 0 if metric == "n" else (3 if metric in ("Brier", "ECE") else 2)
            entry[name] = _with_ci(row[name], row[f"{name}_ci_lower"], row[f"{name}_ci_upper"], ci, digits)
        entry["difference"] = _fmt(row["difference"], 0 if metric == "n" else 3)
        rows.append(entry)
    return [("table", pd.DataFrame(rows))]


def _utility_blocks(curve: pd.DataFrame) -> list[Block]:
    if not isinstance(curve, pd.DataFrame) or not {"threshold", "strategy", "net_benefit"} <= set(
        curve.columns
    ):
        raise ValueError("clinical_utility must be the table returned by mlhc_course.metrics.decision_curve.")
    wide = curve.pivot(index="threshold", columns="strategy", values="net_benefit")
    models = [c for c in wide.columns if c not in ("treat all", "treat none")]
    blocks: list[Block] = []
    for model in models:
        better = wide.index[(wide[model] > wide["treat all"]) & (wide[model] > 0)]
        if len(better):
            blocks.append(
                ("p", f"{model}: net benefit above both treat-all and treat-none for thresholds "
                      f"{better.min():g} to {better.max():g} (evaluated at {len(wide)} thresholds).")
            )  # fmt: skip
        else:
            blocks.append(("p", f"{model}: no threshold where it beats both treat-all and treat-none."))
    index = wide.index if len(wide) <= 8 else wide.index[np.linspace(0, len(wide) - 1, 6).round().astype(int)]
    table = wide.loc[index, [*models, "treat all", "treat none"]].reset_index()
    for column in table.columns[1:]:
        table[column] = [_fmt(v, 3) for v in table[column]]
    table["threshold"] = [f"{t:g}" for t in table["threshold"]]
    blocks.append(("table", table))
    blocks.append(
        (
            "p",
            "Net benefit in true positives per patient (Vickers & Elkin, Med Decis Making 2006;26:565-574).",
        )
    )
    return blocks


def model_card(
    name: str,
    *,
    intended_use: str,
    data: str | Mapping[str, str],
    model_details: str | None = None,
    performance: pd.DataFrame | None = None,
    discrimination: Any = None,
    calibration: Any = None,
    subgroups: pd.DataFrame | None = None,
    external_validation: pd.DataFrame | None = None,
    clinical_utility: pd.DataFrame | None = None,
    limitations: str | Sequence[str] | None = None,
    setting_of_use: str | None = None,
    evaluated_on: str | None = None,
    clusters: pd.DataFrame | None = None,
) -> ModelCard:
    """Assemble a model card from fitted results, with a TRIPOD+AI-style checklist.

    Parameters
    ----------
    name : str
        The model's name, used as the title.
    intended_use : str
        Who the model is for, where in the care pathway, for which decision, and what it must not
        be used for.
    data : str or mapping of str to str
        The data: sources, dates, setting, eligibility and the outcome definition. A mapping is
        rendered as a list (e.g. ``{"Source": ..., "Outcome": ...}``); a key containing "outcome"
        marks TRIPOD+AI item 8a as covered.
    model_details : str, default=None
        Type of model and how it was built (features, tuning, internal validation).
    performance : pandas.DataFrame, default=None
        The table from :func:`mlhc_course.metrics.confusion_metrics` at the operating threshold.
    discrimination : Bunch, mapping or float, default=None
        AUROC with ``estimate``, ``ci_lower``, ``ci_upper`` (and optionally ``ci``), e.g. from
        :func:`mlhc_course.metrics.roc_auc_ci` or :func:`mlhc_course.metrics.bootstrap_ci`.
    calibration : Bunch or mapping, default=None
        From :func:`mlhc_course.metrics.calibration_summary`.
    subgroups : pandas.DataFrame, default=None
        From :func:`mlhc_course.audit.subgroup_report`.
    external_validation : pandas.DataFrame, default=None
        From :func:`mlhc_course.audit.external_validation_report`.
    clinical_utility : pandas.DataFrame, default=None
        A decision curve from :func:`mlhc_course.metrics.decision_curve`, summarised as the range
        of thresholds where the model beats treat-all and treat-none, and a short table.
    limitations : str or sequence of str, default=None
        Known limitations and biases. A card without them is marked as not covering item 26.
    setting_of_use : str, default=None
        Where and when the model will be used: the practices or hospitals, the period, the
        population. Without it item 3b is only "partly" covered, and the card says so.
    evaluated_on : str, default=None
        The patients on whom ``performance``, ``discrimination``, ``calibration``, ``subgroups`` and
        ``clinical_utility`` were computed (for example "internal test set, practices P01-P08,
        2005-2009"). Every results section opens with it; without it the card states that it is
        unknown, and items 12e and 23a are at most "partly" covered. Compute these results in
        data that resemble the setting of use, not only in the internal test set.
    clusters : pandas.DataFrame, default=None
        Per-cluster results (sites, periods) from :func:`mlhc_course.audit.compare_sites`, shown
        with each cluster's events and a flag where they are fewer than 100 (Collins et al. 2016).
        Item 23b (heterogeneity across clusters) is covered only by this; a pooled
        ``external_validation`` alone covers it "partly".

    Returns
    -------
    card : ModelCard
        Displays itself in a notebook; ``card.to_markdown()`` gives the text;
        ``card.checklist`` is the TRIPOD+AI table.

    Raises
    ------
    ValueError
        If ``name``, ``intended_use`` or ``data`` is empty, or a results table is not of the
        expected kind.

    See Also
    --------
    mlhc_course.metrics.confusion_metrics
    mlhc_course.metrics.calibration_summary
    mlhc_course.audit.subgroup_report

    Notes
    -----
    Sections are written only from what is passed in: the card never invents a number. A missing
    section is stated as "Not reported", which is itself information for the reader.

    The checklist is deliberately strict: item 12e counts as covered only when discrimination,
    calibration *and* clinical utility are reported, item 23a only with intervals *and* a
    subgroup analysis, both only when ``evaluated_on`` says on which patients, item 3b only with a
    ``setting_of_use`` and item 23b only with per-cluster results; otherwise they are "partly"
    covered. With ``external_validation``, the Calibration section also reports calibration in each
    validation dataset, since a model well calibrated in its internal test set may not be where it
    is used.

    References
    ----------
    .. [1] Collins GS, Moons KGM, Dhiman P, et al. TRIPOD+AI statement: updated guidance for
       reporting clinical prediction models that use regression or machine learning methods.
       BMJ 2024;385:e078378.
    .. [2] Mitchell M, Wu S, Zaldivar A, et al. Model cards for model reporting. Proceedings of
       FAT* 2019:220-229.
    .. [3] Collins GS, Ogundimu EO, Altman DG. Sample size considerations for the external validation
       of a multivariable prognostic model: a resampling study. Stat Med 2016;35:214-226.

    Examples
    --------
    >>> card = model_card(
    ...     "Sepsis alert v0",
    ...     intended_use="Flag adult ward patients for sepsis review; not for children.",
    ...     data={"Source": "Synthetic cohort", "Outcome": "Sepsis within 48 h"},
    ...     limitations=["Synthetic data only."],
    ... )
    >>> card.checklist.set_index("item").loc[["3b", "8a", "23a"], "covered"].tolist()
    ['partly', 'yes', 'no']
    >>> card.to_markdown().splitlines()[0]
    '# Model card: Sepsis alert v0'
    """
    for param, value in (("name", name), ("intended_use", intended_use)):
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{param} must be a non-empty string describing the model.")
    if not data or (isinstance(data, str) and not data.strip()):
        raise ValueError("data must describe the data (sources, dates, eligibility, outcome); it is empty.")
    setting = setting_of_use.strip() if isinstance(setting_of_use, str) and setting_of_use.strip() else None
    sections: list[tuple[str, list[Block]]] = [
        (
            "Intended use",
            [
                ("p", intended_use),
                (
                    "p",
                    f"Setting of use: {setting}"
                    if setting
                    else "Setting of use: not stated (where, when and in whom will it be used?).",
                ),
            ],
        )  # fmt: skip
    ]
    has_results = any(
        x is not None for x in (performance, discrimination, calibration, subgroups, clinical_utility)
    )
    evaluated = evaluated_on.strip() if isinstance(evaluated_on, str) and evaluated_on.strip() else None
    source: list[Block] = [
        ("p", f"Evaluated on: {evaluated}." if evaluated else
              "Evaluated on: not stated. Say on which patients these results were computed (evaluated_on).")
    ]  # fmt: skip
    if isinstance(data, Mapping):
        sections.append(("Data", [("ul", [f"{key}: {value}" for key, value in data.items()])]))
        has_outcome = any("outcome" in str(key).lower() for key in data)
    else:
        sections.append(("Data", [("p", data)]))
        has_outcome = False
    sections.append(("Model", [("p", model_details)] if model_details else [("p", "Not reported.")]))
    perf = _performance_blocks(performance, discrimination)
    sections.append(("Performance", source + perf if perf else [("p", "Not reported.")]))
    calibration_blocks = source + _calibration_blocks(calibration) if calibration is not None else []
    if external_validation is not None and not isinstance(external_validation, pd.DataFrame):
        _external_blocks(external_validation)  # raises the helpful error
    if external_validation is not None and "difference" in external_validation.columns:
        calibration_blocks += _setting_calibration_blocks(external_validation)
    sections.append(("Calibration", calibration_blocks or [("p", "Not reported.")]))
    sections.append(("Subgroups", source + _subgroup_blocks(subgroups) if subgroups is not None else
                     [("p", "Not reported.")]))  # fmt: skip
    if clinical_utility is not None:
        sections.append(("Clinical utility", source + _utility_blocks(clinical_utility)))
    if external_validation is not None:
        sections.append(("External validation", _external_blocks(external_validation)))
    if clusters is not None:
        sections.append(("Performance by cluster", _cluster_blocks(clusters)))
    sections.append(("Limitations", _paragraphs(limitations) if limitations else [("p", "Not reported.")]))

    has_perf = performance is not None or discrimination is not None
    has_ci = (performance is not None) or (
        discrimination is not None and not isinstance(discrimination, (int, float))
    )

    def unless_unsourced(status: str) -> str:
        return "partly" if status == "yes" and has_results and not evaluated else status

    covered = {
        "3b": "yes" if setting else "partly",
        "5a": "yes",
        "8a": "yes" if has_outcome else "no",
        "12c": "yes" if model_details else "no",
        "12e": unless_unsourced(
            "yes"
            if (has_perf and calibration is not None and clinical_utility is not None)
            else ("partly" if has_perf or calibration is not None or clinical_utility is not None else "no")
        ),
        "21": "yes" if (performance is not None or calibration is not None) else "no",
        "23a": unless_unsourced(
            "yes"
            if (has_ci and subgroups is not None)
            else ("partly" if has_ci or subgroups is not None else "no")
        ),
        "23b": "yes" if clusters is not None else ("partly" if external_validation is not None else "no"),
        "26": "yes" if limitations else "no",
    }
    checklist = pd.DataFrame(
        [
            {"item": item, "requirement": text, "section": section, "covered": covered[item]}
            for item, text, section in TRIPOD_AI_ITEMS
        ]
    )
    return ModelCard(title=f"Model card: {name}", sections=sections, checklist=checklist)
