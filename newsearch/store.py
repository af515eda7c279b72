"""Index storage on disk: generations, the ``current`` symlink, the lock, build info, manifest, rejects.

No parsing and no entity code: servers import this module to find and open the live index,
and the indexer uses it to lay out, check and publish new generations.

Layout of an index folder::

    index/
      current -> gen-20261122T040102123456-8f3a   (symlink, replaced atomically)
      gen-.../      a Whoosh index + build.json + manifest.json + rejects.tsv
      rejects.tsv   what the last run could not index, and why
      .lock         held while a rebuild or update runs; holds the owner's pid

A generation is never changed once it is live: a rebuild writes a new one, an update writes
a copy of the live one (its immutable Whoosh segments hard-linked), and either is verified
before the symlink is swapped to it.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import json
import os
import shutil
import signal
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.query import And, Term
from whoosh.reading import IndexReader, SegmentReader

from .documents import file_of

CURRENT = "current"
LOCK = ".lock"
LOCK_GUARD = ".lock.guard"
REJECTS = "rejects.tsv"
BUILD_INFO = "build.json"
MANIFEST = "manifest.json"
MANIFEST_FORMAT = 2
WHOOSH_LOCKS = ("MAIN_WRITELOCK", "MAIN_LOCK")
PR_SET_PDEATHSIG = 1

Warn = Callable[[str], None]


class StoreError(Exception):
    """Something about the index folder that stops a run or a server; the message says what to do."""


class IndexMissing(StoreError):
    """There is no readable index at the given folder."""


class IndexBusy(StoreError):
    """Another rebuild or update holds the index folder."""


class VerificationFailed(StoreError):
    """A freshly written generation does not read back as expected."""


# --- the live generation ---------------------------------------------------------


def current_dir(root: Path) -> Path:
    """The live generation's folder; raises IndexMissing when there is none."""
    link = root / CURRENT
    try:
        target = os.readlink(link)
    except OSError as exc:
        raise IndexMissing(f"no index at {root}; build one with: newsearch rebuild-index --index-dir {root}") from exc
    return root / target


def open_generation(folder: Path) -> whoosh_index.Index:
    """The Whoosh index in one generation folder."""
    try:
        return whoosh_index.open_dir(str(folder))
    except (OSError, whoosh_index.IndexError) as exc:
        raise IndexMissing(f"the index at {folder} is unreadable ({exc}); rebuild it with: "
                           f"newsearch rebuild-index --index-dir {folder.parent}") from exc


def open_current(root: Path) -> whoosh_index.Index:
    """The live Whoosh index."""
    return open_generation(current_dir(root))


def new_generation(root: Path) -> Path:
    """A new, empty generation folder beside the live one."""
    folder = root / f"gen-{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{os.getpid()}"
    folder.mkdir()
    return folder


def link_copy(source: Path, target: Path) -> None:
    """Fill ``target`` with the files of generation ``source``: Whoosh's files hard-linked (they are
    never changed in place, only added and deleted), our own small files copied."""
    for item in source.iterdir():
        if item.name in WHOOSH_LOCKS or item.name.startswith(".") or not item.is_file():
            continue
        if item.name in (BUILD_INFO, MANIFEST, REJECTS):
            shutil.copyfile(item, target / item.name)
            continue
        try:
            os.link(item, target / item.name)
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
                raise
            shutil.copyfile(item, target / item.name)


def swap(root: Path, folder: Path) -> None:
    """Make ``folder`` the live generation, atomically."""
    tmp = root / f".{CURRENT}.{os.getpid()}"
    if tmp.is_symlink():
        tmp.unlink()
    os.symlink(folder.name, tmp)
    os.replace(tmp, root / CURRENT)


def remove_old_generations(root: Path) -> None:
    """Keep the live generation and the one before (servers may still be finishing on it);
    remove older ones and any left incomplete by a killed run (no build.json)."""
    live = os.readlink(root / CURRENT)
    others = [p for p in root.glob("gen-*") if p.name != live]
    complete = sorted((p for p in others if (p / BUILD_INFO).exists()), key=lambda p: p.stat().st_mtime)
    keep = set(complete[-1:])
    for old in others:
        if old not in keep:
            shutil.rmtree(old, ignore_errors=True)


def write_atomically(path: Path, text: str) -> None:
    """Replace a file's contents all at once (never a half-written file, never the old inode changed)."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


# --- build info ------------------------------------------------------------------


def build_info(folder: Path) -> dict[str, Any]:
    """What build.json of a generation says (empty when absent)."""
    try:
        return json.loads((folder / BUILD_INFO).read_text(encoding="utf-8"))  # type: ignore[no-any-return]
    except (OSError, ValueError):
        return {}


def write_build_info(folder: Path, info: dict[str, Any]) -> None:
    """Write build.json; a generation without one is incomplete."""
    write_atomically(folder / BUILD_INFO, json.dumps(info, indent=1))


# --- manifest: which files made which ids ----------------------------------------


@dataclass
class FileEntry:
    """One input file as last read: its fingerprint and the ids of the documents it gave."""

    size: int
    mtime_ns: int
    ids: list[str] = field(default_factory=list)


@dataclass
class Manifest:
    """The input roots of a generation, when they were scanned, and each file's entry.
    Paths are absolute; every id listed is in the index."""

    roots: list[str] = field(default_factory=list)
    scanned_ns: int = 0
    files: dict[str, FileEntry] = field(default_factory=dict)
    default_sources: dict[str, str] = field(default_factory=dict)  # folder -> source name (--default-source)

    def ids(self) -> set[str]:
        """Every id the manifest claims."""
        return {doc_id for entry in self.files.values() for doc_id in entry.ids}

    def add_roots(self, paths: Iterable[str]) -> None:
        """Record input roots not already under a recorded one (roots under a new one stay: they are
        the bases of their files' ids)."""
        for path in paths:
            if not covered(path, self.roots):
                self.roots.append(path)

    def base_of(self, path: str) -> str | None:
        """The recorded root a file's id is relative to: the most specific one it lies under."""
        bases = [r for r in self.roots if covered(path, [r])]
        return max(bases, key=len) if bases else None


def covered(path: str, roots: Iterable[str]) -> bool:
    """Whether ``path`` is one of ``roots`` or lies under one of them."""
    return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


def read_manifest(folder: Path) -> Manifest:
    """The manifest of a generation (the older flat format is converted; roots then come from build.json)."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexMissing(f"the manifest of {folder} is unreadable ({exc}); "
                           f"rebuild the index with: newsearch rebuild-index --index-dir {folder.parent}") from exc
    if data.get("format") != MANIFEST_FORMAT:
        inputs = build_info(folder).get("inputs", [])
        data = {"roots": [os.path.abspath(p) for p in inputs],
                "files": {os.path.abspath(name): entry for name, entry in data.items()}}
    files = {name: FileEntry(e["size"], e["mtime_ns"], list(e["ids"])) for name, e in data["files"].items()}
    return Manifest(list(data["roots"]), int(data.get("scanned_ns", 0)), files, dict(data.get("default_sources", {})))


def write_manifest(folder: Path, manifest: Manifest) -> None:
    """Write manifest.json."""
    files = {name: {"size": e.size, "mtime_ns": e.mtime_ns, "ids": e.ids} for name, e in manifest.files.items()}
    write_atomically(folder / MANIFEST, json.dumps({"format": MANIFEST_FORMAT, "roots": manifest.roots,
                                                     "default_sources": manifest.default_sources,
                                                     "scanned_ns": manifest.scanned_ns, "files": files}))


# --- rejects.tsv -------------------------------------------------------------------


@dataclass(frozen=True)
class RejectLine:
    """One line of rejects.tsv: where (file, maybe ``:line``) and why."""

    origin: str
    reason: str

    @property
    def file(self) -> str:
        """The file part of the origin."""
        return file_of(self.origin)


def read_rejects(path: Path) -> list[RejectLine]:
    """The lines of a rejects.tsv (none when it is absent)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()[1:]
    except OSError:
        return []
    return [RejectLine(*line.split("\t", 1)) for line in lines if "\t" in line]


def write_rejects(path: Path, rejects: Iterable[RejectLine]) -> None:
    """Write a rejects.tsv, one reason per line."""
    body = "".join(f"{r.origin}\t{' '.join(r.reason.split())}\n" for r in rejects)
    write_atomically(path, "origin\treason\n" + body)


# --- verification ----------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """A document the new generation must return: its id and one word of its body."""

    id: str
    word: str


def verify_generation(folder: Path, expected_docs: int, probes: Iterable[Probe]) -> None:
    """Open a freshly written generation and read it back; raises VerificationFailed when it does not
    hold ``expected_docs`` documents, a probe search misses, or a segment's stored fields are unreadable."""
    try:
        ix = whoosh_index.open_dir(str(folder))
        try:
            _probe(ix, expected_docs, list(probes))
        finally:
            ix.close()
    except VerificationFailed:
        raise
    except Exception as exc:  # any failure to read back is the finding, whatever Whoosh raises
        raise VerificationFailed(f"the new index does not read back ({type(exc).__name__}: {exc})") from exc


def _probe(ix: whoosh_index.Index, expected_docs: int, probes: list[Probe]) -> None:
    with ix.searcher() as searcher:
        if searcher.doc_count() != expected_docs:
            raise VerificationFailed(f"the new index holds {searcher.doc_count():,} documents, "
                                     f"expected {expected_docs:,}")
        for leaf, _ in searcher.reader().leaf_readers():
            for docnum in islice(leaf.all_doc_ids(), 3):
                leaf.stored_fields(docnum)
        for probe in probes:
            hits = searcher.search(And([Term("id", probe.id), Term("body", probe.word)]), limit=1)
            if len(hits) != 1 or hits[0]["id"] != probe.id:
                raise VerificationFailed(f"the new index does not find document {probe.id!r} by {probe.word!r}")


def live_id_hashes(ix: whoosh_index.Index) -> dict[str, str]:
    """Each live document's id and content hash, from the ``idhash`` terms (deleted documents' terms
    stay in the lexicon until a merge, so ids of deleted documents are checked against postings)."""
    known: dict[str, str] = {}
    with ix.reader() as reader:
        for leaf, _ in reader.leaf_readers():
            suspect = {leaf.stored_fields(d)["id"] for d in _deleted(leaf)} if leaf.has_deletions() else set()
            for term in leaf.lexicon("idhash"):
                doc_id, _, content_hash = term.decode("utf-8").partition("\x1f")
                if doc_id not in suspect or leaf.postings("idhash", term).is_active():
                    known[doc_id] = content_hash
    return known


def _deleted(leaf: IndexReader) -> Iterable[int]:
    if isinstance(leaf, SegmentReader):
        return leaf.deleted_docs_set
    return [d for d in range(leaf.doc_count_all()) if leaf.is_deleted(d)]


# --- the lock ----------------------------------------------------------------------

_held: set[int] = set()


def _after_fork_in_child() -> None:
    """In a child forked while a lock is held (pool workers, Whoosh's sub-writers): drop our copy of the
    lock, so only the owner holds it, and die with the parent, so nothing outlives a killed rebuild."""
    if not _held:
        return
    for fd in _held:
        os.close(fd)
    _held.clear()
    die_with_parent()


def die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent dies (a no-op elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


os.register_at_fork(after_in_child=_after_fork_in_child)


class Lock:
    """An exclusive, non-blocking lock on the index folder, held by this process only.

    The kernel releases it when the owner dies (children close their copies at fork). The file
    records the owner's pid; a pid left in it means the previous owner was killed, and a lock still
    held for a dead pid (by processes it left behind) is replaced. Either is reported through ``warn``.
    """

    def __init__(self, root: Path, warn: Warn | None = None) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root, self.path = root, root / LOCK
        self.warn = warn or (lambda message: None)
        self._fd = -1

    def __enter__(self) -> Lock:
        guard = os.open(self.root / LOCK_GUARD, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(guard, fcntl.LOCK_EX)  # held for microseconds: makes taking over a stale lock safe
            self._fd = self._acquire()
        finally:
            os.close(guard)
        _held.add(self._fd)
        return self

    def _acquire(self) -> int:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        holder = _pid_in(fd)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            os.close(fd)
            if holder is not None and not _alive(holder):
                return self._replace(holder)
            raise IndexBusy(f"another rebuild or update (pid {holder or 'unknown'}) is running on {self.root}; "
                            "wait for it to finish") from exc
        if holder is not None and holder != os.getpid():
            self.warn(f"a previous rebuild or update (pid {holder}) was stopped before it finished; "
                      "taking over its lock")
        _write_pid(fd)
        return fd

    def _replace(self, holder: int) -> int:
        self.warn(f"the lock of a previous rebuild or update (pid {holder}, no longer running) is still held "
                  "by processes it left behind; taking it over")
        self.path.unlink(missing_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        _write_pid(fd)
        return fd

    def __exit__(self, *exc: object) -> None:
        _held.discard(self._fd)
        os.ftruncate(self._fd, 0)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)


def _pid_in(fd: int) -> int | None:
    text = os.pread(fd, 32, 0).decode(errors="replace").strip()
    return int(text) if text.isdigit() else None


def _write_pid(fd: int) -> None:
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode(), 0)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


__all__ = ["BUILD_INFO", "CURRENT", "LOCK", "MANIFEST", "REJECTS", "FileEntry", "IndexBusy", "IndexMissing", "Lock",
           "Manifest", "Probe", "RejectLine", "StoreError", "VerificationFailed", "build_info", "covered",
           "current_dir", "die_with_parent", "link_copy", "live_id_hashes", "new_generation", "open_current",
           "open_generation", "read_manifest", "read_rejects", "remove_old_generations", "swap", "verify_generation",
           "write_build_info", "write_manifest", "write_rejects"]
