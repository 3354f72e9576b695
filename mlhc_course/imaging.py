"""Medical images: read DICOM in Hounsfield units, window it, de-identify its header, and explain a model.

- :func:`read_dicom` reads a DICOM file with pydicom and returns the pixels after the Modality LUT
  (``stored value * RescaleSlope + RescaleIntercept``: Hounsfield units for CT), a tidy table of the
  header, and the pydicom dataset.
- :func:`window` maps a window (level and width, or a named preset of :data:`WINDOW_PRESETS`) onto
  display values in [0, 1].
- :func:`deidentify` applies the DICOM PS3.15 Annex E Basic Application Level Confidentiality Profile
  to the attributes a file carries, and reports what it changed.
- :func:`occlusion_sensitivity` is a model-agnostic saliency map: how much the predicted probability
  falls when each patch of the image is hidden.
- :func:`mask_border` hides a frame around images (where markers and burned-in text usually sit).
- :func:`saliency_in_mask` measures how much of a saliency map falls inside a mask (the true lesion).

The sample files ``CT_small.dcm`` and ``MR_small.dcm`` ship with pydicom (``pydicom.data``); nothing
is downloaded. :func:`sample_dicom_path` finds them.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from ._validation import Interval, Options, check_param

__all__ = [
    "DicomImage",
    "WINDOW_PRESETS",
    "BASIC_PROFILE",
    "PSEUDONYMISED",
    "sample_dicom_path",
    "read_dicom",
    "window",
    "deidentify",
    "occlusion_sensitivity",
    "saliency_in_mask",
    "mask_border",
]

#: CT display windows as (level, width) in HU, from Radiopaedia's reference article "Windowing (CT)"
#: (radiopaedia.org), which gives lungs W 1500 L -600, mediastinum W 350 L 50, bones W 1800 L 400
#: and brain W 80 L 40. Presets vary between departments (mediastinum 350-400/40-50, bone
#: 1800-2000/400-500); these are common values, not a standard.
WINDOW_PRESETS: dict[str, tuple[float, float]] = {
    "lung": (-600.0, 1500.0),
    "mediastinum": (50.0, 350.0),
    "bone": (400.0, 1800.0),
    "brain": (40.0, 80.0),
}

#: The attributes of DICOM PS3.15 Annex E, Table E.1-1 (Basic Application Level Confidentiality
#: Profile) that this module handles, with the profile's action: X remove, Z replace with a
#: zero-length value or a dummy value, D replace with a dummy value, U replace a UID with a new one,
#: consistently. Where the table allows several actions (X/Z, X/D, X/Z/D, Z/D) the first is used.
#: Names, IDs, dates and times, institution and staff, free text and UIDs are covered; private
#: attributes are removed too (the profile's default). The patient's name and ID (Z) get Z's
#: permitted dummy value, a keyed pseudonym (:data:`PSEUDONYMISED`), so one patient's files still link.
BASIC_PROFILE: dict[str, str] = {
    # patient
    "PatientName": "Z",
    "PatientID": "Z",
    "PatientBirthDate": "Z",
    "PatientBirthTime": "X",
    "PatientSex": "Z",
    "PatientAge": "X",
    "PatientSize": "X",
    "PatientWeight": "X",
    "PatientAddress": "X",
    "PatientTelephoneNumbers": "X",
    "OtherPatientIDs": "X",
    "OtherPatientIDsSequence": "X",
    "OtherPatientNames": "X",
    "IssuerOfPatientID": "X",
    "EthnicGroup": "X",
    "Occupation": "X",
    "AdditionalPatientHistory": "X",
    "PatientComments": "X",
    "MedicalRecordLocator": "X",
    # study, dates and times
    "AccessionNumber": "Z",
    "StudyID": "Z",
    "StudyDate": "Z",
    "StudyTime": "Z",
    "SeriesDate": "X",
    "SeriesTime": "X",
    "AcquisitionDate": "X",
    "AcquisitionTime": "X",
    "AcquisitionDateTime": "X",
    "ContentDate": "Z",
    "ContentTime": "Z",
    "InstanceCreationDate": "X",
    "InstanceCreationTime": "X",
    "TimezoneOffsetFromUTC": "X",
    "StudyDescription": "X",
    "SeriesDescription": "X",
    "ImageComments": "X",
    "RequestAttributesSequence": "X",
    "PerformedProcedureStepID": "X",
    # institution and staff
    "InstitutionName": "X",
    "InstitutionAddress": "X",
    "InstitutionalDepartmentName": "X",
    "StationName": "X",
    "DeviceSerialNumber": "X",
    "ReferringPhysicianName": "Z",
    "PerformingPhysicianName": "X",
    "NameOfPhysiciansReadingStudy": "X",
    "PhysiciansOfRecord": "X",
    "RequestingPhysician": "X",
    "OperatorsName": "X",
    # unique identifiers: replaced consistently (they often embed dates, sites and devices)
    "StudyInstanceUID": "U",
    "SeriesInstanceUID": "U",
    "SOPInstanceUID": "U",
    "FrameOfReferenceUID": "U",
    "InstanceCreatorUID": "U",
    "ReferencedSOPInstanceUID": "U",
    "MediaStorageSOPInstanceUID": "U",
}

#: Attributes that get a keyed pseudonym (a dummy value that links one patient's files) instead of an empty one.
PSEUDONYMISED = frozenset({"PatientName", "PatientID"})
_DEFAULT_KEY = "mlhc-course-teaching-key"


class DicomImage(NamedTuple):
    """What :func:`read_dicom` returns: ``pixels``, ``header`` and ``dataset`` (also unpackable)."""

    #: The pixel array after the Modality LUT (float64): Hounsfield units for CT.
    pixels: np.ndarray
    #: One row per top-level header attribute: tag, keyword, name, VR, value, phi, private.
    header: pd.DataFrame
    #: The pydicom dataset, as read.
    dataset: Any


def sample_dicom_path(name: str = "CT_small.dcm") -> Path:
    """The path of a DICOM sample file that ships inside pydicom's wheel (no download).

    Parameters
    ----------
    name : {"CT_small.dcm", "MR_small.dcm"}, default="CT_small.dcm"
        A CT slice (128 x 128, GE) or an MR slice (64 x 64, Toshiba). Both are distributed with
        pydicom as test data (``pydicom.data.get_testdata_file``; the pydicom project,
        github.com/pydicom/pydicom), downsized by pydicom from the NEMA DICOM Working Group 4
        compression sample images CT1_UNC and MR1_UNC (pydicom's ``data/test_files/README.txt``).

    Returns
    -------
    path : pathlib.Path
        The file inside the installed pydicom package.

    Examples
    --------
    >>> from mlhc_course.imaging import sample_dicom_path
    >>> sample_dicom_path().name
    'CT_small.dcm'
    """
    check_param(name, Options(str, ("CT_small.dcm", "MR_small.dcm")), name="name", caller="sample_dicom_path")
    from pydicom.data import get_testdata_file

    path = get_testdata_file(name, download=False)  # never fetch over the network
    if path is None:
        raise FileNotFoundError(
            f"pydicom's sample {name} was not found in the installed pydicom package. "
            "Reinstall pydicom (pip install --force-reinstall 'pydicom>=3,<4')."
        )
    return Path(path)


def _header_table(dataset: Any) -> pd.DataFrame:
    rows = []
    elements = list(getattr(dataset, "file_meta", None) or []) + list(dataset)
    for elem in elements:
        if elem.VR == "SQ":
            value = f"<sequence of {len(elem.value)} item(s)>"
        elif elem.keyword == "PixelData" or elem.VR in {"OB", "OW", "OF", "OD", "OL", "OV", "UN"}:
            value = f"<{len(elem.value) if elem.value is not None else 0} bytes>"
        else:
            value = str(elem.value)
            value = value if len(value) <= 64 else value[:61] + "..."
        rows.append(
            {
                "tag": f"({elem.tag.group:04X},{elem.tag.element:04X})",
                "keyword": elem.keyword,
                "name": elem.name,
                "VR": elem.VR,
                "value": value,
                "phi": elem.keyword in BASIC_PROFILE or elem.tag.is_private,
                "private": bool(elem.tag.is_private),
            }
        )
    return pd.DataFrame(rows, columns=["tag", "keyword", "name", "VR", "value", "phi", "private"])


def read_dicom(path: str | Path) -> DicomImage:
    """Read a DICOM image: pixels in Hounsfield units (for CT) and a tidy table of its header.

    The Modality LUT turns stored values into physical ones: ``value = stored * RescaleSlope +
    RescaleIntercept`` (DICOM PS3.3 C.11.1; slope 1 and intercept 0 when absent). For CT the result is
    in Hounsfield units: air about -1000 HU, water 0 HU. For MR there is no physical unit and
    the values pass through unchanged.

    Parameters
    ----------
    path : str or pathlib.Path
        A DICOM file with one frame of grayscale pixels.

    Returns
    -------
    image : DicomImage
        A named tuple ``(pixels, header, dataset)``: ``pixels`` float64 after the Modality LUT;
        ``header`` a DataFrame with one row per top-level attribute (file meta included): ``tag``,
        ``keyword``, ``name``, ``VR``, ``value`` as text, ``phi`` (the attribute is one that
        :func:`deidentify` changes) and ``private``; ``dataset`` the pydicom dataset.

    See Also
    --------
    window : Map HU to display values.
    deidentify : Remove the identifying attributes.

    Examples
    --------
    >>> from mlhc_course.imaging import read_dicom, sample_dicom_path
    >>> hu, header, ds = read_dicom(sample_dicom_path("CT_small.dcm"))
    >>> hu.shape, float(ds.RescaleIntercept)
    ((128, 128), -1024.0)
    >>> header.set_index("keyword").loc["Modality", "value"]
    'CT'
    """
    import pydicom

    dataset = pydicom.dcmread(Path(path))
    if "PixelData" not in dataset:
        raise ValueError(f"{path} has no pixel data: it is not an image.")
    stored = dataset.pixel_array
    if "ModalityLUTSequence" in dataset:  # a lookup table instead of slope and intercept (rare in CT)
        from pydicom.pixels import apply_modality_lut

        pixels = np.asarray(apply_modality_lut(stored, dataset), dtype=np.float64)
    else:
        slope = float(dataset.get("RescaleSlope", 1) or 1)
        intercept = float(dataset.get("RescaleIntercept", 0) or 0)
        pixels = stored.astype(np.float64) * slope + intercept
    return DicomImage(pixels, _header_table(dataset), dataset)


def window(
    image: Any,
    *,
    center: float | None = None,
    width: float | None = None,
    preset: str | None = None,
) -> np.ndarray:
    """Map a window of HU onto display values: 0 (black) at ``center - width/2``, 1 (white) at ``center + width/2``.

    Values below the window are black, values above it white, and values inside it are spread
    linearly over the grey scale. A narrow window gives high contrast over a small range of HU.
    (DICOM PS3.3 C.11.2.1.2 defines the display mapping with a half-unit offset; on a scale of
    thousands of HU it makes no visible difference.)

    Parameters
    ----------
    image : array-like
        Pixel values in HU (from :func:`read_dicom`).
    center : float, optional
        The window level (its centre), in HU.
    width : float, optional
        The window width in HU (> 0).
    preset : {"lung", "mediastinum", "bone", "brain"}, optional
        A named window from :data:`WINDOW_PRESETS`, instead of ``center`` and ``width``.

    Returns
    -------
    display : numpy.ndarray
        Float64 values in [0, 1], the shape of ``image``.

    Examples
    --------
    >>> from mlhc_course.imaging import window
    >>> window([-1000, -600, -100, 500], preset="lung").round(3).tolist()
    [0.233, 0.5, 0.833, 1.0]
    >>> window([0, 40, 80], center=40, width=80).tolist()
    [0.0, 0.5, 1.0]
    """
    if preset is not None:
        check_param(preset, Options(str, tuple(WINDOW_PRESETS)), name="preset", caller="window")
        if center is not None or width is not None:
            raise ValueError("Give either preset or center and width to window, not both.")
        center, width = WINDOW_PRESETS[preset]
    elif center is None or width is None:
        raise ValueError(
            "window needs center and width (in HU), or a preset: " + ", ".join(WINDOW_PRESETS) + "."
        )
    check_param(center, Interval(float, None, None), name="center", caller="window")
    check_param(width, Interval(float, 0, None, closed="neither"), name="width", caller="window")
    values = np.asarray(image, dtype=np.float64)
    low = center - width / 2
    return np.clip((values - low) / width, 0.0, 1.0)


def _pseudonym(value: str, key: str) -> str:
    return "ANON-" + hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()[:10].upper()


def _new_uid(value: str, key: str) -> str:
    # a UUID-derived UID under the 2.25 root (PS3.5 B.2), computed from a keyed hash of the old UID:
    # the same old UID always maps to the same new one, and the old one cannot be read back
    digest = hmac.new(key.encode(), value.encode(), hashlib.sha256).digest()[:16]
    return f"2.25.{int.from_bytes(digest, 'big')}"


def deidentify(dataset: Any, *, key: str = _DEFAULT_KEY) -> tuple[Any, pd.DataFrame]:
    """De-identify a DICOM header with the Basic Application Level Confidentiality Profile.

    Applies DICOM PS3.15 Annex E (Table E.1-1) to each attribute of :data:`BASIC_PROFILE` that the
    dataset carries: identifying attributes are removed (X) or emptied (Z); the patient's name and ID
    get a keyed pseudonym (Z's permitted dummy value), so one patient's images still link together;
    every UID is replaced by a new one (U), consistently, so the file meta, the image and any
    references still agree; private attributes are removed. It then sets Patient Identity Removed to YES and records the
    method, as the profile requires. The input is not modified.

    It does **not** look at the pixels: text burned into an image (names, dates, markers) needs
    checking too (the profile's Clean Pixel Data Option).

    Parameters
    ----------
    dataset : pydicom.dataset.Dataset
        The DICOM dataset (for example ``read_dicom(path).dataset``).
    key : str, default="mlhc-course-teaching-key"
        Secret key for the pseudonyms and new UIDs (HMAC-SHA256). A real project uses its own key and
        keeps it secret: with the key, anyone can check a guessed ID against a pseudonym.

    Returns
    -------
    deidentified : pydicom.dataset.Dataset
        A de-identified copy.
    report : pandas.DataFrame
        One row per attribute changed: ``tag``, ``keyword``, ``action`` (the profile's X, Z, D or U), ``what``
        (removed, emptied, pseudonymised, new UID) and ``new_value``. It never holds the old values.

    Examples
    --------
    >>> from mlhc_course.imaging import deidentify, read_dicom, sample_dicom_path
    >>> ds = read_dicom(sample_dicom_path()).dataset
    >>> clean, report = deidentify(ds)
    >>> "PatientName" in report.keyword.values, str(clean.PatientIdentityRemoved)
    (True, 'YES')
    >>> clean.SOPInstanceUID == clean.file_meta.MediaStorageSOPInstanceUID
    True
    """
    check_param(key, str, name="key", caller="deidentify")
    out = copy.deepcopy(dataset)
    rows: list[dict[str, str]] = []

    def note(elem: Any, action: str, what: str, new_value: str = "") -> None:
        tag = f"({elem.tag.group:04X},{elem.tag.element:04X})"
        rows.append(
            {"tag": tag, "keyword": elem.keyword or elem.name, "action": action,
             "what": what, "new_value": new_value}
        )  # fmt: skip

    def apply(ds: Any) -> None:
        for elem in list(ds):
            if elem.tag.is_private:
                note(elem, "X", "removed")
                del ds[elem.tag]
                continue
            action = BASIC_PROFILE.get(elem.keyword)
            if action is None:
                if elem.VR == "SQ":  # the profile applies inside sequences too
                    for item in elem.value:
                        apply(item)
                continue
            if action == "X":
                note(elem, "X", "removed")
                del ds[elem.tag]
            elif elem.keyword in PSEUDONYMISED:
                elem.value = _pseudonym(str(elem.value), key)
                note(elem, action, "pseudonymised", str(elem.value))
            elif action in {"Z", "D"}:
                elem.value = [] if elem.VR == "SQ" else ""
                note(elem, action, "emptied")
            elif elem.value:  # "U": each value of the attribute gets its own new UID
                old = list(elem.value) if elem.VM > 1 else [elem.value]
                new = [_new_uid(str(uid), key) for uid in old]
                elem.value = new if elem.VM > 1 else new[0]
                note(elem, "U", "new UID", "\\".join(new))

    if getattr(out, "file_meta", None) is not None:
        apply(out.file_meta)
    apply(out)
    out.PatientIdentityRemoved = "YES"
    out.DeidentificationMethod = "DICOM PS3.15 E.1 Basic Application Confidentiality Profile"
    report = pd.DataFrame(rows, columns=["tag", "keyword", "action", "what", "new_value"])
    return out, report


def occlusion_sensitivity(
    predict_proba: Callable[[np.ndarray], Any],
    image: Any,
    *,
    patch: int = 8,
    stride: int = 4,
    baseline: float | None = None,
    flatten: bool = True,
) -> np.ndarray:
    """A model-agnostic saliency map: how far the predicted probability falls when a patch is hidden.

    A square patch slides over the image; at each position the patch is replaced by ``baseline``
    and the model is asked again (Zeiler & Fergus 2014). Each pixel's value is the mean fall in the
    predicted probability over the patches that covered it. Positive values mark regions that push
    the prediction up: the evidence the model uses, whether it is the lesion or a marker in the
    corner.

    Parameters
    ----------
    predict_proba : callable
        The model, for example a fitted scikit-learn ``model.predict_proba``. It gets a batch of
        images (flattened to ``(k, height * width)`` if ``flatten``, else ``(k, height, width)``) and
        returns probabilities of the positive class, ``(k,)``, or ``(k, 2)`` (column 1 is used).
    image : array-like of shape (height, width)
        One image.
    patch : int, default=8
        Side of the occluding square, in pixels (>= 1, at most the image's side).
    stride : int, default=4
        Step between patch positions, in pixels (>= 1). The last row and column of positions are
        aligned with the image's edge, so every pixel is covered.
    baseline : float, optional
        The value a hidden patch gets; by default the image's mean.
    flatten : bool, default=True
        Flatten each image before calling ``predict_proba`` (as scikit-learn models on pixels need).

    Returns
    -------
    saliency : numpy.ndarray of shape (height, width)
        Mean fall in predicted probability when the pixel is hidden (positive: evidence for the
        positive class).

    References
    ----------
    Zeiler MD, Fergus R. Visualizing and understanding convolutional networks. ECCV 2014, LNCS
    8689:818-833.

    Examples
    --------
    >>> import numpy as np
    >>> from mlhc_course.imaging import occlusion_sensitivity
    >>> def corner_model(batch):  # "probability" = brightness of the top-left 4 x 4 pixels
    ...     return batch.reshape(len(batch), 16, 16)[:, :4, :4].mean(axis=(1, 2))
    >>> img = np.zeros((16, 16)); img[:4, :4] = 1.0
    >>> sal = occlusion_sensitivity(corner_model, img, patch=4, stride=4)
    >>> bool(np.unravel_index(sal.argmax(), sal.shape)[0] < 4)
    True
    """
    caller = "occlusion_sensitivity"
    img = np.asarray(image, dtype=np.float64)
    if img.ndim != 2:
        raise ValueError(f"image must be 2-D (height, width); got shape {img.shape}.")
    height, width = img.shape
    check_param(patch, Interval(int, 1, min(height, width)), name="patch", caller=caller)
    check_param(stride, Interval(int, 1, None, closed="left"), name="stride", caller=caller)
    check_param(baseline, Interval(float, None, None), None, name="baseline", caller=caller)
    check_param(flatten, bool, name="flatten", caller=caller)
    fill = float(img.mean()) if baseline is None else float(baseline)

    def positions(side: int) -> np.ndarray:
        starts = np.arange(0, side - patch + 1, stride)
        return np.unique(np.append(starts, side - patch))

    tops, lefts = positions(height), positions(width)
    covers = np.zeros((len(tops) * len(lefts), height, width), dtype=bool)
    for k, (top, left) in enumerate((t, left) for t in tops for left in lefts):
        covers[k, top : top + patch, left : left + patch] = True
    batch = np.where(covers, fill, img[None])
    batch = np.concatenate([img[None], batch])

    def ask(x: np.ndarray) -> np.ndarray:
        p = np.asarray(predict_proba(x.reshape(len(x), -1) if flatten else x), dtype=np.float64)
        return p[:, 1] if p.ndim == 2 else p

    probs = ask(batch)
    drop = probs[0] - probs[1:]
    total = np.tensordot(drop, covers, axes=1)
    return total / covers.sum(axis=0)


def saliency_in_mask(saliency: Any, mask: Any) -> float:
    """Share of a saliency map's positive mass that falls inside a mask (for example the true lesion).

    Parameters
    ----------
    saliency : array-like
        A saliency map, such as :func:`occlusion_sensitivity`'s.
    mask : array-like of bool
        The region of interest, the same shape.

    Returns
    -------
    share : float
        Sum of the positive saliency inside the mask over the sum of all positive saliency, in
        [0, 1]; NaN if no saliency is positive.

    Examples
    --------
    >>> import numpy as np
    >>> from mlhc_course.imaging import saliency_in_mask
    >>> sal = np.array([[3.0, 1.0], [0.0, -2.0]])
    >>> saliency_in_mask(sal, [[True, False], [False, False]])
    0.75
    """
    sal = np.asarray(saliency, dtype=np.float64)
    region = np.asarray(mask, dtype=bool)
    if sal.shape != region.shape:
        raise ValueError(f"saliency {sal.shape} and mask {region.shape} must have the same shape.")
    positive = np.clip(sal, 0, None)
    total = positive.sum()
    return float(positive[region].sum() / total) if total > 0 else float("nan")


def mask_border(images: Any, width: int, *, value: float | None = None) -> np.ndarray:
    """Hide a frame of ``width`` pixels around each image: a crude crop to the region of interest.

    Markers, burned-in text and collimation edges sit at the borders of radiographs; masking them
    (or cropping to the lung field) takes that evidence away from a model (DeGrave et al. 2021).

    Parameters
    ----------
    images : array-like of shape (height, width) or (n, height, width)
        One image or a stack of images.
    width : int
        Width of the frame in pixels (>= 0; less than half the image's side).
    value : float, optional
        The value the frame gets; by default each image's median, a neutral background.

    Returns
    -------
    masked : numpy.ndarray
        A copy, the shape and dtype of ``images`` (float64 if it was not floating point).

    Examples
    --------
    >>> import numpy as np
    >>> from mlhc_course.imaging import mask_border
    >>> img = np.arange(16.0).reshape(4, 4)
    >>> mask_border(img, 1, value=0).tolist()
    [[0.0, 0.0, 0.0, 0.0], [0.0, 5.0, 6.0, 0.0], [0.0, 9.0, 10.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
    """
    arr = np.asarray(images)
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    if arr.ndim not in (2, 3):
        raise ValueError(f"images must be (height, width) or (n, height, width); got shape {arr.shape}.")
    stack = arr[None] if arr.ndim == 2 else arr
    side = min(stack.shape[1:])
    check_param(width, Interval(int, 0, (side - 1) // 2), name="width", caller="mask_border")
    check_param(value, Interval(float, None, None), None, name="value", caller="mask_border")
    out = stack.copy()
    if width:
        fill = np.median(stack, axis=(1, 2)) if value is None else np.full(len(stack), value)
        frame = np.ones(stack.shape[1:], dtype=bool)
        frame[width:-width, width:-width] = False
        out[:, frame] = fill[:, None].astype(out.dtype)
    return out[0] if arr.ndim == 2 else out
