"""RSS and Atom feeds (``.rss``, ``.atom``, and ``.xml`` files that turn out to be feeds), through feedparser.

Each item is an article: its title, link (as ``url``), published date, author, and content or summary with
the HTML stripped; the feed's title is the source.  The file is split into items in the main process (one
``Raw`` per item, a small JSON envelope); the items are turned into documents in the workers.
"""

from __future__ import annotations

import html
import json
import lzma
import re
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import feedparser
import lxml.html
from lxml.etree import ParserError

from ..dates import BadDate, parse_date
from ..language import detect_language
from ..model import Document, DocumentError, Raw, Rejected
from ..sources import source_key
from . import Article, Opener, make_document, read_capped, source_of, url_date

FEED_SUFFIXES = {".rss", ".atom", ".rdf", ".xml"}
MAX_FEED_BYTES = 20_000_000
_SNIFF_RE = re.compile(rb"<(?:rss|feed|rdf:RDF|RDF)[\s>]", re.I)
_BLOCK_RE = re.compile(r"(?i)<(?:/?(?:p|div|li|h[1-6]|blockquote|tr|section|article|figure|pre)\b[^>]*|br\s*/?)>")
_DROP_RE = re.compile(r"(?is)<(script|style|noscript)\b.*?</\1\s*>")
# feedparser notes these but reads the feed all the same: not a malformed feed.
_FEED_TITLE_SEP_RE = re.compile(r"\s+(?:[-|–—:>»]|::)\s+|:\s+")
_EMAIL_NAME_RE = re.compile(r"^\s*\S+@\S+\s*\((.+)\)\s*$")
_HARMLESS = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)


def is_feed(head: bytes) -> bool:
    """True when the first bytes of an XML file open an RSS, RDF or Atom feed."""
    return _SNIFF_RE.search(head[:4096]) is not None


def iter_feed_items(path: Path, opener: Opener, fallback_id: str, default_source: str | None
                    ) -> Iterator[Raw | Rejected]:
    """One raw item per feed entry; a reject naming the file (and the line) when the feed is malformed."""
    try:
        with opener(path) as f:
            data = read_capped(f, MAX_FEED_BYTES, "feed")
    except (OSError, EOFError, zlib.error, lzma.LZMAError, DocumentError) as exc:
        yield Rejected(str(path), str(exc) or type(exc).__name__)
        return
    parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    problem = _problem(parsed)
    if not parsed.version and not parsed.entries:
        yield Rejected(str(path), f"not an RSS or Atom feed{f' ({problem})' if problem else ''}")
        return
    # In a malformed feed the last item read is the one the error cut short: it is refused, not guessed at.
    complete = parsed.entries[:-1] if problem else parsed.entries
    channel = {"feed_title": feed_source(_text(parsed.feed.get("title", "")), parsed.feed.get("link", "")),
               "feed_language": parsed.feed.get("language", "")}
    for number, entry in enumerate(complete, start=1):
        envelope = {**channel, **_entry_fields(entry)}
        yield Raw(f"{path}#item{number}", "feed", json.dumps(envelope, ensure_ascii=False),
                  f"{fallback_id}#item{number}", default_source)
    if problem:
        yield Rejected(f"{path}#item{len(complete) + 1}",
                       f"malformed feed at line {_line(parsed)}: {problem} (this item and any after it are unread)")
    elif not parsed.entries:
        yield Rejected(str(path), "a feed with no items")


def feed_source(title: str, link: str) -> str:
    """The outlet in a feed title: 'World news | The Guardian' -> 'The Guardian', 'BBC News - World' -> 'BBC News'.

    Of the parts around a separator, the one that names the feed's web site wins, else the first.
    """
    parts = [p for p in _FEED_TITLE_SEP_RE.split(title) if p.strip()]
    if len(parts) < 2:
        return title
    host = source_key((urlsplit(link).hostname or "").removeprefix("www.").rsplit(".", 1)[0])
    for part in parts:
        key = source_key(part)
        if host and key and (key in host or host in key):
            return part.strip()
    return parts[0].strip()


def _problem(parsed: Any) -> str:
    exc = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if exc is None or isinstance(exc, _HARMLESS):
        return ""
    return str(getattr(exc, "getMessage", lambda: exc)()) or type(exc).__name__


def _line(parsed: Any) -> int:
    exc = parsed.get("bozo_exception")
    return int(exc.getLineNumber()) if hasattr(exc, "getLineNumber") else 0


def _entry_fields(entry: dict[str, Any]) -> dict[str, str]:
    """The fields of one feed entry that the document needs, as plain strings."""
    contents = entry.get("content") or []
    body = max((c.get("value", "") for c in contents), key=len, default="") or entry.get("summary", "")
    return {"title": entry.get("title", ""), "link": entry.get("link", ""), "guid": entry.get("id", ""),
            # dict.get: feedparser's own get maps a missing 'updated' to 'published' with a DeprecationWarning
            "published": dict.get(entry, "published", "") or dict.get(entry, "created", ""),
            "updated": dict.get(entry, "updated", ""),
            "author": _author(entry), "content": body}


def _author(entry: Mapping[str, Any]) -> str:
    """The item's author names; RSS's 'email (Name)' form gives the name (feedparser mangles it)."""
    m = _EMAIL_NAME_RE.match(entry.get("author", ""))
    if m:
        return " ".join(m.group(1).split())
    names = [a.get("name", "") for a in entry.get("authors") or [] if isinstance(a, Mapping)]
    names = [n for n in names if n] or [entry.get("author", "")]
    return ", ".join(" ".join(n.split()) for n in names if n and "@" not in n)


def parse_feed(raw: Raw) -> Document:
    """The document of one feed item (its envelope made by iter_feed_items)."""
    return make_document(read_item(raw))


def read_item(raw: Raw) -> Article:
    """The article of one feed item; DocumentError when it has neither title nor text."""
    try:
        loaded = json.loads(raw.payload)
    except json.JSONDecodeError as exc:
        raise DocumentError(f"malformed feed item envelope: {exc.msg}") from exc
    if not isinstance(loaded, dict):
        raise DocumentError("malformed feed item envelope: not an object")
    env = {str(k): "" if v is None else str(v) for k, v in loaded.items()}
    title, body = _text(env.get("title", "")), strip_html(env.get("content", ""))
    if not body and not title:
        raise DocumentError("empty feed item (no title and no text)")
    published, date_from = _item_date(env)
    source, source_from = source_of(env.get("feed_title", ""), raw.default_source)
    return Article(
        id=env.get("guid") or env.get("link") or raw.fallback_id, title=title, body=body or title,
        published=published, date_from=date_from, source=source, source_from=source_from,
        url=env.get("link", ""), author=_text(env.get("author", "")), origin=raw.origin,
        language=detect_language(f"{title}\n{body}", env.get("feed_language", "")),
    )


def _item_date(env: Mapping[str, str]) -> tuple[Any, str]:
    for key in ("published", "updated"):
        try:
            return parse_date(env.get(key, "")), "metadata"
        except BadDate:
            continue
    day = url_date(env.get("link", ""))
    return (parse_date(day), "url") if day else (None, "none")


def strip_html(fragment: str) -> str:
    """The text of an HTML fragment, one paragraph per block element, entities resolved."""
    if "<" not in fragment:
        return _paragraphs(html.unescape(fragment))
    marked = _BLOCK_RE.sub("\n\n", _DROP_RE.sub(" ", fragment))
    try:
        text = lxml.html.fragment_fromstring(marked, create_parent="div").text_content()
    except (ParserError, ValueError):
        text = re.sub(r"<[^>]*>", " ", marked)
    return _paragraphs(text)


def _paragraphs(text: str) -> str:
    return "\n\n".join(" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip())


def _text(value: str) -> str:
    return " ".join(strip_html(value).split())
