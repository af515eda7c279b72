"""Building and updating the index (Whoosh, no Flask): the orchestration of a rebuild or an update.

Where things live on disk, the lock, and how a generation is checked and made live are in
``store``.  A full rebuild writes a new generation; an update writes a copy of the live one
(its segments hard-linked); either is verified before the ``current`` symlink is swapped, so a
server never sees a half-written index and a failed run leaves the old one serving untouched.
Parsing and entity extraction run in worker processes, each document within a CPU-time budget;
the one Whoosh writer runs in this process.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import shutil
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple, NoReturn

import whoosh
from whoosh import index as whoosh_index
from whoosh.writing import IndexWriter

from . import language
from .config import alias_file
from .copies import GROUPS_DIR, Grouper, GroupsError
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
from .resolve import ENTITY_STATS, ENTITY_TABLE, EntityStats, build_table
from .schema import GRAMS_FIELD, build_schema, fields_of
from .store import (
    REJECTS,
    FileEntry,
    IndexBusy,
    IndexMissing,
    Lock,
    Manifest,
    Probe,
    RejectLine,
    StoreError,
    VerificationFailed,
    Warn,
    build_info,
    covered,
    current_dir,
    die_with_parent,
    link_copy,
    live_id_hashes,
    new_generation,
    open_current,
    open_generation,
    read_manifest,
    read_rejects,
    remove_old_generations,
    swap,
    verify_generation,
    write_build_info,
    write_manifest,
    write_rejects,
)

BATCH = 48
WRITER_PROCS = 2
DOCUMENT_BUDGET = 5.0  # CPU seconds to parse one document and extract its entities
RACY_NS = 2_000_000_000  # a file changed this close to a scan may change again with the same size and mtime
SHOWN_REMOVALS = 5


class IndexerError(StoreError):
    """A rebuild or update that could not run; the message says what to do."""


class InputPathError(IndexerError):
    """An input path that does not exist or cannot be read: nothing was changed."""


class DocumentTimeout(BaseException):
    """One document used up its CPU budget (a BaseException, so parsing code cannot swallow it)."""


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
    group_seconds: float = 0.0  # copy and story grouping, CPU seconds in the main process
    peak_memory_mb: float = 0.0
    rejects: list[Rejected] = field(default_factory=list, repr=False)
    removed_ids: list[str] = field(default_factory=list, repr=False)

    @property
    def seen(self) -> int:
        """Documents in: every one is indexed, updated, unchanged or rejected."""
        return self.indexed + self.updated + self.unchanged + self.rejected

    def summary(self) -> str:
        """The one-line summary of counts and time."""
        return (f"indexed {self.indexed:,}, updated {self.updated:,}, unchanged {self.unchanged:,}, "
                f"removed {self.removed:,}, rejected {self.rejected:,}, undated {self.undated:,}, "
                f"elapsed {self.elapsed:.1f}s")

    def removals(self) -> str:
        """Which ids were removed (the first few), or '' when none were."""
        if not self.removed_ids:
            return ""
        shown = ", ".join(self.removed_ids[:SHOWN_REMOVALS])
        more = len(self.removed_ids) - SHOWN_REMOVALS
        return f"removed: {shown}" + (f" and {more:,} more" if more > 0 else "")


Progress = Callable[[int, ReadProgress], None]


# --- inputs ------------------------------------------------------------------------


def checked_inputs(paths: Iterable[Path]) -> list[Path]:
    """The input paths made absolute; raises InputPathError naming the first one that cannot be read."""
    out = []
    for path in paths:
        absolute = Path(os.path.abspath(path))
        problem = _unreadable(absolute)
        if problem:
            raise InputPathError(f"cannot read input {path}: {problem}; nothing was changed")
        out.append(absolute)
    return out


def _unreadable(path: Path) -> str:
    try:
        if path.is_dir():
            with os.scandir(path):
                return ""
        if path.is_file():
            with path.open("rb"):
                return ""
    except OSError as exc:
        return (exc.strerror or str(exc)).lower()
    return "no such file or folder" if not path.exists() else "not a file or folder"


def outermost(paths: Iterable[Path]) -> list[Path]:
    """The paths that lie under no other one (each file is walked once), in their order."""
    unique = list(dict.fromkeys(paths))
    return [p for p in unique if not covered(str(p), [str(q) for q in unique if q != p])]


def _inputs(paths: list[Path], manifest: Manifest, stats: BuildStats) -> list[InputFile]:
    """The files under the paths, each with the recorded root its id is relative to: a file keeps its
    id whichever path it is reached through."""
    inputs = []
    defaults = {Path(folder): name for folder, name in manifest.default_sources.items()}
    for item in iter_files(outermost(paths), defaults):
        if isinstance(item, Rejected):
            stats.rejected += item.count  # a summary line stands for every reject it counts
            stats.rejects.append(item)
            continue
        base = manifest.base_of(str(item.path))
        inputs.append(replace(item, root=Path(base)) if base and base != str(item.root) else item)
    return inputs


def _absolute_keys(default_sources: Mapping[Path, str] | None) -> dict[str, str]:
    return {os.path.abspath(folder): name for folder, name in (default_sources or {}).items()}


def _fingerprint(item: InputFile) -> tuple[int, int]:
    try:
        return item.fingerprint()
    except OSError:  # gone since the walk: read_file rejects it, and the next run reads it again
        return -1, -1


# --- the parallel parse + entities stage -------------------------------------------

_worker_extractor: EntityExtractor | None = None


def _init_worker() -> None:
    global _worker_extractor
    die_with_parent()
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


def _over_budget(signum: int, frame: object) -> None:
    raise DocumentTimeout


@contextmanager
def _budget() -> Iterator[Callable[[float], None]]:
    """A function that starts (seconds > 0) or stops (0) the CPU-time alarm for one document.
    Only the main thread can take signals; elsewhere documents run without a budget."""
    if threading.current_thread() is not threading.main_thread():
        yield lambda seconds: None
        return
    previous = signal.signal(signal.SIGPROF, _over_budget)

    def alarm(seconds: float) -> None:
        signal.setitimer(signal.ITIMER_PROF, seconds)

    try:
        yield alarm
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def process_batch(batch: list[Raw | Rejected], extractor: EntityExtractor | None = None
                  ) -> tuple[list[Prepared | Rejected], float, float]:
    """Parse, extract entities and prepare fields; returns them and the CPU seconds each stage took.
    A document that fails or runs over its budget becomes a Rejected naming its file and line."""
    extractor = extractor or _worker_extractor or default_extractor()
    out: list[Prepared | Rejected] = []
    times = [0.0, 0.0]
    with _budget() as alarm:
        for item in batch:
            if isinstance(item, Rejected):
                out.append(item)
                continue
            try:
                alarm(DOCUMENT_BUDGET)
                try:
                    out.append(_process_one(item, extractor, times))
                finally:
                    alarm(0)
            except DocumentTimeout:
                out.append(Rejected(item.origin, f"took over {DOCUMENT_BUDGET:g} s of CPU to parse and extract "
                                                 "entities (the limit per document)"))
            except DocumentError as exc:
                out.append(Rejected(item.origin, str(exc)))
            except Exception as exc:  # one bad document must never abort a rebuild
                out.append(Rejected(item.origin, f"could not be parsed ({type(exc).__name__}: {exc})"))
    return out, times[0], times[1]


def _process_one(item: Raw, extractor: EntityExtractor, times: list[float]) -> Prepared:
    t0 = time.process_time()
    try:
        doc = parse_raw(item)
    finally:
        times[0] += time.process_time() - t0
    t1 = time.process_time()
    try:
        return prepare(with_entities(doc, extractor))
    finally:
        times[1] += time.process_time() - t1


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
    language.load()  # before the fork: the workers inherit the model instead of each unpacking it
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


def _raw_items(inputs: list[InputFile], read: ReadProgress, files: dict[str, FileEntry]
               ) -> Iterator[Raw | Rejected]:
    for item in inputs:
        files[str(item.path)] = FileEntry(*_fingerprint(item))
        yield from read_file(item, read)


def _documents(inputs: list[InputFile], files: dict[str, FileEntry], workers: int, progress: Progress | None,
               stats: BuildStats, owners: Mapping[str, str] | None = None) -> Iterator[Prepared]:
    """The prepared documents of the inputs, each id once (``owners``: ids already taken, and by which file);
    failures and duplicates become rejects. Every document's id is recorded under its file in ``files``."""
    read = ReadProgress(inputs)
    first_seen: dict[str, str] = dict(owners or {})
    for item in processed(_raw_items(inputs, read, files), workers, stats):
        if isinstance(item, Prepared) and item.id in first_seen:
            item = Rejected(item.origin, f"duplicate id {item.id!r} (first seen at {first_seen[item.id]})")
        if isinstance(item, Rejected):
            stats.rejected += item.count  # a summary line stands for every reject it counts
            stats.rejects.append(item)
            continue
        first_seen[item.id] = item.origin
        files[RejectLine(item.origin, "").file].ids.append(item.id)
        yield item
        if progress:
            progress(stats.seen, read)


class _Probes:
    """A few written documents that the new generation must find again."""

    def __init__(self) -> None:
        self.first: list[Probe] = []
        self.last: Probe | None = None

    def add(self, doc: Prepared) -> None:
        words = doc.fields.get("body") or []
        if not words:
            return
        probe = Probe(doc.id, words[0])
        if len(self.first) < 2:
            self.first.append(probe)
        else:
            self.last = probe

    def all(self) -> list[Probe]:
        return self.first + ([self.last] if self.last else [])


def _write(writer: IndexWriter, doc: Prepared, stats: BuildStats, update: bool) -> None:
    t0 = time.perf_counter()
    fields = doc.fields if GRAMS_FIELD in writer.schema else {k: v for k, v in doc.fields.items() if k != GRAMS_FIELD}
    if update:  # (an index built before grams is updated without them: its phrases use positions)
        writer.update_document(**fields)
    else:
        writer.add_document(**fields)
    stats.write_seconds += time.perf_counter() - t0
    if not doc.dated:
        stats.undated += 1


def _commit(writer: IndexWriter, stats: BuildStats) -> None:
    t0 = time.perf_counter()
    writer.commit()
    stats.write_seconds += time.perf_counter() - t0


# --- rebuild -------------------------------------------------------------------------


def rebuild(paths: list[Path], root: Path, *, workers: int = 2, progress: Progress | None = None,
            default_sources: Mapping[Path, str] | None = None, writer_procs: int = WRITER_PROCS,
            warn: Warn | None = None) -> BuildStats:
    """Build a new generation from the inputs and make it live; the old one stays on failure."""
    roots = checked_inputs(paths)
    with Lock(root, warn):
        started, scanned_ns = time.perf_counter(), time.time_ns()
        folder = new_generation(root)
        stats = BuildStats()
        try:
            manifest = Manifest([str(p) for p in outermost(roots)], scanned_ns,
                                default_sources=_absolute_keys(default_sources))
            probes = _build_into(folder, roots, manifest, workers, writer_procs, progress, stats)
            if stats.indexed == 0:
                raise IndexerError(f"nothing could be indexed from {', '.join(map(str, roots))} "
                                   f"({stats.rejected} rejected; see {root / REJECTS})")
            verify_generation(folder, stats.indexed, probes)
            _publish(root, folder, manifest, _lines(stats.rejects), stats, started, roots, "rebuild")
        except BaseException as exc:
            shutil.rmtree(folder, ignore_errors=True)
            _raise_failure("rebuild", exc, "the previous index is still live")
        finally:
            _write_root_rejects(root, _lines(stats.rejects))
        remove_old_generations(root)
        return stats


def _build_into(folder: Path, roots: list[Path], manifest: Manifest, workers: int, writer_procs: int,
                progress: Progress | None, stats: BuildStats) -> list[Probe]:
    ix = whoosh_index.create_in(str(folder), build_schema())
    # Sub-writer processes each finish a segment of their own (multisegment): the final
    # posting write, Whoosh's longest single step, then runs on both cores instead of one.
    writer = ix.writer(procs=writer_procs, multisegment=True, batchsize=256, limitmb=192, compound=False)
    probes = _Probes()
    corpus = _Corpus(Grouper(), EntityStats())
    try:
        inputs = _inputs(roots, manifest, stats)
        for doc in _documents(inputs, manifest.files, workers, progress, stats):
            _write(writer, doc, stats, update=False)
            corpus.add(doc, stats)
            probes.add(doc)
            stats.indexed += 1
        _commit(writer, stats)
        corpus.save(folder)
    except BaseException:
        writer.cancel()
        raise
    finally:
        ix.close()
    return probes.all()


# --- update --------------------------------------------------------------------------


def update(paths: list[Path] | None, root: Path, *, workers: int = 2, progress: Progress | None = None,
           default_sources: Mapping[Path, str] | None = None, warn: Warn | None = None) -> BuildStats:
    """Add new and changed documents, and remove those of vanished files under the given paths (default:
    the roots the index was built from), in a verified copy of the live generation that then goes live."""
    given = checked_inputs(paths) if paths else None
    with Lock(root, warn):
        started, scanned_ns = time.perf_counter(), time.time_ns()
        live = current_dir(root)
        manifest = read_manifest(live)
        roots = given or checked_inputs(Path(r) for r in manifest.roots)
        old_rejects = read_rejects(live / REJECTS) if (live / REJECTS).exists() else read_rejects(root / REJECTS)
        folder = new_generation(root)
        stats = BuildStats()
        try:
            link_copy(live, folder)
            manifest.add_roots(str(p) for p in roots)
            manifest.default_sources |= _absolute_keys(default_sources)
            reread = _update_into(folder, live, manifest, roots, workers, progress, stats)
            manifest.scanned_ns = scanned_ns
            rejects = _merged_rejects(old_rejects, stats.rejects, roots, manifest, reread)
            _publish(root, folder, manifest, rejects, stats, started, roots, "update")
        except BaseException as exc:
            shutil.rmtree(folder, ignore_errors=True)
            _raise_failure("update", exc, "the index is as it was before")
        _write_root_rejects(root, rejects)
        remove_old_generations(root)
        return stats


@dataclass(frozen=True)
class _Plan:
    """What an update has to do, from the walk of its paths and the manifest."""

    changed: list[InputFile]  # new files and files to read again
    vanished: list[str]  # files under the update's paths that are gone
    owners: dict[str, str]  # ids kept as they are -> the file that holds them
    previous: set[str]  # ids of the changed and vanished files before this update

    @property
    def reread(self) -> set[str]:
        """The files read again."""
        return {str(i.path) for i in self.changed}


def _plan(manifest: Manifest, roots: list[Path], stats: BuildStats) -> _Plan:
    inputs = _inputs(roots, manifest, stats)
    seen = {str(i.path) for i in inputs}
    _refuse_emptied(roots, seen, manifest)
    vanished = [name for name in manifest.files if covered(name, map(str, roots)) and name not in seen]
    changed = [i for i in inputs if not _unchanged(manifest, i, stats)]
    dropped = {str(i.path) for i in changed} | set(vanished)
    owners = {i: name for name, e in manifest.files.items() if name not in dropped for i in e.ids}
    previous = {i for name in dropped if name in manifest.files for i in manifest.files[name].ids}
    return _Plan(changed, vanished, owners, previous)


def _refuse_emptied(roots: list[Path], seen: set[str], manifest: Manifest) -> None:
    """Refuse to empty a whole input root (an unmounted disk looks like an empty folder): removing
    everything that came from a root takes a rebuild without it."""
    for root in roots:
        if any(covered(name, [str(root)]) for name in seen):
            continue
        held = sum(len(e.ids) for name, e in manifest.files.items() if covered(name, [str(root)]))
        if held:
            articles = f"{held:,} indexed article{'s' if held > 1 else ''}"
            raise InputPathError(f"input {root} has no files now, but {articles} came from it; "
                                 "nothing was changed (to remove them all, rebuild without it)")


def _update_into(folder: Path, live: Path, manifest: Manifest, roots: list[Path], workers: int,
                 progress: Progress | None, stats: BuildStats) -> set[str]:
    """Write the changes into the generation copy in ``folder``, verify it and update ``manifest``;
    returns the files that were read again."""
    ix = open_generation(folder)
    try:
        before, known = ix.doc_count(), live_id_hashes(ix)
        plan = _plan(manifest, roots, stats)
        fresh: dict[str, FileEntry] = {}
        corpus = _Corpus.of(live)
        writer = ix.writer(limitmb=128, compound=False)
        try:
            probes = _apply_changes(writer, plan.changed, known, fresh, plan.owners, workers, progress, stats,
                                    corpus)
            still_there = {i for entry in fresh.values() for i in entry.ids}
            stats.removed_ids = sorted(i for i in plan.previous - still_there if i in known)
            for doc_id in stats.removed_ids:
                writer.delete_by_term("id", doc_id)
                corpus.grouper.remove(doc_id)
            _commit(writer, stats)
            corpus.save(folder)
        except BaseException:
            writer.cancel()
            raise
    finally:
        ix.close()
    stats.removed = len(stats.removed_ids)
    verify_generation(folder, before + stats.indexed - stats.removed, probes)
    for name in plan.vanished:
        del manifest.files[name]
    manifest.files.update(fresh)
    return plan.reread


@dataclass(frozen=True)
class _Stored:
    """What the copy and story grouper reads of a written document (from its stored fields)."""

    id: str
    title: str
    body: str
    published: datetime | None
    source: str | None
    people: tuple[str, ...]
    organizations: tuple[str, ...]
    places: tuple[str, ...]


class _Corpus:
    """What is learnt across documents as they are written: copy groups and stories, and the entity
    statistics that corpus-level resolution is built from. Both are saved in the generation."""

    def __init__(self, grouper: Grouper, entities: EntityStats) -> None:
        self.grouper, self.entities = grouper, entities

    @classmethod
    def of(cls, live: Path) -> _Corpus:
        """The live generation's state, to update (fresh state for an index built before it existed)."""
        try:
            grouper = Grouper.load(live / GROUPS_DIR) if (live / GROUPS_DIR).exists() else Grouper()
            entities = EntityStats.load(live / ENTITY_STATS) if (live / ENTITY_STATS).exists() else EntityStats()
        except (GroupsError, OSError, ValueError, KeyError) as exc:
            raise IndexerError(f"the live index's corpus state is unreadable ({exc}); rebuild the index") from exc
        return cls(grouper, entities)

    def add(self, doc: Prepared, stats: BuildStats) -> None:
        """Group a written document and count its entities (sequential, in this process)."""
        t0 = time.process_time()
        meta = doc.fields["meta"]
        published = datetime.fromisoformat(meta["published"].replace("Z", "+00:00")) if meta["published"] else None
        stored = _Stored(meta["id"], meta["title"], meta["body"], published, meta["source"], tuple(meta["people"]),
                         tuple(meta["organizations"]), tuple(meta["places"]))
        self.grouper.add(stored)
        self.entities.add_document(stored)
        stats.group_seconds += time.process_time() - t0

    def save(self, folder: Path) -> None:
        """Write the groups, the entity statistics and the resolution table built from them."""
        self.grouper.save(folder / GROUPS_DIR)
        self.entities.save(folder / ENTITY_STATS)
        build_table(self.entities, alias_file()).save(folder / ENTITY_TABLE)


def _unchanged(manifest: Manifest, item: InputFile, stats: BuildStats) -> bool:
    """Whether a file is as it was last read (same size and mtime, and not changed within the racy
    window before the last scan, when a second change could keep both); counts its documents."""
    entry = manifest.files.get(str(item.path))
    if entry is None or (entry.size, entry.mtime_ns) != _fingerprint(item):
        return False
    if entry.mtime_ns >= manifest.scanned_ns - RACY_NS:
        return False
    stats.unchanged += len(entry.ids)
    return True


def _apply_changes(writer: IndexWriter, changed: list[InputFile], known: dict[str, str],
                   fresh: dict[str, FileEntry], owners: dict[str, str], workers: int, progress: Progress | None,
                   stats: BuildStats, corpus: _Corpus) -> list[Probe]:
    """Write new and changed documents; documents whose content the index already holds are left as they are."""
    probes = _Probes()
    for doc in _documents(changed, fresh, workers, progress, stats, owners):
        if known.get(doc.id) == doc.content_hash:
            stats.unchanged += 1
            continue
        _write(writer, doc, stats, update=True)
        corpus.add(doc, stats)
        probes.add(doc)
        if doc.id in known:
            stats.updated += 1
        else:
            stats.indexed += 1
    return probes.all()


def _merged_rejects(old: list[RejectLine], new: list[Rejected], roots: list[Path], manifest: Manifest,
                    reread: set[str]) -> list[RejectLine]:
    """The rejects of every source in the index: old lines of files this run did not read again (or could
    not see) are kept, lines of re-read and vanished files are replaced by this run's."""
    scope = [str(p) for p in roots]
    kept = [r for r in old if not covered(r.file, scope) or (r.file in manifest.files and r.file not in reread)]
    return kept + _lines(new)


# --- publishing a generation, and failures ------------------------------------------------


def _publish(root: Path, folder: Path, manifest: Manifest, rejects: list[RejectLine], stats: BuildStats,
             started: float, roots: list[Path], kind: str) -> None:
    write_manifest(folder, manifest)
    write_rejects(folder / REJECTS, rejects)
    _finish(stats, started, folder, roots, manifest, kind)
    swap(root, folder)


def _finish(stats: BuildStats, started: float, folder: Path, roots: list[Path], manifest: Manifest,
            kind: str) -> None:
    stats.elapsed = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    stats.peak_memory_mb = max(own, children) / 1024
    extractor = default_extractor()
    info = build_info(folder) | {
        "kind": kind,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "inputs": [str(p) for p in roots],
        "roots": manifest.roots,
        "extractor": f"{extractor.name} {extractor.version}",
        "whoosh": whoosh.versionstring(),
        "stats": {k: v for k, v in asdict(stats).items() if k not in ("rejects", "removed_ids")},
    }
    write_build_info(folder, info)


def _lines(rejects: Iterable[Rejected]) -> list[RejectLine]:
    return [RejectLine(r.origin, r.reason) for r in rejects]


def _write_root_rejects(root: Path, rejects: list[RejectLine]) -> None:
    with suppress(OSError):  # a full disk must not hide the error that stopped the run
        write_rejects(root / REJECTS, rejects)


def _raise_failure(kind: str, exc: BaseException, state: str) -> NoReturn:
    """Re-raise a failed run's error as one line naming the cause and the state of the index."""
    if isinstance(exc, VerificationFailed):
        raise IndexerError(f"{kind} failed: {exc}; {state}") from exc
    cause = None if isinstance(exc, StoreError) else _os_error(exc)
    if cause is None:
        raise exc
    where = f" ({cause.filename})" if cause.filename else ""
    raise IndexerError(f"{kind} failed: {cause.strerror or cause}{where}; {state}") from exc


def _os_error(exc: BaseException | None) -> OSError | None:
    """The OSError behind an exception (Whoosh reports a failed write as "This writer is closed")."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, OSError):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


__all__ = ["DOCUMENT_BUDGET", "BuildStats", "DocumentTimeout", "IndexBusy", "IndexMissing", "IndexerError",
           "InputPathError", "StoreError", "build_info", "current_dir", "open_current", "rebuild", "update"]
