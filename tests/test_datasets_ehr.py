"""make_ehr: determinism, referential integrity, each messiness switch, exact recovery, bad parameters."""

from __future__ import annotations

import shutil
import sqlite3

import numpy as np
import pandas as pd
import pytest
from rapidfuzz.distance import Levenshtein

from mlhc_course import datasets as ds
from mlhc_course.datasets._base import to_csv_bytes
from mlhc_course.datasets._ehr import EHR_TABLES

SEED = 7
FEATURES = ["age", "sex", "ethnicity", "deprivation_quintile", "smoker", "diabetes", "total_chol", "hdl_chol",
            "sbp", "bp_treated", "bmi", "egfr", "hba1c", "statin"]  # fmt: skip
DECIMALS = {"total_chol": 1, "hdl_chol": 2, "sbp": 0, "bmi": 1, "egfr": 0, "hba1c": 0}
LOINC = {"14647-2": "total_chol", "2093-3": "total_chol", "14646-4": "hdl_chol", "2085-9": "hdl_chol",
         "8480-6": "sbp", "39156-5": "bmi", "62238-1": "egfr", "59261-8": "hba1c"}  # fmt: skip
PLAUSIBLE = {"total_chol": (1, 20), "hdl_chol": (0.2, 5), "sbp": (50, 300), "bmi": (10, 80), "egfr": (1, 200),
             "hba1c": (15, 200)}  # fmt: skip
CVD = {"I20.9", "I21.9", "I50.9", "I63.9", "G45.9", "I73.9"}
DISAGREE = {
    "Family history of type 2 diabetes",
    "Diabetes excluded - HbA1c normal",
    "?Diabetes - repeat HbA1c",
}


@pytest.fixture(scope="module")
def realistic():
    return ds.make_ehr(600, random_state=SEED)


@pytest.fixture(scope="module")
def clean():
    return ds.make_ehr(600, messiness="none", random_state=SEED)


def _code(ehr, column):
    return column.map(ehr.tables["concept"].set_index("concept_id")["concept_code"])


def reference_features(ehr) -> pd.DataFrame:
    """The baseline features and the 10-year outcome, extracted in pandas by the datasheet's rules."""
    t = ehr.tables
    person = t["person"]
    # record linkage: same birth date and sex, names at most 2 edits apart
    pairs = person.merge(person, on=["birth_datetime", "gender_concept_id"], suffixes=("", "_b"))
    pairs = pairs[pairs.person_id < pairs.person_id_b]
    name, name_b = pairs.given_name + " " + pairs.family_name, pairs.given_name_b + " " + pairs.family_name_b
    dist = np.array([Levenshtein.distance(a, b) for a, b in zip(name, name_b, strict=True)])
    master = dict(zip(person.person_id, person.person_id, strict=True))
    master.update(dict(zip(pairs.person_id_b[dist <= 2], pairs.person_id[dist <= 2], strict=True)))

    def linked(frame):
        return frame.assign(person_id=frame.person_id.map(master))

    visits = linked(t["visit_occurrence"])
    index = visits[visits.visit_source_value == "CVD risk review"].groupby("person_id").visit_start_date.min()
    idx = pd.to_datetime(index)
    p = person.set_index("person_id").loc[index.index]
    before_birthday = idx.dt.month * 100 + idx.dt.day < p.month_of_birth * 100 + p.day_of_birth
    age = idx.dt.year - p.year_of_birth - before_birthday.astype(int)
    lookback = (idx - pd.Timedelta(days=365)).dt.strftime("%Y-%m-%d")
    end = (idx + pd.DateOffset(years=10)).dt.strftime("%Y-%m-%d")
    cond = linked(t["condition_occurrence"]).assign(code=lambda f: _code(ehr, f.condition_concept_id))
    cond = cond.assign(index=cond.person_id.map(index), lookback=cond.person_id.map(lookback))
    prior = set(cond.person_id[cond.code.isin(CVD) & (cond.condition_start_date < cond["index"])])
    keep = age.between(30, 79) & ~age.index.isin(prior)
    out = pd.DataFrame({"age": age[keep]})
    out["sex"] = p.gender_source_value.map({"M": "male", "F": "female"})
    out["ethnicity"] = p.race_source_value
    obs = t["observation"].set_index("person_id").value_as_number
    out["deprivation_quintile"] = obs.reindex(out.index).astype(int)
    meas = linked(t["measurement"]).assign(feature=lambda f: _code(ehr, f.measurement_concept_id).map(LOINC))
    meas["value"] = np.where(
        meas.unit_source_value == "mg/dL", meas.value_as_number / 38.67, meas.value_as_number
    )
    low = meas.feature.map({k: v[0] for k, v in PLAUSIBLE.items()})
    high = meas.feature.map({k: v[1] for k, v in PLAUSIBLE.items()})
    meas = meas[meas.value.between(low, high) & meas.person_id.isin(out.index)]
    meas = meas[
        (meas.measurement_date <= meas.person_id.map(index))
        & (meas.measurement_date >= meas.person_id.map(lookback))
    ]
    latest = (
        meas.sort_values(["measurement_date", "measurement_id"])
        .groupby(["person_id", "feature"])
        .value.last()
    )
    labs = latest.unstack()
    for column, decimals in DECIMALS.items():
        out[column] = labs[column].reindex(out.index).round(decimals) if column in labs else np.nan
    smoke = cond[
        (cond.code == "Z72.0")
        & (cond.condition_start_date >= cond.lookback)
        & (cond.condition_start_date <= cond["index"])
    ]
    out["smoker"] = out.index.isin(smoke.person_id).astype(int)
    dm = cond[
        (cond.code == "E11.9")
        & (cond.condition_start_date <= cond["index"])
        & ~cond.condition_source_value.isin(DISAGREE)
    ]
    out["diabetes"] = out.index.isin(dm.person_id).astype(int)
    drugs = linked(t["drug_exposure"]).assign(code=lambda f: _code(ehr, f.drug_concept_id))
    filled = pd.to_datetime(drugs.drug_exposure_start_date) + pd.to_timedelta(drugs.days_supply - 1, unit="D")
    drugs["end"] = drugs.drug_exposure_end_date.fillna(filled.dt.strftime("%Y-%m-%d"))
    on = drugs[
        (drugs.drug_exposure_start_date <= drugs.person_id.map(index))
        & (drugs.end >= drugs.person_id.map(index))
    ]
    out["bp_treated"] = out.index.isin(
        on.person_id[on.code.str[:3].isin(["C03", "C07", "C08", "C09"])]
    ).astype(int)
    out["statin"] = out.index.isin(on.person_id[on.code.str.startswith("C10AA")]).astype(int)
    event = cond[cond.code.isin(CVD) & (cond.condition_start_date > cond["index"])
                 & (cond.condition_start_date <= cond.person_id.map(end))]  # fmt: skip
    out["cvd_10y"] = out.index.isin(event.person_id).astype(int)
    return out.sort_index()


def assert_recovers_truth(ehr) -> None:
    got = reference_features(ehr)
    truth = ehr.frame.set_index("patient_id")
    assert list(got.index) == list(truth.index)
    for column in FEATURES:
        want = truth[column].astype(str) if column in {"sex", "ethnicity"} else truth[column]
        pd.testing.assert_series_equal(got[column], want, check_dtype=False, check_names=False, obj=column)
    observed = ((truth.event_observed == 1) & (truth.time_to_event_years <= 10)).astype(int)
    pd.testing.assert_series_equal(got["cvd_10y"], observed, check_names=False, check_dtype=False)


def test_the_patients_are_the_cohort_of_the_same_seed(realistic):
    cohort = ds.make_primary_care_cohort(600, random_state=SEED)
    pd.testing.assert_frame_equal(realistic.frame, cohort.frame)
    assert realistic.feature_names == cohort.feature_names and realistic.target.name == "event_recorded"


@pytest.mark.parametrize("fixture", ["realistic", "clean"])
def test_extraction_by_the_datasheet_rules_recovers_the_cohort_exactly(fixture, request):
    assert_recovers_truth(request.getfixturevalue(fixture))


def test_exact_recovery_with_missing_labs_and_several_practices():
    ehr = ds.make_ehr(400, random_state=3, missingness="random", sites=4, site_shift=0.5)
    assert ehr.frame["total_chol"].isna().any()
    assert_recovers_truth(ehr)


def test_same_seed_same_bytes_other_seed_other_record():
    a, b = ds.make_ehr(300, random_state=11), ds.make_ehr(300, random_state=11)
    c = ds.make_ehr(300, random_state=12)
    for name, columns in EHR_TABLES.items():
        assert to_csv_bytes(a.tables[name], columns) == to_csv_bytes(b.tables[name], columns), name
    assert to_csv_bytes(a.tables["measurement"], EHR_TABLES["measurement"]) != to_csv_bytes(
        c.tables["measurement"], EHR_TABLES["measurement"]
    )


def test_every_foreign_key_resolves(realistic):
    t = realistic.tables
    persons = set(t["person"].person_id)
    assert t["person"].person_id.is_unique and set(t["person"].care_site_id) <= set(
        t["care_site"].care_site_id
    )
    visits = t["visit_occurrence"].set_index("visit_occurrence_id")
    assert visits.index.is_unique and set(visits.person_id) <= persons
    concepts = set(t["concept"].concept_id)
    checks = {
        "condition_occurrence": ["condition_concept_id", "condition_type_concept_id"],
        "measurement": ["measurement_concept_id", "unit_concept_id", "measurement_type_concept_id"],
        "drug_exposure": ["drug_concept_id", "drug_type_concept_id"],
    }
    for name, concept_columns in checks.items():
        table = t[name]
        assert table.iloc[:, 0].is_unique, name
        assert set(table.person_id) <= persons, name
        # every event's visit exists and belongs to the same person
        assert (
            visits.loc[table.visit_occurrence_id, "person_id"].to_numpy() == table.person_id.to_numpy()
        ).all()
        for column in concept_columns:
            assert set(table[column]) <= concepts, (name, column)
    for name in ("observation_period", "death", "observation"):
        assert set(t[name].person_id) <= persons, name
    assert set(t["death"].cause_concept_id) - {0} <= concepts
    assert set(t["person"].gender_concept_id) | set(t["person"].race_concept_id) <= concepts
    assert set(t["visit_occurrence"].visit_concept_id) <= concepts
    assert set(t["observation"].observation_concept_id) <= concepts
    assert set(realistic.duplicates.duplicate_person_id) <= persons


def _measures(ehr) -> dict[str, int]:
    """How much of each kind of messiness the record holds."""
    t = ehr.tables
    meas = t["measurement"]
    conds = t["condition_occurrence"]
    death = t["death"].set_index("person_id").death_date
    after = 0
    for name, date in (("measurement", "measurement_date"), ("drug_exposure", "drug_exposure_start_date"),
                       ("condition_occurrence", "condition_start_date")):  # fmt: skip
        table = t[name]
        after += int((table[date] > table.person_id.map(death)).sum())
    value = np.where(meas.unit_source_value == "mg/dL", meas.value_as_number / 38.67, meas.value_as_number)
    feature = _code(ehr, meas.measurement_concept_id).map(LOINC)
    low = feature.map({k: v[0] for k, v in PLAUSIBLE.items()})
    high = feature.map({k: v[1] for k, v in PLAUSIBLE.items()})
    return {
        "duplicate_patients": len(ehr.duplicates),
        "mixed_units": int((meas.unit_source_value == "mg/dL").sum()),
        "implausible_values": int((~pd.Series(value).between(low, high)).sum()),
        "missing_end_dates": int(t["drug_exposure"].drug_exposure_end_date.isna().sum()),
        "text_code_disagreement": int(conds.condition_source_value.isin(DISAGREE).sum()),
        "events_after_death": after,
    }


def test_no_messiness_means_none_of_it(clean):
    assert _measures(clean) == dict.fromkeys(ds.EHR_MESSINESS, 0)
    assert len(clean.tables["person"]) == 600 + 60  # cohort + 10% ineligible, no second registrations


@pytest.mark.parametrize("switch", list(ds.EHR_MESSINESS))
def test_each_messiness_switch_alone_adds_only_its_own_mess(switch):
    ehr = ds.make_ehr(800, messiness={switch: 0.3}, random_state=SEED)
    found = _measures(ehr)
    assert found[switch] > 0, switch
    assert all(v == 0 for k, v in found.items() if k != switch), found
    pd.testing.assert_frame_equal(ehr.frame, ds.make_primary_care_cohort(800, random_state=SEED).frame)


def test_realistic_rates_are_roughly_as_documented(realistic):
    found = _measures(realistic)
    assert 0.01 < found["duplicate_patients"] / 600 < 0.06
    chol = realistic.tables["measurement"].measurement_source_value.isin(
        ["14647-2", "2093-3", "14646-4", "2085-9"]
    )
    assert 0.2 < found["mixed_units"] / chol.sum() < 0.3
    assert 0.1 < found["missing_end_dates"] / len(realistic.tables["drug_exposure"]) < 0.2
    assert all(v > 0 for v in found.values()), found


def test_duplicates_differ_by_a_small_typo_and_share_birth_date_and_sex(realistic):
    person = realistic.tables["person"].set_index("person_id")
    dup = realistic.duplicates
    a, b = person.loc[dup.person_id], person.loc[dup.duplicate_person_id]
    assert (a.birth_datetime.to_numpy() == b.birth_datetime.to_numpy()).all()
    assert (a.gender_concept_id.to_numpy() == b.gender_concept_id.to_numpy()).all()
    distances = [Levenshtein.distance(x, y) for x, y in zip(a.family_name, b.family_name, strict=True)]
    assert 1 <= min(distances) and max(distances) <= 2
    assert (a.person_source_value.to_numpy() != b.person_source_value.to_numpy()).all()


def test_sqlite_file_and_fresh_connections(realistic, tmp_path):
    path = realistic.to_sqlite(tmp_path / "ehr.sqlite")
    con = sqlite3.connect(path)
    for name, table in realistic.tables.items():
        assert con.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0] == len(table), name
    nulls = con.execute("SELECT COUNT(*) FROM drug_exposure WHERE drug_exposure_end_date IS NULL").fetchone()[
        0
    ]
    assert nulls == realistic.tables["drug_exposure"].drug_exposure_end_date.isna().sum() > 0
    con.close()
    realistic.to_sqlite(path)  # replaces the file
    first = ds.connect_ehr(realistic)
    first.execute("DELETE FROM person")
    second = ds.connect_ehr(realistic)
    assert second.execute("SELECT COUNT(*) FROM person").fetchone()[0] == len(realistic.tables["person"])
    first.close()
    second.close()


def test_canonical_ehr_loads_and_equals_the_generator():
    loaded = ds.load_ehr()
    generated = ds.make_ehr(2000, random_state=ds.EHR_SEED)
    for name in EHR_TABLES:
        pd.testing.assert_frame_equal(
            loaded.tables[name], generated.tables[name], check_dtype=False, obj=name
        )
    pd.testing.assert_frame_equal(loaded.frame, generated.frame, check_dtype=False, atol=5e-6, rtol=0)
    pd.testing.assert_frame_equal(loaded.duplicates, generated.duplicates, check_dtype=False)
    assert "not real patients" in loaded.DESCR and str(ds.EHR_SEED) in loaded.DESCR
    for name, columns in EHR_TABLES.items():
        for column in columns:
            assert f"| `{column.name}` |" in loaded.DESCR, (name, column.name)
    con = ds.connect_ehr()
    assert con.execute("SELECT COUNT(*) FROM person").fetchone()[0] == len(loaded.tables["person"])
    con.close()
    assert_recovers_truth(loaded)  # the datasheet's rules hold on the shipped files too


def test_corrupted_ehr_file_names_the_file_and_the_fix(repo_root, tmp_path):
    shutil.copytree(repo_root / "datasets", tmp_path / "d")
    path = tmp_path / "d" / "ehr_death.csv"
    path.write_bytes(path.read_bytes() + b"1,2020-01-01,2000000031,0,Other cause\n")
    with pytest.raises(ds.CorruptDatasetError, match=r"ehr_death\.csv.*mlhc data build"):
        ds.load_ehr(data_dir=tmp_path / "d")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_patients": 0}, "'n_patients' parameter of make_ehr"),
        ({"n_patients": 2.5}, "'n_patients' parameter of make_ehr"),
        ({"messiness": "some"}, "'messiness' parameter of make_ehr"),
        ({"messiness": {"typos": 0.1}}, "Unknown messiness switch 'typos'"),
        ({"messiness": {"mixed_units": 1.5}}, "messiness\\['mixed_units'\\]"),
        ({"repeat_visits": True}, "Unknown cohort option 'repeat_visits'"),
        ({"random_state": -1}, "'random_state' parameter of make_ehr"),
    ],
)
def test_bad_parameters_raise_helpful_errors(kwargs, message):
    args = {"n_patients": 50, **kwargs}
    with pytest.raises(ValueError, match=message):
        ds.make_ehr(args.pop("n_patients"), **args)


def test_connect_ehr_rejects_other_objects():
    with pytest.raises(ValueError, match="EHRDataset"):
        ds.connect_ehr(ds.make_primary_care_cohort(10, random_state=0))


def test_load_ehr_names_the_fix_for_a_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="mlhc data build"):
        ds.load_ehr(data_dir=tmp_path)
