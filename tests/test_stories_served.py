"""Copies and stories end to end: grouped at index time, counted, collapsed and listed by the search."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsearch.indexer import rebuild, update
from newsearch.results import SearchRequest
from newsearch.search import SearchEngine

from .conftest import SEED_000, SEED_003, SEEDS

BODY = ("The central bank raised its main interest rate by half a point on Tuesday, the first rise in four "
        "years, citing stubborn inflation in services and a weaker currency. Economists had expected a smaller "
        "move. The governor said further increases could follow if wage growth stayed strong, and markets "
        "reacted by pushing two-year bond yields to their highest level since 2008. Exporters welcomed the "
        "stronger currency outlook while mortgage lenders warned of higher monthly payments for households.")


def write(folder: Path, rows: list[dict[str, str]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "wire.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return folder


@pytest.fixture()
def engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    rows = [{"id": "wire-1", "title": "Central bank raises rates", "source": "Wire", "date": "2024-05-01T08:00:00Z",
             "body": BODY},
            {"id": "repost-1", "title": "Bank lifts rates by half a point", "source": "Daily Post",
             "date": "2024-05-01T10:00:00Z", "body": "Posted by the newsroom.\n\n" + BODY},
            {"id": "other-1", "title": "Harvest report", "source": "Wire", "date": "2024-05-01T09:00:00Z",
             "body": "Farmers brought in a record wheat harvest this year after a wet spring, the ministry said. "
                     "Yields were highest in the north, while southern regions reported drought damage."}]
    root = tmp_path / "ix"
    rebuild([SEEDS, write(tmp_path / "in", rows)], root, workers=1)
    made = SearchEngine(root, warm=False)
    yield made
    made.close()


def test_copies_collapse_count_and_list(engine: SearchEngine) -> None:
    snap = engine.snapshot()
    results = snap.search(SearchRequest(q="interest rate"))
    assert results.totals == {"articles": 2, "copies": 1, "stories": 1}
    assert results.results == 1 and len(results.hits) == 1
    [hit] = results.hits
    assert hit.copies_count == 1 and [c.id for c in hit.copies] == [({"wire-1", "repost-1"} - {hit.id}).pop()]
    assert hit.copy_group == "wire-1"
    every = snap.search(SearchRequest(q="interest rate", collapse="none"))
    assert [h.id for h in every.hits] and every.results == 2
    assert snap.search(SearchRequest(q="wire OR harvest OR rate", count="copies")).total == 2


def test_the_seeds_are_one_story_not_copies(engine: SearchEngine) -> None:
    snap = engine.snapshot()
    article = snap.article(SEED_000)
    assert [c.id for c in article.story] == [SEED_003] and article.copies == ()
    assert SEED_003 in {h.id for h in snap.search(SearchRequest(q="hamas", collapse="copies")).hits}
    assert snap.search(SearchRequest(q="hamas", collapse="stories")).results == 1
    assert snap.search(SearchRequest(q="hamas", count="stories")).total == 1


def test_related_never_shows_a_copy(engine: SearchEngine) -> None:
    related = engine.snapshot().article("wire-1").related
    assert "repost-1" not in {h.id for h in related}


def test_update_keeps_groups_and_their_ids(engine: SearchEngine, tmp_path: Path) -> None:
    extra = [{"id": "syndicated-2", "title": "Rates up at the central bank", "source": "Metro",
              "date": "2024-05-02T07:00:00Z", "body": BODY + "\n\nMore on page 4."}]
    write(tmp_path / "more", extra)
    update([SEEDS, tmp_path / "in", tmp_path / "more"], engine.root, workers=1)
    snap = engine.snapshot()
    hit = snap.search(SearchRequest(q="interest rate")).hits[0]
    assert hit.copy_group == "wire-1" and hit.copies_count == 2


def test_resolution_merges_across_articles_and_explains_itself(tmp_path: Path) -> None:
    rows = [{"id": f"ec-{i}", "title": f"Trade note {i}", "source": "Wire", "date": "1987-03-0{i + 1}T10:00:00Z",
             "body": text} for i, text in enumerate([
                 "The European Community (EC) agreed new farm prices in Brussels on Monday, officials said.",
                 "EC ministers met again in Brussels to discuss the farm price package, diplomats said.",
                 "The European Community will review its sugar regime next month, a spokesman said."])]
    root = tmp_path / "ix"
    rebuild([write(tmp_path / "in", rows)], root, workers=1)
    engine = SearchEngine(root, warm=False)
    snap = engine.snapshot()
    orgs = {v.value: v.count for v in snap.search(SearchRequest()).facets["organizations"].values}
    assert orgs.get("European Community") == 3 and "EC" not in orgs
    explained = snap.explain("organizations", "European Community")
    assert explained.count == 3 and "EC" in explained.aliases
    assert snap.search(SearchRequest(q="org:ec")).total == 3
    engine.close()
