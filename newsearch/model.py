"""The document model: what a reader makes of its input (no parsing, no Whoosh, no Flask)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .entities import Mention


@dataclass(frozen=True)
class Document:
    """One article, ready to index. ``published`` is UTC or None (undated, never guessed)."""

    id: str
    title: str
    body: str
    original: str
    published: datetime | None
    date_from: str
    source: str | None
    source_from: str
    url: str
    author: str
    origin: str
    content_hash: str
    people: tuple[str, ...] = ()
    organizations: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    mentions: tuple[Mention, ...] = field(default=(), repr=False)
    extractor: str = ""
    dateline: str = ""  # "GENEVA (Reuters) -": kept out of the body, so out of the entities
    language: str = ""  # ISO 639-1 code, "" when unknown


@dataclass(frozen=True)
class Raw:
    """One article as read, not yet parsed: a whole file's bytes or one JSON line."""

    origin: str
    fmt: str  # a key of PARSERS: "text", "markdown" or "json"
    payload: bytes | str
    fallback_id: str
    default_source: str | None = None


@dataclass(frozen=True)
class Rejected:
    """Input that could not become a document, and why.

    ``count`` is how many input documents the line stands for: 1, or more for the summary
    line of a file whose rejects were over ``MAX_REJECTS_PER_FILE`` (``summary`` is then set).
    """

    origin: str
    reason: str
    count: int = 1
    summary: bool = False


class DocumentError(ValueError):
    """Input that cannot become a document; the message says what is wrong."""
