"""Articles as rows of the RT tables: integer keys, indexed text, attributes and the value dictionary.

Sphinx ids and multi-valued attributes are integers, so each article id and each facet value
gets a 63-bit key from a hash.  A value's key never changes, so the dictionary (key -> value,
and the words of the value for ``place:japan``) can be cached for ever by readers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..analysis import GRAM_SEP, common_grams, words
from ..dates import day_number
from ..documents import Document
from ..entities import aliases_of
from ..facets import FACETS
from ..schema import body_text, meta_of
from .config import FACET_ATTRS, FACET_TEXTS, GRAM_FIELDS

EVERY_TOKEN = "nsevery"  # in every article's ``every`` field: lets a query of negations alone run
VALUE_GAP = " nsgap nsgap "  # between facet values, so that a phrase never spans two of them
NO_DAY = -(2**31)  # the day of an undated article, as in columns.NO_DAY
_MASK = (1 << 63) - 1


def key(text: str) -> int:
    """A positive 63-bit key for a string (never 0, which Sphinx refuses as an id)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big") & _MASK or 1


def doc_key(article_id: str) -> int:
    """The Sphinx id of an article."""
    return key("doc\x1f" + article_id)


def value_key(facet: str, value: str) -> int:
    """The dictionary key of one facet value."""
    return key(f"{facet}\x1f{value}")


def shard_of(article_id: str, shards: int) -> int:
    """The shard that holds an article: its key modulo the number of shards."""
    return doc_key(article_id) % shards


def sphinx_word(word: str) -> str:
    """One analysed word as Sphinx indexes it: ``u.s`` and ``don't`` keep together as ``u_s``, ``don_t``."""
    return word.replace(".", "_").replace("'", "_")


def index_text(text: str) -> str:
    """Text as indexed: our analyser's words (so both engines see the same words), Sphinx-safe."""
    return " ".join(sphinx_word(w) for w in words(text))


def sphinx_gram(gram: str) -> str:
    """The one token of two adjacent common words (``analysis.gram``) in a gram field: ``of__the``."""
    return sphinx_word(gram).replace(GRAM_SEP, "__")


def grams_text(indexed: list[str]) -> str:
    """A text's grams field: the tokens of its adjacent pairs of common words."""
    return " ".join(sphinx_gram(g) for g in common_grams(indexed))


@dataclass(frozen=True)
class Row:
    """One article ready for REPLACE INTO, and the dictionary entries of its facet values."""

    id: int
    aid: str
    columns: dict[str, Any]
    values: tuple[tuple[int, int, str, str], ...]  # (key, facet number, value, words)
    stored: str  # the stored article, JSON (in the stored table)


def stored_of(doc: Document | Mapping[str, Any]) -> dict[str, Any]:
    """What is stored per article (the Whoosh engine's stored meta, so both engines return the same)."""
    return meta_of(doc) if isinstance(doc, Document) else dict(doc)


def row_of(doc: Document | Mapping[str, Any]) -> Row:
    """The table row of an article given as a Document or as its stored meta."""
    meta = stored_of(doc)
    published = datetime.fromisoformat(meta["published"].replace("Z", "+00:00")) if meta.get("published") else None
    title, body = words(meta["title"]), words(body_text(meta.get("dateline"), meta["body"]))
    columns: dict[str, Any] = {
        "title": " ".join(map(sphinx_word, title)),
        "body": " ".join(map(sphinx_word, body)),
        GRAM_FIELDS["title"]: grams_text(title),
        GRAM_FIELDS["body"]: grams_text(body),
        "every": EVERY_TOKEN,
        "aid": meta["id"],
        "published": int(published.timestamp() * 1000) if published else 0,
        "dated": 1 if published else 0,
        **bucket_keys(published),
    }
    values = []
    for number, spec in enumerate(FACETS):
        found = _facet_values(meta, spec.doc_attr)
        columns[FACET_ATTRS[spec.name]] = tuple(value_key(spec.name, v) for v in found)
        spelled = [index_text(name) for v in found for name in [v, *aliases_of(spec.kind, v)]]
        columns[FACET_TEXTS[spec.name]] = VALUE_GAP.join(spelled)
        values.extend((value_key(spec.name, v), number, v, index_text(v)) for v in found)
    return Row(doc_key(meta["id"]), meta["id"], columns, tuple(values),
               json.dumps(meta, ensure_ascii=False, separators=(",", ":")))


def bucket_keys(published: datetime | None) -> dict[str, int]:
    """The histogram keys of a date: its day number, its week's Monday, its month and its year."""
    if published is None:
        return {"day": NO_DAY, "week": NO_DAY, "month": NO_DAY, "year": NO_DAY}
    day = day_number(published)
    return {"day": day, "week": day - (day + 3) % 7, "month": published.year * 12 + published.month - 1,
            "year": published.year}


def _facet_values(meta: Mapping[str, Any], attr: str) -> tuple[str, ...]:
    value = meta.get(attr)
    if not value:
        return ()
    return (value,) if isinstance(value, str) else tuple(dict.fromkeys(value))


def rows_of(docs: Iterator[Document | Mapping[str, Any]]) -> Iterator[Row]:
    for doc in docs:
        yield row_of(doc)
