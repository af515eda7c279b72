"""The OpenAPI 3 document of the API (a test checks real responses against it)."""

from __future__ import annotations

from typing import Any

from ..querylang import MAX_QUERY_LENGTH
from ..search import MAX_DEPTH, MAX_PER_PAGE, SORTS

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
HIT = _obj({
    "id": _STR, "title": _STR, "title_html": _STR, "published": {**_NSTR, "format": "date-time"},
    "source": _NSTR, "url": _STR, "author": _STR, "snippets": _STRS, "people": _STRS,
    "organizations": _STRS, "places": _STRS,
})
DATE_FACET = _obj({
    "interval": {"type": "string", "enum": ["day", "week", "month", "year"]},
    "undated": _INT,
    "values": {"type": "array", "items": _obj({"value": {**_STR, "format": "date"},
                                               "end": {**_STR, "format": "date"}, "count": _INT})},
})
SEARCH = _obj({
    "ok": {"type": "boolean", "enum": [True]},
    "query": _obj({"q": _STR, "sort": {"type": "string", "enum": list(SORTS)}, "from": _NSTR, "to": _NSTR,
                   "source": _STRS, "person": _STRS, "organization": _STRS, "place": _STRS}),
    "total": _INT, "page": {"type": "integer", "minimum": 1}, "per_page": {"type": "integer", "minimum": 1},
    "pages": {"type": "integer", "minimum": 1},
    "results": {"type": "array", "items": _ref("Hit")},
    "facets": _obj({"date": _ref("DateFacet"), "source": _ref("Facet"), "people": _ref("Facet"),
                    "organizations": _ref("Facet"), "places": _ref("Facet")}),
    "warnings": _STRS, "suggestion": _NSTR,
})
ARTICLE = _obj({
    "ok": {"type": "boolean"}, "id": _STR, "title": _STR, "body": _STR, "original": _STR,
    "published": _NSTR, "source": _NSTR, "url": _STR, "author": _STR, "people": _STRS,
    "organizations": _STRS, "places": _STRS, "date_from": _STR, "source_from": _STR, "extractor": _STR,
    "mentions": {"type": "array", "items": _obj({"type": {"type": "string", "enum": ["PER", "ORG", "LOC"]},
                                                 "start": _INT, "end": _INT, "name": _STR})},
    "related": {"type": "array", "items": _ref("Hit")},
})
FACET_VALUES = _obj({"ok": {"type": "boolean"}, "name": _STR, "prefix": _STR,
                     "values": {"type": "array", "items": _ref("FacetValue")}, "truncated": {"type": "boolean"}})
STATS = _obj({
    "ok": {"type": "boolean"}, "articles": _INT, "first_day": _NSTR, "last_day": _NSTR, "undated": _INT,
    "sources": {"type": "array", "items": _obj({"value": _STR, "count": _INT})},
    "built_at": _NSTR, "extractor": _NSTR, "whoosh": _NSTR, "build": {"type": "object"},
})
HEALTH = _obj({"ok": {"type": "boolean"}, "index": _STR, "articles": _INT, "built_at": _NSTR,
               "warm": {"type": "boolean"}})
ERROR = _obj({"ok": {"type": "boolean", "enum": [False]}, "error": _STR, "errors": _STRS,
              "status": {"type": "integer", "minimum": 400, "maximum": 599}})


def _param(name: str, schema: dict[str, Any], description: str, repeat: bool = False) -> dict[str, Any]:
    if repeat:
        schema = {"type": "array", "items": schema}
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description,
            **({"style": "form", "explode": True} if repeat else {})}


SEARCH_PARAMS = [
    _param("q", {"type": "string", "maxLength": MAX_QUERY_LENGTH}, "Query: words, \"phrases\", AND/OR/NOT, -word, "
           "(groups), word*, title:/source:/person:/org:/place: fields. All words required by default."),
    _param("page", {"type": "integer", "minimum": 1, "maximum": MAX_DEPTH},
           f"Page number, from 1; page x per_page may not pass {MAX_DEPTH:,}."),
    _param("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}, "Results per page."),
    _param("sort", {"type": "string", "enum": list(SORTS)}, "Order of results."),
    _param("from", {"type": "string", "format": "date"}, "First day (inclusive, UTC)."),
    _param("to", {"type": "string", "format": "date"}, "Last day (inclusive, UTC)."),
    _param("source", {"type": "string", "maxLength": 500}, "Source filter (repeat for OR).", True),
    _param("person", {"type": "string", "maxLength": 500}, "Person filter (repeat for OR).", True),
    _param("organization", {"type": "string", "maxLength": 500}, "Organization filter (repeat for OR).", True),
    _param("place", {"type": "string", "maxLength": 500}, "Place filter (repeat for OR).", True),
]


def _ok(schema: str, media: str = "application/json") -> dict[str, Any]:
    return {"description": "OK", "content": {media: {"schema": _ref(schema) if schema else {"type": "string"}}}}


_ERRORS = {str(code): {"description": text, "content": {"application/json": {"schema": _ref("Error")}}}
           for code, text in ((400, "Bad request"), (404, "Not found"), (503, "No index"))}


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.0 description of every endpoint."""
    return {
        "openapi": "3.0.3",
        "info": {"title": "newsearch", "version": "1",
                 "description": "Full-text search over news, faceted by date, source and entity."},
        "paths": {
            "/api/search": {"get": {"summary": "Search", "parameters": SEARCH_PARAMS,
                                    "responses": {"200": _ok("Search"), **_ERRORS}}},
            "/api/search.csv": {"get": {"summary": "Every match as CSV", "parameters": SEARCH_PARAMS,
                                        "responses": {"200": _ok("", "text/csv"), **_ERRORS}}},
            "/api/search.jsonl": {"get": {"summary": "Every match as JSON Lines", "parameters": SEARCH_PARAMS,
                                          "responses": {"200": _ok("", "application/x-ndjson"), **_ERRORS}}},
            "/api/articles/{id}": {"get": {
                "summary": "One article with entities and related coverage",
                "parameters": [{"name": "id", "in": "path", "required": True,
                                "schema": {"type": "string", "maxLength": 300}}],
                "responses": {"200": _ok("Article"), **_ERRORS}}},
            "/api/facets/{name}": {"get": {
                "summary": "Search a facet's values by prefix",
                "parameters": [{"name": "name", "in": "path", "required": True,
                                "schema": {"type": "string", "enum": ["source", "people", "organizations", "places"]}},
                               _param("prefix", {"type": "string", "maxLength": 500}, "Start of a word of the value."),
                               *SEARCH_PARAMS],
                "responses": {"200": _ok("FacetValues"), **_ERRORS}}},
            "/api/stats": {"get": {"summary": "Index statistics", "responses": {"200": _ok("Stats"), **_ERRORS}}},
            "/api/health": {"get": {"summary": "Is the index readable",
                                    "responses": {"200": _ok("Health"), **_ERRORS}}},
            "/api/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"description": "OK"}}}},
        },
        "components": {"schemas": {
            "FacetValue": FACET_VALUE, "Facet": FACET, "Hit": HIT, "DateFacet": DATE_FACET, "Search": SEARCH,
            "Article": ARTICLE, "FacetValues": FACET_VALUES, "Stats": STATS, "Health": HEALTH, "Error": ERROR,
        }},
    }
