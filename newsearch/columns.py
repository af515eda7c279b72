"""Per-generation arrays of facet values, read once from the index's stored facet rows.

Facet counts, filters and entity-field queries are then numpy operations over these arrays
(``bincount``, boolean masks) instead of Python loops over matching documents.  The arrays
of one index generation are read-only and shared by every thread.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from whoosh.reading import IndexReader

from .analysis import words
from .facets import BY_KIND, BY_NAME, FACETS
from .schema import FIELD_SEP, ROW_FIELD, ROW_FIXED, VALUE_SEP

NO_DAY = np.iinfo(np.int32).min
Resolve = Callable[[str, str], tuple[str, str] | None]  # (entity kind, stored name) -> (kind, shown name) or None
Aliases = Callable[[str, str], list[str]]  # (facet name, value) -> other names merged into it


SPARSE_SELECTION = 16  # fewer selected documents than pairs / 16: find their pairs by binary search
DENSE_SHARE = 256  # a value carried by 1/256 of the documents or more is counted on a bitmap


@dataclass(frozen=True)
class Bitmaps:
    """A facet's most frequent values as one bitmap row each (documents packed 64 to a word), and the
    (document, value) pairs of all the other values: a large selection counts the former with a
    popcount per row and only the latter pair by pair."""

    ids: np.ndarray  # value ids with a row
    rows: np.ndarray  # uint64, one row per value in ids
    docs: np.ndarray  # intp: the pairs of the other values
    value_ids: np.ndarray  # intp, parallel to docs

    @classmethod
    def of(cls, docs: np.ndarray, value_ids: np.ndarray, values: int, size: int) -> Bitmaps:
        frequency = np.bincount(value_ids, minlength=values)
        dense = np.flatnonzero(frequency >= max(size // DENSE_SHARE, 64))
        is_dense = np.zeros(values, bool)
        is_dense[dense] = True
        rows = np.zeros((len(dense), _words(size)), np.uint64)
        by_value = docs[np.argsort(value_ids, kind="stable")]
        starts = np.concatenate([[0], np.cumsum(frequency)])
        for row, vid in enumerate(dense.tolist()):
            carried = np.zeros(size, bool)
            carried[by_value[starts[vid]:starts[vid + 1]]] = True
            rows[row] = packed_bits(carried)
        light = ~is_dense[value_ids]
        return cls(dense, rows, docs[light].astype(np.intp), value_ids[light].astype(np.intp))

    def counts(self, selected_docs: np.ndarray, values: int) -> np.ndarray:
        out = np.bincount(self.value_ids[selected_docs[self.docs]], minlength=values)
        if len(self.ids):
            out[self.ids] = np.bitwise_count(self.rows & packed_bits(selected_docs)).sum(axis=1)
        return out


def _words(size: int) -> int:
    return -(-size // 64)


def packed_bits(mask: np.ndarray) -> np.ndarray:
    """A boolean mask as uint64 words (64 documents each, the last word padded with zeros)."""
    bits = np.packbits(mask, bitorder="little")
    padded = np.zeros(_words(len(mask)) * 8, np.uint8)
    padded[:len(bits)] = bits
    return padded.view(np.uint64)


@dataclass(frozen=True)
class FacetColumn:
    """The values of one facet and which documents carry them (doc/value pairs)."""

    values: list[str]
    docs: np.ndarray  # int32, one entry per (document, value) pair
    value_ids: np.ndarray  # int32, parallel to docs
    sorted_lower: list[tuple[str, int]]  # (lower-cased value, value id), for prefix search
    words: dict[str, frozenset[int]] = field(default_factory=dict)  # analysed word -> ids of values with it
    spelled: dict[int, tuple[tuple[str, ...], ...]] = field(default_factory=dict)  # id -> word lists (aliases too)
    sorted_words: list[str] = field(default_factory=list)
    size: int = 0  # documents in the generation (0: no bitmaps, every count pair by pair)
    bitmaps: Bitmaps | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.size:
            object.__setattr__(self, "bitmaps", Bitmaps.of(self.docs, self.value_ids, len(self.values), self.size))

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
        if self.bitmaps is not None and np.count_nonzero(selected_docs) * SPARSE_SELECTION >= len(self.docs):
            return self.bitmaps.counts(selected_docs, len(self.values))
        return np.bincount(self.value_ids[self._pairs_of(selected_docs)], minlength=len(self.values))

    def distinct_counts(self, selected_docs: np.ndarray, key: np.ndarray, keys: int) -> np.ndarray:
        """How many distinct keys (copy groups, stories) among the selected documents carry each value."""
        chosen = self._pairs_of(selected_docs)
        pairs = self.value_ids[chosen].astype(np.int64) * keys + key[self.docs[chosen]]
        return np.bincount(np.unique(pairs) // keys, minlength=len(self.values))

    def _pairs_of(self, selected_docs: np.ndarray) -> np.ndarray:
        """Indexes of the (document, value) pairs of the selected documents.

        Pairs are stored in document order, so a small selection finds its pairs by binary
        search instead of testing every pair of the column.
        """
        chosen = np.flatnonzero(selected_docs)
        if len(chosen) * SPARSE_SELECTION >= len(self.docs):
            return np.flatnonzero(selected_docs[self.docs])
        chosen = chosen.astype(self.docs.dtype)  # else searchsorted converts the whole column on every call
        first = np.searchsorted(self.docs, chosen, "left")
        lengths = np.searchsorted(self.docs, chosen, "right") - first
        before = np.cumsum(lengths) - lengths
        return np.repeat(first - before, lengths) + np.arange(int(lengths.sum()))

    def docs_mask(self, size: int, value_ids: np.ndarray) -> np.ndarray:
        """Documents carrying any of the given value ids."""
        out = np.zeros(size, dtype=bool)
        if len(value_ids):
            out[self.docs[np.isin(self.value_ids, value_ids)]] = True
        return out

    def matching(self, phrase: tuple[str, ...], prefix: bool = False) -> np.ndarray:
        """Ids of the values (or their aliases) containing these words in order; with prefix the
        last word is a prefix.  This is what ``place:japan`` or ``person:"nigel lawson"`` match."""
        if not phrase:
            return np.zeros(0, np.int32)
        candidates = self._with_word(phrase[0], prefix and len(phrase) == 1)
        for word in phrase[1:]:
            candidates &= self._with_word(word, prefix and word is phrase[-1])
        if len(phrase) > 1:
            candidates = {v for v in candidates if any(_contains(s, phrase, prefix) for s in self.spelled[v])}
        return np.array(sorted(candidates), dtype=np.int32)

    def _with_word(self, word: str, prefix: bool) -> set[int]:
        if not prefix:
            return set(self.words.get(word, ()))
        start = bisect.bisect_left(self.sorted_words, word)
        found: set[int] = set()
        for known in self.sorted_words[start:start + 5000]:
            if not known.startswith(word):
                break
            found |= self.words[known]
        return found

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


def _contains(spelled: tuple[str, ...], phrase: tuple[str, ...], prefix: bool) -> bool:
    n = len(phrase)
    for i in range(len(spelled) - n + 1):
        head, last = spelled[i:i + n - 1], spelled[i + n - 1]
        if head == phrase[:-1] and (last.startswith(phrase[-1]) if prefix else last == phrase[-1]):
            return True
    return False


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
    id_rank: np.ndarray  # int32: position of each document's id in sorted order (the last tie-break)
    facets: dict[str, FacetColumn]
    ids: list[str] = field(default_factory=list)  # each document's id

    @property
    def live_count(self) -> int:
        return int(self.live.sum())


def load_columns(reader: IndexReader, resolve: Resolve | None = None, aliases: Aliases | None = None) -> Columns:
    """Read the per-document facet rows into arrays (one column read per document).

    ``resolve`` maps a stored entity value to the value shown, perhaps of another kind (corpus-level
    resolution), and ``aliases`` names what was merged into a value, so that field queries match those too.
    """
    size = reader.doc_count_all()
    live = np.zeros(size, dtype=bool)
    live[np.fromiter(reader.all_doc_ids(), dtype=np.int64)] = True
    day = np.full(size, NO_DAY, dtype=np.int32)
    stamp = np.full(size, -np.inf)
    lengths = np.zeros((2, size), dtype=np.float32)
    ids = [""] * size
    pairs: dict[str, tuple[dict[str, int], list[int], list[int]]] = {s.name: ({}, [], []) for s in FACETS}
    fixed = len(ROW_FIXED)
    for sub, offset in reader.leaf_readers():
        column = sub.column_reader(ROW_FIELD)
        for local in range(sub.doc_count_all()):
            docnum = offset + local
            row = column[local].decode("utf-8").split(FIELD_SEP)
            if row[0]:
                day[docnum], stamp[docnum] = int(row[0]), float(row[1])
            lengths[0, docnum], lengths[1, docnum] = float(row[2]), float(row[3])
            ids[docnum] = row[4]
            cells = {spec.name: (row[fixed + i].split(VALUE_SEP) if row[fixed + i] else [])
                     for i, spec in enumerate(FACETS)}
            if resolve is not None:
                cells = resolved(cells, resolve)
            for name, values in cells.items():
                _add(pairs[name], docnum, values)
    facets = {spec.name: _facet(*pairs[spec.name], aliases=(lambda v, n=spec.name: aliases(n, v)) if aliases else None,
                                size=size) for spec in FACETS}
    return Columns(size, live, day, stamp, lengths[0], lengths[1], _ranks(ids), facets, ids)


def resolved(cells: dict[str, list[str]], resolve: Resolve) -> dict[str, list[str]]:
    """A document's facet values after resolution: entity values renamed, moved to their kind's facet or dropped."""
    out = {name: ([] if BY_NAME[name].is_entity else list(values)) for name, values in cells.items()}
    for name, values in cells.items():
        kind = BY_NAME[name].kind
        if kind is None:
            continue
        for value in values:
            found = resolve(kind, value)
            if found is not None and found[0] in BY_KIND and found[1] not in out[BY_KIND[found[0]].name]:
                out[BY_KIND[found[0]].name].append(found[1])
    return out


def _ranks(ids: list[str]) -> np.ndarray:
    order = np.argsort(np.array(ids, dtype=object), kind="stable")
    ranks = np.empty(len(ids), dtype=np.int32)
    ranks[order] = np.arange(len(ids), dtype=np.int32)
    return ranks


def _add(pairs: tuple[dict[str, int], list[int], list[int]], docnum: int, values: list[str]) -> None:
    ids, docs, value_ids = pairs
    for value in values:
        vid = ids.setdefault(value, len(ids))
        docs.append(docnum)
        value_ids.append(vid)


def _facet(ids: dict[str, int], docs: list[int], value_ids: list[int],
           aliases: Callable[[str], list[str]] | None = None, size: int = 0) -> FacetColumn:
    """A facet column with its values sorted (for look-up by bisection) and ids renumbered to match."""
    values = sorted(ids)
    renumber = np.zeros(len(ids), dtype=np.int32)
    for new, value in enumerate(values):
        renumber[ids[value]] = new
    keyed = []
    by_word: dict[str, set[int]] = {}
    spelled: dict[int, tuple[tuple[str, ...], ...]] = {}
    for vid, value in enumerate(values):
        lower = value.lower()
        keyed.append((lower, vid))
        keyed.extend((word, vid) for word in lower.replace("-", " ").split()[1:])
        forms = tuple(tuple(words(name)) for name in [value, *(aliases(value) if aliases else [])])
        spelled[vid] = forms
        for form in forms:
            for word in form:
                by_word.setdefault(word, set()).add(vid)
    keyed.sort()
    pair_ids = renumber[np.array(value_ids, dtype=np.int32)] if value_ids else np.zeros(0, np.int32)
    return FacetColumn(values, np.array(docs, dtype=np.int32), pair_ids, keyed,
                       {w: frozenset(v) for w, v in by_word.items()}, spelled, sorted(by_word), size)
