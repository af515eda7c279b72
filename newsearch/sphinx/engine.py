"""The Sphinx engine: the ``Engine``/``Snapshot`` protocols over SphinxQL on the front's distributed index.

A search sends the page of hits as one SELECT and its counts (each facet without its own
selection, the selected values' counts, the articles per day) as batches of statements that
share a WHERE clause, on the engine's threads (``Plan``), then highlights the page with CALL
SNIPPETS; every SELECT is followed by SHOW META.  When an agent does not answer, the batch is
retried for a moment (searchd marks a dead mirror within its ping interval and then asks the
other); when a shard still has no copy answering, the results say so (``partial`` and a
warning) instead of undercounting in silence.
"""

from __future__ import annotations

import html
import json
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pymysql

from .. import querylang as ql
from ..dates import date_number, day_from_number, interval_for
from ..facets import ENTITY_FACETS, FACETS, NAMES
from ..results import (
    FACET_SEARCH_SIZE,
    FACET_SIZE,
    MAX_FACET_PAGE,
    Article,
    DateFacet,
    Facet,
    FacetValue,
    Hit,
    IndexUnavailable,
    NotFound,
    SearchError,
    SearchRequest,
    SearchResults,
    Stats,
)
from .client import BackendError, connect, int_list, literal
from .config import FACET_ATTRS, GRAM_FIELDS, SLOTS, TEXT_SETTINGS, distributed, stored_distributed, values
from .histogram import of_days, of_interval_keys
from .layout import parse_url
from .rows import NO_DAY, doc_key, index_text, value_key
from .translate import highlight_text, match_text

FACET_GROUPS = 500  # groups each shard returns per facet: counts are exact below this many values per shard
MAX_FACET_GROUPS = 100_000  # values each shard keeps when listing a facet's values: exact below this many
DAY_GROUPS = 5000  # days a histogram counts in the request's one pass (13 years); more take a second pass
MONTH_GROUPS = 2400  # buckets in a histogram: at most 144 months, or 200 years
NO_RANKER = "ranker=none"
CORPUS_COUNTS_KEPT = 64  # answers of whole-corpus counting batches kept (per slot and change)
POOL_THREADS = 4  # threads sending a request's counting batches while the page of hits is fetched
EXPORT_CHUNK = 1000
MULTI_QUERY_MAX = 16  # statements per batch: searchd takes at most 32 queries in one multi-query
RETRY_DELAYS = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2)  # while searchd notices a dead mirror (ha_ping_interval)
DOWN_SECONDS = 5.0  # after a shard was found with no copy, answer partial at once for this long
# the Whoosh schema's title boost, on the title's and the body's words and on their grams
FIELD_WEIGHTS = (f"field_weights=(title=2, body=1, {GRAM_FIELDS['title']}=2, {GRAM_FIELDS['body']}=1)")
MARK_OPEN, MARK_CLOSE, CHUNK = "\ue000", "\ue001", "\ue002"  # private-use: stripped from texts first
_PRIVATE_RE = re.compile(f"[{MARK_OPEN}{MARK_CLOSE}{CHUNK}]")
_AGENT_RE = re.compile(r"agent ([^\s:]+:\d+)")
SNIPPET_CHARS = 240


Rows = list[tuple[Any, ...]]


@dataclass(frozen=True)
class Answer:
    """The rows of each statement of a batch, and the agents that failed."""

    rows: list[Rows]
    metas: list[dict[str, str]]
    failed: tuple[str, ...]


class Plan:
    """The counting statements of one request, batched so that searchd matches as few times as it can.

    searchd matches once for a batch whose statements have the same MATCH, filters, ranker and
    result schema, and feeds every statement's sorter from that one pass.  So the counts (facets,
    days) are batched by WHERE clause, and the batches run on the engine's threads while the
    page of hits (whose order ends on a string attribute, a schema no count has) is fetched,
    resolved and highlighted.
    """

    def __init__(self) -> None:
        self.batches: dict[str, list[tuple[str, str]]] = {}
        self.futures: list[Future[Answer]] = []

    def add(self, name: str, where: str, sql: str) -> None:
        """The statement ``sql``, named ``name``, in the batch of its WHERE clause."""
        self.batches.setdefault(where, []).append((name, sql))

    def start(self, count: Callable[[str, Sequence[str]], Answer], pool: Executor) -> None:
        """Send every batch (``count(where, statements)``), each from a thread of the pool."""
        self.futures = [pool.submit(count, where, [sql for _, sql in statements])
                        for where, statements in self.batches.items()]

    def cancel(self) -> None:
        """Drop the batches not sent yet (the request failed)."""
        for future in self.futures:
            future.cancel()

    def results(self) -> tuple[dict[str, tuple[Rows, dict[str, str]]], tuple[str, ...]]:
        """The rows and SHOW META of every statement by name, and the agents that failed."""
        results: dict[str, tuple[Rows, dict[str, str]]] = {}
        failed: set[str] = set()
        for statements, future in zip(self.batches.values(), self.futures, strict=True):
            answer = future.result()
            results.update({name: (rows, meta) for (name, _), rows, meta
                            in zip(statements, answer.rows, answer.metas, strict=True)})
            failed.update(answer.failed)
        return results, tuple(sorted(failed))


class SphinxSnapshot:
    """The live slot of the cluster; statements go through the calling thread's connection."""

    def __init__(self, engine: SphinxEngine, slot: str, info: Mapping[str, Any]) -> None:
        self.engine = engine
        self.slot = slot
        self.index = distributed(slot)
        self.info = dict(info)

    # running statements

    def _batch(self, statements: Sequence[str]) -> Answer:
        """Run SELECTs (each followed by SHOW META), retrying while an agent is failing over."""
        answer = self._run_failing_over(statements)
        if answer.failed and not self.engine.recently_down():
            for delay in RETRY_DELAYS:
                time.sleep(delay)
                answer = self._run_failing_over(statements)
                if not answer.failed:
                    break
            if answer.failed:
                self.engine.mark_down()
        return answer

    def _run_failing_over(self, statements: Sequence[str]) -> Answer:
        """Run a batch; when searchd refuses it because every agent it chose was down (it has not noticed
        the dead mirrors yet), try again while it fails over, then say the cluster is not answering."""
        for delay in (0.0, *RETRY_DELAYS):
            if delay:
                time.sleep(delay)
            try:
                return self._run(statements)
            except SearchError as exc:
                if not _AGENT_RE.search(str(exc)):
                    raise
                refused = exc
        raise IndexUnavailable("no copy of a part of the search cluster is answering; try again shortly") from refused

    def _run(self, statements: Sequence[str]) -> Answer:
        sql = ";".join(f"{s};SHOW META" for s in statements)
        rows: list[Rows] = []
        metas: list[dict[str, str]] = []
        try:
            with self.engine.connection().cursor() as cur:
                cur.execute(sql)
                while True:
                    rows.append(list(cur.fetchall()))
                    cur.nextset()
                    metas.append({str(k): str(v) for k, v in cur.fetchall()})
                    if not cur.nextset():
                        break
        except pymysql.err.ProgrammingError as exc:
            raise SearchError(f"the Sphinx backend refused the query: {exc.args[-1]}".rstrip("\x00")) from exc
        except pymysql.err.MySQLError as exc:
            self.engine.forget_connection()
            raise IndexUnavailable("the search cluster is not answering; try again shortly") from exc
        failed = sorted({a for m in metas for a in _AGENT_RE.findall(m.get("warning", ""))})
        return Answer(rows, metas, tuple(failed))

    def _count(self, where: str, statements: Sequence[str]) -> Answer:
        """A counting batch.  Counts over the whole corpus (no words, no filter: the landing page, and
        the facet of a lone selection) are kept until the live slot is rebuilt or changed."""
        if where:
            return self._batch(statements)
        key = (self.slot, str(self.info.get("build_id")), int(self.info.get("changes", 0)), tuple(statements))
        return self.engine.corpus_counts(key, lambda: self._batch(statements))

    def _missing(self, failed: Sequence[str]) -> tuple[str, ...]:
        """The shards behind failed agents, named with every copy's address."""
        shards = self.info.get("layout", {}).get("shards", [])
        named = []
        for number, mirrors in enumerate(shards, start=1):
            addresses = [f"{n['host']}:{n['api_port']}" for n in mirrors]
            if any(a in failed for a in addresses):
                named.append(f"shard {number} of {len(shards)} ({', '.join(addresses)})")
        return tuple(named) or tuple(f"agent {a}" for a in failed)

    # the WHERE clause

    def _where(self, parsed: ql.ParsedQuery, request: SearchRequest, without: str | None = None,
               dates: bool = True) -> str:
        parts = []
        text = match_text(parsed.tree)
        if text is not None:
            parts.append(f"MATCH({literal(text)})")
        if dates and (request.date_from or request.date_to):
            low = date_number(request.date_from) if request.date_from else NO_DAY + 1
            high = date_number(request.date_to) if request.date_to else 2**31 - 1
            parts.append(f"day BETWEEN {low} AND {high}")
        for spec in FACETS:
            chosen = request.selected(spec.name)
            if chosen and spec.name != without:
                parts.append(f"{FACET_ATTRS[spec.name]} IN ({int_list(value_key(spec.name, v) for v in chosen)})")
        return " WHERE " + " AND ".join(parts) if parts else ""

    def _order(self, sort: str) -> str:
        if sort == "oldest":
            return "ORDER BY dated DESC, published ASC, aid ASC"
        if sort == "newest":
            return "ORDER BY dated DESC, published DESC, aid ASC"
        return "ORDER BY w DESC, dated DESC, published DESC, aid ASC"

    def _page_sql(self, where: str, sort: str, offset: int, limit: int, ranker: str) -> str:
        return (f"SELECT id, WEIGHT() AS w FROM {self.index}{where} {self._order(sort)} "
                f"LIMIT {offset}, {limit} OPTION max_matches={offset + limit}, {ranker}")

    def _group_sql(self, where: str, attr: str, limit: int, kept: int = FACET_GROUPS) -> str:
        """Counts per value of an attribute, the largest first (ties by key).  Every shard keeps up to
        ``max(limit, kept)`` values while it counts: with more values than that in the selection, searchd
        drops the rarest as it goes, so the top values' counts stay right in practice (checked against
        the Whoosh engine) but the rarest values' counts and SHOW META's total_found (the number of
        values) are approximate."""
        return (f"SELECT groupby() AS g, COUNT(*) AS c FROM {self.index}{where} GROUP BY {attr} "
                f"ORDER BY c DESC, g ASC LIMIT 0, {limit} OPTION max_matches={max(limit, kept)}, {NO_RANKER}")

    # the protocol

    def search(self, request: SearchRequest, strict: bool = True) -> SearchResults:
        """Total, one page of highlighted hits, the date histogram and every facet."""
        request.validate()
        parsed = ql.parse(request.q, strict)
        ranker = _ranker(request, parsed)
        where = self._where(parsed, request)
        start = (request.page - 1) * request.per_page
        undated_where = self._where(parsed, request, dates=False)
        plan = self._counting(parsed, request, where, undated_where)
        plan.start(self._count, self.engine.pool())
        try:
            page = self._batch([self._page_sql(where, request.sort, start, request.per_page, ranker)])
            hits = self._hits(page.rows[0], parsed, with_score=request.sort == "relevance")
            results, counting_failed = plan.results()
        except BaseException:
            plan.cancel()
            raise
        total = int(page.metas[0].get("total_found", 0))
        facets = {name: self._facet(name, *results[name], results.get("chosen " + name, ([], {}))[0],
                                    request.selected(name)) for name in NAMES}
        date_facet, late = self._dates(*results["days"], undated_where)
        warnings = [str(p) for p in parsed.problems]
        failed = tuple(sorted({*page.failed, *counting_failed, *late}))
        missing = self._missing(failed) if failed else ()
        if missing:
            warnings.append("results are incomplete: no copy of " + "; ".join(missing) + " answered")
        pages = max(1, -(-total // request.per_page))
        # no copy groups or stories on this backend yet: every article counts as its own
        return SearchResults(request, total, pages, tuple(hits), date_facet, facets, tuple(warnings), None,
                             totals={"articles": total, "copies": total, "stories": total}, results=total,
                             partial=bool(missing), missing=missing)

    def _counting(self, parsed: ql.ParsedQuery, request: SearchRequest, where: str, undated_where: str) -> Plan:
        """Each facet counted without its own selection (and the selected values' counts under every
        filter), and the counts per day without the date range."""
        plan = Plan()
        for name in NAMES:
            without = self._where(parsed, request, without=name)
            plan.add(name, without, self._group_sql(without, FACET_ATTRS[name], FACET_SIZE))
            if request.selected(name):
                plan.add("chosen " + name, where, self._group_sql(where, FACET_ATTRS[name], FACET_GROUPS))
        plan.add("days", undated_where, self._group_sql(undated_where, "day", DAY_GROUPS))
        return plan

    def _dates(self, rows: Rows, meta: Mapping[str, str], where: str) -> tuple[DateFacet, tuple[str, ...]]:
        """The histogram from the counts per day; when the matches fall on more days than one pass
        counts, a second pass: the span and the undated articles, then the counts per bucket of the
        interval that the span calls for."""
        if len(rows) < DAY_GROUPS:  # every day
            per_day = {int(g): int(c) for g, c in rows}
            return of_days(per_day, per_day.pop(NO_DAY, 0)), ()
        span = self._batch([f"SELECT MIN(day) AS a, MAX(day) AS b FROM {self.index}{_and(where, 'dated = 1')}",
                            f"SELECT id FROM {self.index}{_and(where, 'dated = 0')} LIMIT 1 OPTION {NO_RANKER}"])
        first, last = int(span.rows[0][0][0]), int(span.rows[0][0][1])
        undated = int(span.metas[1].get("total_found", 0))
        interval = interval_for(first, last)
        answer = self._batch([self._group_sql(_and(where, "dated = 1"), interval, MONTH_GROUPS)])
        per_key = {int(g): int(c) for g, c in answer.rows[0]}
        return of_interval_keys(interval, first, last, per_key, undated), (*span.failed, *answer.failed)

    def _facet(self, name: str, top: Rows, meta: Mapping[str, str], chosen_groups: Rows,
               selected: Sequence[str]) -> Facet:
        """The top values (ties at the cut resolved by key), shown by count then name, then the selected
        values not among them."""
        total = int(meta.get("total_found", 0))
        counts = {int(g): int(c) for g, c in top if int(c) > 0}
        counts_chosen = {int(g): int(c) for g, c in chosen_groups}
        names = self.engine.value_names(self.slot, list(counts))
        values = [FacetValue(names[k], counts[k], names[k] in selected)
                  for k in sorted(names, key=lambda k: (-counts[k], names[k]))]
        shown = {v.value for v in values}
        values += [FacetValue(v, counts_chosen.get(value_key(name, v), 0), True) for v in selected if v not in shown]
        return Facet(name, tuple(values), total > len(counts), total)

    def _stored(self, keys: Sequence[int]) -> dict[int, dict[str, Any]]:
        """Stored articles by key, in the order of the keys (absent ones left out)."""
        if not keys:
            return {}
        answer = self._batch([f"SELECT id, meta FROM {stored_distributed(self.slot)} WHERE id IN ({int_list(keys)}) "
                              f"LIMIT {len(keys)} OPTION max_matches={len(keys)}"])
        found = {int(k): json.loads(m) for k, m in answer.rows[0]}
        if answer.failed and any(k not in found for k in keys):
            # keys come from shards that just answered: one missing now means its shard went down meanwhile
            raise IndexUnavailable("the stored articles are incomplete: " + "; ".join(self._missing(answer.failed))
                                   + " did not answer")
        return {k: found[k] for k in keys if k in found}

    def _hits(self, rows: Rows, parsed: ql.ParsedQuery, with_score: bool) -> list[Hit]:
        found = self._stored([int(r[0]) for r in rows])
        rows = [r for r in rows if int(r[0]) in found]
        metas = [found[int(r[0])] for r in rows]
        query = highlight_text(parsed.tree)
        titles = self._snippets([m["title"] for m in metas], query, whole=True)
        bodies = self._snippets([m["body"] for m in metas], query, whole=False)
        return [_hit(m, t, b, float(row[1]) if with_score else None)
                for m, t, b, row in zip(metas, titles, bodies, rows, strict=True)]

    def _snippets(self, texts: list[str], query: str | None, whole: bool) -> list[Any]:
        """Highlighted titles (whole) or body fragments: CALL SNIPPETS marks, then we escape."""
        clean = [_PRIVATE_RE.sub("", t) for t in texts]
        if not clean:
            return []
        if query is None:
            return [html.escape(t) for t in clean] if whole else [_opening(t) for t in clean]
        docs = "(" + ",".join(literal(t or " ") for t in clean) + ")"
        limit = max(len(t) for t in clean) + 16 if whole else SNIPPET_CHARS * 2
        sql = (f"CALL SNIPPETS({docs}, {literal(TEXT_SETTINGS)}, {literal(query)}, "
               f"{literal(MARK_OPEN)} AS before_match, {literal(MARK_CLOSE)} AS after_match, "
               f"{literal(CHUNK)} AS chunk_separator, {limit} AS limit, 3 AS limit_passages, 12 AS around, "
               f"1 AS query_mode, 'none' AS html_strip_mode, 0 AS allow_empty)")
        try:
            with self.engine.connection().cursor() as cur:
                cur.execute(sql)
                marked = [r[0] for r in cur.fetchall()]
        except pymysql.err.MySQLError as exc:
            raise IndexUnavailable("the search cluster could not highlight the results") from exc
        if whole:
            return [_render(m) for m in marked]
        return [_fragments(m, t) for m, t in zip(marked, clean, strict=True)]

    def search_all(self, request: SearchRequest, strict: bool = True) -> Iterator[Hit]:
        """Every match in the request's order (for export), fetched a thousand at a time."""
        parsed = ql.parse(request.q, strict)
        where = self._where(parsed, request)
        ranker = _ranker(request, parsed)
        offset = 0
        while True:
            answer = self._batch([self._page_sql(where, request.sort, offset, EXPORT_CHUNK, ranker)])
            if answer.failed:
                raise IndexUnavailable("the export is incomplete: " + "; ".join(self._missing(answer.failed))
                                       + " did not answer")
            yield from self._hits(answer.rows[0], parsed, with_score=request.sort == "relevance")
            offset += EXPORT_CHUNK
            if offset >= int(answer.metas[0].get("total_found", 0)):
                return

    def article(self, doc_id: str, related: int = 5) -> Article:
        """One article with its related coverage; NotFound when absent."""
        found = self._stored([doc_key(doc_id)])
        m = found.get(doc_key(doc_id))
        if m is None or m["id"] != doc_id:
            raise NotFound(f"no article with id {doc_id!r}")
        return Article(
            id=m["id"], title=m["title"], body=m["body"], original=m["original"], published=m["published"],
            source=m["source"], url=m["url"], author=m["author"],
            entities={spec.name: tuple(m.get(spec.doc_attr, ())) for spec in ENTITY_FACETS},
            mentions=tuple(tuple(x) for x in m["mentions"]), date_from=m["date_from"],
            source_from=m["source_from"], extractor=m["extractor"], related=tuple(self.related(m, related)),
        )

    def related(self, meta: Mapping[str, Any], limit: int) -> list[Hit]:
        """Other articles about the same story: Sphinx's ranking of the article's most distinctive words."""
        words = self.engine.key_words(self.slot, meta)
        if not words:
            return []
        text = "@(title,body) (" + " | ".join("=" + w for w in words) + ")"
        sql = (f"SELECT id, WEIGHT() AS w FROM {self.index} WHERE MATCH({literal(text)}) "
               f"AND id != {doc_key(meta['id'])} ORDER BY w DESC, dated DESC, published DESC, aid ASC "
               f"LIMIT {limit} OPTION {FIELD_WEIGHTS}, ranker=bm25")
        found = self._stored([int(r[0]) for r in self._batch([sql]).rows[0]])
        return [_hit(m, html.escape(m["title"]), (_opening(m["body"]),), None) for m in found.values()]

    def facet_values(self, name: str, request: SearchRequest, prefix: str = "", size: int = FACET_SEARCH_SIZE,
                     strict: bool = True, page: int = 1) -> Facet:
        """One facet's values, by prefix, a page at a time, counted under the other filters."""
        if name not in NAMES:
            raise NotFound(f"no facet {name!r}; facets are {', '.join(NAMES)}")
        if not 1 <= size <= MAX_FACET_PAGE or page < 1:
            raise SearchError(f"facet pages hold 1 to {MAX_FACET_PAGE} values and start at page 1")
        first = (page - 1) * size
        if first + size > MAX_FACET_GROUPS:
            raise SearchError(f"facet pages reach the first {MAX_FACET_GROUPS:,} values of a facet")
        request.validate()
        parsed = ql.parse(request.q, strict)
        where = self._where(parsed, request, without=name)
        allowed = self.engine.values_with_prefix(self.slot, name, prefix.strip()) if prefix.strip() else None
        if allowed is not None:
            if not allowed:
                return Facet(name, (), False, 0)
            where = _and(where, f"{FACET_ATTRS[name]} IN ({int_list(allowed)})")
        counts, total = self._value_counts(name, where, allowed, first + size)
        names = self.engine.value_names(self.slot, list(counts))
        ranked = sorted(names, key=lambda k: (-counts[k], names[k]))
        chosen = request.selected(name)
        values = tuple(FacetValue(names[k], counts[k], names[k] in chosen) for k in ranked[first:first + size])
        return Facet(name, values, total > first + size, total)

    def _value_counts(self, name: str, where: str, allowed: set[int] | None, wanted: int
                      ) -> tuple[dict[int, int], int]:
        """The counts of a facet's ``wanted`` most frequent values (with every value tied with the last
        of them, so that ties can be ordered by name), and how many values it has.

        Each shard counts in a table of ``kept`` values: a selection with fewer values than that
        (SHOW META's total_found below it) is counted exactly, else the table grows to
        MAX_FACET_GROUPS; the LIMIT grows until the last value fetched is below the page's last."""
        limit = wanted + FACET_GROUPS
        kept = max(limit, 8 * FACET_GROUPS)
        while True:
            answer = self._batch([self._group_sql(where, FACET_ATTRS[name], limit, kept)])
            groups, found = answer.rows[0], int(answer.metas[0].get("total_found", 0))
            if found >= kept and kept < MAX_FACET_GROUPS:
                kept = MAX_FACET_GROUPS
                continue
            counts = {int(g): int(c) for g, c in groups if int(c) > 0 and (allowed is None or int(g) in allowed)}
            if len(groups) < limit:  # every value
                return counts, len(counts)
            ordered = sorted(counts.values(), reverse=True)
            if (len(ordered) >= wanted and int(groups[-1][1]) < ordered[wanted - 1]) or limit >= MAX_FACET_GROUPS:
                # total_found counts every value of the matching documents, not only the prefix's
                return counts, max(min(found, len(allowed)) if allowed is not None else found, len(counts))
            limit = min(limit * 2, MAX_FACET_GROUPS)
            kept = max(kept, limit)

    def stats(self) -> Stats:
        """Article count, date span, sources and build information."""
        answer = self._batch([
            f"SELECT id FROM {self.index} LIMIT 1 OPTION ranker=none, max_matches=1",
            f"SELECT MIN(day) AS a, MAX(day) AS b FROM {self.index} WHERE dated = 1",
            f"SELECT id FROM {self.index} WHERE dated = 0 LIMIT 1 OPTION ranker=none, max_matches=1",
            self._group_sql("", FACET_ATTRS["source"], 100),
        ])
        span = answer.rows[1][0] if answer.rows[1] and answer.rows[1][0][0] is not None else None
        dated = int(answer.metas[0].get("total_found", 0)) - int(answer.metas[2].get("total_found", 0))
        sources = self._facet("source", answer.rows[3], answer.metas[3], [], ())
        return Stats(
            articles=int(answer.metas[0].get("total_found", 0)),
            first_day=day_from_number(int(span[0])).isoformat() if span and dated else None,
            last_day=day_from_number(int(span[1])).isoformat() if span and dated else None,
            undated=int(answer.metas[2].get("total_found", 0)),
            sources=sources.values, built_at=self.info.get("built_at"), build=self.info,
        )


def _ranker(request: SearchRequest, parsed: ql.ParsedQuery) -> str:
    """Field-weighted ranking when the order is by relevance to words; none otherwise."""
    return FIELD_WEIGHTS if request.sort == "relevance" and match_text(parsed.tree) is not None else NO_RANKER


def _and(where: str, condition: str) -> str:
    return where + (" AND " if where else " WHERE ") + condition


def _render(marked: str) -> str:
    """Escape everything, then turn our private-use marks into <mark> tags (the only HTML we add)."""
    return html.escape(marked.replace(CHUNK, " ")).replace(MARK_OPEN, "<mark>").replace(MARK_CLOSE, "</mark>")


def _fragments(marked: str, text: str) -> tuple[str, ...]:
    """CALL SNIPPETS' passages as the Whoosh engine shows fragments: '… ' where text was cut."""
    if MARK_OPEN not in marked:
        return (_opening(text),)
    parts = [p.strip() for p in marked.split(CHUNK)]
    out = []
    for part in (p for p in parts if p):
        plain = part.replace(MARK_OPEN, "").replace(MARK_CLOSE, "")
        at_start, at_end = text.startswith(plain), text.endswith(plain)
        out.append(("" if at_start else "… ") + _render(part) + ("" if at_end else " …"))
    return tuple(out[:3])


def _opening(text: str) -> str:
    """The first ~240 characters, cut at a space (no match to show)."""
    if len(text) <= SNIPPET_CHARS:
        return html.escape(text)
    cut = text.rfind(" ", 0, SNIPPET_CHARS)
    return html.escape(text[:cut if cut > 0 else SNIPPET_CHARS]) + " …"


def _hit(m: Mapping[str, Any], title_html: str, snippets: Sequence[str], score: float | None) -> Hit:
    return Hit(
        id=m["id"], title=m["title"], title_html=title_html, published=m["published"], source=m["source"],
        url=m["url"], author=m["author"], snippets=tuple(snippets) if m["body"] else (),
        entities={spec.name: tuple(m.get(spec.doc_attr, ())) for spec in ENTITY_FACETS},
        score=round(score, 4) if score is not None else None, headline_only=not m["body"].strip(),
    )


class SphinxEngine:
    """Opens snapshots of the live slot through the front searchd at ``sphinx://host:port``."""

    def __init__(self, url: str) -> None:
        self.host, self.port = parse_url(url)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._names: dict[int, str] = {}  # value key -> value: keys never change meaning
        self._down_until = 0.0
        self._conns: list[Any] = []
        self._corpus_counts: dict[tuple[Any, ...], Answer] = {}  # oldest first
        self._pool: ThreadPoolExecutor | None = ThreadPoolExecutor(POOL_THREADS, thread_name_prefix="newsearch-sphinx")

    def pool(self) -> ThreadPoolExecutor:
        """The threads that send a request's counting batches."""
        if self._pool is None:
            raise IndexUnavailable("this search engine was closed")
        return self._pool

    def connection(self) -> Any:
        """This thread's connection to the front (opened on first use)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = self._local.conn = connect(self.host, self.port)
            except BackendError as exc:
                raise IndexUnavailable("the search cluster is not answering; try again shortly") from exc
            with self._lock:
                self._conns.append(conn)
        return conn

    def forget_connection(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            with self._lock:
                if conn in self._conns:
                    self._conns.remove(conn)
            conn.close()

    def snapshot(self) -> SphinxSnapshot:
        """This thread's view of the live slot (one ns_meta read per call)."""
        conn = self.connection()
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT slot, info FROM ns_meta WHERE id = 1")
                row = cur.fetchone()
        except pymysql.err.MySQLError as exc:
            self.forget_connection()
            raise IndexUnavailable("the search cluster is not answering; try again shortly") from exc
        if not row:
            raise IndexUnavailable("the search cluster holds no index yet: run a rebuild")
        return SphinxSnapshot(self, SLOTS[int(row[0])], json.loads(row[1] or "{}"))

    @property
    def warm(self) -> bool:
        return True

    def corpus_counts(self, key: tuple[Any, ...], count: Callable[[], Answer]) -> Answer:
        """The answer kept under ``key``, or ``count()``'s (kept when every agent answered)."""
        with self._lock:
            kept = self._corpus_counts.get(key)
        if kept is not None:
            return kept
        answer = count()
        if not answer.failed:
            with self._lock:
                while len(self._corpus_counts) >= CORPUS_COUNTS_KEPT:
                    del self._corpus_counts[next(iter(self._corpus_counts))]
                self._corpus_counts[key] = answer
        return answer

    def recently_down(self) -> bool:
        return time.monotonic() < self._down_until

    def mark_down(self) -> None:
        self._down_until = time.monotonic() + DOWN_SECONDS

    def value_names(self, slot: str, keys: Sequence[int]) -> dict[int, str]:
        """Names of facet value keys, from the front's dictionary (cached: a key's value never changes)."""
        wanted = [k for k in keys if k not in self._names]
        for i in range(0, len(wanted), 1000):
            chunk = wanted[i:i + 1000]
            with self.connection().cursor() as cur:
                cur.execute(f"SELECT id, value FROM {values(slot)} WHERE id IN ({int_list(chunk)}) "
                            f"LIMIT {len(chunk)} OPTION max_matches={max(1000, len(chunk))}")
                found = {int(k): str(v) for k, v in cur.fetchall()}
            with self._lock:
                self._names.update(found)
        return {k: self._names[k] for k in keys if k in self._names}

    def values_with_prefix(self, slot: str, facet: str, prefix: str, limit: int = 2000) -> set[int]:
        """Keys of a facet's values with a word starting with the prefix (as columns.with_prefix)."""
        words = index_text(prefix).split()
        if not words:
            return set()
        text = " ".join([*words[:-1], words[-1] + "*"])
        number = [spec.name for spec in FACETS].index(facet)
        with self.connection().cursor() as cur:
            cur.execute(f"SELECT id, value FROM {values(slot)} WHERE MATCH({literal(text)}) AND facet_no = {number} "
                        f"LIMIT {limit} OPTION max_matches={limit}, ranker=none")
            found = {int(k): str(v) for k, v in cur.fetchall()}
        with self._lock:
            self._names.update(found)
        return set(found)

    def key_words(self, slot: str, meta: Mapping[str, Any], count: int = 12) -> list[str]:
        """The article's most distinctive words: frequency in it times rarity in the index (CALL KEYWORDS)."""
        names = [n for spec in ENTITY_FACETS for n in meta.get(spec.doc_attr, [])]
        text = index_text(" ".join([meta["title"]] * 2 + [meta["body"]] + names))
        tf: dict[str, int] = {}
        for w in text.split():
            if len(w) > 2 and not w.isdigit():
                tf[w] = tf.get(w, 0) + 1
        candidates = sorted(tf, key=lambda w: -tf[w])[:40]
        if not candidates:
            return []
        docs = self._document_frequencies(slot, candidates)
        scored = sorted(candidates, key=lambda w: -tf[w] / (1 + docs.get(w, 0)))
        return [w for w in scored if docs.get(w, 0) > 1][:count]

    def _document_frequencies(self, slot: str, words: list[str]) -> dict[str, int]:
        """How many articles hold each exact word: multi-queries on the distributed index (at most 32 each)."""
        out: dict[str, int] = {}
        for i in range(0, len(words), MULTI_QUERY_MAX):
            chunk = words[i:i + MULTI_QUERY_MAX]
            sql = ";".join(f"SELECT id FROM {distributed(slot)} WHERE MATCH({literal('@(title,body) =' + w)}) "
                           f"LIMIT 1 OPTION ranker=none, max_matches=1;SHOW META" for w in chunk)
            with self.connection().cursor() as cur:
                cur.execute(sql)
                for w in chunk:
                    cur.fetchall()
                    cur.nextset()
                    out[w] = int(dict(cur.fetchall()).get("total_found", 0))
                    cur.nextset()
        return out

    def close(self) -> None:
        """Stop the threads and close every connection this engine opened (the engine is then done)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)
        with self._lock:
            conns, self._conns = self._conns, []
        for conn in conns:
            conn.close()
        self._local = threading.local()


__all__ = ["SphinxEngine", "SearchResults", "SphinxSnapshot"]
