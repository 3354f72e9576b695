"""Collecting submissions from an LMS export (a zip) into nbgrader's ``submitted/`` folder.

Every member of the zip is either placed in ``submitted/{student_id}/{assignment_id}/`` or listed in
the summary with the reason it was not: nothing is dropped silently. The student id comes from the
member's path through a regular expression with a named group ``student_id`` (and optionally
``file``, the file name to use). The default patterns recognise:

- Canvas: ``doejane_12345_67890_ps1_diagnostic_metrics.ipynb`` or ``doe_jane_late_12345_ps1.ipynb``
  (name, optional ``late``, numeric user id, optional submission id, original file name);
- Moodle: ``Jane Doe_12345_assignsubmission_file_/ps1_diagnostic_metrics.ipynb``;
- one folder per student: ``jdoe/ps1_diagnostic_metrics.ipynb``.

Ids are Unicode-normalised (NFC); spaces and characters other than letters, digits, ``.``, ``_`` and
``-`` become ``_`` (the summary lists each such change). LMS re-upload suffixes (``ps1-1.ipynb``) are
removed when that yields an expected notebook name. An existing submission is never overwritten
unless ``force=True``, and then it is first moved to ``submitted_backup/{time}/``.
"""

from __future__ import annotations

import datetime as _dt
import re
import shutil
import stat
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ._course import Course

#: Patterns tried in order when none is given.
DEFAULT_PATTERNS = (
    r"^(?P<name>[^/]+?)_(?:late_)?(?P<student_id>\d+)_assignsubmission_\w+_/(?:.*/)?(?P<file>[^/]+)$",
    r"^(?:.*/)?(?P<name>[^/_]+(?:_[^/_\d][^/_]*)*)_(?:late_|LATE_)?(?P<student_id>\d+)_(?:\d+_)?(?P<file>[^/]+)$",
    r"^(?P<student_id>[^/]+)/(?:.*/)?(?P<file>[^/]+)$",
)

#: Members larger than this are not extracted (a guard against zip bombs), in bytes.
MAX_MEMBER_SIZE = 100 * 1024**2

_IGNORED_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}


@dataclass
class CollectSummary:
    """What :func:`collect_submissions` did with each member of the zip.

    Attributes
    ----------
    collected : dict of str to list of str
        Student id to the files placed in their submission folder.
    unmatched : list of (str, str)
        Members not placed anywhere, with the reason.
    skipped_existing : list of str
        Students whose existing submission was kept (re-run with ``force=True`` to replace it).
    backed_up : list of str
        Existing submission folders moved aside before being replaced.
    renamed_ids : dict of str to str
        Ids as found in the zip, mapped to the (sanitised) folder names used.
    renamed_files : list of (str, str, str)
        ``(student_id, name in the zip, name used)`` for every file saved under another name
        (an LMS re-upload suffix removed, or a name matched to the expected notebook).
    """

    collected: dict[str, list[str]] = field(default_factory=dict)
    unmatched: list[tuple[str, str]] = field(default_factory=list)
    skipped_existing: list[str] = field(default_factory=list)
    backed_up: list[str] = field(default_factory=list)
    renamed_ids: dict[str, str] = field(default_factory=dict)
    renamed_files: list[tuple[str, str, str]] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"Collected {len(self.collected)} submission(s)."]
        for sid, files in sorted(self.collected.items()):
            lines.append(f"  {sid}: {', '.join(files)}")
        if self.renamed_ids:
            lines.append("Student ids changed to safe folder names:")
            lines += [f"  {old!r} -> {new}" for old, new in sorted(self.renamed_ids.items())]
        if self.renamed_files:
            lines.append("Files saved under the assignment's notebook name:")
            lines += [f"  {sid}: {old!r} -> {new}" for sid, old, new in self.renamed_files]
        if self.skipped_existing:
            lines.append(
                f"Kept {len(self.skipped_existing)} existing submission(s) (use --force to replace; the old "
                f"copy is then backed up): {', '.join(self.skipped_existing)}"
            )
        if self.backed_up:
            lines.append("Backed up before replacing:")
            lines += [f"  {p}" for p in self.backed_up]
        if self.unmatched:
            lines.append(f"NOT collected ({len(self.unmatched)} file(s)):")
            lines += [f"  {name}: {reason}" for name, reason in self.unmatched]
        return "\n".join(lines)


def _safe_id(raw: str) -> str:
    text = unicodedata.normalize("NFC", raw).strip()
    return re.sub(r"[^\w.-]+", "_", text).strip("._")


def _notebook_name(file: str, expected: list[str]) -> str:
    stem, dot, ext = file.rpartition(".")
    if not dot:
        return file
    if stem in expected:
        return file
    for candidate in (re.sub(r"-\d+$", "", stem), re.sub(r"\s*\(\d+\)$", "", stem)):
        if candidate in expected:
            return f"{candidate}.{ext}"
    # a name that merely contains the expected one: "ps1_diagnostic_metrics (jane).ipynb"
    matches = [e for e in expected if e in stem]
    if len(matches) == 1 and ext == "ipynb":
        return f"{matches[0]}.{ext}"
    return file


def collect_submissions(
    course: Course,
    assignment_id: str,
    archive: str | Path,
    *,
    pattern: str | None = None,
    force: bool = False,
) -> CollectSummary:
    """Unpack an LMS zip of submissions into ``submitted/{student_id}/{assignment_id}/``.

    Parameters
    ----------
    course : Course
        The course.
    assignment_id : str
        The assignment the zip holds.
    archive : path-like
        The zip file downloaded from the LMS.
    pattern : str, default=None
        A regular expression matched against each member's path inside the zip, with a named group
        ``student_id`` and optionally ``file``. ``None`` tries :data:`DEFAULT_PATTERNS` in order.
    force : bool, default=False
        Replace existing submissions (after moving them to ``submitted_backup/``).

    Returns
    -------
    CollectSummary
        Every member's fate; ``str(summary)`` is a readable report.

    Raises
    ------
    ValueError
        If the archive is not a zip file, or ``pattern`` has no ``student_id`` group.

    See Also
    --------
    autograde : The next step.

    Examples
    --------
    >>> summary = collect_submissions(course, "ps1_diagnostic_metrics", "canvas.zip")  # doctest: +SKIP
    >>> print(summary)                                                                 # doctest: +SKIP
    Collected 2 submission(s).
      12345: ps1_diagnostic_metrics.ipynb
      23456: ps1_diagnostic_metrics.ipynb
    NOT collected (1 file(s)):
      README.txt: matches no student-id pattern
    """
    course.check_assignment(assignment_id)
    archive = Path(archive)
    if not zipfile.is_zipfile(archive):
        raise ValueError(f"The 'archive' parameter must be a zip file. Got {str(archive)!r} instead.")
    compiled = _compile_patterns(pattern)
    expected = course.notebook_ids(assignment_id)
    summary = CollectSummary()
    with zipfile.ZipFile(archive) as zf:
        placed = _match_members(zf, compiled, expected, summary)
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        for sid, files in sorted(placed.items()):
            dest = course.path("submitted", assignment_id, sid)
            if not _make_room(course, assignment_id, sid, dest, files, force, stamp, summary):
                continue
            _extract(zf, files, dest)
            summary.collected[sid] = sorted(files)
    return summary


def _compile_patterns(pattern: str | None) -> list[re.Pattern]:
    if pattern is None:
        return [re.compile(p) for p in DEFAULT_PATTERNS]
    compiled = re.compile(pattern)
    if "student_id" not in compiled.groupindex:
        raise ValueError(
            f"The 'pattern' parameter must have a named group (?P<student_id>...). Got {pattern!r} instead."
        )
    return [compiled]


def _member_problem(info: zipfile.ZipInfo, name: str) -> str | None:
    """Why a zip member is not collected (metadata, a link or special file, too large), or None."""
    parts = PurePosixPath(name).parts
    if parts and (parts[0] == "__MACOSX" or parts[-1] in _IGNORED_NAMES or parts[-1].startswith("._")):
        return "operating-system metadata, ignored"
    mode = (info.external_attr >> 16) & 0o170000
    if mode == stat.S_IFLNK:
        return "a symbolic link, not collected"
    if mode not in (0, stat.S_IFREG):
        return "not a regular file (a device, FIFO or socket entry), not collected"
    if info.file_size > MAX_MEMBER_SIZE:
        return f"larger than {MAX_MEMBER_SIZE // 1024**2} MB, not extracted"
    return None


def _match_members(zf, compiled, expected, summary: CollectSummary) -> dict[str, dict[str, zipfile.ZipInfo]]:
    """Student id -> file name -> member, keeping the latest upload of each file."""
    placed: dict[str, dict[str, zipfile.ZipInfo]] = {}
    for info in zf.infolist():
        if info.is_dir():
            continue
        name = unicodedata.normalize("NFC", info.filename.replace("\\", "/"))
        problem = _member_problem(info, name)
        match = None if problem else next((m for m in (p.match(name) for p in compiled) if m), None)
        if problem is None and match is None:
            problem = "matches no student-id pattern"
        sid = _safe_id(match.group("student_id")) if match else ""
        if problem is None and not sid:
            problem = f"empty student id {match.group('student_id')!r}"
        original = PurePosixPath(match.groupdict().get("file") or name).name if match else ""
        file = _notebook_name(original, expected)
        if problem is None and (file in ("", ".", "..") or "/" in file):
            problem = "no usable file name"
        if problem is not None:
            summary.unmatched.append((name, problem))
            continue
        if sid != match.group("student_id"):
            summary.renamed_ids[match.group("student_id")] = sid
        if file != original:
            summary.renamed_files.append((sid, original, file))
        previous = placed.setdefault(sid, {}).get(file)
        if previous is not None:
            older, newer = sorted([previous, info], key=lambda i: (i.date_time, i.filename))
            summary.unmatched.append(
                (older.filename, f"superseded by a later upload for {sid}: {newer.filename}")
            )
            info = newer
        placed[sid][file] = info
    return placed


def _make_room(course, assignment_id, sid, dest: Path, files, force, stamp, summary) -> bool:
    """Whether ``dest`` may be written: empty, or backed up first when ``force``."""
    if not (dest.exists() and any(dest.iterdir())):
        return True
    if not force:
        summary.skipped_existing.append(sid)
        for info in files.values():
            summary.unmatched.append((info.filename, f"{sid} already has a submission (use force)"))
        return False
    backup = course.directory("submitted").parent / "submitted_backup" / stamp / sid / assignment_id
    backup.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(dest), str(backup))
    summary.backed_up.append(str(backup))
    return True


def _extract(zf, files: dict[str, zipfile.ZipInfo], dest: Path) -> None:
    """Write each member as a regular file (never a link) and record the latest upload time."""
    dest.mkdir(parents=True, exist_ok=True)
    latest = None
    for file, info in sorted(files.items()):
        target = dest / file
        if target.is_symlink():
            target.unlink()
        with zf.open(info) as src, open(target, "wb") as out:
            shutil.copyfileobj(src, out)
        when = _dt.datetime(*info.date_time)
        latest = when if latest is None else max(latest, when)
    if latest is not None:
        (dest / "timestamp.txt").write_text(latest.strftime("%Y-%m-%d %H:%M:%S.%f"), encoding="utf-8")
