from __future__ import annotations

import bz2
import gzip
import json
import lzma
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsearch.dates import BadDate, parse_date
from newsearch.documents import (
    PARSERS,
    READERS,
    Document,
    DocumentError,
    InputFile,
    Raw,
    ReadProgress,
    Rejected,
    iter_raw,
    parse_raw,
    read_whole,
    with_entities,
)
from newsearch.entities import default_extractor
from newsearch.sources import canonical_source

from .conftest import SEED_000, SEED_003, SEEDS


def parsed(path: Path) -> list:
    return [parse_raw(r) if isinstance(r, Raw) else r for r in iter_raw([path])]


def seed(doc_id: str):
    doc = next(d for d in parsed(SEEDS) if d.id == doc_id)
    return with_entities(doc, default_extractor())


def test_seed_000_headline_date_source_and_boilerplate() -> None:
    doc = seed(SEED_000)
    assert doc.title == "Israel-Hamas negotiations 'ongoing' for Gaza truce: Qatar"
    assert doc.published == datetime(2024, 3, 26, tzinfo=UTC)
    assert (doc.date_from, doc.source, doc.source_from) == ("text", "TRT World", "source line")
    assert "Photo: AA" not in doc.body and "SOURCE:" not in doc.body and "March 26, 2024" not in doc.body
    assert "Photo: AA" in doc.original and "SOURCE:TRTWorld" in doc.original
    assert doc.body.startswith("The Foreign Ministry of Qatar says that the talks are \"ongoing\"")


def test_seed_003_header_date_attribution_and_title_from_first_sentence() -> None:
    doc = seed(SEED_003)
    assert doc.title == ("Qatar said, Tuesday, that indirect talks between Hamas and Israel are still ongoing "
                         "between technical teams")
    assert doc.published == datetime(2024, 3, 26, tzinfo=UTC)
    assert (doc.date_from, doc.source, doc.source_from) == ("text", "Anadolu Agency", "attribution")
    assert "READ:" not in doc.body and "WATCH:" not in doc.body and "date 2024" not in doc.body
    assert "READ: Israel steps up attacks" in doc.original


def test_seed_entities() -> None:
    first, second = seed(SEED_000), seed(SEED_003)
    for doc in (first, second):
        assert {"Qatar", "Israel", "Gaza", "Doha"} <= set(doc.places)
        assert {"Hamas", "UN Security Council"} <= set(doc.organizations)
        assert "Majed al-Ansari" in doc.people
    assert "Egypt" in first.places
    assert "Netanyahu" in first.people
    assert first.extractor == "newsearch-crf 1"
    mention = next(m for m in first.mentions if m.name == "Majed al-Ansari")
    assert first.body[mention.start:mention.end] == "Majed al Ansari"


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def test_plain_text_with_header_lines_dateline_byline_and_sign_off(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "Title: Oil prices jump\nDate: Fri Oct 20, 2006 6:15pm EDT\n\nBy Jane Doe\n\n"
          "GENEVA (Reuters) - Oil prices rose on Friday as OPEC met in Vienna.\n\n"
          "Analysts expect more gains.\n(Reporting by Jane Doe; Editing by John Roe)\n")
    [doc] = parsed(tmp_path)
    assert doc.title == "Oil prices jump"
    assert doc.published == datetime(2006, 10, 20, 22, 15, tzinfo=UTC)
    assert (doc.source, doc.source_from, doc.author) == ("Reuters", "attribution", "Jane Doe")
    assert doc.body == "Oil prices rose on Friday as OPEC met in Vienna.\n\nAnalysts expect more gains."
    assert doc.dateline == "GENEVA (Reuters) -"


def test_markdown_with_yaml_front_matter(tmp_path: Path) -> None:
    write(tmp_path / "m.md", "---\ntitle: \"Vote passes\"\npublished: 2024-03-25T18:30:00+02:00\n"
          "source: TRTWorld and agencies\nauthors: [A. Writer, B. Writer]\n---\n\n"
          "The *Security Council* passed a [resolution](http://x) on Monday.\n")
    [doc] = parsed(tmp_path)
    assert (doc.title, doc.source, doc.author) == ("Vote passes", "TRT World", "A. Writer, B. Writer")
    assert doc.published == datetime(2024, 3, 25, 16, 30, tzinfo=UTC)
    assert doc.body == "The Security Council passed a resolution on Monday."


def test_markdown_with_python_markdown_meta(tmp_path: Path) -> None:
    write(tmp_path / "m.markdown",
          "Title: Talks resume\nDate: 26 March 2024\nSource: Anadolu\n\n# Heading as headline\n\nBody text here.\n")
    [doc] = parsed(tmp_path)
    assert (doc.title, doc.source) == ("Talks resume", "Anadolu Agency")
    assert doc.published == datetime(2024, 3, 26, tzinfo=UTC)
    assert doc.body == "Body text here."  # the metadata title wins; the heading is taken as the headline


@pytest.mark.parametrize("opener,suffix", [(open, ".jsonl"), (gzip.open, ".jsonl.gz"), (lzma.open, ".jsonl.xz"),
                                           (bz2.open, ".jsonl.bz2")])
def test_json_lines_any_compression_and_common_field_names(tmp_path: Path, opener, suffix: str) -> None:
    records = [
        {"id": "r1", "headline": "A", "text": "Body one.", "published_at": "2024-01-02T03:04:05Z", "publisher": "AP"},
        {"title": "B", "content": "Body two.", "pubdate": 1704164645, "byline": ["X", "Y"], "link": "https://e/b"},
        {"title": "C", "body": "Body three."},
    ]
    with opener(tmp_path / f"feed{suffix}", "wt", encoding="utf-8") as f:
        f.write("\n".join(json.dumps(r) for r in records) + "\n")
    a, b, c = parsed(tmp_path)
    assert (a.id, a.title, a.source, a.published) == ("r1", "A", "Associated Press",
                                                      datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert (b.id, b.author, b.url, b.published) == ("feed:2", "X, Y", "https://e/b",
                                                    datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert (c.id, c.published, c.date_from, c.source) == ("feed:3", None, "none", None)


def test_per_folder_default_source(tmp_path: Path) -> None:
    write(tmp_path / "wires" / "a.txt", "Prices rose on Monday.\n")
    [raw] = list(iter_raw([tmp_path], {tmp_path / "wires": "Reuters"}))
    doc = parse_raw(raw)
    assert (doc.source, doc.source_from) == ("Reuters", "default")


@pytest.mark.parametrize("name,content,reason", [
    ("empty.txt", b"  \n\n", "empty file"),
    ("binary.txt", b"\x00\x01\x02PNG", "binary file (contains NUL bytes), not text"),
    ("latin1.txt", "Caf\xe9 news".encode("latin-1"), "not UTF-8 text: byte 0xe9 at offset 3"),
    ("photo.png", b"\x89PNG", "unsupported file type '.png' (expected .arc, .atom, .htm, .html, .json, .jsonl, "
                              ".markdown, .md, .ndjson, .rdf, .rss, .shtml, .text, .txt, .warc, .xhtml, .xml or none, "
                              "maybe compressed as .gz/.xz/.bz2)"),
])
def test_bad_files_are_rejected_with_a_reason(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    write(tmp_path / name, content)
    [item] = list(iter_raw([tmp_path]))
    result = item if isinstance(item, Rejected) else None
    if result is None:
        with pytest.raises(DocumentError) as exc:
            parse_raw(item)
        assert str(exc.value) == reason
    else:
        assert result.reason == reason


def reason_of(item: Raw | Rejected) -> str:
    """Why an item was refused, whether the reader or the parser refused it."""
    if isinstance(item, Rejected):
        return item.reason
    with pytest.raises(DocumentError) as exc:
        parse_raw(item)
    return str(exc.value)


@pytest.mark.parametrize("line,reason", [
    ('{"title": "x", "body": ', "malformed JSON: Expecting value at column 24"),
    ('["a list"]', "a JSON line must be an object, not list"),
    ('not json', "malformed JSON: Expecting value at column 1"),
    ('{"title": "", "body": ""}', "no title and no body"),
    ('{"title": "   ", "body": "  \\n "}', "no title and no body"),
])
def test_bad_json_lines_are_rejected_with_their_line(tmp_path: Path, line: str, reason: str) -> None:
    write(tmp_path / "f.jsonl", '{"title": "good", "body": "fine"}\n' + line + "\n")
    good, bad = list(iter_raw([tmp_path]))
    assert parse_raw(good).title == "good"
    assert bad.origin == f"{tmp_path / 'f.jsonl'}:2"
    assert reason_of(bad) == reason


def test_title_only_briefs_are_documents_with_an_empty_body(tmp_path: Path) -> None:
    write(tmp_path / "briefs.jsonl", '{"id": "b1", "title": "U.S. FEB CPI ROSE 0.4 PCT", "body": ""}\n'
          '{"id": "b2", "headline": "OPEC meets in Vienna", "date": "1987-03-02"}\n')
    write(tmp_path / "wire.txt", "-- Fed holds rates steady\n-- Wed Mar 20, 2024 2:00pm EDT\n")
    b1, b2, wire = parsed(tmp_path)
    assert (b1.id, b1.title, b1.body) == ("b1", "U.S. FEB CPI ROSE 0.4 PCT", "")
    assert (b2.title, b2.body, b2.published) == ("OPEC meets in Vienna", "", datetime(1987, 3, 2, tzinfo=UTC))
    assert (wire.title, wire.body, wire.published) == ("Fed holds rates steady", "",
                                                       datetime(2024, 3, 20, 18, 0, tzinfo=UTC))


def test_a_file_of_header_lines_only_and_no_title_is_rejected(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "-- By Jane Doe\n-- Tue Feb 7, 2012 8:20am EST\n-- http://example.com/a\n")
    [item] = list(iter_raw([tmp_path]))
    assert reason_of(item) == "no title and no body text"


def test_reuters_21578_records_keep_their_dateline_apart_and_lose_the_reuter_sign_off(tmp_path: Path) -> None:
    record = {"id": 2, "date": "1987-02-26T15:02:20.000", "title": "STANDARD OIL <SRD> TO FORM FINANCIAL UNIT",
              "dateline": "CLEVELAND, Feb 26 -", "author": "",
              "body": "Standard Oil Co and BP North America\nInc said they plan to form a venture.\n"
                      "    BP North America is a subsidiary of British Petroleum Co\nPlc <BP>.\n\n Reuter"}
    write(tmp_path / "r.jsonl", json.dumps(record) + "\n")
    [doc] = parsed(tmp_path)
    assert doc.dateline == "CLEVELAND, Feb 26 -"
    assert doc.body == ("Standard Oil Co and BP North America Inc said they plan to form a venture.\n\n"
                        "BP North America is a subsidiary of British Petroleum Co Plc <BP>.")


def test_oversized_document_is_rejected(tmp_path: Path) -> None:
    write(tmp_path / "big.txt", "word " * 500_000)
    [item] = list(iter_raw([tmp_path]))
    assert isinstance(item, Rejected)
    assert item.reason == "file is 2,500,000 bytes, over the limit of 2,000,000"


@pytest.mark.parametrize("value,expected", [
    ("2024-03-26", datetime(2024, 3, 26, tzinfo=UTC)),
    ("2006-10-20T18:15:00-04:00", datetime(2006, 10, 20, 22, 15, tzinfo=UTC)),
    ("Fri Oct 20, 2006 6:15pm EDT", datetime(2006, 10, 20, 22, 15, tzinfo=UTC)),
    ("26-FEB-1987 15:01:01.79", datetime(1987, 2, 26, 15, 1, 1, 790000, tzinfo=UTC)),
    ("March 26, 2024", datetime(2024, 3, 26, tzinfo=UTC)),
    ("26 March 2024 09:30 GMT", datetime(2024, 3, 26, 9, 30, tzinfo=UTC)),
    ("Tue, 26 Mar 2024 10:00:00 +0100", datetime(2024, 3, 26, 9, 0, tzinfo=UTC)),
    ("2024-03-26T23:30:00+05:30", datetime(2024, 3, 26, 18, 0, tzinfo=UTC)),
    (1711411200, datetime(2024, 3, 26, tzinfo=UTC)),
    ("1711411200000", datetime(2024, 3, 26, tzinfo=UTC)),
])
def test_dates_in_common_formats_become_utc(value: object, expected: datetime) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["", "Tuesday", "March 26", "not a date", "0000-00-00", "3024-01-01", None, True])
def test_unusable_dates_are_refused_never_guessed(value: object) -> None:
    with pytest.raises(BadDate):
        parse_date(value)


@pytest.mark.parametrize("name,canonical", [
    ("TRTWorld and agencies", "TRT World"), ("TRT World", "TRT World"), ("Anadolu Agency", "Anadolu Agency"),
    ("REUTERS", "Reuters"), ("The Guardian", "The Guardian"), ("Some Local Paper", "Some Local Paper"),
])
def test_canonical_sources(name: str, canonical: str) -> None:
    assert canonical_source(name) == canonical


def test_a_format_is_one_reader_in_the_suffix_table_and_one_parser(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """How the HTML, feed and WARC readers plug in: READERS[suffix] and PARSERS[fmt]."""
    def read_shouting(item: InputFile, progress: ReadProgress | None = None):
        yield read_whole(item, "shout")

    def parse_shouting(raw: Raw) -> Document:
        return parse_raw(Raw(raw.origin, "text", raw.payload.lower(), raw.fallback_id))  # type: ignore[union-attr]

    monkeypatch.setitem(READERS, ".shout", read_shouting)
    monkeypatch.setitem(PARSERS, "shout", parse_shouting)
    write(tmp_path / "a.shout.gz", gzip.compress(b"PRICES ROSE ON MONDAY.\n"))
    [raw] = list(iter_raw([tmp_path]))
    assert (raw.fmt, raw.fallback_id) == ("shout", "a")
    assert parse_raw(raw).body == "prices rose on monday."
