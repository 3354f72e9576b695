"""The course directory: nbgrader's configuration, built programmatically.

Everything the pipeline does happens in one course directory, exactly as nbgrader lays it out
(``{root}/{nbgrader_step}/{student_id}/{assignment_id}/{notebook_id}.ipynb``). If the directory holds a
``nbgrader_config.py`` (the repository root does), it is loaded like nbgrader itself would; otherwise
nbgrader's defaults apply (``source/``, ``release/``, ``submitted/``, ... and ``gradebook.db`` under the
root). The pipeline then adds its own preprocessors on top of that configuration.
"""

from __future__ import annotations

import os
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: The file nbgrader reads from the course root.
CONFIG_FILENAME = "nbgrader_config.py"


def _ensure_env_bin_on_path() -> None:
    # nbgrader's Gradebook runs `alembic` by name and nbclient starts kernels by name: the
    # environment's bin/ must be on PATH even when nbgrader is driven from Python.
    # absolute (a relative bin/ breaks once the cwd changes) but not resolved (that would leave the venv)
    env_bin = os.path.dirname(os.path.abspath(sys.executable))
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if env_bin not in parts:
        os.environ["PATH"] = os.pathsep.join([env_bin, *[p for p in parts if p]])


@dataclass
class Course:
    """An nbgrader course directory and its configuration.

    Build one with :func:`open_course`; the attributes are read-only by convention.

    Attributes
    ----------
    root : Path
        The course root.
    config : traitlets.config.Config
        The nbgrader configuration (the course's file plus the command-line overrides).
    coursedir : nbgrader.coursedir.CourseDirectory
        nbgrader's view of the directories.
    """

    root: Path
    config: Any
    coursedir: Any

    @property
    def db_url(self) -> str:
        """The gradebook's SQLAlchemy URL."""
        return self.coursedir.db_url

    @property
    def course_id(self) -> str:
        """The nbgrader course id."""
        return self.coursedir.course_id

    def directory(self, step: str) -> Path:
        """Absolute path of one nbgrader step (``"source"``, ``"release"``, ``"submitted"``, ...)."""
        name = getattr(self.coursedir, f"{step}_directory")
        return Path(self.coursedir.root, name)

    def path(self, step: str, assignment_id: str, student_id: str = ".") -> Path:
        """Absolute path of ``{step}/{student_id}/{assignment_id}`` in nbgrader's layout."""
        name = getattr(self.coursedir, f"{step}_directory")
        return Path(os.path.normpath(self.coursedir.format_path(name, student_id, assignment_id)))

    def source_assignments(self) -> list[str]:
        """The assignment ids that have a folder of source notebooks, sorted."""
        source = self.directory("source")
        if not source.is_dir():
            return []
        return sorted(p.name for p in source.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))

    def notebook_ids(self, assignment_id: str) -> list[str]:
        """The notebook names (without ``.ipynb``) of an assignment's source, sorted."""
        folder = self.path("source", assignment_id)
        return sorted(p.stem for p in folder.glob("*.ipynb"))

    def check_assignment(self, assignment_id: str) -> None:
        """Raise ``ValueError`` naming the valid ids if the assignment has no source notebooks."""
        valid = self.source_assignments()
        if assignment_id not in valid:
            raise ValueError(
                f"Unknown assignment {assignment_id!r}: no source notebooks in "
                f"{self.path('source', assignment_id)}. Valid assignments: {', '.join(valid) or '(none)'}."
            )

    def run_converter(
        self, converter: str, assignment_id: str, student_id: str = "*", *, config=None, **attrs
    ):
        """Run one of nbgrader's converters as ``NbGraderAPI`` does, and return its captured result.

        Parameters
        ----------
        converter : str
            A class name in ``nbgrader.converters`` (``"GenerateAssignment"``, ``"Autograde"``,
            ``"GenerateFeedback"``).
        assignment_id, student_id : str
            What to convert (``"*"`` for every student).
        config : traitlets.config.Config, default=None
            A configuration to use instead of the course's.
        **attrs
            Converter attributes to set, e.g. ``force=True``.

        Returns
        -------
        dict
            ``{"success": bool, "log": str, "error": str}`` (``nbgrader.utils.capture_log``).
        """
        from nbgrader import converters
        from nbgrader.coursedir import CourseDirectory
        from nbgrader.utils import capture_log
        from sqlalchemy.exc import SAWarning

        config = self.config if config is None else config
        coursedir = CourseDirectory(config=config)
        coursedir.assignment_id = assignment_id
        coursedir.student_id = student_id
        app = getattr(converters, converter)(coursedir=coursedir, config=config)
        for key, value in attrs.items():
            setattr(app, key, value)
        with warnings.catch_warnings():
            # nbgrader's gradebook code triggers SQLAlchemy autoflush warnings that mean nothing here
            warnings.simplefilter("ignore", SAWarning)
            return capture_log(app)

    def gradebook(self):
        """Open nbgrader's ``Gradebook`` on this course's database (use it as a context manager)."""
        from nbgrader.api import Gradebook

        return Gradebook(self.db_url, self.course_id)


def open_course(course_dir: str | os.PathLike | None = None, *, db_url: str | None = None) -> Course:
    """Open an nbgrader course directory.

    Parameters
    ----------
    course_dir : path-like, default=None
        The course root. ``None`` means the current working directory. If it holds an
        ``nbgrader_config.py``, that file is loaded; otherwise nbgrader's default layout is used.
    db_url : str, default=None
        Any SQLAlchemy URL for the gradebook (``postgresql+psycopg://user@host/db`` for a large
        class). ``None`` keeps the configured one, by default ``sqlite:///{root}/gradebook.db``.

    Returns
    -------
    Course
        The course, with its nbgrader configuration.

    Raises
    ------
    ValueError
        If ``course_dir`` is not a directory.

    Examples
    --------
    >>> import tempfile
    >>> course = open_course(tempfile.mkdtemp())
    >>> course.db_url.startswith("sqlite:///")
    True
    """
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    _ensure_env_bin_on_path()
    root = Path(course_dir if course_dir is not None else os.getcwd()).resolve()
    if not root.is_dir():
        raise ValueError(
            f"The 'course_dir' parameter must be an existing directory. Got {str(root)!r} instead."
        )
    config = Config()
    config_file = root / CONFIG_FILENAME
    if config_file.is_file():
        config.merge(PyFileConfigLoader(CONFIG_FILENAME, path=str(root)).load_config())
    if "root" not in config.CourseDirectory:
        config.CourseDirectory.root = str(root)
    if not config.CourseDirectory.get("course_id"):
        config.CourseDirectory.course_id = "mlhc"
    if db_url is not None:
        if "://" not in db_url:
            raise ValueError(
                f"The 'db_url' parameter must be a SQLAlchemy URL such as 'sqlite:///gradebook.db' or "
                f"'postgresql+psycopg://user@host/db'. Got {db_url!r} instead."
            )
        config.CourseDirectory.db_url = db_url
    coursedir = CourseDirectory(config=config)
    _ensure_sqlite_folder(coursedir.db_url)
    return Course(root=Path(coursedir.root), config=config, coursedir=coursedir)


def _ensure_sqlite_folder(db_url: str) -> None:
    # SQLite creates the database file but not its folder: on a fresh checkout the repository's
    # gradebook lives in course/, which does not exist until something is generated there.
    from sqlalchemy.engine import make_url

    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
