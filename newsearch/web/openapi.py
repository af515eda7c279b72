"""The OpenAPI 3 document of the API (a test checks real responses against it)."""

from __future__ import annotations

from typing import Any

from ..facets import ENTITY_FACETS, FACETS, NAMES
from ..querylang import MAX_QUERY_LENGTH
from ..research import INTERVALS, MAX_COOCCURRENCE_PAGE, MAX_QUERIES, MAX_WORDS
from ..results import COLLAPSES, COUNTS, MAX_DEPTH, MAX_FACET_PAGE, MAX_PER_PAGE, SORTS

_STR = {"type": "string"}
_NSTR = {"type": "string", "nullable": True}
_INT = {"type": "integer", "minimum": 0}
_STRS = {"type": "array", "items": _STR}


def _obj(props: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": required or list(props),
            "additionalProperties": False}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


FACET_VALUE = _obj({"value": _STR, "count": _INT, "selected": {"type": "boolean"}})
FACET = _obj({"values": {"type": "array", "items": _ref("FacetValue")}, "truncated": {"type": "boolean"}})
_ENTITIES = {spec.name: _STRS for spec in ENTITY_FACETS}
COPY = _obj({"id": _STR, "title": _STR, "source": _NSTR, "published": _NSTR, "url": _STR})
HIT = _obj({
    "id": _STR, "title": _STR, "title_html": _STR, "published": {**_NSTR, "format": "date-time"},
    "source": _NSTR, "url": _STR, "author": _STR, "snippets": _STRS, **_ENTITIES,
    "score": {"type": "number", "description": "BM25 relevance (only when sorted by relevance)"},
    "headline_only": {"type": "boolean", "description": "The article is a headline without text"},
    "copy_group": {**_STR, "description": "Id of its group of near-identical copies (wire copies, re-posts)"},
    "story_id": {**_STR, "description": "Id of its story: articles about the same event"},
    "copies_count": {**_INT, "description": "Other articles in its copy group"},
    "copies": {"type": "array", "items": _ref("Copy"), "description": "The first of those copies, original first"},
}, required=["id", "title", "title_html", "published", "source", "url", "author", "snippets", *_ENTITIES,
             "headline_only", "copy_group", "story_id", "copies_count", "copies"])
FACET_EXPLANATION = _obj({"ok": {"type": "boolean"}, "name": _STR, "value": _STR, "count": _INT, "aliases": _STRS})
DATE_FACET = _obj({
    "interval": {"type": "string", "enum": ["day", "week", "month", "year"]},
    "undated": _INT,
    "values": {"type": "array", "items": _obj({"value": {**_STR, "format": "date"},
                                               "end": {**_STR, "format": "date"}, "count": _INT})},
})
SEARCH = _obj({
    "ok": {"type": "boolean", "enum": [True]},
    "query": _obj({"q": _STR, "sort": {"type": "string", "enum": list(SORTS)},
                   "count": {"type": "string", "enum": list(COUNTS)},
                   "collapse": {"type": "string", "enum": list(COLLAPSES)}, "from": _NSTR, "to": _NSTR,
                   **{spec.param: _STRS for spec in FACETS}}),
    "total": {**_INT, "description": "Matches, counted as the count parameter says"},
    "totals": _obj({name: _INT for name in COUNTS}),
    "results_total": {**_INT, "description": "Results once collapsed: what the pages hold"},
    "page": {"type": "integer", "minimum": 1}, "per_page": {"type": "integer", "minimum": 1},
    "pages": {"type": "integer", "minimum": 1},
    "results": {"type": "array", "items": _ref("Hit")},
    "facets": _obj({"date": _ref("DateFacet"), **{name: _ref("Facet") for name in NAMES}}),
    "warnings": _STRS, "suggestion": _NSTR,
    "partial": {"type": "boolean", "description": "A part of a distributed index did not answer: counts may be short"},
    "missing": {**_STRS, "description": "Which parts did not answer"},
})
ARTICLE = _obj({
    "ok": {"type": "boolean"}, "id": _STR, "title": _STR, "body": _STR, "original": _STR,
    "published": _NSTR, "source": _NSTR, "url": _STR, "author": _STR, **_ENTITIES,
    "date_from": {**_STR,
                  "description": "Where the date came from: metadata, markup, text, dateline, url, crawl or none"},
    "source_from": _STR, "extractor": _STR,
    "mentions": {"type": "array", "items": _obj({"type": {"type": "string", "enum": ["PER", "ORG", "LOC"]},
                                                 "start": _INT, "end": _INT, "name": _STR})},
    "related": {"type": "array", "items": _ref("Hit")},
    "copy_group": _STR, "story_id": _STR, "language": {**_STR, "description": "ISO 639-1 code, empty if unknown"},
    "dateline": _STR,
    "copies": {"type": "array", "items": _ref("Copy"), "description": "The other articles of its copy group"},
    "story": {"type": "array", "items": _ref("Copy"),
              "description": "The other articles of its story that are not copies of it"},
})
FACET_VALUES = _obj({"ok": {"type": "boolean"}, "name": _STR, "prefix": _STR, "page": _INT, "per_page": _INT,
                     "total": {**_INT, "description": "distinct values with a non-zero count"},
                     "values": {"type": "array", "items": _ref("FacetValue")}, "truncated": {"type": "boolean"}})
STATS = _obj({
    "ok": {"type": "boolean"}, "articles": _INT, "first_day": _NSTR, "last_day": _NSTR, "undated": _INT,
    "sources": {"type": "array", "items": _obj({"value": _STR, "count": _INT})},
    "built_at": _NSTR, "extractor": _NSTR, "whoosh": _NSTR, "build": {"type": "object"},
})
HEALTH = _obj({"ok": {"type": "boolean"}, "index": _STR, "articles": _INT, "built_at": _NSTR,
               "warm": {"type": "boolean"}})
_NUM = {"type": "number", "minimum": 0}
_DAY = {**_STR, "format": "date"}
QUERY = _obj({"q": _STR, "from": _NSTR, "to": _NSTR, **{spec.param: _STRS for spec in FACETS}})
_INTERVAL = _ref("Interval")
ATTENTION = _obj({
    "ok": {"type": "boolean"}, "query": _ref("Query"), "interval": _INTERVAL, "normalise": {"type": "boolean"},
    "matches": {**_INT, "description": "matching articles, dated and undated, over every date"},
    "values": {"type": "array", "items": _obj({
        "value": _DAY, "end": _DAY, "count": _INT, "total": {**_INT, "description": "all articles in the period"},
        "share": {**_NUM, "description": "count / total"},
        "selected": {"type": "boolean", "description": "inside the request's from/to range"}})},
    "undated": _obj({"count": _INT, "total": _INT, "share": _NUM}),
})
_TOP = {"type": "array", "items": _obj({"value": _STR, "count": _INT})}
COMPARISON = _obj({
    "ok": {"type": "boolean"}, "interval": _INTERVAL, "normalise": {"type": "boolean"},
    "periods": {"type": "array", "items": _obj({"value": _DAY, "end": _DAY, "total": _INT})},
    "undated_total": _INT,
    "series": {"type": "array", "items": _obj({
        "number": {"type": "integer", "minimum": 1, "maximum": MAX_QUERIES}, "label": _STR, "query": _ref("Query"),
        "matches": _INT, "undated": _INT, "counts": {"type": "array", "items": _INT},
        "shares": {"type": "array", "items": _NUM}, "top": _obj({spec.name: _TOP for spec in ENTITY_FACETS})})},
})
_TERMS = {"type": "array", "items": _obj({"term": _STR, "count": {**_INT, "description": "matching articles with it"},
                                          "corpus": {**_INT, "description": "articles of the index with it"},
                                          "score": {**_NUM, "description": "log-likelihood (G2)"}})}
TOP_WORDS = _obj({"ok": {"type": "boolean"}, "query": _ref("Query"), "matches": _INT,
                  "sampled": {**_INT, "description": "matches counted (a fixed sample when there are many)"},
                  "method": _STR, "words": _TERMS, "phrases": _TERMS})
COOCCURRENCE = _obj({
    "ok": {"type": "boolean"}, "query": _ref("Query"),
    "entity": {**_obj({"facet": _STR, "value": _STR, "articles": _INT}), "nullable": True},
    "matches": _INT, "page": {"type": "integer", "minimum": 1},
    "per_page": {"type": "integer", "minimum": 1, "nullable": True},
    "facets": {"type": "object", "additionalProperties": _obj({
        "values": {"type": "array", "items": _obj({"value": _STR, "count": _INT, "together": _INT})},
        "total": _INT, "truncated": {"type": "boolean"}})},
})
ERROR = _obj({"ok": {"type": "boolean", "enum": [False]}, "error": _STR, "errors": _STRS,
              "status": {"type": "integer", "minimum": 400, "maximum": 599}})


def _param(name: str, schema: dict[str, Any], description: str, repeat: bool = False) -> dict[str, Any]:
    if repeat:
        schema = {"type": "array", "items": schema}
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description,
            **({"style": "form", "explode": True} if repeat else {})}


_FIELDS_HELP = "/".join(f"{spec.query_field}:" for spec in FACETS)
QUERY_HELP = (
    "Query: words (all required; each matches its inflections: price = prices), \"exact phrases\", AND/OR/NOT "
    "(NOT binds tightest, then OR, then AND), -word, (groups), word*, and the fields title: and "
    f"{_FIELDS_HELP}. A field query on a facet matches the facet values as shown, ignoring case and "
    "including the aliases merged into them; one word of a multi-word name matches it (person:lawson)."
)
FILTER_PARAMS = [_param(spec.param, {"type": "string", "maxLength": 500},
                        f"{spec.label} filter: a value exactly as the facet shows it (repeat for OR).", True)
                 for spec in FACETS]
FILTERS = [
    _param("q", {"type": "string", "maxLength": MAX_QUERY_LENGTH}, QUERY_HELP),
    _param("sort", {"type": "string", "enum": list(SORTS)},
           "Order: relevance (score, then newest, then id), newest or oldest (time, then id; undated last)."),
    _param("from", {"type": "string", "format": "date"}, "First day (inclusive, UTC)."),
    _param("to", {"type": "string", "format": "date"}, "Last day (inclusive, UTC)."),
    *FILTER_PARAMS,
    _param("collapse", {"type": "string", "enum": list(COLLAPSES)},
           "One result per copy group (default), per story, or every article."),
]
SEARCH_PARAMS = [
    *FILTERS,
    _param("count", {"type": "string", "enum": list(COUNTS)},
           "What the total, facet counts and timeline count: articles (default), distinct copy groups "
           "or distinct stories."),
    _param("page", {"type": "integer", "minimum": 1, "maximum": MAX_DEPTH},
           f"Page number, from 1; page x per_page may not pass {MAX_DEPTH:,}."),
    _param("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}, "Results per page."),
]
FACET_PAGE_PARAMS = [
    _param("prefix", {"type": "string", "maxLength": 500}, "Start of a word of the value."),
    _param("page", {"type": "integer", "minimum": 1}, "Page of values, from 1."),
    _param("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_FACET_PAGE}, "Values per page."),
]


RESEARCH_FILTERS = [p for p in FILTERS if p["name"] != "sort"]
ATTENTION_PARAMS = [
    *RESEARCH_FILTERS,
    _param("interval", _ref("IntervalChoice"), "Period of each bar (auto follows the span)."),
    _param("normalise", {"type": "boolean"}, "Plot the share of all articles of each period instead of counts "
                                              "(both are always returned)."),
]
_NUMBERED = [_param(f"{p['name']}{n}", p["schema"], f"Query {n}: {p['description']}", "explode" in p)
             for n in range(1, MAX_QUERIES + 1) for p in RESEARCH_FILTERS]
COMPARE_PARAMS = [*_NUMBERED, *ATTENTION_PARAMS[-2:]]
TOPWORDS_PARAMS = [*RESEARCH_FILTERS, _param("size", {"type": "integer", "minimum": 1, "maximum": MAX_WORDS},
                                             "How many words (and phrases) to return.")]
_ENTITY = _param("entity", {"type": "string", "maxLength": 500},
                 "facet:value (e.g. people:Nigel Lawson): rank names by articles naming both.")
_FACET = _param("facet", {"type": "string", "enum": [s.name for s in ENTITY_FACETS]}, "Lists to return (all "
                "when absent).", True)
COOCCURRENCE_CSV_PARAMS = [*RESEARCH_FILTERS, _ENTITY, _FACET]
COOCCURRENCE_PARAMS = [
    *COOCCURRENCE_CSV_PARAMS,
    _param("page", {"type": "integer", "minimum": 1}, "Page of each list, from 1."),
    _param("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_COOCCURRENCE_PAGE}, "Names per list."),
]


def _get(operation: str, summary: str, params: list[dict[str, Any]], schema: str, media: str = "application/json"
         ) -> dict[str, Any]:
    return {"get": {"operationId": operation, "summary": summary, "parameters": params,
                    "responses": {"200": _ok(schema, media), **_ERRORS}}}


def _ok(schema: str, media: str = "application/json") -> dict[str, Any]:
    return {"description": "OK", "content": {media: {"schema": _ref(schema) if schema else {"type": "string"}}}}


_ERRORS = {str(code): {"description": text, "content": {"application/json": {"schema": _ref("Error")}}}
           for code, text in ((400, "Bad request"), (404, "Not found"),
                              (503, "No readable index, or the query was too expensive"))}


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.0 description of every endpoint."""
    return {
        "openapi": "3.0.3",
        "info": {"title": "newsearch", "version": "1",
                 "description": "Full-text search over news, faceted by date, source and entity."},
        "paths": {
            "/api/search": {"get": {"operationId": "search", "summary": "Search", "parameters": SEARCH_PARAMS,
                                    "responses": {"200": _ok("Search"), **_ERRORS}}},
            "/api/search.csv": {"get": {"operationId": "exportCsv", "summary": "Every match as CSV",
                                        "parameters": FILTERS,
                                        "responses": {"200": _ok("", "text/csv"), **_ERRORS}}},
            "/api/search.jsonl": {"get": {"operationId": "exportJsonLines", "summary": "Every match as JSON Lines",
                                          "parameters": FILTERS,
                                          "responses": {"200": _ok("", "application/x-ndjson"), **_ERRORS}}},
            "/api/articles/{id}": {"get": {
                "operationId": "getArticle", "summary": "One article with entities and related coverage",
                "parameters": [{"name": "id", "in": "path", "required": True,
                                "schema": {"type": "string", "maxLength": 300}}],
                "responses": {"200": _ok("Article"), **_ERRORS}}},
            "/api/facets/{name}": {"get": {
                "operationId": "facetValues", "summary": "A facet's values (by prefix), a page at a time",
                "parameters": [{"name": "name", "in": "path", "required": True,
                                "schema": {"type": "string", "enum": list(NAMES)}},
                               *FACET_PAGE_PARAMS, *FILTERS],
                "responses": {"200": _ok("FacetValues"), **_ERRORS}}},
            "/api/facets/{name}/{value}": {"get": {
                "operationId": "explainFacetValue",
                "summary": "One facet value: its article count and the names merged into it",
                "parameters": [{"name": "name", "in": "path", "required": True,
                                "schema": {"type": "string", "enum": list(NAMES)}},
                               {"name": "value", "in": "path", "required": True,
                                "schema": {"type": "string", "maxLength": 300}}],
                "responses": {"200": _ok("FacetExplanation"), **_ERRORS}}},
            "/api/stats": {"get": {"operationId": "stats", "summary": "Index statistics",
                                   "responses": {"200": _ok("Stats"), **_ERRORS}}},
            "/api/health": {"get": {"operationId": "health",
                                    "summary": "Is the index readable",
                                    "responses": {"200": _ok("Health"), **_ERRORS}}},
            "/api/attention": _get("attention", "Matches per period: counts and share of all articles",
                                   ATTENTION_PARAMS, "Attention"),
            "/api/compare": _get("compare", f"Up to {MAX_QUERIES} queries on one time axis, with top names",
                                 COMPARE_PARAMS, "Comparison"),
            "/api/compare.csv": _get("compareCsv", "The comparison as CSV", COMPARE_PARAMS, "", "text/csv"),
            "/api/topwords": _get("topWords", "Significant words and two-word phrases of the matches",
                                  TOPWORDS_PARAMS, "TopWords"),
            "/api/cooccurrence": _get("cooccurrence", "Names in the matches, a page at a time",
                                      COOCCURRENCE_PARAMS, "Cooccurrence"),
            "/api/cooccurrence.csv": _get("cooccurrenceCsv", "Every name in the matches as CSV",
                                          COOCCURRENCE_CSV_PARAMS, "", "text/csv"),
            "/api/openapi.json": {"get": {"operationId": "openapi", "summary": "This document",
                                          "responses": {"200": {"description": "OK"}}}},
        },
        "components": {"schemas": {
            "Copy": COPY, "FacetValue": FACET_VALUE, "FacetExplanation": FACET_EXPLANATION,
            "Facet": FACET, "Hit": HIT, "DateFacet": DATE_FACET,
            "Search": SEARCH, "Article": ARTICLE, "FacetValues": FACET_VALUES, "Stats": STATS,
            "Health": HEALTH, "Error": ERROR,
            "Interval": {"type": "string", "enum": list(INTERVALS)},
            "IntervalChoice": {"type": "string", "enum": ["auto", *INTERVALS]}, "Query": QUERY,
            "Attention": ATTENTION, "Comparison": COMPARISON, "TopWords": TOP_WORDS,
            "Cooccurrence": COOCCURRENCE,
        }},
    }
