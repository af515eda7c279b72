"""Shared helpers for the format tests: the test data folder and the 4-gram shingle F1 of main texts."""

from __future__ import annotations

import re
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "formats"
_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def shingles(text: str, size: int = 4) -> set[tuple[str, ...]]:
    """Word 4-grams (character 4-grams for CJK text, which has no spaces between words)."""
    tokens = [c for c in text if not c.isspace()] if _CJK_RE.search(text) else re.findall(r"\w+", text.lower())
    return {tuple(tokens[i:i + size]) for i in range(max(len(tokens) - size + 1, 1))}


def shingle_f1(found: str, expected: str) -> float:
    """F1 of the found text's 4-gram shingles against the expected text's."""
    a, b = shingles(found), shingles(expected)
    common = len(a & b)
    if not common:
        return 0.0
    precision, recall = common / len(a), common / len(b)
    return 2 * precision * recall / (precision + recall)
