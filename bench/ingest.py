"""Ingest benchmark: full rebuild of the Reuters 2006-2013 corpus, then --update with 1,000 new articles.

    python bench/ingest.py [--limit N] [--index-dir DIR]

Prints the time split by stage, articles/s, peak memory and the machine's load. The
baseline in the same run is the same build in one process (one entity worker, one writer) on a 2,000-article
sample, so the ratio shows what the parallel pipeline buys.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REUTERS_1987, REUTERS_2006, lines, load  # noqa: E402
from newsearch.indexer import BuildStats, rebuild, update  # noqa: E402


def sample(path: Path, limit: int | None, folder: Path, name: str) -> Path:
    out = folder / name
    with out.open("w", encoding="utf-8") as f:
        f.writelines(lines(path, limit))
    # Dated a minute back, as a corpus file written before the build: a file changed within two
    # seconds of a scan is read again by the next --update (it may have been written during the scan).
    earlier = time.time() - 60
    os.utime(out, (earlier, earlier))
    return out


def show(label: str, stats: BuildStats) -> None:
    rate = stats.seen / stats.elapsed if stats.elapsed else 0
    print(f"{label}: {stats.summary()}; {rate:,.0f} articles/s end to end")
    print(f"  stages: read+parse {stats.read_parse_seconds:.1f} CPU-s, entities {stats.entity_seconds:.1f} CPU-s, "
          f"index write {stats.write_seconds:.1f} s, copies and stories {stats.group_seconds:.1f} CPU-s; "
          f"peak memory {stats.peak_memory_mb:,.0f} MB; {load()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=None, help="only the first N articles of the corpus")
    parser.add_argument("--index-dir", type=Path, default=Path(tempfile.gettempdir()) / "newsearch-bench" / "index")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "small").mkdir()
        small = sample(REUTERS_2006, 2000, folder / "small", "small.jsonl")
        one = rebuild([small], folder / "ix1", workers=1, writer_procs=1)
        two = rebuild([small], folder / "ix2", workers=2)
        show("baseline, 2,000 articles, one process (1 entity worker, 1 writer)", one)
        show("same, 2 entity workers and 2 writer processes", two)
        print(f"  ratio: the parallel pipeline is {one.elapsed / two.elapsed:.2f}x faster")
        corpus = REUTERS_2006 if args.limit is None else sample(REUTERS_2006, args.limit, folder, "corpus.jsonl")
        full = rebuild([corpus], args.index_dir, workers=2)
        show(f"full rebuild of {corpus.name}", full)
        (folder / "new").mkdir()
        new = sample(REUTERS_1987, 1000, folder / "new", "new.jsonl")
        upd = update([corpus, new], args.index_dir, workers=2)
        show("update with 1,000 new articles", upd)
        print(json.dumps({"rebuild_articles_per_s": round(full.seen / full.elapsed, 1),
                          "update_seconds": round(upd.elapsed, 2), "peak_memory_mb": round(full.peak_memory_mb)}))


if __name__ == "__main__":
    main()
