"""Saved news pages (``.html``, ``.htm``, optionally compressed): main text, metadata and publication date.

The main text comes from trafilatura (no navigation, comments or ads), the publication date from htmldate
in extensive mode (which trafilatura calls), preferring the page's own article markup when it has one:
JSON-LD ``datePublished``, ``article:published_time`` and similar meta tags, ``itemprop=datePublished``.
Dates keep their zone until they are converted to UTC; a page with no findable date stays undated.
"""

from __future__ import annotations

import codecs
import json
import lzma
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import trafilatura
from dateutil import parser as dateparser
from lxml.etree import XPath
from lxml.html import HtmlElement

from ..dates import BadDate, is_date_line, parse_date
from ..language import detect_language
from ..model import Document, DocumentError, Raw, Rejected
from . import NO_ARTICLE, Article, Opener, make_document, read_capped, source_of, url_date

HTML_SUFFIXES = {".html", ".htm", ".xhtml", ".shtml"}
MAX_HTML_BYTES = 5_000_000
MIN_ARTICLE_WORDS = 40
MIN_ARTICLE_CJK_CHARS = 80
INDEX_PARAGRAPH_WORDS = 20
INDEX_MAX_WORDS = 150
INDEX_HEADLINES = 5
EARLIEST = datetime(1995, 1, 1, tzinfo=UTC)
_OUTPUT = "%Y-%m-%dT%H:%M:%S%z"

_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)""", re.I)
_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_PAYWALL_RE = re.compile(
    r"\b(?:subscribe|subscription|subscribers? only|log ?in|sign ?in|create an? (?:free )?account|register)\b"
    r".{0,60}\b(?:continue|read|access|full (?:story|article))\b"
    r"|\b(?:to continue reading|already a subscriber|this (?:article|content) is for subscribers)\b",
    re.I,
)
_AD_LABEL_RE = re.compile(
    r"^(?:advertisement|advertising|skip advertisement|sponsored(?: content)?|ad|anzeige|publicité|реклама"
    r"|story continues below(?: advertisement)?|continue reading(?: the main story)?|article continues below)$",
    re.I,
)
_DOMAIN_RE = re.compile(r"^[\w-]+(?:\.[\w-]+)+$")
_BYLINE_RE = re.compile(r"^(?:By|Par|Von|Por|Door|Di|От|Του|Της|Από)\s+[^\W\d_][^.!?]{0,80}$")
_BYLINE_XPATH = XPath(
    ".//*[contains(@class, 'byline') or contains(@class, 'Byline') or contains(@class, 'ContributorName')"
    " or contains(@class, 'author-name') or @rel='author']"
)
_NAME_RE = re.compile(r"^[^\W\d_][\w'’.-]*(?:\s+[^\W\d_][\w'’.-]*){1,4}$")
_ARTICLE_TYPES = {"article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "blogposting",
                  "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "liveblogposting",
                  "socialmediaposting", "report", "scholarlyarticle", "techarticle"}
_LISTING_TYPES = {"collectionpage", "itemlist", "searchresultspage", "website", "profilepage"}
_STRONG_META = {"article:published_time", "og:article:published_time", "article.published", "datepublished",
                "parsely-pub-date", "sailthru.date", "publish-date", "publishdate", "pubdate",
                "dcterms.created", "dc.date.issued", "citation_publication_date", "og:published_time",
                "article:published", "cxenseparse:recs:publishtime", "date.published"}
_WEAK_META = {"date", "dc.date", "dcterms.date", "dc.date.created", "og:updated_time", "article:modified_time",
              "datemodified", "last-modified", "lastmod"}


def iter_html_items(path: Path, opener: Opener, fallback_id: str, default_source: str | None
                    ) -> Iterator[Raw | Rejected]:
    """The page in one HTML file, as one raw item (read whole, at most MAX_HTML_BYTES decompressed)."""
    try:
        with opener(path) as f:
            data = read_capped(f, MAX_HTML_BYTES, "page")
    except (OSError, EOFError, zlib.error, lzma.LZMAError, DocumentError) as exc:
        yield Rejected(str(path), str(exc) or type(exc).__name__)
        return
    yield Raw(str(path), "html", data, fallback_id, default_source)


def parse_html(raw: Raw) -> Document:
    """The article in a saved page; DocumentError("no article text") for index pages and login walls."""
    payload = raw.payload.encode("utf-8") if isinstance(raw.payload, str) else raw.payload
    return make_document(read_article(payload, raw.origin, raw.fallback_id, raw.default_source))


def read_article(payload: bytes, origin: str, doc_id: str, default_source: str | None, *,
                 url: str = "", crawled: datetime | None = None, charset: str = "") -> Article:
    """The article in an HTML page; ``url`` and ``crawled`` come from a web archive record when there is one."""
    tree = trafilatura.load_html(decode_html(payload, charset))
    if tree is None:
        raise DocumentError("not an HTML page")
    markup = read_markup(tree)
    latest = (crawled or datetime.now(UTC)) + timedelta(days=1)
    extracted = _extract(tree, url, latest, tables=True)
    if extracted is not None and _layout_table(extracted.text or ""):
        extracted = _extract(tree, url, latest, tables=False)
    title = " ".join(((extracted.title if extracted is not None else "") or "").split())
    text = extracted.text if extracted is not None else ""
    body = clean_body(text, title)
    _check_article(body, markup, tree)
    page_url = url or (extracted.url or "")
    moment, date_from = choose_date(markup, extracted.date, page_url, crawled, latest)
    source, source_from = _source(markup, extracted.sitename or "", page_url, default_source)
    return Article(
        id=doc_id, title=title, body=body,
        published=parse_date(moment) if moment else None, zone=zone_of(moment), date_from=date_from,
        source=source, source_from=source_from, url=page_url,
        author=_authors(markup.authors or extracted.author or byline_author(tree) or text_byline(text)),
        origin=origin,
        language=detect_language(body, markup.lang),
    )


def _extract(tree: HtmlElement, url: str, latest: datetime, tables: bool) -> Any:
    """trafilatura's main text and metadata, with htmldate in extensive mode, keeping the time and zone."""
    return trafilatura.bare_extraction(
        tree, url=url or None, with_metadata=True, include_comments=False, include_tables=tables,
        date_extraction_params={"extensive_search": True, "original_date": True, "outputformat": _OUTPUT,
                                "max_date": latest.strftime("%Y-%m-%d")},
    )


def _layout_table(text: str) -> bool:
    """True when a page laid out with a <table> came out as one table row holding most of the text."""
    rows = [line for line in text.split("\n") if line.startswith("|")]
    return bool(rows) and max(len(r) for r in rows) > len(text) / 2


# --- decoding -----------------------------------------------------------------


def decode_html(data: bytes, charset: str = "") -> str:
    """The page's text: its byte-order mark, else the HTTP or <meta> charset, else UTF-8, else Windows-1252."""
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DocumentError("binary file (contains NUL bytes), not HTML")
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(name, errors="replace")
    declared = charset or _meta_charset(data[:4096])
    for name in (_codec(declared), "utf-8"):
        if name:
            try:
                return data.decode(name)
            except UnicodeDecodeError:
                continue
    return data.decode("cp1252", errors="replace")


def _meta_charset(head: bytes) -> str:
    m = _CHARSET_RE.search(head)
    return m.group(1).decode("ascii") if m else ""


def _codec(name: str) -> str:
    """A Python codec for a declared charset; Latin-1 is read as Windows-1252, as browsers do."""
    try:
        found = codecs.lookup(name.strip().lower()).name if name else ""
    except LookupError:
        return ""
    return "cp1252" if found in ("latin-1", "iso8859-1", "ascii") else found


# --- what the page's own markup says ------------------------------------------------


@dataclass
class Markup:
    """Article metadata declared in a page's markup (JSON-LD, meta tags, itemprop, <time>)."""

    strong_dates: list[str]
    weak_dates: list[str]
    time_dates: list[str]
    publisher: str = ""
    site_name: str = ""
    authors: str = ""
    lang: str = ""
    is_article: bool = False
    is_listing: bool = False
    free: bool = True


def read_markup(tree: HtmlElement) -> Markup:
    """What JSON-LD, meta tags, itemprop and <time> elements declare about the article."""
    markup = Markup([], [], [], lang=tree.get("lang") or tree.get("xml:lang") or "")
    for script in tree.iterfind(".//script"):
        if (script.get("type") or "").lower().strip() == "application/ld+json":
            for obj in _json_ld_objects(script.text or ""):
                _read_json_ld(obj, markup)
    for meta in tree.iterfind(".//meta"):
        _read_meta(meta, markup)
    for element in tree.xpath(".//*[@itemprop='datePublished']"):
        value = element.get("content") or element.get("datetime") or ""
        if value:
            markup.strong_dates.append(value)
    markup.time_dates.extend(t.get("datetime") or "" for t in tree.iterfind(".//time") if t.get("datetime"))
    return markup


def _json_ld_objects(text: str) -> Iterator[dict[str, Any]]:
    text = text.strip().removeprefix("<![CDATA[").removesuffix("]]>").strip().rstrip(";")
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            yield item
            stack.extend(v for k, v in item.items() if k in ("@graph", "mainEntity", "mainEntityOfPage")
                         and isinstance(v, (list, dict)))


def _types(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type", "")
    return {str(k).lower() for k in (kind if isinstance(kind, list) else [kind])}


def _read_json_ld(obj: dict[str, Any], markup: Markup) -> None:
    kinds = _types(obj)
    if kinds & _LISTING_TYPES:
        markup.is_listing = True
    if not kinds & _ARTICLE_TYPES:
        return
    markup.is_article = True
    for key in ("datePublished", "dateCreated"):
        if isinstance(obj.get(key), str):
            markup.strong_dates.append(obj[key])
    if isinstance(obj.get("dateModified"), str):
        markup.weak_dates.append(obj["dateModified"])
    markup.publisher = markup.publisher or _name_of(obj.get("publisher"))
    markup.authors = markup.authors or _name_of(obj.get("author"), people_only=True)
    if obj.get("isAccessibleForFree") in (False, "False", "false"):
        markup.free = False


def _name_of(value: Any, people_only: bool = False) -> str:
    """The name(s) in a JSON-LD value; with ``people_only``, organizations (an outlet as 'author') are skipped."""
    if isinstance(value, list):
        return ", ".join(n for n in (_name_of(v, people_only) for v in value) if n)
    if isinstance(value, dict):
        if people_only and _types(value) - {"person", ""}:
            return ""
        value = value.get("name") or ""
    return " ".join(value.split()) if isinstance(value, str) else ""


def _read_meta(meta: HtmlElement, markup: Markup) -> None:
    key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or meta.get("http-equiv") or "").lower()
    value = (meta.get("content") or "").strip()
    if not key or not value:
        return
    if key in _STRONG_META:
        markup.strong_dates.append(value)
    elif key in _WEAK_META:
        markup.weak_dates.append(value)
    elif key == "og:type":
        markup.is_article = markup.is_article or value.lower() == "article"
    elif key in ("og:site_name", "application-name") and not markup.site_name:
        markup.site_name = value
    elif key == "content-language" and not markup.lang:
        markup.lang = value


# --- the publication date ----------------------------------------------------------------


def choose_date(markup: Markup, found: str | None, url: str, crawled: datetime | None, latest: datetime
                ) -> tuple[datetime | None, str]:
    """The publication date, in its own zone, and where it came from: article markup, htmldate, crawl, or none."""
    # Article markup first; when it names several moments (a republished story), the original one.
    declared = [m for m in (_moment(v, latest) for v in markup.strong_dates) if m]
    if declared:
        return _in_local_zone(min(declared, key=parse_date), markup, latest), "markup"
    moment = _moment(found, latest)
    if moment:
        return _refined(moment, markup, url, latest)
    if crawled:
        return crawled, "crawl"
    return None, "none"


def _in_local_zone(moment: datetime, markup: Markup, latest: datetime) -> datetime:
    """The same instant in the page's local zone, when the markup gives it in UTC in one place and local in another."""
    if moment.utcoffset():
        return moment
    for value in markup.strong_dates + markup.time_dates:
        other = _moment(value, latest)
        if other and other.utcoffset() and other == moment:
            return other
    return moment


def _refined(moment: datetime, markup: Markup, url: str, latest: datetime) -> tuple[datetime, str]:
    """htmldate's day, with the time and zone of a markup value on that day, and where the day was seen."""
    for value in markup.time_dates + markup.weak_dates:
        declared = _moment(value, latest)
        if declared and declared.date() == moment.date():
            return declared, "markup"
    if url_date(url) == moment.date().isoformat():
        return moment, "url"
    return moment, "text"


def zone_of(moment: datetime | None) -> str:
    """The UTC offset a date was given with ('+02:00', 'Z' for UTC), '' when it had none."""
    offset = moment.utcoffset() if moment else None
    if offset is None:
        return ""
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return "Z" if not minutes else f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _moment(value: str | None, latest: datetime) -> datetime | None:
    """A date-time in its own zone (naive when it has none), within 1995..latest; None when unreadable."""
    if not value or not value.strip():
        return None
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = dateparser.parse(text, default=datetime(1, 1, 1))
        except (ValueError, OverflowError, TypeError):
            return None
    if moment.year == 1:
        return None
    try:
        utc = parse_date(moment)
    except BadDate:
        return None
    return moment if EARLIEST <= utc <= latest else None


# --- the article text ------------------------------------------------------------------


def clean_body(text: str, title: str) -> str:
    """The extracted text as paragraphs, without ad labels, nor a repeated headline, byline or date line on top."""
    lines = [" ".join(line.split()) for line in text.split("\n")]
    lines = [line for line in lines if line and not _AD_LABEL_RE.match(line)]
    while lines and (_same_text(lines[0], title) or _BYLINE_RE.match(lines[0]) or is_date_line(lines[0])
                     or _label_line(lines[0]) and len(lines) > 1):
        lines.pop(0)
    return "\n\n".join(lines)


def _label_line(line: str) -> bool:
    """A short line without sentence punctuation (a kicker, a byline's second line, a photo credit)."""
    return len(line) < 60 and len(line.split()) <= 6 and not line.endswith((".", "!", "?", ":", "\"", "”", "»", "。"))


def _same_text(a: str, b: str) -> bool:
    return bool(b) and a.casefold().strip(" .") == b.casefold().strip(" .")


def _check_article(body: str, markup: Markup, tree: HtmlElement) -> None:
    """DocumentError("no article text") for pages that carry no article: index pages, login walls."""
    words = len(body.split())
    cjk = len(_CJK_RE.findall(body))
    if words < MIN_ARTICLE_WORDS and cjk < MIN_ARTICLE_CJK_CHARS:
        raise DocumentError(NO_ARTICLE)
    if (not markup.free or _PAYWALL_RE.search(body)) and words < 150 and cjk < 300:
        raise DocumentError(NO_ARTICLE)
    if not markup.is_article and (markup.is_listing or _looks_like_index(body, tree)):
        raise DocumentError(NO_ARTICLE)


def _looks_like_index(body: str, tree: HtmlElement) -> bool:
    """Many headline links and only short paragraphs (teasers): a section front, not an article."""
    paragraphs = body.split("\n\n")
    words = sum(len(p.split()) + len(_CJK_RE.findall(p)) / 2 for p in paragraphs)
    # Only short texts: an article of many short paragraphs on a page with a big menu must not be lost.
    if words >= INDEX_MAX_WORDS or words / len(paragraphs) >= INDEX_PARAGRAPH_WORDS:
        return False
    headlines = sum(1 for a in tree.iterfind(".//a") if len(a.text_content().split()) >= 4)
    return headlines >= INDEX_HEADLINES


def _source(markup: Markup, sitename: str, url: str, default: str | None) -> tuple[str | None, str]:
    """The outlet: the page's publisher or site name, else the folder default, else the URL's host name."""
    named = markup.publisher or markup.site_name or ("" if _DOMAIN_RE.match(sitename) else sitename)
    if named or default:
        return source_of(named, default)
    host = urlsplit(url).hostname or ""
    return (host.removeprefix("www."), "url") if host else (None, "none")


def byline_author(tree: HtmlElement) -> str:
    """The name in the page's first byline element ('By Jenny Trelawny'), when it reads as a name."""
    for element in _BYLINE_XPATH(tree)[:5]:
        text = re.sub(r"^(?:By|Par|Von|Por)\s+", "", " ".join(element.text_content().split()))
        if _NAME_RE.match(text):
            return text
    return ""


def text_byline(text: str) -> str:
    """The name in a byline line at the top of the text ('By Peter Lund | March 2, 2021')."""
    for line in text.split("\n")[:4]:
        line = " ".join(line.split())
        if _BYLINE_RE.match(line):
            name = re.split(r"\s*(?:[|·•,–—]|\s-\s|\bon\b)\s*", line.split(None, 1)[1])[0]
            if _NAME_RE.match(name):
                return name
    return ""


def _authors(value: str) -> str:
    names = [" ".join(n.split()) for n in re.split(r";|\|", value)]
    return ", ".join(n for n in names if n)

