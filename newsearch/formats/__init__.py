"""Readers for news as it arrives on the web: HTML pages, RSS/Atom feeds and WARC/ARC web archives.

Each format module offers ``iter_<fmt>_items(path, opener, fallback_id, default_source)``, which reads a
file in the main process and yields cheap ``Raw`` items (or ``Rejected`` ones), and ``parse_<fmt>(raw)``,
which runs in a worker and returns a ``Document`` or raises ``DocumentError``.  Documents are built only
through ``make_document`` here, so the document model can change in one place.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .. import model
from ..sources import canonical_source

if TYPE_CHECKING:
    from ..model import Document, Raw, Rejected

Opener = Callable[[Path], IO[bytes]]
"""Opens a file for binary reading (decompressing ``.gz``/``.xz`` where the caller wants that)."""

DATE_FROM = ("metadata", "markup", "text", "url", "crawl", "none")
NO_ARTICLE = "no article text"
SUFFIXES = {".html": "html", ".htm": "html", ".xhtml": "html", ".shtml": "html",
            ".rss": "feed", ".atom": "feed", ".rdf": "feed", ".warc": "warc", ".arc": "warc"}
FORMATS = ("html", "feed", "warc")
SNIFF_BYTES = 4096
_URL_DATE_RE = re.compile(r"/((?:19|20)\d{2})[/-](0[1-9]|1[0-2])[/-](0[1-9]|[12]\d|3[01])(?:/|[-_.]|$)")


@cache
def _has_language() -> bool:
    return "language" in {f.name for f in dataclasses.fields(model.Document)}


def format_for(kind: str, path: Path, opener: Opener) -> str | None:
    """The reader for a file of this suffix ('.html', '.warc'; '.xml' when its content is a feed), or None."""
    if kind == ".xml":
        from .feed import is_feed
        try:
            with opener(path) as f:
                return "feed" if is_feed(f.read(SNIFF_BYTES)) else None
        except (OSError, EOFError):
            return "feed"  # the feed reader names the error as a reject
    return SUFFIXES.get(kind)


def iter_items(fmt: str, path: Path, opener: Opener, fallback_id: str, default_source: str | None
               ) -> Iterator[Raw | Rejected]:
    """The raw items of a file in one of FORMATS (read in the main process)."""
    reader = importlib.import_module(f"{__name__}.{fmt}")
    yield from getattr(reader, f"iter_{fmt}_items")(path, opener, fallback_id, default_source)


def parse(raw: Raw) -> Document:
    """The document of a raw item whose ``fmt`` is one of FORMATS (run in the workers)."""
    reader = importlib.import_module(f"{__name__}.{raw.fmt}")
    return getattr(reader, f"parse_{raw.fmt}")(raw)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Article:
    """One article read from a page, feed item or archive record: every Document field a reader decides."""

    id: str
    title: str
    body: str
    published: datetime | None
    date_from: str
    source: str | None
    source_from: str
    url: str
    author: str
    origin: str
    language: str = ""
    zone: str = ""  # the UTC offset the date was given with ("+02:00", "Z"), "" when it had none

    def local_day(self) -> str:
        """The publication day in the zone the page gave (what a reader of the page sees), '' when undated."""
        if self.published is None:
            return ""
        if not self.zone or self.zone == "Z":
            return self.published.date().isoformat()
        zone = datetime.fromisoformat(f"2000-01-01T00:00{self.zone}").tzinfo
        return self.published.astimezone(zone).date().isoformat()


def make_document(article: Article) -> Document:
    """The Document of an article, its content hash computed as documents.py does (language when the model has it)."""
    if article.date_from not in DATE_FROM:
        raise model.DocumentError(f"unknown date provenance {article.date_from!r}")
    published = article.published
    digest = hashlib.sha256("\x1f".join(
        [article.title, article.body, published.isoformat() if published else "", article.source or "", article.url,
         article.author]
    ).encode("utf-8")).hexdigest()[:20]
    extra: dict[str, Any] = {"language": article.language} if _has_language() else {}
    return model.Document(id=checked_id(article.id), title=article.title, body=article.body, original=article.body,
                    published=published, date_from=article.date_from, source=article.source,
                    source_from=article.source_from, url=article.url, author=article.author, origin=article.origin,
                    content_hash=digest, **extra)


MAX_ID_LENGTH = 300
_ID_RE = re.compile(r"^[^\x00-\x1f\x7f]+$")


def checked_id(doc_id: str) -> str:
    """The id, stripped, or DocumentError when it is empty, too long or has control characters."""
    doc_id = doc_id.strip()
    if not doc_id or len(doc_id) > MAX_ID_LENGTH or not _ID_RE.match(doc_id):
        raise model.DocumentError(f"unusable id {doc_id[:60]!r} (1-{MAX_ID_LENGTH} printable characters)")
    return doc_id


def source_of(name: str, default: str | None) -> tuple[str | None, str]:
    """The canonical source and where it came from: the page or feed itself, else the folder default."""
    name = " ".join((name or "").split())
    if name:
        return canonical_source(name), "metadata"
    if default:
        return canonical_source(default), "default"
    return None, "none"


def url_date(url: str) -> str | None:
    """The YYYY-MM-DD that a URL path carries (``/2020/05/17/slug``), if any."""
    m = _URL_DATE_RE.search(url or "")
    return f"{m.group(1)}-{m.group(2)}-{m.group(3)}" if m else None


def read_capped(f: IO[bytes], limit: int, what: str) -> bytes:
    """Up to ``limit`` bytes of a stream; DocumentError when there are more (bounded memory on bombs)."""
    data = f.read(limit + 1)
    if len(data) > limit:
        raise model.DocumentError(f"{what} is over the limit of {limit:,} bytes")
    return data
