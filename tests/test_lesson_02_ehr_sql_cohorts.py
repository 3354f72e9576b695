"""Lesson 2 (notebooks/02_ehr_sql_cohorts.ipynb): its numbers, its self-checks, and its SQL on DuckDB.

The lesson's code cells run here in-process (the self-check cells excepted), so every number the prose
relies on is recomputed from the seeded data; every query the lesson defines (a ``*_SQL`` string) is
then run on DuckDB over the same tables and must give the same result as on SQLite.
"""

from __future__ import annotations

import pandas as pd
import pytest

from mlhc_course import datasets, exercises

from lesson_runner import read_lesson, run_cells, solution_block

LESSON = "02_ehr_sql_cohorts.ipynb"


@pytest.fixture(scope="module")
def notebook():
    return read_lesson(LESSON)


@pytest.fixture(scope="module")
def lesson(notebook):
    """The lesson's namespace after running its code cells (not the install cell or the self-checks)."""
    return run_cells(notebook, label=LESSON)


def _solution_sql(notebook) -> str:
    return solution_block(notebook, "l02_ex3_baseline_cholesterol_sql", language="sql")


def test_the_extracted_features_equal_the_truth(lesson):
    features, truth = lesson["features"], lesson["truth"]
    assert list(features.index) == list(truth.index)
    agreement = lesson["agreement"](features[lesson["PREDICTORS"]], truth[lesson["PREDICTORS"]])
    assert (agreement == 1.0).all(), agreement[agreement < 1]
    observed = (truth.event_observed == 1) & (truth.time_to_event_years <= 10)
    assert (features["cvd_10y"] == observed.astype(int)).all()
    assert features["cvd_10y"].mean() < truth["event_recorded"].mean()  # "lower than the true 10-year risk"


def test_linkage_attrition_and_cleaning_numbers(lesson):
    links, ehr = lesson["links"], lesson["ehr"]
    assert len(links) == len(ehr.duplicates) > 0
    assert set(zip(links.other_person_id, links.person_id, strict=True)) == set(
        zip(ehr.duplicates.duplicate_person_id, ehr.duplicates.person_id, strict=True)
    )
    edits = lesson["pairs"]["edits"]
    assert edits.max() > 2 and not edits.between(3, 6).any()  # "1 or 2 edits ... or 7 and more"
    quality = lesson["linkage_quality"]
    at_two, at_one = quality(2), quality(1)
    assert at_two["true pairs found"] == len(ehr.duplicates) and at_two["false links"] == 0
    assert at_one["true pairs found"] < at_two["true pairs found"] and quality(12)["false links"] > 0
    attrition = lesson["attrition"]
    assert attrition.is_monotonic_decreasing and attrition.iloc[-1] == 2000
    assert lesson["drugs"]["drug_exposure_end_date"].notna().all()
    assert (lesson["sql"](lesson["AFTER_DEATH_SQL"])["n_records"] > 0).all()
    ranges = lesson["sql"](lesson["LAB_RANGES_SQL"]).set_index("loinc")
    assert ranges.loc["8480-6", "max"] > 1000 and ranges.loc["39156-5", "max"] > 200  # as the prose says
    assert ranges.loc["14647-2", "min"] == 0


def test_leakage_and_immortal_time_numbers(lesson):
    leak = lesson["leak"]
    assert leak.loc["cholesterol: latest ever", "agrees with the truth"] < 0.5  # "most patients"
    assert (
        leak.loc["cholesterol: latest ever", "AUROC for 10-year CVD"]
        < leak.loc["cholesterol: latest before index", "AUROC for 10-year CVD"]
    )
    assert (
        leak.loc["statin: ever", "AUROC for 10-year CVD"]
        > leak.loc["statin: at the index date", "AUROC for 10-year CVD"]
    )
    naive = lesson["naive"]["CVD event in follow-up"]
    assert naive.iloc[0] / naive.iloc[1] < 0.7  # "strongly protected"
    assert 0.85 < lesson["rate_ratio"] < 1.15  # "close to 1"


def test_every_lesson_query_gives_the_same_result_on_duckdb(lesson):
    duckdb = pytest.importorskip("duckdb")
    con = lesson["con"]
    names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    duck = duckdb.connect()
    for name in names:
        frame = pd.read_sql(f"SELECT * FROM {name}", con)
        duck.register(f"{name}_df", frame)
        duck.execute(f"CREATE TABLE {name} AS SELECT * FROM {name}_df")
    queries = {k: v for k, v in lesson.items() if k.endswith("_SQL") and isinstance(v, str)}
    assert len(queries) >= 15
    for name, query in queries.items():
        on_sqlite = pd.read_sql(query, con)
        on_duckdb = duck.execute(query).df()
        assert list(on_duckdb.columns) == list(on_sqlite.columns), name
        left = on_sqlite.sort_values(list(on_sqlite.columns)).reset_index(drop=True)
        right = on_duckdb.sort_values(list(on_duckdb.columns)).reset_index(drop=True)
        pd.testing.assert_frame_equal(left, right, check_dtype=False, atol=1e-9, obj=name)
    duck.close()


def test_self_check_smokers_without_lookback(lesson):
    query = lesson["DIAGNOSES_SQL"].replace(
        "AND co.condition_start_date BETWEEN k.lookback_start AND k.index_date",
        "AND co.condition_start_date <= k.index_date",
    )
    answer = int(lesson["sql"](query)["smoker"].sum())
    assert answer == 754
    assert exercises.check("l02_ex1_smokers_without_lookback", answer).passed
    truth_smokers = int(lesson["truth"]["smoker"].sum())
    assert truth_smokers == 386
    wrong = exercises.check("l02_ex1_smokers_without_lookback", truth_smokers)
    assert wrong.passed is False and "WITH the lookback" in wrong.hint
    unlinked = query.replace(
        "LEFT JOIN person_map AS pm ON pm.master_id = k.person_id\n"
        "LEFT JOIN condition_occurrence AS co ON co.person_id = pm.person_id",
        "LEFT JOIN condition_occurrence AS co ON co.person_id = k.person_id",
    )
    no_link = int(lesson["sql"](unlinked)["smoker"].sum())
    assert no_link == 737
    assert "second registrations" in exercises.check("l02_ex1_smokers_without_lookback", no_link).hint
    assert exercises.check("l02_ex1_smokers_without_lookback", "many").passed is False


def test_self_check_which_bias():
    assert exercises.check("l02_ex2_which_bias", "immortal time").passed
    wrong = exercises.check("l02_ex2_which_bias", "look-ahead leakage")
    assert wrong.passed is False and "predictors all come from before" in wrong.hint
    assert exercises.check("l02_ex2_which_bias", 3).passed is False


def test_self_check_sql_query(notebook):
    solution = _solution_sql(notebook)
    assert exercises.check("l02_ex3_baseline_cholesterol_sql", solution).passed
    no_units = solution.replace("m.value_as_number / 38.67", "m.value_as_number").replace(
        "AND ch.value BETWEEN 1 AND 20", "AND ch.value > 0"
    )
    result = exercises.check("l02_ex3_baseline_cholesterol_sql", no_units)
    assert result.passed is False and "mg/dL" in result.message
    look_ahead = solution.replace("ch.measurement_date <= i.index_date AND ", "")
    result = exercises.check("l02_ex3_baseline_cholesterol_sql", look_ahead)
    assert result.passed is False and "ON OR BEFORE" in result.message
    no_filter = solution.replace("AND ch.value BETWEEN 1 AND 20", "")
    result = exercises.check("l02_ex3_baseline_cholesterol_sql", no_filter)
    assert result.passed is False and "implausible" in result.message
    broken = exercises.check("l02_ex3_baseline_cholesterol_sql", "SELEC person_id FROM nowhere")
    assert broken.passed is False and "failed" in broken.message
    assert exercises.check("l02_ex3_baseline_cholesterol_sql", 42).passed is False
    assert exercises.check("l02_ex3_baseline_cholesterol_sql", None).passed is None


def test_the_sql_check_runs_on_another_seed_than_the_lesson(lesson):
    from mlhc_course.exercises import _SQL_CHECK_SEED

    assert _SQL_CHECK_SEED != lesson["RANDOM_SEED"]
    assert lesson["RANDOM_SEED"] == 2026 and isinstance(lesson["ehr"], datasets.EHRDataset)


def test_exercise_labels_have_self_checks_and_solutions(notebook):
    text = "\n".join(c.source for c in notebook.cells)
    for qid in ("l02_ex1_smokers_without_lookback", "l02_ex2_which_bias", "l02_ex3_baseline_cholesterol_sql"):
        assert f":label: {qid}" in text and f"{{solution}} {qid}" in text
        assert f'exercises.check("{qid}"' in text
        assert qid in exercises.list_questions()
