"""Building and updating the index on disk (Whoosh, no Flask).

Layout of an index folder::

    index/
      current -> gen-20261122T040102-8f3a   (symlink, replaced atomically)
      gen-.../                              (a Whoosh index + build.json + manifest.json)
      rejects.tsv                           (what the last run could not index, and why)
      .lock                                 (held while a rebuild or update runs)

A full rebuild writes a new generation beside the live one and swaps the symlink only when
it is complete, so a server never sees a half-built index and a failed rebuild leaves the
old one serving.  Parsing and entity extraction run in worker processes; the one Whoosh
writer runs in this process.
"""

from __future__ import annotations

import fcntl
import json
import multiprocessing
import os
import resource
import shutil
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import whoosh
from whoosh import index as whoosh_index
from whoosh.writing import SegmentWriter

from .documents import (
    Document,
    DocumentError,
    InputFile,
    Raw,
    ReadProgress,
    Rejected,
    iter_files,
    parse_raw,
    read_file,
    with_entities,
)
from .entities import EntityExtractor, default_extractor
from .schema import build_schema, fields_of

CURRENT = "current"
LOCK = ".lock"
REJECTS = "rejects.tsv"
BUILD_INFO = "build.json"
MANIFEST = "manifest.json"
BATCH = 48
WRITER_PROCS = 2


class IndexerError(Exception):
    """A rebuild or update that could not run; the message says what to do."""


class IndexBusy(IndexerError):
    """Another rebuild or update holds the index folder."""


class IndexMissing(IndexerError):
    """There is no index at the given folder yet."""


@dataclass
class BuildStats:
    """What a rebuild or update did (the summary the CLI prints)."""

    indexed: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    rejected: int = 0
    undated: int = 0
    elapsed: float = 0.0
    read_parse_seconds: float = 0.0
    entity_seconds: float = 0.0
    write_seconds: float = 0.0
    peak_memory_mb: float = 0.0
    rejects: list[Rejected] = field(default_factory=list, repr=False)

    @property
    def seen(self) -> int:
        """Documents in: every one is indexed, updated, unchanged or rejected."""
        return self.indexed + self.updated + self.unchanged + self.rejected

    def summary(self) -> str:
        return (f"indexed {self.indexed:,}, updated {self.updated:,}, unchanged {self.unchanged:,}, "
                f"removed {self.removed:,}, rejected {self.rejected:,}, undated {self.undated:,}, "
                f"elapsed {self.elapsed:.1f}s")


Progress = Callable[[int, ReadProgress], None]


# --- locations ------------------------------------------------------------------


def current_dir(root: Path) -> Path:
    """The live generation's folder; raises IndexMissing when there is none."""
    link = root / CURRENT
    try:
        target = os.readlink(link)
    except OSError as exc:
        raise IndexMissing(f"no index at {root}; build one with: newsearch rebuild-index --index-dir {root}") from exc
    return root / target


def open_current(root: Path) -> whoosh_index.Index:
    """The live Whoosh index."""
    folder = current_dir(root)
    try:
        return whoosh_index.open_dir(str(folder))
    except (OSError, whoosh_index.IndexError) as exc:
        raise IndexMissing(f"the index at {folder} is unreadable ({exc}); rebuild it with: "
                           f"newsearch rebuild-index --index-dir {root}") from exc


def build_info(folder: Path) -> dict[str, Any]:
    """What build.json of a generation says (empty when absent)."""
    try:
        return json.loads((folder / BUILD_INFO).read_text(encoding="utf-8"))  # type: ignore[no-any-return]
    except (OSError, ValueError):
        return {}


class _Lock:
    """An exclusive, non-blocking lock on the index folder, released when the process dies."""

    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.path = root / LOCK
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)

    def __enter__(self) -> _Lock:
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            holder = os.pread(self._fd, 32, 0).decode(errors="replace").strip() or "another process"
            os.close(self._fd)
            raise IndexBusy(f"another rebuild or update (pid {holder}) is running on {self.path.parent}; "
                            "wait for it to finish") from exc
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, str(os.getpid()).encode(), 0)
        return self

    def __exit__(self, *exc: object) -> None:
        os.ftruncate(self._fd, 0)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)


# --- the parallel parse + entities stage -------------------------------------------

_worker_extractor: EntityExtractor | None = None


def _init_worker() -> None:
    global _worker_extractor
    _worker_extractor = default_extractor()


class Prepared(NamedTuple):
    """A document turned into the fields Whoosh writes (made in a worker process)."""

    id: str
    origin: str
    content_hash: str
    dated: bool
    fields: dict[str, Any]


def prepare(doc: Document) -> Prepared:
    """The fields of a document, ready for the writer."""
    return Prepared(doc.id, doc.origin, doc.content_hash, doc.published is not None, fields_of(doc))


def process_batch(batch: list[Raw | Rejected], extractor: EntityExtractor | None = None
                  ) -> tuple[list[Prepared | Rejected], float, float]:
    """Parse, extract entities and prepare fields; returns them and the CPU seconds each stage took."""
    extractor = extractor or _worker_extractor or default_extractor()
    out: list[Prepared | Rejected] = []
    parse_s = entity_s = 0.0
    for item in batch:
        if isinstance(item, Rejected):
            out.append(item)
            continue
        t0 = time.process_time()
        try:
            doc = parse_raw(item)
        except DocumentError as exc:
            out.append(Rejected(item.origin, str(exc)))
            continue
        finally:
            parse_s += time.process_time() - t0
        t1 = time.process_time()
        out.append(prepare(with_entities(doc, extractor)))
        entity_s += time.process_time() - t1
    return out, parse_s, entity_s


def _batches(items: Iterable[Raw | Rejected]) -> Iterator[list[Raw | Rejected]]:
    batch: list[Raw | Rejected] = []
    for item in items:
        batch.append(item)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def processed(items: Iterable[Raw | Rejected], workers: int, stats: BuildStats
              ) -> Iterator[Prepared | Rejected]:
    """Parsed, entity-tagged documents in input order, with at most a few batches in flight."""
    if workers <= 1:
        for batch in _batches(items):
            yield from _account(process_batch(batch), stats)
        return
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(workers, initializer=_init_worker) as pool:
        pending: deque[Any] = deque()
        for batch in _batches(items):
            pending.append(pool.apply_async(process_batch, (batch,)))
            if len(pending) >= workers * 4:
                yield from _account(pending.popleft().get(), stats)
        while pending:
            yield from _account(pending.popleft().get(), stats)


def _account(result: tuple[list[Prepared | Rejected], float, float], stats: BuildStats
             ) -> list[Prepared | Rejected]:
    docs, parse_s, entity_s = result
    stats.read_parse_seconds += parse_s
    stats.entity_seconds += entity_s
    return docs


# --- rebuild and update ------------------------------------------------------------


def rebuild(paths: list[Path], root: Path, *, workers: int = 2, progress: Progress | None = None,
            default_sources: Mapping[Path, str] | None = None, writer_procs: int = WRITER_PROCS) -> BuildStats:
    """Build a new generation from the inputs and make it live; the old one stays on failure."""
    with _Lock(root):
        started = time.perf_counter()
        folder = root / f"gen-{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{os.getpid()}"
        folder.mkdir()
        stats = BuildStats()
        try:
            _build_into(folder, paths, workers, writer_procs, progress, default_sources, stats)
            if stats.indexed == 0:
                raise IndexerError(f"nothing could be indexed from {', '.join(map(str, paths))} "
                                   f"({stats.rejected} rejected; see {root / REJECTS})")
            _finish(stats, started, folder, paths, "rebuild")
            _swap(root, folder)
        except OSError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            raise IndexerError(f"rebuild failed: {exc.strerror or exc}"
                               f"{' (' + exc.filename + ')' if exc.filename else ''}; "
                               "the previous index is still live") from exc
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        finally:
            _write_rejects(root, stats)
        _remove_old_generations(root)
        return stats


def _build_into(folder: Path, paths: list[Path], workers: int, writer_procs: int, progress: Progress | None,
                default_sources: Mapping[Path, str] | None, stats: BuildStats) -> None:
    ix = whoosh_index.create_in(str(folder), build_schema())
    # Sub-writer processes each finish a segment of their own (multisegment): the final
    # posting write, Whoosh's longest single step, then runs on both cores instead of one.
    writer = ix.writer(procs=writer_procs, multisegment=True, batchsize=256, limitmb=192, compound=False)
    manifest: dict[str, Any] = {}
    try:
        for doc in _documents(_inputs(paths, default_sources, stats), manifest, workers, progress, stats):
            _write(writer, doc, stats, update=False)
            stats.indexed += 1
        t0 = time.perf_counter()
        writer.commit()
        stats.write_seconds += time.perf_counter() - t0
    except BaseException:
        writer.cancel()
        raise
    finally:
        ix.close()
    (folder / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")


def _inputs(paths: list[Path], default_sources: Mapping[Path, str] | None, stats: BuildStats) -> list[InputFile]:
    inputs = []
    for item in iter_files(paths, default_sources):
        if isinstance(item, Rejected):
            stats.rejected += 1
            stats.rejects.append(item)
        else:
            inputs.append(item)
    return inputs


def _raw_items(inputs: list[InputFile], read: ReadProgress, manifest: dict[str, Any]) -> Iterator[Raw | Rejected]:
    for item in inputs:
        size, mtime = item.fingerprint()
        manifest[str(item.path)] = {"size": size, "mtime_ns": mtime, "ids": []}
        yield from read_file(item, read)


def _file_of(origin: str) -> str:
    head, sep, tail = origin.rpartition(":")
    return head if sep and tail.isdigit() else origin


def _documents(inputs: list[InputFile], manifest: dict[str, Any], workers: int, progress: Progress | None,
               stats: BuildStats) -> Iterator[Prepared]:
    """The prepared documents of the inputs, each id once; failures and duplicates become rejects.
    Every document's id is recorded under its file in the manifest."""
    read = ReadProgress(inputs)
    first_seen: dict[str, str] = {}
    for item in processed(_raw_items(inputs, read, manifest), workers, stats):
        if isinstance(item, Prepared) and item.id in first_seen:
            item = Rejected(item.origin, f"duplicate id {item.id!r} (first seen at {first_seen[item.id]})")
        if isinstance(item, Rejected):
            stats.rejected += 1
            stats.rejects.append(item)
            continue
        first_seen[item.id] = item.origin
        manifest[_file_of(item.origin)]["ids"].append(item.id)
        yield item
        if progress:
            progress(stats.seen, read)


def _write(writer: SegmentWriter, doc: Prepared, stats: BuildStats, update: bool) -> None:
    t0 = time.perf_counter()
    if update:
        writer.update_document(**doc.fields)
    else:
        writer.add_document(**doc.fields)
    stats.write_seconds += time.perf_counter() - t0
    if not doc.dated:
        stats.undated += 1


def _finish(stats: BuildStats, started: float, folder: Path, paths: list[Path], kind: str) -> None:
    stats.elapsed = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    stats.peak_memory_mb = max(own, children) / 1024
    extractor = default_extractor()
    info = build_info(folder) | {
        "kind": kind,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "inputs": [str(p) for p in paths],
        "extractor": f"{extractor.name} {extractor.version}",
        "whoosh": whoosh.versionstring(),
        "stats": {k: v for k, v in asdict(stats).items() if k != "rejects"},
    }
    (folder / BUILD_INFO).write_text(json.dumps(info, indent=1), encoding="utf-8")


def _swap(root: Path, folder: Path) -> None:
    tmp = root / f".{CURRENT}.{os.getpid()}"
    if tmp.is_symlink():
        tmp.unlink()
    os.symlink(folder.name, tmp)
    os.replace(tmp, root / CURRENT)


def _remove_old_generations(root: Path) -> None:
    """Keep the live generation and the one before (servers may still be finishing on it);
    remove older ones and any left incomplete by a killed rebuild (no build.json)."""
    live = os.readlink(root / CURRENT)
    others = [p for p in root.glob("gen-*") if p.name != live]
    complete = sorted((p for p in others if (p / BUILD_INFO).exists()), key=lambda p: p.stat().st_mtime)
    keep = set(complete[-1:])
    for old in others:
        if old not in keep:
            shutil.rmtree(old, ignore_errors=True)


def _write_rejects(root: Path, stats: BuildStats) -> None:
    tmp = root / f".{REJECTS}.tmp"
    try:
        with tmp.open("w", encoding="utf-8") as f:
            f.write("origin\treason\n")
            for r in stats.rejects:
                f.write(f"{r.origin}\t{' '.join(r.reason.split())}\n")
        os.replace(tmp, root / REJECTS)
    except OSError:  # a full disk must not hide the error that stopped the run
        tmp.unlink(missing_ok=True)


def update(paths: list[Path], root: Path, *, workers: int = 2, progress: Progress | None = None,
           default_sources: Mapping[Path, str] | None = None) -> BuildStats:
    """Add new and changed documents and remove vanished ones, in the live generation."""
    with _Lock(root):
        started = time.perf_counter()
        folder = current_dir(root)
        ix = open_current(root)
        stats = BuildStats()
        try:
            manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
            _update_into(ix, manifest, paths, workers, progress, default_sources, stats)
            tmp = folder / f".{MANIFEST}.tmp"
            tmp.write_text(json.dumps(manifest), encoding="utf-8")
            os.replace(tmp, folder / MANIFEST)
        except OSError as exc:
            raise IndexerError(f"update failed: {exc.strerror or exc}; the index is as it was before") from exc
        finally:
            ix.close()
            _write_rejects(root, stats)
        _finish(stats, started, folder, paths, "update")
        return stats


def _update_into(ix: whoosh_index.Index, manifest: dict[str, Any], paths: list[Path], workers: int,
                 progress: Progress | None, default_sources: Mapping[Path, str] | None, stats: BuildStats) -> None:
    with ix.reader() as reader:
        known = dict(t.decode("utf-8").split("\x1f", 1) for t in reader.lexicon("idhash"))
    inputs = _inputs(paths, default_sources, stats)
    changed = []
    for item in inputs:
        entry = manifest.get(str(item.path))
        if entry and (entry["size"], entry["mtime_ns"]) == item.fingerprint():
            stats.unchanged += len(entry["ids"])
        else:
            changed.append(item)
    seen_files = {str(i.path) for i in inputs}
    vanished = [ids for name, entry in manifest.items() if name not in seen_files for ids in entry["ids"]]
    for name in [n for n in manifest if n not in seen_files]:
        del manifest[name]
    writer = ix.writer(limitmb=128, compound=False)
    try:
        stale = _apply_changes(writer, changed, known, manifest, workers, progress, stats)
        for doc_id in vanished + stale:
            writer.delete_by_term("id", doc_id)
            stats.removed += 1
        t0 = time.perf_counter()
        writer.commit()
        stats.write_seconds += time.perf_counter() - t0
    except BaseException:
        writer.cancel()
        raise


def _apply_changes(writer: SegmentWriter, changed: list[InputFile], known: dict[str, str],
                   manifest: dict[str, Any], workers: int, progress: Progress | None, stats: BuildStats) -> list[str]:
    """Write new and changed documents; returns the ids that vanished from changed files."""
    previous = {doc_id for i in changed for doc_id in manifest.get(str(i.path), {}).get("ids", [])}
    fresh: dict[str, Any] = {}
    for doc in _documents(changed, fresh, workers, progress, stats):
        if known.get(doc.id) == doc.content_hash:
            stats.unchanged += 1
            continue
        _write(writer, doc, stats, update=True)
        if doc.id in known:
            stats.updated += 1
        else:
            stats.indexed += 1
    manifest.update(fresh)
    seen = {doc_id for entry in fresh.values() for doc_id in entry["ids"]}
    return sorted(previous - seen)


__all__ = ["BuildStats", "IndexBusy", "IndexMissing", "IndexerError", "build_info", "current_dir", "open_current",
           "rebuild", "update"]
