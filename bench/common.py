"""Helpers shared by the benchmarks: where the corpora are, the machine's load, percentiles."""

from __future__ import annotations

import gzip
import itertools
import lzma
import os
import statistics
from collections.abc import Iterator
from pathlib import Path
from typing import IO

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
REUTERS_2006 = CORPORA / "reuters_financial_2006_2013.jsonl.xz"
REUTERS_1987 = CORPORA / "reuters21578.jsonl.gz"


def open_corpus(path: Path) -> IO[str]:
    opener = lzma.open if path.suffix == ".xz" else gzip.open if path.suffix == ".gz" else open
    return opener(path, "rt", encoding="utf-8")  # type: ignore[operator,no-any-return]


def lines(path: Path, limit: int | None = None) -> Iterator[str]:
    with open_corpus(path) as f:
        yield from itertools.islice(f, limit)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min) {five:.2f} (5 min) on {os.cpu_count()} cores"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def summary(values: list[float]) -> str:
    return (f"median {statistics.median(values):.1f} ms, p95 {percentile(values, 95):.1f} ms, "
            f"p99 {percentile(values, 99):.1f} ms (n={len(values)})")
