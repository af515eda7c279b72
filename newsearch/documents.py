"""News documents: reading files of any supported format into frozen ``Document`` values.

No Whoosh and no Flask here.  Reading is split in two so that it can run in parallel:
``iter_raw`` walks the inputs and yields one cheap ``Raw`` item per article (a file's bytes
or one JSON line), and ``parse_raw`` turns an item into a ``Document`` or raises
``DocumentError`` naming what is wrong.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import lzma
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path, PurePath
from typing import IO, Any

import yaml

from . import textlayout
from .dates import BadDate, parse_date
from .entities import EntityExtractor, Mention, normalise_mentions
from .sources import attributed_source, canonical_source

MAX_DOCUMENT_BYTES = 2_000_000
TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown"}
JSON_SUFFIXES = {".jsonl", ".ndjson", ".json"}
COMPRESSED = {".gz": gzip.open, ".xz": lzma.open}


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


@dataclass(frozen=True)
class Raw:
    """One article as read, not yet parsed: a whole file's bytes or one JSON line."""

    origin: str
    fmt: str  # "text", "markdown" or "json"
    payload: bytes | str
    fallback_id: str
    default_source: str | None = None


@dataclass(frozen=True)
class Rejected:
    """Input that could not become a document, and why."""

    origin: str
    reason: str


class DocumentError(ValueError):
    """Input that cannot become a document; the message says what is wrong."""


# --- walking the inputs -------------------------------------------------------


@dataclass(frozen=True)
class InputFile:
    """One file to read, with the folder it was found under and its default source."""

    path: Path
    root: Path
    default_source: str | None

    def fingerprint(self) -> tuple[int, int]:
        """(size, mtime in ns): what --update compares to skip unchanged files."""
        st = self.path.stat()
        return st.st_size, st.st_mtime_ns


class ReadProgress:
    """Bytes of input read so far, out of the total on disk (for a progress bar)."""

    def __init__(self, files: list[InputFile]) -> None:
        self.total = sum(_size(f.path) for f in files) or 1
        self.done = 0


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def iter_files(paths: Iterable[Path], default_sources: Mapping[Path, str] | None = None
               ) -> Iterator[InputFile | Rejected]:
    """Every input file under the given files and folders (folders recursively, in name order)."""
    defaults = {p.resolve(): name for p, name in (default_sources or {}).items()}
    for root in paths:
        if not root.exists():
            yield Rejected(str(root), "no such file or folder")
            continue
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            if root.is_dir() and any(part.startswith(".") for part in path.relative_to(root).parts):
                continue
            yield InputFile(path, root, _default_for(path, defaults))


def _default_for(path: Path, defaults: Mapping[Path, str]) -> str | None:
    for folder in path.resolve().parents:
        if folder in defaults:
            return defaults[folder]
    return None


def iter_raw(paths: Iterable[Path], default_sources: Mapping[Path, str] | None = None) -> Iterator[Raw | Rejected]:
    """Every article under the given files and folders, unparsed."""
    for item in iter_files(paths, default_sources):
        yield from (read_file(item) if isinstance(item, InputFile) else [item])


def read_file(item: InputFile, progress: ReadProgress | None = None) -> Iterator[Raw | Rejected]:
    """The articles of one file: the whole file, or one per JSON line."""
    path, origin = item.path, str(item.path)
    suffixes = [s.lower() for s in path.suffixes[-2:]]
    compressed = suffixes[-1] if suffixes and suffixes[-1] in COMPRESSED else None
    kind = (suffixes[-2] if compressed and len(suffixes) == 2 else suffixes[-1] if suffixes else "")
    rel = PurePath(path.relative_to(item.root) if item.root.is_dir() else path.name)
    fallback_id = str(rel.with_suffix("").with_suffix("") if compressed else rel.with_suffix(""))
    base = progress.done if progress else 0
    if kind in JSON_SUFFIXES:
        yield from _read_json_lines(path, compressed, fallback_id, item.default_source, progress)
    elif kind not in TEXT_SUFFIXES and kind != "":
        yield Rejected(origin, f"unsupported file type {path.suffix!r} (expected .txt, .md, .jsonl, maybe .gz/.xz)")
    else:
        yield _read_whole(path, compressed, kind, fallback_id, item.default_source)
    if progress:
        progress.done = base + _size(path)


def _read_whole(path: Path, compressed: str | None, kind: str, fallback_id: str, default_source: str | None
                ) -> Raw | Rejected:
    try:
        size = path.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            raise DocumentError(f"file is {size:,} bytes, over the limit of {MAX_DOCUMENT_BYTES:,}")
        with _open_binary(path, compressed) as f:
            data = f.read(MAX_DOCUMENT_BYTES + 1)
    except (OSError, EOFError, lzma.LZMAError, DocumentError) as exc:
        return Rejected(str(path), _reason(exc))
    fmt = "markdown" if kind in (".md", ".markdown") else "text"
    return Raw(str(path), fmt, data, fallback_id, default_source)


def _open_binary(path: Path, compressed: str | None, raw: IO[bytes] | None = None) -> IO[bytes]:
    if compressed:
        return COMPRESSED[compressed](raw or path, "rb")  # type: ignore[no-any-return]
    return raw or path.open("rb")


def _read_json_lines(path: Path, compressed: str | None, fallback_id: str, default_source: str | None,
                     progress: ReadProgress | None) -> Iterator[Raw | Rejected]:
    number = 0
    base = progress.done if progress else 0
    try:
        with path.open("rb") as disk, _open_binary(path, compressed, disk) as f:
            for number, line in enumerate(f, start=1):
                if line.strip():
                    yield Raw(f"{path}:{number}", "json", line, f"{fallback_id}:{number}", default_source)
                if progress and number % 256 == 0:
                    progress.done = base + disk.tell()
    except (OSError, EOFError, lzma.LZMAError) as exc:
        yield Rejected(f"{path}:{number + 1}", f"could not read the rest of the file: {_reason(exc)}")


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


# --- parsing ------------------------------------------------------------------


def parse_raw(raw: Raw) -> Document:
    """The document in a raw item; raises DocumentError saying what is wrong."""
    if len(raw.payload) > MAX_DOCUMENT_BYTES:
        raise DocumentError(f"document is {len(raw.payload):,} bytes, over the limit of {MAX_DOCUMENT_BYTES:,}")
    text = decode(raw.payload)
    if raw.fmt == "json":
        return from_record(_json_object(text), raw)
    if not text.strip():
        raise DocumentError("empty file")
    if raw.fmt == "markdown":
        return from_markdown(text, raw)
    return from_text(text, raw)


def decode(payload: bytes | str) -> str:
    """UTF-8 (or UTF-16 with a byte-order mark) text; binary and undecodable input is refused."""
    if isinstance(payload, str):
        return payload
    if payload.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return payload.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise DocumentError(f"undecodable UTF-16 text at byte {exc.start}") from exc
    if b"\x00" in payload[:8192]:
        raise DocumentError("binary file (contains NUL bytes), not text")
    try:
        return payload.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(f"not UTF-8 text: byte 0x{payload[exc.start]:02x} at offset {exc.start}") from exc


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text.rstrip("\r\n"))
    except json.JSONDecodeError as exc:
        raise DocumentError(f"malformed JSON: {exc.msg} at column {exc.colno}") from exc
    if not isinstance(value, dict):
        raise DocumentError(f"a JSON line must be an object, not {type(value).__name__}")
    return value


_FIELDS = {
    "id": ("id", "guid", "uuid", "doc_id"),
    "title": ("title", "headline", "heading"),
    "body": ("body", "text", "content", "article", "story", "full_text"),
    "date": ("date", "published", "published_at", "publishedAt", "pubdate", "pub_date",
             "datetime", "timestamp", "created_at", "date_raw"),
    "source": ("source", "publisher", "outlet", "site", "site_name", "source_name"),
    "url": ("url", "link", "href", "permalink"),
    "author": ("author", "byline", "authors", "creator"),
}


def _field(rec: Mapping[str, Any], name: str) -> Any:
    for key in _FIELDS[name]:
        value = rec.get(key)
        if value not in (None, "", []):
            if isinstance(value, dict):
                value = value.get("name") or value.get("title") or ""
            return value
    return None


def _text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(_text_of(v) for v in value if v)
    return " ".join(str(value).split())


def from_record(rec: Mapping[str, Any], raw: Raw) -> Document:
    """A document from one JSON object with the common news field names."""
    layout = textlayout.parse(str(_field(rec, "body") or ""), headline_allowed=False)
    if not layout.body.strip():
        raise DocumentError("empty body")
    meta = {"title": _text_of(_field(rec, "title")), "url": _text_of(_field(rec, "url")),
            "author": _text_of(_field(rec, "author")), "source": _text_of(_field(rec, "source"))}
    record_id = _field(rec, "id")
    return _assemble(raw, layout, meta, _date_candidates(rec), str(record_id) if record_id is not None else None)


def _date_candidates(rec: Mapping[str, Any]) -> list[tuple[Any, str]]:
    return [(rec[k], "metadata") for k in _FIELDS["date"] if rec.get(k) not in (None, "")]


def from_text(text: str, raw: Raw) -> Document:
    """A document from a plain-text news file (header lines, headline, dateline, trailers)."""
    layout = textlayout.parse(text)
    if not layout.body.strip():
        raise DocumentError("no body text")
    meta = {k: layout.meta.get(k, "") for k in ("title", "url", "author", "source")}
    return _assemble(raw, layout, meta, layout.date_candidates, layout.meta.get("id"))


class _FrontMatterLoader(yaml.SafeLoader):
    """YAML's safe loader, but timestamps stay text: our date parser reads them (with their zone)."""


_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_META_LINE_RE = re.compile(r"^([A-Za-z][\w-]{0,40}):\s*(.*)$")


def from_markdown(text: str, raw: Raw) -> Document:
    """A document from Markdown with YAML front matter or Python-Markdown meta-data lines."""
    meta, rest = _markdown_meta(text.replace("\r\n", "\n"))
    layout = textlayout.parse(textlayout.markdown_to_text(rest), original=rest)
    if not layout.body.strip():
        raise DocumentError("no body text")
    merged = {k: _text_of(_meta_value(meta, k)) or layout.meta.get(k, "") for k in ("title", "url", "author", "source")}
    dates = [(meta[k], "metadata") for k in _FIELDS["date"] if meta.get(k) not in (None, "")]
    record_id = _meta_value(meta, "id")
    return _assemble(raw, layout, merged, dates + layout.date_candidates, str(record_id) if record_id else None)


def _meta_value(meta: Mapping[str, Any], name: str) -> Any:
    return _field({k.lower(): v for k, v in meta.items()}, name)


def _markdown_meta(text: str) -> tuple[dict[str, Any], str]:
    m = _FRONT_MATTER_RE.match(text)
    if m:
        try:
            loaded = yaml.load(m.group(1), Loader=_FrontMatterLoader)  # noqa: S506 - a safe loader
        except (yaml.YAMLError, ValueError) as exc:
            raise DocumentError(f"malformed YAML front matter: {str(exc).splitlines()[0]}") from exc
        if not isinstance(loaded, dict):
            raise DocumentError("YAML front matter must be a mapping of keys to values")
        return {str(k).lower(): v for k, v in loaded.items()}, text[m.end():]
    return _python_markdown_meta(text)


def _python_markdown_meta(text: str) -> tuple[dict[str, Any], str]:
    meta: dict[str, Any] = {}
    lines = text.split("\n")
    key = None
    for i, line in enumerate(lines):
        m = _META_LINE_RE.match(line)
        if m:
            key = m.group(1).lower()
            meta[key] = m.group(2).strip()
        elif key and line.startswith(("    ", "\t")) and line.strip():
            meta[key] = f"{meta[key]} {line.strip()}".strip()
        else:
            return (meta, "\n".join(lines[i:])) if meta else ({}, text)
    return meta, ""


def _assemble(raw: Raw, layout: textlayout.Layout, meta: Mapping[str, str],
              dates: list[tuple[Any, str]], record_id: str | None) -> Document:
    published, date_from = _first_date(dates)
    source, source_from = _choose_source(meta.get("source", ""), layout, raw.default_source)
    title = meta.get("title") or layout.title or textlayout.title_from_body(layout.body)
    author = meta.get("author") or layout.meta.get("author", "")
    doc_id = _checked_id(record_id or raw.fallback_id)
    digest = hashlib.sha256("\x1f".join(
        [title, layout.body, published.isoformat() if published else "", source or "", meta.get("url", ""), author]
    ).encode("utf-8")).hexdigest()[:20]
    return Document(doc_id, title, layout.body, layout.original, published, date_from, source, source_from,
                    meta.get("url", ""), author, raw.origin, digest)


MAX_ID_LENGTH = 300
_ID_RE = re.compile(r"^[^\x00-\x1f\x7f]+$")


def _checked_id(doc_id: str) -> str:
    doc_id = doc_id.strip()
    if not doc_id or len(doc_id) > MAX_ID_LENGTH or not _ID_RE.match(doc_id):
        raise DocumentError(f"unusable id {doc_id[:60]!r} (1-{MAX_ID_LENGTH} printable characters)")
    return doc_id


def _first_date(candidates: list[tuple[Any, str]]) -> tuple[datetime | None, str]:
    """The first candidate that reads as a date, and where it came from; undated when none does."""
    for value, where in candidates:
        try:
            return parse_date(value), where
        except BadDate:
            continue
    return None, "none"


def _choose_source(explicit: str, layout: textlayout.Layout, default: str | None) -> tuple[str | None, str]:
    if explicit:
        return canonical_source(explicit), "metadata"
    if layout.source_line:
        return canonical_source(layout.source_line), "source line"
    attributed = attributed_source(layout.lede())
    if attributed:
        return attributed, "attribution"
    if default:
        return canonical_source(default), "default"
    return None, "none"


def with_entities(doc: Document, extractor: EntityExtractor) -> Document:
    """The document with the people, organizations and places of its title and body, and credited names."""
    from .entities import extract_credits, is_all_caps  # here: this function is the entity helper's only hunk

    credits = extract_credits(doc.original)
    # Title mentions get no position (-1): they count for the facets, but offsets are into the body.
    title_mentions = [m._replace(start=-1, end=-1) for m in extractor.annotated(doc.title)]
    named = normalise_mentions(title_mentions + extractor.annotated(doc.body), [doc.source or "", *credits])
    if is_all_caps(doc.title):  # a capitals headline, read case-restored, adds places; else it only confirms
        in_body = {(m.kind, m.name) for m in named if m.start >= 0}
        named = [m for m in named if m.start >= 0 or m.kind == "LOC" or (m.kind, m.name) in in_body]
    counts: dict[tuple[str, str], int] = {}
    for m in named:
        counts[(m.kind, m.name)] = counts.get((m.kind, m.name), 0) + 1
    ranked = sorted(counts, key=lambda k: -counts[k])
    return replace(
        doc,
        author=doc.author or ", ".join(credits),
        people=tuple(n for k, n in ranked if k == "PER"),
        organizations=tuple(n for k, n in ranked if k == "ORG"),
        places=tuple(n for k, n in ranked if k == "LOC"),
        mentions=tuple(m for m in named if m.start >= 0),
        extractor=f"{extractor.name} {extractor.version}",
    )
