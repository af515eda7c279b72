"""Web archives (``.warc``, ``.warc.gz``, ``.arc``, ``.arc.gz``): each HTML response record is an article.

Read with warcio, which reads ARC as well as WARC and undoes HTTP chunking and gzip/brotli content encoding
(fastwarc reads records 6-20x faster here but refuses ARC files, and reading is not the cost: extraction
is, at two orders of magnitude slower).  The archive is streamed: a record's page is read only up to
MAX_RECORD_BYTES (decompressed), so memory stays bounded on huge or compressed archives.  A truncated or
corrupt record becomes a reject naming the file and its byte offset, and reading goes on at the next
record that can be found.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeadersParserException

from ..dates import BadDate, parse_date
from ..model import Document, DocumentError, Raw, Rejected
from . import Opener, make_document
from .html import read_article

WARC_SUFFIXES = {".warc", ".arc"}
MAX_RECORD_BYTES = 5_000_000
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_HTML_START_RE = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S)
_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?([\w:.-]+)", re.I)
_RESYNC = {True: b"\x1f\x8b\x08", False: b"WARC/1."}
_READ_ERRORS = (ArchiveLoadFailed, StatusAndHeadersParserException, zlib.error, EOFError, OSError, ValueError,
                IndexError, KeyError)
_CHUNK = 1 << 20


class RecordError(Exception):
    """A record that cannot be read: truncated, corrupt, or over the size limit."""


def iter_warc_items(path: Path, opener: Opener, fallback_id: str, default_source: str | None
                    ) -> Iterator[Raw | Rejected]:
    """One raw item per HTML response record (origin ``file@offset``); bad records are rejects, the rest is read.

    ``opener`` must open the file as it is on disk (no decompression): warcio reads gzipped archives member by
    member, and the offsets name places in the file itself.
    """
    try:
        with opener(path) as f:
            yield from _walk(path, f, fallback_id, default_source)
    except OSError as exc:
        yield Rejected(str(path), str(exc) or type(exc).__name__)


def _walk(path: Path, f: IO[bytes], fallback_id: str, default_source: str | None) -> Iterator[Raw | Rejected]:
    gzipped = f.read(2) == b"\x1f\x8b"
    start: int | None = 0
    while start is not None:
        f.seek(start)
        iterator = ArchiveIterator(f, arc2warc=True)
        try:
            for record in iterator:
                offset = iterator.offset
                item = _item(record, f"{path}@{offset}", f"{fallback_id}@{offset}", default_source)
                if item is not None:
                    yield item
            return
        except _READ_ERRORS as exc:
            # warcio moves .offset to a record's start before reading it, so it names the failing record
            yield Rejected(f"{path}@{iterator.offset}", f"corrupt record: {_reason(exc)}")
            start = _next_record(f, iterator.offset + 1, _RESYNC[gzipped])


def _item(record: ArcWarcRecord, origin: str, fallback_id: str, default_source: str | None) -> Raw | Rejected | None:
    """The raw item of an HTML response record; None for the records that are no articles."""
    if record.rec_type != "response" or record.http_headers is None:
        return None
    if record.http_headers.get_statuscode() != "200":
        return None
    content_type = (record.http_headers.get_header("Content-Type") or "").lower()
    if content_type and not content_type.startswith(_HTML_TYPES):
        return None
    try:
        page = _read_page(record)
    except RecordError as exc:
        return Rejected(origin, str(exc))
    if not content_type and not _HTML_START_RE.match(page[:1024]):
        return None
    charset = _CHARSET_RE.search(content_type)
    envelope = {"url": record.rec_headers.get_header("WARC-Target-URI") or "",
                "date": record.rec_headers.get_header("WARC-Date") or "",
                "charset": charset.group(1) if charset else ""}
    return Raw(origin, "warc", json.dumps(envelope).encode("utf-8") + b"\n" + page, fallback_id, default_source)


def _read_page(record: ArcWarcRecord) -> bytes:
    """The HTTP body, decoded, up to MAX_RECORD_BYTES; RecordError when it is over, or cut short."""
    stream = record.content_stream()
    data = stream.read(MAX_RECORD_BYTES + 1)
    if len(data) > MAX_RECORD_BYTES:
        raise RecordError(f"record is over the limit of {MAX_RECORD_BYTES:,} bytes")
    if record.raw_stream.limit > 0 and not record.raw_stream.read(1):
        raise RecordError(f"truncated record: {record.raw_stream.limit:,} bytes missing")
    return data


def _next_record(f: IO[bytes], position: int, marker: bytes) -> int | None:
    """Where the next record (gzip member or 'WARC/1.' line) starts at or after ``position``; None at the end."""
    f.seek(position)
    carry = b""
    base = position
    while chunk := f.read(_CHUNK):
        data = carry + chunk
        found = data.find(marker)
        if found >= 0:
            return base + found
        carry = data[-len(marker):]
        base += len(data) - len(carry)
    return None


def _reason(exc: BaseException) -> str:
    text = str(exc)
    if text.startswith("Unknown archive format"):
        return "no WARC or ARC record header here"
    return "".join(c if c.isprintable() else "?" for c in " ".join(text.split()))[:200] or type(exc).__name__


def parse_warc(raw: Raw) -> Document:
    """The article in one archived HTML response (its envelope made by iter_warc_items)."""
    payload = raw.payload.encode("utf-8") if isinstance(raw.payload, str) else raw.payload
    head, _, page = payload.partition(b"\n")
    env = _envelope(head)
    crawled = _crawl_date(env.get("date", ""))
    return make_document(read_article(page, raw.origin, env.get("url") or raw.fallback_id, raw.default_source,
                                      url=env.get("url", ""), crawled=crawled, charset=env.get("charset", "")))


def _envelope(head: bytes) -> dict[str, Any]:
    try:
        value = json.loads(head)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DocumentError("malformed archive record envelope") from exc
    if not isinstance(value, dict):
        raise DocumentError("malformed archive record envelope")
    return value


def _crawl_date(value: str) -> datetime | None:
    try:
        return parse_date(value) if value else None
    except BadDate:
        return None
