"""The REST API under /api (JSON, CSV and JSON Lines)."""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, stream_with_context

from ..engine import Snapshot
from ..facets import ENTITY_FACETS
from . import engine, snapshot
from .data import (
    BadRequest,
    article_dict,
    facet_values_data,
    hit_dict,
    refused_as_bad_request,
    request_from_args,
    search_data,
    stats_data,
)
from .openapi import openapi_document

bp = Blueprint("api", __name__, url_prefix="/api")
MAX_ID_LENGTH = 300
EXPORT_COLUMNS = ("id", "published", "source", "title", "url", "author", "score",
                  *(spec.name for spec in ENTITY_FACETS))


@bp.get("/search")
def search() -> Any:
    return jsonify(search_data(snapshot(), request.args, strict=True))


@bp.get("/articles/<path:doc_id>")
def article(doc_id: str) -> Any:
    _check_id(doc_id)
    return jsonify(article_dict(snapshot().article(doc_id)))


@bp.get("/facets/<name>")
def facet_values(name: str) -> Any:
    return jsonify(facet_values_data(snapshot(), name, request.args))


@bp.get("/facets/<name>/<path:value>")
def facet_value(name: str, value: str) -> Any:
    """One facet value explained: its article count and the names merged into it."""
    if len(value) > MAX_ID_LENGTH:
        raise BadRequest([f"a facet value is at most {MAX_ID_LENGTH} characters"])
    found = snapshot().explain(name, value)
    return jsonify({"ok": True, "name": found.name, "value": found.value, "count": found.count,
                    "aliases": list(found.aliases)})


@bp.get("/stats")
def stats() -> Any:
    return jsonify(stats_data(snapshot()))


@bp.get("/openapi.json")
def openapi() -> Any:
    return jsonify(openapi_document())


@bp.get("/search.jsonl")
def export_jsonl() -> Response:
    rows = _export_rows(snapshot())
    body = (json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    return _stream(body, "application/x-ndjson", "jsonl")


@bp.get("/search.csv")
def export_csv() -> Response:
    rows = _export_rows(snapshot())
    return _stream(_csv_lines(rows), "text/csv", "csv")  # Flask adds the one charset


def _export_rows(snap: Snapshot) -> Iterator[dict[str, Any]]:
    req = request_from_args(request.args)
    with refused_as_bad_request():  # the first hit is taken here so a bad query fails before streaming
        hits = snap.search_all(req, strict=True)
        first = next(hits, None)
    if first is None:
        return iter(())
    return (_export_row(hit_dict(h)) for h in itertools.chain([first], hits))


def _export_row(hit: dict[str, Any]) -> dict[str, Any]:
    return {key: hit.get(key) for key in EXPORT_COLUMNS}


def _csv_lines(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        writer.writerow([_cell(row[key]) for key in EXPORT_COLUMNS])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def _cell(value: Any) -> str:
    """A spreadsheet-safe cell: lists joined, and formulas (=, +, -, @, tab, CR) defused with a quote."""
    text = "; ".join(value) if isinstance(value, list) else "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _stream(body: Iterator[str], mimetype: str, extension: str) -> Response:
    response = Response(stream_with_context(body), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="newsearch-results.{extension}"'
    return response


def _check_id(doc_id: str) -> None:
    if len(doc_id) > MAX_ID_LENGTH or any(ord(c) < 32 for c in doc_id):
        raise BadRequest([f"article id must be 1-{MAX_ID_LENGTH} printable characters"])


@bp.get("/health")
def health() -> Any:
    """Whether every segment of the live index answers a probe, its article count and build time.

    A probe that fails is IndexUnavailable: a 503 in the error shape, with the details in the log."""
    snap = snapshot()
    snap.probe()
    stats = snap.stats()
    return jsonify({"ok": True, "index": "readable", "articles": stats.articles, "built_at": stats.built_at,
                    "warm": engine(current_app).warm})
