"""References and glossary: every citation has a bibliography entry with its DOI, and the lessons link
the glossary's terms.

These tests read the sources only (book/references.bib, book/*.md and the lessons' markdown cells), so
they are fast; one test in tests/test_book.py checks the built References page for the DOI links.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
BIB = REPO / "book" / "references.bib"
GLOSSARY = REPO / "book" / "glossary.md"
LESSONS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
BOOK_PAGES = sorted(p for p in (REPO / "book").glob("*.md") if p.name != "references.md")

# {cite}`a,b`, {cite:p}`a`, {cite:t}`a` (sphinxcontrib-bibtex's roles, MyST syntax)
CITE_ROLE = re.compile(r"\{cite(?::\w+)?\}`([^`]+)`")
TERM_ROLE = re.compile(r"\{term\}`([^`]+)`")
# the paragraph that opens a lesson's reference list, then one entry per bullet
REFERENCE_HEADER = re.compile(r"^\*\*(References|Further reading and references|Further reading)\.\*\*", re.M)
# a Vancouver-style citation: "2016;69:245-247", "1994;308:1552", "2020:151-159" (a year, then ; or :)
VANCOUVER = re.compile(r"\b(?:19|20)\d\d[;:]\s?\d")
DOI_IN_TEXT = re.compile(r"doi:\s*(10\.\d{4,9}/\S+?)\.?(?=\s|$|\))", re.I)
# "Riley et al. 2020", "Riley et al. (2020", "Vickers & Elkin 2006", "Vickers and Elkin, 2006"
AUTHOR_YEAR = re.compile(
    r"\b([A-Z][\w'’-]+)(?: et al\.?| (?:&|and) [A-Z][\w'’-]+),? \(?((?:19|20)\d\d)\b", re.UNICODE
)

# The glossary's terms and the words that count as a use of each in a lesson's prose. A lesson that
# uses a term links it at least once with {term}. A term without patterns is checked only for being
# linked from some lesson (its words are too common to demand a link wherever they occur).
TERM_USES = {
    "Sensitivity": r"sensitivit(?:y|ies)(?! analys)",
    "Specificity": r"specificit(?:y|ies)",
    "Positive predictive value": r"positive predictive values?|(?-i:PPVs?)",
    "Negative predictive value": r"negative predictive values?|(?-i:NPVs?)",
    "Prevalence": r"prevalences?",
    "Likelihood ratio": r"likelihood ratios?",
    "ROC curve": r"ROC curves?|receiver operating characteristic curves?",
    "AUROC": r"(?-i:AUROCs?)",
    "Calibration": r"calibration",
    "Net benefit": r"net benefits?",
    "Synthetic data": r"synthetic data|(?<=\*\*)synthetic(?=\*\*)",  # "The data are **synthetic**"
    "Discrimination": r"discrimination",
    "Odds ratio": r"odds ratios?",
    "Overfitting": r"overfitting|overfitted|overfits?",
    "Cross-validation": r"cross-validation|cross-validated?",
    "Data leakage": r"(?:data )?leakage",
    "Immortal time bias": r"immortal time(?: bias)?",
    "Dataset shift": r"data ?set shift",
    "Number needed to evaluate": r"number needed to evaluate",
    "Early warning score": r"early warning scores?",
    "Censoring": r"censoring|censored",
    "Hazard ratio": r"hazard ratios?",
    "Confounding": r"confounding",
    "Propensity score": r"propensity scores?",
    "Negation": r"negation|negated",
    "Batch effect": r"batch effects?",
    "Hounsfield unit": r"Hounsfield units?",
    "Shortcut learning": r"shortcut learning",
}


# ---------------------------------------------------------------------------------------- readers


def parse_bib(text: str) -> dict[str, dict[str, str]]:
    """Entries of a BibTeX file: ``{key: {"type": ..., field: value}}`` (pybtex, as Sphinx reads it)."""
    from pybtex.database import parse_string
    from pybtex.richtext import Text

    def plain(latex: str) -> str:  # "L{\\'e}vesque" -> "Lévesque", "{{Title}}" -> "Title"
        if "\\" not in latex:  # pybtex's LaTeX decoder is slow: only where there is LaTeX to decode
            return latex.replace("{", "").replace("}", "")
        return Text.from_latex(latex).render_as("text")

    database = parse_string(text, "bibtex")
    entries = {}
    for key, entry in database.entries.items():
        fields = {name.lower(): plain(str(value)) for name, value in entry.fields.items()}
        fields["doi"] = str(entry.fields.get("doi", ""))  # raw: a DOI may hold braces or backslashes
        fields["type"] = entry.type
        fields["authors"] = [
            plain(" ".join(person.prelast_names + person.last_names))
            for person in entry.persons.get("author", [])
        ]
        entries[key] = fields
    return entries


def glossary_terms(text: str) -> list[str]:
    """The terms of a MyST ``{glossary}`` block: unindented lines; definitions are indented."""
    block = re.search(r"```\{glossary\}\n(.*?)\n```", text, re.S)
    assert block, "no {glossary} directive"
    lines = block.group(1).splitlines()
    return [line.strip() for line in lines if line.strip() and not line[0].isspace() and line[0] != ":"]


def lesson_markdown(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    return [cell.source for cell in nb.cells if cell.cell_type == "markdown"]


def reference_items(markdown: str) -> list[str]:
    """The entries (bullets, continuation lines joined) of the reference lists in a markdown text."""
    items: list[str] = []
    for header in REFERENCE_HEADER.finditer(markdown):
        rest = markdown[header.end() :]
        block = re.match(r"\s*\n\n((?:- .*\n?(?:  .*\n?)*)+)", rest)
        if not block:
            items.append(rest.split("\n\n", 1)[0])  # a run-on paragraph: one unparsed item
            continue
        items += [" ".join(b.split()) for b in re.split(r"\n(?=- )", block.group(1).strip())]
    return items


def prose_spans(markdown: str) -> list[tuple[int, int]]:
    """(start, end) spans of a markdown text where a glossary link belongs.

    Excluded: fenced blocks (code, exercises, solutions), headings, reference lists, and inline code,
    maths, roles, links and HTML.
    """
    excluded: list[tuple[int, int]] = []
    pos = 0
    fence = None
    for line in markdown.splitlines(keepends=True):
        start, pos = pos, pos + len(line)
        opener = re.match(r"\s*(`{3,}|:{3,})", line)
        if fence:
            excluded.append((start, pos))
            if opener and opener.group(1) == fence and not line.strip()[len(fence) :].strip():
                fence = None
            continue
        if opener:
            fence = opener.group(1)
            excluded.append((start, pos))
        elif line.lstrip().startswith("#"):
            excluded.append((start, pos))
    for header in REFERENCE_HEADER.finditer(markdown):
        end = markdown.find("\n\n", markdown.find("\n\n", header.end()) + 2)
        excluded.append((header.start(), len(markdown) if end < 0 else end))
    inline = r"\{\w+(?::\w+)?\}`[^`]*`|``.*?``|`[^`]*`|\$\$.*?\$\$|\$[^$]*\$|\[[^\]]*\]\([^)]*\)|<[^>]*>|https?://\S+"
    excluded += [m.span() for m in re.finditer(inline, markdown, re.S)]
    excluded.sort()
    spans, cursor = [], 0
    for a, b in excluded:
        if a > cursor:
            spans.append((cursor, a))
        cursor = max(cursor, b)
    spans.append((cursor, len(markdown)))
    return spans


def term_uses(markdown: str, pattern: str) -> list[re.Match]:
    """Uses of a term's words in the prose of a markdown text (not in links, code or headings)."""
    found = []
    for a, b in prose_spans(markdown):
        found += [m for m in re.finditer(rf"\b(?:{pattern})\b", markdown[a:b], re.I)]
    return found


def linked_terms(markdown: str) -> set[str]:
    """Lower-cased targets of the {term} roles in a markdown text ("text <Target>" or "Target")."""
    targets = set()
    for role in TERM_ROLE.findall(markdown):
        explicit = re.match(r"(.*)<([^<>]+)>\s*$", role, re.S)
        targets.add((explicit.group(2) if explicit else role).strip().lower())
    return targets


def cited_keys(markdown: str) -> list[str]:
    return [key.strip() for keys in CITE_ROLE.findall(markdown) for key in keys.split(",")]


def _ascii(name: str) -> str:
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()


# ---------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def bib() -> dict[str, dict[str, str]]:
    pytest.importorskip("pybtex", reason="pybtex comes with the [book] extra (sphinxcontrib-bibtex)")
    return parse_bib(BIB.read_text(encoding="utf-8"))


def _sources() -> list[tuple[str, str]]:
    """(name, markdown) of every lesson, book page and problem set (its markdown cells)."""
    pages = [(p.relative_to(REPO).as_posix(), p.read_text(encoding="utf-8")) for p in BOOK_PAGES]
    problem_sets = sorted((REPO / "notebooks" / "assignments").glob("*/*.ipynb"))
    notebooks = [(p.stem, "\n\n".join(lesson_markdown(p))) for p in LESSONS + problem_sets]
    assert len(notebooks) > len(LESSONS), "no problem sets found"
    return notebooks + pages


# ---------------------------------------------------------------------------------------- checks


def check_reference_lists(name: str, markdown: str, bib: dict) -> list[str]:
    """Every entry of a reference list names its bib entry with {cite}, and a DOI in the text is the
    entry's DOI."""
    problems = []
    for item in reference_items(markdown):
        keys = cited_keys(item)
        if not keys:
            problems.append(f"{name}: a reference without a {{cite}} key: {item[:80]!r}")
            continue
        for key in keys:
            if key not in bib:
                problems.append(f"{name}: {key!r} is not in book/references.bib")
        for doi in DOI_IN_TEXT.findall(item):
            if not any(bib.get(k, {}).get("doi", "").lower() == doi.lower() for k in keys):
                problems.append(
                    f"{name}: the text gives doi:{doi}, but {keys} carries a different DOI or none"
                )
    return problems


def check_citations_outside_lists(name: str, markdown: str) -> list[str]:
    """A Vancouver-style citation ("2016;69:245") outside a reference list must carry a {cite} too."""
    problems = []
    spans = prose_spans(markdown)
    for m in VANCOUVER.finditer(markdown):
        if any(a <= m.start() < b for a, b in spans):
            paragraph_end = markdown.find("\n\n", m.start())
            paragraph = markdown[m.start() : None if paragraph_end < 0 else paragraph_end]
            if not CITE_ROLE.search(paragraph):
                problems.append(
                    f"{name}: a citation with no {{cite}}: {markdown[m.start() - 60 : m.end()]!r}"
                )
    return problems


def check_author_year_mentions(name: str, markdown: str, bib: dict) -> list[str]:
    """Every "Author et al. YYYY" / "A & B YYYY" in the prose is a work of the bibliography."""
    index = {(_ascii(last.split()[-1]), e.get("year")) for e in bib.values() for last in e["authors"]}
    problems = []
    for a, b in prose_spans(markdown):
        for m in AUTHOR_YEAR.finditer(markdown[a:b]):
            if (_ascii(m.group(1)), m.group(2)) not in index:
                problems.append(f"{name}: {m.group(0)!r} names no entry of book/references.bib")
    return problems


def check_glossary_links(name: str, markdown: str, terms: list[str]) -> list[str]:
    """A lesson links every glossary term its prose uses, and links only existing terms."""
    problems = []
    known = {t.lower() for t in terms}
    linked = linked_terms(markdown)
    for target in sorted(linked - known):
        problems.append(f"{name}: {{term}} links to {target!r}, which is not in book/glossary.md")
    for term in terms:
        pattern = TERM_USES.get(term)
        if pattern and term_uses(markdown, pattern) and term.lower() not in linked:
            first = term_uses(markdown, pattern)[0].group(0)
            problems.append(f"{name}: uses {first!r} but never links it: {{term}}`{first} <{term}>`")
    return problems


def check_dois(bib: dict) -> list[str]:
    """Every article (and paper in proceedings) has a DOI or a ``nodoi`` field saying why not."""
    problems = []
    for key, entry in bib.items():
        if entry["type"] in {"article", "inproceedings"}:
            if not (entry.get("doi") or entry.get("nodoi")):
                problems.append(f"{key}: give its DOI, or a nodoi field saying why not")
            if entry.get("doi") and entry.get("nodoi"):
                problems.append(f"{key}: both doi and nodoi")
        if entry.get("doi") and not re.fullmatch(r"10\.\d{4,9}/\S+", entry["doi"]):
            problems.append(f"{key}: not a bare DOI: {entry['doi']!r}")
    return problems


# ---------------------------------------------------------------------------------------- tests


def test_the_bibliography_parses_and_has_the_fields_a_reference_needs(bib):
    assert len(bib) > 50
    for key, entry in bib.items():
        assert entry["authors"] and entry.get("title"), f"{key}: author and title are required"
        if entry["type"] != "misc":
            assert entry.get("year"), f"{key}: no year"


def test_every_article_has_a_doi_or_says_why_not(bib):
    assert check_dois(bib) == []


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_every_lesson_has_a_reference_list_with_a_cite_key_per_entry(path, bib):
    markdown = "\n\n".join(lesson_markdown(path))
    assert reference_items(markdown), f"{path.stem}: no reference list (a '**References.**' paragraph)"
    assert check_reference_lists(path.stem, markdown, bib) == []


def test_every_cite_key_is_in_the_bibliography(bib):
    unknown = {(name, key) for name, text in _sources() for key in cited_keys(text) if key not in bib}
    assert not unknown, f"{{cite}} keys missing from book/references.bib: {sorted(unknown)}"


def test_citations_in_the_text_have_bibliography_entries(bib):
    problems = []
    for name, text in _sources():
        problems += check_reference_lists(name, text, bib)
        problems += check_citations_outside_lists(name, text)
        problems += check_author_year_mentions(name, text, bib)
    assert problems == []


def test_every_glossary_term_is_linked_from_a_lesson_and_every_lesson_links_its_terms():
    terms = glossary_terms(GLOSSARY.read_text(encoding="utf-8"))
    assert set(terms) == set(TERM_USES), "update TERM_USES with the glossary's terms"
    problems, linked_anywhere = [], set()
    for path in LESSONS:
        markdown = "\n\n".join(lesson_markdown(path))
        problems += check_glossary_links(path.stem, markdown, terms)
        linked_anywhere |= linked_terms(markdown)
    problems += [f"{t!r} is linked from no lesson" for t in terms if t.lower() not in linked_anywhere]
    assert problems == []


def test_book_pages_link_only_existing_glossary_terms():
    terms = glossary_terms(GLOSSARY.read_text(encoding="utf-8"))
    for page in BOOK_PAGES:
        unknown = linked_terms(page.read_text(encoding="utf-8")) - {t.lower() for t in terms}
        assert not unknown, f"{page.name}: {{term}} to {sorted(unknown)}, not in the glossary"


# ---------------------------------------------------------------------------------------- the checks fail


_BIB = """
@article{good, author = {A, B.}, title = {{T}}, journal = {J}, year = {2001}, doi = {10.1000/xyz}}
@article{nodoi, author = {Smith, B.}, title = {{T}}, journal = {J}, year = {1966}}
"""


def test_the_checks_fail_on_broken_input():
    """Each check above catches the mistake it exists for (a test that cannot fail proves nothing)."""
    pytest.importorskip("pybtex")
    bib = parse_bib(_BIB)
    ok = "**References.**\n\n- A B. T. *J* 2001;1:2. doi:10.1000/xyz. {cite}`good`\n"
    assert check_reference_lists("x", ok, bib) == []
    assert check_reference_lists("x", ok.replace(" {cite}`good`", ""), bib)  # an entry without a key
    assert check_reference_lists("x", ok.replace("`good`", "`nope`"), bib)  # an unknown key
    assert check_reference_lists("x", ok.replace("xyz", "xyw"), bib)  # the text's DOI differs
    assert check_citations_outside_lists("x", "As shown (Smith. *J* 1966;50:163).") != []
    assert check_citations_outside_lists("x", "As shown (*J* 1966;50:163 {cite}`nodoi`).") == []
    assert check_author_year_mentions("x", "as Smith et al. 1966 showed", bib) == []
    assert check_author_year_mentions("x", "as Jones et al. 1966 showed", bib) != []
    assert check_author_year_mentions("x", "as Smith & Jones (1967) showed", bib) != []
    assert check_dois(bib) == ["nodoi: give its DOI, or a nodoi field saying why not"]
    bib["nodoi"]["nodoi"] = "Published before DOIs."
    assert check_dois(bib) == []
    bib["good"]["doi"] = "https://doi.org/10.1000/xyz"
    assert check_dois(bib) != []  # a URL, not a bare DOI
    terms = ["Sensitivity", "Net benefit"]
    linked = "The {term}`sensitivity` of a test, and its **{term}`net benefit <Net benefit>`**."
    assert check_glossary_links("x", linked, terms) == []
    assert check_glossary_links("x", "The sensitivity of a test.", terms)  # used, never linked
    assert check_glossary_links("x", "The {term}`sensitivty`.", terms)  # a link to no term
    # not a use: a heading, code, a link's text, a reference list, "sensitivity analysis"
    unused = "## Sensitivity\n\n`sensitivity`, [sensitivity](x.md), a sensitivity analysis.\n"
    assert check_glossary_links("x", unused, terms) == []
    assert glossary_terms("```{glossary}\n:sorted:\n\nA\nB\n  def\n\nC\n  def\n```") == ["A", "B", "C"]
