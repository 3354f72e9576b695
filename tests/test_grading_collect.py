"""Collecting LMS zips: ids from file names, Unicode and spaces, nothing silently dropped, nothing destroyed."""

from __future__ import annotations

import zipfile

import pytest
from grading_fixtures import make_course

A = "ps0_test_accuracy"


@pytest.fixture
def course(tmp_path):
    return make_course(tmp_path / "course", [A], release=False)


def _zip(path, members):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_canvas_names_with_unicode_spaces_and_resubmissions(course, tmp_path):
    from mlhc_course.grading import collect_submissions

    archive = _zip(
        tmp_path / "canvas.zip",
        {
            f"doe_jane_12345_{A}.ipynb": "{}",
            f"müller_josé_late_23456_987654_{A}.ipynb": "{}",
            f"o'brien_sean_34567_111_{A}-1.ipynb": "new",
            f"o'brien_sean_34567_110_{A}.ipynb": "old",
            "van der berg_anna_45678_data.csv": "a,b\n1,2\n",
            "README.txt": "instructions",
            "__MACOSX/._something": "junk",
        },
    )
    summary = collect_submissions(course, A, archive)
    assert set(summary.collected) == {"12345", "23456", "34567", "45678"}
    assert (course.path("submitted", A, "23456") / f"{A}.ipynb").is_file()
    assert (course.path("submitted", A, "45678") / "data.csv").read_text() == "a,b\n1,2\n"
    kept = (course.path("submitted", A, "34567") / f"{A}.ipynb").read_text()
    assert kept in {"new", "old"}
    unmatched = dict(summary.unmatched)
    assert unmatched["README.txt"] == "matches no student-id pattern"
    assert "operating-system metadata" in unmatched["__MACOSX/._something"]
    assert any("superseded" in reason for reason in unmatched.values())
    # nothing vanished: every member is either collected or listed
    collected_files = sum(len(v) for v in summary.collected.values())
    assert collected_files + len(summary.unmatched) == 7
    assert "NOT collected" in str(summary) and "README.txt" in str(summary)


def test_moodle_folders_and_custom_pattern(course, tmp_path):
    from mlhc_course.grading import collect_submissions

    archive = _zip(
        tmp_path / "moodle.zip",
        {
            f"Zoë Ångström_5551_assignsubmission_file_/{A}.ipynb": "{}",
            f"Li Wei_5552_assignsubmission_file_/sub dir/{A} (1).ipynb": "{}",
        },
    )
    summary = collect_submissions(course, A, archive)
    assert set(summary.collected) == {"5551", "5552"}
    assert (course.path("submitted", A, "5552") / f"{A}.ipynb").is_file()

    archive = _zip(tmp_path / "custom.zip", {f"Élodie Dupont - {A}.ipynb": "{}", "stray.ipynb": "{}"})
    summary = collect_submissions(course, A, archive, pattern=r"^(?P<student_id>[^-]+?) - (?P<file>.+)$")
    assert set(summary.collected) == {"Élodie_Dupont"}
    assert summary.renamed_ids == {"Élodie Dupont": "Élodie_Dupont"}
    assert [name for name, _ in summary.unmatched] == ["stray.ipynb"]


def test_existing_submissions_are_kept_or_backed_up(course, tmp_path):
    from mlhc_course.grading import collect_submissions

    folder = course.path("submitted", A, "12345")
    folder.mkdir(parents=True)
    (folder / f"{A}.ipynb").write_text("original")
    archive = _zip(tmp_path / "a.zip", {f"doe_jane_12345_{A}.ipynb": "replacement"})

    summary = collect_submissions(course, A, archive)
    assert summary.skipped_existing == ["12345"]
    assert (folder / f"{A}.ipynb").read_text() == "original"
    assert summary.unmatched and "already has a submission" in summary.unmatched[0][1]

    summary = collect_submissions(course, A, archive, force=True)
    assert (folder / f"{A}.ipynb").read_text() == "replacement"
    [backup] = summary.backed_up
    assert (course.root / backup / f"{A}.ipynb").read_text() == "original"


def test_bad_arguments_raise_value_error(course, tmp_path):
    from mlhc_course.grading import collect_submissions

    not_zip = tmp_path / "x.zip"
    not_zip.write_text("nope")
    with pytest.raises(ValueError, match="'archive'"):
        collect_submissions(course, A, not_zip)
    archive = _zip(tmp_path / "a.zip", {"a.ipynb": "{}"})
    with pytest.raises(ValueError, match="student_id"):
        collect_submissions(course, A, archive, pattern=r"(?P<name>.+)")
    with pytest.raises(ValueError, match="Unknown assignment"):
        collect_submissions(course, "ps9_nope", archive)
