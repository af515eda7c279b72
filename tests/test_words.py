"""Word forms: inflections, possessives, typographic punctuation, and entity field queries."""

from __future__ import annotations

import re

import pytest

from newsearch.results import SearchRequest
from newsearch.search import Snapshot

from .conftest import SEED_000


def total(snap: Snapshot, q: str) -> int:
    return snap.search(SearchRequest(q=q)).total


def regex_count(snap: Snapshot, pattern: str) -> int:
    found = re.compile(pattern, re.IGNORECASE)
    reader = snap.searcher.reader()
    metas = [reader.stored_fields(d)["meta"] for d in reader.all_doc_ids()]
    return sum(1 for meta in metas if found.search(meta["title"] + "\n" + meta["body"]))


@pytest.mark.parametrize("a,b", [("price", "prices"), ("rate", "rates"), ("export", "exports")])
def test_unquoted_words_match_their_inflections(mixed: Snapshot, a: str, b: str) -> None:
    assert total(mixed, a) == total(mixed, b) == total(mixed, f"{a} OR {b}") > 0
    assert total(mixed, f'"{a}"') < total(mixed, a)  # quoted: exactly as written


def test_highlights_mark_the_forms_that_matched(mixed: Snapshot) -> None:
    hits = mixed.search(SearchRequest(q="price", per_page=50)).hits
    marked = {m.lower() for h in hits for s in h.snippets for m in re.findall(r"<mark>(.*?)</mark>", s)}
    assert {"price", "prices"} <= marked
    assert all(m.startswith("pric") for m in marked)


def test_a_possessive_is_the_name(mixed: Snapshot) -> None:
    with_possessive = regex_count(mixed, r"\bopec['’]s\b")
    any_opec = regex_count(mixed, r"\bopec\b")
    assert with_possessive > 0
    assert total(mixed, "OPEC") == total(mixed, "OPEC's") == any_opec
    assert total(mixed, "oil -OPEC") == total(mixed, "oil") - total(mixed, "oil OPEC")
    assert all("opec" not in (h.title + " ".join(h.snippets)).lower()
               for h in mixed.search(SearchRequest(q="oil -OPEC", per_page=100)).hits)


def test_typographic_quotes_apostrophes_and_dashes_are_ascii(mixed: Snapshot) -> None:
    assert total(mixed, "“oil prices”") == total(mixed, '"oil prices"') < total(mixed, "oil prices")
    assert total(mixed, "OPEC’s") == total(mixed, "OPEC's")
    assert total(mixed, "oil –OPEC") == total(mixed, "oil -OPEC")


def test_entity_field_queries_match_the_facet_values(mixed: Snapshot) -> None:
    long_form = "Organization of the Petroleum Exporting Countries"  # what the facet shows for OPEC
    facet = mixed.facet_values("organizations", SearchRequest(), prefix="petroleum", size=50)
    counted = next(v.count for v in facet.values if v.value == long_form)
    filtered = mixed.search(SearchRequest.of(organizations=(long_form,))).total
    assert total(mixed, "org:opec") == total(mixed, "org:OPEC") == filtered == counted > 1
    assert total(mixed, "org:petroleum") >= counted


def test_one_word_of_a_name_matches_it(snap: Snapshot) -> None:
    people = [v.value for v in snap.facet_values("people", SearchRequest(), size=100).values]
    full = next(p for p in people if " " in p)
    last = full.split()[-1].lower()
    assert snap.search(SearchRequest(q=f"person:{last}")).total >= 1
    assert snap.search(SearchRequest(q=f'person:"{full}"')).total >= 1
    assert SEED_000 in {h.id for h in snap.search(SearchRequest(q="person:netanyahu")).hits}


def test_a_prefix_with_too_many_words_says_what_it_searched(mixed: Snapshot, monkeypatch: pytest.MonkeyPatch) -> None:
    import newsearch.search
    import newsearch.vocabulary

    monkeypatch.setattr(newsearch.vocabulary, "MAX_PREFIX_TERMS", 3)
    monkeypatch.setattr(newsearch.search, "MAX_PREFIX_TERMS", 3)
    results = mixed.search(SearchRequest(q="ex*"))
    assert results.warnings == ("ex* matches more than 3 words; searched the 3 most frequent",)
    assert results.total > 0


def test_short_words_find_their_forms_too(mixed: Snapshot) -> None:
    forms = set(mixed.vocabulary.variants("body", "use"))
    assert {"use", "used"} <= forms and all(f.startswith("us") for f in forms)
