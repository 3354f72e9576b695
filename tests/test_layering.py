"""Imports in mlhc_course point down the layers (see STYLE.md, "Our house in one picture").

cli -> grading, exercises -> metrics, splits -> plots, audit, reporting (which may use metrics)
-> datasets. A module may import its own package's private modules and any lower layer; never a
higher one, and never notebooks or tests.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "mlhc_course"

# Higher number = higher layer. A module may import only strictly lower layers (or itself).
LAYERS = {
    "_version": 0,
    "_validation": 0,
    "datasets": 1,
    "metrics": 2,
    "splits": 2,
    "imaging": 2,
    "modelling": 2,
    "survival": 2,
    "causal": 2,
    "text": 2,
    "plots": 3,
    "audit": 3,
    "reporting": 3,
    "exercises": 4,
    "grading": 4,
    "cli": 5,
}


def _package_parts(module_path: Path) -> list[str]:
    """The dotted package that contains ``module_path``, e.g. ["mlhc_course", "datasets"]."""
    rel = module_path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    # a package's __init__ is the package itself; a plain module lives in its parent package
    return parts[:-1]


def _imported_tops(tree: ast.AST, package: list[str]) -> set[str]:
    """The top-level mlhc_course modules (and notebooks/tests) that a module imports."""
    targets: list[list[str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets += [alias.name.split(".") for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            mod = (node.module or "").split(".") if node.module else []
            if mod:
                targets.append(base + mod)
            else:
                targets += [base + [alias.name] for alias in node.names]
    found = set()
    for t in targets:
        if t[0] in {"notebooks", "tests"}:
            found.add(t[0])
        elif t[0] == "mlhc_course" and len(t) > 1:
            found.add(t[1])
    return found


def _modules():
    return sorted(p for p in PACKAGE.rglob("*.py") if p != PACKAGE / "__init__.py")


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down(path):
    own = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
    assert own in LAYERS, f"{own} has no layer: add it to LAYERS in tests/test_layering.py and STYLE.md"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for imported in _imported_tops(tree, _package_parts(path)):
        assert imported not in {"notebooks", "tests"}, f"{path.name} imports {imported}"
        if imported == own:
            continue
        assert imported in LAYERS, f"{path.name} imports unknown module mlhc_course.{imported}"
        assert LAYERS[imported] < LAYERS[own], f"{own} (layer {LAYERS[own]}) imports upward: {imported}"


def test_layering_check_catches_an_upward_import():
    tree = ast.parse("from mlhc_course.grading import grade\nfrom ..cli import main\nfrom . import audit\n")
    # as if in mlhc_course/datasets/_base.py: `..cli` is mlhc_course.cli, `.audit` is datasets.audit
    assert _imported_tops(tree, ["mlhc_course", "datasets"]) == {"grading", "cli", "datasets"}
    # as if in mlhc_course/splits.py: `. audit` is mlhc_course.audit
    assert _imported_tops(ast.parse("from . import audit\n"), ["mlhc_course"]) == {"audit"}


# Inside the metrics package, by concern: the shared pieces, then intervals, then the metrics.
METRICS_LAYERS = {
    "_common": 0,
    "_intervals": 1,
    "_classification": 2,
    "_discrimination": 2,
    "_calibration": 2,
    "_utility": 2,
    "__init__": 3,
}


@pytest.mark.parametrize("name", sorted(METRICS_LAYERS))
def test_the_metrics_modules_import_down_within_the_package(name):
    assert sorted(p.stem for p in (PACKAGE / "metrics").glob("*.py")) == sorted(METRICS_LAYERS)
    tree = ast.parse((PACKAGE / "metrics" / f"{name}.py").read_text(encoding="utf-8"))
    siblings = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module in METRICS_LAYERS
    }
    for sibling in siblings:
        assert METRICS_LAYERS[sibling] < METRICS_LAYERS[name], f"metrics.{name} imports metrics.{sibling}"
