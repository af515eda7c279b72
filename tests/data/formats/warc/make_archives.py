"""Writes the small web archives used by tests/test_formats_warc.py (run from the repository root).

The archives hold our own test pages (tests/data/formats/pages) as crawled responses, with the record
types a real crawl has around them: warcinfo, request, a robots.txt, an image, a redirect, a 404.
"""

from __future__ import annotations

import gzip
import io
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

HERE = Path(__file__).resolve().parent
PAGES = HERE.parent / "pages"
CRAWL = [  # (URL, page file, WARC-Date)
    ("https://riversidegazette.example/2024/02/14/council-approves-flood-barrier/", "wordpress.html",
     "2024-02-16T10:00:00Z"),
    ("https://millbrookweekly.example/news/library-hours", "no_date.html", "2024-03-01T12:30:00Z"),
    ("https://dailycourier.example/world/", "index_page.html", "2024-03-11T08:00:00Z"),
    ("https://vesti-povolzhya.example/news/metro", "russian.html", "2024-08-31T06:00:00Z"),
]


def _response(writer: WARCWriter, url: str, body: bytes, date: str, status: str = "200 OK",
              content_type: str = "text/html; charset=utf-8", extra: list[tuple[str, str]] | None = None) -> None:
    headers = StatusAndHeaders(status, [("Content-Type", content_type), *(extra or [])], protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record(url, "request", payload=io.BytesIO(
        f"GET {url} HTTP/1.1\r\nHost: x\r\n\r\n".encode()), warc_headers_dict={"WARC-Date": date}))
    writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers,
                                                  warc_headers_dict={"WARC-Date": date}))


def write_crawl(path: Path, gzipped: bool) -> None:
    """A crawl of the test pages, with the records around them that are not articles."""
    with path.open("wb") as f:
        writer = WARCWriter(f, gzip=gzipped)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "newsearch tests"}))
        _response(writer, "https://riversidegazette.example/robots.txt", b"User-agent: *\nAllow: /\n",
                  "2024-02-16T09:59:59Z", content_type="text/plain")
        for url, page, date in CRAWL:
            _response(writer, url, (PAGES / page).read_bytes(), date)
        _response(writer, "https://riversidegazette.example/logo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
                  "2024-02-16T10:00:01Z", content_type="image/png")
        _response(writer, "https://riversidegazette.example/old", b"", "2024-02-16T10:00:02Z",
                  status="301 Moved Permanently", extra=[("Location", "https://riversidegazette.example/")])
        _response(writer, "https://riversidegazette.example/missing", b"<html><body>Not found</body></html>",
                  "2024-02-16T10:00:03Z", status="404 Not Found")
        greek = gzip.compress((PAGES / "greek.html").read_bytes())
        _response(writer, "https://efimerida-vorra.example/limani", greek, "2022-03-26T07:00:00Z",
                  content_type="text/html", extra=[("Content-Encoding", "gzip")])


ARC_HEADER = b"1 0 newsearch tests\nURL IP-address Archive-date Content-type Archive-length\n"


def write_arc(path: Path) -> None:
    """An ARC (version 1) file: the web archive format before WARC, still common in old collections."""
    records = []
    for url, page, date in CRAWL[:2]:
        http = b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n" + (PAGES / page).read_bytes()
        stamp = date.replace("-", "").replace("T", "").replace(":", "").rstrip("Z")
        records.append(f"{url} 192.0.2.1 {stamp} text/html {len(http)}\n".encode() + http + b"\n")
    desc = f"filedesc://{path.name} 0.0.0.0 20240216100000 text/plain {len(ARC_HEADER)}\n".encode()
    path.write_bytes(desc + ARC_HEADER + b"\n" + b"".join(records))


def main() -> None:
    """Write every test archive beside this script."""
    write_crawl(HERE / "crawl.warc.gz", gzipped=True)
    write_crawl(HERE / "crawl.warc", gzipped=False)
    write_arc(HERE / "crawl.arc")


if __name__ == "__main__":
    main()
