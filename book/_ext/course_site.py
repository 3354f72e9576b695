"""Sphinx extension: small fixes and helpers for the course website.

1. The repository URL from ``_config.yml``, usable on the book's pages.

``_config.yml``'s ``repository.url`` is the single setting behind every link to the code. Jupyter
Book passes it to the theme (repository, edit and issue buttons, launch buttons) as
``html_theme_options["repository_url"]``. This extension adds:

- the MyST substitution ``{{ repo_url }}`` for prose, and
- the directive ``repo-code``: a code block in which ``{repo_url}`` is replaced by that URL (MyST
  substitutions do not work inside code fences), used for the setup page's clone command.

2. Exercise numbers that match the self-check ids. sphinx-exercise numbers exercises through the
   whole book (1-21), while a lesson's self-check ids restart in each lesson: ``l06_ex3_...`` is
   Exercise 3 of lesson 6. Every exercise labelled ``lNN_exK_...`` is numbered K.
3. No "Print to PDF" entry in the download menu: it only opened the browser's print dialog.
4. Glossary terms are found once by the search, on the glossary page with a snippet, not a second
   time as bare index entries.
5. Each page's scripts, once. sphinx-thebe (loaded by Jupyter Book) adds its inline configuration
   script every time Sphinx reads the environment, so a page can carry ``const THEBE_JS_URL`` twice
   and the browser reports "Identifier 'THEBE_JS_URL' has already been declared" on every page.
"""

from __future__ import annotations

import copy
import re

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx import addnodes
from sphinx.util.docutils import SphinxDirective

#: a lesson's exercise label: lesson number, exercise number within the lesson, slug
EXERCISE_LABEL = re.compile(r"^l(?P<lesson>\d{2})_ex(?P<number>\d+)_")


def _repo_url(config) -> str:
    url = (config.html_theme_options or {}).get("repository_url", "").rstrip("/")
    if not url:
        raise ValueError("_config.yml has no repository.url: set it to the course repository's URL.")
    return url


def _add_substitutions(app, config) -> None:
    subs = dict(config.myst_substitutions or {})
    subs.setdefault("repo_url", _repo_url(config))
    config.myst_substitutions = subs


class RepoCode(SphinxDirective):
    """A literal code block with ``{repo_url}`` replaced by the course repository's URL."""

    has_content = True
    optional_arguments = 1  # the language, for highlighting
    option_spec = {"class": directives.class_option}

    def run(self) -> list[nodes.Node]:
        text = "\n".join(self.content).replace("{repo_url}", _repo_url(self.config))
        block = nodes.literal_block(text, text)
        block["language"] = self.arguments[0] if self.arguments else "text"
        self.set_source_info(block)
        return [block]


def _number_exercises_by_label(app, env) -> list[str]:
    # Keep Sphinx's own numbers: next build, Sphinx compares its fresh numbers with these (see
    # _sphinx_numbers_back); comparing with ours would rewrite every page with an exercise each time.
    env.mlhc_sphinx_fignumbers = copy.deepcopy(env.toc_fignumbers)
    for numbers in env.toc_fignumbers.values():
        for node_id in list(numbers.get("exercise", {})):
            match = EXERCISE_LABEL.match(node_id)
            if match:
                numbers["exercise"][node_id] = (int(match["number"]),)
    return []


def _sphinx_numbers_back(app, env, added, changed, removed) -> list[str]:
    saved = getattr(env, "mlhc_sphinx_fignumbers", None)
    if saved is not None:
        env.toc_fignumbers = saved
    return []


def _no_print_to_pdf(app, pagename, templatename, context, doctree) -> None:
    for group in context.get("header_buttons", []):
        if isinstance(group, dict) and "buttons" in group:
            group["buttons"] = [b for b in group["buttons"] if b.get("label") != "download-pdf-button"]


def _glossary_terms_found_once(app, doctree, docname) -> None:
    for index in list(doctree.findall(addnodes.index)):
        if isinstance(index.parent, nodes.term):  # the index entry a glossary term makes
            index.parent.remove(index)


def _scripts_once(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for js in scripts:
        # an inline script is added once with filename None and again with "": the same script
        filename = getattr(js, "filename", js) or ""
        attributes = getattr(js, "attributes", {})
        key = (str(filename), tuple(sorted((k, str(v)) for k, v in attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(js)
    scripts[:] = unique  # in place: later handlers (MathJax) still add to the same list


def _citations_as_list_items(app, pagename, templatename, context, doctree):
    """Give each citation on the References page the ARIA role its list requires.

    Sphinx writes the citations as ``role="doc-biblioentry"`` children of a ``role="list"``. ARIA 1.3
    deprecates ``doc-biblioentry``, and a list's children must be ``listitem``s, so screen readers (and
    axe-core, as a critical violation) do not see a list at all. The page body is edited before the
    template renders it; nothing else on the page changes.
    """
    body = context.get("body")
    if body and 'role="doc-biblioentry"' in body:
        context["body"] = body.replace('role="doc-biblioentry"', 'role="listitem"')


def setup(app):
    app.connect("config-inited", _add_substitutions)
    app.connect("html-page-context", _scripts_once, priority=100)  # before handlers that end the event
    app.add_directive("repo-code", RepoCode)
    # after Sphinx's TocTreeCollector has assigned the figure numbers (priority 500)
    app.connect("env-get-outdated", _sphinx_numbers_back)
    app.connect("env-get-updated", _number_exercises_by_label, priority=900)
    app.connect("html-page-context", _no_print_to_pdf, priority=600)  # after the theme adds its buttons
    app.connect("doctree-resolved", _glossary_terms_found_once)
    app.connect("html-page-context", _citations_as_list_items)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
