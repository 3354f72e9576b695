"""Problem sets 2, 3, 4 and 5 through the whole ``mlhc assign`` loop, from the command line.

For each problem set: release -> collect an LMS zip -> grade -> feedback -> export -> report, with a
correct, a partial and a blank submission, and a correct submission whose answers were computed
*another valid way* (it must earn every autograded point). Then the numbers that each hand-marked
model answer quotes are recomputed from the seeded data, so that the answer key cannot drift from
the executed solution.

The helpers come from ``grading_fixtures`` (shared with test_grading_pipeline.py); only the public
CLI and ``mlhc_course.grading`` are used.
"""

from __future__ import annotations

import csv
import html as html_lib
import re
import zipfile

import nbformat
import numpy as np
import pytest
from click.testing import CliRunner
from grading_fixtures import (
    ASSIGNMENTS_DIR,
    REPO_ROOT,
    autograded_points,
    first_question_points,
    hidden_test_lines,
    make_course,
    notebooks,
    require_bwrap,
)

from mlhc_course.cli import main

# Answers written another valid way: grade_id of the answer cell -> its new source.
ALTERNATIVES = {
    "ps2_cvd_risk_model": {
        # the patients drawn with numpy instead of the toolkit's splitter
        "ps2_q1_split": """
def split_by_patient(frame, test_size, seed):
    ids = np.sort(frame["patient_id"].unique())
    chosen = np.random.default_rng(seed).choice(ids, size=round(test_size * len(ids)), replace=False)
    in_test = frame["patient_id"].isin(chosen)
    return frame.loc[~in_test], frame.loc[in_test]
""",
        # another solver; the net benefit by its formula
        "ps2_q2_model": """
def fit_risk_model(frame):
    return LogisticRegression(C=np.inf, solver="newton-cg", max_iter=1_000).fit(frame[PREDICTORS], frame[OUTCOME])


model = fit_risk_model(train)
odds_ratios = modelling.odds_ratio_table(model, train[PREDICTORS], units=OR_UNITS)
""",
        "ps2_q4_calibration": """
def calibration_and_net_benefit(y_true, risk, threshold):
    y, p = np.asarray(y_true), np.asarray(risk)
    cal = metrics.calibration_summary(y, p)
    treated = p >= threshold
    weight = threshold / (1 - threshold)
    n = len(y)
    nb = np.sum(treated & (y == 1)) / n - np.sum(treated & (y == 0)) / n * weight
    prevalence = y.mean()
    return {"O/E": y.sum() / p.sum(), "calibration_in_the_large": cal.citl,
            "calibration_slope": cal.slope, "net_benefit": nb,
            "net_benefit_treat_all": prevalence - (1 - prevalence) * weight}


test_risk = model.predict_proba(test[PREDICTORS])[:, 1]
test_clinical = calibration_and_net_benefit(test[OUTCOME], test_risk, GUIDELINE_THRESHOLD)
""",
    },
    "ps3_cohorts_leakage_validation": {
        # the post-outcome columns in another order (the test is order-free)
        "ps3_q2a_leaky_columns": """
leaky_columns = ["time_to_event_years", "cardiology_referral", "statin_at_followup"]
""",
        # the patients split by scikit-learn's splitter directly, the columns dropped by name, sklearn's AUROC
        "ps3_q2b_honest_auroc": """
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupShuffleSplit


def honest_auroc(frame, seed):
    inputs = frame[TEAM_COLUMNS].drop(columns=leaky_columns)
    splitter = GroupShuffleSplit(n_splits=1, test_size=0.25, random_state=seed)
    train_idx, test_idx = next(splitter.split(inputs, groups=frame["patient_id"]))
    y = frame["event_recorded"].to_numpy()
    forest = team_model(seed).fit(inputs.iloc[train_idx], y[train_idx])
    return roc_auc_score(y[test_idx], forest.predict_proba(inputs.iloc[test_idx])[:, 1])


honest_auc = honest_auroc(extract, ASSIGNMENT_SEED)
""",
        # the designs by boolean masks instead of the toolkit's splitters
        "ps3_q3a_designs": """
external_practice = network["practice"].isin(EXTERNAL_PRACTICES)
early = network["baseline_year"] < CUTOFF_YEAR
development = network[~external_practice & early]
external = network[external_practice & early]
later = network[~external_practice & ~early]
""",
        # the per-group metrics read from the toolkit's tidy site comparison
        "ps3_q3b_validation_table": """
from mlhc_course import audit


def validation_table(y_true, risk, groups):
    labels = np.asarray(groups).astype(str)
    tidy = audit.compare_sites(np.asarray(y_true), np.asarray(risk), labels)
    value = tidy.pivot(index="site", columns="metric", values="value")
    lower = tidy.pivot(index="site", columns="metric", values="ci_lower")
    upper = tidy.pivot(index="site", columns="metric", values="ci_upper")
    table = pd.DataFrame({"n": value["n"], "events": (value["n"] * value["prevalence"]).round()})
    for metric in ("AUROC", "O/E"):
        table[metric] = value[metric]
        table[metric + "_ci_lower"] = lower[metric]
        table[metric + "_ci_upper"] = upper[metric]
    return table.sort_index()


practice_report = validation_table(external["event_recorded"], external_risk, external["practice"])
period_report = validation_table(later["event_recorded"], later_risk, later["baseline_year"])
""",
    },
    "ps4_fairness_shift_audit": {
        # the sensitivities and Wilson intervals read from the toolkit's subgroup report
        "ps4_q1_subgroups": """
from mlhc_course import audit


def subgroup_table(y_true, risk, groups, threshold):
    groups = np.asarray(groups).astype(str)
    y, p = np.asarray(y_true), np.asarray(risk, dtype=float)
    report = audit.subgroup_report(y, p, groups, threshold=threshold)
    sens = report[(report["metric"] == "sensitivity") & (report["group"] != "overall")].set_index("group")
    table = pd.DataFrame({"n": sens["n"], "events": sens["n_events"], "sensitivity": sens["value"],
                          "sensitivity_ci_lower": sens["ci_lower"], "sensitivity_ci_upper": sens["ci_upper"]})
    table["O/E"] = [y[groups == g].sum() / p[groups == g].sum() for g in table.index]
    return table.sort_index()


sex_report = subgroup_table(test["event_recorded"], test_risk, test["sex"], STATIN_THRESHOLD)
""",
        # the recalibration fitted by maximising the likelihood with scipy
        "ps4_q3_recalibration": """
from scipy.optimize import minimize


def recalibrate(y_recent, risk_recent, risk_new):
    y = np.asarray(y_recent, dtype=float)
    x = np.log(np.asarray(risk_recent) / (1 - np.asarray(risk_recent)))

    def neg_log_likelihood(ab):
        eta = ab[0] + ab[1] * x
        return np.sum(np.logaddexp(0, eta) - y * eta)

    a, b = minimize(neg_log_likelihood, [0.0, 1.0], method="BFGS").x
    x_new = np.log(np.asarray(risk_new) / (1 - np.asarray(risk_new)))
    return 1 / (1 + np.exp(-(a + b * x_new)))


late_risk_recalibrated = recalibrate(late_recal["event_recorded"], risk_recal, risk_eval)
""",
    },
    "ps5_early_warning_survival": {
        # new alerts found with numpy per admission instead of a grouped shift
        "ps5_q2_alarm_burden": """
def alerts_per_ward_day(vitals, score_col, threshold, beds):
    new_alerts = 0
    for _, sets in vitals.dropna(subset=[score_col]).groupby("admission_id"):
        flagged = sets.sort_values("hour")[score_col].to_numpy() >= threshold
        new_alerts += int(np.sum(flagged & ~np.r_[False, flagged[:-1]]))
    onset = vitals.drop_duplicates("admission_id")["onset_hour"].to_numpy()
    patient_days = np.sum(np.where(np.isnan(onset), WINDOW_H, np.minimum(onset, WINDOW_H))) / 24
    return new_alerts / patient_days * beds


ward_comparison = pd.DataFrame(
    [{"sensitivity": np.mean(admission_table(ward, col).query("deteriorated == 1")["max_score"] >= t),
      "alerts_per_ward_day": alerts_per_ward_day(ward, col, t, WARD_BEDS)}
     for col, t in [("news2", 5), ("model_risk", MODEL_THRESHOLD)]],
    index=["NEWS2 >= 5", "model"],
)
""",
        # the Kaplan-Meier product limit by hand
        "ps5_q3_kaplan_meier": """
def km_cumulative_incidence(time, event, horizon):
    time, event = np.asarray(time, dtype=float), np.asarray(event, dtype=int)
    survival_prob = 1.0
    for u in np.unique(time[(event == 1) & (time <= horizon)]):
        survival_prob *= 1 - np.sum((time == u) & (event == 1)) / np.sum(time >= u)
    return 1 - survival_prob


risk_10y = km_cumulative_incidence(t, e, HORIZON)
""",
    },
}

PROBLEM_SETS = [name for name in ALTERNATIVES if (ASSIGNMENTS_DIR / name).is_dir()]


# A submission with one wrong answer that a later question builds on, and the points it must lose: the
# later question is marked on the student's own earlier answer (error carried forward), not again.
CARRIED_FORWARD = {
    "ps3_cohorts_leakage_validation": (
        # time_to_event_years missed in 2a (its 2 points lost): 2b, which then keeps that column, is still
        # marked right; against the true columns it would be far off (an AUROC near the team's)
        {"ps3_q2a_leaky_columns": 'leaky_columns = ["cardiology_referral", "statin_at_followup"]'},
        2.0,
    ),
}


def _replaced(course, assignment, sources):
    nbs = notebooks(course, assignment, "correct")
    replaced = set()
    for nb in nbs.values():
        for cell in nb.cells:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if gid in sources:
                cell.source = sources[gid].strip("\n")
                replaced.add(gid)
    assert replaced == set(sources), "a replacement names an answer cell that is not there"
    return nbs


def _alternative(course, assignment):
    return _replaced(course, assignment, ALTERNATIVES[assignment])


@pytest.mark.slow
@pytest.mark.parametrize("assignment", PROBLEM_SETS)
def test_full_loop_through_the_cli(assignment, tmp_path):
    require_bwrap()
    course = make_course(tmp_path / "course", [assignment], release=False)
    root = str(course.root)
    runner = CliRunner()

    result = runner.invoke(main, ["assign", "release", assignment, "--course-dir", root])
    assert result.exit_code == 0, result.output
    [nb_id] = course.notebook_ids(assignment)

    submissions = {
        "101": notebooks(course, assignment, "correct")[nb_id],
        "102": notebooks(course, assignment, "partial")[nb_id],
        "103": notebooks(course, assignment, "blank")[nb_id],
        "104": _alternative(course, assignment)[nb_id],
    }
    if assignment in CARRIED_FORWARD:
        submissions["105"] = _replaced(course, assignment, CARRIED_FORWARD[assignment][0])[nb_id]
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for sid, nb in submissions.items():
            zf.writestr(f"doe_{chr(ord('a') + int(sid) - 101)}_{sid}_{nb_id}.ipynb", nbformat.writes(nb))
    result = runner.invoke(main, ["assign", "collect", assignment, str(archive), "--course-dir", root])
    assert result.exit_code == 0, result.output
    assert f"Collected {len(submissions)} submission(s)" in result.output

    result = runner.invoke(
        main, ["assign", "grade", assignment, "--course-dir", root, "--jobs", "2", "--timeout", "120"]
    )
    assert result.exit_code == 0, result.output

    result = runner.invoke(main, ["assign", "feedback", assignment, "--course-dir", root])
    assert result.exit_code == 0, result.output
    hidden = hidden_test_lines(course, assignment)
    for sid in ("101", "102", "103"):  # (104's own code may share a line with a hidden test)
        html = (course.path("feedback", assignment, sid) / f"{nb_id}.html").read_text(encoding="utf-8")
        assert "hidden tests: not shown" in html
        text = " ".join(html_lib.unescape(re.sub(r"<[^>]+>", "", html)).split())
        assert not [line for line in hidden if " ".join(line.split()) in text]

    out = tmp_path / "grades.csv"
    result = runner.invoke(main, ["assign", "export", "--course-dir", root, "-o", str(out)])
    assert result.exit_code == 0, result.output
    scores = {r["student_id"]: float(r["raw_score"]) for r in csv.DictReader(out.open(encoding="utf-8"))}
    full = autograded_points(course, assignment)
    partial = first_question_points(course, assignment)
    assert 0 < partial < full
    expected = {"101": full, "102": partial, "103": 0.0, "104": full}
    if assignment in CARRIED_FORWARD:
        expected["105"] = full - CARRIED_FORWARD[assignment][1]
    assert scores == expected

    result = runner.invoke(main, ["assign", "report", assignment, "--course-dir", root, "--png"])
    assert result.exit_code == 0, result.output
    assert (course.root / "reports" / f"{assignment}.html").is_file()


def _points(path) -> tuple[float, float]:
    """(autograded, hand-marked) points of a source notebook."""
    auto = hand = 0.0
    for cell in nbformat.read(path, as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            if cell.cell_type == "code" and not meta.get("solution"):
                auto += float(meta["points"])
            else:
                hand += float(meta["points"])
    return auto, hand


def test_syllabus_and_guide_give_each_problem_sets_points():
    syllabus = (REPO_ROOT / "book" / "syllabus.md").read_text(encoding="utf-8")
    guide = (REPO_ROOT / "book" / "instructor_guide.md").read_text(encoding="utf-8")
    for path in sorted(ASSIGNMENTS_DIR.glob("*/*.ipynb")):
        name = path.parent.name
        auto, hand = _points(path)
        [row] = [line for line in syllabus.splitlines() if f"<assignments/{name}>`" in line]
        total, listed_auto, listed_hand = map(
            float, re.search(r"\| (\d+) \((\d+) \+ (\d+)\) \|$", row).groups()
        )
        assert (total, listed_auto, listed_hand) == (auto + hand, auto, hand), f"syllabus row of {name}"
        [row] = [line for line in guide.splitlines() if line.startswith(f"| PS{name[2]} `{name}`")]
        marked = sum(float(n) for n in re.findall(r"\((\d+) points?\)", row.rsplit("|", 2)[-2]))
        assert marked == hand, f"instructor guide: the hand-marked points of {name}"


def _model_answer(assignment: str) -> str:
    """The text of the hand-marked answer cells of a source notebook."""
    [path] = (ASSIGNMENTS_DIR / assignment).glob("*.ipynb")
    nb = nbformat.read(path, as_version=4)
    cells = [
        c.source
        for c in nb.cells
        if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("solution")
    ]
    assert cells and all("=== BEGIN MARK SCHEME ===" in c and "**Mark scheme" in c for c in cells)
    return "\n".join(cells)


def _assert_quoted(text: str, numbers: dict[str, str]) -> None:
    flat = " ".join(text.split())
    missing = {name: value for name, value in numbers.items() if value not in flat}
    assert not missing, f"the model answer does not quote these executed values: {missing}"


@pytest.mark.skipif("ps2_cvd_risk_model" not in PROBLEM_SETS, reason="PS2 not present")
def test_ps2_model_answer_quotes_the_executed_numbers():
    from sklearn.linear_model import LogisticRegression

    from mlhc_course import datasets, metrics, modelling, splits

    predictors = ["age", "male", "smoker", "diabetes", "sbp", "bp_treated", "total_chol", "hdl_chol"]
    frame = datasets.make_primary_care_cohort(8_000, random_state=2026, repeat_visits=3).frame
    frame = frame[frame["statin"] == 0].copy()
    frame["male"] = (frame["sex"] == "male").astype(int)
    frame = frame.reset_index(drop=True)
    train, test = splits.patient_split(frame, patient_col="patient_id", test_size=0.3, random_state=2026)
    train, test = train[train["visit_number"] == 0], test[test["visit_number"] == 0]
    model = LogisticRegression(C=np.inf, solver="newton-cholesky").fit(
        train[predictors], train["event_recorded"]
    )
    ors = modelling.odds_ratio_table(
        model, train[predictors], units={"age": 10, "sbp": 10, "total_chol": 1, "hdl_chol": 0.5}
    )
    risk = model.predict_proba(test[predictors])[:, 1]
    y = test["event_recorded"]
    auc = metrics.roc_auc_ci(y, risk)
    cal = metrics.calibration_summary(y, risk)
    nb = metrics.net_benefit(y, risk, 0.10)[0]
    nb_all = metrics.net_benefit(y, np.ones(len(y)), 0.10)[0]
    _assert_quoted(
        _model_answer("ps2_cvd_risk_model"),
        {
            "OR age": f"about {ors.loc['age', 'odds_ratio']:.2f} (95% CI {ors.loc['age', 'ci_lower']:.2f} to "
            f"{ors.loc['age', 'ci_upper']:.2f})",
            "OR smoking": f"smoking by about {ors.loc['smoker', 'odds_ratio']:.2f}",
            "AUROC": f"{auc.estimate:.0%} of pairs (AUROC {auc.estimate:.2f}, 95% CI {auc.ci_lower:.2f} to "
            f"{auc.ci_upper:.2f})",
            "O/E": f"O/E {cal.observed_expected:.2f}",
            "slope": f"slope was {cal.slope:.2f}",
            "events": f"only {int(y.sum())} events",
            "offered": f"to {np.mean(risk >= 0.10):.0%} of patients",
            "net benefit": f"net benefit of {nb:.3f}",
            "treat all": f"everyone ({nb_all:.3f})",
        },
    )


@pytest.mark.skipif("ps3_cohorts_leakage_validation" not in PROBLEM_SETS, reason="PS3 not present")
def test_ps3_model_answer_quotes_the_executed_numbers():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from mlhc_course import audit, datasets, splits

    features = ["age", "male", "smoker", "diabetes", "total_chol", "hdl_chol", "sbp", "bp_treated"]
    network = datasets.make_primary_care_cohort(
        12_000, sites=8, site_shift=1.0, temporal_drift=True, random_state=3003
    ).frame
    network = network[network["statin"] == 0]
    network = network.assign(male=(network["sex"] == "male").astype(int))
    home, away = splits.site_split(network, site_col="practice", test_sites=["P06", "P07", "P08"])
    development, later = splits.temporal_split(home, time_col="baseline_year", cutoff=2010)
    external = away[away["baseline_year"] < 2010]
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1_000))
    model.fit(development[features], development["event_recorded"])

    def by_group(part, column):
        risk = model.predict_proba(part[features])[:, 1]
        tidy = audit.compare_sites(part["event_recorded"], risk, part[column].astype(str))
        return {m: rows.set_index("site") for m, rows in tidy.groupby("metric")}

    practices, years = by_group(external, "practice"), by_group(later, "baseline_year")
    auc, oe = practices["AUROC"]["value"], practices["O/E"]
    low, high = oe["value"].idxmin(), oe["value"].idxmax()
    events = (years["n"]["value"] * years["prevalence"]["value"]).round().astype(int)

    def with_ci(site):
        row = oe.loc[site]
        return f"{row['value']:.2f} (95% CI {row['ci_lower']:.2f} to {row['ci_upper']:.2f}) in {site}"

    _assert_quoted(
        _model_answer("ps3_cohorts_leakage_validation"),
        {
            "AUROC range": f"(AUROC {auc.min():.2f} to {auc.max():.2f})",
            "lowest O/E": f"ranged from {with_ci(low)}",
            "highest O/E": f"to {oe.loc[high, 'value']:.2f} ({oe.loc[high, 'ci_lower']:.2f} to "
            f"{oe.loc[high, 'ci_upper']:.2f}) in {high}",
            "O/E by year": f"below 1 in every year ({years['O/E']['value'].min():.2f} to "
            f"{years['O/E']['value'].max():.2f})",
            "events a year": f"only {events.min()} to {events.max()} events a year",
        },
    )
    assert (years["O/E"]["value"] < 1).all()  # "below 1 in every year"
    assert oe.loc[low, "ci_upper"] < 1 < oe.loc[high, "ci_lower"]  # "by more than chance explains"
    assert (years["O/E"]["ci_upper"] > 1).sum() >= 2  # "several of the intervals include 1"


@pytest.mark.skipif("ps4_fairness_shift_audit" not in PROBLEM_SETS, reason="PS4 not present")
def test_ps4_model_answer_quotes_the_executed_numbers():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from mlhc_course import audit, datasets, metrics, splits

    features = ["age", "male", "smoker", "diabetes", "total_chol", "hdl_chol", "sbp", "bp_treated"]
    region = datasets.make_primary_care_cohort(
        12_000, random_state=2026, temporal_drift=True, label_bias=0.5, label_bias_group="female"
    ).frame
    region = region.assign(male=(region["sex"] == "male").astype(int))
    early, late = splits.temporal_split(region, time_col="baseline_year", cutoff=2010)
    train, test = splits.patient_split(early, patient_col="patient_id", test_size=0.3, random_state=2026)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1_000))
    model.fit(train[features], train["event_recorded"])
    risk = model.predict_proba(test[features])[:, 1]
    sex = test["sex"].astype(str).to_numpy()
    sens = audit.subgroup_report(test["event_recorded"], risk, sex, threshold=0.10)
    sens = sens[sens["metric"] == "sensitivity"].set_index("group")
    women = sex == "female"
    true_w, rec_w = test["event_true"].to_numpy()[women], test["event_recorded"].to_numpy()[women]
    recal, evaluation = splits.patient_split(late, patient_col="patient_id", test_size=0.5, random_state=2026)
    oe_late = metrics.calibration_summary(
        evaluation["event_recorded"], model.predict_proba(evaluation[features])[:, 1]
    ).observed_expected

    def ci(group):
        row = sens.loc[group]
        return f"{row['value']:.2f} (95% CI {row['ci_lower']:.2f} to {row['ci_upper']:.2f}"

    _assert_quoted(
        _model_answer("ps4_fairness_shift_audit"),
        {
            "women": ci("female") + f", only {int(sens.loc['female', 'n_events'])}",
            "men": f"{sens.loc['male', 'value']:.2f} ({sens.loc['male', 'ci_lower']:.2f} to "
            f"{sens.loc['male', 'ci_upper']:.2f}) in men",
            "missed": f"{np.sum((true_w == 1) & (rec_w == 0)) / true_w.sum():.0%} of women's true",
            "O/E recorded": f"women's O/E is {rec_w.sum() / risk[women].sum():.2f}",
            "O/E true": f"true events {true_w.sum() / risk[women].sum():.2f}",
            "sensitivity true": f"only {np.mean(risk[women][true_w == 1] >= 0.10):.2f} of women",
            "late O/E": f"(O/E {oe_late:.2f})",
        },
    )


@pytest.mark.skipif("ps5_early_warning_survival" not in PROBLEM_SETS, reason="PS5 not present")
def test_ps5_model_answer_quotes_the_executed_numbers():
    # NOTE: these ward numbers depend on make_ward_vitals; if the simulator changes, update the
    # model answer of PS5 Question 5 with the numbers its results cell prints.
    from sklearn.linear_model import LogisticRegression

    from mlhc_course import datasets

    inputs = ["news2", "age", "resp_rate", "spo2", "on_oxygen", "sbp", "heart_rate", "temperature"]

    def make_ward(n, seed):
        vitals = datasets.make_ward_vitals(n, hours=72, random_state=seed).frame
        return vitals.assign(news2=datasets.news2_score(vitals))

    development = make_ward(3_000, 2027).dropna(subset=["news2"])
    model = LogisticRegression(max_iter=2_000).fit(
        development[inputs], development["deterioration_within_24h"]
    )
    dev_risk = model.predict_proba(development[inputs])[:, 1]
    model_threshold = float(np.quantile(dev_risk, 1 - np.mean(development["news2"] >= 5)))
    ward = make_ward(3_000, 2026)
    scored = ward.dropna(subset=["news2"]).sort_values(["admission_id", "hour"])
    scored = scored.assign(model_risk=model.predict_proba(scored[inputs])[:, 1])
    onset = ward.groupby("admission_id")["onset_hour"].first()
    patient_days = onset.clip(upper=72).fillna(72).sum() / 24
    cases = scored[scored["onset_hour"] < 72]
    in_time = cases[(cases["onset_hour"] - cases["hour"]).between(4, 24)]
    n_cases = int((onset < 72).sum())
    quoted = {}
    for name, col, threshold in [("NEWS2", "news2", 5), ("model", "model_risk", model_threshold)]:
        warned = int((in_time.groupby("admission_id")[col].max() >= threshold).sum())
        flagged = scored[col] >= threshold
        new = flagged & ~flagged.groupby(scored["admission_id"]).shift(fill_value=False)
        quoted[f"{name} warned"] = f"{warned / n_cases:.0%}"
        quoted[f"{name} warned n"] = f"({warned} of {n_cases})"
        quoted[f"{name} alerts"] = f"{new.sum() / patient_days * 28:.1f} new alerts a day"
    _assert_quoted(_model_answer("ps5_early_warning_survival"), quoted)
