"""Copy groups and stories: real seeds, perturbed real articles, hard negatives, stable ids, persistence."""

from __future__ import annotations

import gzip
import json
import random
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bench.copies import PERTURBATIONS, Item, bbc, build, distinct_originals, follow_up, reuters, score
from newsearch.copies import Assignment, Grouper, GroupsError
from newsearch.documents import Raw, parse_raw, with_entities
from newsearch.entities import default_extractor

from .conftest import SEED_000, SEED_003, SEEDS, corpus


def seed_documents() -> list:
    """The two seeds, parsed and with their entities, as the indexer would pass them."""
    extractor = default_extractor()
    return [with_entities(parse_raw(Raw(str(p), "text", p.read_bytes(), p.stem)), extractor)
            for p in sorted(SEEDS.glob("*.txt"))]


@pytest.fixture(scope="module")
def articles() -> list[Item]:
    corpus("reuters_financial_2006_2013.jsonl.xz")
    return distinct_originals(reuters(400))


def article(doc_id: str, body: str, title: str = "A headline", day: int | None = 1) -> Item:
    published = datetime(2024, 3, day, 12, tzinfo=UTC) if day else None
    return Item(doc_id, title, body, published, "Test", doc_id, "original")


def test_the_seeds_are_one_story_and_not_copies() -> None:
    docs = seed_documents()
    grouper = Grouper()
    first, second = (grouper.add(d) for d in docs)
    assert first == Assignment(SEED_000, SEED_000, SEED_000)
    assert second == Assignment(SEED_003, SEED_000, SEED_003)


def test_the_seeds_stay_one_story_among_other_news(articles: list[Item]) -> None:
    grouper = Grouper()
    for item in articles[:300]:
        grouper.add(item)
    first, second = (grouper.add(d) for d in seed_documents())
    assert (first.story, second.story) == (SEED_000, SEED_000)
    assert first.copy_group != second.copy_group
    assert grouper.story_members(SEED_000) == [SEED_000, SEED_003]


@pytest.mark.parametrize("name", sorted(PERTURBATIONS))
def test_a_perturbed_copy_groups_with_its_original(articles: list[Item], name: str) -> None:
    rng = random.Random(name)
    grouper = Grouper()
    for item in articles[:60]:
        grouper.add(item)
    copies = [replace(PERTURBATIONS[name](item, rng), id=f"{item.id}#copy") for item in articles[:60]]
    found = [grouper.add(c).copy_group for c in copies]
    assert sum(f == item.id for f, item in zip(found, articles, strict=False)) >= 57
    assert all(grouper.assignment(c.id).story == grouper.assignment(c.family).story for c in copies)


def test_a_copy_knows_its_original_and_the_original_keeps_the_group_id(articles: list[Item]) -> None:
    grouper = Grouper()
    original = articles[0]
    later = replace(original, id="repost", title="Another headline", published=original.published + timedelta(hours=5))
    earlier = replace(original, id="wire", published=original.published - timedelta(hours=1))
    assert grouper.add(later) == Assignment("repost", "repost", "repost")
    assert grouper.add(original) == Assignment("repost", "repost", original.id)
    assert grouper.add(earlier) == Assignment("repost", "repost", "wire")
    assert grouper.members("repost") == ["wire", original.id, "repost"]


def test_hard_negatives_are_not_copies(articles: list[Item]) -> None:
    """Articles on the same companies over the same weeks, and follow-ups a day later, stay apart."""
    rng = random.Random(3)
    grouper = Grouper()
    pool = articles[:200]
    groups = {item.id: grouper.add(item).copy_group for item in pool}
    follow_ups = [follow_up(item, other, rng) for item, other in zip(pool[:50], articles[200:250], strict=True)]
    for made in follow_ups:
        groups[made.id] = grouper.add(made).copy_group
    assert len(set(groups.values())) == len(groups)


def test_same_company_articles_on_consecutive_days_are_separate_copy_groups(articles: list[Item]) -> None:
    by_ticker: dict[str, list[Item]] = defaultdict(list)
    for item in articles:
        if "( GM.N )" in item.body or "GM.N" in item.body[:400]:
            by_ticker["GM"].append(item)
    gm = by_ticker["GM"]
    assert len(gm) >= 4
    grouper = Grouper()
    assert len({grouper.add(item).copy_group for item in gm}) == len(gm)


def test_a_round_up_joins_one_brief_and_does_not_merge_two() -> None:
    text = " ".join(f"word{n} of sentence number {n} about the merger talks." for n in range(60))
    words = text.split()
    first, second = " ".join(words[:300]), " ".join(words[300:])
    grouper = Grouper()
    assert grouper.add(article("a", first)).copy_group == "a"
    assert grouper.add(article("b", second)).copy_group == "b"
    assert grouper.add(article("c", first + " and an extra closing line")).copy_group == "a"
    assert grouper.add(article("d", text)).copy_group == "a"
    assert grouper.assignment("b").copy_group == "b"
    assert grouper.members("a") == ["a", "c", "d"]


def test_briefs_arriving_after_their_round_up_do_not_both_join_it() -> None:
    text = " ".join(f"word{n} of sentence number {n} about the merger talks." for n in range(60))
    words = text.split()
    grouper = Grouper()
    assert grouper.add(article("round-up", text)).copy_group == "round-up"
    assert grouper.add(article("brief-1", " ".join(words[:300]))).copy_group == "round-up"
    assert grouper.add(article("brief-2", " ".join(words[300:]))).copy_group == "brief-2"


def test_a_new_article_of_the_same_size_merges_two_groups_under_the_older_id() -> None:
    words = " ".join(f"token{n} is part of a long wire story with words." for n in range(40)).split()
    head, tail = " ".join(words[:280]), " ".join(words[120:])
    grouper = Grouper()
    assert grouper.add(article("old", head)).copy_group == "old"
    assert grouper.add(article("young", tail)).copy_group == "young"
    assert grouper.add(article("bridge", " ".join(words))).copy_group == "old"
    assert grouper.assignment("young").copy_group == "old"
    assert grouper.groups.resolve("young") == "old"
    assert grouper.members("old") == ["bridge", "old", "young"]
    assert list(grouper.changes()) == ["young"]
    assert grouper.changes() == {}


def test_undated_articles_join_a_story_only_by_strong_similarity(articles: list[Item]) -> None:
    grouper = Grouper()
    dated = [grouper.add(item) for item in articles[:50]]
    undated_copy = replace(articles[0], id="undated-copy", published=None)
    undated_other = replace(articles[1], id="undated-other", published=None, body=articles[51].body)
    assert grouper.add(undated_copy).story == dated[0].story
    assert grouper.add(undated_other).story == "undated-other"


def test_save_and_load_round_trip(tmp_path: Path, articles: list[Item]) -> None:
    grouper = Grouper()
    for item in articles[:80]:
        grouper.add(item)
    grouper.remove(articles[3].id)
    grouper.save(tmp_path / "groups")
    loaded = Grouper.load(tmp_path / "groups")
    assert loaded.assignments() == grouper.assignments()
    assert loaded.counts() == grouper.counts() == (79, *grouper.counts()[1:])
    copy = replace(articles[10], id="after-load", title="Reposted", published=None)
    assert loaded.add(copy) == Assignment(articles[10].id, articles[10].id, articles[10].id)
    assert grouper.add(copy) == loaded.assignment("after-load")


def test_loading_a_missing_or_foreign_state_says_so(tmp_path: Path) -> None:
    with pytest.raises(GroupsError, match="cannot read the copy and story groups"):
        Grouper.load(tmp_path)
    Grouper().save(tmp_path)
    (tmp_path / "groups.json").write_text(json.dumps({"format": 99}))
    with pytest.raises(GroupsError, match="format 99, expected 2"):
        Grouper.load(tmp_path)


def test_remove_takes_an_article_out_and_its_group_keeps_its_id(articles: list[Item]) -> None:
    grouper = Grouper()
    original, copy = articles[0], replace(articles[0], id="copy", title="Other title")
    grouper.add(original)
    assert grouper.add(copy).copy_group == original.id
    assert grouper.remove(original.id) is True
    assert grouper.remove(original.id) is False
    assert original.id not in grouper
    assert grouper.assignment("copy") == Assignment(original.id, original.id, "copy")
    assert grouper.add(original).copy_group == original.id
    assert grouper.members(original.id) == [original.id, "copy"]


def test_readding_an_id_replaces_the_article() -> None:
    grouper = Grouper()
    grouper.add(article("x", "the quick brown fox jumps over the lazy dog " * 10))
    grouper.add(article("x", "a completely different text about monetary policy and rates " * 10))
    assert grouper.counts() == (1, 1, 1)


def test_bbc_exact_duplicates_all_group() -> None:
    with gzip.open(corpus("bbc.jsonl.gz"), "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    grouper = Grouper()
    found = {r["id"]: grouper.add(Item(r["id"], r["title"], r["body"], None, "BBC", r["id"], "original")).copy_group
             for r in rows}
    by_text: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in rows:
        by_text[(r["title"], r["body"])].add(found[r["id"]])
    assert len(rows) - len(by_text) == 98
    assert all(len(groups) == 1 for groups in by_text.values())


def test_labelled_set_meets_the_targets() -> None:
    corpus("reuters_financial_2006_2013.jsonl.xz")
    corpus("bbc.jsonl.gz")
    items = build(reuters_lines=700, bbc_count=250, reserve_lines=500)
    result = score(items)
    assert result.precision >= 0.98
    assert result.recall >= 0.95


def test_bbc_reader_sees_every_article() -> None:
    corpus("bbc.jsonl.gz")
    assert len(bbc()) == 2225


def test_a_story_found_by_similarity_spans_at_most_a_week() -> None:
    vocabulary = ["barclays", "abn", "amro", "bid", "lasalle", "bank", "america", "takeover", "shareholders",
                  "consortium", "offer"]
    rng = random.Random(5)
    grouper = Grouper()
    stories = {}
    for day in (1, 3, 5, 7, 9):
        words = [rng.choice(vocabulary) for _ in range(120)]  # same words, never the same 4-grams
        stories[day] = grouper.add(article(f"day{day}", " ".join(words), "ABN AMRO bid", day))
    assert len({a.copy_group for a in stories.values()}) == 5
    assert [stories[d].story for d in (1, 3, 5, 7, 9)] == ["day1", "day1", "day1", "day1", "day9"]
