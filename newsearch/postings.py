"""Posting lists as numpy arrays: the fast whoosh3 block reader behind a version gate and a self-check.

Whoosh's matchers step through postings one Python call at a time (about 3 s for a term in
60% of 106,000 articles).  ``BlockReader`` decodes a whole block at once (ids are
delta-encoded per block, so one ``cumsum``), without unpickling the block's positions; it
reads private whoosh3 names, so it is used only with the version it was written for and only
after it agrees with Whoosh's public matcher on sample terms of the generation being opened.
Otherwise ``MatcherReader`` (public API) is used.

Phrases need word positions: each posting's value is a small pickle of position deltas, and
the block reader unpickles a whole block's in one call; they are cached as sorted keys
(document, position) so that a phrase is a few binary searches.
"""

from __future__ import annotations

import logging
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterator
from itertools import chain
from pickle import loads
from typing import Any, Protocol

import numpy as np
import whoosh
from whoosh.reading import IndexReader, TermNotFound

from .schema import GRAMS_FIELD

log = logging.getLogger("newsearch")
BLOCK_READER_VERSION = "3.54.0"  # the whoosh3 release whose block layout BlockReader reads
CACHE_POSTINGS = 7_000_000  # 56 MB (the server sets its own from NEWSEARCH_CACHE_MB)
CACHE_POSITIONS = 8_000_000  # 8 bytes each: 64 MB (the server's from NEWSEARCH_CACHE_MB)
SELF_CHECK_TERMS = 12
Postings = tuple[np.ndarray, np.ndarray]  # (int32 document numbers, float32 term frequencies)
Positions = tuple[np.ndarray, np.ndarray]  # (int32 document number of each position, int32 positions)
PICKLE_2 = b"\x80\x02"  # the protocol header of each posting's pickled positions


class PostingReader(Protocol):
    name: str

    def read(self, reader: IndexReader, field: str, text: str) -> Postings: ...

    def positions(self, reader: IndexReader, field: str, text: str) -> Positions: ...


class MatcherReader:
    """Postings through Whoosh's public matcher API: slow, but valid for any Whoosh version."""

    name = "matcher"

    def read(self, reader: IndexReader, field: str, text: str) -> Postings:
        ids: list[int] = []
        weights: list[float] = []
        for sub, offset in reader.leaf_readers():
            if (field, text) not in sub:
                continue
            matcher = sub.postings(field, text)
            while matcher.is_active():
                ids.append(matcher.id() + offset)
                weights.append(matcher.weight())
                matcher.next()
        return np.array(ids, dtype=np.int32), np.array(weights, dtype=np.float32)

    def positions(self, reader: IndexReader, field: str, text: str) -> Positions:
        return read_positions(reader, field, text)


class BlockReader:
    """Postings decoded a block at a time from whoosh3 3.54.0's on-disk layout."""

    name = "block"

    def read(self, reader: IndexReader, field: str, text: str) -> Postings:
        ids_parts, weight_parts = [], []
        for sub, offset in reader.leaf_readers():
            matcher = _leaf_matcher(sub, field, text)
            if matcher is None:
                continue
            ids, weights = _decode(matcher)
            ids_parts.append((ids + offset).astype(np.int32))
            weight_parts.append(weights)
        if not ids_parts:
            return np.zeros(0, np.int32), np.zeros(0, np.float32)
        return np.concatenate(ids_parts), np.concatenate(weight_parts)

    def positions(self, reader: IndexReader, field: str, text: str) -> Positions:
        return read_block_positions(reader, field, text)


def _leaf_matcher(sub: Any, field: str, text: str) -> Any:
    try:
        return sub._terms.matcher(field, sub._text_to_bytes(field, text), sub.schema[field].format)
    except (TermNotFound, KeyError):
        return None


def _decode(matcher: Any) -> Postings:
    from whoosh.codec.whoosh3 import W3LeafMatcher

    if not isinstance(matcher, W3LeafMatcher):  # inlined short lists
        ids, weights = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
        return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float32)
    id_blocks, weight_blocks = [], []
    for deltas, weights in _each_block(matcher, _ids_and_weights):
        id_blocks.append(np.cumsum(np.array(deltas, dtype=np.int64)))
        count = len(deltas)
        if weights is None:
            weight_blocks.append(np.ones(count, np.float32))
        elif isinstance(weights, float):
            weight_blocks.append(np.full(count, weights, np.float32))
        else:
            weight_blocks.append(np.asarray(weights, dtype=np.float32))
    return np.concatenate(id_blocks), np.concatenate(weight_blocks)


def _each_block(matcher: Any, read: Callable[[Any], Any]) -> Iterator[Any]:
    """``read(matcher)`` at each block of a posting list, as whoosh3 3.54.0 chains them."""
    while True:
        yield read(matcher)
        if matcher._lastblock:
            return
        matcher._goto(matcher._nextoffset)


def _whole_block(matcher: Any) -> tuple[Any, Any, Any]:
    """A block's (id deltas, weights, values), unpickled whole."""
    matcher._read_data()
    return matcher._data  # type: ignore[no-any-return]


def _ids_and_weights(matcher: Any) -> tuple[Any, Any]:
    """A block's (id deltas, weights), without unpickling its values when the layout allows.

    A block is the pickle of (ids, weights, values). With positions, the values are most of the
    unpickling cost (about 15 times the rest), and ids and weights need none of them: the weights
    tuple is fixed-width (MARK, one BINFLOAT of 9 bytes per posting, TUPLE), so the pickle can be
    cut after it and closed as a pair. Any other layout is unpickled whole.
    """
    raw = matcher._postfile.get(matcher._dataoffset, matcher._nextoffset - matcher._dataoffset)
    if matcher._compression:
        raw = zlib.decompress(raw)
    count = matcher._blocklength
    start = raw.find(_WEIGHTS_START, 3)
    while start >= 0:
        end = start + 1 + BINFLOAT_SIZE * count
        if raw[end:end + 1] == _TUPLE and raw[start + 1:end:BINFLOAT_SIZE] == _BINFLOAT * count:
            try:
                ids, weights = loads(raw[:end + 1] + _TUPLE2_STOP)
            except Exception:  # noqa: BLE001 -- not the layout after all: read the block whole
                break
            if len(ids) == count and len(weights) == count:
                return ids, weights
            break
        start = raw.find(_WEIGHTS_START, start + 1)
    data = loads(raw)
    return data[0], data[1]


_WEIGHTS_START, _BINFLOAT, _TUPLE, _TUPLE2_STOP = b"(G", b"G", b"t", b"\x86."  # pickle opcodes
BINFLOAT_SIZE = 9


def choose_reader(reader: IndexReader, fields: tuple[str, ...] = ("body", "title", GRAMS_FIELD)) -> PostingReader:
    """The block reader when this Whoosh is the version it reads and it agrees with the matcher; else the matcher."""
    if whoosh.versionstring() != BLOCK_READER_VERSION:
        log.warning("whoosh %s is not %s: posting lists are read through the (slower) public matcher",
                    whoosh.versionstring(), BLOCK_READER_VERSION)
        return MatcherReader()
    fast, slow = BlockReader(), MatcherReader()
    try:
        for field, text in sample_terms(reader, fields):
            a, b = live_only(reader, fast.read(reader, field, text)), slow.read(reader, field, text)
            if not (np.array_equal(a[0], b[0]) and np.allclose(a[1], b[1])):
                raise ValueError(f"block reader disagrees with the matcher on {field}:{text}")
            if reader.schema[field].format.supports("positions") and not _same_positions(
                    reader, fast.positions(reader, field, text), slow.positions(reader, field, text)):
                raise ValueError(f"block reader's positions disagree with the matcher's on {field}:{text}")
    except Exception as exc:  # any failure of the private reader means: do not use it
        log.warning("posting self-check failed (%s): using the public matcher", exc)
        return MatcherReader()
    return fast


def _same_positions(reader: IndexReader, fast: Positions, slow: Positions) -> bool:
    fast = live_only(reader, fast)  # the matcher leaves deleted documents out; the block reader does not
    return np.array_equal(fast[0], slow[0]) and np.array_equal(fast[1], slow[1])


def live_only(reader: IndexReader, found: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Postings or positions of documents not deleted (the block reader also returns deleted ones;
    searches mask them)."""
    if not reader.has_deletions():
        return found
    keep = np.array([not reader.is_deleted(int(d)) for d in found[0]], dtype=bool)
    return found[0][keep], found[1][keep]


def sample_terms(reader: IndexReader, fields: tuple[str, ...]) -> list[tuple[str, str]]:
    """A few terms of each field, the most frequent among the first ones of the lexicon."""
    found = []
    for field in fields:
        if field not in reader.schema:
            continue
        terms = []
        for i, term in enumerate(reader.lexicon(field)):
            if i >= 200:
                break
            terms.append(term.decode("utf-8") if isinstance(term, bytes) else term)
        terms.sort(key=lambda t: -reader.doc_frequency(field, t))
        found.extend((field, t) for t in terms[:SELF_CHECK_TERMS // len(fields)])
    return found


class _Bounded:
    """A least-recently-used cache bounded by the total size of its entries (shared by threads)."""

    def __init__(self, limit: int) -> None:
        self.items: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self.held = 0
        self.limit = limit
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str], make: Callable[[], Any], size: Callable[[Any], int]) -> Any:
        with self._lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
                return found
        found = make()
        with self._lock:
            self.items[key] = found
            self.held += size(found)
            while self.held > self.limit and len(self.items) > 1:
                _, old = self.items.popitem(last=False)
                self.held -= size(old)
        return found


class PostingCache:
    """Decoded posting lists of one index generation, least recently used out."""

    def __init__(self, source: PostingReader, limit: int = CACHE_POSTINGS) -> None:
        self.source = source
        self._cache = _Bounded(limit)

    def get(self, reader: IndexReader, field: str, text: str) -> Postings:
        return self._cache.get((field, text), lambda: self.source.read(reader, field, text),  # type: ignore[no-any-return]
                               lambda found: len(found[0]))

    @property
    def limit(self) -> int:
        return self._cache.limit



NO_POSITIONS: Positions = (np.zeros(0, np.int32), np.zeros(0, np.int32))


def read_positions(reader: IndexReader, field: str, text: str) -> Positions:
    """Every position of a term, flattened, with the document each belongs to (public matcher API)."""
    docs: list[np.ndarray] = []
    places: list[np.ndarray] = []
    for sub, offset in reader.leaf_readers():
        if (field, text) not in sub:
            continue
        matcher = sub.postings(field, text)
        ids, values = _step(matcher, offset)
        _flatten(ids, values, docs, places)
    return _joined(docs, places)


def read_block_positions(reader: IndexReader, field: str, text: str) -> Positions:
    """Every position of a term, a block of postings at a time (whoosh3 3.54.0's layout; see BlockReader)."""
    from whoosh.codec.whoosh3 import W3LeafMatcher

    docs: list[np.ndarray] = []
    places: list[np.ndarray] = []
    for sub, offset in reader.leaf_readers():
        matcher = _leaf_matcher(sub, field, text)
        if matcher is None:
            continue
        if not isinstance(matcher, W3LeafMatcher):  # inlined short lists
            ids, values = _step(matcher, offset)
            _flatten(ids, values, docs, places)
            continue
        for deltas, _, values in _each_block(matcher, _whole_block):
            _flatten(np.cumsum(np.array(deltas, dtype=np.int64)) + offset, values, docs, places)
    return _joined(docs, places)


def _step(matcher: Any, offset: int) -> tuple[list[int], list[bytes]]:
    ids, values = [], []
    while matcher.is_active():
        ids.append(matcher.id() + offset)
        values.append(matcher.value())
        matcher.next()
    return ids, values


def _joined(docs: list[np.ndarray], places: list[np.ndarray]) -> Positions:
    if not docs:
        return NO_POSITIONS
    return np.concatenate(docs), np.concatenate(places)


def _flatten(ids: Any, values: list[bytes], docs: list[np.ndarray], places: list[np.ndarray]) -> None:
    """Append the positions of some postings: one unpickling for all of them.

    A posting's value is a 4-byte count and a protocol-2 pickle of its position deltas; the
    pickles' bodies, between one MARK and a LIST opcode, unpickle as the list of those lists.
    """
    if not len(ids):
        return
    lists = loads(PICKLE_2 + b"(" + b"".join([v[6:-1] for v in values]) + b"l.")
    counts = np.fromiter(map(len, lists), dtype=np.int64, count=len(values))
    if len(lists) != len(values) or int(counts.sum()) != int(np.frombuffer(
            b"".join([v[:4] for v in values]), dtype=">u4").sum(dtype=np.int64)):
        raise ValueError("postings' positions are not in Whoosh's Positions format")
    deltas = np.fromiter(chain.from_iterable(lists), dtype=np.int64, count=int(counts.sum()))
    # positions are delta-encoded within each posting: a cumulative sum restarted per posting
    total = np.cumsum(deltas)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    before = np.concatenate(([0], total))[starts]
    docs.append(np.repeat(np.asarray(ids, dtype=np.int32), counts))
    places.append((total - np.repeat(before, counts)).astype(np.int32))


PositionKeys = np.ndarray  # int64, sorted: document number << KEY_SHIFT | (position + KEY_BIAS)
KEY_SHIFT = 32
KEY_BIAS = 2**20  # room below a position for a phrase's word offset, so a key minus an offset stays in its document


def packed(found: Positions) -> PositionKeys:
    """A term's positions as one sorted array of keys (positions come sorted by document, then position)."""
    docs, places = found
    return (docs.astype(np.int64) << KEY_SHIFT) | (places.astype(np.int64) + KEY_BIAS)  # type: ignore[no-any-return]


def key_docs(keys: PositionKeys) -> np.ndarray:
    """The document number of each key."""
    return keys >> KEY_SHIFT  # type: ignore[no-any-return]


def sorted_common(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The values in both of two sorted arrays of unique values (binary search of the shorter one's)."""
    if len(a) > len(b):
        a, b = b, a
    if not len(a):
        return a
    at = np.minimum(np.searchsorted(b, a), len(b) - 1)
    return a[b[at] == a]


class PositionCache:
    """Decoded positions of one generation's terms, as sorted keys (for phrases), least recently used out."""

    def __init__(self, read: Callable[[IndexReader, str, str], Positions] = read_positions,
                 limit: int = CACHE_POSITIONS) -> None:
        self._read = read
        self._cache = _Bounded(limit)

    def get(self, reader: IndexReader, field: str, text: str) -> PositionKeys:
        return self._cache.get((field, text), lambda: packed(self._read(reader, field, text)), len)  # type: ignore[no-any-return]

    @property
    def limit(self) -> int:
        return self._cache.limit
