"""Per-generation arrays of facet values, read once from the index's posting lists.

Facet counts and filters are then numpy operations over these arrays (``bincount`` and
boolean masks) instead of Python loops over matching documents.  The arrays of one
index generation are read-only and shared by every thread.
"""

from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh.reading import IndexReader

from .schema import FIELD_SEP, ROW_FIELD, VALUE_SEP

NO_DAY = np.iinfo(np.int32).min


@dataclass(frozen=True)
class FacetColumn:
    """The values of one facet and which documents carry them (doc/value pairs)."""

    values: list[str]
    docs: np.ndarray  # int32, one entry per (document, value) pair
    value_ids: np.ndarray  # int32, parallel to docs
    sorted_lower: list[tuple[str, int]]  # (lower-cased value, value id), for prefix search

    def ids_of(self, names: list[str]) -> np.ndarray:
        """Value ids of the given names (unknown names are skipped)."""
        index = {v: i for i, v in enumerate(self.values)} if len(names) > 8 else None
        found = [index.get(n) if index is not None else _find(self.values, n) for n in names]
        return np.array([i for i in found if i is not None], dtype=np.int32)

    def mask(self, size: int, names: list[str]) -> np.ndarray:
        """Documents carrying any of the named values."""
        out = np.zeros(size, dtype=bool)
        ids = self.ids_of(names)
        if len(ids):
            out[self.docs[np.isin(self.value_ids, ids)]] = True
        return out

    def counts(self, selected_docs: np.ndarray) -> np.ndarray:
        """How many of the selected documents carry each value."""
        return np.bincount(self.value_ids[selected_docs[self.docs]], minlength=len(self.values))

    def with_prefix(self, prefix: str, limit: int = 2000) -> list[int]:
        """Ids of the values whose any word starts with the prefix (case-insensitive)."""
        prefix = prefix.lower()
        start = bisect.bisect_left(self.sorted_lower, (prefix, -1))
        out = []
        for lower, vid in self.sorted_lower[start:]:
            if not lower.startswith(prefix) or len(out) >= limit:
                break
            out.append(vid)
        return out


def _find(values: list[str], name: str) -> int | None:
    i = bisect.bisect_left(values, name)
    return i if i < len(values) and values[i] == name else None


@dataclass(frozen=True)
class Columns:
    """Everything facet counting, filtering and scoring needs, as arrays over document numbers."""

    size: int
    live: np.ndarray  # bool
    day: np.ndarray  # int32 day number, NO_DAY when undated
    timestamp: np.ndarray  # float64 seconds, -inf when undated
    title_length: np.ndarray  # float32 words
    body_length: np.ndarray  # float32 words
    facets: dict[str, FacetColumn]

    @property
    def live_count(self) -> int:
        return int(self.live.sum())


FACET_ORDER = ("source", "people", "organizations", "places")


def load_columns(reader: IndexReader) -> Columns:
    """Read the per-document facet rows into arrays (one column read per document)."""
    size = reader.doc_count_all()
    live = np.zeros(size, dtype=bool)
    live[np.fromiter(reader.all_doc_ids(), dtype=np.int64)] = True
    day = np.full(size, NO_DAY, dtype=np.int32)
    stamp = np.full(size, -np.inf)
    lengths = np.zeros((2, size), dtype=np.float32)
    pairs: dict[str, tuple[dict[str, int], list[int], list[int]]] = {n: ({}, [], []) for n in FACET_ORDER}
    for sub, offset in reader.leaf_readers():
        column = sub.column_reader(ROW_FIELD)
        for local in range(sub.doc_count_all()):
            docnum = offset + local
            row = column[local].decode("utf-8").split(FIELD_SEP)
            if row[0]:
                day[docnum], stamp[docnum] = int(row[0]), float(row[1])
            lengths[0, docnum], lengths[1, docnum] = float(row[2]), float(row[3])
            _add(pairs["source"], docnum, [row[4]] if row[4] else [])
            for name, field in zip(FACET_ORDER[1:], row[5:8], strict=True):
                _add(pairs[name], docnum, field.split(VALUE_SEP) if field else [])
    facets = {name: _facet(*pairs[name]) for name in FACET_ORDER}
    return Columns(size, live, day, stamp, lengths[0], lengths[1], facets)


def _add(pairs: tuple[dict[str, int], list[int], list[int]], docnum: int, values: list[str]) -> None:
    ids, docs, value_ids = pairs
    for value in values:
        vid = ids.setdefault(value, len(ids))
        docs.append(docnum)
        value_ids.append(vid)


def _facet(ids: dict[str, int], docs: list[int], value_ids: list[int]) -> FacetColumn:
    """A facet column with its values sorted (for look-up by bisection) and ids renumbered to match."""
    values = sorted(ids)
    renumber = np.zeros(len(ids), dtype=np.int32)
    for new, value in enumerate(values):
        renumber[ids[value]] = new
    keyed = []
    for vid, value in enumerate(values):
        lower = value.lower()
        keyed.append((lower, vid))
        keyed.extend((word, vid) for word in lower.replace("-", " ").split()[1:])
    keyed.sort()
    return FacetColumn(values, np.array(docs, dtype=np.int32), renumber[np.array(value_ids, dtype=np.int32)]
                       if value_ids else np.zeros(0, np.int32), keyed)


class GenerationCache:
    """The facet arrays and decoded posting lists of the latest index generation, shared by all threads."""

    def __init__(self, warm: bool = True) -> None:
        self._lock = threading.Lock()
        self._key: Any = None
        self._columns: Columns | None = None
        self._postings: Any = None
        self._warm = warm
        self.warmed = threading.Event()

    def get(self, key: Any, reader: IndexReader, open_reader: Any = None) -> tuple[Columns, Any]:
        """This generation's arrays; the first call for a generation loads them and starts its warm-up.

        ``open_reader`` gives the warm-up thread a reader of its own (readers are not shared across threads).
        """
        from .executor import PostingCache

        with self._lock:
            if key != self._key or self._columns is None:
                self._columns = load_columns(reader)
                self._postings = PostingCache()
                self._key = key
                self.warmed = threading.Event()
                if self._warm and open_reader is not None:
                    threading.Thread(target=_warm_up, args=(self._postings, open_reader, self.warmed),
                                     daemon=True, name="newsearch-warm-up").start()
                else:
                    self.warmed.set()
            return self._columns, self._postings


def _warm_up(postings: Any, open_reader: Any, done: threading.Event) -> None:
    reader = open_reader()
    try:
        postings.warm(reader)
    finally:
        reader.close()
        done.set()
