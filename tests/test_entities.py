from __future__ import annotations

import pytest

from newsearch.entities import Mention, default_extractor, normal_name, normalise_mentions, tokenize
from newsearch.nereval import read_gold, score

from .conftest import corpus


@pytest.mark.parametrize("kind,surface,expected", [
    ("PER", "Majed al Ansari", ("PER", "Majed al-Ansari")),
    ("PER", "Majed Al-Ansari", ("PER", "Majed al-Ansari")),
    ("PER", "Majed al-Ansari", ("PER", "Majed al-Ansari")),
    ("LOC", "US", ("LOC", "United States")),
    ("ORG", "U.S.", ("LOC", "United States")),
    ("LOC", "the United States", ("LOC", "United States")),
    ("ORG", "U.N. Security Council", ("ORG", "UN Security Council")),
    ("PER", "Qatar", ("LOC", "Qatar")),
    ("PER", "Netanyahu's", ("PER", "Netanyahu")),
    ("ORG", "Monday", None),
    ("PER", "--", None),
    ("ORG", "x", None),
])
def test_normal_names(kind: str, surface: str, expected: tuple[str, str] | None) -> None:
    assert normal_name(kind, surface) == expected


def test_surname_groups_with_the_full_name_in_the_same_article() -> None:
    mentions = [Mention("PER", 0, 18, "Benjamin Netanyahu", ""), Mention("PER", 30, 39, "Netanyahu", ""),
                Mention("PER", 50, 56, "Ansari", ""), Mention("PER", 60, 75, "Majed al Ansari", "")]
    assert [m.name for m in normalise_mentions(mentions)] == [
        "Benjamin Netanyahu", "Benjamin Netanyahu", "Majed al-Ansari", "Majed al-Ansari"]


def test_tokenizer_offsets_and_conventions() -> None:
    text = "Netanyahu's U.S. al-Ansari don't"
    assert [(t.text, t.start) for t in tokenize(text)] == [
        ("Netanyahu", 0), ("'s", 9), ("U.S.", 12), ("al-Ansari", 17), ("do", 27), ("n't", 29)]


def test_extractor_finds_people_places_and_organisations() -> None:
    text = "Foreign Ministry spokesman Majed al-Ansari told reporters in Doha that Hamas and Israel talked."
    found = {(m.kind, m.name) for m in default_extractor().extract(text)}
    assert {("PER", "Majed al-Ansari"), ("LOC", "Doha"), ("ORG", "Hamas"), ("LOC", "Israel")} <= found


def test_shipped_model_scores_above_target_on_conll_dev_corpus() -> None:
    docs = list(read_gold(corpus("conll2003_train_dev.jsonl.gz"), "dev"))
    result = score(docs, default_extractor().mentions)
    assert (len(docs), result.gold) == (216, 5020)  # PER+ORG+LOC spans of the dev split
    assert result.f1 >= 0.80
