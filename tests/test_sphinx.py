"""The Sphinx backend against real searchd processes (3 shards x 2 mirrors + a front) on free loopback ports.

The same behaviour tests as the Whoosh engine run here on a cluster holding the same articles, and
a list of requests is answered by both engines and compared: totals, facet counts, histograms.
Faults are real: searchd processes are killed while searches run.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pymysql
import pytest

from newsearch import querylang as ql
from newsearch.results import SearchError, SearchRequest, SearchResults
from newsearch.search import SearchEngine
from newsearch.sphinx import writer
from newsearch.sphinx.client import connect_node
from newsearch.sphinx.config import articles
from newsearch.sphinx.engine import SphinxEngine, SphinxSnapshot
from newsearch.sphinx.layout import Layout, LayoutError, parse_url
from newsearch.sphinx.process import Cluster
from newsearch.sphinx.rows import doc_key, index_text, row_of, shard_of
from newsearch.sphinx.translate import UnsupportedQuery, highlight_text, match_text

from . import test_search as shared
from .sphinx_cluster import running_cluster, stored_articles

pytestmark = pytest.mark.sphinx
Running = Iterator[tuple[Cluster, SphinxEngine]]


# --- clusters: the seeds, and the seeds + a hostile document + 300 Reuters articles ---------


@pytest.fixture(scope="module")
def seeds_cluster(seeds_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Running:
    with running_cluster(tmp_path_factory.mktemp("sphinx-seeds"), stored_articles(seeds_index)) as both:
        yield both


@pytest.fixture(scope="module")
def mixed_cluster(mixed_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Running:
    with running_cluster(tmp_path_factory.mktemp("sphinx-mixed"), stored_articles(mixed_index)) as both:
        yield both


@pytest.fixture()
def sx(seeds_cluster: tuple[Cluster, SphinxEngine]) -> SphinxSnapshot:
    return seeds_cluster[1].snapshot()


@pytest.fixture()
def sx_mixed(mixed_cluster: tuple[Cluster, SphinxEngine]) -> SphinxSnapshot:
    return mixed_cluster[1].snapshot()


@pytest.fixture(scope="module")
def whoosh_mixed(mixed_index: Path) -> Iterator[Any]:
    engine = SearchEngine(mixed_index)
    yield engine.snapshot()
    engine.close()


# --- the Whoosh engine's behaviour tests, run on the Sphinx engine -------------------------


def _cases(test: Any) -> Any:
    """The parameters of one of test_search's parametrized tests."""
    return test.pytestmark[0].args


@pytest.mark.parametrize(*_cases(shared.test_query_language))
def test_query_language(sx: SphinxSnapshot, q: str, expected: set[str]) -> None:
    shared.test_query_language(sx, q, expected)  # type: ignore[arg-type]


@pytest.mark.parametrize(*_cases(shared.test_signs_and_hyphens))
def test_signs_and_hyphens(sx: SphinxSnapshot, q: str, expected: set[str]) -> None:
    shared.test_signs_and_hyphens(sx, q, expected)  # type: ignore[arg-type]


@pytest.mark.parametrize(*_cases(shared.test_bad_queries_are_refused_strictly_and_repaired_leniently))
def test_bad_queries(sx: SphinxSnapshot, q: str, problem: str) -> None:
    shared.test_bad_queries_are_refused_strictly_and_repaired_leniently(sx, q, problem)  # type: ignore[arg-type]


@pytest.mark.parametrize(*_cases(shared.test_date_range_is_inclusive))
def test_date_range_is_inclusive(sx: SphinxSnapshot, start: date | None, end: date | None, total: int) -> None:
    shared.test_date_range_is_inclusive(sx, start, end, total)  # type: ignore[arg-type]


@pytest.mark.parametrize(*_cases(shared.test_request_bounds))
def test_request_bounds(sx: SphinxSnapshot, request_: SearchRequest, problem: str) -> None:
    shared.test_request_bounds(sx, request_, problem)  # type: ignore[arg-type]


@pytest.mark.parametrize("test", [
    shared.test_lenient_search_uses_what_could_be_read, shared.test_disjunctive_facet_counts,
    shared.test_filters_or_within_a_facet_and_across_facets, shared.test_date_histogram,
    shared.test_highlighted_title_and_snippets_are_escaped, shared.test_relevance_weights_title,
    shared.test_paging_and_bounds, shared.test_related_coverage_finds_the_other_seed,
    shared.test_facet_value_search_by_prefix, shared.test_stats,
], ids=lambda t: t.__name__)
def test_seeds_behaviour(sx: SphinxSnapshot, test: Any) -> None:
    test(sx)


def test_hundreds_of_real_articles(sx_mixed: SphinxSnapshot) -> None:
    shared.test_hundreds_of_real_articles(sx_mixed)  # type: ignore[arg-type]


# --- both engines, same articles, same answers -----------------------------------------------

QUERIES = [
    "", "oil", "prices", "price", '"oil prices"', "oil OR gas", "oil -gas", "NOT oil", "price OR NOT oil",
    "pric*", "negotiat*", "title:oil", "body:cocoa", "place:japan", "org:opec", "person:reagan", "source:reuters",
    "u.s. trade", "japan's", "don't", "company's shares", "mln dlrs", "3.5 pct", "1987", "al-Ansari",
    "(coffee OR cocoa) prices", "bank -rate*", '"trade deficit" OR "trade surplus"', "hamas israel", "gaza truce",
    "script", "alert", "shares stake", "dividend qtly", "wheat OR grain OR corn", "exports", "exported",
    "march", "york",  # words of datelines ("NEW YORK, March 3 -"), which are indexed with the body
    '"of the"', 'title:"of the"', 'body:"said it" OR "in the"', '"the u.s."', '"of the" -"in the"',  # grams
]
REQUESTS = (
    [SearchRequest.of(q=q) for q in QUERIES]
    + [SearchRequest.of(q=q, places=("Japan", "JAPAN")) for q in QUERIES[:12]]
    + [SearchRequest.of(q=q, people=("Reuter",), date_from=date(1987, 3, 1)) for q in QUERIES[12:24]]
    + [SearchRequest.of(q=q, source=("Reuters",), organizations=("Treasury",), date_to=date(1987, 3, 31))
       for q in QUERIES[24:]]
)


def _comparable(results: SearchResults) -> dict[str, Any]:
    """Totals, histogram and facets; values tied at a facet's last count are compared by count only
    (the Whoosh engine picks among ties at the cut arbitrarily, np.argpartition)."""
    facets = {}
    for name, facet in results.facets.items():
        chosen = sorted((v.value, v.count) for v in facet.values if v.selected)
        others = [v for v in facet.values if not v.selected]
        floor = min((v.count for v in others), default=0)
        facets[name] = (chosen, sorted((v.value, v.count) for v in others if v.count > floor), floor,
                        facet.total, facet.truncated)
    return {"total": results.total, "date": results.date, "facets": facets}


@pytest.mark.corpus
@pytest.mark.parametrize("request_", REQUESTS, ids=lambda r: f"{r.q!r}{'+filters' if any(r.filters.values()) else ''}")
def test_both_engines_agree(sx_mixed: SphinxSnapshot, whoosh_mixed: Any, request_: SearchRequest) -> None:
    ours, theirs = sx_mixed.search(request_, strict=False), whoosh_mixed.search(request_, strict=False)
    assert _comparable(ours) == _comparable(theirs)


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_date_orders_are_the_whoosh_engine_s_total_order(sx_mixed: SphinxSnapshot, whoosh_mixed: Any, sort: str
                                                         ) -> None:
    request_ = SearchRequest(q="said", sort=sort, per_page=100, collapse="none")  # no copy groups in Sphinx yet
    assert [h.id for h in sx_mixed.search(request_).hits] == [h.id for h in whoosh_mixed.search(request_).hits]


def test_a_histogram_of_more_days_than_one_pass_counts_takes_a_second_pass(
        tmp_path: Path, seeds_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from newsearch.sphinx import engine as sphinx_engine

    seeds = stored_articles(seeds_index)
    days = {"old-1": "2019-05-01", "old-2": "2019-05-01", "old-3": "2021-11-30", "old-4": "2021-11-30"}
    extra = [dict(seeds[0], id=i, published=f"{d}T09:00:00Z") for i, d in days.items()]
    extra.append(dict(seeds[0], id="undated-1", published=None))  # rarer than every day: outside the top 3
    with running_cluster(tmp_path / "c", seeds + extra) as (_, engine):
        one_pass = engine.snapshot().search(SearchRequest()).date
        spans: list[str] = []
        run = SphinxSnapshot._batch
        monkeypatch.setattr(sphinx_engine, "DAY_GROUPS", 3)
        monkeypatch.setattr(SphinxSnapshot, "_batch", lambda self, sql: spans.extend(s for s in sql if "MIN(day)" in s)
                            or run(self, sql))
        assert engine.snapshot().search(SearchRequest()).date == one_pass
    assert len(spans) == 1  # the second pass ran, and found the undated article among more days than it keeps
    assert (one_pass.interval, one_pass.undated, sum(b.count for b in one_pass.values)) == ("month", 1, 6)


def test_pages_are_slices_of_one_order_and_the_export_is_that_order(sx_mixed: SphinxSnapshot) -> None:
    pages = [sx_mixed.search(SearchRequest(q="dlrs", page=p, per_page=7)) for p in range(1, 30)]
    paged = [h.id for r in pages for h in r.hits]
    assert len(paged) == len(set(paged)) == pages[0].total
    assert [h.id for h in sx_mixed.search_all(SearchRequest(q="dlrs"))] == paged


def test_hostile_text_is_escaped_with_only_our_marks(sx_mixed: SphinxSnapshot) -> None:
    [hit] = sx_mixed.search(SearchRequest(q="alert markets")).hits
    assert hit.title_html == ("&lt;script&gt;<mark>alert</mark>(&#x27;title&#x27;)&lt;/script&gt; "
                              "<mark>Markets</mark> &quot;quote&#x27; breaking")
    html = " ".join(hit.snippets)
    assert "<img" not in html and "<script" not in html and "<b>" not in html
    assert html.replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_facet_value_search_and_article(sx_mixed: SphinxSnapshot, whoosh_mixed: Any) -> None:
    request_ = SearchRequest(q="oil")
    ours = sx_mixed.facet_values("places", request_, prefix="sa", size=5)
    theirs = whoosh_mixed.facet_values("places", request_, prefix="sa", size=5)
    assert ours == theirs
    article = sx_mixed.article("hostile-1")
    assert article.title.startswith("<script>") and article.source == "<script>alert('source')</script>"


def test_every_page_of_a_facet_s_values_is_the_whoosh_engine_s(sx_mixed: SphinxSnapshot, whoosh_mixed: Any,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from newsearch.sphinx import engine as sphinx_engine

    monkeypatch.setattr(sphinx_engine, "FACET_GROUPS", 5)  # pages far past what a search's facets count
    pages = 0
    for request_, last in ((SearchRequest(), 6), (SearchRequest(q="said"), 200), (SearchRequest(q="oil"), 200)):
        for page in range(1, last):
            ours = sx_mixed.facet_values("organizations", request_, size=9, page=page)
            theirs = whoosh_mixed.facet_values("organizations", request_, size=9, page=page)
            assert [(v.value, v.count) for v in ours.values] == [(v.value, v.count) for v in theirs.values], page
            assert ours == theirs
            pages += 1
            if not ours.truncated:
                break
    assert pages > 20
    monkeypatch.setattr(sphinx_engine, "MAX_FACET_GROUPS", 50)
    with pytest.raises(SearchError, match="first 50 values"):
        sx_mixed.facet_values("organizations", SearchRequest(), size=9, page=6)


# --- the query translation -----------------------------------------------------------------


@pytest.mark.parametrize("q,match", [
    ("oil", "(@(title,body) oil)"),
    ('"oil"', "(@(title,body) =oil)"),
    ('"crude swaps" OR gas*', '((@(title,body) "=crude =swaps") | (@(title,body) gas*))'),
    # two common words: their gram token, in the title's or the body's gram field
    ('"of the" OR title:"oil prices"', "((@(tgrams,grams) =of__the) | (@tgrams =oil__prices))"),
    ('body:"u.s. said"', "(@grams =u_s__said)"),
    ('"one of the"', '(@(title,body) "=one =of =the")'),
    ("oil -gas", "((@(title,body) oil) -(@(title,body) gas))"),
    ("NOT oil", "(@every nsevery -(@(title,body) oil))"),
    ("title:u.s. place:japan", "((@title u_s) (@q_places =japan))"),
    ('person:"nigel lawson"', '(@q_people "=nigel =lawson")'),
    ("", None),
])
def test_translation(q: str, match: str | None) -> None:
    assert match_text(ql.parse(q, strict=True).tree) == match


def test_unsupported_words_are_refused_with_a_reason(sx: SphinxSnapshot) -> None:
    with pytest.raises(UnsupportedQuery) as exc:
        sx.search(SearchRequest(q="東京 oil"))
    assert str(exc.value) == ("'東京' has characters the Sphinx backend does not index "
                              "(it indexes Latin, Greek and Cyrillic letters and digits)")


def test_highlight_query_leaves_out_negations_and_facet_fields() -> None:
    tree = ql.parse('oil -gas place:japan "crude prices" pric*', strict=True).tree
    assert highlight_text(tree) == 'oil | "=crude =prices" | pric*'


def test_rows_route_by_hash_and_index_our_words() -> None:
    assert index_text("U.S. officials don't say Japan’s") == "u_s officials don_t say japan"
    row = row_of({"id": "a-1", "title": "Of the U.S. oil", "body": "It said the oil prices fell", "dateline": "LONDON",
                  "published": None})
    assert row.columns["tgrams"] == "of__the the__u_s u_s__oil"  # every pair of common words
    assert row.columns["grams"] == "it__said said__the the__oil oil__prices prices__fell"  # not "london it"
    assert shard_of("a-1", 3) == doc_key("a-1") % 3
    assert len({shard_of(f"id-{i}", 3) for i in range(50)}) == 3


def test_backend_urls() -> None:
    assert parse_url("sphinx://10.0.0.5:9306") == ("10.0.0.5", 9306)
    with pytest.raises(LayoutError):
        parse_url("mysql://10.0.0.5:9306")


# --- writes: shard routing, both mirrors, rebuild switch, update -----------------------------


def _rows_on(node: Any, slot: str) -> set[str]:
    conn = connect_node(node)
    try:
        with conn.cursor() as cur:
            cur.execute(f"SELECT aid FROM {articles(slot)} LIMIT 1000 OPTION max_matches=1000")
            return {r[0] for r in cur.fetchall()}
    finally:
        conn.close()


def test_every_article_is_on_both_mirrors_of_its_shard_only(mixed_cluster: tuple[Cluster, SphinxEngine]) -> None:
    cluster, engine = mixed_cluster
    slot = engine.snapshot().slot
    layout = cluster.layout
    held = [[_rows_on(node, slot) for node in mirrors] for mirrors in layout.shards]
    for number, (first, second) in enumerate(held):
        assert first == second
        assert all(shard_of(aid, 3) == number for aid in first)
    assert sum(len(m[0]) for m in held) == engine.snapshot().stats().articles == 303


def test_rebuild_switches_slots_and_update_upserts_and_deletes(tmp_path: Path, seeds_index: Path) -> None:
    seeds = stored_articles(seeds_index)
    with running_cluster(tmp_path / "c", seeds[:1]) as (cluster, engine):
        before = engine.snapshot()
        assert (before.slot, before.stats().articles) == ("a", 1)
        stats = writer.rebuild(seeds, cluster.layout)
        after = engine.snapshot()
        assert (stats.slot, after.slot, after.stats().articles) == ("b", "b", 2)
        assert before.search(SearchRequest()).total == 1  # a snapshot keeps answering from its own slot
        changed = dict(seeds[0], id="new-1", title="Brand new zebra story")
        writer.upsert([changed], cluster.layout)
        assert [h.id for h in engine.snapshot().search(SearchRequest(q="zebra")).hits] == ["new-1"]
        writer.upsert([dict(changed, title="Renamed giraffe story")], cluster.layout)
        snap = engine.snapshot()
        assert (snap.search(SearchRequest(q="zebra")).total, snap.search(SearchRequest(q="giraffe")).total) == (0, 1)
        writer.delete(["new-1", seeds[0]["id"]], cluster.layout)
        assert [h.id for h in engine.snapshot().search(SearchRequest()).hits] == [seeds[1]["id"]]


def _corpus_counts(engine: SphinxEngine) -> tuple[int, int, int]:
    """Articles, the sum of the source facet and of the histogram, over the whole corpus (counts kept)."""
    results = engine.snapshot().search(SearchRequest())
    return (results.total, sum(v.count for v in results.facets["source"].values),
            sum(b.count for b in results.date.values) + results.date.undated)


def test_whole_corpus_counts_are_kept_until_the_slot_changes(tmp_path: Path, seeds_index: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    seeds = stored_articles(seeds_index)
    with running_cluster(tmp_path / "c", seeds[:1]) as (cluster, engine):
        batches: list[Any] = []
        run = SphinxSnapshot._batch
        monkeypatch.setattr(SphinxSnapshot, "_batch", lambda self, sql: batches.append(sql) or run(self, sql))
        assert _corpus_counts(engine) == (1, 1, 1)
        first, batches[:] = len(batches), []
        assert _corpus_counts(engine) == (1, 1, 1)
        assert len(batches) == first - 1  # the counting batch was kept; the page and stored articles were not
        writer.upsert([dict(seeds[0], id="new-1")], cluster.layout)
        assert engine.snapshot().info["changes"] == 1
        assert _corpus_counts(engine) == (2, 2, 2)
        writer.delete(["new-1"], cluster.layout)
        assert _corpus_counts(engine) == (1, 1, 1)
        writer.rebuild(seeds, cluster.layout)
        assert _corpus_counts(engine) == (2, 2, 2)


# --- faults --------------------------------------------------------------------------------


@pytest.fixture()
def fault_cluster(tmp_path: Path, mixed_index: Path) -> Running:
    with running_cluster(tmp_path / "faults", stored_articles(mixed_index)) as both:
        yield both


def test_one_copy_killed_under_load_loses_no_answer(fault_cluster: tuple[Cluster, SphinxEngine]) -> None:
    cluster, engine = fault_cluster
    request_ = SearchRequest(q="said", per_page=5)
    expected = engine.snapshot().search(request_).total
    answers: list[tuple[int, bool]] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def load() -> None:
        while not stop.is_set():
            try:
                results = engine.snapshot().search(request_)
                answers.append((results.total, results.partial))
            except Exception as exc:  # noqa: BLE001 - every failure is counted
                errors.append(exc)

    threads = [threading.Thread(target=load) for _ in range(3)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    for mirrors in cluster.layout.shards:
        cluster.kill(mirrors[0])  # one copy of every shard
    killed_at = len(answers)
    deadline = time.monotonic() + 60
    while (len(answers) - killed_at < 30 or time.monotonic() < deadline - 57) and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    for t in threads:
        t.join()
    assert errors == []
    assert len(answers) - killed_at >= 30
    assert set(answers) == {(expected, False)}


def test_both_copies_down_is_reported_not_undercounted(fault_cluster: tuple[Cluster, SphinxEngine]) -> None:
    cluster, engine = fault_cluster
    full = engine.snapshot().search(SearchRequest())
    dead = cluster.layout.shards[1]
    for node in dead:
        cluster.kill(node)
    results = engine.snapshot().search(SearchRequest())
    missing = f"shard 2 of 3 ({dead[0].host}:{dead[0].api_port}, {dead[1].host}:{dead[1].api_port})"
    assert (results.partial, results.missing) == (True, (missing,))
    assert results.warnings == (f"results are incomplete: no copy of {missing} answered",)
    assert results.total < full.total
    for node in dead:
        cluster.start_node(node)
    deadline = time.monotonic() + 10
    while (again := engine.snapshot().search(SearchRequest())).partial and time.monotonic() < deadline:
        time.sleep(0.2)
    assert (again.partial, again.total) == (False, full.total)


def test_front_down_is_index_unavailable(tmp_path: Path, seeds_index: Path) -> None:
    from newsearch.results import IndexUnavailable

    with running_cluster(tmp_path / "front", stored_articles(seeds_index)) as (cluster, engine):
        cluster.kill(cluster.layout.front)
        with pytest.raises(IndexUnavailable):
            engine.snapshot().search(SearchRequest())


def test_the_server_starts_on_a_cluster_without_an_embedded_index(
        seeds_cluster: tuple[Cluster, SphinxEngine], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """gunicorn's start-up check asks the configured engine: with NEWSEARCH_BACKEND=sphinx://... no
    Whoosh index is needed, and a cluster that does not answer stops the start with a clear message."""
    from newsearch.engine import check_engine
    from newsearch.results import IndexUnavailable
    from newsearch.sphinx.local import url_of
    from newsearch.store import IndexMissing

    with pytest.raises(IndexMissing, match="rebuild-index"):
        check_engine(tmp_path / "no-index")
    monkeypatch.setenv("NEWSEARCH_BACKEND", url_of(seeds_cluster[0].layout))
    check_engine(tmp_path / "no-index")
    monkeypatch.setenv("NEWSEARCH_BACKEND", "sphinx://127.0.0.1:9")  # nothing listens on the discard port
    with pytest.raises(IndexUnavailable, match="not answering"):
        check_engine(tmp_path / "no-index")


def test_layout_round_trip(tmp_path: Path) -> None:
    layout = Layout.on_loopback(shards=3, mirrors=2)
    layout.save(tmp_path / "layout.json")
    assert Layout.load(tmp_path / "layout.json") == layout
    assert len({p for n in layout.nodes() for p in (n.api_port, n.sql_port)}) == 14


def test_searchd_answers_sphinxql(seeds_cluster: tuple[Cluster, SphinxEngine]) -> None:
    conn = connect_node(seeds_cluster[0].layout.front)
    try:
        with conn.cursor() as cur, pytest.raises(pymysql.err.ProgrammingError):
            cur.execute("SELECT * FROM no_such_index")
    finally:
        conn.close()


def test_each_searchd_s_memory_and_cpu_are_read_by_name(seeds_cluster: tuple[Cluster, SphinxEngine]) -> None:
    from newsearch.sphinx.local import cpu_seconds, memory

    names = {"front"} | {f"shard {s} copy {m}" for s in (1, 2, 3) for m in (1, 2)}
    used, resident = cpu_seconds(seeds_cluster[0]), memory(seeds_cluster[0])
    assert set(used) == set(resident) == names
    assert all(v >= 0 for v in used.values()) and sum(used.values()) > 0 and min(resident.values()) > 1


@pytest.mark.parametrize("span", [0, 40, 300, 3000, 9000])
def test_histogram_buckets_are_the_whoosh_engine_s(span: int) -> None:
    """From counts per day (one pass) and from counts per interval key (the second pass), the
    buckets are those the Whoosh engine computes from its day column."""
    import random
    from datetime import UTC, datetime, timedelta
    from types import SimpleNamespace

    import numpy as np

    from newsearch.columns import NO_DAY
    from newsearch.dates import interval_for
    from newsearch.search import date_histogram
    from newsearch.sphinx.histogram import of_days, of_interval_keys
    from newsearch.sphinx.rows import bucket_keys

    rng = random.Random(span)
    first = datetime(2003, 5, 17, 12, tzinfo=UTC)
    moments = [first + timedelta(days=rng.randint(0, span)) for _ in range(200)] + [first + timedelta(days=span)]
    days = [bucket_keys(m)["day"] for m in moments]
    interval = interval_for(min(days), max(days))
    per_key: dict[int, int] = {}
    per_day: dict[int, int] = {}
    for m in moments:
        key, day = bucket_keys(m)[interval], bucket_keys(m)["day"]
        per_key[key] = per_key.get(key, 0) + 1
        per_day[day] = per_day.get(day, 0) + 1
    columns = SimpleNamespace(day=np.array(days + [NO_DAY] * 3, dtype=np.int32))
    expected = date_histogram(columns, np.ones(len(days) + 3, bool))  # type: ignore[arg-type]
    assert of_interval_keys(interval, min(days), max(days), per_key, 3) == expected
    assert of_days(per_day, 3) == expected
    assert sum(b.count for b in expected.values) == 201 and expected.interval == interval
