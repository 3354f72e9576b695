"""Synthetic clinical datasets with known ground truth and switchable pitfalls.

Nothing here is real patient data. Generators (``make_*``) simulate data from documented models;
loaders (``load_*``) read the course's canonical files, checked against their SHA256 checksums.
Every dataset is a :class:`ClinicalDataset` (a scikit-learn ``Bunch``) whose ``DESCR`` is its
datasheet.

- :func:`make_primary_care_cohort`: adults 30-79 with a true 10-year CVD risk (Framingham 2008)
  and the pitfall switches ``repeat_visits``, ``leaky_features``, ``missingness``, ``sites`` /
  ``site_shift``, ``temporal_drift`` and ``label_bias``.
- :func:`make_ward_vitals`: ward observations charted as often as NEWS2 asks, and deterioration within 24 h;
  :func:`news2_score` scores them (RCP 2017).
- :func:`make_ehr`: the same primary-care patients as an OMOP-shaped relational EHR (person, visits,
  conditions, measurements, drugs, deaths) with switchable messiness; :func:`connect_ehr` opens it in
  SQLite and :func:`load_ehr` loads the canonical copy.
- :func:`make_clinical_notes`: triage and discharge notes with negation, uncertainty and family
  history, labelled by the affirmed finding.
- :func:`make_lesion_images`: grayscale image patches with a lesion (and its true mask) in some,
  and a corner marker that can stand in for the label at the development site (``shortcut``).
- :func:`make_gene_expression`: log2 gene expression with co-expression modules, a known set of
  informative genes, a treatment response and processing batches (``batch_effect``,
  ``batch_confounding``).
"""

from ._base import ClinicalDataset, CorruptDatasetError
from ._canonical import (
    CLINICAL_NOTES_SEED,
    EHR_SEED,
    PRIMARY_CARE_SEED,
    WARD_VITALS_SEED,
    load_clinical_notes,
    load_ehr,
    load_primary_care_cohort,
    load_ward_vitals,
)
from ._ehr import EHR_MESSINESS, EHRDataset, connect_ehr, make_ehr
from ._framingham import framingham_coefficients, framingham_cvd_risk
from ._images import make_lesion_images
from ._news2 import news2_risk_band, news2_score, news2_subscores
from ._notes import make_clinical_notes
from ._omics import make_gene_expression
from ._primary_care import PRIMARY_CARE_PITFALLS, STATIN_HR, WEIBULL_SHAPE, make_primary_care_cohort
from ._ward import make_ward_vitals

__all__ = [
    "ClinicalDataset",
    "CorruptDatasetError",
    "make_primary_care_cohort",
    "make_ward_vitals",
    "make_clinical_notes",
    "make_ehr",
    "connect_ehr",
    "load_ehr",
    "EHRDataset",
    "EHR_MESSINESS",
    "EHR_SEED",
    "make_lesion_images",
    "make_gene_expression",
    "load_primary_care_cohort",
    "load_ward_vitals",
    "load_clinical_notes",
    "framingham_cvd_risk",
    "framingham_coefficients",
    "news2_score",
    "news2_subscores",
    "news2_risk_band",
    "PRIMARY_CARE_PITFALLS",
    "STATIN_HR",
    "WEIBULL_SHAPE",
    "PRIMARY_CARE_SEED",
    "WARD_VITALS_SEED",
    "CLINICAL_NOTES_SEED",
]
