from __future__ import annotations

from pathlib import Path

import pytest

from newsearch.documents import Raw, parse_raw, with_entities
from newsearch.entities import default_extractor
from newsearch.resolve import (
    AliasFileError,
    EntityStats,
    ResolutionTable,
    build_table,
    read_aliases,
    resolve_document,
    resolve_values,
)


def corpus_stats(*articles: tuple[list[tuple[str, str]], str], repeat: int = 1) -> EntityStats:
    stats = EntityStats()
    for _ in range(repeat):
        for values, text in articles:
            stats.add(values, text)
    return stats


def table_of(*articles: tuple[list[tuple[str, str]], str], repeat: int = 1, alias_file: Path | None = None
             ) -> ResolutionTable:
    return build_table(corpus_stats(*articles, repeat=repeat), alias_file, defaults=None)


def test_acronym_spelled_out_in_the_corpus_merges_into_the_long_form() -> None:
    table = table_of(([("ORG", "European Community"), ("ORG", "EC")], "The European Community (EC) said."),
                     ([("ORG", "EC"), ("LOC", "Japan")], "EC ministers met Japan."), repeat=2)
    assert table.resolve("ORG", "EC") == ("ORG", "European Community")
    assert table.resolve("ORG", "European Community") == ("ORG", "European Community")
    assert table.aliases("ORG", "European Community") == ["EC"]


def test_acronym_with_matching_initials_merges_after_two_shared_articles() -> None:
    pair = ([("ORG", "Commodity Credit Corporation"), ("ORG", "CCC")], "")
    assert table_of(pair).resolve("ORG", "CCC") == ("ORG", "CCC")
    assert table_of(pair, repeat=2).resolve("ORG", "CCC") == ("ORG", "Commodity Credit Corporation")


def test_surname_alone_maps_to_the_dominant_full_name_and_takes_its_kind() -> None:
    table = table_of(([("PER", "Ronald Reagan")], ""), ([("PER", "Reagan")], ""), ([("PER", "Reagan")], ""),
                     ([("ORG", "Reagan")], ""), repeat=2)
    assert table.resolve("PER", "Reagan") == ("PER", "Ronald Reagan")
    assert table.resolve("ORG", "Reagan") == ("PER", "Ronald Reagan")
    assert table.aliases("PER", "Ronald Reagan") == ["Reagan"]


def test_a_surname_alone_that_several_people_share_is_dropped_but_a_unique_one_stays() -> None:
    table = table_of(([("PER", "James Baker")], ""), ([("PER", "Howard Baker")], ""), ([("PER", "Baker")], ""),
                     ([("PER", "Subroto")], ""), repeat=3)
    assert (table.resolve("PER", "Baker"), table.resolve("PER", "Subroto")) == (None, ("PER", "Subroto"))


def test_a_place_named_like_a_persons_surname_stays_a_place() -> None:
    table = table_of(([("PER", "Thomas Jordan")], ""), ([("LOC", "Jordan")], ""), repeat=3)
    assert table.resolve("LOC", "Jordan") == ("LOC", "Jordan")


def test_case_variants_are_one_value_shown_in_mixed_case() -> None:
    table = table_of(([("LOC", "Japan")], ""), ([("LOC", "JAPAN")], ""), ([("LOC", "Japan")], ""))
    assert table.resolve("LOC", "JAPAN") == ("LOC", "Japan")


def test_company_suffix_and_country_prefix_variants_merge() -> None:
    table = table_of(([("ORG", "Chrysler Corp")], ""), ([("ORG", "Chrysler Corp")], ""), ([("ORG", "Chrysler")], ""),
                     ([("ORG", "Chrysler Corporation")], ""), ([("ORG", "Treasury")], ""),
                     ([("ORG", "U.S. Treasury")], ""), ([("ORG", "Treasury")], ""))
    assert {table.resolve("ORG", n) for n in ("Chrysler", "Chrysler Corp", "Chrysler Corporation")} == {
        ("ORG", "Chrysler Corp")}
    assert table.resolve("ORG", "U.S. Treasury") == ("ORG", "Treasury")


def test_majority_kind_wins_across_the_corpus() -> None:
    table = table_of(([("LOC", "Tel Aviv")], ""), ([("LOC", "Tel Aviv")], ""), ([("ORG", "Tel Aviv")], ""))
    assert table.resolve("ORG", "Tel Aviv") == ("LOC", "Tel Aviv")


def test_alias_file_overrides_and_drops(tmp_path: Path) -> None:
    aliases = tmp_path / "aliases.tsv"
    aliases.write_text("# kind\talias\tcanonical\nPER\tReagan\tPresident Reagan\n*\tPalestinian Resistance\tdrop\n"
                       "ORG\tFederal Reserve Board\tFederal Reserve\nORG\tSmith\tJohn Smith\tPER\n", encoding="utf-8")
    table = table_of(([("PER", "Ronald Reagan"), ("PER", "Reagan")], ""), ([("ORG", "Palestinian Resistance")], ""),
                     ([("ORG", "Federal Reserve Board")], ""), ([("ORG", "Federal Reserve")], ""),
                     ([("ORG", "Smith")], ""), repeat=2, alias_file=aliases)
    assert table.resolve("PER", "Reagan") == ("PER", "President Reagan")
    assert table.resolve("ORG", "Palestinian Resistance") is None
    assert table.resolve("ORG", "Federal Reserve Board") == ("ORG", "Federal Reserve")
    assert table.resolve("ORG", "Smith") == ("PER", "John Smith")
    assert table.resolve("ORG", "palestinian resistance") is None  # never seen, still dropped by the rule


def test_shipped_alias_file_reads_and_drops_the_wire_sign_off() -> None:
    table = build_table(corpus_stats(([("PER", "Reuter"), ("LOC", "Japan")], "")))
    assert table.resolve("PER", "Reuter") is None
    assert table.resolve("LOC", "Japan") == ("LOC", "Japan")


@pytest.mark.parametrize("line", ["PER\tReagan", "XYZ\tReagan\tRonald Reagan", "PER\tReagan\tRonald\tXYZ",
                                  "PER\t\tRonald Reagan"])
def test_bad_alias_lines_name_the_file_and_line(tmp_path: Path, line: str) -> None:
    aliases = tmp_path / "aliases.tsv"
    aliases.write_text("# comment\n" + line + "\n", encoding="utf-8")
    with pytest.raises(AliasFileError, match=r"aliases\.tsv:2: expected"):
        read_aliases(aliases)


def test_stats_merge_and_save_load_round_trip(tmp_path: Path) -> None:
    first = corpus_stats(([("ORG", "European Community"), ("ORG", "EC")], "The European Community (EC)"))
    second = corpus_stats(([("ORG", "EC")], ""), ([("PER", "Nigel Lawson")], ""))
    first.merge(second)
    first.save(tmp_path / "stats.json")
    loaded = EntityStats.load(tmp_path / "stats.json")
    assert loaded == first
    assert (loaded.articles, loaded.values[("ORG", "EC")]) == (3, 2)
    table = build_table(loaded, defaults=None)
    table.save(tmp_path / "table.json")
    assert ResolutionTable.load(tmp_path / "table.json") == table


def test_changed_lists_values_whose_resolution_moved() -> None:
    old = table_of(([("PER", "Ronald Reagan")], ""), ([("PER", "Reagan")], ""))
    new = table_of(([("PER", "Ronald Reagan")], ""), ([("PER", "Nancy Reagan")], ""), ([("PER", "Reagan")], ""),
                   repeat=2)
    assert old.resolve("PER", "Reagan") == ("PER", "Ronald Reagan")
    assert new.changed(old) == {("PER", "Reagan")}


def test_resolve_values_drops_junk_and_duplicates() -> None:
    table = table_of(([("ORG", "European Community"), ("ORG", "EC")], "the European Community (EC)"), repeat=2)
    assert list(resolve_values(table, [("ORG", "EC"), ("ORG", "European Community"), ("PER", "Reuter")])) == [
        ("ORG", "European Community"), ("PER", "Reuter")]


def test_short_name_of_the_dominant_company_joins_it_even_when_tagged_a_person() -> None:
    table = table_of(([("ORG", "Salomon Brothers Inc")], ""), ([("PER", "Salomon")], ""),
                     ([("ORG", "Kidder, Peabody and Co")], ""), ([("PER", "Kidder")], ""), repeat=3)
    assert table.resolve("PER", "Salomon") == ("ORG", "Salomon Brothers Inc")
    assert table.resolve("PER", "Kidder") == ("ORG", "Kidder, Peabody and Co")


def test_state_abbreviations_of_the_shipped_alias_file_are_places() -> None:
    table = build_table(corpus_stats(([("PER", "Ga"), ("LOC", "Calif")], ""), ([("LOC", "California")], "")))
    assert (table.resolve("PER", "Ga"), table.resolve("LOC", "Calif")) == (("LOC", "Georgia"), ("LOC", "California"))


def test_resolve_document_rewrites_values_and_mentions() -> None:
    doc = with_entities(parse_raw(Raw("x.txt", "text", (
        b"EC ministers met.\n\nThe European Community (EC) said on Monday that Reagan was wrong.\n\n"
        b"President Ronald Reagan disagreed."), "x")), default_extractor())
    stats = EntityStats()
    for _ in range(2):
        stats.add_document(doc)
    resolved = resolve_document(build_table(stats, defaults=None), doc)
    assert "EC" in doc.organizations and "European Community" in doc.organizations
    assert (resolved.organizations, resolved.people) == (("European Community",), ("Ronald Reagan",))
    assert {m.name for m in resolved.mentions if m.kind == "ORG"} == {"European Community"}


def test_a_short_name_much_more_frequent_than_the_company_it_starts_stays_itself() -> None:
    table = table_of(*[([("ORG", "Journal")], "")] * 9, ([("ORG", "Journal Register Co")], ""), repeat=2)
    assert table.resolve("ORG", "Journal") == ("ORG", "Journal")


def test_a_country_in_brackets_after_a_company_is_not_its_acronym() -> None:
    table = table_of(([("ORG", "Bache Securities"), ("LOC", "Japan")], "Bache Securities (Japan) Ltd said."),
                     ([("ORG", "Bache Securities"), ("LOC", "UK")], "Bache Securities (UK) said."), repeat=3)
    assert (table.resolve("LOC", "Japan"), table.resolve("LOC", "UK")) == (("LOC", "Japan"), ("LOC", "UK"))
