"""Media research over one snapshot: attention over time, compared queries, top words, co-occurring entities.

Everything is numpy over the generation's arrays: the matching set is the evaluator's mask,
time buckets are ``bincount`` over day numbers, entity counts are the facet columns.  Top words
come from the index's own postings: once per generation the body postings of a candidate
vocabulary are turned around into a compact table (document -> term ids), so the document
frequency of every candidate inside a matching set is one gather and one ``bincount``.

This module reads a snapshot by duck typing (``columns``, ``evaluator``, ``searcher``) and imports
no Whoosh, so the web layer may import its types and constants.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from datetime import date
from itertools import permutations
from typing import Any

import numpy as np

from . import querylang
from .analysis import stem
from .config import query_seconds
from .dates import bucket_end, bucket_starts, day_from_number
from .facets import BY_NAME, ENTITY_FACETS, FACETS, NAMES
from .results import FacetValue, SearchError, SearchRequest

NO_DAY = np.iinfo(np.int32).min  # columns.NO_DAY (not imported: that module reads Whoosh)
INTERVALS = ("day", "week", "month", "year")
AUTO_SPANS = (("day", 62), ("week", 7 * 80), ("month", 366 * 12))  # as the search page's histogram
MAX_BUCKETS = 3_000  # seven years of days
MAX_QUERIES = 5
TOP_ENTITIES = 5
MAX_WORDS = 100
MAX_COOCCURRENCE_PAGE = 1_000


# --- result values ----------------------------------------------------------------------


@dataclass(frozen=True)
class Bucket:
    """One period: its first and last day, and how many articles of the whole index fall in it."""

    value: str
    end: str
    total: int


@dataclass(frozen=True)
class Attention:
    """Matches per period, and the share of all articles of that period they are (normalised attention)."""

    interval: str
    buckets: tuple[Bucket, ...]
    counts: tuple[int, ...]
    undated: int
    undated_total: int
    matches: int

    def share(self, i: int) -> float:
        total = self.buckets[i].total
        return self.counts[i] / total if total else 0.0

    @property
    def undated_share(self) -> float:
        return self.undated / self.undated_total if self.undated_total else 0.0


@dataclass(frozen=True)
class Series:
    """One compared query: its attention on the shared periods and its leading entities."""

    request: SearchRequest
    attention: Attention
    top: dict[str, tuple[FacetValue, ...]]


@dataclass(frozen=True)
class Comparison:
    interval: str
    series: tuple[Series, ...]


@dataclass(frozen=True)
class Term:
    """A word or two-word phrase, with its document counts in the matching set and in the whole index."""

    text: str
    count: int
    corpus: int
    score: float  # log-likelihood (G2) of the set against the rest of the index


@dataclass(frozen=True)
class TopWords:
    matches: int
    sampled: int  # documents counted (all matches, or a fixed sample of them when there are more)
    words: tuple[Term, ...]
    phrases: tuple[Term, ...]


@dataclass(frozen=True)
class Cooccurring:
    value: str
    count: int  # matching articles naming it
    together: int  # of those, the ones that also name the selected entity (0 without one)


@dataclass(frozen=True)
class CooccurrenceList:
    name: str
    values: tuple[Cooccurring, ...]
    total: int
    truncated: bool


@dataclass(frozen=True)
class Cooccurrence:
    entity: tuple[str, str] | None  # (facet name, value) whose co-occurrences lead
    entity_articles: int
    matches: int
    facets: tuple[CooccurrenceList, ...]


# --- the matching set -------------------------------------------------------------------


def matching(snap: Any, request: SearchRequest, strict: bool = True, dates: bool = True) -> np.ndarray:
    """The documents matching a request: its query, facet filters and (unless ``dates`` is False) its dates."""
    request.validate()
    parsed = querylang.parse(request.q, strict)
    mask, _ = snap.evaluator.run(parsed.tree, time.monotonic() + query_seconds())
    for spec in FACETS:
        chosen = request.selected(spec.name)
        if chosen:
            mask &= snap.columns.facets[spec.name].mask(snap.columns.size, list(chosen))
    if dates and (request.date_from or request.date_to):
        mask &= _date_mask(snap.columns.day, request.date_from, request.date_to)
    return mask  # type: ignore[no-any-return]


def _date_mask(day: np.ndarray, first: date | None, last: date | None) -> np.ndarray:
    low = _day_number(first) if first else NO_DAY + 1
    high = _day_number(last) if last else np.iinfo(np.int32).max
    return (day >= low) & (day <= high)  # type: ignore[no-any-return]


def _day_number(day: date) -> int:
    return (day - date(1970, 1, 1)).days


# --- attention over time ----------------------------------------------------------------


def attention(snap: Any, request: SearchRequest, interval: str = "auto", strict: bool = True) -> Attention:
    """Matches per period over the span of the matches, ignoring the request's own dates (so they can be marked)."""
    _check_interval(interval)
    mask = matching(snap, request, strict, dates=False)
    return _attention_of(snap.columns, [mask], interval)[0]


def compare(snap: Any, requests: list[SearchRequest], interval: str = "auto", strict: bool = True) -> Comparison:
    """Up to MAX_QUERIES requests, each with its own filters and dates, on one shared time axis."""
    _check_interval(interval)
    if not 1 <= len(requests) <= MAX_QUERIES:
        raise SearchError(f"compare takes 1 to {MAX_QUERIES} queries, not {len(requests)}")
    masks = [matching(snap, r, strict) for r in requests]
    timelines = _attention_of(snap.columns, masks, interval)
    series = tuple(Series(r, t, _top_entities(snap.columns, m)) for r, t, m in zip(requests, timelines, masks,
                                                                                   strict=True))
    return Comparison(timelines[0].interval, series)


def _check_interval(interval: str) -> None:
    if interval != "auto" and interval not in INTERVALS:
        raise SearchError(f"interval must be auto, {', '.join(INTERVALS)}, not {interval!r}")


def _attention_of(cols: Any, masks: list[np.ndarray], interval: str) -> list[Attention]:
    """Attention of each mask over one set of periods: the span of all their dated matches."""
    day, live = cols.day, cols.live
    undated_all = live & (day == NO_DAY)
    undated_total = int(undated_all.sum())
    dated = [day[m & ~undated_all & live] for m in masks]
    found = [d for d in dated if d.size]
    if not found:
        return [Attention(_auto(0) if interval == "auto" else interval, (), (), int((m & undated_all).sum()),
                          undated_total, int(m.sum())) for m in masks]
    first = min(int(d.min()) for d in found)
    last = max(int(d.max()) for d in found)
    chosen = _auto(last - first) if interval == "auto" else interval
    # whole periods: the first one from its first day, the last one to its last (for the totals of all articles)
    first = int(bucket_starts(first, first, chosen)[0])
    last = _day_number(bucket_end(day_from_number(int(bucket_starts(last, last, chosen)[0])), chosen))
    keys, index = np.unique(bucket_starts(first, last, chosen), return_inverse=True)
    if len(keys) > MAX_BUCKETS:
        raise SearchError(f"interval {chosen} gives {len(keys):,} periods over {first_last(first, last)}; "
                          f"the limit is {MAX_BUCKETS:,}: choose a longer interval or narrow the dates")
    everything = day[live & ~undated_all]
    in_span = everything[(everything >= first) & (everything <= last)]
    totals = np.bincount(index[in_span - first], minlength=len(keys))
    buckets = tuple(_bucket(int(k), chosen, int(t)) for k, t in zip(keys, totals, strict=True))
    out = []
    for m, d in zip(masks, dated, strict=True):
        counts = np.bincount(index[d - first], minlength=len(keys)) if d.size else np.zeros(len(keys), np.int64)
        out.append(Attention(chosen, buckets, tuple(int(c) for c in counts), int((m & undated_all).sum()),
                             undated_total, int(m.sum())))
    return out


def first_last(first: int, last: int) -> str:
    return f"{day_from_number(first).isoformat()} to {day_from_number(last).isoformat()}"


def _auto(span: int) -> str:
    return next((name for name, limit in AUTO_SPANS if span <= limit), "year")


def _bucket(start_number: int, interval: str, total: int) -> Bucket:
    start = day_from_number(start_number)
    return Bucket(start.isoformat(), bucket_end(start, interval).isoformat(), total)


def _top_entities(cols: Any, mask: np.ndarray, size: int = TOP_ENTITIES) -> dict[str, tuple[FacetValue, ...]]:
    out = {}
    for spec in ENTITY_FACETS:
        column = cols.facets[spec.name]
        counts = column.counts(mask)
        out[spec.name] = tuple(FacetValue(column.values[i], int(counts[i]), False) for i in _ranked(counts)[:size])
    return out


def _ranked(counts: np.ndarray) -> list[int]:
    """Ids of the non-zero counts, largest first (ties by id, so the order is stable)."""
    nonzero = np.flatnonzero(counts)
    return nonzero[np.lexsort((nonzero, -counts[nonzero]))].tolist()  # type: ignore[no-any-return]


# --- co-occurring entities ----------------------------------------------------------------


def cooccurrence(snap: Any, request: SearchRequest, entity: tuple[str, str] | None = None,
                 names: tuple[str, ...] = (), page: int = 1, size: int = 50, strict: bool = True) -> Cooccurrence:
    """Every person, organization and place named in the matching articles, a page at a time.

    With an ``entity`` (facet name, value), values are ranked by how many matching articles name
    both, so its co-occurrences lead; the entity itself is left out of its own list.
    """
    if not 1 <= size <= MAX_COOCCURRENCE_PAGE or page < 1:
        raise SearchError(f"co-occurrence pages hold 1 to {MAX_COOCCURRENCE_PAGE} values and start at page 1")
    specs = [BY_NAME[n] for n in names] if names else list(ENTITY_FACETS)
    unknown = [n for n in names if n not in BY_NAME or not BY_NAME[n].is_entity]
    if unknown:
        raise SearchError(f"no entity facet {unknown[0]!r}; they are {', '.join(s.name for s in ENTITY_FACETS)}")
    cols = snap.columns
    mask = matching(snap, request, strict)
    with_entity = mask & _entity_mask(cols, entity) if entity else None
    lists = tuple(_cooccurring(cols, spec.name, mask, with_entity, entity, page, size) for spec in specs)
    together = int(with_entity.sum()) if with_entity is not None else 0
    return Cooccurrence(entity, together, int(mask.sum()), lists)


def _entity_mask(cols: Any, entity: tuple[str, str]) -> np.ndarray:
    name, value = entity
    if name not in NAMES:
        raise SearchError(f"no facet {name!r}; facets are {', '.join(NAMES)}")
    return cols.facets[name].mask(cols.size, [value])  # type: ignore[no-any-return]


def _cooccurring(cols: Any, name: str, mask: np.ndarray, with_entity: np.ndarray | None,
                 entity: tuple[str, str] | None, page: int, size: int) -> CooccurrenceList:
    column = cols.facets[name]
    counts = column.counts(mask)
    together = column.counts(with_entity) if with_entity is not None else np.zeros_like(counts)
    nonzero = np.flatnonzero(counts)
    if entity and entity[0] == name:
        nonzero = nonzero[nonzero != _value_id(column, entity[1])]
    order = nonzero[np.lexsort((nonzero, -counts[nonzero], -together[nonzero]))]
    start = (page - 1) * size
    chosen = order[start:start + size]
    values = tuple(Cooccurring(column.values[i], int(counts[i]), int(together[i])) for i in chosen)
    return CooccurrenceList(name, values, int(order.size), int(order.size) > start + size)


def _value_id(column: Any, value: str) -> int:
    ids = column.ids_of([value])
    return int(ids[0]) if len(ids) else -1


# --- top words ------------------------------------------------------------------------------

_STOPWORDS_TEXT = """
a about above after again against all almost also although am among an and another any are aren't around as at
be because been before being below between both but by can can't cannot could couldn't did didn't do does
doesn't doing don't down during each either else even ever every few for from further get gets got had hadn't
has hasn't have haven't having he her here hers herself him himself his how however i if in into is isn't it
its itself just last least less let like made make many may me might more most much must my myself near
neither never no nor not now of off often on once one only or other others our ours ourselves out over own per
perhaps put rather said same say says she should shouldn't since so some still such than that the their theirs
them themselves then there these they this those though through thus to too toward under until up upon us very
via was wasn't we were weren't what when where whether which while who whom whose why will with within without
won't would wouldn't yet you your yours yourself yourselves two three four five six seven eight nine ten first
second new also told according
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())
# News boilerplate: wire sign-offs and house abbreviations that say nothing about a story.
_BOILERPLATE_TEXT = """
reuter reuters ap afp upi pct mln dlrs billion million percent year years week weeks monday tuesday wednesday
thursday friday saturday sunday today yesterday inc corp ltd co company spokesman statement news report
reported reporting
"""
BOILERPLATE = frozenset(_BOILERPLATE_TEXT.split())
_CANDIDATE_RE = re.compile(r"[a-z][a-z'-]*[a-z]")
MIN_CORPUS_DF = 3  # rarer words are names of one story, typos and noise
MAX_CORPUS_SHARE = 0.4  # words in more articles than this are boilerplate or function words
MAX_VOCABULARY = 30_000  # the most frequent candidates (term ids fit in uint16); rarer words seldom lead
SAMPLE = 20_000  # a larger matching set is counted on a fixed random sample of this many documents
MIN_SET_COUNT = 2
PHRASE_SEEDS = 6  # phrases are looked for among the pairs of this many most significant words
BODY = "body"


@dataclass(frozen=True)
class TermTable:
    """A generation's candidate words and, per document, the ids of the candidates it contains."""

    key: Any
    terms: tuple[str, ...]
    corpus: np.ndarray  # live documents containing each term
    offsets: np.ndarray  # int64, len = documents + 1: doc d's terms are ids[offsets[d]:offsets[d + 1]]
    ids: np.ndarray  # uint16 term ids
    live: int
    build_seconds: float


_tables: dict[Any, TermTable] = {}
_bigrams: dict[tuple[Any, str, str], int] = {}
_table_lock = threading.Lock()


def term_table(snap: Any) -> TermTable:
    """This generation's term table, built on first use (later calls share it across threads)."""
    found = _tables.get(snap.key)
    if found is not None:
        return found
    return warm_term_table(snap.key, snap.searcher.reader(), snap.columns, snap.evaluator.postings.source)


def warm_term_table(key: Any, reader: Any, columns: Any, source: Any) -> TermTable:
    """Build (once) the term table of the generation ``key`` with this thread's own reader.

    A warm-up thread may call it when a generation loads, so no request waits for the build:
    ``warm_term_table(generation.key, reader, generation.columns, generation.postings.source)``.
    """
    with _table_lock:
        found = _tables.get(key)
        if found is None:
            found = _build_table(key, reader, columns, source)
            _tables.clear()  # one generation at a time: an older one is not served any more
            _bigrams.clear()
            _tables[key] = found
        return found


def _build_table(key: Any, reader: Any, cols: Any, source: Any) -> TermTable:
    started = time.perf_counter()
    live = cols.live_count
    fast = getattr(source, "name", "") == "block"  # the version-gated, self-checked reader
    lexicon = _leaf_lexicons(reader) if fast else _public_lexicon(reader)
    limit = max(MIN_CORPUS_DF, int(live * MAX_CORPUS_SHARE))
    ranked = sorted(((df, text) for text, (df, _) in lexicon.items() if MIN_CORPUS_DF <= df <= limit),
                    key=lambda c: (-c[0], c[1]))
    terms = tuple(text for _, text in ranked[:MAX_VOCABULARY])
    docs, ids = [], []
    for term_id, text in enumerate(terms):
        found = _decoded(lexicon[text][1]) if fast else source.read(reader, BODY, text)[0]
        docs.append(found)
        ids.append(np.full(len(found), term_id, np.uint16))
    all_docs = np.concatenate(docs) if docs else np.zeros(0, np.int32)
    all_ids = np.concatenate(ids) if ids else np.zeros(0, np.uint16)
    keep = cols.live[all_docs]
    all_docs, all_ids = all_docs[keep], all_ids[keep]
    order = np.argsort(all_docs, kind="stable")
    offsets = np.searchsorted(all_docs[order], np.arange(cols.size + 1)).astype(np.int64)
    corpus = np.bincount(all_ids, minlength=len(terms))
    return TermTable(key, terms, corpus, offsets, all_ids[order], live, time.perf_counter() - started)


Lexicon = dict[str, tuple[int, list[Any]]]  # candidate word -> (document frequency, where its postings are)


def _leaf_lexicons(reader: Any) -> Lexicon:
    """Candidate words of the body field with their frequencies, read in one pass over each segment's term file.

    Whoosh's public ``iter_field`` looks every term up again (tens of seconds on a large index); this reads the
    terms in file order through the same whoosh3 internals as ``postings.BlockReader``, used only when that
    reader passed its version gate and self-check for this generation.
    """
    out: Lexicon = {}
    for sub, offset in reader.leaf_readers():
        terms = sub._terms
        fmt = sub.schema[BODY].format
        for (field, raw), info in terms.items_from(BODY, b""):
            if field != BODY:
                break
            text = raw.decode("utf-8")
            if not is_candidate(text):
                continue
            df, places = out.get(text, (0, []))
            places.append((terms, info, fmt, offset, raw))
            out[text] = (df + info.doc_frequency(), places)
    return out


def _decoded(places: list[Any]) -> np.ndarray:
    from .postings import _decode  # the block decoder of the gated reader (a private helper, same version gate)

    parts = []
    for terms, info, fmt, offset, raw in places:
        matcher = terms._codec.postings_reader(terms._postfile, info, fmt, term=(BODY, raw))
        parts.append(_decode(matcher)[0].astype(np.int64) + offset)
    return np.concatenate(parts).astype(np.int32) if parts else np.zeros(0, np.int32)


def _public_lexicon(reader: Any) -> Lexicon:
    """The same through Whoosh's public API (slow: a look-up per term)."""
    out: Lexicon = {}
    for raw, info in reader.iter_field(BODY):
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        if is_candidate(text):
            out[text] = (info.doc_frequency(), [])
    return out


def is_candidate(text: str) -> bool:
    """A word that may be shown as a top word: letters, three or more, not a stopword or boilerplate."""
    return len(text) >= 3 and bool(_CANDIDATE_RE.fullmatch(text)) and text not in STOPWORDS \
        and text not in BOILERPLATE


def top_words(snap: Any, request: SearchRequest, size: int = 25, strict: bool = True) -> TopWords:
    """The words and two-word phrases most over-represented in the matching set against the whole index."""
    if not 1 <= size <= MAX_WORDS:
        raise SearchError(f"size must be between 1 and {MAX_WORDS}, not {size}")
    mask = matching(snap, request, strict)
    table = term_table(snap)
    docs = np.flatnonzero(mask)
    matches = int(docs.size)
    if matches > SAMPLE:
        docs = np.sort(np.random.default_rng(0).choice(docs, SAMPLE, replace=False))
    counts = _counts_in(table, docs)
    scores = g2(counts, docs.size, table.corpus, table.live)
    asked = _query_stems(request.q)
    ranked = [i for i in np.argsort(-scores, kind="stable")[:size * 3].tolist()
              if scores[i] > 0 and stem(table.terms[i]) not in asked][:size]
    scale = matches / docs.size if docs.size else 0.0
    words = tuple(Term(table.terms[i], round(int(counts[i]) * scale), int(table.corpus[i]), round(float(scores[i]), 2))
                  for i in ranked)
    phrases = _phrases(snap, table, [table.terms[i] for i in ranked[:PHRASE_SEEDS]], docs, scale)
    return TopWords(matches, int(docs.size), words, phrases[:size])


def _counts_in(table: TermTable, docs: np.ndarray) -> np.ndarray:
    """Documents of ``docs`` containing each term: gather their term ids, count them."""
    starts, ends = table.offsets[docs], table.offsets[docs + 1]
    lengths = ends - starts
    total = int(lengths.sum())
    if not total:
        return np.zeros(len(table.terms), np.int64)
    shift = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
    return np.bincount(table.ids[np.arange(total) + shift], minlength=len(table.terms))


def g2(inside: np.ndarray, size: int, corpus: np.ndarray, live: int) -> np.ndarray:
    """Dunning's log-likelihood of each term's document frequency in a set against the rest of the index.

    Only over-represented terms score above 0 (the under-represented get 0).
    """
    a = inside.astype(np.float64)
    b = size - a
    c = np.maximum(corpus - a, 0).astype(np.float64)
    d = np.maximum(live - size - c, 0)
    n = a + b + c + d
    row1, row2, col1, col2 = a + b, c + d, a + c, b + d
    with np.errstate(divide="ignore", invalid="ignore"):
        parts = [_xlogx(o, r * k / n) for o, r, k in ((a, row1, col1), (b, row1, col2), (c, row2, col1),
                                                       (d, row2, col2))]
    score = 2 * sum(parts)
    over = (a >= MIN_SET_COUNT) & (a * live > corpus * max(size, 1))
    return np.where(over, score, 0.0)  # type: ignore[no-any-return]


def _xlogx(observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    return np.where(observed > 0, observed * np.log(observed / np.where(expected > 0, expected, 1)), 0.0)


def _query_stems(q: str) -> set[str]:
    """Stems of the query's own words: they are trivially over-represented in its matches."""
    return {stem(w) for w in re.findall(r"\w+", q.lower())}


def _phrases(snap: Any, table: TermTable, seeds: list[str], docs: np.ndarray, scale: float) -> tuple[Term, ...]:
    """Two-word phrases made of the most significant words, found and counted on word positions."""
    if len(seeds) < 2 or not docs.size:
        return ()
    reader = snap.searcher.reader()
    inside = np.zeros(snap.columns.size, bool)
    inside[docs] = True
    keys = {w: _position_keys(snap, reader, w, inside) for w in seeds}
    found = []
    for first, second in permutations(seeds, 2):
        count = _adjacent_docs(keys[first], keys[second])
        if count >= MIN_SET_COUNT:
            found.append((first, second, count))
    found.sort(key=lambda f: -f[2])
    terms = []
    for first, second, count in found[:20]:
        corpus = _corpus_bigram(snap, reader, first, second)
        score = g2(np.array([count]), int(docs.size), np.array([corpus]), table.live)[0]
        if score > 0:
            terms.append(Term(f"{first} {second}", round(count * scale), corpus, round(float(score), 2)))
    return tuple(sorted(terms, key=lambda t: (-t.score, t.text)))


def _position_keys(snap: Any, reader: Any, word: str, inside: np.ndarray | None) -> np.ndarray:
    keys = snap.evaluator.positions.get(reader, BODY, word)
    from .postings import key_docs  # the engine's reader: not loaded by the web layer's import of this module

    return keys if inside is None else keys[inside[key_docs(keys)]]


def _adjacent_docs(first: np.ndarray, second: np.ndarray) -> int:
    """Documents where a position of ``first`` is followed directly by one of ``second``."""
    from .postings import key_docs, sorted_common

    return int(np.unique(key_docs(sorted_common(first + 1, second))).size)


def _corpus_bigram(snap: Any, reader: Any, first: str, second: str) -> int:
    key = (snap.key, first, second)
    found = _bigrams.get(key)
    if found is None:
        live = snap.columns.live
        found = _adjacent_docs(_position_keys(snap, reader, first, live), _position_keys(snap, reader, second, live))
        _bigrams[key] = found
    return found


def log_likelihood_note() -> str:
    """How top words are scored (shown on the page and in the API description)."""
    return ("Words and two-word phrases found in more of the matching articles than their share of the whole "
            "index predicts, ranked by log-likelihood (G2) of document counts; stopwords, wire boilerplate, "
            f"words in over {MAX_CORPUS_SHARE:.0%} of articles and the query's own words are left out.")

