from __future__ import annotations

from datetime import date

import pytest

from newsearch.highlight import Terms, find_spans, snippets
from newsearch.querylang import QueryError, check
from newsearch.results import SearchError, SearchRequest
from newsearch.search import Snapshot

from .conftest import SEED_000, SEED_003


def ids(snap: Snapshot, **kw) -> list[str]:
    return [h.id for h in snap.search(SearchRequest.of(**kw)).hits]


@pytest.mark.parametrize("q,expected", [
    ("hamas israel", {SEED_000, SEED_003}),
    ('"security council adopted"', {SEED_000}),
    ("haaretz OR trt", {SEED_003}),
    ("hamas -haaretz", {SEED_000}),
    ("hamas NOT haaretz", {SEED_000}),
    ("(haaretz OR mediator) qatar", {SEED_000, SEED_003}),
    ("negotiat*", {SEED_000, SEED_003}),
    ("title:truce", {SEED_000}),
    ("source:anadolu", {SEED_003}),
    ("person:netanyahu", {SEED_000}),
    ("org:hamas place:doha", {SEED_000, SEED_003}),
    ("hamas zebra", set()),
])
def test_query_language(snap: Snapshot, q: str, expected: set[str]) -> None:
    assert set(ids(snap, q=q)) == expected


@pytest.mark.parametrize("q,problem", [
    ('"gaza truce', 'unbalanced quote: a phrase opened with " is never closed (at character 1)'),
    ("(gaza OR qatar", "unbalanced parenthesis: '(' is never closed (at character 1)"),
    ("gaza )", "unbalanced parenthesis: ')' without a matching '(' (at character 6)"),
    ("author:smith", "unknown field 'author': use one of body, dated_from, language, org, person, place, source, "
                     "title (at character 1)"),
    ("gaza AND", "AND needs a term on both sides (at character 6)"),
    ("*aza",
     "unsupported wildcard in '*aza': only a trailing * after two or more letters (negotiat*) (at character 1)"),
    ("()", "empty parentheses (at character 1)"),
    ("x" * 501, "query is 501 characters; the limit is 500 (at character 501)"),
])
def test_bad_queries_are_refused_strictly_and_repaired_leniently(snap: Snapshot, q: str, problem: str) -> None:
    with pytest.raises(QueryError) as exc:
        snap.search(SearchRequest(q=q), strict=True)
    assert [str(p) for p in exc.value.problems] == [problem]
    lenient = snap.search(SearchRequest(q=q), strict=False)
    assert lenient.warnings == (problem,)


def test_lenient_search_uses_what_could_be_read(snap: Snapshot) -> None:
    results = snap.search(SearchRequest(q='"security council'), strict=False)
    assert results.total == 2


def test_disjunctive_facet_counts(snap: Snapshot) -> None:
    results = snap.search(SearchRequest.of(q="hamas", source=("TRT World",)))
    assert results.total == 1
    sources = {v.value: (v.count, v.selected) for v in results.facets["source"].values}
    assert sources == {"TRT World": (1, True), "Anadolu Agency": (1, False)}  # own selection not applied
    people = {v.value: v.count for v in results.facets["people"].values}
    assert people == {"Majed al-Ansari": 1, "Netanyahu": 1}  # other facets apply the source filter


def test_filters_or_within_a_facet_and_across_facets(snap: Snapshot) -> None:
    both = snap.search(SearchRequest.of(source=("TRT World", "Anadolu Agency")))
    assert both.total == 2
    narrowed = snap.search(SearchRequest.of(source=("TRT World", "Anadolu Agency"), people=("Netanyahu",)))
    assert [h.id for h in narrowed.hits] == [SEED_000]


@pytest.mark.parametrize("start,end,total", [
    (date(2024, 3, 26), date(2024, 3, 26), 2), (date(2024, 3, 27), None, 0), (None, date(2024, 3, 25), 0),
])
def test_date_range_is_inclusive(snap: Snapshot, start, end, total: int) -> None:
    assert snap.search(SearchRequest(date_from=start, date_to=end)).total == total


def test_date_histogram(snap: Snapshot) -> None:
    facet = snap.search(SearchRequest(q="gaza")).date
    assert (facet.interval, facet.undated) == ("day", 0)
    assert [(b.value, b.end, b.count) for b in facet.values] == [("2024-03-26", "2024-03-26", 2)]


def test_highlighted_title_and_snippets_are_escaped(snap: Snapshot) -> None:
    [hit] = snap.search(SearchRequest(q='"gaza truce"')).hits
    assert hit.title_html == "Israel-Hamas negotiations &#x27;ongoing&#x27; for <mark>Gaza truce</mark>: Qatar"
    assert 1 <= len(hit.snippets) <= 3
    assert any("<mark>Gaza truce</mark>" in s for s in hit.snippets)
    assert all("Photo: AA" not in s and "SOURCE" not in s for s in hit.snippets)


def test_relevance_weights_title(snap: Snapshot) -> None:
    assert ids(snap, q="truce")[0] == SEED_000


def test_paging_and_bounds(snap: Snapshot) -> None:
    first = snap.search(SearchRequest(q="hamas", per_page=1, page=1, sort="oldest"))
    second = snap.search(SearchRequest(q="hamas", per_page=1, page=2, sort="oldest"))
    assert (first.total, first.pages, len(first.hits), len(second.hits)) == (2, 2, 1, 1)
    assert first.hits[0].id != second.hits[0].id
    assert snap.search(SearchRequest(q="hamas", page=3, per_page=1)).hits == ()


@pytest.mark.parametrize("request_,problem", [
    (SearchRequest(page=0), "page must be 1 or more, not 0"),
    (SearchRequest(per_page=101), "per_page must be between 1 and 100, not 101"),
    (SearchRequest(page=1001, per_page=10), "page 1001 is too deep: results are available up to number 10,000 "
                                            "(narrow the query or use the export)"),
    (SearchRequest(sort="best"), "sort must be one of relevance, newest, oldest, not 'best'"),
    (SearchRequest(date_from=date(2024, 2, 1), date_to=date(2024, 1, 1)), "from (2024-02-01) is after to (2024-01-01)"),
    (SearchRequest.of(source=tuple(str(i) for i in range(51))), "51 source filters; the limit is 50"),
])
def test_request_bounds(snap: Snapshot, request_: SearchRequest, problem: str) -> None:
    with pytest.raises(SearchError) as exc:
        snap.search(request_)
    assert exc.value.problems == [problem]


def test_did_you_mean(snap: Snapshot) -> None:
    results = snap.search(SearchRequest(q="qatr talks"))
    assert (results.total, results.suggestion) == (0, "qatar talks")
    assert snap.search(SearchRequest(q="qatar")).suggestion is None


def test_related_coverage_finds_the_other_seed(snap: Snapshot) -> None:
    assert [h.id for h in snap.article(SEED_000).related][:1] == [SEED_003]
    assert [h.id for h in snap.article(SEED_003).related][:1] == [SEED_000]


def test_facet_value_search_by_prefix(snap: Snapshot) -> None:
    facet = snap.facet_values("people", SearchRequest(), prefix="ansa")
    assert [(v.value, v.count) for v in facet.values] == [("Majed al-Ansari", 2)]
    assert [v.value for v in snap.facet_values("places", SearchRequest(q="haaretz"), prefix="e").values] == []


def test_stats(snap: Snapshot) -> None:
    stats = snap.stats()
    assert (stats.articles, stats.first_day, stats.last_day, stats.undated) == (2, "2024-03-26", "2024-03-26", 0)
    assert {(v.value, v.count) for v in stats.sources} == {("TRT World", 1), ("Anadolu Agency", 1)}


def test_hundreds_of_real_articles(mixed: Snapshot) -> None:
    everything = mixed.search(SearchRequest(per_page=5))
    assert everything.total == 303
    assert everything.date.interval == "year"  # 1987 articles plus the 2024 seeds
    assert everything.date.undated == 0
    cocoa = mixed.search(SearchRequest(q="cocoa", sort="newest"))
    assert cocoa.total > 0
    stamps = [h.published for h in cocoa.hits]
    assert stamps == sorted(stamps, reverse=True)
    assert all("<mark>" in h.title_html or any("<mark>" in s for s in h.snippets) for h in cocoa.hits)


def test_spans_and_snippets() -> None:
    text = "Talks in Doha. Nothing else.\n\nThe talks were ongoing, said <Ansari>."
    terms = Terms(frozenset({"talks"}), ("ongo",), (("said", "ansari"),))
    spans = find_spans(text, terms)
    assert [text[s.start:s.end] for s in spans] == ["Talks", "talks", "ongoing", "said <Ansari"]
    assert snippets(text, terms) == [
        "<mark>Talks</mark> in Doha. Nothing else. …",
        "… The <mark>talks</mark> were <mark>ongoing</mark>, <mark>said &lt;Ansari</mark>&gt;.",
    ]


def test_checked_query_keeps_good_queries_and_spells_signs_out() -> None:
    q = 'title:"gaza truce" -hamas (qatar OR egypt) negotiat* al-Ansari'
    assert check(q).text == 'title:"gaza truce" NOT hamas (qatar OR egypt) negotiat* "al Ansari"'
    assert check(q).problems == ()


@pytest.mark.parametrize("q,expected", [
    ("-haaretz", {SEED_000}),  # all-negative: everything else
    ("al-Ansari", {SEED_000, SEED_003}),  # a hyphen inside a word is not a minus
    ("qatar OR -haaretz", {SEED_000, SEED_003}),
    ("+(+haaretz)", {SEED_003}),
])
def test_signs_and_hyphens(snap: Snapshot, q: str, expected: set[str]) -> None:
    assert set(ids(snap, q=q)) == expected
