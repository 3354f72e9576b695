"""The course website builds with no warnings, and publishes no solution or hidden-test text."""

from __future__ import annotations

import html
import os
import re

import pytest

from conftest import build_book, toc_files
from notebook_sources import assignment_sources, find_leaks, secret_lines, unpublished

pytestmark = pytest.mark.slow


def test_every_toc_page_is_built(built_site, repo_root):
    for page in toc_files(repo_root):
        assert (built_site / f"{page}.html").is_file(), f"{page} is in _toc.yml but was not built"
    assert (built_site / "index.html").is_file()


def test_lesson_pages_were_executed(built_site):
    html = (built_site / "notebooks" / "01_test_accuracy.html").read_text(encoding="utf-8")
    assert "<img" in html, "the lesson's figures are missing: was the notebook executed?"
    assert "sensitivity" in html


def test_site_publishes_no_solutions_or_hidden_tests(built_site):
    secrets: set[str] = set()
    for source in assignment_sources():
        secrets |= secret_lines(source)
    assert secrets, "the source assignments should contain solution text to look for"
    secrets = unpublished(secrets)  # taught in a lesson, in whole or in part: not a secret
    leaks = {}
    for path in built_site.rglob("*"):
        if path.is_file() and path.suffix in {".html", ".ipynb", ".md", ".txt", ".js", ".json", ".py"}:
            # every file is searched for solution lines; notebook pages also for nbgrader's delimiters
            # (prose pages such as the instructor guide may name them)
            is_notebook = path.suffix == ".ipynb" or "notebooks" in path.relative_to(built_site).parts
            # unescaped, so that `"PPV": tp / (tp + fp)` is found in HTML as `&quot;PPV&quot;: ...`
            text = html.unescape(path.read_text(encoding="utf-8", errors="replace"))
            found = find_leaks(text, secrets, markers=is_notebook)
            if found:
                leaks[str(path.relative_to(built_site))] = found[:3]
    assert not leaks, f"the built site leaks solution or hidden-test text: {leaks}"


def test_assignment_sources_are_never_in_the_toc(repo_root):
    assert not [f for f in toc_files(repo_root) if f.startswith("notebooks/assignments")]


def test_exercise_numbers_match_the_self_check_ids(built_site):
    """Exercise K of a lesson is the one labelled (and self-checked as) lNN_exK_..."""
    checked = 0
    for page in sorted((built_site / "notebooks").glob("*.html")):
        text = page.read_text(encoding="utf-8")
        for label, body in re.findall(
            r'class="exercise admonition" id="(l\d\d_ex\d+_\w+)">(.{0,600})', text, re.S
        ):
            number = int(re.match(r"l\d\d_ex(\d+)_", label)[1])
            title = re.sub(r"<[^>]+>", "", body).strip()
            assert title.startswith(f"Exercise {number}"), f"{page.name}: {label} is titled {title[:40]!r}"
            checked += 1
    assert checked >= 5


def test_no_print_dialog_posing_as_a_pdf(built_site):
    for page in built_site.rglob("*.html"):
        assert "download-pdf-button" not in page.read_text(encoding="utf-8"), page


def test_every_problem_set_is_shown_as_released_with_a_download_link(built_site, repo_root):
    sources = assignment_sources()
    assert sources
    pages = set(toc_files(repo_root))
    for source in sources:
        doc = f"book/assignments/{source.stem}"
        assert doc in pages, f"{source.stem} has no page on the site: add `- file: {doc}` to _toc.yml"
        page = (built_site / f"{doc}.html").read_text(encoding="utf-8")
        links = re.findall(r'href="([^"]*_downloads/[^"]*\.ipynb)"', page)
        assert links, f"{doc}: no download link to the released notebook"
        downloaded = (built_site / "book" / "assignments" / links[0]).resolve()
        assert downloaded.is_file(), f"{doc}: the download link points to a missing file"
        leaks = find_leaks(downloaded.read_text(encoding="utf-8"), secret_lines(source))
        assert not leaks, f"{doc}: the download holds solution or hidden-test text: {leaks[:3]}"
        assert "NotImplementedError" in downloaded.read_text(encoding="utf-8"), "not the student version"


def test_the_references_page_links_every_doi_and_lessons_cite_it(built_site, repo_root):
    """The bibliography page shows each entry's DOI as a link; the lessons' {cite} and {term} roles
    render as links (a role the build did not understand would show as raw text)."""
    bib = (repo_root / "book" / "references.bib").read_text(encoding="utf-8")
    dois = re.findall(r"^\s*doi = \{(.+)\},$", bib, re.M)
    assert len(dois) > 50, "book/references.bib lost its DOIs"
    page = html.unescape((built_site / "book" / "references.html").read_text(encoding="utf-8"))
    missing = [doi for doi in dois if f'href="https://doi.org/{doi}"' not in page]
    assert not missing, f"the References page does not link these DOIs: {missing[:5]}"
    for lesson in sorted((built_site / "notebooks").glob("[0-9][0-9]_*.html")):
        text = lesson.read_text(encoding="utf-8")
        assert "{cite}" not in text and "{term}" not in text, f"{lesson.name}: a role rendered as raw text"
        assert 'href="../book/references.html#' in text, (
            f"{lesson.name}: no citation links to the References page"
        )
        assert 'href="../book/glossary.html#term-' in text, f"{lesson.name}: no link to a glossary term"


def test_a_rebuild_with_no_change_reads_executes_and_writes_nothing(built_site, repo_root):
    """The environment and the execution cache survive a rebuild (benchmarks/bench_book.py times it)."""
    if os.environ.get("MLHC_TEST_BUILT_SITE"):
        pytest.skip("MLHC_TEST_BUILT_SITE reuses a build that may predate the working tree")
    pages = {p: p.stat().st_mtime_ns for p in built_site.rglob("*.html")}
    proc = build_book(repo_root, built_site.parents[1])
    log = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout + proc.stderr)
    assert proc.returncode == 0, f"the rebuild failed:\n{log[-8000:]}"
    assert "updating environment: 0 added, 0 changed, 0 removed" in log, log[-8000:]
    assert "Executing notebook" not in log, log[-8000:]
    assert "no targets are out of date" in log, log[-8000:]
    assert {p: p.stat().st_mtime_ns for p in built_site.rglob("*.html")} == pages
