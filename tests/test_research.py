"""Research computations on real indexes: attention, compare, top words, co-occurrence; the page helpers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from werkzeug.datastructures import MultiDict

from newsearch import research
from newsearch.columns import NO_DAY
from newsearch.dates import bucket_starts
from newsearch.highlight import Terms
from newsearch.indexer import rebuild
from newsearch.results import SearchError, SearchRequest
from newsearch.search import SearchEngine, Snapshot
from newsearch.web.pages import clean_byline, query_heading, render_paragraphs
from newsearch.web.view import UrlState, compare_chart, timeline


def _doc(i: int, day: str | None, body: str, title: str = "") -> str:
    return json.dumps({"id": f"d{i:02d}", "title": title or f"Story {i}", "body": body + " Reuter",
                       "date": day, "source": "Wire", "url": f"http://example.org/{i}", "author": ""})


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Snapshot]:
    """40 articles: 10 about the Bahia cocoa harvest (6 in March 1987, 2 in April, 2 undated), 30 others."""
    folder = tmp_path_factory.mktemp("research")
    lines = []
    for i in range(10):
        day = "1987-03-0%dT10:00:00" % (i + 1) if i < 6 else "1987-04-1%dT10:00:00" % i if i < 8 else None  # noqa: UP031
        lines.append(_doc(i, day, "Cocoa growers reported the bahia harvest improved after rains in the zone."))
    for i in range(10, 40):
        day = f"1987-03-1{i % 10}T10:00:00" if i < 30 else f"1987-04-2{i % 10}T10:00:00"
        lines.append(_doc(i, day, "Steel output rose as shipyards ordered plates and engineers met union leaders."
                                  if i % 2 else "Bond traders watched treasury yields and the federal budget."))
    (folder / "docs.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    rebuild([folder / "docs.jsonl"], folder / "index", workers=1)
    engine = SearchEngine(folder / "index")
    yield engine.snapshot()
    engine.close()


def test_no_day_matches_the_columns() -> None:
    assert research.NO_DAY == NO_DAY


def test_attention_counts_totals_shares_and_undated(small: Snapshot) -> None:
    found = small.attention(SearchRequest.of(q="cocoa"), "month")
    assert [(b.value, b.end, b.total) for b in found.buckets] == [("1987-03-01", "1987-03-31", 26),
                                                                  ("1987-04-01", "1987-04-30", 12)]
    assert found.counts == (6, 2)
    assert (found.undated, found.undated_total, found.matches) == (2, 2, 10)
    assert [round(found.share(i), 4) for i in range(2)] == [round(6 / 26, 4), round(2 / 12, 4)]
    assert found.undated_share == 1.0


def test_attention_ignores_its_own_dates_so_they_can_be_marked(small: Snapshot) -> None:
    ranged = SearchRequest.of(q="cocoa", date_from=date(1987, 4, 1), date_to=date(1987, 4, 30))
    assert small.attention(ranged, "month").counts == (6, 2)


def test_attention_auto_interval_follows_the_span(small: Snapshot) -> None:
    found = small.attention(SearchRequest.of(q="cocoa"))
    assert found.interval == "day"
    assert sum(found.counts) == 8 and found.buckets[0].value == "1987-03-01" and found.buckets[-1].value == "1987-04-17"


@pytest.mark.parametrize("interval,message", [
    ("hour", "interval must be auto, day, week, month, year, not 'hour'"),
])
def test_attention_refuses_a_bad_interval(small: Snapshot, interval: str, message: str) -> None:
    with pytest.raises(SearchError, match=message):
        small.attention(SearchRequest.of(q="cocoa"), interval)


def test_weeks_start_on_monday() -> None:
    monday = (date(1987, 3, 2) - date(1970, 1, 1)).days
    starts = bucket_starts(monday - 1, monday + 7, "week")
    assert [int(s) - monday for s in starts] == [-7, 0, 0, 0, 0, 0, 0, 0, 7]


def test_compare_shares_one_axis_and_keeps_each_querys_filters(small: Snapshot) -> None:
    requests = [SearchRequest.of(q="cocoa"), SearchRequest.of(q="steel", date_from=date(1987, 4, 1)),
                SearchRequest.of(q="treasury")]
    found = small.compare(requests, "month")
    assert found.interval == "month"
    assert [s.attention.counts for s in found.series] == [(6, 2), (0, 5), (10, 5)]
    assert [s.attention.matches for s in found.series] == [10, 5, 15]
    assert {b.value for s in found.series for b in s.attention.buckets} == {"1987-03-01", "1987-04-01"}


def test_compare_takes_one_to_five(small: Snapshot) -> None:
    with pytest.raises(SearchError, match="compare takes 1 to 5 queries, not 6"):
        small.compare([SearchRequest.of(q="cocoa")] * 6)


def test_top_words_of_a_set_against_the_index(small: Snapshot) -> None:
    found = small.top_words(SearchRequest.of(q="cocoa"), size=5)
    assert found.matches == found.sampled == 10
    words = {t.text: (t.count, t.corpus) for t in found.words}
    assert words["bahia"] == (10, 10) and words["harvest"] == (10, 10)
    assert "cocoa" not in words  # the query's own word
    assert "reuter" not in words and "the" not in words  # boilerplate and stopwords
    assert all(t.score > 0 for t in found.words)
    phrases = {t.text: (t.count, t.corpus) for t in found.phrases}
    assert phrases["bahia harvest"] == (10, 10)
    assert "harvest bahia" not in phrases


def test_top_words_of_everything_is_empty(small: Snapshot) -> None:
    found = small.top_words(SearchRequest.of())
    assert (found.matches, found.words, found.phrases) == (40, (), ())


def test_g2_scores_only_over_represented_terms() -> None:
    scores = research.g2(np.array([10, 1, 6, 5]), 10, np.array([10, 30, 20, 20]), 40)
    expected = 2 * (6 * np.log(6 / 5) + 4 * np.log(4 / 5) + 14 * np.log(14 / 15) + 16 * np.log(16 / 15))
    assert scores[0] > 20 and scores[1] == 0.0 and scores[3] == 0.0  # under- and exactly represented: 0
    assert scores[2] == pytest.approx(expected, rel=1e-9)


def test_term_table_matches_the_postings(small: Snapshot) -> None:
    table = research.term_table(small)
    bahia = table.terms.index("bahia")
    docs = [d for d in range(small.columns.size) if bahia in table.ids[table.offsets[d]:table.offsets[d + 1]]]
    expected, _ = small.evaluator.postings.get(small.searcher.reader(), "body", "bahia")
    assert docs == sorted(expected.tolist())
    assert int(table.corpus[bahia]) == 10


def test_cooccurrence_full_lists_agree_with_facet_counts(mixed: Snapshot) -> None:
    request = SearchRequest.of(q="said")
    found = mixed.cooccurrence(request, page=1, size=1000)
    for lst in found.facets:
        facet = mixed.facet_values(lst.name, request, size=1000)
        assert [(v.value, v.count) for v in lst.values] == [(v.value, v.count) for v in facet.values]
        assert lst.total == facet.total and not lst.truncated


def test_cooccurrence_pages_and_the_selected_entity_leads(mixed: Snapshot) -> None:
    request = SearchRequest.of(q="said")
    everything = mixed.cooccurrence(request, names=("places",), size=1000).facets[0]
    first, second = (mixed.cooccurrence(request, names=("places",), page=p, size=5).facets[0] for p in (1, 2))
    assert first.values + second.values == everything.values[:10] and first.truncated
    top = everything.values[0].value
    led = mixed.cooccurrence(request, entity=("places", top), size=1000)
    places = led.facets[2].values
    assert top not in [v.value for v in places]
    assert led.entity_articles == everything.values[0].count
    together = [v.together for v in places]
    assert together == sorted(together, reverse=True) and together[0] > 0
    # another facet's counts under a filter on the entity are exactly its co-occurrence counts
    with_top = mixed.facet_values("organizations", SearchRequest.of(q="said", places=(top,)), size=1000)
    assert {v.value: v.together for v in led.facets[1].values if v.together} == \
        {v.value: v.count for v in with_top.values}


def test_cooccurrence_refuses_a_facet_that_is_not_an_entity(mixed: Snapshot) -> None:
    with pytest.raises(SearchError, match="no entity facet 'source'"):
        mixed.cooccurrence(SearchRequest.of(q="said"), names=("source",))


@pytest.mark.parametrize("author,expected", [
    ("By NAILENE CHOU WIEST", "NAILENE CHOU WIEST"), ("by: Jane Doe", "Jane Doe"), ("Jane  Doe", "Jane Doe"),
    ("Byron Wien", "Byron Wien"), ("", ""),
])
def test_bylines_are_cleaned(author: str, expected: str) -> None:
    assert clean_byline(author) == expected


def test_paragraphs_are_kept_escaped_and_marked() -> None:
    text = "First line\ncontinues <b>here</b>.\n\nSecond cocoa paragraph.\n    Third, indented as Reuters does."
    assert render_paragraphs(text, Terms(frozenset({"cocoa"}))) == (
        "<p>First line continues &lt;b&gt;here&lt;/b&gt;.</p>\n<p>Second <mark>cocoa</mark> paragraph.</p>\n"
        "<p>Third, indented as Reuters does.</p>")


@pytest.mark.parametrize("q,heading", [
    ("interest rates", "“interest rates”"), ('"interest rates"', '"interest rates"'), ("", ""),
])
def test_heading_shows_the_query_as_typed(q: str, heading: str) -> None:
    assert query_heading(q) == heading


def test_small_fixture_is_on_disk(small: Snapshot) -> None:
    assert Path(small.folder).exists()


ATTENTION = {"interval": "month", "normalise": False, "values": [
    {"value": "1987-03-01", "end": "1987-03-31", "count": 6, "total": 26, "share": 6 / 26, "selected": False},
    {"value": "1987-04-01", "end": "1987-04-30", "count": 2, "total": 12, "share": 2 / 12, "selected": True}],
    "undated": {"count": 3, "total": 4, "share": 0.75}}


def test_timeline_geometry_marks_the_range_and_labels_the_undated_bar() -> None:
    state = UrlState(MultiDict([("q", "cocoa"), ("from", "1987-04-01")]))
    chart = timeline(ATTENTION, state)
    assert chart is not None
    assert [b.count for b in chart.bars] == [6, 2] and chart.max_label == "6"
    assert chart.bars[0].url == "/?q=cocoa&from=1987-03-01&to=1987-03-31"
    assert chart.undated is not None and (chart.undated.label, chart.undated.count, chart.undated.url) == (
        "undated", 3, None)
    assert chart.undated.x > chart.bars[-1].x + chart.bars[-1].width  # apart, after a gap
    assert chart.ticks[-1][1] == "undated"
    assert chart.band is not None and chart.band[0] < chart.bars[1].x < chart.band[0] + chart.band[1]
    assert [(r.label, r.count, r.total, r.share) for r in chart.rows] == [
        ("1987-03-01 to 1987-03-31", 6, 26, "23.1%"), ("1987-04-01 to 1987-04-30", 2, 12, "16.7%"),
        ("undated", 3, 4, "75.0%")]


def test_timeline_plots_shares_when_normalised() -> None:
    chart = timeline({**ATTENTION, "normalise": True}, UrlState(MultiDict()))
    assert chart is not None and chart.max_label == "75.0%"
    assert chart.undated is not None and chart.undated.height > chart.bars[0].height > chart.bars[1].height


def test_compare_chart_draws_one_line_per_query() -> None:
    data = {"interval": "month", "normalise": False,
            "periods": [{"value": "1987-03-01", "end": "1987-03-31", "total": 26},
                        {"value": "1987-04-01", "end": "1987-04-30", "total": 12}],
            "series": [{"number": 1, "label": "cocoa", "counts": [6, 2], "shares": [0.23, 0.17]},
                       {"number": 2, "label": "steel", "counts": [0, 5], "shares": [0.0, 0.42]}]}
    chart = compare_chart(data)
    assert chart is not None and [line.label for line in chart.lines] == ["cocoa", "steel"]
    assert chart.lines[0].points == "52.0,10.0 710.0,147.3"  # 6 at the top; 2 a third of 206 px up from 216
    assert chart.lines[1].dots[0][2] == "steel, 1987-03-01 to 1987-03-31: 0"
    assert chart.rows == (("1987-03-01 to 1987-03-31", ("6", "0")), ("1987-04-01 to 1987-04-30", ("2", "5")))


class SearchOnly:
    """A snapshot offering only the base protocol (as an engine without research views would)."""

    def __init__(self, snap: Snapshot) -> None:
        self._snap = snap

    def search(self, *args: object, **kw: object) -> object:
        return self._snap.search(*args, **kw)  # type: ignore[arg-type]


def test_an_engine_without_research_gets_501_and_a_counts_only_timeline(small: Snapshot) -> None:
    from werkzeug.exceptions import NotImplemented as NotOffered

    from newsearch.web.research import attention_data, page_timeline

    with pytest.raises(NotOffered, match="does not offer attention"):
        attention_data(SearchOnly(small), MultiDict([("q", "cocoa")]))  # type: ignore[arg-type]
    date_facet = {"interval": "month", "undated": 2, "values": [
        {"value": "1987-03-01", "end": "1987-03-31", "count": 6},
        {"value": "1987-04-01", "end": "1987-04-30", "count": 2}]}
    args = MultiDict([("q", "cocoa"), ("from", "1987-04-02")])
    data, chart = page_timeline(SearchOnly(small), args, UrlState(args), date_facet)  # type: ignore[arg-type]
    assert [(v["count"], v["selected"]) for v in data["values"]] == [(6, False), (2, True)]
    assert chart is not None and chart.undated is not None and chart.undated.count == 2


def test_term_table_is_the_same_through_the_public_reader(small: Snapshot) -> None:
    from newsearch.postings import MatcherReader

    fast = research.term_table(small)
    assert small.evaluator.postings.source.name == "block"
    slow = research._build_table(small.key, small.searcher.reader(), small.columns, MatcherReader())
    assert slow.terms == fast.terms
    assert np.array_equal(slow.corpus, fast.corpus) and np.array_equal(slow.offsets, fast.offsets)
    assert np.array_equal(slow.ids, fast.ids)
