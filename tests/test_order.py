"""One total order for every sort: any page of any size is a slice of the export's order."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsearch.indexer import rebuild
from newsearch.results import SearchRequest
from newsearch.search import SearchEngine, Snapshot

from .conftest import SEEDS

QUERIES = ["", "said", "oil", "prices", '"the company"', "oil OR gas", "bank*", "said -oil", "year",
           "place:japan", "org:opec", '"last year" OR "this year"', "NOT said"]


def pages(snap: Snapshot, size: int, **kw: object) -> list[str]:
    out: list[str] = []
    page = 1
    while True:
        hits = snap.search(SearchRequest.of(page=page, per_page=size, **kw)).hits
        out.extend(h.id for h in hits)
        if len(hits) < size:
            return out
        page += 1


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.sampled_from(QUERIES), size=st.sampled_from([1, 3, 7, 10, 25, 100]),
       sort=st.sampled_from(["relevance", "newest", "oldest"]),
       source=st.sampled_from([(), ("Reuters",)]))
def test_pages_are_slices_of_the_export(mixed: Snapshot, q: str, size: int, sort: str, source: tuple[str, ...]
                                        ) -> None:
    kw = {"q": q, "sort": sort, "source": source}
    exported = [h.id for h in mixed.search_all(SearchRequest.of(**kw))]
    paged = pages(mixed, size, **kw)
    assert paged == exported
    collapsed = mixed.search(SearchRequest.of(**kw)).results  # one result per copy group
    assert len(set(paged)) == len(paged) == collapsed


def test_relevance_is_score_then_newest_then_id(mixed: Snapshot) -> None:
    hits = list(mixed.search_all(SearchRequest(q='"the company"')))
    assert len(hits) > 5
    keys = [(-(h.score or 0), -_stamp(h.published), h.id) for h in hits]
    assert keys == sorted(keys)


def test_date_sorts_put_undated_last_and_break_ties_by_id(tmp_path: Path) -> None:
    for i in range(4):  # undated, and two pairs published at the same moment
        date = "" if i < 2 else "Date: 2024-03-26T10:00:00Z\n\n"
        (tmp_path / f"z{i}.txt").write_text(f"Headline {i}\n\n{date}Ports story {i}.\n", encoding="utf-8")
    rebuild([SEEDS, tmp_path], tmp_path / "ix", workers=1)
    engine = SearchEngine(tmp_path / "ix", warm=False)
    for sort, sign in (("newest", -1), ("oldest", 1)):
        hits = list(engine.snapshot().search_all(SearchRequest(sort=sort)))
        dated = [h for h in hits if h.published]
        undated = [h for h in hits if not h.published]
        assert hits == dated + undated and undated
        keys = [(sign * _stamp(h.published), h.id) for h in dated]
        assert keys == sorted(keys)
        assert [h.id for h in undated] == sorted(h.id for h in undated)
    engine.close()


def _stamp(published: str | None) -> float:
    from datetime import datetime

    return datetime.fromisoformat(published.replace("Z", "+00:00")).timestamp() if published else float("-inf")
