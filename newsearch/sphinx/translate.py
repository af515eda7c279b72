"""Query trees (``querylang``) as Sphinx extended-syntax MATCH text.

Every leaf names its fields: ``@(title,body)`` by default, ``@title``/``@body``, or the text
field of a facet (``@q_places``), which holds that facet's values and their aliases, so that
``place:japan`` matches facet values as the Whoosh engine does.  Unquoted words match their
inflections through Sphinx's Snowball stemmer; quoted words and phrases match exact forms
(``=word``, kept by ``index_exact_words``).  Sphinx cannot run a query made of negations
alone, so a negation that is not beside a positive term is written as ``(every -x)``, where
``every`` is a token that each article carries.
"""

from __future__ import annotations

import re

from .. import querylang as ql
from ..analysis import gram
from ..facets import by_query_field
from ..results import SearchError
from .config import FACET_TEXTS, GRAM_FIELDS
from .rows import EVERY_TOKEN, sphinx_gram, sphinx_word

EVERY_FIELD = "every"
TEXT_FIELDS = "@(title,body)"
# What the index's charset_table keeps as letters (config.CHARSET); other scripts are separators there.
_INDEXED_RE = re.compile(r"^[0-9a-z_\u00aa\u00b5\u00ba\u00df-\u00f6\u00f8-\u017f\u03b1-\u03c9\u0430-\u044f\u0451]+$")


class UnsupportedQuery(SearchError):
    """A query the Sphinx backend cannot run; the message says which part and why."""


def match_text(tree: ql.Node) -> str | None:
    """The MATCH() text of a query tree; None for a search of every article."""
    if isinstance(tree, ql.All):
        return None
    return _node(tree, positive_context=False)


def _node(node: ql.Node, positive_context: bool) -> str:
    if isinstance(node, ql.Phrase) and (grams := _gram_match(node)) is not None:
        return grams
    if isinstance(node, ql.Word | ql.Phrase | ql.Prefix):
        return f"({_field(node.field)} {_leaf(node)})"
    if isinstance(node, ql.And):
        has_positive = any(not isinstance(c, ql.Not) for c in node.children)
        return "(" + " ".join(_node(c, has_positive) for c in node.children) + ")"
    if isinstance(node, ql.Or):
        return "(" + " | ".join(_node(c, False) for c in node.children) + ")"
    if isinstance(node, ql.Not):
        inner = _node(node.child, False)
        return f"-{inner}" if positive_context else f"(@{EVERY_FIELD} {EVERY_TOKEN} -{inner})"
    raise UnsupportedQuery("a search of every article cannot be combined with other terms on the Sphinx backend")


def _field(field: str | None) -> str:
    if field is None:
        return TEXT_FIELDS
    if field in ("title", "body"):
        return f"@{field}"
    spec = by_query_field(field)
    if spec is None:
        raise UnsupportedQuery(f"the field {field!r} cannot be searched on the Sphinx backend")
    return f"@{FACET_TEXTS[spec.name]}"


def _gram_match(node: ql.Phrase) -> str | None:
    """A title or body phrase of two common words as its gram token (one posting list, as the Whoosh
    engine does); None for any other phrase."""
    if len(node.words) != 2 or node.field not in (None, "title", "body"):
        return None
    found = gram(*node.words)
    if found is None:
        return None
    fields = GRAM_FIELDS[node.field] if node.field else "(" + ",".join(GRAM_FIELDS.values()) + ")"
    return f"(@{fields} ={_word(sphinx_gram(found))})"


def _leaf(node: ql.Word | ql.Phrase | ql.Prefix) -> str:
    facet = node.field not in (None, "title", "body")
    if isinstance(node, ql.Phrase):
        return '"' + " ".join("=" + _word(w) for w in node.words) + '"'
    if isinstance(node, ql.Prefix):
        return _word(node.text) + "*"
    exact = node.exact or facet  # facet values match as written, like the Whoosh engine's columns
    return ("=" if exact else "") + _word(node.text)


def _word(text: str) -> str:
    word = sphinx_word(text.lower())
    if not _INDEXED_RE.match(word):
        raise UnsupportedQuery(f"{text!r} has characters the Sphinx backend does not index "
                               "(it indexes Latin, Greek and Cyrillic letters and digits)")
    return word


def highlight_text(tree: ql.Node) -> str | None:
    """The query for CALL SNIPPETS: every positive title and body term, OR'd (None when there is none)."""
    parts = []
    for leaf in ql.positive_leaves(tree):
        if leaf.field in (None, "title", "body"):
            try:
                parts.append(_leaf(leaf))
            except UnsupportedQuery:
                continue
    return " | ".join(dict.fromkeys(parts)) or None
