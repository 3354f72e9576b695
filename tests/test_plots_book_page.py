"""The book page "Evaluation toolkit reference" shows every plot, with alt text, and executes quickly."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from mlhc_course import plots

PAGE = Path(__file__).resolve().parents[1] / "book" / "evaluation_toolkit.md"


def _notebook():
    from myst_nb.core.read import read_myst_markdown_notebook

    return read_myst_markdown_notebook(PAGE.read_text(encoding="utf-8"))


def test_page_is_in_the_toc(repo_root):
    import yaml

    toc = yaml.safe_load((repo_root / "_toc.yml").read_text())
    reference = next(part for part in toc["parts"] if part["caption"] == "Reference")
    assert {"file": "book/evaluation_toolkit"} in reference["chapters"]


def test_every_plot_function_has_a_figure_with_alt_text():
    nb = _notebook()
    assert nb.metadata["kernelspec"]["name"] == "python3"
    figure_cells = [c for c in nb.cells if c.cell_type == "code" and "plt.show()" in c.source]
    for cell in figure_cells:
        alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "")
        assert len(alt) > 40, f"figure cell without a useful alt text:\n{cell.source}"
    called = {name for c in figure_cells for name in re.findall(r"plots\.(plot_\w+)", c.source)}
    public = {name for name in plots.__all__ if name.startswith("plot_")}
    assert called == public, f"plot functions without a figure on the page: {public - called}"


def test_every_public_function_is_documented_on_the_page():
    from mlhc_course import audit, metrics, reporting, splits

    text = PAGE.read_text(encoding="utf-8")
    for module in (metrics, plots, splits, audit, reporting):
        for name in module.__all__:
            if name in {"UndefinedMetricWarning", "Split", "ModelCard", "TRIPOD_AI_ITEMS"}:
                continue
            assert f"{name}" in text, f"{module.__name__}.{name} is not shown on the reference page"


@pytest.mark.slow
def test_page_executes_well_under_a_minute(tmp_path, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel must draw inline figures
    nb = _notebook()
    start = time.perf_counter()
    NotebookClient(
        nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    assert time.perf_counter() - start < 45
    images = sum(
        1 for c in nb.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})
    )
    assert images == len([name for name in plots.__all__ if name.startswith("plot_")])  # one figure each
    stderr = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.get("name") == "stderr"]
    assert not stderr, f"the page writes to stderr (warnings?): {stderr[:1]}"
