"""Reading CoNLL-2003-shaped gold data and scoring an extractor on it."""

from __future__ import annotations

import gzip
import json
import lzma
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .entities import KINDS, Mention, Token


@dataclass(frozen=True)
class GoldDocument:
    """A text with its gold entity spans as (kind, start, end)."""

    id: str
    split: str
    text: str
    spans: frozenset[tuple[str, int, int]]


def open_text(path: Path) -> IO[str]:
    """Open a plain, .gz or .xz text file for reading."""
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    if path.suffix == ".xz":
        return lzma.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def read_gold(path: Path, split: str | None = None) -> Iterator[GoldDocument]:
    """Gold documents of one split (all when split is None)."""
    with open_text(path) as f:
        for line in f:
            if not line.strip():
                continue
            rec = json.loads(line)
            if split and rec.get("split") != split:
                continue
            spans = frozenset((e["type"], e["start"], e["end"]) for e in rec["entities"])
            yield GoldDocument(str(rec["id"]), rec.get("split", ""), rec["text"], spans)


def bio_tags(tokens: Iterable[Token], spans: Iterable[tuple[str, int, int]]) -> list[str]:
    """BIO labels of tokens given gold spans (any type, MISC included)."""
    starts = {start: (kind, end) for kind, start, end in spans}
    tags: list[str] = []
    inside: tuple[str, int] | None = None
    for token in tokens:
        if token.start in starts:
            inside = starts[token.start]
            tags.append("B-" + inside[0])
        elif inside is not None and token.end <= inside[1]:
            tags.append("I-" + inside[0])
        else:
            inside = None
            tags.append("O")
        if inside is not None and token.end >= inside[1]:
            inside = None
    return tags


@dataclass(frozen=True)
class Score:
    """Micro precision, recall and F1 over exact (kind, start, end) spans."""

    true_positives: int
    predicted: int
    gold: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def line(self) -> str:
        return f"PER/ORG/LOC micro precision={self.precision:.3f} recall={self.recall:.3f} f1={self.f1:.3f}"


def score(docs: Iterable[GoldDocument], predict: Callable[[str], Iterable[Mention]], kind: str | None = None) -> Score:
    """Score predict(text) against the gold spans of PER, ORG and LOC (or of one kind)."""
    kinds = (kind,) if kind else KINDS
    tp = npred = ngold = 0
    for doc in docs:
        gold = {s for s in doc.spans if s[0] in kinds}
        pred = {(m.kind, m.start, m.end) for m in predict(doc.text) if m.kind in kinds}
        tp += len(gold & pred)
        npred += len(pred)
        ngold += len(gold)
    return Score(tp, npred, ngold)


def score_by_kind(docs: Iterable[GoldDocument], predict: Callable[[str], Iterable[Mention]]) -> dict[str, Score]:
    """Scores per kind and over all three ("all"), tagging each document once."""
    counts = {k: [0, 0, 0] for k in (*KINDS, "all")}
    for doc in docs:
        gold = {s for s in doc.spans if s[0] in KINDS}
        pred = {(m.kind, m.start, m.end) for m in predict(doc.text) if m.kind in KINDS}
        for kind in KINDS:
            g, p = {s for s in gold if s[0] == kind}, {s for s in pred if s[0] == kind}
            for key in (kind, "all"):
                counts[key][0] += len(g & p)
                counts[key][1] += len(p)
                counts[key][2] += len(g)
    return {k: Score(*v) for k, v in counts.items()}
