"""pyproject.toml declares every third-party package the code imports, in the right extra (issue 10).

- the library (``mlhc_course`` without its grading pipeline) and every notebook a learner runs may
  import only the learner install (``dependencies``);
- the grading pipeline and ``mlhc assign`` may also import ``[instructor]``;
- tests and benchmarks may import any extra.

Import names are mapped to distributions with :func:`importlib.metadata.packages_distributions`,
so this test needs the full contributor install (``make setup``).
"""

from __future__ import annotations

import ast
import functools
import json
import re
import sys
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
#: Packages a learner's `pip install .` must not pull in, directly or transitively.
NOT_FOR_LEARNERS = {"jupyter-book", "nbgrader", "psycopg", "psycopg-binary", "sphinx"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared(*extras: str) -> set[str]:
    reqs = list(PYPROJECT["dependencies"])
    for extra in extras:
        reqs += PYPROJECT["optional-dependencies"][extra]
    return {_norm(Requirement(r).name) for r in reqs}


def _imports_of_source(source: str) -> set[str]:
    tops = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            tops |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            tops.add(node.module.split(".")[0])
    return tops


def _imports_of_notebook(path: Path) -> set[str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    # IPython's own transformer turns magics (`%pip install ...`, also inside an `if`) into Python
    from IPython.core.inputtransformer2 import TransformerManager

    transform = TransformerManager().transform_cell
    code = [transform("".join(cell["source"])) for cell in nb["cells"] if cell["cell_type"] == "code"]
    return _imports_of_source("\n".join(code))


LOCAL = (
    {"mlhc_course"}
    | {p.stem for p in (REPO / "tests").glob("*.py")}
    | {p.stem for p in (REPO / "benchmarks").glob("*.py")}
)


def _third_party(names: set[str]) -> set[str]:
    return {n for n in names if n not in sys.stdlib_module_names and n not in LOCAL and n != "__future__"}


@functools.cache
def _packages_distributions() -> dict[str, list[str]]:
    return metadata.packages_distributions()


def _distributions(import_name: str) -> set[str]:
    dists = _packages_distributions().get(import_name)
    assert dists, (
        f"No installed distribution provides the import {import_name!r}: declare it in pyproject.toml "
        "and install it (make setup)."
    )
    return {_norm(d) for d in dists}


def _files(*patterns: str, exclude: tuple[str, ...] = ()) -> list[Path]:
    found = {p for pattern in patterns for p in REPO.glob(pattern)}
    return sorted(p for p in found if not any(part in str(p.relative_to(REPO)) for part in exclude))


GROUPS = {
    "library (learner install)": (
        _files("mlhc_course/**/*.py", exclude=("mlhc_course/grading", "mlhc_course/cli/assign.py")),
        (),
    ),
    "grading and mlhc assign (+[instructor])": (
        _files("mlhc_course/grading/*.py", "mlhc_course/cli/assign.py"),
        ("instructor",),
    ),
    "tests and benchmarks (+all extras)": (
        _files("tests/*.py", "benchmarks/*.py", "nbgrader_config.py"),
        ("book", "instructor", "dev"),
    ),
    "notebooks (learner install)": (_files("notebooks/**/*.ipynb", exclude=(".ipynb_checkpoints",)), ()),
}


@pytest.mark.parametrize("group", GROUPS)
def test_every_imported_third_party_package_is_declared(group):
    files, extras = GROUPS[group]
    assert files
    declared = _declared(*extras)
    missing = {}
    for path in files:
        if path.suffix == ".ipynb":
            names = _imports_of_notebook(path)
        else:
            names = _imports_of_source(path.read_text(encoding="utf-8"))
        for name in _third_party(names):
            if not _distributions(name) & declared:
                missing.setdefault(name, []).append(str(path.relative_to(REPO)))
    where = "dependencies" if not extras else f"dependencies or the extras {list(extras)}"
    assert not missing, f"Imported but not declared in pyproject.toml {where}: {missing}"


def test_the_check_catches_an_undeclared_import():
    names = _third_party(_imports_of_source("import os\nimport yaml\nfrom mlhc_course import metrics\n"))
    assert names == {"yaml"}
    assert not _distributions("yaml") & _declared()  # PyYAML is a test dependency, not a learner one


def _requires(dist: str) -> list[Requirement]:
    try:
        raw = metadata.requires(dist) or []
    except metadata.PackageNotFoundError:
        return []
    reqs = [Requirement(r) for r in raw]
    return [r for r in reqs if r.marker is None or r.marker.evaluate({"extra": ""})]


def test_a_learner_install_pulls_no_book_or_grading_tools():
    # Walk the installed requirement graph from the learner dependencies (extras not taken).
    seen: set[str] = set()
    todo = [Requirement(r) for r in PYPROJECT["dependencies"]]
    while todo:
        req = todo.pop()
        name = _norm(req.name)
        if name in seen:
            continue
        seen.add(name)
        todo += _requires(name)
    assert {"jupyterlab", "ipywidgets", "scikit-learn"} <= seen
    assert not seen & NOT_FOR_LEARNERS, f"The learner install pulls {sorted(seen & NOT_FOR_LEARNERS)}"


def test_the_minimum_constraints_pin_every_lower_bound():
    pins = {}
    for line in (REPO / "constraints" / "minimums.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[_norm(name)] = version
    for raw in PYPROJECT["dependencies"] + PYPROJECT["optional-dependencies"]["dev"]:
        req = Requirement(raw)
        lower = [s.version for s in req.specifier if s.operator == ">="]
        if lower and _norm(req.name) not in {"nbmake", "ruff"}:  # lint/notebook runners: not imported
            assert _norm(req.name) in pins, f"{req.name} has no pin in constraints/minimums.txt"
            assert pins[_norm(req.name)] == lower[0] or pins[_norm(req.name)].startswith(lower[0] + "."), (
                f"{req.name}: pyproject says >={lower[0]}, constraints/minimums.txt pins {pins[_norm(req.name)]}"
            )
    # and nothing else: a pin of a package pyproject no longer declares is a stale lower bound
    stale = set(pins) - _declared("dev")
    assert not stale, f"constraints/minimums.txt pins {sorted(stale)}, which pyproject.toml does not declare"


def test_requires_python_is_what_make_test_min_tests():
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert PYPROJECT["requires-python"] == ">=3.11"
    assert "versions/3.11." in makefile and "python3.11" in makefile


def test_pandas_3_is_allowed():
    """lifelines caps pandas<3 (lifelines#1685); we do not: `make test-pandas3` runs everything on pandas 3."""
    (pandas,) = [Requirement(r) for r in PYPROJECT["dependencies"] if _norm(Requirement(r).name) == "pandas"]
    assert pandas.specifier.contains("3.0.0") and pandas.specifier.contains("3.1.1"), str(pandas)
