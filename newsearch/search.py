"""Searching the index: queries, filters, disjunctive facets, highlights, paging.

Whoosh finds and scores matching documents; the facet arrays in ``columns`` count and
filter them.  Everything returned is a plain frozen dataclass: the web layer never sees
Whoosh.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import index as whoosh_index
from whoosh import qparser
from whoosh.query import AndNot, Every, Not, Or, Phrase, Prefix, Query, Term, Wildcard
from whoosh.searching import Searcher

from . import querylang
from .columns import NO_DAY, Columns, GenerationCache
from .dates import day_from_number, day_number
from .executor import Evaluator, top
from .highlight import Terms, highlight_all, snippets
from .indexer import build_info, current_dir, open_current
from .querylang import CheckedQuery, QueryError, QueryProblem

FACETS = ("source", "people", "organizations", "places")
SORTS = ("relevance", "newest", "oldest")
MAX_PER_PAGE = 100
MAX_DEPTH = 10_000
MAX_FILTER_VALUES = 50
FACET_SIZE = 10
FACET_SEARCH_SIZE = 20


class SearchError(ValueError):
    """A request the search layer refuses; ``problems`` say what and where."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]


class NotFound(LookupError):
    """No such article or facet."""


@dataclass(frozen=True)
class SearchRequest:
    """What a user asked for. Filters of one facet combine with OR, different facets with AND."""

    q: str = ""
    page: int = 1
    per_page: int = 10
    sort: str = "relevance"
    date_from: date | None = None
    date_to: date | None = None
    source: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    organizations: tuple[str, ...] = ()
    places: tuple[str, ...] = ()

    def selections(self) -> dict[str, tuple[str, ...]]:
        return {"source": self.source, "people": self.people, "organizations": self.organizations,
                "places": self.places}

    def validate(self) -> None:
        """Raise SearchError naming every parameter out of bounds."""
        problems = []
        if self.page < 1:
            problems.append(f"page must be 1 or more, not {self.page}")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            problems.append(f"per_page must be between 1 and {MAX_PER_PAGE}, not {self.per_page}")
        elif self.page * self.per_page > MAX_DEPTH:
            problems.append(f"page {self.page} is too deep: results are available up to number {MAX_DEPTH:,}"
                            " (narrow the query or use the export)")
        if self.sort not in SORTS:
            problems.append(f"sort must be one of {', '.join(SORTS)}, not {self.sort!r}")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            problems.append(f"from ({self.date_from}) is after to ({self.date_to})")
        for name, values in self.selections().items():
            if len(values) > MAX_FILTER_VALUES:
                problems.append(f"{len(values)} {name} filters; the limit is {MAX_FILTER_VALUES}")
        if problems:
            raise SearchError("; ".join(problems), problems)


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int
    selected: bool


@dataclass(frozen=True)
class Facet:
    name: str
    values: tuple[FacetValue, ...]
    truncated: bool


@dataclass(frozen=True)
class DateBucket:
    value: str  # first day of the bucket, ISO
    end: str  # last day of the bucket, ISO
    count: int


@dataclass(frozen=True)
class DateFacet:
    interval: str  # day, week, month or year
    values: tuple[DateBucket, ...]
    undated: int


@dataclass(frozen=True)
class Hit:
    id: str
    title: str
    title_html: str
    published: str | None
    source: str | None
    url: str
    author: str
    snippets: tuple[str, ...]
    people: tuple[str, ...]
    organizations: tuple[str, ...]
    places: tuple[str, ...]


@dataclass(frozen=True)
class SearchResults:
    request: SearchRequest
    total: int
    pages: int
    hits: tuple[Hit, ...]
    date: DateFacet
    facets: dict[str, Facet]
    warnings: tuple[str, ...] = ()
    suggestion: str | None = None


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    body: str
    original: str
    published: str | None
    source: str | None
    url: str
    author: str
    people: tuple[str, ...]
    organizations: tuple[str, ...]
    places: tuple[str, ...]
    mentions: tuple[tuple[str, int, int, str], ...]
    date_from: str
    source_from: str
    extractor: str
    related: tuple[Hit, ...] = field(default=())


@dataclass(frozen=True)
class Stats:
    articles: int
    first_day: str | None
    last_day: str | None
    undated: int
    sources: tuple[FacetValue, ...]
    built_at: str | None
    build: dict[str, Any]


# --- queries --------------------------------------------------------------------


def _parser(schema: Any) -> qparser.QueryParser:
    parser = qparser.MultifieldParser(["title", "body"], schema, group=qparser.AndGroup)
    parser.remove_plugin_class(qparser.RangePlugin)
    parser.remove_plugin_class(qparser.BoostPlugin)
    parser.add_plugin(qparser.FieldAliasPlugin({
        "body": ["text"], "person": ["people"], "org": ["organization", "organisation"], "place": ["location"],
    }))
    return parser


def parse_query(text: str, schema: Any, strict: bool) -> tuple[Query, CheckedQuery]:
    """The Whoosh query for a query string; strict raises QueryError on any problem."""
    checked = querylang.check(text)
    if strict and checked.problems:
        raise QueryError(list(checked.problems))
    if not checked.text.strip():
        if text.strip() and strict:
            raise QueryError([QueryProblem("nothing to search for", 0)])
        return Every(), checked
    try:
        return _parser(schema).parse(checked.text), checked
    except Exception as exc:  # Whoosh's parser has no error type of its own; never let it escape
        problem = QueryProblem(f"could not read the query ({type(exc).__name__}); searched its words only", 0)
        if strict:
            raise QueryError([problem]) from exc
        words = " ".join(checked.words)
        plain = CheckedQuery(words, (*checked.problems, problem), checked.words)
        return (_parser(schema).parse(words) if words else Every()), plain


def highlight_terms(query: Query) -> Terms:
    """The words, prefixes and phrases of a query's positive (not NOT-ed) parts."""
    words, prefixes, phrases = set(), [], []
    for q in _positive(query):
        if isinstance(q, Phrase):
            phrases.append(tuple(w.lower() for w in q.words))
        elif isinstance(q, (Prefix, Wildcard)):
            prefixes.append(str(q.text).rstrip("*").lower())
        elif isinstance(q, Term) and q.fieldname in ("title", "body"):
            words.add(str(q.text).lower())
    return Terms(frozenset(words), tuple(prefixes), tuple(phrases))


def _positive(query: Query) -> Iterator[Query]:
    if isinstance(query, Not):
        return
    if isinstance(query, AndNot):
        yield from _positive(query.a)
    elif query.is_leaf():
        yield query
    else:
        for child in query.children():
            yield from _positive(child)


# --- the per-thread view of one index generation ------------------------------------


class Snapshot:
    """One searcher on one index generation, used by one thread at a time."""

    def __init__(self, ix: whoosh_index.Index, key: Any, generation: GenerationCache, folder: Path) -> None:
        self.key = key
        self.folder = folder
        self.searcher: Searcher = ix.searcher()
        self.columns, postings = generation.get(key, self.searcher.reader(), ix.reader)
        self.evaluator = Evaluator(self.searcher, self.columns, postings)
        self.schema = ix.schema

    def close(self) -> None:
        self.searcher.close()

    # searching

    def search(self, request: SearchRequest, strict: bool = True) -> SearchResults:
        """Run a search: total, one page of highlighted hits, and every facet."""
        request.validate()
        query, checked = parse_query(request.q, self.schema, strict)
        cols = self.columns
        matched, score = self.evaluator.run(query)
        date_mask = self._date_mask(request)
        selected = {name: self._selection(name, values) for name, values in request.selections().items()}
        total_mask = _all_of(matched, date_mask, *[m for m in selected.values() if m is not None])
        total = int(total_mask.sum())
        hits = self._page(query, request, total_mask, total, score)
        facets = {name: self._facet(name, _all_of(matched, date_mask, *[m for n, m in selected.items()
                                                                     if n != name and m is not None]),
                                    request.selections()[name]) for name in FACETS}
        date_facet = date_histogram(cols, _all_of(matched, *[m for m in selected.values() if m is not None]))
        warnings = tuple(str(p) for p in checked.problems)
        suggestion = self._suggest(request, checked, total) if total < 3 and checked.words else None
        pages = max(1, -(-total // request.per_page))
        return SearchResults(request, total, pages, tuple(hits), date_facet, facets, warnings, suggestion)

    def _matches(self, query: Query) -> np.ndarray:
        return self.evaluator.run(query)[0]

    def _date_mask(self, request: SearchRequest) -> np.ndarray | None:
        if not request.date_from and not request.date_to:
            return None
        low = day_number_of(request.date_from) if request.date_from else NO_DAY + 1
        high = day_number_of(request.date_to) if request.date_to else np.iinfo(np.int32).max
        day = self.columns.day
        return (day >= low) & (day <= high)

    def _selection(self, name: str, values: tuple[str, ...]) -> np.ndarray | None:
        if not values:
            return None
        return self.columns.facets[name].mask(self.columns.size, list(values))

    def _facet(self, name: str, mask: np.ndarray, selected: tuple[str, ...], size: int = FACET_SIZE) -> Facet:
        column = self.columns.facets[name]
        counts = column.counts(mask)
        nonzero = int(np.count_nonzero(counts))
        top = _top(counts, size)
        chosen = [int(i) for i in top]
        for vid in column.ids_of(list(selected)):
            if int(vid) not in chosen:
                chosen.append(int(vid))
        values = [FacetValue(column.values[i], int(counts[i]), column.values[i] in selected) for i in chosen]
        known = {v.value for v in values}
        values += [FacetValue(v, 0, True) for v in selected if v not in known]
        return Facet(name, tuple(values), nonzero > size)

    def _page(self, query: Query, request: SearchRequest, mask: np.ndarray, total: int, score: np.ndarray
              ) -> list[Hit]:
        start = (request.page - 1) * request.per_page
        if start >= total:
            return []
        docnums = self._ordered(query, request, mask, start + request.per_page, score)
        terms = highlight_terms(query)
        return [self._hit(d, terms) for d in docnums[start:start + request.per_page]]

    def _ordered(self, query: Query, request: SearchRequest, mask: np.ndarray, limit: int, score: np.ndarray
                 ) -> list[int]:
        if request.sort == "relevance" and not isinstance(query, Every):
            return top(score, mask, limit)
        return _by_time(self.columns.timestamp, mask, limit, newest=request.sort != "oldest")

    def _hit(self, docnum: int, terms: Terms) -> Hit:
        meta = self.searcher.stored_fields(docnum)["meta"]
        return Hit(
            id=meta["id"], title=meta["title"], title_html=highlight_all(meta["title"], terms),
            published=meta["published"], source=meta["source"], url=meta["url"], author=meta["author"],
            snippets=tuple(snippets(meta["body"], terms)), people=tuple(meta["people"]),
            organizations=tuple(meta["organizations"]), places=tuple(meta["places"]),
        )

    def _suggest(self, request: SearchRequest, checked: CheckedQuery, total: int) -> str | None:
        corrected, changed = request.q, False
        # Bounded: Whoosh builds an automaton per word, costly for long words (a cheap denial of service).
        unknown = [w for w in dict.fromkeys(checked.words)
                   if 3 <= len(w) <= 20 and self.searcher.reader().doc_frequency("body", w) == 0]
        for word in unknown[:5]:
            options = self.searcher.suggest("body", word, limit=1, maxdist=2, prefix=1)
            if options:
                corrected = _replace_word(corrected, word, options[0])
                changed = True
        if not changed:
            return None
        query, _ = parse_query(corrected, self.schema, strict=False)
        if int(self._matches(query).sum()) > total:
            return corrected
        return None

    # other look-ups

    def search_all(self, request: SearchRequest, strict: bool = True) -> Iterator[Hit]:
        """Every matching article (for export), in the request's order, without paging."""
        query, checked = parse_query(request.q, self.schema, strict)
        matched, score = self.evaluator.run(query)
        selected = [self._selection(n, v) for n, v in request.selections().items()]
        mask = _all_of(matched, self._date_mask(request), *[m for m in selected if m is not None])
        docnums = self._ordered(query, request, mask, max(int(mask.sum()), 1), score)
        terms = highlight_terms(query)
        for d in docnums:
            yield self._hit(d, terms)

    def article(self, doc_id: str, related: int = 5) -> Article:
        """One whole article with its entities and related coverage."""
        docnum = self.searcher.document_number(id=doc_id)
        if docnum is None:
            raise NotFound(f"no article with id {doc_id!r}")
        meta = self.searcher.stored_fields(docnum)["meta"]
        return Article(
            id=meta["id"], title=meta["title"], body=meta["body"], original=meta["original"],
            published=meta["published"], source=meta["source"], url=meta["url"], author=meta["author"],
            people=tuple(meta["people"]), organizations=tuple(meta["organizations"]), places=tuple(meta["places"]),
            mentions=tuple(tuple(m) for m in meta["mentions"]), date_from=meta["date_from"],
            source_from=meta["source_from"], extractor=meta["extractor"],
            related=tuple(self.related(docnum, meta, related)),
        )

    def related(self, docnum: int, meta: dict[str, Any], limit: int) -> list[Hit]:
        """Other articles about the same story: the most distinctive words and names of this one."""
        text = " ".join([meta["title"]] * 2 + [meta["body"]] + meta["people"] + meta["organizations"]
                        + meta["places"])
        keys = self.searcher.key_terms_from_text("body", text, numterms=12)
        query = Or([Term("body", word, boost=weight) for word, weight in keys])
        mask, score = self.evaluator.run(query)
        mask[docnum] = False
        return [self._hit(d, Terms()) for d in top(score, mask, limit)]

    def facet_values(self, name: str, request: SearchRequest, prefix: str = "", size: int = FACET_SEARCH_SIZE,
                     strict: bool = True) -> Facet:
        """Values of one facet matching a prefix, counted under the request's other filters."""
        if name not in FACETS:
            raise NotFound(f"no facet {name!r}; facets are {', '.join(FACETS)}")
        request.validate()
        query, _ = parse_query(request.q, self.schema, strict)
        selected = {n: self._selection(n, v) for n, v in request.selections().items() if n != name}
        mask = _all_of(self._matches(query), self._date_mask(request), *[m for m in selected.values() if m is not None])
        column = self.columns.facets[name]
        counts = column.counts(mask)
        ids = column.with_prefix(prefix.strip()) if prefix.strip() else range(len(column.values))
        ranked = sorted((i for i in ids if counts[i] > 0), key=lambda i: (-counts[i], column.values[i]))
        chosen = request.selections()[name]
        values = tuple(FacetValue(column.values[i], int(counts[i]), column.values[i] in chosen) for i in ranked[:size])
        return Facet(name, values, len(ranked) > size)

    def stats(self) -> Stats:
        """Article count, date span, sources and how the index was built."""
        cols = self.columns
        days = cols.day[cols.live & (cols.day != NO_DAY)]
        sources = self._facet("source", cols.live, (), size=100)
        info = build_info(self.folder)
        return Stats(
            articles=cols.live_count,
            first_day=day_from_number(int(days.min())).isoformat() if days.size else None,
            last_day=day_from_number(int(days.max())).isoformat() if days.size else None,
            undated=int((cols.live & (cols.day == NO_DAY)).sum()),
            sources=sources.values, built_at=info.get("built_at"), build=info,
        )


def _all_of(first: np.ndarray, *masks: np.ndarray | None) -> np.ndarray:
    out = first.copy()
    for m in masks:
        if m is not None:
            out &= m
    return out


def _top(counts: np.ndarray, size: int) -> list[int]:
    nonzero = np.flatnonzero(counts)
    if nonzero.size > size:
        part = np.argpartition(-counts[nonzero], size)[:size]
        nonzero = nonzero[part]
    return sorted(nonzero.tolist(), key=lambda i: (-counts[i], i))


def _by_time(timestamp: np.ndarray, mask: np.ndarray, limit: int, newest: bool) -> list[int]:
    docs = np.flatnonzero(mask)
    keys = -timestamp[docs] if newest else np.where(np.isinf(timestamp[docs]), np.inf, timestamp[docs])
    if limit < docs.size:
        part = np.argpartition(keys, limit)[:limit]
        docs, keys = docs[part], keys[part]
    order = np.lexsort((docs, keys))
    return docs[order].tolist()


def _replace_word(text: str, word: str, replacement: str) -> str:
    return re.sub(rf"(?i)\b{re.escape(word)}\b", replacement, text)


def day_number_of(day: date) -> int:
    return day_number(datetime(day.year, day.month, day.day, tzinfo=UTC))


INTERVALS = (("day", 62), ("week", 7 * 80), ("month", 366 * 12))


def date_histogram(cols: Columns, mask: np.ndarray) -> DateFacet:
    """Counts over time at an interval that follows the span of the matching articles."""
    days = cols.day[mask]
    dated = days[days != NO_DAY]
    undated = int(days.size - dated.size)
    if not dated.size:
        return DateFacet("day", (), undated)
    first, last = int(dated.min()), int(dated.max())
    interval = next((name for name, span in INTERVALS if last - first <= span), "year")
    keys, index = np.unique(_bucket_starts(first, last, interval), return_inverse=True)
    counts = np.bincount(index[dated - first], minlength=len(keys))
    buckets = []
    for key, count in zip(keys, counts, strict=True):
        start = day_from_number(int(key))
        buckets.append(DateBucket(start.isoformat(), bucket_end(start, interval).isoformat(), int(count)))
    return DateFacet(interval, tuple(buckets), undated)


def _bucket_starts(first: int, last: int, interval: str) -> np.ndarray:
    """The first day of the bucket of each day from first to last (day numbers)."""
    days = np.arange(first, last + 1)
    if interval == "day":
        return days
    if interval == "week":
        return days - (days + 3) % 7  # 1970-01-01 was a Thursday; weeks start on Monday
    unit = "M" if interval == "month" else "Y"
    return days.astype("datetime64[D]").astype(f"datetime64[{unit}]").astype("datetime64[D]").astype(np.int64)


def bucket_end(start: date, interval: str) -> date:
    if interval == "week":
        return start + timedelta(days=6)
    if interval == "month":
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    if interval == "year":
        return start.replace(month=12, day=31)
    return start


# --- the engine: index generations, per-thread snapshots ---------------------------


class SearchEngine:
    """Opens the live index generation and hands each thread its own searcher on it.

    A rebuilt or updated index is picked up on the next request: the symlink target and
    the Whoosh generation are checked (two cheap system calls) and a new searcher is
    opened when either changed (never ``refresh()``, which duplicates hits after a merge
    in these Whoosh forks).
    """

    def __init__(self, root: Path, warm: bool = True) -> None:
        self.root = root
        self._generation = GenerationCache(warm)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._indexes: dict[Path, whoosh_index.Index] = {}
        self._open: set[Snapshot] = set()
        current_dir(root)  # fail now, with a clear message, when there is no index

    def snapshot(self) -> Snapshot:
        """This thread's snapshot of the live index generation."""
        folder = current_dir(self.root)
        ix = self._index(folder)
        key = (folder.name, ix.latest_generation())
        snap: Snapshot | None = getattr(self._local, "snapshot", None)
        if snap is None or snap.key != key:
            if snap is not None:
                self._release(snap)
            snap = Snapshot(ix, key, self._generation, folder)
            with self._lock:
                self._open.add(snap)
            self._local.snapshot = snap
        return snap

    def wait_warm(self, timeout: float | None = None) -> bool:
        """Wait for the current generation's warm-up (decoding its most frequent terms)."""
        return self._generation.warmed.wait(timeout)

    @property
    def warm(self) -> bool:
        return self._generation.warmed.is_set()

    def _release(self, snap: Snapshot) -> None:
        with self._lock:
            self._open.discard(snap)
        snap.close()

    def _index(self, folder: Path) -> whoosh_index.Index:
        with self._lock:
            ix = self._indexes.get(folder)
            if ix is None:
                ix = whoosh_index.open_dir(str(folder)) if folder.exists() else open_current(self.root)
                self._indexes = {folder: ix}  # older generations are dropped with their last snapshot
            return ix

    def close(self) -> None:
        """Close every searcher this engine opened (call when no request is running)."""
        with self._lock:
            snaps, self._open = list(self._open), set()
        for snap in snaps:
            snap.close()
        self._local = threading.local()

