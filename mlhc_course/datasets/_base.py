"""The dataset container, column schemas, datasheets, and finding, hashing, reading and writing files.

Every generator and loader returns a :class:`ClinicalDataset`. Each dataset declares its columns once,
as a tuple of :class:`Column` (kind, unit, rounding, categories, description); that schema drives the
datasheet's field table, the byte-stable CSV writer and the typed CSV reader.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

__all__ = ["ClinicalDataset", "Column", "CorruptDatasetError", "canonical_dir"]

CHECKSUM_FILE = "SHA256SUMS"
#: Sex categories, in code order (0 = female, 1 = male), shared by every dataset.
SEXES = ("female", "male")
_FIELDS_MARKER = "<!-- fields -->"


class CorruptDatasetError(OSError):
    """A canonical dataset file does not match its published SHA256 checksum."""


@dataclass(frozen=True)
class Column:
    """One column of a dataset: how it is stored, rounded, typed when read back, and documented."""

    name: str
    kind: str  # "int", "float", "category" or "str"
    description: str
    unit: str = ""
    decimals: int | None = None  # floats are written with exactly this many decimals
    categories: tuple[str, ...] | None = None
    ordered: bool = False
    dtype: str | None = None  # a compact numpy dtype for "int"/"float" columns (default int64/float64)

    @property
    def numpy_dtype(self) -> str:
        return self.dtype or {"int": "int64", "float": "float64"}.get(self.kind, "object")


class ClinicalDataset(Bunch):
    """A synthetic clinical dataset: a scikit-learn ``Bunch`` with a readable ``repr``.

    Keys (also attributes): ``frame`` (DataFrame, or None when ``as_frame=False``), ``data``,
    ``target``, ``feature_names``, ``target_names`` (the target columns), ``true_risk`` (the
    ground-truth probability, or None), ``DESCR`` (the datasheet), ``name`` and ``options``
    (the generator's parameters, pitfall switches included).

    Examples
    --------
    >>> from mlhc_course.datasets import make_primary_care_cohort
    >>> ds = make_primary_care_cohort(200, random_state=0)
    >>> ds.frame is ds["frame"], ds.target.name
    (True, 'event_recorded')
    >>> print(repr(ds).splitlines()[0])
    ClinicalDataset('primary_care_cohort': 200 rows)
    """

    def __repr__(self) -> str:
        frame = self.get("frame")
        n_rows = len(frame) if frame is not None else len(self["data"])
        lines = [f"ClinicalDataset({self.get('name', '?')!r}: {n_rows} rows)"]
        if frame is not None:
            lines.append(f"  frame: {frame.shape[0]} x {frame.shape[1]} DataFrame")
        names = list(self.get("feature_names", []))
        shown = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
        lines.append(f"  features ({len(names)}): {shown}")
        target = self.get("target")
        target_names = ", ".join(self.get("target_names", []))
        if target is not None and np.ndim(target) == 1 and len(target):
            lines.append(
                f"  target: {target_names} (mean {float(np.nanmean(np.asarray(target, float))):.3f})"
            )
        else:
            lines.append(f"  target: {target_names}")
        true_risk = self.get("true_risk")
        if true_risk is not None:
            lines.append(f"  true_risk: mean {float(np.mean(true_risk)):.3f}")
        options = self.get("options") or {}
        if options:
            lines.append("  options: " + ", ".join(f"{k}={v!r}" for k, v in options.items()))
        lines.append("  DESCR: the datasheet (print(ds.DESCR))")
        return "\n".join(lines)


def build_dataset(
    *,
    name: str,
    frame: pd.DataFrame,
    feature_names: Sequence[str],
    target_names: Sequence[str],
    true_risk_column: str | None,
    descr: str,
    options: dict[str, Any],
    return_X_y: bool,
    as_frame: bool,
) -> ClinicalDataset | tuple[Any, Any]:
    """Assemble the ``ClinicalDataset`` (or ``(X, y)``) the way scikit-learn's loaders do.

    With ``as_frame=False``, categorical columns become their integer category codes, a single text
    feature becomes a 1-D array of strings, and ``frame`` is None.
    """
    feature_names = list(feature_names)
    target_names = list(target_names)
    data: Any = frame[feature_names[0]] if feature_names == ["text"] else frame[feature_names]
    target: Any = frame[target_names[0]] if len(target_names) == 1 else frame[target_names]
    true_risk: Any = frame[true_risk_column] if true_risk_column else None
    if not as_frame:
        data = _to_numpy(data)
        target = _to_numpy(target)
        true_risk = None if true_risk is None else true_risk.to_numpy()
    if return_X_y:
        return data, target
    return ClinicalDataset(
        name=name,
        frame=frame if as_frame else None,
        data=data,
        target=target,
        feature_names=feature_names,
        target_names=target_names,
        true_risk=true_risk,
        DESCR=descr,
        options=dict(options),
    )


def _to_numpy(obj: pd.Series | pd.DataFrame) -> np.ndarray:
    if isinstance(obj, pd.Series):
        return obj.cat.codes.to_numpy() if isinstance(obj.dtype, pd.CategoricalDtype) else obj.to_numpy()
    coded = obj.apply(lambda s: s.cat.codes if isinstance(s.dtype, pd.CategoricalDtype) else s)
    return coded.to_numpy(dtype=float)


# --------------------------------------------------------------------------- datasheets


def present_columns(columns: Sequence[Column], names: Sequence[str]) -> tuple[Column, ...]:
    """The schema's columns present in ``names``, in schema order (optional pitfall columns may be absent)."""
    names = set(names)
    return tuple(c for c in columns if c.name in names)


def fields_table(columns: Sequence[Column]) -> str:
    """The datasheet's field table (Markdown) generated from a schema."""
    rows = ["| field | type | unit | description |", "|---|---|---|---|"]
    for col in columns:
        kind = col.kind
        if col.categories is not None:
            kind = "category: " + ", ".join(col.categories)
        elif col.kind == "float" and col.decimals is not None:
            kind = f"float ({col.decimals} dp)"
        rows.append(f"| `{col.name}` | {kind} | {col.unit or ''} | {col.description} |")
    return "\n".join(rows)


def datasheet(name: str, columns: Sequence[Column]) -> str:
    """The datasheet text of dataset ``name`` (shipped in ``mlhc_course/datasets/descr/``)."""
    text = (resources.files("mlhc_course.datasets") / "descr" / f"{name}.md").read_text(encoding="utf-8")
    return text.replace(_FIELDS_MARKER, fields_table(columns))


# --------------------------------------------------------------------------- canonical files


def canonical_dir() -> Path:
    """Where the canonical CSVs live: inside the installed package, else the source checkout's ``datasets/``.

    A wheel carries them as ``mlhc_course/_datasets/`` (pyproject's force-include); an editable
    install reads the repository's top-level ``datasets/`` folder.
    """
    packaged = resources.files("mlhc_course") / "_datasets"
    if packaged.is_dir():
        return Path(str(packaged))
    repo = Path(__file__).resolve().parents[2]
    if (repo / "pyproject.toml").is_file():
        return repo / "datasets"
    raise FileNotFoundError(
        "The course's canonical datasets are not installed with this copy of mlhc_course. "
        "Reinstall it (pip install --force-reinstall mlhc-course)."
    )


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_checksums(path: Path) -> dict[str, str]:
    """Parse a ``sha256sum``-style file: ``<hex digest>  <file name>`` per line."""
    sums = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            digest, _, fname = line.partition("  ")
            sums[fname.strip()] = digest.strip()
    return sums


def format_checksums(sums: dict[str, str]) -> str:
    return "".join(f"{digest}  {fname}\n" for fname, digest in sorted(sums.items()))


def to_csv_bytes(frame: pd.DataFrame, columns: Sequence[Column]) -> bytes:
    """Serialise ``frame`` to byte-stable CSV: schema column order, fixed decimals, ``\\n`` line ends.

    Floats are formatted here (not by pandas) with exactly the schema's number of decimals, and
    negative zero is written as zero, so the bytes do not depend on the pandas or numpy version.
    """
    out = {}
    for col in columns:
        series = frame[col.name]
        if col.kind == "float":
            if col.decimals is None:
                raise ValueError(f"float column {col.name!r} needs a number of decimals to be written to CSV")
            values = np.round(series.to_numpy(dtype=float, na_value=np.nan), col.decimals) + 0.0
            text = np.char.mod(f"%.{col.decimals}f", values).astype(object)
            text[np.isnan(values)] = ""
            out[col.name] = text
        elif col.kind == "int":
            out[col.name] = series.to_numpy(dtype=np.int64)
        else:
            out[col.name] = series.astype(object).where(series.notna(), "").to_numpy()
    buffer = io.StringIO()
    pd.DataFrame(out).to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue().encode("utf-8")


def read_csv_typed(path: Path, columns: Sequence[Column]) -> pd.DataFrame:
    """Read a canonical CSV back with the schema's dtypes (categoricals with their full category list).

    Optional columns of the schema (e.g. pitfall columns) may be absent; the ones present must appear
    in schema order, and no unknown column is allowed.
    """
    header = list(pd.read_csv(path, nrows=0).columns)
    present = present_columns(columns, header)
    if header != [c.name for c in present]:
        raise CorruptDatasetError(
            f"{path} has unexpected columns {header}; expected a subset, in order, of "
            f"{[c.name for c in columns]}."
        )
    frame = pd.read_csv(
        path,
        dtype={c.name: c.numpy_dtype for c in present},
        keep_default_na=False,
        na_values={c.name: [""] for c in present if c.kind in {"float", "category"}},
    )
    for col in present:
        if col.kind == "category":
            categories = (
                sorted(frame[col.name].dropna().unique()) if col.categories is None else col.categories
            )
            frame[col.name] = pd.Categorical(
                frame[col.name], categories=list(categories), ordered=col.ordered
            )
    return frame


def load_canonical(
    name: str, columns: Sequence[Column], *, data_dir: Path | None = None
) -> tuple[pd.DataFrame, str]:
    """Read ``<name>.csv`` after checking it against ``SHA256SUMS``; return the frame and its datasheet."""
    folder = Path(data_dir) if data_dir is not None else canonical_dir()
    path = folder / f"{name}.csv"
    fix = "Run `mlhc data build` in the course repository to regenerate it, or reinstall mlhc-course."
    if not path.is_file():
        raise FileNotFoundError(f"The canonical dataset file {path} is missing. {fix}")
    sums_path = folder / CHECKSUM_FILE
    if not sums_path.is_file():
        raise FileNotFoundError(
            f"The checksum file {sums_path} is missing, so {path.name} cannot be checked. {fix}"
        )
    expected = read_checksums(sums_path).get(path.name)
    actual = sha256_bytes(path.read_bytes())
    if expected != actual:
        raise CorruptDatasetError(
            f"The canonical dataset file {path} is corrupted or out of date: its SHA256 is {actual}, "
            f"but {sums_path.name} says {expected}. {fix}"
        )
    sheet = folder / f"{name}.md"
    descr = sheet.read_text(encoding="utf-8") if sheet.is_file() else datasheet(name, columns)
    return read_csv_typed(path, columns), descr
