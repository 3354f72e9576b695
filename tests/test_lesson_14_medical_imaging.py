"""Lesson 14 (notebooks/14_medical_imaging.ipynb): every number its prose states, recomputed from the seeded data.

The helpers repeat the lesson's steps (same seed, sizes, split and model), so a change to the image
generator, the imaging module or a metric that moves one of the lesson's statements fails here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mlhc_course import datasets, exercises, imaging, metrics

RANDOM_SEED = 2026
SIZE = 32
N_IMAGES = 4000
BORDER = 4


class Lesson:
    """The lesson's images, split and models."""

    def __init__(self) -> None:
        self.honest = datasets.make_lesion_images(N_IMAGES, size=SIZE, shortcut=0.0, random_state=RANDOM_SEED)
        self.shortcut = datasets.make_lesion_images(
            N_IMAGES, size=SIZE, shortcut=0.9, random_state=RANDOM_SEED
        )
        self.frame = self.shortcut.frame
        self.y = self.frame["label"].to_numpy()
        dev = np.flatnonzero(self.frame["site"] == "A")
        self.external_idx = np.flatnonzero(self.frame["site"] == "B")
        self.train_idx, self.test_idx = train_test_split(
            dev, test_size=0.3, stratify=self.y[dev], random_state=RANDOM_SEED
        )
        self.masked = imaging.mask_border(self.shortcut.images, BORDER).reshape(N_IMAGES, -1)
        self.models = {
            "honest": (self.pixel_model(self.honest.data), self.honest.data),
            "shortcut": (self.pixel_model(self.shortcut.data), self.shortcut.data),
            "masked": (self.pixel_model(self.masked), self.masked),
        }

    def pixel_model(self, pixels, idx=None):
        idx = self.train_idx if idx is None else idx
        model = make_pipeline(StandardScaler(), LogisticRegression(C=0.001, max_iter=2000))
        return model.fit(pixels[idx], self.y[idx])

    def auc(self, name, where, models=None):
        model, pixels = (models or self.models)[name]
        idx = self.test_idx if where == "internal" else self.external_idx
        return metrics.roc_auc_ci(self.y[idx], model.predict_proba(pixels[idx])[:, 1]).estimate

    def occlusion_audit(self, name):
        model, pixels = self.models[name]
        audited = [i for i in self.test_idx if self.y[i] == 1 and self.frame.has_marker[i] == 1][:40]
        corner = self.shortcut.marker_mask.nonzero()[0].max() + 1
        on_lesion, in_corner, share = [], [], []
        for i in audited:
            sal = imaging.occlusion_sensitivity(
                model.predict_proba, pixels[i].reshape(SIZE, SIZE), patch=4, stride=2
            )
            peak = np.unravel_index(sal.argmax(), sal.shape)
            on_lesion.append(self.shortcut.lesion_mask[i][peak])
            in_corner.append(peak[0] < corner and peak[1] < corner)
            share.append(imaging.saliency_in_mask(sal, self.shortcut.lesion_mask[i]))
        return len(audited), np.mean(on_lesion), np.mean(in_corner), np.mean(share)


@pytest.fixture(scope="module")
def lesson():
    return Lesson()


def test_dicom_sample_facts():
    ct = imaging.read_dicom(imaging.sample_dicom_path("CT_small.dcm"))
    assert ct.pixels.shape == (128, 128)
    assert len(ct.header) == 266 and int(ct.header["private"].sum()) == 179  # "over a hundred" private
    assert float(ct.dataset.RescaleSlope) == 1 and float(ct.dataset.RescaleIntercept) == -1024
    assert ct.pixels.min() == -896 and ct.pixels.max() == 1167
    assert np.median(ct.pixels) == pytest.approx(2, abs=1)  # "median 2 HU (soft tissue)"
    assert np.percentile(ct.pixels, 1) < -800  # lowest 1%: lung
    # the Study Instance UID embeds the study date (exercise 2)
    assert ".20040119072730." in ct.dataset.StudyInstanceUID and ct.dataset.StudyDate == "20040119"
    assert ct.dataset.SeriesDate == "19970430"
    clean, report = imaging.deidentify(ct.dataset)
    assert clean.SOPInstanceUID == clean.file_meta.MediaStorageSOPInstanceUID
    assert "InstitutionName" not in clean and clean.StudyDate == ""
    assert report.groupby("what").size().to_dict() == {
        "emptied": 9,
        "new UID": 6,
        "pseudonymised": 2,
        "removed": 194,
    }


def test_window_table_bounds():
    bounds = {n: (lv - w / 2, lv + w / 2) for n, (lv, w) in imaging.WINDOW_PRESETS.items()}
    assert bounds == {
        "lung": (-1350, 150),
        "mediastinum": (-125, 225),
        "bone": (-500, 1300),
        "brain": (0, 80),
    }


def test_marker_rates_and_split(lesson):
    rates = pd.crosstab([lesson.frame.site, lesson.frame.label], lesson.frame.has_marker, normalize="index")
    assert rates.loc[("A", 1), 1] == pytest.approx(0.95, abs=0.02)
    assert rates.loc[("A", 0), 1] == pytest.approx(0.05, abs=0.02)
    assert rates.loc[("B", 0), 1] == pytest.approx(0.5, abs=0.03) and rates.loc[("B", 1), 1] == pytest.approx(
        0.5, abs=0.03
    )
    assert (len(lesson.train_idx), len(lesson.test_idx), len(lesson.external_idx)) == (1427, 612, 1961)
    same = np.array_equal(
        lesson.honest.images[:, ~lesson.honest.marker_mask],
        lesson.shortcut.images[:, ~lesson.shortcut.marker_mask],
    )
    assert same
    assert lesson.y.mean() == pytest.approx(0.3, abs=0.02)


def test_internal_high_external_collapses_and_masking_recovers(lesson):
    auc = {(m, w): lesson.auc(m, w) for m in lesson.models for w in ("internal", "external")}
    assert auc["honest", "internal"] == pytest.approx(0.828, abs=0.002)
    assert auc["honest", "external"] == pytest.approx(0.823, abs=0.002)
    assert auc["shortcut", "internal"] == pytest.approx(0.981, abs=0.002)  # "close to 1"
    assert auc["shortcut", "external"] == pytest.approx(0.683, abs=0.002)  # "far below the honest model"
    assert auc["masked", "internal"] == pytest.approx(0.834, abs=0.002)  # "falls to the honest model's level"
    assert auc["masked", "external"] == pytest.approx(0.843, abs=0.002)  # "recovers"
    assert abs(auc["honest", "internal"] - auc["honest", "external"]) < 0.02  # "about the same"
    assert auc["shortcut", "external"] < auc["honest", "external"] - 0.1


def test_occlusion_audit(lesson):
    n, on_lesion, in_corner, share = lesson.occlusion_audit("honest")
    assert (
        n == 40
        and on_lesion == pytest.approx(0.925)
        and in_corner == 0
        and share == pytest.approx(0.240, abs=0.002)
    )
    _, on_lesion, in_corner, share = lesson.occlusion_audit("shortcut")
    assert on_lesion == 0 and in_corner == 1.0 and share == pytest.approx(0.080, abs=0.002)  # "every image"
    _, on_lesion, in_corner, share = lesson.occlusion_audit("masked")
    assert on_lesion == pytest.approx(0.95) and in_corner == 0 and share == pytest.approx(0.294, abs=0.002)
    # the middle row of the figure (the second lesion image with the marker) is the honest model's miss
    shown = [i for i in lesson.test_idx if lesson.y[i] == 1 and lesson.frame.has_marker[i] == 1][:3]
    model, pixels = lesson.models["honest"]
    peaks = []
    for i in shown:
        sal = imaging.occlusion_sensitivity(
            model.predict_proba, pixels[i].reshape(SIZE, SIZE), patch=4, stride=2
        )
        peaks.append(bool(lesson.shortcut.lesion_mask[i][np.unravel_index(sal.argmax(), sal.shape)]))
    assert peaks == [True, False, True]


def test_hidden_stratification(lesson):
    model, _ = lesson.models["masked"]
    external = lesson.frame.iloc[lesson.external_idx].reset_index(drop=True)
    p = model.predict_proba(lesson.masked[lesson.external_idx])[:, 1]
    r, c = external["lesion_radius"], external["lesion_contrast"]
    assert round(r.median(), 1) == 2.6 and round(c.median(), 2) == 0.22

    def auc(lesions):
        keep = (external["label"] == 0) | lesions
        return metrics.roc_auc_ci(external.loc[keep, "label"], p[keep.to_numpy()]).estimate

    small, faint = r < r.median(), c < c.median()
    assert auc(external["label"] == 1) == pytest.approx(0.843, abs=0.002)
    assert auc(small) == pytest.approx(0.766, abs=0.002) and auc(~small & r.notna()) == pytest.approx(
        0.920, abs=0.002
    )
    assert auc(faint) == pytest.approx(0.800, abs=0.002) and auc(~faint & c.notna()) == pytest.approx(
        0.887, abs=0.002
    )
    assert auc(small & faint) == pytest.approx(0.705, abs=0.002)


def test_exercise_4_resampling_claims(lesson):
    rng = np.random.default_rng(RANDOM_SEED)
    cells = pd.DataFrame(
        {
            "i": lesson.train_idx,
            "label": lesson.y[lesson.train_idx],
            "marker": lesson.frame.has_marker.to_numpy()[lesson.train_idx],
        }
    )
    keep = []
    for _, group in cells.groupby("label"):
        n = group.marker.value_counts().min()
        for _, cell in group.groupby("marker"):
            keep += list(rng.choice(cell.i, size=n, replace=False))
    keep = np.sort(keep)
    # "only about 5% of the images in each label are in the rare cell", "throws away about 90%"
    rare = cells.groupby("label").marker.agg(lambda m: min(m.mean(), 1 - m.mean()))
    assert rare.between(0.04, 0.065).all()
    assert 1 - len(keep) / len(cells) == pytest.approx(0.9, abs=0.02)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.001, max_iter=2000))
    model.fit(lesson.shortcut.data[keep], lesson.y[keep])
    external = metrics.roc_auc_ci(
        lesson.y[lesson.external_idx], model.predict_proba(lesson.shortcut.data[lesson.external_idx])[:, 1]
    ).estimate
    assert (
        lesson.auc("shortcut", "external") + 0.05 < external < lesson.auc("honest", "external")
    )  # "towards"


# ------------------------------------------------------------------ self-checks
def test_q1_which_validation():
    assert exercises.check("l14_q1_which_validation", "external").passed is True
    wrong = exercises.check("l14_q1_which_validation", "internal")
    assert wrong.passed is False and "same hospital" in wrong.hint
    assert exercises.check("l14_q1_which_validation", 3).passed is False


def test_ex1_lung_window_water():
    value = float(imaging.window([0], preset="lung")[0])
    assert value == pytest.approx(0.9)
    assert exercises.check("l14_ex1_lung_window_water", value).passed is True
    wrong = exercises.check("l14_ex1_lung_window_water", 0.4)
    assert wrong.passed is False and "bottom of the window" in wrong.hint
    assert "level itself" in exercises.check("l14_ex1_lung_window_water", 0.5).hint
    assert "percentage" in exercises.check("l14_ex1_lung_window_water", 90).hint
    assert exercises.check("l14_ex1_lung_window_water", "0.9").passed is False


def test_ex2_uid_date():
    uid = imaging.read_dicom(imaging.sample_dicom_path()).dataset.StudyInstanceUID
    date = int(next(part for part in uid.split(".") if len(part) >= 8 and part[:2] in {"19", "20"})[:8])
    assert date == 20040119
    assert exercises.check("l14_ex2_uid_date", date).passed is True
    wrong = exercises.check("l14_ex2_uid_date", 19970430)
    assert wrong.passed is False and "Series and Acquisition Date" in wrong.hint
    assert "first 8 digits" in exercises.check("l14_ex2_uid_date", 20040119072730).hint
    assert exercises.check("l14_ex2_uid_date", [2004, 1, 19]).passed is False


def test_ex3_weaker_shortcut(lesson):
    weaker = datasets.make_lesion_images(N_IMAGES, size=SIZE, shortcut=0.5, random_state=RANDOM_SEED)
    models = {"weak": (lesson.pixel_model(weaker.data), weaker.data)}
    external = lesson.auc("weak", "external", models)
    internal = lesson.auc("weak", "internal", models)
    assert external == pytest.approx(0.779, abs=0.002) and internal == pytest.approx(0.884, abs=0.002)
    # "the internal AUROC is still inflated and the external AUROC still falls below the honest model's"
    assert internal > lesson.auc("honest", "internal") + 0.03
    assert external < lesson.auc("honest", "external") - 0.03
    assert exercises.check("l14_ex3_weaker_shortcut", external).passed is True
    wrong = exercises.check("l14_ex3_weaker_shortcut", 0.683)
    assert wrong.passed is False and "shortcut=0.9" in wrong.hint
    assert "internal" in exercises.check("l14_ex3_weaker_shortcut", internal).hint
    assert exercises.check("l14_ex3_weaker_shortcut", None).passed is None
    assert exercises.check("l14_ex3_weaker_shortcut", "high").passed is False


def test_occlusion_of_a_32_pixel_image_needs_225_predictions():
    seen = []

    def model(batch):
        seen.append(len(batch))
        return batch.mean(axis=1)

    imaging.occlusion_sensitivity(model, np.zeros((SIZE, SIZE)), patch=4, stride=2)
    assert seen == [1 + 225]  # the image itself, then 15 x 15 patch positions
    # "soft tissue (0 to +80 HU) is nearly white" in the lung window
    assert imaging.window([0, 80], preset="lung").tolist() == pytest.approx([0.9, 0.9533], abs=1e-4)
