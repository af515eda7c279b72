"""Our array evaluation against Whoosh's own matchers: the same postings, the same matches."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from newsearch.executor import read_postings
from newsearch.indexer import rebuild, update
from newsearch.search import SearchEngine, SearchRequest, Snapshot, parse_query

from .conftest import SEEDS


def whoosh_postings(snap: Snapshot, field: str, text: str) -> tuple[list[int], list[float]]:
    ids, weights = [], []
    for sub, offset in snap.searcher.reader().leaf_readers():
        if (field, text) not in sub:
            continue
        m = sub._terms.matcher(field, sub._text_to_bytes(field, text), sub.schema[field].format)
        while m.is_active():
            ids.append(m.id() + offset)
            weights.append(m.weight())
            m.next()
    return ids, weights


def test_every_posting_list_equals_whooshs(mixed: Snapshot) -> None:
    reader = mixed.searcher.reader()
    checked = 0
    for field in ("title", "body", "person", "f_place"):
        for term in list(reader.lexicon(field))[::7]:
            text = term.decode("utf-8")
            ids, weights = read_postings(reader, field, text)
            expected_ids, expected_weights = whoosh_postings(mixed, field, text)
            assert ids.tolist() == expected_ids
            assert np.allclose(weights, expected_weights)
            checked += 1
    assert checked > 500


@pytest.mark.parametrize("q", [
    "cocoa", "said AND percent", "oil OR gas", "oil -gas", "oil NOT (gas OR crude)", "export*",
    '"the company"', "title:cocoa", "hamas israel", "person:netanyahu OR place:doha", "zzzz",
])
def test_matches_equal_whooshs(mixed: Snapshot, q: str) -> None:
    query, _ = parse_query(q, mixed.schema, strict=True)
    ours = set(np.flatnonzero(mixed.evaluator.run(query)[0]).tolist())
    theirs = set(mixed.searcher.docs_for_query(query))
    assert ours == theirs


def test_after_updates_with_deletions_across_segments(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for i in range(30):
        (src / f"a{i}.txt").write_text(f"Headline {i}\nPorts story {i} with copper.\n", encoding="utf-8")
    root = tmp_path / "ix"
    rebuild([src, SEEDS], root, workers=1)
    for i in range(0, 30, 3):
        (src / f"a{i}.txt").unlink()
    (src / "new.txt").write_text("Headline new\nNew ports story with zinc.\n", encoding="utf-8")
    update([src, SEEDS], root, workers=1)
    engine = SearchEngine(root)
    snap = engine.snapshot()
    assert len(snap.searcher.reader().leaf_readers()) >= 1
    for q in ("ports", "copper", "zinc OR hamas", "ports -zinc"):
        query, _ = parse_query(q, snap.schema, strict=True)
        ours = set(np.flatnonzero(snap.evaluator.run(query)[0]).tolist())
        assert ours == set(snap.searcher.docs_for_query(query)), q
    assert snap.search(SearchRequest(q="ports")).total == 21
    engine.close()


def test_warm_up_decodes_the_frequent_terms_ahead_of_need(tmp_path: Path) -> None:
    from newsearch.executor import PostingCache

    from .test_serving import corpus_folder

    root = tmp_path / "ix"
    rebuild([corpus_folder(tmp_path / "in", 2500, "cobalt")], root, workers=2)
    engine = SearchEngine(root, warm=False)
    reader = engine.snapshot().searcher.reader()
    cache = PostingCache()
    cache.warm(reader)
    warmed = set(cache._lists)
    assert {("body", "market"), ("body", "traders"), ("title", "cobalt"), ("title", "report")} <= warmed
    assert all(len(ids) >= 2000 for ids, _ in cache._lists.values())
    engine.close()
    served = SearchEngine(root)
    served.snapshot()
    assert served.wait_warm(30) and served.warm
    served.close()
