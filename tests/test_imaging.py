"""mlhc_course.imaging: DICOM in HU, windows, Basic Profile de-identification, and occlusion maps."""

from __future__ import annotations

import socket

import numpy as np
import pydicom
import pytest
from pydicom.pixels import apply_modality_lut
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mlhc_course import imaging
from mlhc_course.datasets import make_lesion_images

SAMPLES = ["CT_small.dcm", "MR_small.dcm"]


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network access attempted in a test that must work offline")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_files_ship_with_pydicom_and_need_no_network(name, no_network):
    path = imaging.sample_dicom_path(name)
    assert path.is_file() and path.name == name and "pydicom" in path.parts


def test_read_dicom_matches_pydicoms_modality_lut_on_ct():
    path = imaging.sample_dicom_path("CT_small.dcm")
    hu, header, ds = imaging.read_dicom(path)
    reference = apply_modality_lut(pydicom.dcmread(path).pixel_array, pydicom.dcmread(path))
    assert hu.dtype == np.float64 and hu.shape == (128, 128)
    np.testing.assert_allclose(hu, reference)
    np.testing.assert_allclose(hu, ds.pixel_array * 1.0 - 1024.0)  # slope 1, intercept -1024
    by_keyword = header.set_index("keyword")
    assert by_keyword.loc["Modality", "value"] == "CT"
    assert by_keyword.loc["RescaleIntercept", "value"] == "-1024"
    assert by_keyword.loc["PatientName", "phi"] and not by_keyword.loc["Modality", "phi"]
    assert header.private.sum() > 100 and header.loc[header.private, "phi"].all()
    assert list(header.columns) == ["tag", "keyword", "name", "VR", "value", "phi", "private"]
    assert by_keyword.loc["PixelData", "value"].endswith("bytes>")


def test_read_dicom_passes_mr_values_through():
    hu, header, ds = imaging.read_dicom(imaging.sample_dicom_path("MR_small.dcm"))
    np.testing.assert_array_equal(hu, ds.pixel_array.astype(float))
    assert "RescaleSlope" not in ds


def test_window_clips_to_level_plus_minus_half_width():
    values = np.array([-3000.0, -1001.0, -1000.0, -600.0, -200.0, 150.0, 151.0, 3000.0])
    shown = imaging.window(values, center=-425, width=1150)  # bounds -1000 and 150
    assert shown.tolist()[:3] == [0.0, 0.0, 0.0] and shown.tolist()[-3:] == [1.0, 1.0, 1.0]
    assert shown[3] == pytest.approx(400 / 1150) and shown[4] == pytest.approx(800 / 1150)
    for name, (level, width) in imaging.WINDOW_PRESETS.items():
        low, high = level - width / 2, level + width / 2
        grid = np.linspace(low - 500, high + 500, 1001)
        out = imaging.window(grid, preset=name)
        assert out.min() == 0 and out.max() == 1
        assert np.all(out[grid <= low] == 0) and np.all(out[grid >= high] == 1)
        inside = (grid > low) & (grid < high)
        assert np.all((out[inside] > 0) & (out[inside] < 1))
        assert imaging.window([level], preset=name)[0] == pytest.approx(0.5)


def test_window_presets_are_the_cited_values():
    assert imaging.WINDOW_PRESETS == {
        "lung": (-600.0, 1500.0), "mediastinum": (50.0, 350.0), "bone": (400.0, 1800.0), "brain": (40.0, 80.0),
    }  # fmt: skip


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"center": 40, "width": 0}, "'width' parameter of window"),
        ({"center": 40, "width": -10}, "'width' parameter of window"),
        ({"center": 40}, "needs center and width"),
        ({"preset": "liver"}, "'preset' parameter of window"),
        ({"preset": "lung", "center": 0}, "not both"),
        ({"center": "40", "width": 80}, "'center' parameter of window"),
    ],
)
def test_window_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        imaging.window([0.0], **kwargs)


@pytest.mark.parametrize("name", SAMPLES)
def test_deidentify_changes_every_profile_attribute_present(name, tmp_path):
    original = imaging.read_dicom(imaging.sample_dicom_path(name)).dataset
    before = {
        e.keyword: e.value for e in [*original.file_meta, *original] if e.keyword in imaging.BASIC_PROFILE
    }
    assert {"PatientName", "PatientID", "StudyDate", "InstitutionName", "StudyInstanceUID"} <= set(before)
    clean, report = imaging.deidentify(original)
    after = {e.keyword: e.value for e in [*clean.file_meta, *clean]}
    for keyword, value in before.items():
        if value not in ("", None) and not (isinstance(value, pydicom.Sequence) and len(value) == 0):
            assert keyword not in after or after[keyword] != value, f"{keyword} kept its value"
    assert not any(e.tag.is_private for e in clean)
    assert clean.PatientIdentityRemoved == "YES" and "PS3.15" in clean.DeidentificationMethod
    # UIDs are replaced consistently: the file meta and the image agree, and the same key gives the same UIDs
    assert clean.SOPInstanceUID == clean.file_meta.MediaStorageSOPInstanceUID != original.SOPInstanceUID
    again, _ = imaging.deidentify(original)
    assert again.StudyInstanceUID == clean.StudyInstanceUID and again.PatientID == clean.PatientID
    other, _ = imaging.deidentify(original, key="another project's secret")
    assert other.StudyInstanceUID != clean.StudyInstanceUID and other.PatientID != clean.PatientID
    assert clean.StudyInstanceUID.startswith("2.25.") and len(clean.StudyInstanceUID) <= 64
    # the report names what changed and never carries the old values
    assert set(report.action) <= {"X", "Z", "D", "U"}
    assert {"PatientName", "PatientID", "StudyInstanceUID"} <= set(report.keyword)
    old_text = {str(v) for v in before.values() if str(v)}
    assert not old_text & set(report.new_value)
    # the input is untouched, and the result is a valid file with the same pixels
    fresh = pydicom.dcmread(imaging.sample_dicom_path(name))
    assert original.PatientName == before["PatientName"] and len(original) == len(fresh)
    out = tmp_path / "clean.dcm"
    clean.save_as(out, enforce_file_format=True)
    np.testing.assert_array_equal(pydicom.dcmread(out).pixel_array, original.pixel_array)


def test_deidentify_rejects_a_non_string_key():
    ds = imaging.read_dicom(imaging.sample_dicom_path()).dataset
    with pytest.raises(ValueError, match="'key' parameter of deidentify"):
        imaging.deidentify(ds, key=123)


def test_occlusion_map_on_a_known_model():
    weights = np.zeros((12, 12))
    weights[6:9, 2:5] = 1.0  # the "model" only looks at this block

    def model(batch):
        return (batch.reshape(len(batch), -1) @ weights.ravel()) / 9

    img = np.full((12, 12), 0.2)
    img[6:9, 2:5] = 1.0
    sal = imaging.occlusion_sensitivity(model, img, patch=3, stride=3, baseline=0.0)
    assert sal.shape == (12, 12)
    assert np.unravel_index(sal.argmax(), sal.shape) in {(r, c) for r in range(6, 9) for c in range(2, 5)}
    assert np.allclose(sal[:3, 6:], 0)
    # 2-D (k, 2) probabilities and unflattened input work too
    sal2 = imaging.occlusion_sensitivity(
        lambda b: np.stack([1 - model(b), model(b)], axis=1), img, patch=3, stride=3, baseline=0.0
    )
    np.testing.assert_allclose(sal, sal2)
    sal3 = imaging.occlusion_sensitivity(
        lambda b: model(b.reshape(len(b), -1)), img, patch=3, stride=3, baseline=0.0, flatten=False
    )
    np.testing.assert_allclose(sal, sal3)
    # the last patch is aligned with the edge, so every pixel is covered even when stride does not divide
    assert np.isfinite(imaging.occlusion_sensitivity(model, img, patch=5, stride=4)).all()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"patch": 0}, "'patch'"),
        ({"patch": 13}, "'patch'"),
        ({"stride": 0}, "'stride'"),
        ({"baseline": "x"}, "'baseline'"),
    ],
)
def test_occlusion_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        imaging.occlusion_sensitivity(lambda b: b.mean(axis=1), np.zeros((12, 12)), **kwargs)
    with pytest.raises(ValueError, match="2-D"):
        imaging.occlusion_sensitivity(lambda b: b.mean(axis=1), np.zeros((2, 12, 12)))


def test_saliency_in_mask_and_mask_border():
    assert imaging.saliency_in_mask([[1.0, 1.0], [-5.0, 2.0]], [[True, False], [True, False]]) == 0.25
    assert np.isnan(imaging.saliency_in_mask(np.zeros((2, 2)), np.ones((2, 2), bool)))
    with pytest.raises(ValueError, match="same shape"):
        imaging.saliency_in_mask(np.zeros((2, 2)), np.ones((3, 3), bool))
    stack = np.random.default_rng(0).random((3, 10, 10)).astype(np.float32)
    masked = imaging.mask_border(stack, 2)
    assert masked.dtype == np.float32 and masked.shape == stack.shape
    np.testing.assert_array_equal(masked[:, 2:-2, 2:-2], stack[:, 2:-2, 2:-2])
    for k in range(3):
        assert np.all(masked[k, :2] == np.median(stack[k])) and np.all(
            masked[k, :, -2:] == np.median(stack[k])
        )
    np.testing.assert_array_equal(imaging.mask_border(stack, 0), stack)
    with pytest.raises(ValueError, match="'width' parameter of mask_border"):
        imaging.mask_border(stack, 5)


# ------------------------------------------------------------------ occlusion on the synthetic lesions
SIZE = 32


@pytest.fixture(scope="module")
def fitted():
    """Pixel logistic regressions trained at site A without and with the shortcut (same images otherwise)."""
    out = {}
    for shortcut in (0.0, 0.9):
        ds = make_lesion_images(2000, size=SIZE, shortcut=shortcut, random_state=2026)
        dev = np.flatnonzero(ds.frame.site == "A")
        train, test = dev[: int(0.7 * len(dev))], dev[int(0.7 * len(dev)) :]
        model = make_pipeline(StandardScaler(), LogisticRegression(C=0.001, max_iter=2000))
        model.fit(ds.data[train], ds.frame.label.to_numpy()[train])
        positives = [i for i in test if ds.frame.label.iloc[i] == 1 and ds.frame.has_marker.iloc[i] == 1][:20]
        out[shortcut] = ds, model, positives
    return out


def _peaks(ds, model, images):
    maps = [
        imaging.occlusion_sensitivity(model.predict_proba, ds.images[i], patch=4, stride=2) for i in images
    ]
    return maps, [np.unravel_index(m.argmax(), m.shape) for m in maps]


def test_occlusion_peak_is_on_the_lesion_without_the_shortcut(fitted):
    ds, model, positives = fitted[0.0]
    maps, peaks = _peaks(ds, model, positives)
    on_lesion = [ds.lesion_mask[i][p] for i, p in zip(positives, peaks, strict=True)]
    assert np.mean(on_lesion) >= 0.8
    assert (
        np.mean(
            [imaging.saliency_in_mask(m, ds.lesion_mask[i]) for m, i in zip(maps, positives, strict=True)]
        )
        > 0.15
    )


def test_occlusion_peak_is_on_the_marker_with_the_shortcut(fitted):
    ds, model, positives = fitted[0.9]
    maps, peaks = _peaks(ds, model, positives)
    corner = ds.marker_mask.nonzero()[0].max() + 1  # the marker and the patches that touch it
    on_marker = [p[0] < corner and p[1] < corner for p in peaks]
    assert np.mean(on_marker) >= 0.9
    assert (
        np.mean(
            [imaging.saliency_in_mask(m, ds.lesion_mask[i]) for m, i in zip(maps, positives, strict=True)]
        )
        < 0.1
    )
