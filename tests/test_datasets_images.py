"""make_lesion_images: shapes, truth, determinism, validation, and a shortcut that a pixel model finds."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mlhc_course import datasets
from mlhc_course.datasets import make_lesion_images


def _digest(ds) -> str:
    h = hashlib.sha256(ds.images.tobytes())
    h.update(ds.lesion_mask.tobytes())
    h.update(ds.frame.to_csv(index=False).encode())
    return h.hexdigest()


@pytest.fixture(scope="module")
def small():
    return make_lesion_images(400, shortcut=0.9, random_state=7)


def test_shapes_types_and_keys(small):
    assert small.images.shape == (400, 64, 64) and small.images.dtype == np.float32
    assert small.data.shape == (400, 64 * 64) and np.shares_memory(small.data, small.images)
    assert small.lesion_mask.shape == (400, 64, 64) and small.lesion_mask.dtype == bool
    assert small.marker_mask.shape == (64, 64)
    assert list(small.frame.columns) == [
        "image_id", "site", "label", "lesion_row", "lesion_col", "lesion_radius", "lesion_contrast", "has_marker",
    ]  # fmt: skip
    assert list(small.frame.site.cat.categories) == ["A", "B"]
    assert small.target.name == "label" and len(small.feature_names) == 64 * 64
    assert float(small.images.min()) >= 0 and float(small.images.max()) <= 1
    assert "Lesion images" in small.DESCR and "| `has_marker` |" in small.DESCR
    assert isinstance(small, datasets.ClinicalDataset)


def test_lesion_masks_are_the_truth(small):
    f = small.frame
    has_mask = small.lesion_mask.any(axis=(1, 2))
    assert np.array_equal(has_mask, f.label.to_numpy() == 1)
    pos = f[f.label == 1]
    area = small.lesion_mask[pos.image_id].sum(axis=(1, 2))
    assert np.allclose(area, np.pi * pos.lesion_radius**2, rtol=0.35)
    assert f.loc[f.label == 0, ["lesion_row", "lesion_col", "lesion_radius"]].isna().all().all()
    # lesions sit in the central half, away from the corner marker
    assert pos.lesion_row.between(15.75, 47.25).all() and pos.lesion_col.between(15.75, 47.25).all()
    assert not (small.lesion_mask & small.marker_mask).any()
    # the lesion is brighter than its surroundings on average
    inside = small.images[small.lesion_mask].mean()
    assert inside > small.images[f.label.to_numpy() == 0].mean() + 0.05


def test_marker_is_burned_in_where_the_frame_says(small):
    marked = small.frame.has_marker.to_numpy() == 1
    corner = small.images[:, small.marker_mask]
    assert np.all(corner[marked] == 1.0)
    assert np.all(corner[~marked] < 1.0)


def test_marker_goes_with_the_label_only_at_the_development_site():
    f = make_lesion_images(6000, size=16, shortcut=0.9, random_state=3).frame
    rate = f.groupby(["site", "label"], observed=True).has_marker.mean()
    assert rate["A", 1] == pytest.approx(0.95, abs=0.03) and rate["A", 0] == pytest.approx(0.05, abs=0.03)
    assert rate["B", 1] == pytest.approx(0.5, abs=0.05) and rate["B", 0] == pytest.approx(0.5, abs=0.05)
    assert f.label.mean() == pytest.approx(0.3, abs=0.03)
    assert f.site.value_counts(normalize=True)["A"] == pytest.approx(0.5, abs=0.03)


def test_same_seed_same_bytes_and_a_new_seed_new_images():
    a = make_lesion_images(50, size=32, shortcut=0.5, random_state=11)
    b = make_lesion_images(50, size=32, shortcut=0.5, random_state=11)
    c = make_lesion_images(50, size=32, shortcut=0.5, random_state=12)
    assert _digest(a) == _digest(b) != _digest(c)
    g1 = make_lesion_images(50, size=32, random_state=np.random.default_rng(5))
    g2 = make_lesion_images(50, size=32, random_state=np.random.default_rng(5))
    assert _digest(g1) == _digest(g2)


def test_switching_the_shortcut_changes_only_the_marker():
    off = make_lesion_images(300, size=32, shortcut=0.0, random_state=2026)
    on = make_lesion_images(300, size=32, shortcut=0.9, random_state=2026)
    assert np.array_equal(off.images[:, ~off.marker_mask], on.images[:, ~on.marker_mask])
    assert np.array_equal(off.lesion_mask, on.lesion_mask)
    same = off.frame.drop(columns="has_marker").equals(on.frame.drop(columns="has_marker"))
    assert same


def test_more_sites_and_other_sizes():
    ds = make_lesion_images(200, size=16, sites=4, prevalence=0.0, random_state=0)
    assert list(ds.frame.site.cat.categories) == ["A", "B", "C", "D"]
    assert ds.frame.label.sum() == 0 and not ds.lesion_mask.any()
    one = make_lesion_images(1, size=512, prevalence=1.0, sites=1, random_state=0)
    assert one.images.shape == (1, 512, 512) and one.frame.label.iloc[0] == 1


@pytest.mark.parametrize(
    ("kwargs", "param", "valid"),
    [
        ({"n_images": 0}, "n_images", "[1, inf)"),
        ({"n_images": 2.5}, "n_images", "[1, inf)"),
        ({"n_images": 10, "size": 8}, "size", "[16, 512]"),
        ({"n_images": 10, "size": 64.0}, "size", "[16, 512]"),
        ({"n_images": 10, "prevalence": 1.2}, "prevalence", "[0, 1]"),
        ({"n_images": 10, "shortcut": -0.1}, "shortcut", "[0, 1]"),
        ({"n_images": 10, "shortcut": float("nan")}, "shortcut", "[0, 1]"),
        ({"n_images": 10, "sites": 0}, "sites", "[1, 26]"),
        ({"n_images": 10, "sites": 27}, "sites", "[1, 26]"),
        ({"n_images": 10, "random_state": "seed"}, "random_state", "Generator"),
    ],
)
def test_bad_parameters_are_named(kwargs, param, valid):
    with pytest.raises(ValueError) as err:
        make_lesion_images(**kwargs)
    message = str(err.value)
    assert f"'{param}' parameter of make_lesion_images" in message and valid in message


def _internal_minus_external_auc(shortcut: float) -> float:
    """Pixel logistic regression fitted at site A: AUROC on held-out site A images minus site B."""
    ds = make_lesion_images(4000, size=32, shortcut=shortcut, random_state=2026)
    y = ds.frame.label.to_numpy()
    dev = np.flatnonzero(ds.frame.site == "A")
    ext = np.flatnonzero(ds.frame.site == "B")
    train, test = dev[: int(0.7 * len(dev))], dev[int(0.7 * len(dev)) :]
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.001, max_iter=2000))
    model.fit(ds.data[train], y[train])
    auc = {
        k: roc_auc_score(y[idx], model.predict_proba(ds.data[idx])[:, 1])
        for k, idx in [("int", test), ("ext", ext)]
    }
    return auc["int"] - auc["ext"]


def test_the_shortcut_is_measurable():
    assert _internal_minus_external_auc(0.9) > 0.15
    assert abs(_internal_minus_external_auc(0.0)) < 0.05
