"""The Whoosh schema, and turning a Document into the fields it stores and indexes.

Two kinds of field per facet: an analysed TEXT field for queries (``person:netanyahu``)
and an exact ID field (``f_person``) whose terms are the facet values.  The search layer
reads the exact fields' posting lists once per index generation into arrays, so facet
counts and filters never loop in Python over matching documents.
"""

from __future__ import annotations

import re
from typing import Any

from whoosh.analysis import Analyzer, LowercaseFilter, RegexTokenizer
from whoosh.columns import VarBytesColumn
from whoosh.fields import COLUMN, DATETIME, ID, STORED, TEXT, Schema

from .dates import day_number
from .documents import Document

ROW_FIELD = "facets"
FIELD_SEP, VALUE_SEP = "\x1e", "\x1f"  # never inside a name (normalised away)


WORD_PATTERN = r"\w+(?:[.'’]\w+)*"


def text_analyzer() -> Analyzer:
    """Words in lower case; no stop words (phrases keep every word) and no stemming.

    Stemming cost 15% of indexing time and makes highlights inexact; ``word*`` covers
    the variants when wanted.
    """
    return RegexTokenizer(WORD_PATTERN) | LowercaseFilter()


_WORD_RE = re.compile(WORD_PATTERN)


def words(text: str) -> list[str]:
    """What text_analyzer yields, as a list: handed to Whoosh pre-tokenised, so the one
    writer process does not tokenise (the worker processes do)."""
    return [w.lower() for w in _WORD_RE.findall(text)]


def build_schema() -> Schema:
    """The index schema."""
    text = names = text_analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        idhash=ID,  # "id\x1fcontent hash": lets --update compare without reading stored fields
        title=TEXT(analyzer=text, phrase=True, field_boost=2.0),
        body=TEXT(analyzer=text, phrase=True),
        source=TEXT(analyzer=names, phrase=True),
        person=TEXT(analyzer=names, phrase=True),
        org=TEXT(analyzer=names, phrase=True),
        place=TEXT(analyzer=names, phrase=True),
        published=DATETIME,  # for Whoosh-level date queries; our filters use the facet rows
        f_source=ID,
        f_person=ID,
        f_org=ID,
        f_place=ID,
        facets=COLUMN(VarBytesColumn()),
        meta=STORED,
    )


def fields_of(doc: Document) -> dict[str, Any]:
    """The Whoosh fields of a document."""
    title, body = words(doc.title), words(doc.body)
    return {
        "id": doc.id,
        "idhash": id_hash(doc.id, doc.content_hash),
        "title": title,
        "body": body,
        "source": words(doc.source or ""),
        "person": words(" , ".join(doc.people)),
        "org": words(" , ".join(doc.organizations)),
        "place": words(" , ".join(doc.places)),
        "published": doc.published.replace(tzinfo=None) if doc.published else None,
        "f_source": doc.source or "",
        "f_person": list(doc.people) or None,
        "f_org": list(doc.organizations) or None,
        "f_place": list(doc.places) or None,
        "facets": facet_row(doc, len(title), len(body)),
        "meta": meta_of(doc),
    }


def facet_row(doc: Document, title_length: int, body_length: int) -> bytes:
    """One document's facet values and field lengths, read back in bulk by the search layer:
    day, timestamp, title length, body length, source, people, organizations, places."""
    day = str(day_number(doc.published)) if doc.published else ""
    stamp = repr(doc.published.timestamp()) if doc.published else ""
    parts = [day, stamp, str(title_length), str(body_length), _clean(doc.source or ""),
             *(VALUE_SEP.join(map(_clean, names)) for names in (doc.people, doc.organizations, doc.places))]
    return FIELD_SEP.join(parts).encode("utf-8")


def _clean(name: str) -> str:
    return name.replace(FIELD_SEP, " ").replace(VALUE_SEP, " ")


def meta_of(doc: Document) -> dict[str, Any]:
    """What is stored for display beside title and body."""
    return {
        "id": doc.id,
        "title": doc.title,
        "body": doc.body,
        "original": doc.original,
        "published": doc.published.isoformat().replace("+00:00", "Z") if doc.published else None,
        "date_from": doc.date_from,
        "source": doc.source,
        "source_from": doc.source_from,
        "url": doc.url,
        "author": doc.author,
        "origin": doc.origin,
        "content_hash": doc.content_hash,
        "people": list(doc.people),
        "organizations": list(doc.organizations),
        "places": list(doc.places),
        "mentions": [(m.kind, m.start, m.end, m.name) for m in doc.mentions],
        "extractor": doc.extractor,
    }


def id_hash(doc_id: str, content_hash: str) -> str:
    """The idhash term of a document."""
    return f"{doc_id}\x1f{content_hash}"
