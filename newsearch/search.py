"""The Whoosh engine: queries, filters, disjunctive facets, highlights and paging over one index.

Queries arrive as ``querylang`` trees and are evaluated over numpy arrays (``executor``);
facet counts and filters are numpy operations over the generation's columns.  Everything
returned is a plain value from ``results``: the web layer never sees Whoosh.
"""

from __future__ import annotations

import functools
import logging
import pickle
import re
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import numpy as np
from whoosh import index as whoosh_index
from whoosh.reading import CorruptIndexError
from whoosh.searching import Searcher

from . import querylang, research
from .columns import NO_DAY, Aliases, Columns, Resolve, resolved
from .config import query_seconds
from .dates import buckets_of, date_number, day_from_number
from .entities import aliases_of
from .executor import Evaluator, top
from .facets import BY_NAME, ENTITY_FACETS, FACETS, NAMES
from .generation import GenerationCache
from .highlight import Terms, highlight_all, snippets
from .querylang import ParsedQuery
from .resolve import ENTITY_TABLE, ResolutionTable
from .results import (
    FACET_SEARCH_SIZE,
    FACET_SIZE,
    MAX_FACET_PAGE,
    MAX_PREFIX_TERMS,
    Article,
    Copy,
    DateFacet,
    Facet,
    FacetExplanation,
    FacetValue,
    Hit,
    IndexUnavailable,
    NotFound,
    SearchError,
    SearchRequest,
    SearchResults,
    Stats,
)
from .schema import ROW_FIELD
from .store import IndexMissing, build_info, current_dir, open_current

log = logging.getLogger("newsearch")
FIELD_BOOSTS = ("title", "body")
MAX_COPIES_LISTED = 10  # copies listed beside a result (all are counted)
UNAVAILABLE = "the search index cannot be read right now; the server log says why"
# What a missing, truncated or corrupt index file raises while being read.
READ_ERRORS = (OSError, EOFError, struct.error, zlib.error, pickle.UnpicklingError, whoosh_index.IndexError,
               CorruptIndexError)
P = ParamSpec("P")
R = TypeVar("R")


def readable(method: Callable[P, R]) -> Callable[P, R]:
    """Errors from reading a damaged index become IndexUnavailable (a 503), never a 500."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except READ_ERRORS as exc:
            raise IndexUnavailable(UNAVAILABLE) from exc

    return wrapper


# --- the per-thread view of one index generation ------------------------------------


class Snapshot:
    """One searcher on one index generation, used by one thread at a time."""

    def __init__(self, ix: whoosh_index.Index, key: Any, generation: GenerationCache, folder: Path) -> None:
        self.key = key
        self.folder = folder
        self.searcher: Searcher = ix.searcher()
        reader = self.searcher.reader()
        shared = generation.get(key, reader, ix.reader, folder)
        self.columns = shared.columns
        self.groups = shared.groups
        self.resolve = shared.resolve
        self.aliases = shared.aliases
        self.vocabulary = shared.vocabulary.bind(reader)
        boosts = {name: float(ix.schema[name].format.field_boost) for name in FIELD_BOOSTS}
        self.evaluator = Evaluator(reader, self.columns, shared.postings, shared.positions, self.vocabulary, boosts)

    def close(self) -> None:
        self.searcher.close()

    # searching

    def _run(self, parsed: ParsedQuery) -> tuple[np.ndarray, np.ndarray]:
        return self.evaluator.run(parsed.tree, time.monotonic() + query_seconds())

    @readable
    def search(self, request: SearchRequest, strict: bool = True) -> SearchResults:
        """Run a search: total, one page of highlighted hits, and every facet."""
        request.validate()
        parsed = querylang.parse(request.q, strict)
        matched, score = self._run(parsed)
        date_mask = self._date_mask(request)
        selected = {spec.name: self._selection(spec.name, request.selected(spec.name)) for spec in FACETS}
        total_mask = _all_of(matched, date_mask, *selected.values())
        totals = self._totals(total_mask)
        order = self._order(parsed, request, total_mask, score)
        hits = self._page(parsed, request, order, score)
        facets = {name: self._facet(name, _all_of(matched, date_mask, *_others(selected, name)),
                                    request.selected(name), count=request.count) for name in NAMES}
        date_facet = date_histogram(self.columns, _all_of(matched, *selected.values()), self._key(request.count))
        warnings = tuple(str(p) for p in parsed.problems) + self._prefix_warnings(parsed)
        total = totals[request.count]
        suggestion = self._suggest(request, parsed, total) if total < 3 and parsed.words else None
        pages = max(1, -(-order.count // request.per_page))
        return SearchResults(request, total, pages, tuple(hits), date_facet, facets, warnings, suggestion,
                             totals, order.count)

    def _key(self, count: str) -> tuple[np.ndarray, int] | None:
        """What to count distinct of: copy groups or stories (None: articles)."""
        groups = self.groups
        if count == "copies":
            return groups.copy, len(groups.copy_names)
        if count == "stories":
            return groups.story, len(groups.story_names)
        return None

    def _totals(self, mask: np.ndarray) -> dict[str, int]:
        """Matching articles, distinct copy groups and distinct stories."""
        return {"articles": int(mask.sum()),
                "copies": int(np.count_nonzero(np.bincount(self.groups.copy[mask], minlength=1))),
                "stories": int(np.count_nonzero(np.bincount(self.groups.story[mask], minlength=1)))}

    def _prefix_warnings(self, parsed: ParsedQuery) -> tuple[str, ...]:
        out = []
        for leaf in querylang.positive_leaves(parsed.tree):
            if isinstance(leaf, querylang.Prefix) and leaf.field in (None, "title", "body") and any(
                    self.vocabulary.prefix_truncated(f, leaf.text) for f in FIELD_BOOSTS):
                out.append(f"{leaf.text}* matches more than {MAX_PREFIX_TERMS} words; "
                           f"searched the {MAX_PREFIX_TERMS} most frequent")
        return tuple(out)

    def _date_mask(self, request: SearchRequest) -> np.ndarray | None:
        if not request.date_from and not request.date_to:
            return None
        low = date_number(request.date_from) if request.date_from else NO_DAY + 1
        high = date_number(request.date_to) if request.date_to else np.iinfo(np.int32).max
        day = self.columns.day
        return (day >= low) & (day <= high)

    def _selection(self, name: str, values: tuple[str, ...]) -> np.ndarray | None:
        if not values:
            return None
        return self.columns.facets[name].mask(self.columns.size, list(values))

    def _facet(self, name: str, mask: np.ndarray, selected: tuple[str, ...], size: int = FACET_SIZE,
               count: str = "articles") -> Facet:
        column = self.columns.facets[name]
        key = self._key(count)
        counts = column.counts(mask) if key is None else column.distinct_counts(mask, *key)
        nonzero = int(np.count_nonzero(counts))
        chosen = _top(counts, size)
        for vid in column.ids_of(list(selected)):
            if int(vid) not in chosen:
                chosen.append(int(vid))
        values = [FacetValue(column.values[i], int(counts[i]), column.values[i] in selected) for i in chosen]
        known = {v.value for v in values}
        values += [FacetValue(v, 0, True) for v in selected if v not in known]
        return Facet(name, tuple(values), nonzero > size, nonzero)

    def _page(self, parsed: ParsedQuery, request: SearchRequest, order: Order, score: np.ndarray) -> list[Hit]:
        start = (request.page - 1) * request.per_page
        if start >= order.count:
            return []
        docnums = order.first(start + request.per_page)[start:]
        terms = self.highlight_terms(parsed)
        with_score = request.sort == "relevance" and not isinstance(parsed.tree, querylang.All)
        return [self._hit(int(d), terms, score if with_score else None) for d in docnums]

    def _order(self, parsed: ParsedQuery, request: SearchRequest, mask: np.ndarray, score: np.ndarray) -> Order:
        """One total order for each sort: relevance is score, then newest, then id; the date sorts
        are time, then id, with undated articles last in both. Collapsed, each copy group (or story)
        is shown by its first article in that order."""
        cols = self.columns
        undated = np.isinf(cols.timestamp)
        newest = np.where(undated, np.inf, -cols.timestamp)
        if request.sort == "oldest":
            keys = [cols.id_rank, np.where(undated, np.inf, cols.timestamp)]
        elif request.sort == "newest" or isinstance(parsed.tree, querylang.All):
            keys = [cols.id_rank, newest]  # with no words every score is 0: relevance is newest first
        else:
            keys = [cols.id_rank, newest, -score.astype(np.float64)]
        group = {"copies": self.groups.copy, "stories": self.groups.story}.get(request.collapse)
        return Order(keys, mask, group)

    def highlight_terms(self, parsed: ParsedQuery) -> Terms:
        """The forms to mark: every indexed form an unquoted word matched, prefixes and phrases."""
        words: set[str] = set()
        prefixes, phrases = [], []
        for leaf in querylang.positive_leaves(parsed.tree):
            if leaf.field not in (None, "title", "body"):
                continue
            if isinstance(leaf, querylang.Phrase):
                phrases.append(leaf.words)
            elif isinstance(leaf, querylang.Prefix):
                prefixes.append(leaf.text)
            elif leaf.exact:
                words.add(leaf.text)
            else:
                words.add(leaf.text)
                words.update(self.vocabulary.variants("body", leaf.text))
                words.update(self.vocabulary.variants("title", leaf.text))
        return Terms(frozenset(words), tuple(prefixes), tuple(phrases))

    def _copies(self, docnum: int, of_story: bool = False, limit: int = MAX_COPIES_LISTED) -> tuple[int, list[Copy]]:
        """How many other articles share this one's copy group (or story), and the first of them, original first."""
        others = [int(d) for d in self.groups.members(docnum, of_story) if d != docnum and self.columns.live[d]]
        if of_story:
            others = [d for d in others if self.groups.copy[d] != self.groups.copy[docnum]]
        stamp = self.columns.timestamp
        others.sort(key=lambda d: (stamp[d] == -np.inf, stamp[d], self.columns.ids[d]))  # original first
        return len(others), [self._copy(d) for d in others[:limit]]

    def entities_of(self, meta: dict[str, Any]) -> dict[str, tuple[str, ...]]:
        """A stored document's entity values as the facets show them (after corpus-level resolution)."""
        cells = {spec.name: list(meta.get(spec.doc_attr, ())) for spec in ENTITY_FACETS}
        if self.resolve is not None:
            cells = resolved(cells, self.resolve)
        return {name: tuple(values) for name, values in cells.items()}

    def _copy(self, docnum: int) -> Copy:
        meta = self.searcher.stored_fields(docnum)["meta"]
        return Copy(meta["id"], meta["title"], meta["source"], meta["published"], meta["url"])

    def _hit(self, docnum: int, terms: Terms, score: np.ndarray | None = None) -> Hit:
        meta = self.searcher.stored_fields(docnum)["meta"]
        count, copies = self._copies(docnum)
        return Hit(
            id=meta["id"], title=meta["title"], title_html=highlight_all(meta["title"], terms),
            published=meta["published"], source=meta["source"], url=meta["url"], author=meta["author"],
            snippets=tuple(snippets(meta["body"], terms)) if meta["body"] else (),
            entities=self.entities_of(meta),
            score=round(float(score[docnum]), 4) if score is not None else None,
            headline_only=not meta["body"].strip(),
            copy_group=self.groups.copy_names[self.groups.copy[docnum]],
            story_id=self.groups.story_names[self.groups.story[docnum]], copies_count=count, copies=tuple(copies),
        )

    def _suggest(self, request: SearchRequest, parsed: ParsedQuery, total: int) -> str | None:
        corrected, changed = request.q, False
        # Bounded: Whoosh builds an automaton per word, costly for long words (a cheap denial of service).
        reader = self.searcher.reader()
        unknown = [w for w in dict.fromkeys(parsed.words)
                   if 3 <= len(w) <= 20 and reader.doc_frequency("body", w) == 0]
        for word in unknown[:5]:
            options = self.searcher.suggest("body", word, limit=1, maxdist=2, prefix=1)
            if options:
                corrected = _replace_word(corrected, word, options[0])
                changed = True
        if not changed:
            return None
        if int(self._run(querylang.parse(corrected, strict=False))[0].sum()) > total:
            return corrected
        return None

    # other look-ups

    def search_all(self, request: SearchRequest, strict: bool = True) -> Iterator[Hit]:
        """Every matching article (for export), in the request's order, without paging."""
        parsed = querylang.parse(request.q, strict)
        matched, score = self._run(parsed)
        selected = [self._selection(spec.name, request.selected(spec.name)) for spec in FACETS]
        mask = _all_of(matched, self._date_mask(request), *selected)
        order = self._order(parsed, request, mask, score)
        terms = self.highlight_terms(parsed)
        with_score = request.sort == "relevance" and not isinstance(parsed.tree, querylang.All)
        for d in order.first(order.count):
            yield self._hit(int(d), terms, score if with_score else None)

    @readable
    def article(self, doc_id: str, related: int = 5) -> Article:
        """One whole article with its entities and related coverage."""
        docnum = self.searcher.document_number(id=doc_id)
        if docnum is None:
            raise NotFound(f"no article with id {doc_id!r}")
        meta = self.searcher.stored_fields(docnum)["meta"]
        return Article(
            id=meta["id"], title=meta["title"], body=meta["body"], original=meta["original"],
            published=meta["published"], source=meta["source"], url=meta["url"], author=meta["author"],
            entities=self.entities_of(meta),
            mentions=tuple(tuple(m) for m in meta["mentions"]), date_from=meta["date_from"],
            source_from=meta["source_from"], extractor=meta["extractor"],
            related=tuple(self.related(docnum, meta, related)),
            language=meta.get("language", ""), dateline=meta.get("dateline", ""),
            copy_group=self.groups.copy_names[self.groups.copy[docnum]],
            story_id=self.groups.story_names[self.groups.story[docnum]],
            copies=tuple(self._copies(docnum, limit=100)[1]), story=tuple(self._copies(docnum, True, 100)[1]),
        )

    def related(self, docnum: int, meta: dict[str, Any], limit: int) -> list[Hit]:
        """Other articles about the same story: the most distinctive words and names of this one."""
        names = [n for spec in ENTITY_FACETS for n in meta.get(spec.doc_attr, [])]
        text = " ".join([meta["title"]] * 2 + [meta["body"]] + names)
        keys = self.searcher.key_terms_from_text("body", text, numterms=12)
        tree = querylang.Or(tuple(querylang.Word("body", word, exact=True) for word, _ in keys))
        mask, score = self.evaluator.run(tree) if keys else (np.zeros(self.columns.size, bool), None)
        mask[self.groups.members(docnum)] = False  # never the article itself or a copy of it
        if score is None:
            return []
        order = Order([self.columns.id_rank, -score.astype(np.float64)], mask, self.groups.copy).first(limit)
        return [self._hit(int(d), Terms()) for d in order]

    @readable
    def facet_values(self, name: str, request: SearchRequest, prefix: str = "", size: int = FACET_SEARCH_SIZE,
                     strict: bool = True, page: int = 1) -> Facet:
        """Values of one facet matching a prefix, counted under the request's other filters, a page at a time."""
        if name not in NAMES:
            raise NotFound(f"no facet {name!r}; facets are {', '.join(NAMES)}")
        if not 1 <= size <= MAX_FACET_PAGE or page < 1:
            raise SearchError(f"facet pages hold 1 to {MAX_FACET_PAGE} values and start at page 1")
        request.validate()
        matched = self._run(querylang.parse(request.q, strict))[0]
        selected = {spec.name: self._selection(spec.name, request.selected(spec.name)) for spec in FACETS}
        mask = _all_of(matched, self._date_mask(request), *_others(selected, name))
        column = self.columns.facets[name]
        counts = column.counts(mask)
        ids = column.with_prefix(prefix.strip()) if prefix.strip() else np.flatnonzero(counts).tolist()
        ranked = sorted((i for i in dict.fromkeys(ids) if counts[i] > 0), key=lambda i: (-counts[i], column.values[i]))
        chosen = request.selected(name)
        start = (page - 1) * size
        values = tuple(FacetValue(column.values[i], int(counts[i]), column.values[i] in chosen)
                       for i in ranked[start:start + size])
        return Facet(name, values, len(ranked) > start + size, len(ranked))

    @readable
    def explain(self, name: str, value: str) -> FacetExplanation:
        """One facet value: how many articles carry it, and the names merged into it."""
        if name not in NAMES:
            raise NotFound(f"no facet {name!r}; facets are {', '.join(NAMES)}")
        column = self.columns.facets[name]
        ids = column.ids_of([value])
        if not len(ids):
            raise NotFound(f"no value {value!r} in facet {name!r}")
        count = int(column.docs_mask(self.columns.size, ids)[self.columns.live].sum())
        merged = tuple(dict.fromkeys(self.aliases(name, value))) if self.aliases else ()
        return FacetExplanation(name, value, count, merged)

    @readable
    def probe(self) -> int:
        """Read something from every segment of the generation (a term's postings, a stored document);
        IndexUnavailable when any part cannot be read. Returns the number of segments probed."""
        reader = self.searcher.reader()
        leaves = reader.leaf_readers()
        for sub, _ in leaves:
            for docnum in sub.all_doc_ids():
                sub.stored_fields(docnum)
                sub.column_reader(ROW_FIELD)[docnum]
                break
            for term in sub.lexicon("body"):
                matcher = sub.postings("body", term.decode("utf-8"))
                matcher.all_ids().__next__()
                break
        return len(leaves)

    @readable
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

    # media research (the computations live in research.py)

    def highlight_terms_of(self, q: str) -> Terms:
        """What to mark for the query ``q`` (read leniently; an empty query marks nothing)."""
        return self.highlight_terms(querylang.parse(q, strict=False)) if q.strip() else Terms()

    def attention(self, request: SearchRequest, interval: str = "auto", strict: bool = True) -> Any:
        """Matches per period, with all articles per period (see research.attention)."""
        return research.attention(self, request, interval, strict)

    def compare(self, requests: list[SearchRequest], interval: str = "auto", strict: bool = True) -> Any:
        """Several requests on one time axis (see research.compare)."""
        return research.compare(self, requests, interval, strict)

    def top_words(self, request: SearchRequest, size: int = 25, strict: bool = True) -> Any:
        """Significant words and phrases of the matches (see research.top_words)."""
        return research.top_words(self, request, size, strict)

    def cooccurrence(self, request: SearchRequest, entity: tuple[str, str] | None = None, names: tuple[str, ...] = (),
                     page: int = 1, size: int = 50, strict: bool = True) -> Any:
        """Entities named in the matches (see research.cooccurrence)."""
        return research.cooccurrence(self, request, entity, names, page, size, strict)


def resolution(folder: Path | None) -> tuple[Resolve | None, Aliases | None]:
    """How a generation's stored entity values are shown (its corpus-level resolution table), and what
    else each value is called (the names merged into it, and the built-in aliases)."""
    table = _table(folder)
    merged = table.inverse() if table else {}

    def aliases(facet: str, value: str) -> list[str]:
        kind = BY_NAME[facet].kind or ""
        return merged.get((kind, value), []) + aliases_of(kind, value)

    return (table.resolve if table else None), aliases


def _table(folder: Path | None) -> ResolutionTable | None:
    if folder is None or not (folder / ENTITY_TABLE).exists():
        return None
    try:
        return ResolutionTable.load(folder / ENTITY_TABLE)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.error("entity resolution table of %s unreadable (%s): values shown as extracted", folder, exc)
        return None


class Order:
    """The matching documents in one total order; collapsed, the first of each group only."""

    def __init__(self, keys: list[np.ndarray], mask: np.ndarray, group: np.ndarray | None) -> None:
        self.keys, self.mask, self.group = keys, mask, group
        matched = int(mask.sum())
        self.count = matched if group is None else int(np.count_nonzero(np.bincount(group[mask], minlength=1)))
        self._matched = matched

    def first(self, limit: int) -> np.ndarray:
        """The first `limit` documents of the order."""
        if self.group is None:
            return top(self.keys, self.mask, limit)
        take = min(max(limit * 2, 32), self._matched)
        while True:
            docs = top(self.keys, self.mask, take)
            _, firsts = np.unique(self.group[docs], return_index=True)
            if len(firsts) >= limit or take >= self._matched:
                return docs[np.sort(firsts)][:limit]
            take = min(take * 4, self._matched)


def _others(selected: dict[str, np.ndarray | None], name: str) -> list[np.ndarray | None]:
    """The selections of every facet but one (a facet's own counts ignore its own selection)."""
    return [mask for other, mask in selected.items() if other != name]


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


def _replace_word(text: str, word: str, replacement: str) -> str:
    return re.sub(rf"(?i)\b{re.escape(word)}\b", replacement, text)


def date_histogram(cols: Columns, mask: np.ndarray, distinct: tuple[np.ndarray, int] | None = None) -> DateFacet:
    """Counts over time at an interval that follows the span of the matching articles; with
    ``distinct`` (a key per document and how many keys), each bar counts distinct keys."""
    days = cols.day[mask]
    is_dated = days != NO_DAY
    dated = days[is_dated]
    keyed = distinct[0][mask] if distinct else None
    undated = int(days.size - dated.size) if keyed is None else int(np.unique(keyed[~is_dated]).size)
    if not dated.size:
        return DateFacet("day", (), undated)
    interval, keys, buckets = buckets_of(dated)
    if keyed is None or distinct is None:
        counts = np.bincount(buckets, minlength=len(keys))
    else:
        pairs = np.unique(buckets.astype(np.int64) * distinct[1] + keyed[is_dated])
        counts = np.bincount(pairs // distinct[1], minlength=len(keys))
    return DateFacet.of(interval, keys, counts, undated)


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
        self._generation = GenerationCache(warm, resolve=resolution)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._indexes: dict[Path, whoosh_index.Index] = {}
        self._open: set[Snapshot] = set()
        try:
            current_dir(root)  # fail now when there is no index (the cause, with the path, goes to the log)
        except IndexMissing as exc:
            raise IndexUnavailable(UNAVAILABLE) from exc

    def snapshot(self) -> Snapshot:
        """This thread's snapshot of the live index generation; IndexUnavailable when it cannot be read."""
        try:
            return self._snapshot()
        except IndexUnavailable:
            raise
        except (IndexMissing, *READ_ERRORS) as exc:
            raise IndexUnavailable(UNAVAILABLE) from exc

    def _snapshot(self) -> Snapshot:
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

