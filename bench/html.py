"""HTML pages per second, end to end through newsearch, against trafilatura and htmldate alone.

    python bench/html.py [--pages N] [--rounds R] [DIR ...]

Reads the article pages in DIR (default: tests/data/formats/pages, rejects included) repeated to N pages,
then times, in the same run and alternating rounds, on the same bytes:
  bare:    trafilatura.bare_extraction with metadata (which runs htmldate, extensive mode)
  bare+hd: the same plus a separate htmldate.find_date (extensive mode), as a user of both libraries would
  ours:    newsearch.formats.html.parse_html and newsearch.documents.with_entities (the whole ingest path)
CPU seconds per round are taken (the machine is shared); the best round of each is reported.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

# Run as a script, this file's folder comes first on the path, and its name would hide the standard html module.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import htmldate  # noqa: E402
import trafilatura  # noqa: E402

from bench.common import load  # noqa: E402
from newsearch.documents import DocumentError, Raw, with_entities  # noqa: E402
from newsearch.entities import default_extractor  # noqa: E402
from newsearch.formats.html import parse_html  # noqa: E402

DEFAULT_DIR = Path(__file__).resolve().parents[1] / "tests" / "data" / "formats" / "pages"


def read_pages(folders: list[Path], count: int) -> list[bytes]:
    """The .html files in the folders, repeated in order until there are ``count`` pages."""
    files = sorted(p for folder in folders for p in folder.rglob("*.htm*"))
    pages = [p.read_bytes() for p in files]
    return [pages[i % len(pages)] for i in range(count)]


def bare(page: bytes) -> object:
    return trafilatura.bare_extraction(page, with_metadata=True)


def bare_and_htmldate(page: bytes) -> object:
    return bare(page), htmldate.find_date(page, extensive_search=True, original_date=True)


def ours_with(extractor: object) -> Callable[[bytes], object]:
    def ours(page: bytes) -> object:
        try:
            return with_entities(parse_html(Raw("bench.html", "html", page, "bench")), extractor)  # type: ignore[arg-type]
        except DocumentError:  # index pages and login walls: refused, as in a real ingest
            return None
    return ours


def cpu_seconds(run: Callable[[bytes], object], pages: list[bytes]) -> float:
    started = time.process_time()
    for page in pages:
        run(page)
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path, default=[DEFAULT_DIR])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    pages = read_pages(args.folders, args.pages)
    runs = {"bare": bare, "bare+hd": bare_and_htmldate, "ours": ours_with(default_extractor())}
    for run in runs.values():  # warm up: imports, models, caches
        cpu_seconds(run, pages[:20])
    print(f"{len(pages)} pages ({sum(map(len, pages)) / len(pages) / 1000:.1f} kB on average); {load()}")
    best = {name: min(cpu_seconds(run, pages) for _ in range(1)) for name, run in runs.items()}
    for _ in range(args.rounds - 1):
        for name, run in runs.items():
            best[name] = min(best[name], cpu_seconds(run, pages))
    for name, seconds in best.items():
        print(f"{name:8} {len(pages) / seconds:7.1f} pages per CPU-second ({seconds:.2f} s)")
    print(f"ours / bare = {best['ours'] / best['bare']:.2f}x, ours / bare+hd = {best['ours'] / best['bare+hd']:.2f}x "
          f"(target <= 1.5x); {load()}")


if __name__ == "__main__":
    main()
