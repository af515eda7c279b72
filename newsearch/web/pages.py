"""The HTML pages: search, article, query help. They render what the API returns."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, render_template, request
from werkzeug.datastructures import MultiDict

from ..facets import FACETS, NAMES
from ..highlight import Terms, highlight_all
from ..results import MAX_PREFIX_TERMS
from . import snapshot
from .data import BadRequest, article_dict, facet_values_data, search_data
from .research import page_timeline
from .view import VIEW_PARAMS, UrlState

bp = Blueprint("pages", __name__)
MORE_SIZE = 100
MAX_SNIPPETS = 2


@bp.get("/")
def search_page() -> Any:
    state = UrlState(request.args)
    snap = snapshot()
    search_args = MultiDict([(k, v) for k, v in state.args.items(multi=True) if k not in VIEW_PARAMS])
    data = search_data(snap, search_args, strict=False)
    for name in NAMES:
        prefix = request.args.get(f"{name}_prefix", "").strip()
        if prefix or request.args.get("more") == name:
            found = facet_values_data(snap, name, _with(search_args, prefix=prefix))
            data["facets"][name] = {"values": found["values"], "truncated": found["truncated"], "prefix": prefix,
                                    "expanded": True}
    attention, chart = page_timeline(snap, state.args, state, data["facets"]["date"])
    return render_template("search.html", data=data, state=state, timeline=chart, attention=attention,
                           facets=FACETS, compact=state.args.get("compact") == "1", max_snippets=MAX_SNIPPETS,
                           facet_params=[spec.param for spec in FACETS],
                           heading=query_heading(data["query"]["q"]))


def query_heading(q: str) -> str:
    """The query as typed for the heading: in typographic quotes, unless it has quotes of its own."""
    if not q:
        return ""
    return q if any(c in q for c in "\"“”") else f"“{q}”"


def _with(args: Any, **extra: str) -> Any:
    out = args.copy()
    for key, value in extra.items():
        out[key] = value
    return out


@bp.get("/articles/<path:doc_id>")
def article_page(doc_id: str) -> Any:
    if len(doc_id) > 300:
        raise BadRequest(["article id must be 1-300 printable characters"])
    snap = snapshot()
    data = article_dict(snap.article(doc_id))
    state = UrlState(request.args)
    marker = getattr(snap, "highlight_terms_of", None)  # an engine may not offer it: then nothing is marked
    terms = marker(request.args.get("q", "")[:500]) if marker else Terms()
    return render_template("article.html", article=data, body_html=render_paragraphs(data["original"], terms),
                           title_html=highlight_all(data["title"], terms), byline=clean_byline(data["author"]),
                           state=state, facets=FACETS, back=state.here("/") if state.args else None)


@bp.get("/help")
def help_page() -> Any:
    return render_template("help.html", state=UrlState(request.args), facets=FACETS, max_prefix=MAX_PREFIX_TERMS)


_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*|\n(?=[ \t]{2,}\S)")  # a blank line, or a newline and an indent


def render_paragraphs(text: str, terms: Terms | None = None) -> str:
    """A document's text as HTML paragraphs (blank lines, or indented lines, start one), matches marked.

    Everything is escaped: the document's own HTML and links stay text.
    """
    out = []
    for paragraph in _PARAGRAPH_BREAK.split(text.strip()):
        joined = " ".join(paragraph.split())
        if joined:
            out.append(f"<p>{highlight_all(joined, terms or Terms())}</p>")
    return "\n".join(out)


_BY_RE = re.compile(r"^\s*by[:\s]+", re.IGNORECASE)


def clean_byline(author: str) -> str:
    """The author's name without a leading "By" ("By NAILENE CHOU WIEST" -> "NAILENE CHOU WIEST")."""
    return " ".join(_BY_RE.sub("", author or "").split())
