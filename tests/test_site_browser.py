"""The course website, read as a reader reads it: in a real browser, with the network cut off.

Debian's Chromium (installed by ``scripts/install_system_deps.sh``; no browser is downloaded) is
driven by Playwright for Python. The built site is served on 127.0.0.1; every request to any other
host is aborted and recorded, so a page that needs the internet (a CDN script, a web font) fails.
Under ``CI=true`` a missing Chromium is a failure, not a skip.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from conftest import toc_files
from notebook_sources import assignment_sources, secret_lines, unpublished

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Flags for a quiet, offline, root-friendly headless Chromium (see env notes): no background
# connections, no component updates, no sandbox (the tests run as root in CI).
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
PAGE_TIMEOUT_MS = 60_000  # generous: the CI machine is shared


def _require_browser():
    reason = "Chromium is not installed: run scripts/install_system_deps.sh (apt-get install chromium)"
    if CHROMIUM is None:
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return pytest.importorskip("playwright.sync_api", reason="pip install playwright (the [dev] extra)")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


@pytest.fixture(scope="module")
def site_url(built_site: Path) -> Iterator[str]:
    """The built site, served on 127.0.0.1 by the standard library's HTTP server."""
    handler = functools.partial(_QuietHandler, directory=str(built_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser_page(site_url):
    """A Chromium page whose requests to anything but the local site are aborted and recorded."""
    sync_api = _require_browser()
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        page.offsite_requests = []  # what the site tried to fetch from elsewhere
        page.console_errors = []

        def route(r):
            if urlparse(r.request.url).netloc == urlparse(site_url).netloc:
                r.continue_()
            else:
                page.offsite_requests.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
        page.on("pageerror", lambda e: page.console_errors.append(str(e)))
        yield page
        browser.close()


def _open(page, url: str) -> None:
    page.console_errors.clear()
    page.offsite_requests.clear()
    page.goto(url, wait_until="load")
    # MathJax typesets after load; wait until it has finished (pages without math have no MathJax)
    page.wait_for_function("() => !window.MathJax || (MathJax.startup && MathJax.startup.promise)")
    page.evaluate("() => window.MathJax && MathJax.startup && MathJax.startup.promise")


def _main_text(page) -> str:
    return page.evaluate("() => (document.querySelector('main') || document.body).innerText")


def test_every_page_loads_offline_with_its_title_images_and_rendered_math(browser_page, site_url, repo_root):
    page = browser_page
    problems: dict[str, list[str]] = {}
    for doc in toc_files(repo_root):
        _open(page, f"{site_url}/{doc}.html")
        found = []
        h1 = page.locator("main h1").first
        if not h1.count() or not h1.inner_text().strip():
            found.append("no <h1> title")
        elif h1.inner_text().strip().rstrip("#").strip()[:20] not in page.title():
            found.append(f"the browser title {page.title()!r} does not name the page")
        broken = page.evaluate(
            "() => [...document.images].filter(i => !(i.complete && i.naturalWidth > 0))"
            ".map(i => i.getAttribute('src'))"
        )
        if broken:
            found.append(f"images that did not load: {broken[:3]}")
        n_math = page.locator("main .math").count()
        n_rendered = page.locator("main mjx-container").count()
        if n_math and n_rendered < n_math:
            found.append(f"{n_math - n_rendered} of {n_math} formulas not rendered by MathJax")
        text = _main_text(page)
        raw = [d for d in ("\\(", "\\[", "$$") if d in text]
        if raw:
            found.append(f"raw LaTeX delimiters in the text: {raw}")
        if page.console_errors:
            found.append(f"console errors: {page.console_errors[:3]}")
        if page.offsite_requests:
            found.append(f"tried to reach the internet: {page.offsite_requests[:3]}")
        if found:
            problems[doc] = found
    assert not problems, f"pages a reader would find broken: {problems}"


_A11Y = """() => {
  const main = document.querySelector('main') || document.body;
  const levels = [...main.querySelectorAll('h1, h2, h3, h4, h5, h6')]
    .filter(h => h.offsetParent !== null)  // print-only copies of the title are hidden
    .map(h => [Number(h.tagName[1]), h.innerText.trim().slice(0, 40)]);
  const undescribed = [...main.querySelectorAll('img')]
    .filter(i => (i.getAttribute('alt') || '').trim().length < 5)
    .map(i => i.getAttribute('src'));
  return {levels, undescribed};
}"""


def test_pages_have_ordered_headings_and_described_images(browser_page, site_url, repo_root):
    """Screen-reader basics: one h1 first, no skipped heading level, and alt text on every image."""
    page = browser_page
    problems = {}
    for doc in toc_files(repo_root):
        _open(page, f"{site_url}/{doc}.html")
        found = page.evaluate(_A11Y)
        levels = [level for level, _ in found["levels"]]
        issues = []
        if not levels or levels[0] != 1 or levels.count(1) != 1:
            issues.append(f"needs exactly one h1, first: {found['levels'][:3]}")
        skips = [found["levels"][i] for i in range(1, len(levels)) if levels[i] > levels[i - 1] + 1]
        if skips:
            issues.append(f"heading levels skipped at {skips[:3]}")
        if found["undescribed"]:
            issues.append(f"images without alt text: {found['undescribed'][:3]}")
        if issues:
            problems[doc] = issues
    assert not problems, f"accessibility problems: {problems}"


# axe-core rules left at "moderate" or "minor" impact that the course cannot fix in its own pages: the
# theme's sidebar outside a landmark ("region"), and pandas' empty top-left header cell of a table
# ("empty-table-header"). Anything serious or critical fails the test.
_AXE_FAILING_IMPACTS = ("serious", "critical")


def test_axe_core_finds_no_serious_accessibility_violations(browser_page, site_url, repo_root):
    """axe-core (WCAG 2 A/AA rules, colour contrast included) on every page of the table of contents."""
    axe = pytest.importorskip("axe_playwright_python.sync_playwright", reason="the [dev] extra").Axe()
    page = browser_page
    problems = {}
    for doc in toc_files(repo_root):
        _open(page, f"{site_url}/{doc}.html")
        violations = axe.run(page).response["violations"]
        bad = [
            (v["id"], v["impact"], len(v["nodes"])) for v in violations if v["impact"] in _AXE_FAILING_IMPACTS
        ]
        if bad:
            problems[doc] = bad
    assert not problems, f"axe-core violations (rule, impact, elements): {problems}"


def test_the_site_serves_mathjax_itself(built_site):
    assert (built_site / "_static" / "mathjax" / "tex-chtml.js").is_file()
    lesson = (built_site / "notebooks" / "06_calibration_decision_curves.html").read_text(encoding="utf-8")
    assert "_static/mathjax/tex-chtml.js" in lesson and "cdn.jsdelivr.net" not in lesson


def test_next_and_previous_walk_the_whole_book_in_order(browser_page, site_url, repo_root):
    page = browser_page
    expected = [f"{site_url}/{doc}.html" for doc in toc_files(repo_root)]
    _open(page, f"{site_url}/index.html")  # the site's front door leads to the first page
    page.wait_for_url(expected[0])
    visited = [page.url.split("#")[0]]
    while len(visited) < len(expected) + 2:
        nxt = page.locator("a.right-next")
        if not nxt.count():
            break
        nxt.first.click()
        page.wait_for_load_state("load")
        visited.append(page.url.split("#")[0])
    assert visited == expected, "the 'Next' links do not walk the table of contents in order"
    back = [visited[-1]]
    while page.locator("a.left-prev").count():
        page.locator("a.left-prev").first.click()
        page.wait_for_load_state("load")
        back.append(page.url.split("#")[0])
        if len(back) > len(expected) + 2:
            break
    assert back[::-1][-len(expected) :] == expected, "'Previous' does not walk back in order"


def test_searching_calibration_finds_the_calibration_lesson_with_a_snippet(browser_page, site_url):
    page = browser_page
    _open(page, f"{site_url}/search.html?q=calibration")
    page.wait_for_selector("#search-results ul.search li")
    hits = page.locator("#search-results ul.search li")
    lesson = hits.filter(has=page.locator("a[href*='06_calibration_decision_curves']"))
    assert lesson.count() >= 1, "searching 'calibration' does not find the calibration lesson"
    page.wait_for_function(
        "() => [...document.querySelectorAll('#search-results li p.context')]"
        ".some(p => p.innerText.trim().length > 20)"
    )
    snippet = lesson.first.locator("p.context")
    assert snippet.count() and "calibrat" in snippet.first.inner_text().lower(), "the hit has no snippet"


_OVERFLOWING = """() => [...document.querySelectorAll('main pre, main table, main .cell_output, main .output')]
  .filter(e => e.scrollWidth > e.clientWidth + 1)
  .filter(e => {
    for (let p = e; p && p !== document.body; p = p.parentElement) {
      const x = getComputedStyle(p).overflowX;
      if (x === 'auto' || x === 'scroll') return false;   // scrolls: the reader can reach the end
      if (x === 'hidden' || x === 'clip') return true;    // cut off
    }
    return true;                                          // spills over the page
  })
  .map(e => e.tagName + ' ' + e.innerText.slice(0, 40))"""


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_wide_tables_and_long_code_lines_scroll_rather_than_clip(browser_page, site_url, repo_root, width):
    page = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    clipped = {}
    try:
        for doc in toc_files(repo_root):
            _open(page, f"{site_url}/{doc}.html")
            found = page.evaluate(_OVERFLOWING)
            if found:
                clipped[doc] = found[:3]
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})
    assert not clipped, f"content cut off at {width} px wide: {clipped}"
    scrollbar = page.evaluate(
        "() => getComputedStyle(document.querySelector('main div.highlight pre') || document.body).scrollbarWidth"
    )
    assert scrollbar in ("thin", "auto"), "course.css (visible scrollbars) is not loaded"


def test_a_glossary_term_is_found_once_with_a_snippet(browser_page, site_url):
    page = browser_page
    _open(page, f"{site_url}/search.html?q=specificity")
    page.wait_for_selector("#search-results ul.search li")
    page.wait_for_timeout(1_000)  # results are appended progressively
    glossary = page.locator("#search-results ul.search li").filter(has=page.locator("a[href*='glossary']"))
    assert glossary.count() == 1, "the glossary is listed more than once for one term"
    assert "TN / (TN + FP)" in glossary.first.inner_text()


def test_a_solution_dropdown_opens_on_click(browser_page, site_url, repo_root):
    page = browser_page
    lessons = [d for d in toc_files(repo_root) if d.startswith("notebooks/")]
    for doc in lessons:
        _open(page, f"{site_url}/{doc}.html")
        dropdowns = page.locator("main .solution.dropdown")
        if dropdowns.count():
            break
    else:
        pytest.fail("no lesson has a revealable solution (a {solution} block with :class: dropdown)")
    body = dropdowns.first.locator(".admonition-title ~ *").first
    assert not body.is_visible(), "the solution should be hidden until the reader asks for it"
    # the toggle button: the title's centre is the link to the exercise, which scrolls instead
    toggle = dropdowns.first.locator("button.toggle-button")
    (toggle.first if toggle.count() else dropdowns.first.locator(".admonition-title").first).click()
    body.wait_for(state="visible")


def test_launch_buttons_open_the_lesson_notebook(browser_page, site_url):
    page = browser_page
    doc = "notebooks/06_calibration_decision_curves"
    _open(page, f"{site_url}/{doc}.html")
    hrefs = page.evaluate("() => [...document.querySelectorAll('a')].map(a => a.href)")
    colab = [h for h in hrefs if "colab.research.google.com" in h]
    binder = [h for h in hrefs if "mybinder.org" in h]
    assert colab and all(h.endswith(f"{doc}.ipynb") for h in colab), colab
    assert binder and any(f"{doc}.ipynb" in h for h in binder), binder
    assert any("/edit/" in h and h.endswith(f"{doc}.ipynb") for h in hrefs), "no 'edit this page' link"
    assert any(h.rstrip("/").endswith("/issues/new") or "/issues/new?" in h for h in hrefs), "no 'open issue'"


def test_no_page_shows_solution_or_hidden_test_text(browser_page, site_url, repo_root):
    secrets: set[str] = set()
    for source in assignment_sources():
        secrets |= secret_lines(source)
    secrets = unpublished(secrets)  # taught in a lesson, in whole or in part: not a secret
    page = browser_page
    leaks = {}
    for doc in toc_files(repo_root):
        _open(page, f"{site_url}/{doc}.html")
        text = _main_text(page)
        found = sorted(s for s in secrets if s in text)
        if found:
            leaks[doc] = found[:3]
    assert not leaks, f"solution or hidden-test text shown to readers: {leaks}"


def test_screenshots_for_review(browser_page, site_url, repo_root):
    """Full-page screenshots of the landing page and one lesson, kept under _build/ for a human to look at."""
    out = repo_root / "_build" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    page = browser_page
    for name, doc in [("landing", "index"), ("lesson_06", "notebooks/06_calibration_decision_curves")]:
        _open(page, f"{site_url}/{doc}.html")
        path = out / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000, f"{path} looks empty"
