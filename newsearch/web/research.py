"""Media research: attention over time, compared queries, top words and co-occurring entities (API and pages).

Each view has one data function (parameters in, a plain dict out): the API returns it as JSON
or CSV, the page renders it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, render_template, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import NotImplemented as NotOffered

from ..engine import Snapshot
from ..facets import BY_NAME, ENTITY_FACETS, FACETS
from ..research import INTERVALS, MAX_COOCCURRENCE_PAGE, MAX_QUERIES, MAX_WORDS, log_likelihood_note
from ..results import SearchRequest
from . import snapshot
from .data import FILTER_PARAMS, BadRequest, _integer, refused_as_bad_request, request_from_args
from .view import UrlState, compare_chart, timeline

bp = Blueprint("research", __name__)
SEARCH_KEYS = ("q", "from", "to", *FILTER_PARAMS)  # what selects the matching set
TRUE, FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


# --- parameters -------------------------------------------------------------------------


def split_args(args: MultiDict[str, str], own: Iterable[str]) -> tuple[SearchRequest, MultiDict[str, str]]:
    """The search request of the matching set, and this view's own parameters; unknown ones refused."""
    own = tuple(own)
    unknown = [k for k in args if k not in SEARCH_KEYS and k not in own]
    if unknown:
        raise BadRequest([f"unknown parameter {k!r}; known: {', '.join((*SEARCH_KEYS, *own))}" for k in unknown])
    search = MultiDict([(k, v) for k, v in args.items(multi=True) if k in SEARCH_KEYS])
    return request_from_args(search), MultiDict([(k, v) for k, v in args.items(multi=True) if k in own])


def interval_of(args: MultiDict[str, str]) -> str:
    value = args.get("interval", "auto").strip() or "auto"
    if value != "auto" and value not in INTERVALS:
        raise BadRequest([f"interval must be auto, {', '.join(INTERVALS)}, not {value[:40]!r}"])
    return value


def flag(args: MultiDict[str, str], name: str) -> bool:
    value = args.get(name, "").strip().lower()
    if value not in TRUE + FALSE:
        raise BadRequest([f"{name} must be true or false, not {value[:40]!r}"])
    return value in TRUE


def query_dict(req: SearchRequest) -> dict[str, Any]:
    """The matching set's parameters as the search API echoes them."""
    return {"q": req.q, "from": req.date_from.isoformat() if req.date_from else None,
            "to": req.date_to.isoformat() if req.date_to else None,
            **{spec.param: list(req.selected(spec.name)) for spec in FACETS}}


def offered(snap: Snapshot, method: str) -> Any:
    """The engine's research method, or a 501 naming what is missing (an engine may offer search only)."""
    found = getattr(snap, method, None)
    if found is None:
        raise NotOffered(f"this search engine ({type(snap).__name__}) does not offer {method.replace('_', ' ')}; "
                         "the embedded engine does")
    return found


# --- attention ----------------------------------------------------------------------------

ATTENTION_PARAMS = ("interval", "normalise")


def attention_data(snap: Snapshot, args: MultiDict[str, str], strict: bool = True) -> dict[str, Any]:
    """Matches per period (count and share of all articles), the undated ones apart, the selected range marked."""
    req, own = split_args(args, ATTENTION_PARAMS)
    interval, normalise = interval_of(own), flag(own, "normalise")
    with refused_as_bad_request():
        found = offered(snap, "attention")(req, interval, strict=strict)
    low = req.date_from.isoformat() if req.date_from else None
    high = req.date_to.isoformat() if req.date_to else None
    values = [{"value": b.value, "end": b.end, "count": found.counts[i], "total": b.total,
               "share": round(found.share(i), 6),
               "selected": bool((low or high) and (not low or b.end >= low) and (not high or b.value <= high))}
              for i, b in enumerate(found.buckets)]
    return {"ok": True, "query": query_dict(req), "interval": found.interval, "normalise": normalise,
            "matches": found.matches, "values": values,
            "undated": {"count": found.undated, "total": found.undated_total, "share": round(found.undated_share, 6)}}


@bp.get("/api/attention")
def api_attention() -> Any:
    return jsonify(attention_data(snapshot(), request.args))


# --- compare --------------------------------------------------------------------------------

COMPARE_SHARED = ("interval", "normalise")


def compare_requests(args: MultiDict[str, str]) -> list[tuple[int, SearchRequest]]:
    """The compared queries: parameters numbered 1 to MAX_QUERIES (q1, place1, from1, q2...), each set its own."""
    groups: dict[int, MultiDict[str, str]] = {}
    errors = []
    for key, value in args.items(multi=True):
        if key in COMPARE_SHARED:
            continue
        base, number = key.rstrip("0123456789"), key[len(key.rstrip("0123456789")):]
        if base not in SEARCH_KEYS or not number or not 1 <= int(number) <= MAX_QUERIES:
            errors.append(f"unknown parameter {key!r}; compare takes q1..q{MAX_QUERIES} with their own filters "
                          f"({', '.join(k + '1' for k in SEARCH_KEYS)}), interval and normalise")
            continue
        if value.strip():
            groups.setdefault(int(number), MultiDict()).add(base, value)
    if errors:
        raise BadRequest(errors)
    if not groups:
        raise BadRequest([f"compare needs at least one query: q1=... (up to q{MAX_QUERIES})"])
    out = []
    for number in sorted(groups):
        try:
            out.append((number, request_from_args(groups[number])))
        except BadRequest as exc:
            errors.extend(f"query {number}: {e}" for e in exc.errors)
    if errors:
        raise BadRequest(errors)
    return out


def compare_data(snap: Snapshot, args: MultiDict[str, str], strict: bool = True) -> dict[str, Any]:
    """Up to five queries side by side: attention on one time axis, totals and top entities of each."""
    numbered = compare_requests(args)
    interval, normalise = interval_of(args), flag(args, "normalise")
    with refused_as_bad_request():
        found = offered(snap, "compare")([r for _, r in numbered], interval, strict=strict)
    first = found.series[0].attention
    return {
        "ok": True, "interval": found.interval, "normalise": normalise,
        "periods": [{"value": b.value, "end": b.end, "total": b.total} for b in first.buckets],
        "undated_total": first.undated_total,
        "series": [{
            "number": number, "label": label(req), "query": query_dict(req), "matches": s.attention.matches,
            "undated": s.attention.undated, "counts": list(s.attention.counts),
            "shares": [round(s.attention.share(i), 6) for i in range(len(first.buckets))],
            "top": {name: [{"value": v.value, "count": v.count} for v in values] for name, values in s.top.items()},
        } for (number, req), s in zip(numbered, found.series, strict=True)],
    }


def label(req: SearchRequest) -> str:
    """A short name for a compared query: its words and its filters."""
    parts = [req.q] if req.q else []
    parts += [v for spec in FACETS for v in req.selected(spec.name)]
    if req.date_from or req.date_to:
        parts.append(f"{req.date_from or '…'} to {req.date_to or '…'}")
    return " · ".join(parts) or "all articles"


@bp.get("/api/compare")
def api_compare() -> Any:
    return jsonify(compare_data(snapshot(), request.args))


@bp.get("/api/compare.csv")
def api_compare_csv() -> Response:
    data = compare_data(snapshot(), request.args)
    header = ["period", "end", "all_articles"]
    for s in data["series"]:
        header += [f"q{s['number']}_count", f"q{s['number']}_share"]
    rows: list[list[Any]] = [header]
    for i, p in enumerate(data["periods"]):
        rows.append([p["value"], p["end"], p["total"], *[x for s in data["series"]
                                                          for x in (s["counts"][i], s["shares"][i])]])
    rows.append(["undated", "", data["undated_total"], *[x for s in data["series"] for x in (s["undated"], "")]])
    rows.append(["total", "", "", *[x for s in data["series"] for x in (s["matches"], "")]])
    return csv_response(rows, "newsearch-compare.csv")


# --- top words ------------------------------------------------------------------------------

TOPWORDS_PARAMS = ("size",)


def topwords_data(snap: Snapshot, args: MultiDict[str, str], strict: bool = True) -> dict[str, Any]:
    """Significant words and two-word phrases of the matches, with their counts in the set and in the index."""
    req, own = split_args(args, TOPWORDS_PARAMS)
    errors: list[str] = []
    size = _integer(own, "size", 25, errors)
    if errors:
        raise BadRequest(errors)
    with refused_as_bad_request():
        found = offered(snap, "top_words")(req, size, strict=strict)
    terms = lambda items: [{"term": t.text, "count": t.count, "corpus": t.corpus, "score": t.score}  # noqa: E731
                           for t in items]
    return {"ok": True, "query": query_dict(req), "matches": found.matches, "sampled": found.sampled,
            "method": log_likelihood_note(), "words": terms(found.words), "phrases": terms(found.phrases)}


@bp.get("/api/topwords")
def api_topwords() -> Any:
    return jsonify(topwords_data(snapshot(), request.args))


# --- co-occurrence --------------------------------------------------------------------------

COOCCURRENCE_PARAMS = ("entity", "facet", "page", "per_page")


def cooccurrence_data(snap: Snapshot, args: MultiDict[str, str], strict: bool = True,
                      paged: bool = True) -> dict[str, Any]:
    """People, organizations and places of the matches with counts, a page at a time; a chosen entity's lead."""
    req, own = split_args(args, COOCCURRENCE_PARAMS if paged else ("entity", "facet"))
    errors: list[str] = []
    page = _integer(own, "page", 1, errors)
    size = _integer(own, "per_page", 50, errors) if paged else MAX_COOCCURRENCE_PAGE
    entity = _entity(own.get("entity", ""), errors)
    names = tuple(dict.fromkeys(own.getlist("facet")))
    if errors:
        raise BadRequest(errors)
    with refused_as_bad_request():
        found = offered(snap, "cooccurrence")(req, entity, names, page, size, strict=strict) if paged else \
            _every_page(snap, req, entity, names, strict)
    return {"ok": True, "query": query_dict(req),
            "entity": {"facet": entity[0], "value": entity[1], "articles": found.entity_articles} if entity else None,
            "matches": found.matches, "page": page, "per_page": size if paged else None,
            "facets": {f.name: {"values": [{"value": v.value, "count": v.count, "together": v.together}
                                           for v in f.values], "total": f.total, "truncated": f.truncated}
                       for f in found.facets}}


def _every_page(snap: Snapshot, req: SearchRequest, entity: tuple[str, str] | None, names: tuple[str, ...],
                strict: bool) -> Any:
    """Every value of every list (for the CSV): pages of the largest size until none is left."""
    first = offered(snap, "cooccurrence")(req, entity, names, 1, MAX_COOCCURRENCE_PAGE, strict=strict)
    lists = []
    for facet in first.facets:
        values, page = list(facet.values), 1
        while facet.truncated:
            page += 1
            facet = snap.cooccurrence(req, entity, (facet.name,), page, MAX_COOCCURRENCE_PAGE, strict).facets[0]
            values += facet.values
        lists.append(replace(facet, values=tuple(values), truncated=False))
    return replace(first, facets=tuple(lists))


def _entity(raw: str, errors: list[str]) -> tuple[str, str] | None:
    """``people:Nigel Lawson`` -> ("people", "Nigel Lawson"); the facet by name or by its URL parameter."""
    raw = raw.strip()
    if not raw:
        return None
    name, _, value = raw.partition(":")
    spec = BY_NAME.get(name) or next((s for s in FACETS if s.param == name), None)
    if spec is None or not spec.is_entity or not value.strip():
        errors.append(f"entity must be facet:value with facet one of "
                      f"{', '.join(s.name for s in ENTITY_FACETS)}, not {raw[:60]!r}")
        return None
    return spec.name, value.strip()


@bp.get("/api/cooccurrence")
def api_cooccurrence() -> Any:
    return jsonify(cooccurrence_data(snapshot(), request.args))


@bp.get("/api/cooccurrence.csv")
def api_cooccurrence_csv() -> Response:
    data = cooccurrence_data(snapshot(), request.args, paged=False)
    rows: list[list[Any]] = [["facet", "value", "count", "together"]]
    for name, facet in data["facets"].items():
        rows += [[name, v["value"], v["count"], v["together"]] for v in facet["values"]]
    return csv_response(rows, "newsearch-cooccurrence.csv")


def csv_response(rows: list[list[Any]], filename: str) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    response = Response(buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _cell(value: Any) -> str:
    """A spreadsheet-safe cell: formulas (=, +, -, @, tab, CR) defused with a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# --- pages ----------------------------------------------------------------------------------


def _page_args(args: MultiDict[str, str], keep: Iterable[str]) -> MultiDict[str, str]:
    keep = set(keep)
    return MultiDict([(k, v) for k, v in args.items(multi=True) if k in keep and v.strip()])


@bp.get("/compare")
def compare_page() -> Any:
    state = UrlState(request.args, path="/compare")
    data, error = None, None
    if any(v.strip() for k, v in request.args.items(multi=True) if k not in COMPARE_SHARED):
        try:
            data = compare_data(snapshot(), request.args, strict=False)
        except BadRequest as exc:
            error = exc.errors
    rows = min(max(len(data["series"]) + 1 if data else 2, 2), MAX_QUERIES)  # one empty row to add a query
    for series in data["series"] if data else []:
        series["query_string"] = urlencode([(k, v) for k, vs in series["query"].items() if vs
                                            for v in (vs if isinstance(vs, list) else [vs])])
    return render_template("compare.html", data=data, error=error, state=state, rows=rows, facets=FACETS,
                           chart=compare_chart(data) if data else None, max_queries=MAX_QUERIES)


@bp.get("/topwords")
def topwords_page() -> Any:
    state = UrlState(request.args, path="/topwords")
    data = topwords_data(snapshot(), _page_args(request.args, (*SEARCH_KEYS, "size")), strict=False)
    return render_template("topwords.html", data=data, state=state, facets=FACETS, max_words=MAX_WORDS,
                           search=UrlState(_page_args(request.args, SEARCH_KEYS), path="/"))


@bp.get("/cooccurrence")
def cooccurrence_page() -> Any:
    state = UrlState(request.args, path="/cooccurrence")
    data = cooccurrence_data(snapshot(), _page_args(request.args, (*SEARCH_KEYS, *COOCCURRENCE_PARAMS)),
                             strict=False)
    return render_template("cooccurrence.html", data=data, state=state, facets=FACETS,
                           facet_params=[spec.param for spec in FACETS],
                           search=UrlState(_page_args(request.args, SEARCH_KEYS), path="/"))


def page_timeline(snap: Snapshot, args: MultiDict[str, str], state: UrlState,
                  date_facet: dict[str, Any] | None = None) -> tuple[dict[str, Any], Any]:
    """The search page's attention chart: its data and its geometry (counts of the search's own date
    histogram when the engine offers no attention)."""
    if getattr(snap, "attention", None) is None and date_facet is not None:
        data = counts_only(date_facet, args.get("from"), args.get("to"))
        return data, timeline(data, state)
    chosen = _page_args(args, (*SEARCH_KEYS, *ATTENTION_PARAMS))
    try:
        data = attention_data(snap, chosen, strict=False)
    except BadRequest as exc:  # the page does its best: too many periods for this interval -> automatic
        chosen.pop("interval", None)
        data = {**attention_data(snap, chosen, strict=False), "problems": exc.errors}
    return data, timeline(data, state)


def counts_only(date_facet: dict[str, Any], low: str | None, high: str | None) -> dict[str, Any]:
    """A search's date histogram in the shape of the attention data (counts, no totals)."""
    values = [{**v, "total": 0, "share": 0.0,
               "selected": bool((low or high) and (not low or v["end"] >= low) and (not high or v["value"] <= high))}
              for v in date_facet["values"]]
    return {"interval": date_facet["interval"], "normalise": False, "values": values,
            "undated": {"count": date_facet["undated"], "total": 0, "share": 0.0}}
