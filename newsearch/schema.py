"""The Whoosh schema, and turning a Document into the fields it stores and indexes.

Only title and body are indexed as words (with positions, for phrases), and the body's pairs
of adjacent common words as one term each (``grams``, counts only: phrases of common words).  Everything facets
need goes into one per-document row in a stored column (``facets``): the search layer reads
that column once per index generation into numpy arrays, so facet counts, filters and
entity-field queries never loop in Python over matching documents.
"""

from __future__ import annotations

from typing import Any

from whoosh.analysis import Analyzer, LowercaseFilter, RegexTokenizer
from whoosh.columns import VarBytesColumn
from whoosh.fields import COLUMN, ID, STORED, TEXT, Schema

from .analysis import WORD_PATTERN, common_grams, words
from .dates import day_number
from .documents import Document
from .facets import FACETS

ROW_FIELD = "facets"
FIELD_SEP, VALUE_SEP = "\x1e", "\x1f"  # never inside a name (normalised away)
ROW_FIXED = ("day", "timestamp", "title_length", "body_length", "id")  # then one slot per facet
GRAMS_FIELD = "grams"  # the body's pairs of adjacent common words, one term each
FORMAT = 2  # of the row and fields; an index of another format must be rebuilt


def text_analyzer() -> Analyzer:
    """What Whoosh would do to text; documents arrive pre-tokenised by ``analysis.words``."""
    return RegexTokenizer(WORD_PATTERN) | LowercaseFilter()


def build_schema() -> Schema:
    """The index schema."""
    text = text_analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        idhash=ID,  # "id\x1fcontent hash": lets --update compare without reading stored fields
        title=TEXT(analyzer=text, phrase=True, field_boost=2.0),
        body=TEXT(analyzer=text, phrase=True),
        **{GRAMS_FIELD: TEXT(analyzer=text, phrase=False)},  # the body's pairs of common words, for phrases
        facets=COLUMN(VarBytesColumn()),
        meta=STORED,
    )


def body_text(dateline: str | None, body: str) -> str:
    """The text indexed as the body: the dateline ("NEW YORK, March 3 -") is searchable too."""
    return f"{dateline}\n{body}" if dateline else body


def fields_of(doc: Document) -> dict[str, Any]:
    """The Whoosh fields of a document."""
    title, body = words(doc.title), words(body_text(doc.dateline, doc.body))
    return {
        "id": doc.id,
        "idhash": id_hash(doc.id, doc.content_hash),
        "title": title,
        "body": body,
        GRAMS_FIELD: common_grams(body),
        "facets": facet_row(doc, len(title), len(body)),
        "meta": meta_of(doc),
    }


def facet_row(doc: Document, title_length: int, body_length: int) -> bytes:
    """One document's row, read back in bulk by the search layer: ``ROW_FIXED``, then each facet's values."""
    day = str(day_number(doc.published)) if doc.published else ""
    stamp = repr(doc.published.timestamp()) if doc.published else ""
    parts = [day, stamp, str(title_length), str(body_length), _clean(doc.id),
             *(VALUE_SEP.join(map(_clean, spec.values_of(doc))) for spec in FACETS)]
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
        "dateline": doc.dateline,
        "language": doc.language,
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
