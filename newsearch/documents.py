"""News documents: reading files of any supported format into frozen ``Document`` values.

No Whoosh and no Flask here.  Reading is split in two so that it can run in parallel:
``iter_raw`` walks the inputs and yields one cheap ``Raw`` item per article (a file's bytes
or one JSON line), and ``parse_raw`` turns an item into a ``Document`` or raises
``DocumentError`` naming what is wrong.

Hostile input costs bounded time and memory: every document is size-checked before it is
parsed, JSON and YAML nesting and integer sizes are bounded, YAML aliases are refused,
decompression is streamed under a size and ratio cap, lines are read with a length limit,
and one bad line is one ``Rejected`` naming its file and line, never an aborted run.
"""

from __future__ import annotations

import bz2
import errno
import gzip
import hashlib
import io
import json
import lzma
import os
import re
import stat
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path, PurePath
from typing import IO, Any

import yaml

from . import formats, textlayout
from .dates import BadDate, parse_date
from .entities import EntityExtractor, normalise_mentions
from .language import detect_language
from .model import Document, DocumentError, Raw, Rejected
from .sources import attributed_source, canonical_source

MAX_DOCUMENT_BYTES = 2_000_000  # one text file, one JSON line
MAX_FRONT_MATTER_BYTES = 100_000
MAX_NESTING = 64  # JSON and YAML
MAX_INT_DIGITS = 50
MAX_FIELD_CHARS = 2_000  # title, author, source, url
MAX_DECOMPRESSED_BYTES = 2 * 1024**3
MAX_COMPRESSION_RATIO = 100
RATIO_CHECK_FROM = 4 * 1024**2  # a small file may compress better than 100:1 and cannot hurt
MAX_REJECTS_PER_FILE = 1_000
COMPRESSED: dict[str, Callable[[IO[bytes]], Any]] = {  # each opened in a with-block by the caller
    ".gz": lambda f: gzip.GzipFile(fileobj=f, mode="rb"),
    ".xz": lambda f: lzma.LZMAFile(f, "rb"),  # noqa: SIM115
    ".bz2": lambda f: bz2.BZ2File(f, "rb"),  # noqa: SIM115
}
# What a damaged compressed file raises while it is read.
READ_ERRORS = (OSError, EOFError, lzma.LZMAError, zlib.error)


class InputLimitError(DocumentError):
    """Input over one of the size limits (decompressed size, compression ratio)."""


_ITEM_SUFFIX_RE = re.compile(r"(?::\d+|@\d+|#item\d+)$")


def file_of(origin: str) -> str:
    """The file of an origin: 'feed.jsonl:12', 'crawl.warc.gz@12345' and 'news.rss#item3' are items of a file."""
    return _ITEM_SUFFIX_RE.sub("", origin)


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

    @property
    def compression(self) -> str | None:
        """'.gz', '.xz' or '.bz2' when the file is compressed."""
        suffix = self.path.suffix.lower()
        return suffix if suffix in COMPRESSED else None

    @property
    def kind(self) -> str:
        """The format suffix, under any compression suffix ('a.jsonl.gz' -> '.jsonl'); '' for none."""
        name = self.path.name[:-len(self.path.suffix)] if self.compression else self.path.name
        return PurePath(name).suffix.lower()

    @property
    def fallback_id(self) -> str:
        """The id of a document that names none: its path under the input folder, without suffixes."""
        rel = PurePath(self.path.relative_to(self.root) if self.root.is_dir() else self.path.name)
        return str(rel.with_suffix("").with_suffix("") if self.compression else rel.with_suffix(""))

    @contextmanager
    def open(self) -> Iterator[IO[bytes]]:
        """The file's bytes, decompressed as a stream under the size and ratio caps (for any reader)."""
        with self.path.open("rb") as disk, decompressed(self, disk) as f:
            yield f


class _CappedStream(io.RawIOBase):
    """A decompressing stream that refuses to produce more than the caps allow."""

    def __init__(self, inner: IO[bytes], disk: IO[bytes], name: str) -> None:
        super().__init__()
        self.inner, self.disk, self.name, self.out = inner, disk, name, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self.inner.readinto(buffer)  # type: ignore[attr-defined]
        self.out += n
        if self.out > MAX_DECOMPRESSED_BYTES:
            raise InputLimitError(f"decompressed size over the limit of {MAX_DECOMPRESSED_BYTES:,} bytes")
        if self.out > RATIO_CHECK_FROM and self.out > MAX_COMPRESSION_RATIO * max(self.disk.tell(), 1):
            raise InputLimitError(f"compression ratio over {MAX_COMPRESSION_RATIO}:1 "
                                  f"({self.out:,} bytes from {self.disk.tell():,}): refused as a decompression bomb")
        return n  # type: ignore[no-any-return]


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
    """Every input file under the given files and folders (folders recursively, in name order).

    Missing paths, dangling links, link loops, unreadable folders and files, and special files
    (FIFOs, sockets, devices) are ``Rejected`` with the reason."""
    defaults = {p.resolve(): name for p, name in (default_sources or {}).items()}
    for root in paths:
        try:
            mode = _checked_mode(root)
        except DocumentError as exc:
            yield Rejected(str(root), str(exc))
            continue
        if stat.S_ISDIR(mode):
            for item in _walk(root):
                yield InputFile(item, root, _default_for(item, defaults)) if isinstance(item, Path) else item
        else:
            yield InputFile(root, root, _default_for(root, defaults))


def _checked_mode(path: Path) -> int:
    """The file type of a path to read; DocumentError says why it cannot be read."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        if path.is_symlink():
            raise DocumentError(f"dangling symbolic link to {os.readlink(path)!r}") from None
        raise DocumentError("no such file or folder") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise DocumentError("symbolic link loop") from None
        raise DocumentError(f"unreadable: {exc.strerror or exc}") from None
    if stat.S_ISDIR(mode):
        if not os.access(path, os.R_OK | os.X_OK):
            raise DocumentError("unreadable folder: permission denied")
    elif stat.S_ISREG(mode):
        if not os.access(path, os.R_OK):
            raise DocumentError("unreadable file: permission denied")
    else:
        raise DocumentError("not a regular file or folder (a FIFO, socket or device)")
    return mode


def _walk(root: Path) -> Iterator[Path | Rejected]:
    """The files under a folder in path order, and a reject for each path that cannot be read.

    Links to folders are followed unless they lead back into the input (a loop, or a folder
    that is read anyway); hidden files and folders are skipped."""
    base = root.resolve()
    found: list[tuple[Path, Path | Rejected]] = []
    pending, followed = [(root, base)], {base}
    while pending:
        folder, real = pending.pop()
        try:
            with os.scandir(folder) as scan:
                entries = [e for e in scan if not e.name.startswith(".")]
        except OSError as exc:
            found.append((folder, Rejected(str(folder), f"unreadable folder: {exc.strerror or exc}")))
            continue
        for entry in entries:
            path = Path(entry.path)
            try:
                mode = _checked_mode(path)
                if stat.S_ISDIR(mode):
                    target = _folder_to_walk(path, entry.is_symlink(), real, base, followed)
                    pending.append((path, target))
                    continue
            except DocumentError as exc:
                found.append((path, Rejected(str(path), str(exc))))
                continue
            found.append((path, path))
    found.sort(key=lambda pair: pair[0])
    yield from (item for _, item in found)


def _folder_to_walk(path: Path, is_link: bool, parent: Path, base: Path, followed: set[Path]) -> Path:
    """The real folder behind a folder entry; a link that leads back into the input is refused."""
    if not is_link:
        return parent / path.name
    target = path.resolve()
    if parent == target or parent.is_relative_to(target):
        raise DocumentError(f"symbolic link loop: leads back to {target}, which contains it")
    if target.is_relative_to(base) or target in followed:
        raise DocumentError(f"symbolic link to a folder that is read anyway ({target})")
    followed.add(target)
    return target


def _default_for(path: Path, defaults: Mapping[Path, str]) -> str | None:
    for folder in path.resolve().parents:
        if folder in defaults:
            return defaults[folder]
    return None


def iter_raw(paths: Iterable[Path], default_sources: Mapping[Path, str] | None = None) -> Iterator[Raw | Rejected]:
    """Every article under the given files and folders, unparsed."""
    for item in iter_files(paths, default_sources):
        yield from (read_file(item) if isinstance(item, InputFile) else [item])


# --- reading: one reader per format, chosen by suffix -------------------------------------

Reader = Callable[[InputFile, "ReadProgress | None"], Iterator["Raw | Rejected"]]


def read_file(item: InputFile, progress: ReadProgress | None = None) -> Iterator[Raw | Rejected]:
    """The articles of one file, read by the reader of its suffix (READERS)."""
    base = progress.done if progress else 0
    reader = READERS.get(item.kind)
    if reader is None:
        yield Rejected(str(item.path), f"unsupported file type {item.path.suffix!r} (expected {_known_suffixes()})")
    else:
        yield from reader(item, progress)
    if progress:
        progress.done = base + _size(item.path)


def _known_suffixes() -> str:
    named = sorted(s for s in READERS if s)
    return f"{', '.join(named)} or none, maybe compressed as {'/'.join(COMPRESSED)}"


def read_text(item: InputFile, progress: ReadProgress | None = None) -> Iterator[Raw | Rejected]:
    """A plain-text file: one article."""
    yield read_whole(item, "text")


def read_markdown(item: InputFile, progress: ReadProgress | None = None) -> Iterator[Raw | Rejected]:
    """A Markdown file: one article."""
    yield read_whole(item, "markdown")


def read_whole(item: InputFile, fmt: str) -> Raw | Rejected:
    """A whole file as one raw item of the given format, refused over MAX_DOCUMENT_BYTES."""
    try:
        size = item.path.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            raise DocumentError(f"file is {size:,} bytes, over the limit of {MAX_DOCUMENT_BYTES:,}")
        with item.open() as f:
            data = f.read(MAX_DOCUMENT_BYTES + 1)
        if len(data) > MAX_DOCUMENT_BYTES:
            raise DocumentError(f"file is over the limit of {MAX_DOCUMENT_BYTES:,} bytes when decompressed")
    except (*READ_ERRORS, DocumentError) as exc:
        return Rejected(str(item.path), _reason(exc))
    return Raw(str(item.path), fmt, data, item.fallback_id, item.default_source)


def read_json_lines(item: InputFile, progress: ReadProgress | None = None) -> Iterator[Raw | Rejected]:
    """A JSON Lines file: one article per line, each line read under MAX_DOCUMENT_BYTES."""
    path, number = item.path, 0
    base = progress.done if progress else 0
    rejects = RejectCounter(str(path))
    try:
        with path.open("rb") as disk, decompressed(item, disk) as f:
            for number, line in bounded_lines(f, MAX_DOCUMENT_BYTES):
                if line is not None and line.lstrip()[:1] == b"{":
                    yield Raw(f"{path}:{number}", "json", line, f"{item.fallback_id}:{number}", item.default_source)
                elif line is None or line.strip():  # refused here: a file of junk never reaches the workers
                    rejected = rejects.admit(number, line)
                    if rejected:
                        yield rejected
                if progress and not number & 255:
                    progress.done = base + disk.tell()
    except (*READ_ERRORS, InputLimitError) as exc:
        yield Rejected(f"{path}:{number + 1}", f"could not read the rest of the file: {_reason(exc)}")
    yield from rejects.summary()


@contextmanager
def decompressed(item: InputFile, disk: IO[bytes]) -> Iterator[IO[bytes]]:
    """The bytes of an open file, decompressed under the caps when its suffix says it is compressed."""
    if not item.compression:
        yield disk
        return
    with COMPRESSED[item.compression](disk) as inner:
        yield io.BufferedReader(_CappedStream(inner, disk, str(item.path)), 1 << 16)


def bounded_lines(f: IO[bytes], limit: int) -> Iterator[tuple[int, bytes | None]]:
    """(line number, line) for each line; None for a line over ``limit`` bytes, which is skipped
    without ever being held in memory."""
    number = 0
    while True:
        line = f.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) > limit:
            while not line.endswith(b"\n"):
                line = f.readline(1 << 20)
                if not line:
                    break
            yield number, None
        else:
            yield number, line


def _json_problem(line: bytes) -> str:
    try:
        _json_object(decode(line))
    except DocumentError as exc:
        return str(exc)
    return "a JSON line must be an object"  # pragma: no cover - only objects start with '{'


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def read_web(item: InputFile, progress: ReadProgress | None = None) -> Iterator[Raw | Rejected]:
    """A web page, feed or web archive, through its reader in ``formats``."""
    fmt = formats.format_for(item.kind, item.path, lambda _: item.open())
    if fmt is None:
        yield Rejected(str(item.path), f"unsupported file type {item.kind!r}: not an RSS or Atom feed")
        return
    # warcio reads .warc.gz itself, so that record offsets are offsets in the file
    raw_file = fmt == "warc" and item.compression == ".gz"
    opener: formats.Opener = (lambda p: p.open("rb")) if raw_file else (lambda _: item.open())  # type: ignore[assignment,return-value]
    try:
        yield from formats.iter_items(fmt, item.path, opener, item.fallback_id, item.default_source)
    except READ_ERRORS as exc:
        yield Rejected(str(item.path), f"unreadable: {_reason(exc)}")


READERS: dict[str, Reader] = {
    "": read_text, ".txt": read_text, ".text": read_text,
    ".md": read_markdown, ".markdown": read_markdown,
    ".jsonl": read_json_lines, ".ndjson": read_json_lines, ".json": read_json_lines,
    ".xml": read_web, **{suffix: read_web for suffix in formats.SUFFIXES},
}


# --- rejects: listed up to a limit per file, always counted -------------------------------


class RejectCounter:
    """The rejects of one file as they are found: the first MAX_REJECTS_PER_FILE listed, the rest counted."""

    def __init__(self, origin: str, limit: int = MAX_REJECTS_PER_FILE) -> None:
        self.origin, self.limit, self.listed, self.more = origin, limit, 0, 0

    def admit(self, number: int, line: bytes | None) -> Rejected | None:
        """The reject of a line while under the limit; after it only a count (no reason is worked out)."""
        if self.listed >= self.limit:
            self.more += 1
            return None
        self.listed += 1
        reason = f"line over the limit of {MAX_DOCUMENT_BYTES:,} bytes" if line is None else _json_problem(line)
        return Rejected(f"{self.origin}:{number}", reason)

    def summary(self) -> Iterator[Rejected]:
        """One line standing for the rejects that were only counted, if any."""
        if self.more:
            yield more_rejects(self.origin, self.more)


def more_rejects(origin: str, count: int) -> Rejected:
    """The summary line for rejects that were counted but not listed."""
    return Rejected(origin, f"and {count:,} more rejects in this file (not listed)", count, summary=True)


class RejectLog:
    """All the rejects of a run: each counted, at most ``limit`` listed per file (for rejects.tsv)."""

    def __init__(self, limit: int = MAX_REJECTS_PER_FILE) -> None:
        self.limit = limit
        self.count = 0
        self._listed: list[Rejected] = []
        self._per_file: dict[str, int] = {}
        self._more: dict[str, int] = {}

    def add(self, rejected: Rejected) -> None:
        """Count a reject (a summary line counts for all it stands for) and list it if under the limit."""
        self.count += rejected.count
        name = file_of(rejected.origin)
        if rejected.summary or self._per_file.get(name, 0) >= self.limit:
            self._more[name] = self._more.get(name, 0) + rejected.count
            return
        self._per_file[name] = self._per_file.get(name, 0) + 1
        self._listed.append(rejected)

    def listed(self) -> list[Rejected]:
        """The rejects to write, then one summary line per file with rejects left out."""
        return self._listed + [more_rejects(name, n) for name, n in self._more.items()]


# --- parsing ------------------------------------------------------------------


def parse_raw(raw: Raw) -> Document:
    """The document in a raw item; raises DocumentError saying what is wrong."""
    if raw.fmt in formats.FORMATS:  # web pages are capped by their readers (pages carry markup)
        return formats.parse(raw)
    if len(raw.payload) > MAX_DOCUMENT_BYTES:
        raise DocumentError(f"document is {len(raw.payload):,} bytes, over the limit of {MAX_DOCUMENT_BYTES:,}")
    parser = PARSERS.get(raw.fmt)
    if parser is None:
        raise DocumentError(f"no parser for format {raw.fmt!r}")
    try:
        doc = parser(raw)
    except RecursionError as exc:  # a last guard: nesting is bounded before any recursion
        raise DocumentError("input nested too deeply") from exc
    return doc if doc.language else replace(doc, language=detect_language(f"{doc.title}\n{doc.body}"))


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


def _parse_json(raw: Raw) -> Document:
    return from_record(_json_object(decode(raw.payload)), raw)


def _parse_text(raw: Raw) -> Document:
    text = decode(raw.payload)
    if not text.strip():
        raise DocumentError("empty file")
    return from_text(text, raw)


def _parse_markdown(raw: Raw) -> Document:
    text = decode(raw.payload)
    if not text.strip():
        raise DocumentError("empty file")
    return from_markdown(text, raw)


PARSERS: dict[str, Callable[[Raw], Document]] = {"text": _parse_text, "markdown": _parse_markdown,
                                                 "json": _parse_json}


def _bounded_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise DocumentError(f"integer of {len(digits.lstrip('-')):,} digits (the limit is {MAX_INT_DIGITS})")
    return int(digits)


def _no_constant(name: str) -> float:
    raise DocumentError(f"{name} is not a JSON value")


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text.rstrip("\r\n"), parse_int=_bounded_int, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise DocumentError(f"malformed JSON: {exc.msg} at column {exc.colno}") from exc
    except RecursionError as exc:
        raise DocumentError(f"JSON nested more than {MAX_NESTING} levels deep") from exc
    if not isinstance(value, dict):
        raise DocumentError(f"a JSON line must be an object, not {type(value).__name__}")
    if text.count("[") + text.count("{") > MAX_NESTING:  # fewer brackets than that cannot nest deeper
        _check_nesting(value, "JSON")
    return value


def _check_nesting(value: Any, what: str) -> None:
    """Refuse a value nested more than MAX_NESTING levels deep (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        for child in children:
            if isinstance(child, (dict, list)):
                if depth + 1 > MAX_NESTING:
                    raise DocumentError(f"{what} nested more than {MAX_NESTING} levels deep")
                stack.append((child, depth + 1))


_FIELDS = {
    "id": ("id", "guid", "uuid", "doc_id"),
    "title": ("title", "headline", "heading"),
    "body": ("body", "text", "content", "article", "story", "full_text"),
    "date": ("date", "published", "published_at", "publishedAt", "pubdate", "pub_date",
             "datetime", "timestamp", "created_at", "date_raw"),
    "source": ("source", "publisher", "outlet", "site", "site_name", "source_name"),
    "url": ("url", "link", "href", "permalink"),
    "author": ("author", "byline", "authors", "creator"),
    "dateline": ("dateline",),
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
    meta = {"title": _text_of(_field(rec, "title")), "url": _text_of(_field(rec, "url")),
            "author": _text_of(_field(rec, "author")), "source": _text_of(_field(rec, "source")),
            "dateline": _text_of(_field(rec, "dateline"))}
    if not layout.body.strip() and not meta["title"]:
        raise DocumentError("no title and no body")
    record_id = _field(rec, "id")
    return _assemble(raw, layout, meta, _date_candidates(rec) + layout.dates(),
                     str(record_id) if record_id is not None else None)


def _date_candidates(rec: Mapping[str, Any]) -> list[tuple[Any, str]]:
    return [(rec[k], "metadata") for k in _FIELDS["date"] if rec.get(k) not in (None, "")]


def from_text(text: str, raw: Raw) -> Document:
    """A document from a plain-text news file (header lines, headline, dateline, trailers)."""
    layout = textlayout.parse(text)
    meta = {k: layout.meta.get(k, "") for k in ("title", "url", "author", "source")}
    if not layout.body.strip() and not (meta["title"] or layout.title):
        raise DocumentError("no title and no body text")
    return _assemble(raw, layout, meta, layout.dates(), layout.meta.get("id"))


class _FrontMatterLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing aliases and anchors (alias bombs) and deep nesting;
    timestamps stay text: our date parser reads them (with their zone)."""

    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        """Compose one node, after checking that it is neither an alias nor an anchor, nor too deep."""
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise yaml.composer.ComposerError(None, None, "aliases and anchors (&, *) are not allowed",
                                              event.start_mark)
        self.depth += 1
        try:
            if self.depth > MAX_NESTING:
                raise yaml.composer.ComposerError(None, None, f"nested more than {MAX_NESTING} levels deep",
                                                  event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_META_LINE_RE = re.compile(r"^([A-Za-z][\w-]{0,40}):[ \t]*(.*)$")


def from_markdown(text: str, raw: Raw) -> Document:
    """A document from Markdown with YAML front matter or Python-Markdown meta-data lines."""
    meta, rest = _markdown_meta(text.replace("\r\n", "\n"))
    layout = textlayout.parse(textlayout.markdown_to_text(rest), original=rest)
    merged = {k: _text_of(_meta_value(meta, k)) or layout.meta.get(k, "") for k in ("title", "url", "author", "source")}
    if not layout.body.strip() and not (merged["title"] or layout.title):
        raise DocumentError("no title and no body text")
    dates = [(meta[k], "metadata") for k in _FIELDS["date"] if meta.get(k) not in (None, "")]
    record_id = _meta_value(meta, "id")
    return _assemble(raw, layout, merged, dates + layout.dates(), str(record_id) if record_id else None)


def _meta_value(meta: Mapping[str, Any], name: str) -> Any:
    return _field({k.lower(): v for k, v in meta.items()}, name)


def _markdown_meta(text: str) -> tuple[dict[str, Any], str]:
    found = _front_matter(text)
    if found is None:
        return _python_markdown_meta(text)
    front, rest = found
    try:
        loaded = yaml.load(front, Loader=_FrontMatterLoader) if front.strip() else {}  # noqa: S506 - a safe loader
    except (yaml.YAMLError, ValueError) as exc:
        raise DocumentError(f"malformed YAML front matter: {str(exc).splitlines()[0]}") from exc
    if not isinstance(loaded, dict):
        raise DocumentError("YAML front matter must be a mapping of keys to values")
    _check_nesting(loaded, "YAML front matter")
    return {str(k).lower(): v for k, v in loaded.items()}, rest


def _front_matter(text: str) -> tuple[str, str] | None:
    """(front matter, rest) of a text that opens with a '---' line; None when it does not."""
    first, newline, after = text.partition("\n")
    if first.rstrip(" \t") != "---" or not newline:
        return None
    start = 0
    while start <= len(after):
        end = after.find("\n", start)
        line_end = len(after) if end < 0 else end
        if after[start:line_end].rstrip(" \t") in ("---", "..."):
            return after[:max(start - 1, 0)], after[line_end + 1:]
        if end < 0:
            return None
        start = end + 1
        if start > MAX_FRONT_MATTER_BYTES:
            raise DocumentError(f"YAML front matter over the limit of {MAX_FRONT_MATTER_BYTES:,} characters")
    return None


def _python_markdown_meta(text: str) -> tuple[dict[str, Any], str]:
    meta: dict[str, Any] = {}
    lines = text.split("\n")
    key = None
    for i, line in enumerate(lines):
        m = _META_LINE_RE.match(line) if len(line) <= MAX_FIELD_CHARS else None
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
    url = meta.get("url") or layout.meta.get("url", "")
    _check_sizes(title=title, author=author, source=source or "", url=url)
    doc_id = _checked_id(record_id or raw.fallback_id)
    digest = hashlib.sha256("\x1f".join(
        [title, layout.body, published.isoformat() if published else "", source or "", url, author]
    ).encode("utf-8")).hexdigest()[:20]
    return Document(doc_id, title, layout.body, layout.original, published, date_from, source, source_from,
                    url, author, raw.origin, digest, dateline=meta.get("dateline") or layout.dateline)


def _check_sizes(**fields: str) -> None:
    for name, value in fields.items():
        if len(value) > MAX_FIELD_CHARS:
            raise DocumentError(f"{name} is {len(value):,} characters, over the limit of {MAX_FIELD_CHARS:,}")


MAX_ID_LENGTH = 300
_ID_RE = re.compile(r"^[^\x00-\x1f\x7f]+$")


def _checked_id(doc_id: str) -> str:
    doc_id = doc_id.strip()
    if not doc_id or len(doc_id) > MAX_ID_LENGTH or not _ID_RE.match(doc_id):
        raise DocumentError(f"unusable id {doc_id[:60]!r} (1-{MAX_ID_LENGTH} printable characters)")
    return doc_id


DATE_FROM = ("metadata", "markup", "text", "dateline", "url", "crawl", "none")  # every reader's vocabulary
_DATE_FROM_OF = {"header": "text", "date line": "text", "front matter": "metadata"}


def _first_date(candidates: list[tuple[Any, str]]) -> tuple[datetime | None, str]:
    """The first candidate that reads as a date, and where it came from (one of DATE_FROM); undated when none does."""
    for value, where in candidates:
        try:
            return parse_date(value), _DATE_FROM_OF.get(where, where)
        except BadDate:
            continue
    return None, "none"


def _choose_source(explicit: str, layout: textlayout.Layout, default: str | None) -> tuple[str | None, str]:
    if explicit:
        return canonical_source(explicit), "metadata"
    if layout.source_line:
        return canonical_source(layout.source_line), "source line"
    if layout.dateline_source:
        return layout.dateline_source, "attribution"
    attributed = attributed_source(layout.lede())
    if attributed:
        return attributed, "attribution"
    if layout.byline_source:
        return layout.byline_source, "byline"
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
