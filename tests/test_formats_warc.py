"""Web archives: each HTML response record is an article; bad records are rejects and the rest is still read."""

from __future__ import annotations

import gzip
import io
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsearch.documents import DocumentError, Raw, Rejected
from newsearch.formats import warc
from newsearch.formats.warc import iter_warc_items, parse_warc

from .formats_helpers import DATA

ARCHIVES = DATA / "warc"
PAGE = (DATA / "pages" / "wordpress.html").read_bytes()
GAZETTE = "https://riversidegazette.example/2024/02/14/council-approves-flood-barrier/"
LIBRARY = "https://millbrookweekly.example/news/library-hours"
METRO = "https://vesti-povolzhya.example/news/metro"
LIMANI = "https://efimerida-vorra.example/limani"


def _open(path: Path) -> object:
    return path.open("rb")


def _read(path: Path) -> list[tuple[object, ...]]:
    """What each item of an archive becomes: (offset, id, date, provenance) or the reject / refusal reason."""
    out: list[tuple[object, ...]] = []
    for item in iter_warc_items(path, _open, path.name, None):
        offset = int(item.origin.rsplit("@", 1)[1])
        if isinstance(item, Rejected):
            out.append((offset, "rejected", item.reason))
            continue
        try:
            doc = parse_warc(item)
        except DocumentError as exc:
            out.append((offset, "refused", str(exc)))
            continue
        out.append((offset, doc.id, doc.published, doc.date_from))
    return out


CRAWL_GZ = [
    (1283, GAZETTE, datetime(2024, 2, 14, 8, 15, tzinfo=UTC), "markup"),
    (4776, LIBRARY, datetime(2024, 3, 1, 12, 30, tzinfo=UTC), "crawl"),
    (6134, "refused", "no article text"),
    (7852, METRO, datetime(2024, 8, 30, 8, 45, tzinfo=UTC), "markup"),
    (11802, LIMANI, datetime(2022, 3, 25, 7, 10, tzinfo=UTC), "markup"),
]


def test_every_html_response_of_a_gzipped_warc_is_an_article() -> None:
    assert _read(ARCHIVES / "crawl.warc.gz") == CRAWL_GZ


def test_an_uncompressed_warc_gives_the_same_articles() -> None:
    assert [r[1:] for r in _read(ARCHIVES / "crawl.warc")] == [r[1:] for r in CRAWL_GZ]


def test_an_arc_file_is_read_too() -> None:
    assert _read(ARCHIVES / "crawl.arc") == [
        (135, GAZETTE, datetime(2024, 2, 14, 8, 15, tzinfo=UTC), "markup"),
        (7634, LIBRARY, datetime(2024, 3, 1, 12, 30, tzinfo=UTC), "crawl"),
    ]


def test_the_record_gives_url_source_and_text() -> None:
    raw = next(i for i in iter_warc_items(ARCHIVES / "crawl.warc.gz", _open, "crawl", "Default") if isinstance(i, Raw))
    doc = parse_warc(raw)
    assert (doc.origin, doc.url, doc.source, doc.title) == (
        f"{ARCHIVES / 'crawl.warc.gz'}@1283", GAZETTE, "The Riverside Gazette",
        "Council approves new flood barrier for the lower river district")
    assert doc.body.startswith("The city council voted eight to three")


def test_a_truncated_gzipped_archive_keeps_the_records_before_the_cut(tmp_path: Path) -> None:
    path = tmp_path / "cut.warc.gz"
    path.write_bytes((ARCHIVES / "crawl.warc.gz").read_bytes()[:8500])
    assert _read(path) == [*CRAWL_GZ[:3], (7852, "rejected", "truncated record: 2,306 bytes missing")]


def test_a_truncated_plain_archive_names_the_offset_of_the_cut_record(tmp_path: Path) -> None:
    path = tmp_path / "cut.warc"
    path.write_bytes((ARCHIVES / "crawl.warc").read_bytes()[:17000])
    assert _read(path)[-1] == (15634, "rejected", "truncated record: 1,910 bytes missing")
    assert len(_read(path)) == 4


def test_a_corrupt_gzip_member_is_a_reject_and_reading_goes_on(tmp_path: Path) -> None:
    data = bytearray((ARCHIVES / "crawl.warc.gz").read_bytes())
    data[4900:5100] = bytes(b ^ 0x5A for b in data[4900:5100])
    path = tmp_path / "corrupt.warc.gz"
    path.write_bytes(bytes(data))
    assert _read(path) == [CRAWL_GZ[0], (4776, "rejected", "corrupt record: no WARC or ARC record header here"),
                           *CRAWL_GZ[2:]]


def test_a_garbled_record_header_in_a_plain_archive_is_skipped(tmp_path: Path) -> None:
    data = bytearray((ARCHIVES / "crawl.warc").read_bytes())
    data[10010:10030] = b"GARBAGE GARBAGE GARB"
    path = tmp_path / "garbled.warc"
    path.write_bytes(bytes(data))
    got = _read(path)
    assert got[1] == (10010, "rejected", "corrupt record: no WARC or ARC record header here")
    assert [r[1] for r in got] == [GAZETTE, "rejected", "refused", METRO, LIMANI]


def _archive(path: Path, bodies: list[tuple[bytes, list[tuple[str, str]]]]) -> None:
    with path.open("wb") as f:
        writer = WARCWriter(f, gzip=True)
        for number, (body, extra) in enumerate(bodies):
            fields = dict([("Content-Type", "text/html"), *extra])
            headers = StatusAndHeaders("200 OK", list(fields.items()), protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                f"https://example.org/{number}", "response", payload=io.BytesIO(body), length=len(body),
                http_headers=headers, warc_headers_dict={"WARC-Date": "2024-02-16T10:00:00Z"}))


def test_a_decompression_bomb_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    bomb = gzip.compress(b"<html><body>" + b" " * 200_000_000, compresslevel=9)
    path = tmp_path / "bomb.warc.gz"
    _archive(path, [(bomb, [("Content-Encoding", "gzip")]), (PAGE, [])])
    tracemalloc.start()
    try:
        items = list(iter_warc_items(path, _open, "bomb", None))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert isinstance(items[0], Rejected)
    assert items[0].reason == f"record is over the limit of {warc.MAX_RECORD_BYTES:,} bytes"
    assert parse_warc(items[1]).url == "https://example.org/1"
    # zlib inflates a whole input block at once (up to ~1000x), so the bound is tens of MB, not the bomb's 200 MB
    assert peak < 80_000_000


def test_records_that_are_not_html_pages_are_not_articles(tmp_path: Path) -> None:
    path = tmp_path / "mixed.warc.gz"
    _archive(path, [(b"%PDF-1.4 binary", [("Content-Type", "application/pdf")]), (PAGE, [])])
    [item] = list(iter_warc_items(path, _open, "mixed", None))
    assert isinstance(item, Raw) and parse_warc(item).url == "https://example.org/1"


def test_a_missing_archive_is_a_reject(tmp_path: Path) -> None:
    [item] = list(iter_warc_items(tmp_path / "nope.warc", _open, "nope", None))
    assert isinstance(item, Rejected) and "No such file" in item.reason


@pytest.mark.parametrize("payload", [b"not json\n<html></html>", b"[1, 2]\n<html></html>"])
def test_a_damaged_envelope_is_a_document_error(payload: bytes) -> None:
    with pytest.raises(DocumentError, match="malformed archive record envelope"):
        parse_warc(Raw("x.warc@0", "warc", payload, "x"))
