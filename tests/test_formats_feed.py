"""RSS and Atom feeds: one article per item, the feed title as source, malformed feeds refused by item."""

from __future__ import annotations

import gzip
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsearch.documents import DocumentError, Raw, Rejected
from newsearch.formats import format_for, iter_items, parse
from newsearch.formats.feed import feed_source, is_feed, iter_feed_items, parse_feed, read_item, strip_html

from .formats_helpers import DATA

FEEDS = DATA / "feeds"


def _open(path: Path) -> object:
    return path.open("rb")


def _items(name: str) -> list[Raw | Rejected]:
    return list(iter_feed_items(FEEDS / name, _open, name.rsplit(".", 1)[0], None))


def _summary(item: Raw | Rejected) -> tuple[object, ...]:
    if isinstance(item, Rejected):
        return ("rejected", item.origin.rsplit("/", 1)[1], item.reason)
    try:
        a = read_item(item)
    except DocumentError as exc:
        return ("error", item.origin.rsplit("/", 1)[1], str(exc))
    return (a.id, a.title, a.published, a.date_from, a.author, a.source, a.url, a.language)


def test_every_rss_item_is_an_article() -> None:
    assert [_summary(i) for i in _items("wire.rss")] == [
        ("https://riversidegazette.example/?p=48213", "Council approves new flood barrier for the lower river district",
         datetime(2024, 2, 14, 8, 15, tzinfo=UTC), "metadata", "Margaret Ellison", "Riverside Gazette",
         "https://riversidegazette.example/2024/02/14/council-approves-flood-barrier/", "en"),
        ("https://riversidegazette.example/?p=48230", "Ferry timetable changes from March",
         datetime(2024, 2, 15, 16, 30, tzinfo=UTC), "metadata", "Tom Hale", "Riverside Gazette",
         "https://riversidegazette.example/2024/02/15/ferry-timetable/", "en"),
        ("https://riversidegazette.example/2024/02/12/market-hall/", "Market hall reopens after renovation",
         datetime(2024, 2, 12, tzinfo=UTC), "url", "", "Riverside Gazette",
         "https://riversidegazette.example/2024/02/12/market-hall/", "en"),
        ("error", "wire.rss#item4", "empty feed item (no title and no text)"),
    ]


def test_item_content_is_preferred_to_the_summary_and_stripped_of_html() -> None:
    first, _, third, _ = _items("wire.rss")
    assert read_item(first).body == (
        "The city council voted eight to three on Tuesday night to build a removable flood barrier along the lower "
        "river district, ending a two-year argument over how to protect the neighbourhood.\n\n"
        "The barrier, made of steel panels that crews can slot into permanent concrete footings when the river "
        "rises, will run for 1.2 kilometres from the old grain wharf to the railway bridge.\n\n"
        "Councillor Tomas Brandt said the decision was overdue. “That is not a flood policy,” he said of the "
        "current plan.\n\nConstruction is expected to begin in September.")
    assert read_item(third).body == ("The Victorian market hall reopened on Monday after a two-year renovation "
                                     "that cost £6 million.\n\nTwenty-two traders have taken stalls.")


def test_atom_entries_keep_their_zone_and_all_authors() -> None:
    assert [_summary(i) for i in _items("science.atom")] == [
        ("tag:harbourtimes.example,2022:48300", "Seagrass meadows recovering in the bay",
         datetime(2022, 7, 20, 22, 45, tzinfo=UTC), "metadata", "Ines Carvalho, Mark Obi", "Harbour Times",
         "https://harbourtimes.example/science/seagrass-recovering-48300", "en"),
        ("tag:harbourtimes.example,2022:48290", "Heatwave warning for the weekend",
         datetime(2022, 7, 19, 9, 0, tzinfo=UTC), "metadata", "Weather desk", "Harbour Times",
         "https://harbourtimes.example/science/2022/07/19/heatwave-warning", "en"),
    ]


def test_a_latin1_xml_feed_in_french() -> None:
    [item] = _items("actualites.xml")
    art = read_item(item)
    assert (art.title, art.source, art.language, art.published) == (
        "La SNCF annonce le retour des trains de nuit entre Paris et Nice", "Le Quotidien du Sud", "fr",
        datetime(2023, 6, 12, 16, 20, tzinfo=UTC))
    assert art.body.startswith("La SNCF a annoncé lundi")


def test_a_truncated_feed_keeps_the_items_before_the_break_and_refuses_the_rest() -> None:
    items = _items("truncated.rss")
    assert [_summary(i)[:2] for i in items] == [
        ("https://riversidegazette.example/?p=48213",
         "Council approves new flood barrier for the lower river district"),
        ("rejected", "truncated.rss#item2"),
    ]
    assert items[1].reason.startswith("malformed feed at line 29: ")


@pytest.mark.parametrize("name", ["not_a_feed.rss", "sitemap.xml"])
def test_a_file_that_is_not_a_feed_is_refused(name: str) -> None:
    assert _items(name) == [Rejected(str(FEEDS / name), "not an RSS or Atom feed")]


def test_an_empty_channel_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.rss"
    path.write_text('<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>')
    assert list(iter_feed_items(path, _open, "empty", None)) == [Rejected(str(path), "a feed with no items")]


@pytest.mark.parametrize(("name", "expected"), [
    ("wire.rss", True), ("science.atom", True), ("actualites.xml", True), ("sitemap.xml", False),
    ("not_a_feed.rss", False),
])
def test_feeds_are_recognised_by_content(name: str, expected: bool) -> None:
    assert is_feed((FEEDS / name).read_bytes()[:2048]) is expected


def test_a_gzipped_feed_and_the_parse_entry_point(tmp_path: Path) -> None:
    path = tmp_path / "science.atom.gz"
    path.write_bytes(gzip.compress((FEEDS / "science.atom").read_bytes()))
    raws = list(iter_feed_items(path, lambda p: gzip.GzipFile(p, "rb"), "science", "Fallback"))
    docs = [parse_feed(r) for r in raws if isinstance(r, Raw)]
    assert [(d.origin, d.source, d.source_from) for d in docs] == [
        (f"{path}#item1", "Harbour Times", "metadata"),
        (f"{path}#item2", "Harbour Times", "metadata"),
    ]
    assert all(len(d.content_hash) == 20 for d in docs)


@pytest.mark.parametrize(("fragment", "text"), [
    ("plain &amp; simple", "plain & simple"),
    ("<p>One</p><p>Two <b>bold</b></p>", "One\n\nTwo bold"),
    ("Line<br>break<script>x()</script>", "Line\n\nbreak"),
    ("<ul><li>a</li><li>b</li></ul>", "a\n\nb"),
    ("<p>unclosed <i>tags", "unclosed tags"),
])
def test_html_is_stripped_to_paragraphs(fragment: str, text: str) -> None:
    assert strip_html(fragment) == text


@pytest.mark.parametrize(("kind", "name", "fmt"), [
    (".xml", "actualites.xml", "feed"), (".xml", "sitemap.xml", None), (".rss", "wire.rss", "feed"),
    (".atom", "science.atom", "feed"), (".html", "wire.rss", "html"), (".warc", "wire.rss", "warc"),
    (".arc", "wire.rss", "warc"), (".txt", "wire.rss", None),
])
def test_the_reader_is_chosen_by_suffix_and_xml_by_content(kind: str, name: str, fmt: str | None) -> None:
    assert format_for(kind, FEEDS / name, _open) == fmt


def test_the_dispatch_reads_and_parses_any_format() -> None:
    raws = [i for i in iter_items("feed", FEEDS / "science.atom", _open, "science", None) if isinstance(i, Raw)]
    assert [parse(r).title for r in raws] == [
        "Seagrass meadows recovering in the bay", "Heatwave warning for the weekend"]


@pytest.mark.parametrize(("payload", "reason"), [
    (b"not json", "malformed feed item envelope: Expecting value"),
    (b"[1]", "malformed feed item envelope: not an object"),
    (b"{}", "empty feed item (no title and no text)"),
])
def test_a_damaged_item_envelope_is_a_document_error(payload: bytes, reason: str) -> None:
    with pytest.raises(DocumentError, match=f"^{re.escape(reason)}$"):
        parse_feed(Raw("f.rss#item1", "feed", payload, "f"))


def test_odd_values_in_an_envelope_are_read_as_text() -> None:
    doc = parse_feed(Raw("f.rss#item1", "feed", b'{"title": 5, "content": "Text", "published": null}', "f#1"))
    assert (doc.title, doc.body, doc.published, doc.date_from) == ("5", "Text", None, "none")


@pytest.mark.parametrize(("title", "link", "source"), [
    ("World news | The Guardian", "https://www.theguardian.com/world", "The Guardian"),
    ("BBC News - World", "https://www.bbc.co.uk/news/", "BBC News"),
    ("Reuters: World News", "", "Reuters"),
    ("Harbour Times: Science", "https://harbourtimes.example/science", "Harbour Times"),
    ("Slashdot", "https://slashdot.org/", "Slashdot"),
    ("3:16 Stories", "", "3:16 Stories"),
])
def test_the_outlet_is_taken_from_the_feed_title(title: str, link: str, source: str) -> None:
    assert feed_source(title, link) == source
