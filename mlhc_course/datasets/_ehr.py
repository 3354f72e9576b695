"""``make_ehr``: a relational, OMOP-shaped electronic health record of the primary-care cohort.

The record is built from the *same patients* as :func:`make_primary_care_cohort`: with the same seed,
extracting the baseline features correctly (index date, lookback window, cleaning) gives back the
cohort's features exactly. The codes are real (ICD-10, LOINC with UCUM units, ATC); the concept_ids are
local (see ``ehr_concepts.csv`` and the datasheet ``descr/ehr.md``). Dates are ISO text
(``YYYY-MM-DD``), as SQLite stores them, so the same SQL compares them on SQLite, DuckDB and PostgreSQL.

Generation is vectorised over patients; Python loops run only over tables and the few duplicate
records (name typos).
"""

from __future__ import annotations

import copy
import sqlite3
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._validation import Interval, Options, check_keywords, check_param, check_random_state
from ._base import _FIELDS_MARKER, ClinicalDataset, Column, fields_table
from ._primary_care import PRIMARY_CARE_PITFALLS, make_primary_care_cohort

__all__ = ["make_ehr", "connect_ehr", "EHRDataset", "EHR_MESSINESS", "EHR_TABLES", "EHR_CONCEPTS"]

_NAME = "ehr"
_CALLER = "make_ehr"

#: The messiness switches: the share of patients (or records) affected, and their "realistic" values.
EHR_MESSINESS: dict[str, float] = {
    "duplicate_patients": 0.03,  # patients registered twice, with a typo in the family name
    "mixed_units": 0.25,  # cholesterol results reported in mg/dL instead of mmol/L
    "implausible_values": 0.02,  # patients with a mis-keyed extra result on the index date
    "missing_end_dates": 0.15,  # drug exposures without an end date (days_supply kept)
    "text_code_disagreement": 0.03,  # non-diabetic patients with an E11.9 code whose free text says otherwise
    "events_after_death": 0.20,  # of the patients who died, those with a record dated after death
}
_MESSINESS_LEVELS = ("realistic", "none")

#: Cohort options that make_ehr passes on to make_primary_care_cohort (one baseline row per patient).
_COHORT_OPTIONS = tuple(k for k in PRIMARY_CARE_PITFALLS if k not in {"repeat_visits", "leaky_features"})

#: How many numbers make_primary_care_cohort drew from the generator when this record was designed
#: (its 7 component seeds). The record skips exactly these, so its streams -- and the canonical record
#: and the lesson's numbers -- stay the same whatever the cohort draws today (it now draws 8).
_COHORT_DRAWS_WHEN_DESIGNED = 7

#: Share of extra, ineligible people in the record (prior CVD, or aged under 30 or 80+ at the review).
INELIGIBLE_SHARE = 0.10
LOOKBACK_DAYS = 365
#: Cholesterol in mmol/L x 38.67 = mg/dL (total and HDL; D'Agostino et al. 2008 use mg/dL).
MMOL_TO_MG_DL = 38.67
#: Data extraction date: the end of every observation period still open.
EXTRACTION_DATE = "2025-01-01"

# Local concept_ids (the OMOP convention reserves ids above 2,000,000,000 for local concepts).
C_FEMALE, C_MALE = 2000000001, 2000000002
C_RACE = {"White": 2000000011, "Asian": 2000000012, "Black": 2000000013, "Mixed": 2000000014,
          "Other": 2000000015}  # fmt: skip
C_OUTPATIENT, C_INPATIENT, C_EHR = 2000000021, 2000000022, 2000000031
C_T2DM, C_HYPERTENSION, C_TOBACCO = 2000000101, 2000000102, 2000000103
#: The CVD outcome of the Framingham general CVD equations: coronary (MI, angina), cerebrovascular
#: (stroke, TIA), peripheral artery disease and heart failure (D'Agostino et al. 2008); relative shares.
CVD_OUTCOMES = {
    2000000104: ("I21.9", "Acute myocardial infarction", 0.25),
    2000000105: ("I20.9", "Angina", 0.20),
    2000000106: ("I63.9", "Ischaemic stroke", 0.20),
    2000000107: ("G45.9", "TIA", 0.10),
    2000000108: ("I50.9", "Heart failure", 0.15),
    2000000109: ("I73.9", "Peripheral arterial disease", 0.10),
}
C_URTI, C_BACK_PAIN = 2000000110, 2000000111
C_UNIT = {"mmol/L": 2000000301, "mg/dL": 2000000302, "mm[Hg]": 2000000303, "kg/m2": 2000000304,
          "mL/min/{1.73_m2}": 2000000305, "mmol/mol": 2000000306}  # fmt: skip
#: Baseline measurements: cohort column -> (LOINC concept, LOINC code, UCUM unit, decimals).
MEASUREMENTS = {
    "total_chol": (2000000201, "14647-2", "mmol/L", 1),
    "hdl_chol": (2000000203, "14646-4", "mmol/L", 2),
    "sbp": (2000000205, "8480-6", "mm[Hg]", 0),
    "bmi": (2000000206, "39156-5", "kg/m2", 1),
    "egfr": (2000000207, "62238-1", "mL/min/{1.73_m2}", 0),
    "hba1c": (2000000208, "59261-8", "mmol/mol", 0),
}
#: The mass-concentration LOINC of each cholesterol test, used when a lab reports in mg/dL.
MG_DL_CONCEPTS = {"total_chol": (2000000202, "2093-3"), "hdl_chol": (2000000204, "2085-9")}
STATINS = {2000000401: "C10AA05 atorvastatin", 2000000402: "C10AA01 simvastatin"}
ANTIHYPERTENSIVES = {2000000403: "C08CA01 amlodipine", 2000000404: "C09AA05 ramipril",
                     2000000405: "C09CA01 losartan", 2000000406: "C03AA01 bendroflumethiazide"}  # fmt: skip
C_PARACETAMOL, C_IMD = 2000000407, 2000000501

_DISAGREEING_TEXTS = ("Family history of type 2 diabetes", "Diabetes excluded - HbA1c normal",
                      "?Diabetes - repeat HbA1c")  # fmt: skip
_GIVEN = {
    "female": ("Olivia", "Amelia", "Isla", "Emily", "Sophie", "Grace", "Lily", "Freya", "Ella", "Chloe",
               "Jessica", "Evie", "Hannah", "Ruby", "Megan", "Lucy", "Charlotte", "Sarah", "Rachel", "Laura",
               "Helen", "Claire", "Emma", "Joanne", "Nicola", "Karen", "Susan", "Margaret", "Patricia",
               "Aisha", "Priya", "Fatima", "Amara", "Zainab", "Niamh", "Siobhan", "Ewa", "Agnieszka"),
    "male": ("Oliver", "George", "Harry", "Jack", "Jacob", "Noah", "Charlie", "Thomas", "Oscar", "William",
             "James", "Daniel", "David", "Michael", "Paul", "Mark", "Andrew", "Richard", "Peter", "Stephen",
             "Christopher", "Robert", "John", "Ian", "Gary", "Kevin", "Simon", "Mohammed", "Ahmed", "Ravi",
             "Arjun", "Kwame", "Tunde", "Sean", "Ciaran", "Piotr", "Tomasz", "Luca"),
}  # fmt: skip
_FAMILY = ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
           "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson",
           "Clarke", "Patel", "Khan", "Lewis", "Harrison", "Morgan", "Baker", "Hughes", "Edwards", "Hill",
           "Moore", "Clark", "Turner", "Cooper", "Ward", "Morris", "King", "Watson", "Harris", "Allen",
           "Young", "Mitchell", "Bell", "Kelly", "Shaw", "Bailey", "Chapman", "Begum", "Ahmed", "Hussain",
           "Ali", "Singh", "Kaur", "Okafor", "Mensah", "Murphy", "O'Brien", "Nowak", "Kowalski", "Rossi",
           "Campbell", "Stewart", "Anderson", "Macdonald", "Fraser", "Griffiths", "Owen", "Price",
           "Marshall", "Webb", "Holmes", "Palmer", "Mills", "Barnes", "Knight", "Lloyd", "Butler",
           "Russell", "Fisher", "Dixon", "Hunt", "Graham", "Pearson", "Ellis", "Reynolds", "Gibson")  # fmt: skip


def _col(name: str, kind: str, description: str, unit: str = "", decimals: int | None = None) -> Column:
    return Column(name, kind, description, unit, decimals)


_ID = "Primary key."
_PERSON = "The person (foreign key to person.person_id)."
_VISIT = "The visit it was recorded at (foreign key to visit_occurrence.visit_occurrence_id)."
_TYPE = "Provenance: EHR (local concept)."
#: Every table's columns (a subset of OMOP CDM v5.4, plus the two identity columns marked EXTENSION).
EHR_TABLES: dict[str, tuple[Column, ...]] = {
    "person": (
        _col("person_id", "int", _ID + " 1..n_patients are the cohort's patient_id."),
        _col("gender_concept_id", "int", "Sex (concept)."),
        _col("year_of_birth", "int", "Year of birth."),
        _col("month_of_birth", "int", "Month of birth (1-12)."),
        _col("day_of_birth", "int", "Day of birth (1-31)."),
        _col("birth_datetime", "str", "Date of birth (ISO text)."),
        _col("race_concept_id", "int", "Ethnic group, Census 2021 high-level groups (concept)."),
        _col("ethnicity_concept_id", "int", "0: not used in the UK (ethnic group is in race_concept_id)."),
        _col("care_site_id", "int", "Registered practice (foreign key to care_site)."),
        _col("person_source_value", "str", "The source system's record number (MRN)."),
        _col("gender_source_value", "str", "Sex as recorded (F/M)."),
        _col("race_source_value", "str", "Ethnic group as recorded."),
        _col("given_name", "str", "EXTENSION, not in OMOP: given name, for record linkage."),
        _col("family_name", "str", "EXTENSION, not in OMOP: family name, for record linkage."),
    ),
    "care_site": (
        _col("care_site_id", "int", _ID),
        _col("care_site_name", "str", "Practice name (P01, P02, ...)."),
    ),
    "observation_period": (
        _col("observation_period_id", "int", _ID),
        _col("person_id", "int", _PERSON),
        _col("observation_period_start_date", "str", "Registration date."),
        _col("observation_period_end_date", "str", "Deregistration, death or the data extraction."),
        _col("period_type_concept_id", "int", _TYPE),
    ),
    "visit_occurrence": (
        _col("visit_occurrence_id", "int", _ID),
        _col("person_id", "int", _PERSON),
        _col("visit_concept_id", "int", "Outpatient (GP) or inpatient visit (concept)."),
        _col("visit_start_date", "str", "Start date."),
        _col("visit_end_date", "str", "End date."),
        _col("visit_type_concept_id", "int", _TYPE),
        _col("care_site_id", "int", "Practice (foreign key to care_site)."),
        _col(
            "visit_source_value",
            "str",
            "Visit as recorded: 'CVD risk review', 'GP consultation', 'Lab test', 'Hospital admission'.",
        ),
    ),
    "condition_occurrence": (
        _col("condition_occurrence_id", "int", _ID),
        _col("person_id", "int", _PERSON),
        _col("condition_concept_id", "int", "Diagnosis code (ICD-10 concept)."),
        _col("condition_start_date", "str", "Date recorded."),
        _col("condition_type_concept_id", "int", _TYPE),
        _col("visit_occurrence_id", "int", _VISIT),
        _col("condition_source_value", "str", "The clinician's free text as typed."),
    ),
    "measurement": (
        _col("measurement_id", "int", _ID),
        _col("person_id", "int", _PERSON),
        _col("measurement_concept_id", "int", "Test (LOINC concept)."),
        _col("measurement_date", "str", "Date of the result."),
        _col("measurement_type_concept_id", "int", _TYPE),
        _col("value_as_number", "float", "Result, in unit_source_value.", "", 2),
        _col("unit_concept_id", "int", "Unit (UCUM concept)."),
        _col("visit_occurrence_id", "int", _VISIT),
        _col("measurement_source_value", "str", "LOINC code as sent by the lab."),
        _col("unit_source_value", "str", "UCUM unit as sent by the lab."),
    ),
    "drug_exposure": (
        _col("drug_exposure_id", "int", _ID),
        _col("person_id", "int", _PERSON),
        _col("drug_concept_id", "int", "Drug (ATC concept)."),
        _col("drug_exposure_start_date", "str", "First day of the course."),
        _col("drug_exposure_end_date", "str", "Last day of the course; empty (NULL) when missing."),
        _col("drug_type_concept_id", "int", _TYPE),
        _col("days_supply", "int", "Days of the course: end = start + days_supply - 1."),
        _col("visit_occurrence_id", "int", _VISIT),
        _col("drug_source_value", "str", "ATC code and name as prescribed."),
    ),
    "death": (
        _col("person_id", "int", _PERSON),
        _col("death_date", "str", "Date of death."),
        _col("death_type_concept_id", "int", _TYPE),
        _col("cause_concept_id", "int", "Cause (ICD-10 concept) if a CVD event; 0 if another cause."),
        _col("cause_source_value", "str", "Cause as recorded."),
    ),
    "observation": (
        _col("observation_id", "int", _ID),
        _col("person_id", "int", _PERSON),
        _col("observation_concept_id", "int", "What was observed (concept)."),
        _col("observation_date", "str", "Date recorded (registration)."),
        _col("observation_type_concept_id", "int", _TYPE),
        _col("value_as_number", "float", "Value (IMD quintile 1-5).", "", 0),
        _col("observation_source_value", "str", "As recorded."),
    ),
    "concept": (
        _col("concept_id", "int", _ID + " Local ids (above 2,000,000,000)."),
        _col("concept_name", "str", "Name (the code system's own title)."),
        _col("domain_id", "str", "OMOP domain."),
        _col("vocabulary_id", "str", "Code system: ICD10, LOINC, UCUM, ATC, ..."),
        _col("concept_class_id", "str", "Class within the vocabulary."),
        _col("standard_concept", "str", "Empty: none of these local concepts is an OMOP standard concept."),
        _col("concept_code", "str", "The code in its own system (E11.9, 14647-2, mg/dL, C10AA05, ...)."),
        _col("valid_start_date", "str", "Validity start."),
        _col("valid_end_date", "str", "Validity end."),
        _col("invalid_reason", "str", "Empty: valid."),
    ),
}
#: The ground truth of the record linkage: which person rows are second registrations of which patient.
DUPLICATE_COLUMNS = (
    Column("duplicate_person_id", "int", "The second registration's person_id."),
    Column("person_id", "int", "The patient's person_id in the cohort (patient_id)."),
)
#: The ``concept`` table: shipped with the package (``mlhc_course/datasets/ehr_concepts.csv``).
EHR_CONCEPTS = "ehr_concepts.csv"
_DATE = "datetime64[D]"


def _iso(days: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 as ISO text ('YYYY-MM-DD'); negative sentinel (-99999) becomes None."""
    days = np.asarray(days, dtype=np.int64)
    text = np.datetime_as_string(days.astype(_DATE), unit="D").astype(object)
    text[days == -99999] = None
    return text


def text_with_nulls(frame: pd.DataFrame, columns: tuple[Column, ...]) -> pd.DataFrame:
    """The schema's text columns as object dtype, with None (SQL's NULL) where a value is missing or empty.

    One form for the generator and the loader on pandas 2 and 3 alike: pandas 3 would otherwise
    infer its ``str`` dtype, whose missing value is NaN, for the generated tables only.
    """
    for col in columns:
        if col.kind == "str" and col.name in frame:
            values = frame[col.name]
            frame[col.name] = values.astype(object).where(values.notna() & (values != ""), None)
    return frame


def _days(iso: str) -> int:
    return int(np.datetime64(iso, "D").astype(np.int64))


def _ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = np.asarray(days).astype(_DATE)
    years = d.astype("datetime64[Y]")
    months = d.astype("datetime64[M]")
    return (
        years.astype(np.int64) + 1970,
        (months - years.astype("datetime64[M]")).astype(np.int64) + 1,
        (d - months.astype(_DATE)).astype(np.int64) + 1,
    )


def _from_ymd(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    months = ((year - 1970) * 12 + month - 1).astype("datetime64[M]")
    return (months.astype(_DATE).astype(np.int64) + day - 1).astype(np.int64)


def _is_leap(year: np.ndarray) -> np.ndarray:
    return (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))


def _check_messiness(messiness: Any) -> dict[str, float]:
    """The rate of each messiness switch, from "realistic", "none" or a dict of rates."""
    check_param(messiness, Options(str, _MESSINESS_LEVELS), dict, name="messiness", caller=_CALLER)
    if isinstance(messiness, str):
        return dict(EHR_MESSINESS) if messiness == "realistic" else dict.fromkeys(EHR_MESSINESS, 0.0)
    check_keywords(messiness, EHR_MESSINESS, kind="messiness switch", caller=_CALLER)
    rates = dict.fromkeys(EHR_MESSINESS, 0.0)
    for key, value in messiness.items():
        check_param(value, Interval(float, 0, 1), name=f"messiness[{key!r}]", caller=_CALLER)
        rates[key] = float(value)
    return rates


class EHRDataset(ClinicalDataset):
    """An EHR: a :class:`ClinicalDataset` whose ``tables`` are OMOP-shaped DataFrames.

    Keys (also attributes): ``tables`` (dict of table name to DataFrame, ``concept`` included),
    ``frame`` (the ground truth: the primary-care cohort the record was generated from, one row per
    ``person_id`` = ``patient_id``), ``data``, ``target``, ``feature_names``, ``target_names``,
    ``true_risk``, ``duplicates`` (ground truth of the record linkage: ``duplicate_person_id``,
    ``person_id``), ``DESCR`` and ``options``.
    """

    def __repr__(self) -> str:
        sizes = ", ".join(f"{name} {len(table)}" for name, table in self["tables"].items())
        return f"EHRDataset('ehr': {len(self['frame'])} cohort patients)\n  tables: {sizes}\n" + "\n".join(
            super().__repr__().splitlines()[1:]
        )

    def to_sqlite(self, path: str | Path) -> Path:
        """Write every table into a new SQLite database file at ``path`` (replaced if it exists).

        Examples
        --------
        >>> import tempfile, sqlite3, pathlib
        >>> ehr = make_ehr(50, random_state=0)
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = ehr.to_sqlite(pathlib.Path(tmp) / "ehr.sqlite")
        ...     con = sqlite3.connect(path)
        ...     n = con.execute("SELECT COUNT(*) FROM person").fetchone()[0]
        ...     con.close()
        >>> n == len(ehr.tables["person"])
        True
        """
        path = Path(path)
        if path.exists():
            path.unlink()
        con = sqlite3.connect(path)
        try:
            _write_tables(con, self["tables"])
        finally:
            con.close()
        return path

    def connect(self) -> sqlite3.Connection:
        """A connection to a fresh in-memory SQLite database holding every table."""
        con = sqlite3.connect(":memory:")
        _write_tables(con, self["tables"])
        return con


_SQL_TYPES = {"int": "INTEGER", "float": "REAL", "str": "TEXT", "category": "TEXT"}


def _write_tables(con: sqlite3.Connection, tables: dict[str, pd.DataFrame]) -> None:
    """CREATE TABLE (primary keys declared) and INSERT every row, in a fixed order."""
    for name, columns in EHR_TABLES.items():
        frame = tables[name]
        defs = []
        for i, col in enumerate(columns):
            key = " PRIMARY KEY" if i == 0 and col.name.endswith("_id") and name != "death" else ""
            defs.append(f"{col.name} {_SQL_TYPES[col.kind]}{key}")
        con.execute(f"CREATE TABLE {name} ({', '.join(defs)})")
        rows = _python_rows(frame, columns)
        marks = ", ".join("?" * len(columns))
        con.executemany(f"INSERT INTO {name} VALUES ({marks})", rows)
    con.commit()


def _python_rows(frame: pd.DataFrame, columns: tuple[Column, ...]) -> list[tuple]:
    out = []
    for col in columns:
        values = frame[col.name].to_numpy(dtype=object)
        if col.kind == "int":
            values = [int(v) for v in values]
        elif col.kind == "float":
            values = [None if v is None or v != v else float(v) for v in values]
        else:
            values = [None if v is None or (isinstance(v, float) and v != v) else str(v) for v in values]
        out.append(values)
    return list(zip(*out, strict=True))


def connect_ehr(ehr: EHRDataset | None = None) -> sqlite3.Connection:
    """Open a fresh in-memory SQLite database holding an EHR (by default the course's canonical one).

    Parameters
    ----------
    ehr : EHRDataset, default=None
        An EHR from :func:`make_ehr`. ``None`` loads the canonical EHR (:func:`load_ehr`).

    Returns
    -------
    connection : sqlite3.Connection
        Query it with ``pandas.read_sql(sql, connection)``; close it when done. Changes stay in
        memory: the next call gives a fresh copy.

    Examples
    --------
    >>> import pandas as pd
    >>> con = connect_ehr(make_ehr(100, random_state=1))
    >>> int(pd.read_sql("SELECT COUNT(*) AS n FROM death", con).n[0]) >= 0
    True
    >>> con.close()
    """
    if ehr is None:
        from ._canonical import load_ehr

        ehr = load_ehr()
    if not isinstance(ehr, EHRDataset):
        raise ValueError(
            f"The 'ehr' parameter of connect_ehr must be an EHRDataset from make_ehr or load_ehr, or None. "
            f"Got {type(ehr).__name__} instead."
        )
    return ehr.connect()


def ehr_datasheet() -> str:
    """The EHR datasheet, with a field table per table (from ``EHR_TABLES``)."""
    text = (resources.files("mlhc_course.datasets") / "descr" / f"{_NAME}.md").read_text(encoding="utf-8")
    fields = "\n\n".join(f"### `{name}`\n\n{fields_table(columns)}" for name, columns in EHR_TABLES.items())
    return text.replace(_FIELDS_MARKER, fields)


def load_concepts() -> pd.DataFrame:
    """The shipped ``concept`` table."""
    path = resources.files("mlhc_course.datasets") / EHR_CONCEPTS
    with resources.as_file(path) as p:
        frame = pd.read_csv(p, dtype=str, keep_default_na=False)
    frame["concept_id"] = frame["concept_id"].astype(np.int64)
    return text_with_nulls(frame, EHR_TABLES["concept"])


def make_ehr(
    n_patients: int = 2000,
    *,
    messiness: str | dict[str, float] = "realistic",
    random_state: int | np.random.Generator | None = None,
    **cohort_options: Any,
) -> EHRDataset:
    """Generate an OMOP-shaped electronic health record of the primary-care cohort.

    The record holds the patients of ``make_primary_care_cohort(n_patients, random_state=...)`` (with
    the same seed, the same patients), plus about 10% ineligible people (a CVD event before their
    review, or aged under 30 or over 79 at it). Each cohort patient has a first *CVD risk review*
    visit (the index date) with the baseline measurements; history before it (diagnoses, older
    labs, prescriptions, former smoking); and follow-up after it (later reviews, CVD events as
    hospital admissions, statins started later, deaths). Extracting the baseline features correctly
    gives back the cohort's features exactly (see the datasheet, ``DESCR``, for the rules).

    Parameters
    ----------
    n_patients : int, default=2000
        Number of cohort patients (>= 1).
    messiness : {"realistic", "none"} or dict, default="realistic"
        "none" gives a clean record; "realistic" switches on every kind of messiness at the rates of
        ``EHR_MESSINESS``; a dict sets each rate (in [0, 1]; unnamed ones are 0):

        duplicate_patients
            Share of patients registered twice: a second ``person`` row, with its own record number,
            a one-letter typo in the family name and the same birth date and sex, holds their history
            before the index date.
        mixed_units
            Share of cholesterol results sent in mg/dL (LOINC 2093-3 and 2085-9) instead of mmol/L.
        implausible_values
            Share of patients with an extra, mis-keyed result on the index date (systolic BP or BMI
            ten times too large, total cholesterol 0).
        missing_end_dates
            Share of drug exposures without an end date (``days_supply`` still gives it).
        text_code_disagreement
            Share of patients without diabetes who carry an E11.9 code whose free text says
            otherwise ("Family history of type 2 diabetes", "Diabetes excluded - HbA1c normal",
            "?Diabetes - repeat HbA1c").
        events_after_death
            Share of the patients who died with a measurement or prescription dated after death.
    random_state : int, numpy.random.Generator or None, default=None
        Seed (an int gives identical data every time, and the same patients as
        ``make_primary_care_cohort`` with that seed) or generator.
    **cohort_options
        Passed to :func:`make_primary_care_cohort`: ``statin_hr`` and any pitfall switch except
        ``repeat_visits`` and ``leaky_features`` (the record has its own visits and its own
        post-outcome data). With ``missingness``, a missing lab panel has no baseline result.

    Returns
    -------
    ehr : EHRDataset
        A ``ClinicalDataset`` with ``tables`` (``person``, ``care_site``, ``observation_period``,
        ``visit_occurrence``, ``condition_occurrence``, ``measurement``, ``drug_exposure``,
        ``death``, ``observation``, ``concept``), the ground truth ``frame`` (the cohort) and
        ``duplicates``; ``to_sqlite(path)`` and ``connect()`` put the tables in SQLite.

    See Also
    --------
    make_primary_care_cohort : The patients and their ground truth.
    connect_ehr : A SQLite connection to an EHR.
    load_ehr : The course's canonical EHR.

    Notes
    -----
    Codes are real: ICD-10 (WHO) for diagnoses, LOINC with UCUM units for measurements, ATC (WHO) for
    drugs. The concept_ids are local (above 2,000,000,000, the OMOP range for local concepts), not the
    OHDSI standard vocabulary's ids: map them with ATHENA before using OHDSI tools.

    References
    ----------
    .. [1] OHDSI. OMOP Common Data Model v5.4. https://ohdsi.github.io/CommonDataModel/cdm54.html
    .. [2] D'Agostino RB Sr, Vasan RS, Pencina MJ, et al. General cardiovascular risk profile for use
       in primary care: the Framingham Heart Study. Circulation 2008;117:743-753.

    Examples
    --------
    >>> from mlhc_course.datasets import make_ehr, make_primary_care_cohort
    >>> ehr = make_ehr(200, random_state=0)
    >>> sorted(ehr.tables)[:3]
    ['care_site', 'concept', 'condition_occurrence']
    >>> truth = make_primary_care_cohort(200, random_state=0)
    >>> bool((ehr.frame["age"] == truth.frame["age"]).all())
    True
    """
    check_param(n_patients, Interval(int, 1, None, closed="left"), name="n_patients", caller=_CALLER)
    rates = _check_messiness(messiness)
    check_keywords(cohort_options, ("statin_hr", *_COHORT_OPTIONS), kind="cohort option", caller=_CALLER)
    rng = check_random_state(random_state, caller=_CALLER)
    n = int(n_patients)
    # The cohort gets a copy of the generator in its starting state: the same patients as
    # make_primary_care_cohort(n, random_state=seed). The record's own streams come from the original,
    # so they do not depend on how many numbers the cohort happens to draw (a change there would
    # otherwise rewrite every record). One stream per component: a messiness switch changes nothing else.
    cohort = make_primary_care_cohort(n, random_state=copy.deepcopy(rng), **cohort_options)
    rng.integers(0, 2**63 - 1, size=_COHORT_DRAWS_WHEN_DESIGNED)
    seeds = rng.integers(0, 2**63 - 1, size=9)
    rng_extra, rng_people, rng_hist, rng_follow, rng_dup, rng_units, rng_bad, rng_end, rng_text = (
        np.random.default_rng(s) for s in seeds
    )

    n_extra = int(round(INELIGIBLE_SHARE * n))
    people = _people(cohort.frame, n_extra, cohort_options, rng_extra, rng_people)
    events = _Events()
    _baseline_events(people, events)
    _history_events(people, events, rng_hist)
    _follow_up_events(people, events, rng_follow)
    if rates["text_code_disagreement"] > 0:
        _disagreeing_codes(people, events, rates["text_code_disagreement"], rng_text)
    if rates["implausible_values"] > 0:
        _implausible_values(people, events, rates["implausible_values"], rng_bad)
    if rates["events_after_death"] > 0:
        _after_death(people, events, rates["events_after_death"], rng_follow)
    people, duplicates = _duplicate_people(people, events, rates["duplicate_patients"], rng_dup)
    tables = _tables(people, events, rates, rng_units, rng_end)

    truth = cohort.frame
    options = {"n_patients": n, "messiness": messiness, **cohort_options}
    return EHRDataset(
        name=_NAME,
        frame=truth,
        data=cohort.data,
        target=cohort.target,
        feature_names=list(cohort.feature_names),
        target_names=list(cohort.target_names),
        true_risk=cohort.true_risk,
        tables=tables,
        duplicates=duplicates,
        DESCR=ehr_datasheet(),
        options=options,
    )


# --------------------------------------------------------------------------- people


def _people(cohort, n_extra, cohort_options, rng_extra, rng) -> pd.DataFrame:
    """Cohort patients plus ineligible people, with index dates, birth dates and follow-up."""
    cols = ["patient_id", "practice", "baseline_year", "age", "sex", "ethnicity", "deprivation_quintile",
            "smoker", "diabetes", "total_chol", "hdl_chol", "sbp", "bp_treated", "bmi", "egfr", "hba1c",
            "statin", "time_to_event_years", "event_observed"]  # fmt: skip
    frame = cohort[cols].copy()
    frame["kind"] = "cohort"
    if n_extra:
        sites = cohort_options.get("sites", PRIMARY_CARE_PITFALLS["sites"])
        extra = make_primary_care_cohort(n_extra, random_state=rng_extra, sites=sites).frame[cols].copy()
        kind = rng.choice(np.array(["prior_cvd", "too_young", "too_old"]), size=n_extra)
        age = extra["age"].to_numpy().copy()
        age[kind == "too_young"] = rng.integers(18, 30, size=int((kind == "too_young").sum()))
        age[kind == "too_old"] = rng.integers(80, 95, size=int((kind == "too_old").sum()))
        extra["age"] = age
        extra["kind"] = kind
        extra["patient_id"] = np.arange(len(cohort) + 1, len(cohort) + n_extra + 1)
        extra["practice"] = extra["practice"].astype(object)
        frame["practice"] = frame["practice"].astype(object)
        frame = pd.concat([frame, extra], ignore_index=True)
    else:
        frame["practice"] = frame["practice"].astype(object)
    frame = frame.rename(columns={"patient_id": "person_id"})
    m = len(frame)
    year = frame["baseline_year"].to_numpy()
    jan1 = _from_ymd(year, np.ones(m, np.int64), np.ones(m, np.int64))
    index = jan1 + (rng.random(m) * (365 + _is_leap(year))).astype(np.int64)
    # birth date: exactly `age` completed years at the index date
    y, mo, d = _ymd(index)
    by = y - frame["age"].to_numpy()
    d = np.where((mo == 2) & (d == 29) & ~_is_leap(by), 28, d)
    birth = _from_ymd(by, mo, d) - rng.integers(0, 365, size=m)
    frame["index_day"] = index
    frame["birth_day"] = birth
    frame["registration_day"] = index - rng.integers(4 * 365, 20 * 365, size=m)
    # follow-up: the cohort's event or censoring time; after an event, follow-up continues
    t = frame["time_to_event_years"].to_numpy()
    event = frame["event_observed"].to_numpy() == 1
    ten_years = _from_ymd(_ymd(index)[0] + 10, *_ymd(index)[1:]) - index  # calendar 10 years, in days
    days = np.floor(t * 365.25).astype(np.int64)
    days = np.where(t <= 10, np.minimum(days, ten_years), np.maximum(days, ten_years + 1))
    days = np.maximum(days, 1)
    extraction = _days(EXTRACTION_DATE)
    frame["event_day"] = np.where(event, index + days, -99999)
    fatal = event & (rng.random(m) < 0.25)
    after_event = index + days + np.ceil(rng.standard_exponential(m) / 0.03 * 365.25).astype(np.int64)
    end = np.where(event & ~fatal, np.minimum(after_event, extraction), index + days)
    end = np.minimum(end, extraction)
    # censored before the extraction date: they left the practice or died of another cause
    other_death = ~event & (end < extraction - 365) & (rng.random(m) < 0.4)
    frame["end_day"] = end
    frame["death_day"] = np.where(fatal | other_death, end, -99999)
    frame["fatal_cvd"] = fatal
    frame["outcome_code"] = np.where(event, _outcome_codes(m, rng), 0)
    sex = frame["sex"].astype(str).to_numpy()
    given = np.empty(m, dtype=object)
    for s in ("female", "male"):
        names = np.array(_GIVEN[s], dtype=object)
        given[sex == s] = names[rng.integers(len(names), size=int((sex == s).sum()))]
    frame["given_name"] = given
    frame["family_name"] = np.array(_FAMILY, dtype=object)[rng.integers(len(_FAMILY), size=m)]
    return frame


def _outcome_codes(m: int, rng: np.random.Generator) -> np.ndarray:
    codes = np.array(list(CVD_OUTCOMES))
    shares = np.array([v[2] for v in CVD_OUTCOMES.values()])
    return codes[rng.choice(len(codes), size=m, p=shares / shares.sum())]


# --------------------------------------------------------------------------- events


class _Events:
    """Rows of every event table, collected as column arrays and assembled once."""

    def __init__(self) -> None:
        self.visits: list[dict[str, np.ndarray]] = []  # person, day, concept, source, end_day, tag
        self.conditions: list[dict[str, np.ndarray]] = []
        self.measurements: list[dict[str, np.ndarray]] = []
        self.drugs: list[dict[str, np.ndarray]] = []

    def visit(self, person, day, source: str, *, inpatient=False, length=None) -> None:
        person, day = np.asarray(person, np.int64), np.asarray(day, np.int64)
        end = day if length is None else day + np.asarray(length, np.int64)
        self.visits.append({"person_id": person, "day": day, "end_day": end,
                            "concept": np.full(len(person), C_INPATIENT if inpatient else C_OUTPATIENT),
                            "source": np.full(len(person), source, dtype=object)})  # fmt: skip

    def condition(self, person, day, concept, text) -> None:
        n = len(person)
        self.conditions.append({"person_id": np.asarray(person, np.int64), "day": np.asarray(day, np.int64),
                                "concept": np.broadcast_to(concept, n).astype(np.int64),
                                "text": np.broadcast_to(np.asarray(text, dtype=object), n).copy()})  # fmt: skip

    def measurement(self, person, day, column, value) -> None:
        n = len(person)
        self.measurements.append({"person_id": np.asarray(person, np.int64), "day": np.asarray(day, np.int64),
                                  "column": np.full(n, column, dtype=object),
                                  "value": np.asarray(value, dtype=float)})  # fmt: skip

    def drug(self, person, start, end, concept) -> None:
        n = len(person)
        self.drugs.append({"person_id": np.asarray(person, np.int64), "start": np.asarray(start, np.int64),
                           "end": np.asarray(end, np.int64),
                           "concept": np.broadcast_to(concept, n).astype(np.int64)})  # fmt: skip


def _baseline_events(people: pd.DataFrame, ev: _Events) -> None:
    """The index visit: a CVD risk review with the baseline measurements, smoking and statin start."""
    pid, day = people["person_id"].to_numpy(), people["index_day"].to_numpy()
    ev.visit(pid, day, "CVD risk review")
    for column, (_, _, _, decimals) in MEASUREMENTS.items():
        value = people[column].to_numpy(dtype=float)
        has = ~np.isnan(value)
        ev.measurement(pid[has], day[has], column, np.round(value[has], decimals))
    smoker = people["smoker"].to_numpy() == 1
    ev.condition(pid[smoker], day[smoker], C_TOBACCO, "Current smoker")
    statin = people["statin"].to_numpy() == 1
    course = 365 * (1 + (pid[statin] % 5))  # courses of 1-5 years from the review
    ev.drug(pid[statin], day[statin], np.minimum(day[statin] + course - 1, people["end_day"].to_numpy()[statin]),
            np.where(pid[statin] % 3 == 0, 2000000402, 2000000401))  # fmt: skip


def _history_events(people: pd.DataFrame, ev: _Events, rng: np.random.Generator) -> None:
    """Before the index date: diagnoses, antihypertensives, former smoking, older labs, minor illness."""
    m = len(people)
    pid, index = people["person_id"].to_numpy(), people["index_day"].to_numpy()
    reg = people["registration_day"].to_numpy()
    span = index - reg

    def before(low_days, share=None):
        """A day between registration and low_days before the index date."""
        room = np.maximum(span - low_days, 1)
        return index - low_days - (rng.random(m) * room).astype(np.int64)

    # diabetes: diagnosed before the review (20% at the review itself)
    diabetes = people["diabetes"].to_numpy() == 1
    dx = np.where(rng.random(m) < 0.2, index, before(30))
    ev.visit(pid[diabetes & (dx < index)], dx[diabetes & (dx < index)], "GP consultation")
    ev.condition(pid[diabetes], dx[diabetes], C_T2DM, "Type 2 diabetes")
    # antihypertensive treatment covering the index date; 10% of the untreated stopped one earlier
    treated = people["bp_treated"].to_numpy() == 1
    start = before(60)
    stop_after = index + rng.integers(30, 3000, size=m)
    stopped = ~treated & (rng.random(m) < 0.10)
    stop_before = index - rng.integers(31, 700, size=m)
    start_stopped = np.minimum(start, stop_before - rng.integers(60, 1500, size=m))
    drug = np.array(list(ANTIHYPERTENSIVES))[rng.integers(len(ANTIHYPERTENSIVES), size=m)]
    end_fu = people["end_day"].to_numpy()
    for mask, s, e in (
        (treated, start, np.minimum(stop_after, end_fu)),
        (stopped, start_stopped, stop_before),
    ):
        ev.visit(pid[mask], s[mask], "GP consultation")
        ev.condition(pid[mask], s[mask], C_HYPERTENSION, "Hypertension")
        ev.drug(pid[mask], s[mask], e[mask], drug[mask])
    # former smokers: a tobacco code more than 2 years before the review
    former = (people["smoker"].to_numpy() == 0) & (rng.random(m) < 0.25)
    day = before(730)
    ev.visit(pid[former], day[former], "GP consultation")
    ev.condition(pid[former], day[former], C_TOBACCO, "Smoker")
    # older labs, 2-6 years before, near the baseline value
    old = rng.random(m) < 0.5
    day = index - rng.integers(730, 2190, size=m)
    ev.visit(pid[old], day[old], "Lab test")
    noise = {"total_chol": (0.4, 1), "hdl_chol": (0.12, 2), "sbp": (10, 0), "bmi": (1.0, 1), "egfr": (6, 0),
             "hba1c": (3, 0)}  # fmt: skip
    for column, (sd, decimals) in noise.items():
        value = people[column].to_numpy(dtype=float)
        value = np.where(np.isnan(value), _column_mean(people, column), value)
        shifted = np.round(np.abs(value + sd * rng.standard_normal(m)), decimals)
        ev.measurement(pid[old], day[old], column, shifted[old])
    # minor illness, no bearing on risk
    minor = rng.random(m) < 0.6
    day = before(1)
    ev.visit(pid[minor], day[minor], "GP consultation")
    urti = rng.random(m) < 0.5
    ev.condition(pid[minor & urti], day[minor & urti], C_URTI, "URTI")
    ev.condition(pid[minor & ~urti], day[minor & ~urti], C_BACK_PAIN, "Low back pain")
    ev.drug(pid[minor], day[minor], day[minor] + 13, C_PARACETAMOL)
    # ineligible: a CVD event before the review
    prior = people["kind"].to_numpy() == "prior_cvd"
    day = before(90)
    ev.visit(
        pid[prior],
        day[prior],
        "Hospital admission",
        inpatient=True,
        length=rng.integers(1, 10, size=m)[prior],
    )
    codes = _outcome_codes(m, rng)
    ev.condition(pid[prior], day[prior], codes[prior], [CVD_OUTCOMES[c][1] for c in codes[prior]])


def _column_mean(people: pd.DataFrame, column: str) -> float:
    return float(np.nanmean(people[column].to_numpy(dtype=float)))


def _follow_up_events(people: pd.DataFrame, ev: _Events, rng: np.random.Generator) -> None:
    """After the index date: later reviews (look-ahead values), CVD admissions, statins started later."""
    m = len(people)
    pid, index, end = (
        people["person_id"].to_numpy(),
        people["index_day"].to_numpy(),
        people["end_day"].to_numpy(),
    )
    statin = people["statin"].to_numpy() == 1
    for k in (1, 2, 3):
        day = index + 365 * k + rng.integers(-60, 60, size=m)
        seen = (day < end) & (rng.random(m) < 0.6)
        ev.visit(pid[seen], day[seen], "CVD risk review")
        drift = {"total_chol": (-1.2 * statin + 0.3 * rng.standard_normal(m), 1),
                 "hdl_chol": (0.08 * rng.standard_normal(m), 2), "sbp": (8 * rng.standard_normal(m), 0)}  # fmt: skip
        for column, (delta, decimals) in drift.items():
            value = people[column].to_numpy(dtype=float)
            value = np.where(np.isnan(value), _column_mean(people, column), value)
            ev.measurement(pid[seen], day[seen], column, np.round(np.abs(value + delta), decimals)[seen])
    # CVD events: an admission on the event day
    event_day = people["event_day"].to_numpy()
    has = event_day != -99999
    codes = people["outcome_code"].to_numpy()
    ev.visit(
        pid[has],
        event_day[has],
        "Hospital admission",
        inpatient=True,
        length=rng.integers(1, 10, size=m)[has],
    )
    ev.condition(pid[has], event_day[has], codes[has], [CVD_OUTCOMES[c][1] for c in codes[has]])
    # statins started later, with no effect on the simulated outcome: at random (3% a year) among the
    # patients not on one, before their event if they have one; else after an event (80%, secondary prevention)
    fatal = people["fatal_cvd"].to_numpy()
    random_start = index + np.ceil(rng.standard_exponential(m) / 0.03 * 365.25).astype(np.int64)
    later = ~statin & (random_start < end) & (~has | (random_start < event_day))
    after_event = has & ~statin & ~fatal & ~later & (rng.random(m) < 0.8)
    start_ae = event_day + rng.integers(1, 30, size=m)
    for mask, start in ((after_event & (start_ae < end), start_ae), (later, random_start)):
        ev.visit(pid[mask], start[mask], "GP consultation")
        ev.drug(pid[mask], start[mask], np.minimum(start[mask] + 364, end[mask]), 2000000401)


def _disagreeing_codes(people, ev: _Events, rate: float, rng: np.random.Generator) -> None:
    """An E11.9 code for a patient without diabetes, whose free text says why it is not diabetes."""
    m = len(people)
    pick = (people["diabetes"].to_numpy() == 0) & (rng.random(m) < rate)
    pid, index = people["person_id"].to_numpy()[pick], people["index_day"].to_numpy()[pick]
    day = index - rng.integers(30, 1500, size=len(pid))
    ev.visit(pid, day, "GP consultation")
    texts = np.array(_DISAGREEING_TEXTS, dtype=object)[rng.integers(len(_DISAGREEING_TEXTS), size=len(pid))]
    ev.condition(pid, day, C_T2DM, texts)


def _implausible_values(people, ev: _Events, rate: float, rng: np.random.Generator) -> None:
    """A mis-keyed extra result on the index date: SBP or BMI x 10, or total cholesterol 0."""
    m = len(people)
    pick = rng.random(m) < rate
    which = rng.integers(3, size=m)
    pid, day = people["person_id"].to_numpy(), people["index_day"].to_numpy()
    for k, column in enumerate(("sbp", "bmi", "total_chol")):
        mask = pick & (which == k) & ~np.isnan(people[column].to_numpy(dtype=float))
        value = 0.0 * people[column].to_numpy(dtype=float) if column == "total_chol" else 10 * people[column]
        ev.measurement(pid[mask], day[mask], column, np.asarray(value, dtype=float)[mask])


def _after_death(people, ev: _Events, rate: float, rng: np.random.Generator) -> None:
    """A result or prescription dated after death (a misfiled or late-entered record)."""
    death = people["death_day"].to_numpy()
    pick = (death != -99999) & (rng.random(len(people)) < rate)
    pid, day = people["person_id"].to_numpy()[pick], death[pick] + rng.integers(1, 180, size=int(pick.sum()))
    lab = rng.random(len(pid)) < 0.5
    ev.visit(pid, day, "GP consultation")
    value = np.round(120 + 15 * rng.standard_normal(len(pid)))
    ev.measurement(pid[lab], day[lab], "sbp", value[lab])
    ev.drug(pid[~lab], day[~lab], day[~lab] + 27, C_PARACETAMOL)


def _typo(name: str, rng: np.random.Generator) -> str:
    """One edit: swap two neighbouring letters, drop one, double one, or change one."""
    letters = list(name)
    i = int(rng.integers(1, len(letters) - 1)) if len(letters) > 2 else 0
    kind = int(rng.integers(4))
    if kind == 0 and i + 1 < len(letters):
        letters[i], letters[i + 1] = letters[i + 1], letters[i]
    elif kind == 1:
        del letters[i]
    elif kind == 2:
        letters.insert(i, letters[i])
    else:
        choices = [c for c in "aeiouy" if c != letters[i].lower()]
        letters[i] = choices[int(rng.integers(len(choices)))]
    typo = "".join(letters)
    return typo if typo != name else name + "e"


def _duplicate_people(people: pd.DataFrame, ev: _Events, rate: float, rng: np.random.Generator):
    """Register some cohort patients twice; their history before the index date moves to the copy."""
    cohort = people["kind"].to_numpy() == "cohort"
    pick = np.flatnonzero(cohort & (rng.random(len(people)) < rate))
    new_ids = people["person_id"].max() + 1 + np.arange(len(pick))
    mapping = dict(zip(people["person_id"].to_numpy()[pick], new_ids, strict=True))
    copies = people.iloc[pick].copy()
    copies["family_name"] = [_typo(name, rng) for name in copies["family_name"]]
    copies["duplicate_of"] = copies["person_id"].to_numpy()
    copies["person_id"] = new_ids
    copies["kind"] = "duplicate"
    # the copy's registration: from the original registration to the day before the review
    copies["end_day"] = copies["index_day"] - 1
    copies["death_day"] = -99999
    index_of = dict(zip(people["person_id"], people["index_day"], strict=True))
    for group in (ev.visits, ev.conditions, ev.measurements):
        for rows in group:
            _move(rows, "day", mapping, index_of)
    for rows in ev.drugs:
        _move(rows, "start", mapping, index_of)
    people = pd.concat([people.assign(duplicate_of=-1), copies], ignore_index=True)
    duplicates = pd.DataFrame(
        {
            "duplicate_person_id": new_ids.astype(np.int64),
            "person_id": copies["duplicate_of"].to_numpy(np.int64),
        }
    )
    return people, duplicates


def _move(
    rows: dict[str, np.ndarray], day_key: str, mapping: dict[int, int], index_of: dict[int, int]
) -> None:
    pid = rows["person_id"]
    if not len(pid) or not mapping:
        return
    index = np.array([index_of[p] for p in pid])
    target = np.array([mapping.get(p, -1) for p in pid])
    move = (target != -1) & (rows[day_key] < index)
    rows["person_id"] = np.where(move, target, pid)


# --------------------------------------------------------------------------- tables


def _cat(parts: list[dict[str, np.ndarray]], keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([np.asarray(p[k]) for p in parts]) if parts else np.array([]) for k in keys}


def _tables(people: pd.DataFrame, ev: _Events, rates: dict[str, float], rng_units, rng_end) -> dict:
    """Assemble the OMOP tables: ids in (person, date) order, every event linked to a visit."""
    tables, site_of = _person_tables(people)
    c = _cat(ev.conditions, ("person_id", "day", "concept", "text"))
    mz = _cat(ev.measurements, ("person_id", "day", "column", "value"))
    d = _cat(ev.drugs, ("person_id", "start", "end", "concept"))
    tables["visit_occurrence"], link = _visit_table(ev, c, mz, d, site_of)
    tables["condition_occurrence"] = _condition_table(c, link)
    tables["measurement"] = _measurement_table(mz, link, rates["mixed_units"], rng_units)
    tables["drug_exposure"] = _drug_table(d, link, rates["missing_end_dates"], rng_end)
    tables["concept"] = load_concepts()
    return {name: text_with_nulls(tables[name], columns) for name, columns in EHR_TABLES.items()}


def _person_tables(people: pd.DataFrame) -> tuple[dict[str, pd.DataFrame], dict[int, int]]:
    """person, care_site, observation_period, death and observation; and each person's practice id."""
    pid = people["person_id"].to_numpy(np.int64)
    practices = sorted(set(people["practice"]))
    site_id = {name: k + 1 for k, name in enumerate(practices)}
    care_site = people["practice"].map(site_id).to_numpy(np.int64)
    site_of = dict(zip(pid, care_site, strict=True))
    sex = people["sex"].astype(str).to_numpy()
    birth = people["birth_day"].to_numpy()
    by, bm, bd = _ymd(birth)
    ethnicity = people["ethnicity"].astype(str).to_numpy()
    order = np.argsort(pid, kind="stable")
    person = pd.DataFrame({
        "person_id": pid, "gender_concept_id": np.where(sex == "male", C_MALE, C_FEMALE),
        "year_of_birth": by, "month_of_birth": bm, "day_of_birth": bd, "birth_datetime": _iso(birth),
        "race_concept_id": np.array([C_RACE[e] for e in ethnicity], dtype=np.int64),
        "ethnicity_concept_id": np.zeros(len(pid), np.int64), "care_site_id": care_site,
        "person_source_value": np.array([f"MRN{p * 7919 % 9_000_000 + 1_000_000:07d}" for p in pid], dtype=object),
        "gender_source_value": np.where(sex == "male", "M", "F").astype(object),
        "race_source_value": ethnicity.astype(object),
        "given_name": people["given_name"].to_numpy(object), "family_name": people["family_name"].to_numpy(object),
    }).iloc[order].reset_index(drop=True)  # fmt: skip
    care_site_table = pd.DataFrame({"care_site_id": np.arange(1, len(practices) + 1, dtype=np.int64),
                                    "care_site_name": np.array(practices, dtype=object)})  # fmt: skip
    start = np.minimum(people["registration_day"].to_numpy(), people["index_day"].to_numpy() - 1)
    observation_period = pd.DataFrame({
        "observation_period_id": np.arange(1, len(pid) + 1, dtype=np.int64), "person_id": pid,
        "observation_period_start_date": _iso(start),
        "observation_period_end_date": _iso(np.maximum(people["end_day"].to_numpy(), start)),
        "period_type_concept_id": np.full(len(pid), C_EHR),
    }).iloc[order].reset_index(drop=True)  # fmt: skip
    observation_period["observation_period_id"] = np.arange(1, len(pid) + 1, dtype=np.int64)
    dead = people["death_day"].to_numpy() != -99999
    fatal = people["fatal_cvd"].to_numpy() & dead
    codes = people["outcome_code"].to_numpy()
    death = pd.DataFrame({
        "person_id": pid[dead], "death_date": _iso(people["death_day"].to_numpy()[dead]),
        "death_type_concept_id": np.full(int(dead.sum()), C_EHR),
        "cause_concept_id": np.where(fatal[dead], codes[dead], 0).astype(np.int64),
        "cause_source_value": np.array([CVD_OUTCOMES[c][1] if f else "Other cause" for c, f in
                                        zip(codes[dead], fatal[dead], strict=True)], dtype=object),
    }).sort_values("person_id", kind="stable").reset_index(drop=True)  # fmt: skip
    cohort_like = people["kind"].to_numpy() != "duplicate"
    obs_day = people["registration_day"].to_numpy()[cohort_like]
    observation = pd.DataFrame({
        "observation_id": np.arange(1, int(cohort_like.sum()) + 1, dtype=np.int64), "person_id": pid[cohort_like],
        "observation_concept_id": np.full(int(cohort_like.sum()), C_IMD), "observation_date": _iso(obs_day),
        "observation_type_concept_id": np.full(int(cohort_like.sum()), C_EHR),
        "value_as_number": people["deprivation_quintile"].to_numpy(float)[cohort_like],
        "observation_source_value": np.full(int(cohort_like.sum()), "IMD 2019 quintile", dtype=object),
    })  # fmt: skip

    tables = {"person": person, "care_site": care_site_table, "observation_period": observation_period,
              "death": death, "observation": observation}  # fmt: skip
    return tables, site_of


def _visit_table(ev: _Events, c, mz, d, site_of):
    """The visits, plus a GP consultation for any event without a visit that day; and the linker."""
    # visits: the listed ones, plus a GP consultation for any event without a visit that day
    v = _cat(ev.visits, ("person_id", "day", "end_day", "concept", "source"))
    extra_p = np.concatenate([c["person_id"], mz["person_id"], d["person_id"]]).astype(np.int64)
    extra_d = np.concatenate([c["day"], mz["day"], d["start"]]).astype(np.int64)
    vp = np.concatenate([v["person_id"].astype(np.int64), extra_p])
    vd = np.concatenate([v["day"].astype(np.int64), extra_d])
    ve = np.concatenate([v["end_day"].astype(np.int64), extra_d])
    vc = np.concatenate([v["concept"].astype(np.int64), np.full(len(extra_p), C_OUTPATIENT)])
    vs = np.concatenate([v["source"].astype(object), np.full(len(extra_p), "GP consultation", dtype=object)])
    keys = pd.MultiIndex.from_arrays([vp, vd])
    first = ~keys.duplicated(keep="first")
    vp, vd, ve, vc, vs = vp[first], vd[first], ve[first], vc[first], vs[first]
    vorder = np.lexsort((vd, vp))
    vp, vd, ve, vc, vs = vp[vorder], vd[vorder], ve[vorder], vc[vorder], vs[vorder]
    visit_ids = np.arange(1, len(vp) + 1, dtype=np.int64)
    visit_of = pd.Series(visit_ids, index=pd.MultiIndex.from_arrays([vp, vd]))
    visit_occurrence = pd.DataFrame({
        "visit_occurrence_id": visit_ids, "person_id": vp, "visit_concept_id": vc, "visit_start_date": _iso(vd),
        "visit_end_date": _iso(ve), "visit_type_concept_id": np.full(len(vp), C_EHR),
        "care_site_id": np.array([site_of[p] for p in vp], dtype=np.int64), "visit_source_value": vs,
    })  # fmt: skip

    def link(person, day):
        return visit_of.reindex(pd.MultiIndex.from_arrays([person, day])).to_numpy(np.int64)

    return visit_occurrence, link


def _condition_table(c, link) -> pd.DataFrame:
    """Diagnoses: the ICD-10 concept and the clinician's free text."""
    co = np.lexsort((c["day"], c["person_id"]))
    condition_occurrence = pd.DataFrame({
        "condition_occurrence_id": np.arange(1, len(co) + 1, dtype=np.int64),
        "person_id": c["person_id"][co].astype(np.int64), "condition_concept_id": c["concept"][co].astype(np.int64),
        "condition_start_date": _iso(c["day"][co]), "condition_type_concept_id": np.full(len(co), C_EHR),
        "visit_occurrence_id": link(c["person_id"][co].astype(np.int64), c["day"][co].astype(np.int64)),
        "condition_source_value": c["text"][co].astype(object),
    })  # fmt: skip
    return condition_occurrence


def _measurement_table(mz, link, mixed_units: float, rng_units: np.random.Generator) -> pd.DataFrame:
    """Results in their LOINC code and UCUM unit; some cholesterol results in mg/dL (``mixed_units``)."""
    mo = np.lexsort((mz["day"], mz["person_id"]))
    column = mz["column"][mo]
    value = mz["value"][mo].astype(float)
    concept = np.array([MEASUREMENTS[k][0] for k in column], dtype=np.int64)
    loinc = np.array([MEASUREMENTS[k][1] for k in column], dtype=object)
    unit = np.array([MEASUREMENTS[k][2] for k in column], dtype=object)
    chol = np.isin(column, list(MG_DL_CONCEPTS))
    mg = chol & (rng_units.random(len(column)) < mixed_units)
    for k, (cid, code) in MG_DL_CONCEPTS.items():
        sel = mg & (column == k)
        concept[sel], loinc[sel] = cid, code
    unit[mg] = "mg/dL"
    value = np.where(mg, np.round(value * MMOL_TO_MG_DL, 1), value)
    measurement = pd.DataFrame({
        "measurement_id": np.arange(1, len(mo) + 1, dtype=np.int64),
        "person_id": mz["person_id"][mo].astype(np.int64), "measurement_concept_id": concept,
        "measurement_date": _iso(mz["day"][mo]), "measurement_type_concept_id": np.full(len(mo), C_EHR),
        "value_as_number": value, "unit_concept_id": np.array([C_UNIT[u] for u in unit], dtype=np.int64),
        "visit_occurrence_id": link(mz["person_id"][mo].astype(np.int64), mz["day"][mo].astype(np.int64)),
        "measurement_source_value": loinc, "unit_source_value": unit,
    })  # fmt: skip
    return measurement


def _drug_table(d, link, missing_end_dates: float, rng_end: np.random.Generator) -> pd.DataFrame:
    """Courses with ``days_supply``; some end dates missing (``missing_end_dates``)."""
    do = np.lexsort((d["concept"], d["start"], d["person_id"]))
    start, end = d["start"][do].astype(np.int64), d["end"][do].astype(np.int64)
    end = np.maximum(end, start)
    missing_end = rng_end.random(len(do)) < missing_end_dates
    names = {**STATINS, **ANTIHYPERTENSIVES, C_PARACETAMOL: "N02BE01 paracetamol"}
    drug_exposure = pd.DataFrame({
        "drug_exposure_id": np.arange(1, len(do) + 1, dtype=np.int64),
        "person_id": d["person_id"][do].astype(np.int64), "drug_concept_id": d["concept"][do].astype(np.int64),
        "drug_exposure_start_date": _iso(start), "drug_exposure_end_date": _iso(np.where(missing_end, -99999, end)),
        "drug_type_concept_id": np.full(len(do), C_EHR), "days_supply": end - start + 1,
        "visit_occurrence_id": link(d["person_id"][do].astype(np.int64), start),
        "drug_source_value": np.array([names[k] for k in d["concept"][do]], dtype=object),
    })  # fmt: skip
    return drug_exposure
