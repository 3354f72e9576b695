"""Intake: check each submission folder and stage a clean copy for nbgrader to grade.

nbgrader skips or crashes on a folder it cannot read. Before grading, the *declared* notebooks of
every submission are copied to a staging folder -- nothing else: files the student added beside the
notebook are never copied, imported or shown to a kernel (each is noted). On the way:

- a symbolic link, or anything that is not a regular file (a FIFO, a device, a socket), is never
  followed or read: it is rejected with a logged reason (intake runs with the grader's rights, outside
  the sandbox); a submission folder that is itself a link is rejected whole;

- a notebook that is not valid JSON, or not a notebook, makes the submission unusable, with a reason;
- an nbformat v3 notebook is upgraded to v4 (noted);
- a renamed notebook (``ps1 (1).ipynb``, ``Copy of ps1.ipynb``) is graded under its expected name if
  it is the only candidate, or the one sharing the most nbgrader cell ids (noted);
- a missing notebook or an empty folder leaves nothing to grade (the reason is recorded; nbgrader's
  own rule then gives every grade cell of the notebook zero);
- differences from the released notebook are noted for the report: deleted, edited, duplicated or
  retyped locked/test cells (nbgrader restores them from the gradebook while grading) and code that
  looks like it patches the grading machinery.
"""

from __future__ import annotations

import json
import os
import re
import stat
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

#: Source patterns that suggest tampering with the grading machinery, with a description.
SUSPICIOUS_PATTERNS = [
    (
        re.compile(r"\b(np|numpy|math|builtins|pd|pandas)(\.\w+)+\s*=[^=]"),
        "assigns to an attribute of a library module",
    ),
    (re.compile(r"\bsetattr\s*\(\s*(np|numpy|math|builtins)\b"), "setattr on a library module"),
    (re.compile(r"\bset_custom_exc\b|\bast_transformers\b|\binput_transformers"), "changes IPython's hooks"),
    (re.compile(r"\bsys\.modules\b"), "edits sys.modules"),
    (re.compile(r"__builtins__|\bimport builtins\b"), "touches builtins"),
    (re.compile(r"__mlhc_\w+|\b_mlhc_answers\b"), "touches the grader's answer bridge"),
    (re.compile(r"gradebook\.db|\bsubmitted/|\bautograded/|\bsource/"), "refers to the grader's files"),
]


@dataclass
class Intake:
    """What intake found in one student's submission folder.

    Attributes
    ----------
    student_id : str
    usable : list of str
        Notebook ids staged for grading.
    reasons : list of str
        Why some or all notebooks cannot be graded (the report lists these as failed).
    notes : list of str
        Things the instructor should know (renames, upgrades, tampered cells), graded anyway.
    """

    student_id: str
    usable: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _grade_ids(nb) -> list[str]:
    return [
        c.metadata["nbgrader"]["grade_id"] for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id")
    ]


#: Largest notebook intake reads, in bytes.
MAX_NOTEBOOK_BYTES = 100 * 1024**2


def _file_problem(path: Path) -> str | None:
    """Why ``path`` must not be read (a link or a special file), or None for a regular file."""
    try:
        info = os.lstat(path)
    except OSError as exc:
        return f"{path.name}: cannot be read ({exc.strerror})"
    if stat.S_ISLNK(info.st_mode):
        return f"{path.name}: is a symbolic link; links are never followed, so it was not read"
    if not stat.S_ISREG(info.st_mode):
        return f"{path.name}: is not a regular file (a folder, FIFO, socket or device); not read"
    return None


def read_regular_file(path: Path, limit: int = MAX_NOTEBOOK_BYTES) -> bytes:
    """Read a regular file without following a symbolic link (``O_NOFOLLOW``) or blocking on a FIFO."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(f"{path.name} is not a regular file")
        if info.st_size > limit:
            raise OSError(f"{path.name} is larger than {limit // 1024**2} MB")
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read(limit + 1)
    finally:
        os.close(fd)


def _read_notebook(path: Path) -> tuple[object | None, str | None, list[str]]:
    """Read any nbformat version; return (notebook v4, reason if unusable, notes)."""
    notes: list[str] = []
    problem = _file_problem(path)
    if problem is not None:
        return None, problem, notes
    try:
        raw = read_regular_file(path)
    except OSError as exc:
        return None, f"{path.name}: cannot be read ({exc.strerror or exc})", notes
    if not raw.strip():
        return None, f"{path.name}: the file is empty", notes
    try:
        data = json.loads(raw.decode("utf-8", errors="replace"))
    except json.JSONDecodeError as exc:
        return (
            None,
            f"{path.name}: not valid JSON (truncated or corrupted: {exc.msg} at line {exc.lineno})",
            notes,
        )
    if not isinstance(data, dict) or "nbformat" not in data:
        return None, f"{path.name}: valid JSON but not a Jupyter notebook", notes
    version = data.get("nbformat")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nbformat fixes missing or duplicate cell ids itself
            nb = nbformat.reads(json.dumps(data), as_version=4)
    except Exception as exc:  # nbformat raises several types for malformed notebooks
        return None, f"{path.name}: not a readable notebook ({type(exc).__name__}: {exc})", notes
    if version != 4:
        notes.append(f"{path.name}: nbformat v{version} notebook upgraded to v4")
    if not isinstance(nb.get("cells"), list):
        return None, f"{path.name}: the notebook has no cells", notes
    for cell in nb.cells:
        cell.setdefault("metadata", {})
        if cell.get("cell_type") == "code":
            cell.setdefault("outputs", [])
            cell.setdefault("execution_count", None)
        if cell.get("cell_type") == "markdown" and "attachments" in cell and not cell.attachments:
            del cell["attachments"]
    return nb, None, notes


def compare_with_release(nb, release_nb) -> list[str]:
    """Describe how a submission's locked and test cells differ from the released notebook."""
    notes = []
    released = {}
    for cell in release_nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade_id"):
            released[meta["grade_id"]] = (cell, meta)
    seen: dict[str, int] = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        gid = meta.get("grade_id")
        if not gid or gid not in released:
            continue
        seen[gid] = seen.get(gid, 0) + 1
        ref, ref_meta = released[gid]
        what = "test cell" if ref_meta.get("grade") and not ref_meta.get("solution") else "cell"
        if cell.cell_type != ref.cell_type:
            notes.append(f"{what} {gid}: changed from {ref.cell_type} to {cell.cell_type} (type restored)")
        if ref_meta.get("locked") and cell.source.strip() != ref.source.strip():
            notes.append(f"locked {what} {gid}: edited by the student (restored from the source)")
    for gid, count in seen.items():
        if count > 1:
            notes.append(f"cell {gid}: duplicated {count} times (only the last copy is graded)")
    for gid, (_ref, meta) in released.items():
        if gid not in seen and (meta.get("grade") or meta.get("locked")):
            kind = "test cell" if meta.get("grade") and not meta.get("solution") else "locked cell"
            if meta.get("solution") and not meta.get("locked"):
                kind = "answer cell"
            notes.append(
                f"{kind} {gid}: deleted by the student"
                + (" (restored from the source)" if kind != "answer cell" else "")
            )
    return notes


def scan_for_tampering(nb) -> list[str]:
    """Flag student-editable code that looks like it patches the grading machinery."""
    notes = []
    for index, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or meta.get("locked"):
            continue
        for pattern, description in SUSPICIOUS_PATTERNS:
            match = pattern.search(cell.source)
            if match:
                line = cell.source[: match.start()].count("\n") + 1
                notes.append(f"cell {index} line {line}: {description} ({match.group(0).strip()[:40]!r})")
    return notes


def stage_submission(
    student_id: str,
    submitted: Path,
    staged: Path,
    notebook_ids: list[str],
    release_dir: Path,
    release_cache: dict | None = None,
) -> Intake:
    """Check ``submitted`` and write a gradable copy to ``staged``; see the module docstring.

    ``release_cache`` (a dict) keeps the released notebooks read once across calls.
    """
    cache = {} if release_cache is None else release_cache
    intake = Intake(student_id)
    problem = _folder_problem(submitted)
    if problem is not None:
        intake.reasons.append(problem)
        return intake
    staged.mkdir(parents=True, exist_ok=True)
    present, extra = _survey(submitted, notebook_ids, intake)
    for nb_id in notebook_ids:
        path = present.get(nb_id)
        renamed_from = None
        if path is None and extra:
            path, renamed_from = _best_rename(nb_id, extra, release_dir / f"{nb_id}.ipynb")
            if path is not None:
                extra.pop(path.stem)
        if path is None:
            if not any(r.startswith(f"{nb_id}.ipynb: ") for r in intake.reasons):
                intake.reasons.append(f"{nb_id}.ipynb: missing from the submission")
            continue
        nb, reason, notes = _read_notebook(path)
        intake.notes.extend(notes)
        if nb is None:
            intake.reasons.append(reason)
            continue
        if renamed_from:
            intake.notes.append(f"{renamed_from}: renamed by the student; graded as {nb_id}.ipynb")
        _compare(nb, nb_id, release_dir, cache, intake)
        nbformat.write(nb, staged / f"{nb_id}.ipynb")
        intake.usable.append(nb_id)
    for stem in sorted(extra):
        intake.notes.append(f"{stem}.ipynb: extra notebook, not graded")
    return intake


def _folder_problem(submitted: Path) -> str | None:
    if submitted.is_symlink() or submitted.parent.is_symlink():
        return f"the submission folder {submitted.name} is a symbolic link; it was not read"
    if not submitted.is_dir() or not any(submitted.iterdir()):
        return "empty submission folder: nothing to grade"
    return None


def _survey(submitted: Path, notebook_ids: list[str], intake: Intake) -> tuple[dict, dict]:
    """Sort the folder's entries: declared notebooks, other notebooks (rename candidates), and the
    rest, which is never copied (each noted). Links and special files are rejected with a reason."""
    present: dict[str, Path] = {}
    extra: dict[str, Path] = {}
    for item in sorted(submitted.iterdir()):
        if item.name in ("timestamp.txt", ".ipynb_checkpoints"):
            continue
        problem = _file_problem(item)
        if item.suffix == ".ipynb":
            if problem is not None:
                intake.notes.append(f"rejected {problem}")
                if item.stem in notebook_ids:
                    intake.reasons.append(problem)
                continue
            (present if item.stem in notebook_ids else extra)[item.stem] = item
        elif problem is not None and "symbolic link" in problem:
            intake.notes.append(f"rejected {problem}")
        else:
            intake.notes.append(
                f"{item.name}: added by the student beside the notebook; not used for grading "
                "(only the assignment's notebooks and the instructor's data files are)"
            )
    return present, extra


def _compare(nb, nb_id: str, release_dir: Path, cache: dict, intake: Intake) -> None:
    release_path = release_dir / f"{nb_id}.ipynb"
    if nb_id not in cache and release_path.is_file():
        cache[nb_id] = nbformat.read(release_path, as_version=4)
    if nb_id in cache:
        intake.notes.extend(compare_with_release(nb, cache[nb_id]))
    intake.notes.extend(scan_for_tampering(nb))


def _best_rename(
    nb_id: str, candidates: dict[str, Path], release_path: Path
) -> tuple[Path | None, str | None]:
    expected: set[str] = set()
    if release_path.is_file():
        expected = set(_grade_ids(nbformat.read(release_path, as_version=4)))
    best, best_overlap = None, 0
    for path in sorted(candidates.values()):
        nb, _, _ = _read_notebook(path)
        overlap = len(expected & set(_grade_ids(nb))) if nb is not None else 0
        if overlap > best_overlap:
            best, best_overlap = path, overlap
    if best is None and len(candidates) == 1:
        best = next(iter(candidates.values()))
    return (best, best.name) if best is not None else (None, None)


def copy_timestamp(submitted: Path, staged: Path) -> None:
    """Keep nbgrader's ``timestamp.txt`` so late penalties still apply (never through a link)."""
    stamp = submitted / "timestamp.txt"
    if _file_problem(stamp) is None:
        staged.mkdir(parents=True, exist_ok=True)
        (staged / "timestamp.txt").write_bytes(read_regular_file(stamp, limit=4096))


def data_files(source_dir: Path, names) -> dict[str, str]:
    """The instructor's allow-listed data files: name -> path inside the source folder.

    Raises ``ValueError`` for a name that is not a plain file name, or not a regular file (not a
    link) in the assignment's source folder.
    """
    files: dict[str, str] = {}
    for name in names or []:
        if not name or "/" in name or "\\" in name or name in (".", "..") or name.endswith(".ipynb"):
            raise ValueError(
                f"The 'data_files' parameter must list plain file names in the assignment's source "
                f"folder (no folders, no notebooks). Got {name!r} instead."
            )
        problem = _file_problem(source_dir / name)
        if problem is not None:
            raise ValueError(f"Data file {name!r} of {source_dir}: {problem.split(': ', 1)[1]}")
        files[name] = str(source_dir / name)
    return files


def list_submissions(submitted_root: Path, assignment_id: str) -> list[str]:
    """Student ids with a folder for this assignment under nbgrader's ``submitted`` directory."""
    if not submitted_root.is_dir():
        return []
    return sorted(
        p.name for p in submitted_root.iterdir() if (p / assignment_id).is_dir() and os.access(p, os.R_OK)
    )
