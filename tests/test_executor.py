"""Our array evaluation against independent oracles: Whoosh's public matcher for postings and
positions, and a plain Python evaluation of the query tree over each document's words."""

from __future__ import annotations

import pickle
import random
from pathlib import Path

import numpy as np
import pytest
import whoosh

from newsearch import postings as postings_module
from newsearch import querylang as ql
from newsearch.analysis import COMMON, common_grams, gram, stem, words
from newsearch.indexer import rebuild, update
from newsearch.postings import (
    BlockReader,
    MatcherReader,
    choose_reader,
    live_only,
    read_block_positions,
    read_positions,
)
from newsearch.results import SearchRequest
from newsearch.search import SearchEngine, Snapshot

from .conftest import SEEDS

VOCABULARY = ("oil", "oils", "price", "prices", "priced", "pricing", "rate", "rates", "bank", "banks", "opec",
              "export", "exports", "exported", "cocoa", "gas", "crude", "market", "markets", "said", "the", "of")


def synthetic_corpus(folder: Path, count: int, seed: int = 7, name: str = "s") -> Path:
    """Articles of random words from a small vocabulary: every word in many documents, in every order."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        body = " ".join(rng.choice(VOCABULARY) for _ in range(rng.randint(5, 60)))
        title = " ".join(rng.choice(VOCABULARY) for _ in range(rng.randint(1, 6))).capitalize()
        (folder / f"{name}{i:04d}.txt").write_text(f"{title}\n\nDate: 2024-0{1 + i % 9}-1{i % 10}\n\n{body}.\n",
                                               encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("synthetic")
    root = base / "ix"
    rebuild([synthetic_corpus(base / "in", 700)], root, workers=1)
    synthetic_corpus(base / "more", 300, seed=8, name="m")
    (base / "in" / "s0001.txt").unlink()
    update([base / "in", base / "more"], root, workers=1)  # a second segment, and a deletion
    return root


@pytest.fixture()
def syn(synthetic: Path) -> Snapshot:
    engine = SearchEngine(synthetic, warm=False)
    yield engine.snapshot()
    engine.close()


def test_block_reader_equals_the_public_matcher_on_every_term(syn: Snapshot) -> None:
    reader = syn.searcher.reader()
    checked = 0
    for field in ("title", "body", "grams"):
        for term in reader.lexicon(field):
            text = term.decode("utf-8")
            fast = live_only(reader, BlockReader().read(reader, field, text))
            slow = MatcherReader().read(reader, field, text)
            assert fast[0].tolist() == slow[0].tolist() and np.allclose(fast[1], slow[1]), text
            checked += 1
    assert checked >= 40 and reader.has_deletions()
    assert isinstance(choose_reader(reader), BlockReader)


def test_ids_and_weights_are_read_without_unpickling_positions(syn: Snapshot, monkeypatch: pytest.MonkeyPatch) -> None:
    """Most blocks are cut after their weights (others, like short last blocks, are read whole)."""
    cut, whole = [], []

    def counting(raw: bytes) -> object:
        (cut if raw.endswith(b"\x86.") else whole).append(len(raw))
        return pickle.loads(raw)

    monkeypatch.setattr(postings_module, "loads", counting)
    reader = syn.searcher.reader()
    for text in ("the", "of", "oil", "said"):
        fast = live_only(reader, BlockReader().read(reader, "body", text))
        slow = MatcherReader().read(reader, "body", text)
        assert fast[0].tolist() == slow[0].tolist() and np.allclose(fast[1], slow[1])
    assert len(cut) > 3 * len(whole)


def test_another_whoosh_version_or_a_failed_self_check_falls_back_to_the_matcher(
        syn: Snapshot, monkeypatch: pytest.MonkeyPatch) -> None:
    reader = syn.searcher.reader()
    monkeypatch.setattr(whoosh, "versionstring", lambda: "9.9.9")
    assert isinstance(choose_reader(reader), MatcherReader)
    monkeypatch.undo()
    monkeypatch.setattr(BlockReader, "read", lambda self, r, f, t: (np.zeros(1, np.int32), np.ones(1, np.float32)))
    assert isinstance(choose_reader(reader), MatcherReader)
    assert postings_module.BLOCK_READER_VERSION == "3.54.0"


def test_positions_equal_the_matchers(syn: Snapshot) -> None:
    reader = syn.searcher.reader()
    docs, places = read_positions(reader, "body", "prices")
    expected = []
    for sub, offset in reader.leaf_readers():
        m = sub.postings("body", "prices")
        while m.is_active():
            expected.extend((m.id() + offset, p) for p in m.value_as("positions"))
            m.next()
    assert list(zip(docs.tolist(), places.tolist(), strict=True)) == expected
    assert len(expected) > 100


def test_block_positions_equal_the_matchers_on_every_term(syn: Snapshot) -> None:
    """Positions a block at a time, unpickled in one call per block, equal the public matcher's for
    every term (short inlined lists, several blocks, deleted documents, two segments)."""
    reader = syn.searcher.reader()
    checked = 0
    for field in ("title", "body"):
        for term in reader.lexicon(field):
            text = term.decode("utf-8")
            docs, places = read_block_positions(reader, field, text)
            live = np.array([not reader.is_deleted(int(d)) for d in docs], dtype=bool)
            expected = read_positions(reader, field, text)
            assert docs[live].tolist() == expected[0].tolist(), text
            assert places[live].tolist() == expected[1].tolist(), text
            checked += 1
    assert checked >= 40


def test_a_block_position_reader_that_disagrees_falls_back_to_the_matcher(
        syn: Snapshot, monkeypatch: pytest.MonkeyPatch) -> None:
    reader = syn.searcher.reader()
    assert isinstance(choose_reader(reader), BlockReader)

    def shifted(self, r, f, t):  # type: ignore[no-untyped-def]
        docs, places = read_block_positions(r, f, t)
        return docs, places + 1

    monkeypatch.setattr(BlockReader, "positions", shifted)
    assert isinstance(choose_reader(reader), MatcherReader)


def oracle(tree: ql.Node, title: list[str], body: list[str]) -> bool:
    """Does a document with these words match the tree? (plain Python, for checking the arrays)"""
    if isinstance(tree, ql.All):
        return True
    if isinstance(tree, ql.Not):
        return not oracle(tree.child, title, body)
    if isinstance(tree, ql.And):
        return all(oracle(c, title, body) for c in tree.children)
    if isinstance(tree, ql.Or):
        return any(oracle(c, title, body) for c in tree.children)
    texts = {"title": [title], "body": [body], None: [title, body]}[tree.field]
    return any(_leaf(tree, ws) for ws in texts)


def _leaf(leaf: ql.Word | ql.Phrase | ql.Prefix, ws: list[str]) -> bool:
    if isinstance(leaf, ql.Prefix):
        return any(w.startswith(leaf.text) for w in ws)
    if isinstance(leaf, ql.Phrase):
        n = len(leaf.words)
        return any(tuple(ws[i:i + n]) == leaf.words for i in range(len(ws) - n + 1))
    return leaf.text in ws if leaf.exact else stem(leaf.text) in {stem(w) for w in ws}


@pytest.mark.parametrize("q", [
    "price", "prices", '"prices"', "export", "oil prices", '"oil prices"', '"the price of oil"', "oil OR gas",
    "oil -gas", "oil NOT (gas OR crude)", "pric*", "title:cocoa", "title:\"crude oil\"", "opec OR banks rates",
    "NOT oil", "zzzz", '"said the" OR "of the"', 'title:(bank rate)', '"oil oil"', '"the oil the"',
    '"prices the bank"', '"of the of"',
])
def test_matches_equal_a_plain_evaluation_of_the_query(syn: Snapshot, q: str) -> None:
    parsed = ql.parse(q, strict=True)
    ours = set(np.flatnonzero(syn.evaluator.run(parsed.tree)[0]).tolist())
    reader = syn.searcher.reader()
    theirs = set()
    for docnum in reader.all_doc_ids():
        meta = reader.stored_fields(docnum)["meta"]
        if oracle(parsed.tree, words(meta["title"]), words(meta["body"])):
            theirs.add(docnum)
    assert ours == theirs
    assert ours or q in ("zzzz", '"the price of oil"')


def test_grams_are_the_pairs_of_common_words() -> None:
    assert {"the", "of", "said", "to", "in"} <= COMMON and "cocoa" not in COMMON
    assert common_grams(words("Cocoa of the growers said the harvest went to the zinc")) == [
        "of the", "said the", "to the"]
    assert gram("of", "the") == "of the" and gram("cocoa", "the") is None


def test_a_phrase_of_two_common_words_is_its_gram_s_postings(syn: Snapshot) -> None:
    """Its matches equal the position check's, and no positions are read for it."""
    reader = syn.searcher.reader()
    pairs = [("said", "the"), ("of", "the"), ("the", "of"), ("the", "the")]
    for a, b in pairs:
        assert gram(a, b) is not None
        by_gram = set(syn.evaluator.postings.get(reader, "grams", gram(a, b))[0].tolist())
        everything = np.ones(reader.doc_count_all(), bool)
        by_positions = set(np.flatnonzero(syn.evaluator._in_order("body", (a, b), everything)))
        assert by_gram == by_positions and by_gram
    held = set(syn.evaluator.positions._cache.items)
    found = syn.evaluator.run(ql.parse('body:"of the" OR body:"said the"', strict=True).tree)[0]
    assert found.sum() > 10
    assert set(syn.evaluator.positions._cache.items) == held  # nothing new decoded


def test_an_index_built_before_grams_is_updated_and_searched_by_positions(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from newsearch import indexer
    from newsearch.schema import GRAMS_FIELD, build_schema

    def without_grams():  # type: ignore[no-untyped-def]
        schema = build_schema()
        schema.remove(GRAMS_FIELD)
        return schema

    corpus = synthetic_corpus(tmp_path / "in", 80)
    with monkeypatch.context() as m:
        m.setattr(indexer, "build_schema", without_grams)
        rebuild([corpus], tmp_path / "ix", workers=1)
    synthetic_corpus(tmp_path / "more", 20, seed=9, name="m")
    update([corpus, tmp_path / "more"], tmp_path / "ix", workers=1)
    engine = SearchEngine(tmp_path / "ix", warm=False)
    try:
        snap = engine.snapshot()
        assert GRAMS_FIELD not in snap.searcher.reader().schema and snap.columns.live_count == 100
        parsed = ql.parse('"of the" OR "said the"', strict=True)
        ours = set(np.flatnonzero(snap.evaluator.run(parsed.tree)[0]).tolist())
        reader = snap.searcher.reader()
        metas = {d: reader.stored_fields(d)["meta"] for d in reader.all_doc_ids()}
        theirs = {d for d, meta in metas.items() if oracle(parsed.tree, words(meta["title"]), words(meta["body"]))}
        assert ours == theirs and ours
    finally:
        engine.close()


def test_phrases_are_scored_by_their_words(syn: Snapshot) -> None:
    results = syn.search(SearchRequest(q='"oil prices"', per_page=20))
    scores = [h.score for h in results.hits]
    assert results.total > 20 and all(s and s > 0 for s in scores)
    assert scores == sorted(scores, reverse=True) and len(set(scores)) > 3


def test_warm_up_decodes_the_frequent_terms_ahead_of_need(tmp_path: Path) -> None:
    from newsearch.generation import warm, warm_positions
    from newsearch.postings import PositionCache, PostingCache

    from .test_serving import corpus_folder

    root = tmp_path / "ix"
    rebuild([corpus_folder(tmp_path / "in", 2500, "cobalt")], root, workers=2)
    engine = SearchEngine(root, warm=False)
    reader = engine.snapshot().searcher.reader()
    cache = PostingCache(BlockReader())
    terms = warm(cache, reader)
    warmed = set(cache._cache.items)
    assert {("body", "market"), ("body", "traders"), ("title", "cobalt"), ("title", "report")} <= warmed
    assert all(len(ids) >= 2000 for ids, _ in cache._cache.items.values())
    positions = PositionCache(BlockReader().positions)
    warm_positions(positions, cache, reader, terms, budget=30_000)
    market = positions._cache.items[("body", "market")]
    assert len(market) == int(cache._cache.items[("body", "market")][1].sum()) >= 2000
    assert sum(len(keys) for keys in positions._cache.items.values()) <= 30_000
    engine.close()
    served = SearchEngine(root)
    served.snapshot()
    assert served.wait_warm(30) and served.warm
    stems_of_body = served._generation._current.vocabulary._by_stem["body"]
    assert stems_of_body["trader"] == ("traders",) and stems_of_body["market"] == ("market",)
    served.close()


def test_seeds_still_search(tmp_path: Path) -> None:
    root = tmp_path / "ix"
    rebuild([SEEDS], root, workers=1)
    engine = SearchEngine(root, warm=False)
    assert engine.snapshot().search(SearchRequest(q="hamas")).total == 2
    engine.close()


def test_facet_counts_of_small_and_large_selections_equal_a_plain_count(syn: Snapshot) -> None:
    """Small selections find their (document, value) pairs by binary search; large ones count frequent
    values on bitmaps and test every pair of the others."""
    rng = np.random.default_rng(3)
    n = syn.columns.size
    for name, column in syn.columns.facets.items():
        for share in (0.002, 0.02, 0.3, 1.0):
            selected = rng.random(n) < share
            plain = np.zeros(len(column.values), np.int64)
            for doc, value in zip(column.docs.tolist(), column.value_ids.tolist(), strict=True):
                plain[value] += bool(selected[doc])
            assert column.counts(selected).tolist() == plain.tolist(), (name, share)
    bitmaps = [c.bitmaps for c in syn.columns.facets.values() if c.bitmaps is not None]
    assert any(len(b.ids) for b in bitmaps) and any(len(b.docs) for b in bitmaps)  # both ways are counted
