"""Clinical text: a NegEx-style rule for negated, uncertain, family and historical mentions.

"No PE on CTPA", "?PE", "mother had PE" and "previous PE 2015" all contain "PE", and none of them
says the patient has a pulmonary embolism now. NegEx (Chapman et al. 2001) finds negated findings
with a short list of *trigger* phrases and a *scope*: a trigger before a finding ("no", "denies",
"negative for") or after it ("ruled out", "excluded") negates the words within a few tokens, up to a
*termination* term ("but", "however") or the end of the sentence. *Pseudo-triggers* ("not only",
"no increase") look like triggers but are not. ConText (Harkema et al. 2009) extends the idea to
uncertainty ("?", "possible", "cannot exclude"), family history and historical mentions.

This module implements a small rule of that kind, with triggers chosen for UK clinical
abbreviations, and two uses of it:

- :func:`mention_status`: how a note mentions a condition (affirmed, negated, uncertain, family,
  historical or absent);
- :func:`mark_context`: the note with every token in a trigger's scope prefixed (``neg_``,
  ``unc_``, ``fam_``, ``hist_``), to use as the ``preprocessor`` of a scikit-learn vectoriser, so
  that "no PE" and "PE" become different features.

It is a teaching implementation: a short, fixed trigger list, no part-of-speech information, no
handling of double negation, and a comma ends a pre-trigger's scope, so a negated list ("no cough,
fever or PE") is read as negating its first item only. Real pipelines use maintained tools (for example medspaCy's ConText)
and are validated on local notes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ._validation import Interval, check_param

__all__ = ["STATUSES", "tokenize", "mention_status", "mark_context"]

#: Mention statuses, in the order :func:`mention_status` reports them.
STATUSES = ("absent", "affirmed", "negated", "uncertain", "family", "historical")

_PREFIX = {"negated": "neg_", "uncertain": "unc_", "family": "fam_", "historical": "hist_"}

# (phrase, status, direction): "pre" triggers act on the tokens after them, "post" on those before.
# Longer phrases are matched first, so "not excluded" (uncertain) wins over "not" (negated), and a
# pseudo-trigger consumes its tokens without acting.
_TRIGGERS: tuple[tuple[str, str, str], ...] = (
    # pseudo-triggers: contain a trigger word but negate nothing
    ("not only", "pseudo", "pre"),
    ("no increase", "pseudo", "pre"),
    ("no change", "pseudo", "pre"),
    ("not certain whether", "uncertain", "pre"),
    # uncertainty (ConText "hypothetical/uncertain")
    ("not excluded", "uncertain", "post"),
    ("cannot exclude", "uncertain", "pre"),
    ("can't exclude", "uncertain", "pre"),
    ("cannot be excluded", "uncertain", "post"),
    ("rule out", "uncertain", "pre"),
    ("r/o", "uncertain", "pre"),
    ("?", "uncertain", "pre"),
    ("query", "uncertain", "pre"),
    ("possible", "uncertain", "pre"),
    ("possibly", "uncertain", "pre"),
    ("probable", "uncertain", "pre"),
    ("suspected", "uncertain", "pre"),
    ("differential includes", "uncertain", "pre"),
    # negation (NegEx)
    ("no evidence of", "negated", "pre"),
    ("no signs of", "negated", "pre"),
    ("no sign of", "negated", "pre"),
    ("negative for", "negated", "pre"),
    ("free of", "negated", "pre"),
    ("denies", "negated", "pre"),
    ("denied", "negated", "pre"),
    ("without", "negated", "pre"),
    ("absence of", "negated", "pre"),
    ("not", "negated", "pre"),
    ("no", "negated", "pre"),
    ("nil", "negated", "pre"),
    ("ruled out", "negated", "post"),
    ("excluded", "negated", "post"),
    ("unlikely", "negated", "post"),
    ("negative", "negated", "post"),
    # family history
    ("family history of", "family", "pre"),
    ("family history", "family", "pre"),
    ("fhx", "family", "pre"),
    ("fh", "family", "pre"),
    ("mother", "family", "pre"),
    ("father", "family", "pre"),
    ("sister", "family", "pre"),
    ("brother", "family", "pre"),
    ("son", "family", "pre"),
    ("daughter", "family", "pre"),
    # historical (past, resolved episodes)
    ("history of", "historical", "pre"),
    ("hx of", "historical", "pre"),
    ("pmh", "historical", "pre"),
    ("previous", "historical", "pre"),
    ("prior", "historical", "pre"),
    ("since resolved", "historical", "post"),
    ("resolved", "historical", "post"),
    ("fully recovered", "historical", "post"),
)
_TRIGGER_TOKENS = sorted(
    ((tuple(phrase.split()), status, direction) for phrase, status, direction in _TRIGGERS),
    key=lambda t: -len(t[0]),
)
#: Words and punctuation that end a trigger's scope. Commas end a "pre" scope only, so that
#: "Wells 1.5, D-dimer negative, PE excluded" still negates PE.
_TERMINATORS = frozenset({".", ";", "but", "however", "although", "though", "except", "apart", "aside"})
_PRE_TERMINATORS = _TERMINATORS | {","}
_YEAR = re.compile(r"^(19|20)\d\d$")
_TOKEN = re.compile(r"\?|[;,.](?=\s|$)|[a-z0-9][a-z0-9'&/+%.\-]*[a-z0-9%]|[a-z0-9]")


def tokenize(text: str) -> list[str]:
    """Lower-case tokens of a note: words (with internal ``-``, ``/``, ``&``, ``.``), ``?``, ``,``, ``;``, ``.``.

    Parameters
    ----------
    text : str
        A note or a sentence.

    Returns
    -------
    tokens : list of str

    Examples
    --------
    >>> tokenize("?PE. No evidence of CCF, r/o CAP")
    ['?', 'pe', '.', 'no', 'evidence', 'of', 'ccf', ',', 'r/o', 'cap']
    """
    if not isinstance(text, str):
        raise ValueError(f"tokenize: text must be a str; got {type(text).__name__}.")
    return _TOKEN.findall(text.lower())


def _trigger_at(tokens: list[str], i: int) -> tuple[tuple[str, ...], str, str] | None:
    """The longest trigger starting at token i, or a year (a dated, past mention), or None."""
    for trigger in _TRIGGER_TOKENS:
        if tuple(tokens[i : i + len(trigger[0])]) == trigger[0]:
            return trigger
    if _YEAR.match(tokens[i]):  # "PE 2015": a dated mention is a past episode
        return (tokens[i],), "historical", "post"
    return None


def _context(tokens: list[str], window: int) -> list[str]:
    """The status of every token: "affirmed" unless a trigger's scope covers it."""
    status = ["affirmed"] * len(tokens)
    i = 0
    while i < len(tokens):
        trigger = _trigger_at(tokens, i)
        if trigger is None:
            i += 1
            continue
        phrase, kind, direction = trigger
        end = i + len(phrase)
        if kind != "pseudo" and direction == "pre":
            k, taken = end, 0
            while k < len(tokens) and taken < window and tokens[k] not in _PRE_TERMINATORS:
                status[k] = kind
                k, taken = k + 1, taken + 1
        elif kind != "pseudo":
            k, taken = i - 1, 0
            while k >= 0 and taken < window and tokens[k] not in _TERMINATORS:
                if tokens[k] != ",":
                    status[k] = kind
                    taken += 1
                k -= 1
        i = end
    return status


def _check_window(window: int, caller: str) -> None:
    check_param(window, Interval(int, 1, None, closed="left"), name="window", caller=caller)


def mention_status(text: str, terms: Sequence[str], *, window: int = 5) -> str:
    """How a note mentions a condition: affirmed, negated, uncertain, family, historical or absent.

    Every occurrence of any of ``terms`` (whole tokens; a term may be several words) gets the status
    of the trigger whose scope covers it, or "affirmed" if none does. The note's status is
    "affirmed" if any mention is affirmed, else the status of its first mention, else "absent".

    Parameters
    ----------
    text : str
        The note.
    terms : sequence of str
        The condition's names and abbreviations, for example ``["pe", "pulmonary embolism"]``
        (case is ignored).
    window : int, default=5
        Scope of a trigger, in tokens (NegEx uses 5).

    Returns
    -------
    status : str
        One of :data:`STATUSES`.

    References
    ----------
    .. [1] Chapman WW, Bridewell W, Hanbury P, Cooper GF, Buchanan BG. A simple algorithm for
       identifying negated findings and diseases in discharge summaries. J Biomed Inform
       2001;34:301-310.
    .. [2] Harkema H, Dowling JN, Thornblade T, Chapman WW. ConText: an algorithm for determining
       negation, experiencer, and temporal status from clinical reports. J Biomed Inform
       2009;42:839-851.

    Examples
    --------
    >>> pe = ["pe", "pes", "pulmonary embolism"]
    >>> mention_status("CTPA confirms left segmental PE.", pe)
    'affirmed'
    >>> mention_status("No PE on CTPA.", pe)
    'negated'
    >>> mention_status("?PE, CTPA requested.", pe)
    'uncertain'
    >>> mention_status("Mother had PE.", pe)
    'family'
    >>> mention_status("Previous PE 2015, off anticoagulation.", pe)
    'historical'
    >>> mention_status("Pleuritic chest pain.", pe)
    'absent'
    """
    caller = "mention_status"
    _check_window(window, caller)
    if isinstance(terms, str) or not all(isinstance(t, str) and t.strip() for t in terms) or not terms:
        raise ValueError(
            f"{caller}: terms must be a non-empty list of strings, e.g. ['pe', 'pulmonary embolism']."
        )
    tokens = tokenize(text)
    status = _context(tokens, window)
    found = []
    for term in {tuple(tokenize(t)) for t in terms}:
        for i in range(len(tokens) - len(term) + 1):
            if tuple(tokens[i : i + len(term)]) == term:
                found.append((i, status[i]))
    if not found:
        return "absent"
    if any(s == "affirmed" for _, s in found):
        return "affirmed"
    return min(found)[1]


def mark_context(text: str, *, window: int = 5) -> str:
    """The note as lower-case tokens, each token in a trigger's scope prefixed with its status.

    Tokens negated by a trigger become ``neg_<token>``, uncertain ones ``unc_<token>``, family
    ``fam_<token>`` and historical ``hist_<token>``; punctuation is dropped. Used as the
    ``preprocessor`` of a scikit-learn vectoriser, it makes "no PE" and "PE" different features
    (the "NOT_" prefix familiar from sentiment analysis, with NegEx scopes).

    Parameters
    ----------
    text : str
        The note.
    window : int, default=5
        Scope of a trigger, in tokens.

    Returns
    -------
    marked : str
        Space-separated tokens.

    See Also
    --------
    mention_status : The status of one condition's mentions.

    Examples
    --------
    >>> mark_context("No PE on CTPA. Mother had CCF. ?pneumonia")
    'no neg_pe neg_on neg_ctpa mother fam_had fam_ccf ? unc_pneumonia'
    """
    _check_window(window, "mark_context")
    tokens = tokenize(text)
    status = _context(tokens, window)
    return " ".join(
        _PREFIX.get(s, "") + tok for tok, s in zip(tokens, status, strict=True) if tok not in {",", ";", "."}
    )
