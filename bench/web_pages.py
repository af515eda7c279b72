"""HTML pages per second, end to end through newsearch, against trafilatura and htmldate alone.

    python bench/web_pages.py [--pages N] [--rounds R] [DIR ...]
    python bench/web_pages.py --expected FILE.json DIR


Reads the article pages in DIR (default: tests/data/formats/pages, rejects included) repeated to N pages,
then times, in the same run and alternating rounds, on the same bytes:
  bare:    trafilatura.bare_extraction with metadata (which runs htmldate, extensive mode)
  bare+hd: the same plus a separate htmldate.find_date (extensive mode), as a user of both libraries would
  ours:    newsearch.formats.html.parse_html and newsearch.documents.with_entities (the whole ingest path)
CPU seconds per round are taken (the machine is shared); the best round of each is reported.

With --expected (a JSON object: page file stem -> {"local_day": "YYYY-MM-DD" or "", "body": "..."}, as in
tests/data/formats/pages/expected.json), it scores instead: publication day right (ours in the page's zone,
ours in UTC, htmldate extensive alone) and main-text 4-gram shingle F1 (ours, trafilatura alone).
"""

from __future__ import annotations

import argparse
import json
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
from newsearch.formats.html import parse_html, read_article  # noqa: E402
from tests.formats_helpers import shingle_f1  # noqa: E402

DEFAULT_DIR = Path(__file__).resolve().parents[1] / "tests" / "data" / "formats" / "pages"


def read_pages(folders: list[Path], count: int) -> list[bytes]:
    """The .html files in the folders, repeated in order until there are ``count`` pages."""
    files = sorted(p for folder in folders for p in folder.rglob("*.htm*"))
    pages = [p.read_bytes() for p in files]
    return [pages[i % len(pages)] for i in range(count)]


MENU = "".join(f'<li><a href="/section/{i}/story-{i}">Section {i} story headline {i}</a></li>' for i in range(300))
SCRIPT = '<script>window.__DATA__={"state":"' + "x" * 60_000 + '"};</script>'


def with_chrome(page: bytes) -> bytes:
    """The page with the weight of a real news site's chrome: a 300-link menu and 60 kB of inline script."""
    return page.replace(b"<body", f"<body>{SCRIPT}<nav><ul>{MENU}</ul></nav></body><body".encode(), 1)


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


def score(folder: Path, expected: dict[str, dict[str, str]]) -> None:
    """Publication day and main-text accuracy against hand-made answers, ours beside the bare libraries'."""
    days = {"ours (local day)": 0, "ours (UTC day)": 0, "htmldate alone": 0}
    f1 = {"ours": [], "trafilatura alone": []}
    pages = {name: want for name, want in expected.items() if "body" in want}
    for name, want in pages.items():
        page = (folder / f"{name}.html").read_bytes()
        art = read_article(page, name, name, None)
        day = want.get("local_day", (want.get("published") or "")[:10])
        days["ours (local day)"] += art.local_day() == day
        days["ours (UTC day)"] += (art.published.date().isoformat() if art.published else "") == day
        days["htmldate alone"] += (htmldate.find_date(page, extensive_search=True, original_date=True) or "") == day
        f1["ours"].append(shingle_f1(art.body, want["body"]))
        f1["trafilatura alone"].append(shingle_f1(trafilatura.extract(page) or "", want["body"]))
    for name, right in days.items():
        print(f"publication day right, {name:17}: {right}/{len(pages)} = {right / len(pages):.1%}")
    for name, scores in f1.items():
        print(f"main text 4-gram F1, {name:17}: mean {sum(scores) / len(scores):.3f}, min {min(scores):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path, default=[DEFAULT_DIR])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--chrome", action="store_true", help="add a news site's weight of menu and script")
    parser.add_argument("--expected", type=Path, help="score against these answers instead of timing")
    args = parser.parse_args()
    if args.expected:
        score(args.folders[0], json.loads(args.expected.read_text(encoding="utf-8")))
        return
    pages = read_pages(args.folders, args.pages)
    if args.chrome:
        pages = [with_chrome(p) for p in pages]
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
