"""HTML news pages: main text, metadata, publication date with its provenance, language, and rejects."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsearch.documents import DocumentError, Raw, Rejected, with_entities
from newsearch.entities import default_extractor
from newsearch.formats import make_document, url_date
from newsearch.formats.html import MAX_HTML_BYTES, decode_html, iter_html_items, parse_html, read_article

from .formats_helpers import DATA, shingle_f1

PAGES = DATA / "pages"
EXPECTED = json.loads((PAGES / "expected.json").read_text(encoding="utf-8"))
ARTICLES = sorted(k for k, v in EXPECTED.items() if "rejected" not in v)
REJECTS = sorted(k for k, v in EXPECTED.items() if "rejected" in v)


def _gunzip(path: Path) -> gzip.GzipFile:
    return gzip.GzipFile(path, "rb")


def _read(name: str, **kwargs: object):
    return read_article((PAGES / f"{name}.html").read_bytes(), f"{name}.html", name, None, **kwargs)


@pytest.mark.parametrize("name", ARTICLES)
def test_page_metadata_is_read_from_the_page(name: str) -> None:
    want = EXPECTED[name]
    art = _read(name)
    got = {"title": art.title, "published": art.published.isoformat() if art.published else None,
           "date_from": art.date_from, "author": art.author, "source": art.source, "url": art.url,
           "language": art.language, "zone": art.zone, "local_day": art.local_day()}
    assert got == {k: want[k] for k in got}


@pytest.mark.parametrize("name", ARTICLES)
def test_main_text_matches_the_hand_made_body(name: str) -> None:
    body = _read(name).body
    assert shingle_f1(body, EXPECTED[name]["body"]) >= 0.95
    for boilerplate in ("Advertisement", "Leave a Reply", "Most read", "Related Topics", "Comments (312)"):
        assert boilerplate not in body


def test_the_local_day_is_the_one_the_page_shows_even_when_utc_is_the_next_day() -> None:
    art = _read("late_evening_us")
    assert (art.published, art.zone, art.local_day()) == (datetime(2023, 11, 8, 3, 15, tzinfo=UTC), "-05:00",
                                                          "2023-11-07")


def test_main_text_over_all_pages_scores_at_least_the_target() -> None:
    scores = [shingle_f1(_read(n).body, EXPECTED[n]["body"]) for n in ARTICLES]
    assert sum(scores) / len(scores) >= 0.97


@pytest.mark.parametrize("name", REJECTS)
def test_pages_without_an_article_are_refused(name: str) -> None:
    raw = Raw(f"{name}.html", "html", (PAGES / f"{name}.html").read_bytes(), name)
    with pytest.raises(DocumentError, match="^no article text$"):
        parse_html(raw)


def test_parse_html_builds_a_document_with_a_content_hash() -> None:
    raw = Raw("pages/wordpress.html", "html", (PAGES / "wordpress.html").read_bytes(), "pages/wordpress", "Fallback")
    doc = parse_html(raw)
    assert (doc.id, doc.origin, doc.source, doc.source_from) == (
        "pages/wordpress", "pages/wordpress.html", "The Riverside Gazette", "metadata")
    assert doc.published == datetime(2024, 2, 14, 8, 15, tzinfo=UTC)
    assert doc.original == doc.body and len(doc.content_hash) == 20
    assert make_document(_read("wordpress")).content_hash != make_document(_read("no_date")).content_hash


def test_entities_are_found_in_the_extracted_text() -> None:
    doc = with_entities(parse_html(Raw("w.html", "html", (PAGES / "wordpress.html").read_bytes(), "w")),
                        default_extractor())
    assert doc.extractor
    assert all(doc.body[m.start:m.end] for m in doc.mentions)
    assert "Tomas Brandt" in doc.people


def test_an_undated_page_takes_the_crawl_date_only_with_crawl_provenance() -> None:
    crawled = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert (_read("no_date", crawled=crawled).published, _read("no_date", crawled=crawled).date_from) == (
        crawled, "crawl")
    dated = _read("wordpress", crawled=crawled)
    assert (dated.published, dated.date_from) == (datetime(2024, 2, 14, 8, 15, tzinfo=UTC), "markup")


def test_a_record_url_replaces_the_canonical_url() -> None:
    art = _read("url_date", url="https://valleyobserver.example/2020/05/17/record-swift-count-old-town/?utm=x")
    assert art.url.endswith("?utm=x") and art.date_from == "url"


def test_the_folder_default_source_is_used_when_the_page_names_none() -> None:
    raw = Raw("t.html", "html", (PAGES / "text_date.html").read_bytes(), "t", "coastal chronicle")
    assert (parse_html(raw).source, parse_html(raw).source_from) == ("coastal chronicle", "default")


@pytest.mark.parametrize(("data", "charset", "text"), [
    ("<p>café</p>".encode("cp1252"), "", "<p>café</p>"),
    ('<meta charset="iso-8859-1"><p>café</p>'.encode("latin-1"), "", '<meta charset="iso-8859-1"><p>café</p>'),
    ("<p>Ñandú</p>".encode(), "", "<p>Ñandú</p>"),
    ("<p>Ωμέγα</p>".encode("iso-8859-7"), "iso-8859-7", "<p>Ωμέγα</p>"),
    ("<p>日本</p>".encode("utf-16"), "", "<p>日本</p>"),
    (b"<p>ok</p>", "no-such-charset", "<p>ok</p>"),
])
def test_pages_are_decoded_by_their_declared_or_sniffed_charset(data: bytes, charset: str, text: str) -> None:
    assert decode_html(data, charset) == text


def test_binary_content_is_not_html() -> None:
    with pytest.raises(DocumentError, match="binary file"):
        decode_html(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")


def test_a_gzipped_page_is_read_through_the_opener(tmp_path: Path) -> None:
    path = tmp_path / "story.html.gz"
    path.write_bytes(gzip.compress((PAGES / "greek.html").read_bytes()))
    [raw] = list(iter_html_items(path, _gunzip, "story", None))
    assert isinstance(raw, Raw) and (raw.fmt, raw.origin, raw.fallback_id) == ("html", str(path), "story")
    assert parse_html(raw).title == "Νέο λιμάνι κρουαζιέρας στη Θεσσαλονίκη"


def test_a_page_over_the_limit_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    path = tmp_path / "bomb.html.gz"
    with gzip.open(path, "wb") as f:
        for _ in range(MAX_HTML_BYTES // 1_000_000 + 1):
            f.write(b" " * 1_000_000)
    assert list(iter_html_items(path, _gunzip, "bomb", None)) == [
        Rejected(str(path), f"page is over the limit of {MAX_HTML_BYTES:,} bytes")]


def test_a_corrupt_compressed_page_is_a_reject(tmp_path: Path) -> None:
    path = tmp_path / "broken.html.gz"
    path.write_bytes(gzip.compress(b"<html>" * 1000)[:40])
    [item] = list(iter_html_items(path, _gunzip, "broken", None))
    assert isinstance(item, Rejected) and item.origin == str(path) and "end-of-stream" in item.reason


@pytest.mark.parametrize(("url", "day"), [
    ("https://x.example/2020/05/17/slug/", "2020-05-17"),
    ("https://x.example/news/2019-11-02-budget.html", "2019-11-02"),
    ("https://x.example/2021/13/40/not-a-date", None),
    ("https://x.example/story/48211", None),
    ("", None),
])
def test_dates_in_urls(url: str, day: str | None) -> None:
    assert url_date(url) == day


def test_an_unknown_date_provenance_is_refused() -> None:
    with pytest.raises(DocumentError, match="unknown date provenance 'guess'"):
        make_document(replace(_read("wordpress"), date_from="guess"))


def test_the_content_hash_is_computed_as_for_other_formats() -> None:
    art = _read("wordpress")
    doc = make_document(art)
    fields = [art.title, art.body, art.published.isoformat(), art.source, art.url, art.author]
    assert doc.content_hash == hashlib.sha256("\x1f".join(fields).encode()).hexdigest()[:20]


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "not an HTML page"),
    (b"<" * 10_000, "not an HTML page"),
    (b"<div>" * 20_000 + b"deep", "not an HTML page"),
    (b"<html><body><p>Too short to be an article.</p></body></html>", "no article text"),
    (bytes(range(256)) * 10, "binary file (contains NUL bytes), not HTML"),
])
def test_hostile_pages_are_refused_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(DocumentError, match=f"^{re.escape(reason)}$"):
        parse_html(Raw("x.html", "html", data, "x"))


def test_broken_json_ld_and_impossible_dates_fall_back_to_other_markup() -> None:
    page = (PAGES / "wordpress.html").read_bytes()
    page = page.replace(b'<script src=', b'<script type="application/ld+json">{broken</script><script src=')
    page = page.replace(b'content="2024-02-14T09:15:00+01:00"', b'content="2999-01-01T00:00:00Z"')
    art = read_article(page, "w.html", "w", None)
    assert (art.published, art.date_from) == (datetime(2024, 2, 14, 8, 15, tzinfo=UTC), "markup")


def test_an_article_of_short_paragraphs_under_a_big_menu_is_not_an_index_page() -> None:
    menu = "".join(f'<li><a href="/s/{i}">Section {i} story headline number {i}</a></li>' for i in range(300))
    page = (PAGES / "press_release.html").read_bytes().replace(b"<body>", f"<body><nav><ul>{menu}</ul></nav>".encode())
    art = read_article(page, "p.html", "p", None)
    assert art.title == "Northwind Robotics Opens New Assembly Plant in Ohio"
    assert shingle_f1(art.body, EXPECTED["press_release"]["body"]) >= 0.95


def test_of_several_declared_publication_moments_the_original_one_is_taken() -> None:
    original = b'<meta property="article:published_time" content="2023-10-05T17:42:11-04:00">'
    page = (PAGES / "nyt_jsonld.html").read_bytes().replace(b"<title>", original + b"<title>").replace(
        b'"datePublished":"2023-10-05T21:42:11.000Z"', b'"datePublished":"2023-10-07T10:00:00.000Z"')
    art = read_article(page, "n.html", "n", None)
    assert (art.published, art.zone, art.date_from) == (
        datetime(2023, 10, 5, 21, 42, 11, tzinfo=UTC), "-04:00", "markup")
