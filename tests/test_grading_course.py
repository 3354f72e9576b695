"""Opening a course: configuration, and a gradebook that works on a fresh checkout."""

from __future__ import annotations

import pytest

from mlhc_course.grading import open_course


def test_sqlite_gradebook_folder_is_created(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.db_url = 'sqlite:///{tmp_path}/course/sub/gradebook.db'\n"
    )
    course = open_course(tmp_path)
    assert (tmp_path / "course" / "sub").is_dir()
    with course.gradebook() as gb:
        gb.add_student("alice")
        assert [s.id for s in gb.students] == ["alice"]


def test_bad_course_dir_and_db_url_are_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="course_dir"):
        open_course(tmp_path / "missing")
    with pytest.raises(ValueError, match="db_url"):
        open_course(tmp_path, db_url="gradebook.db")


def test_report_median_is_right_for_even_and_odd_counts():
    # issue 8: the report took values[n // 2], which is the upper middle value for even n
    from mlhc_course.grading._report import _median

    assert _median([4.0, 1.0, 3.0, 2.0]) == 2.5
    assert _median([3.0, 1.0, 2.0]) == 2.0
    assert _median([]) == 0.0
    assert sorted([4.0, 1.0, 3.0, 2.0])[4 // 2] == 3.0  # control: the old formula
