"""``make_lesion_images``: synthetic grayscale "radiograph patches", some with a nodule, some with a marker.

Every image is simulated, so the truth is known pixel by pixel: whether there is a lesion, where, how
big, and whether the image carries the corner marker that can stand in for the label at the
development site (the shortcut of Zech et al. 2018 and DeGrave et al. 2021). Everything is vectorised
over images: the only Python loop runs over the few low-frequency grid points.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._validation import Interval, check_param, check_random_state
from ._base import ClinicalDataset, Column, datasheet

__all__ = ["make_lesion_images", "MARKER_VALUE"]

_NAME = "lesion_images"
_CALLER = "make_lesion_images"

#: Intensity of the corner marker (the brightest value an image can hold; images are clipped to [0, 1]).
MARKER_VALUE = 1.0
#: The marker sits this many pixels in from the top-left corner; its side is ``_MARKER_FRACTION * size``.
_MARKER_OFFSET_FRACTION = 2 / 64
_MARKER_FRACTION = 6 / 64
#: Lesion centres fall in the central half of the image in each direction (the "lung field").
_CENTRE_RANGE = (0.25, 0.75)
#: Lesion radius as a fraction of the image side (3.2 to 7.0 px at 64 x 64), and peak contrast.
_RADIUS_RANGE = (0.05, 0.11)
_CONTRAST_RANGE = (0.15, 0.30)
_NOISE_SD = 0.04
#: Background: mean level, SD of the smooth field, and the range of the rib bands' amplitude.
_BACKGROUND = 0.45
_FIELD_SD = 0.03
_RIB_RANGE = (0.03, 0.06)

COLUMNS = (
    Column("image_id", "int", "Index of the image in ``images`` and ``lesion_mask`` (0 .. n_images - 1)."),
    Column("site", "category", "Site that acquired the image; site A is the development site, the others external."),
    Column("label", "int", "Ground truth: a lesion is present (1) or not (0)."),
    Column("lesion_row", "float", "Row of the lesion centre (NaN without a lesion).", unit="px", decimals=2),
    Column("lesion_col", "float", "Column of the lesion centre (NaN without a lesion).", unit="px", decimals=2),
    Column("lesion_radius", "float", "Lesion radius (NaN without a lesion).", unit="px", decimals=2),
    Column("lesion_contrast", "float", "Peak brightness the lesion adds (NaN without a lesion).", decimals=3),
    Column("has_marker", "int", "The bright corner marker is burned into the image (1) or not (0)."),
)  # fmt: skip


def _site_names(n_sites: int) -> list[str]:
    return [chr(ord("A") + k) for k in range(n_sites)]


def _smooth_field(rng: np.random.Generator, n: int, size: int, grid: int = 4) -> np.ndarray:
    """Low-frequency anatomy: a random ``grid x grid`` field, bilinearly upsampled to ``size x size``."""
    coarse = rng.standard_normal((n, grid, grid)).astype(np.float32)
    pos = np.linspace(0, grid - 1, size)
    lower = np.minimum(np.floor(pos).astype(int), grid - 2)
    frac = (pos - lower).astype(np.float32)
    interp = np.zeros((size, grid), dtype=np.float32)  # (size, grid) linear interpolation weights
    interp[np.arange(size), lower] = 1 - frac
    interp[np.arange(size), lower + 1] += frac
    return np.matmul(np.matmul(interp, coarse), interp.T)


def _rib_bands(rng: np.random.Generator, n: int, size: int) -> np.ndarray:
    """Curved, rib-like bright bands: 3 to 5 per image height, with random phase, tilt and curvature."""
    cycles = rng.uniform(3, 5, n).astype(np.float32)[:, None, None]
    phase = rng.uniform(0, 2 * np.pi, n).astype(np.float32)[:, None, None]
    curve = rng.uniform(0.1, 0.35, n).astype(np.float32)[:, None, None]
    tilt = rng.uniform(-0.15, 0.15, n).astype(np.float32)[:, None, None]
    amplitude = rng.uniform(*_RIB_RANGE, n).astype(np.float32)[:, None, None]
    y = np.linspace(0, 1, size, dtype=np.float32)[None, :]
    x = np.linspace(0, 1, size, dtype=np.float32)[None, :]
    # the phase is a(row) + b(column), so sin(a + b) = sin a cos b + cos a sin b: no sine per pixel
    a = 2 * np.pi * cycles[:, :, 0] * y + phase[:, :, 0]
    b = 2 * np.pi * cycles[:, :, 0] * (tilt[:, :, 0] * x + curve[:, :, 0] * (x - 0.5) ** 2)
    wave = np.sin(a)[:, :, None] * np.cos(b)[:, None, :]
    wave += np.cos(a)[:, :, None] * np.sin(b)[:, None, :]
    wave *= 0.5
    wave += 0.5
    return amplitude * (wave * wave * wave)


def _lesions(
    rng: np.random.Generator, labels: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Soft-edged nodules in the positive images: (added brightness, mask, per-image geometry)."""
    n = len(labels)
    # drawn for every image (so the stream does not depend on the labels), kept for the positives
    row = rng.uniform(*_CENTRE_RANGE, n) * (size - 1)
    col = rng.uniform(*_CENTRE_RANGE, n) * (size - 1)
    radius = rng.uniform(*_RADIUS_RANGE, n) * size
    contrast = rng.uniform(*_CONTRAST_RANGE, n)
    pos = np.flatnonzero(labels == 1)
    added = np.zeros((n, size, size), dtype=np.float32)
    mask = np.zeros((n, size, size), dtype=bool)
    if len(pos):
        grid = np.arange(size, dtype=np.float32)
        dist = np.sqrt(
            (grid[None, :, None] - row[pos, None, None].astype(np.float32)) ** 2
            + (grid[None, None, :] - col[pos, None, None].astype(np.float32)) ** 2
        )
        r = radius[pos, None, None].astype(np.float32)
        edge = 0.25 * r  # logistic edge: from 88% to 12% of the peak over one radius, centred on r
        added[pos] = contrast[pos, None, None].astype(np.float32) / (1 + np.exp((dist - r) / edge))
        mask[pos] = dist <= r
    geometry = pd.DataFrame(
        {"lesion_row": row, "lesion_col": col, "lesion_radius": radius, "lesion_contrast": contrast}
    )
    geometry.loc[labels == 0, :] = np.nan
    return added, mask, geometry


def marker_box(size: int) -> tuple[slice, slice]:
    """Rows and columns of the corner marker in a ``size x size`` image (top-left corner)."""
    offset = max(1, round(_MARKER_OFFSET_FRACTION * size))
    side = max(2, round(_MARKER_FRACTION * size))
    return slice(offset, offset + side), slice(offset, offset + side)


def make_lesion_images(
    n_images: int = 1000,
    *,
    size: int = 64,
    prevalence: float = 0.3,
    shortcut: float = 0.0,
    sites: int = 2,
    random_state: int | np.random.Generator | None = None,
) -> ClinicalDataset:
    """Generate synthetic grayscale radiograph patches, with a lesion in some and a shortcut marker.

    Each image is a smooth anatomical background (low-frequency structure and curved, rib-like bands)
    with pixel noise. A positive image (``label == 1``) also has a lesion: a soft-edged, round
    nodule of varying size, contrast and position in the central half of the image. Some images carry
    a bright square *marker* burned into the top-left corner, like the "portable" token on a
    bedside film. At the development site (site A) the marker goes with the label with strength
    ``shortcut``; at the external sites (B, C, ...) it is independent of the label. A model that reads
    the marker scores well at site A and fails elsewhere: the shortcut of Zech et al. [1]_ and
    DeGrave et al. [2]_.

    Parameters
    ----------
    n_images : int, default=1000
        Number of images (>= 1).
    size : int, default=64
        Side of each square image in pixels, in [16, 512].
    prevalence : float, default=0.3
        Probability that an image has a lesion, in [0, 1], the same at every site.
    shortcut : float, default=0.0
        Strength of the association between marker and label at the development site, in [0, 1]:
        there the marker is present with probability ``(1 + shortcut) / 2`` in images with a lesion
        and ``(1 - shortcut) / 2`` in images without. At 0 the marker is independent of the label; at
        1 it *is* the label. At the external sites the marker is present in half of the images,
        whatever the label.
    sites : int, default=2
        Number of sites, in [1, 26], named A, B, ...; each image comes from one of them with equal
        probability. Site A is the development site; the others are external.
    random_state : int, numpy.random.Generator or None, default=None
        Seed or generator.

    Returns
    -------
    dataset : ClinicalDataset
        ``images`` (n_images, size, size) float32 in [0, 1], brighter = more attenuating;
        ``data`` the same pixels flattened to (n_images, size * size) (a view, for scikit-learn);
        ``target`` the ``label`` column; ``frame`` one row per image (site, label, the lesion's
        centre, radius and contrast, and ``has_marker``); ``lesion_mask`` (n_images, size, size)
        bool, the ground-truth lesion pixels; ``marker_mask`` (size, size) bool, where the marker
        is drawn when present.

    Notes
    -----
    The random streams are separate for sites, labels, background, lesions, markers and noise, so
    changing ``shortcut`` changes only which images carry the marker, and nothing else. Intensities
    are in arbitrary units: background around 0.45, lesions add 0.15 to 0.30 at their centre, noise has
    a standard deviation of 0.04, the marker is 1.0. The datasheet (``DESCR``) documents the model.

    References
    ----------
    .. [1] Zech JR, Badgeley MA, Liu M, Costa AB, Titano JJ, Oermann EK. Variable generalization
       performance of a deep learning model to detect pneumonia in chest radiographs: a
       cross-sectional study. PLoS Med 2018;15:e1002683.
    .. [2] DeGrave AJ, Janizek JD, Lee S-I. AI for radiographic COVID-19 detection selects shortcuts
       over signal. Nat Mach Intell 2021;3:610-619.

    Examples
    --------
    >>> from mlhc_course.datasets import make_lesion_images
    >>> ds = make_lesion_images(200, shortcut=0.9, random_state=0)
    >>> ds.images.shape, ds.images.dtype.name
    ((200, 64, 64), 'float32')
    >>> dev = ds.frame[ds.frame.site == "A"]
    >>> bool(dev.groupby("label").has_marker.mean().diff().iloc[-1] > 0.7)
    True
    """
    check_param(n_images, Interval(int, 1, None, closed="left"), name="n_images", caller=_CALLER)
    check_param(size, Interval(int, 16, 512, closed="both"), name="size", caller=_CALLER)
    check_param(prevalence, Interval(float, 0, 1), name="prevalence", caller=_CALLER)
    check_param(shortcut, Interval(float, 0, 1), name="shortcut", caller=_CALLER)
    check_param(sites, Interval(int, 1, 26, closed="both"), name="sites", caller=_CALLER)
    rng = check_random_state(random_state, caller=_CALLER)
    s_site, s_label, s_field, s_ribs, s_lesion, s_marker, s_noise = (
        np.random.default_rng(s) for s in rng.integers(0, 2**63 - 1, size=7)
    )
    n, size = int(n_images), int(size)

    site = s_site.integers(sites, size=n)
    labels = (s_label.random(n) < prevalence).astype(np.int64)

    images = np.float32(_BACKGROUND) + np.float32(_FIELD_SD) * _smooth_field(s_field, n, size)
    images += _rib_bands(s_ribs, n, size)
    added, lesion_mask, geometry = _lesions(s_lesion, labels, size)
    images += added
    del added
    images += s_noise.standard_normal((n, size, size), dtype=np.float32) * np.float32(_NOISE_SD)

    p_marker = np.where(site == 0, np.where(labels == 1, (1 + shortcut) / 2, (1 - shortcut) / 2), 0.5)
    has_marker = (s_marker.random(n) < p_marker).astype(np.int64)
    rows, cols = marker_box(size)
    marker_mask = np.zeros((size, size), dtype=bool)
    marker_mask[rows, cols] = True
    images[has_marker == 1, rows, cols] = MARKER_VALUE
    np.clip(images, 0, 1, out=images)

    names = _site_names(sites)
    frame = pd.DataFrame(
        {
            "image_id": np.arange(n, dtype=np.int64),
            "site": pd.Categorical.from_codes(site, categories=names),
            "label": labels,
            **{c: geometry[c].round(3 if c == "lesion_contrast" else 2) for c in geometry},
            "has_marker": has_marker,
        }
    )
    options = {"size": size, "prevalence": prevalence, "shortcut": shortcut, "sites": sites}
    return ClinicalDataset(
        name=_NAME,
        frame=frame,
        images=images,
        data=images.reshape(n, size * size),
        target=frame["label"],
        lesion_mask=lesion_mask,
        marker_mask=marker_mask,
        feature_names=[f"pixel_{r}_{c}" for r in range(size) for c in range(size)],
        target_names=["label"],
        true_risk=None,
        DESCR=datasheet(_NAME, COLUMNS),
        options=options,
    )
