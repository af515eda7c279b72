"""The HTML pages: search, article, query help. They render what the API returns."""

from __future__ import annotations

from typing import Any

import markdown
from flask import Blueprint, render_template, request

from ..facets import FACETS, NAMES
from ..results import MAX_PREFIX_TERMS
from . import snapshot
from .data import BadRequest, article_dict, facet_values_data, search_data
from .view import UrlState, timeline

bp = Blueprint("pages", __name__)
MORE_SIZE = 100


@bp.get("/")
def search_page() -> Any:
    state = UrlState(request.args)
    snap = snapshot()
    data = search_data(snap, state.args, strict=False)
    for name in NAMES:
        prefix = request.args.get(f"{name}_prefix", "").strip()
        if prefix or request.args.get("more") == name:
            found = facet_values_data(snap, name, _with(state.args, prefix=prefix))
            data["facets"][name] = {"values": found["values"], "truncated": found["truncated"], "prefix": prefix,
                                    "expanded": True}
    return render_template("search.html", data=data, state=state, timeline=timeline(data["facets"]["date"], state),
                           facets=FACETS)


def _with(args: Any, **extra: str) -> Any:
    out = args.copy()
    for key, value in extra.items():
        out[key] = value
    return out


@bp.get("/articles/<path:doc_id>")
def article_page(doc_id: str) -> Any:
    if len(doc_id) > 300:
        raise BadRequest(["article id must be 1-300 printable characters"])
    data = article_dict(snapshot().article(doc_id))
    return render_template("article.html", article=data, body_html=render_markdown(data["original"]),
                           state=UrlState(request.args), facets=FACETS)


@bp.get("/help")
def help_page() -> Any:
    return render_template("help.html", state=UrlState(request.args), facets=FACETS, max_prefix=MAX_PREFIX_TERMS)


def render_markdown(text: str) -> str:
    """A document's text as HTML: paragraphs and emphasis only; its own HTML and links stay text."""
    md = markdown.Markdown(extensions=[], output_format="html")
    md.preprocessors.deregister("html_block")
    for name in ("html", "entity", "link", "image_link", "image_reference", "reference", "short_reference",
                 "short_image_ref", "autolink", "automail"):
        if name in md.inlinePatterns:
            md.inlinePatterns.deregister(name)
    return md.convert(text)

