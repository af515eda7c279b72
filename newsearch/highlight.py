"""Highlighted snippets: the matched words located in text, then rendered escaped.

Finding the matches (``Span`` values) is kept apart from rendering them as HTML, so that
both can be tested and the rendering is the one place that escapes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from html import escape

FRAGMENT_CHARS = 240
MAX_FRAGMENTS = 2
MAX_SPANS = 1_000  # matches looked at per text: snippet cost stays linear and bounded
MAX_SCAN_CHARS = 300_000  # characters searched for matches per text


@dataclass(frozen=True)
class Terms:
    """What to highlight: single words, word prefixes (from word*) and phrases."""

    words: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.words or self.prefixes or self.phrases)


@dataclass(frozen=True)
class Span:
    """A matched stretch of text: [start, end) character offsets."""

    start: int
    end: int


_EDGE = r"[\w.'’]"


@lru_cache(maxsize=256)
def _pattern(terms: Terms) -> re.Pattern[str]:
    """One regex for all the terms: phrases first (longest wins), then words and prefixes, whole tokens only."""
    phrases = sorted((r"[^\w]+".join(map(re.escape, p)) for p in terms.phrases), key=len, reverse=True)
    words = sorted(map(re.escape, terms.words), key=len, reverse=True)
    prefixes = [re.escape(p) + r"\w*" for p in terms.prefixes]
    body = "|".join([*phrases, *words, *prefixes])
    return re.compile(rf"(?<!{_EDGE})(?:{body})(?!\w)", re.IGNORECASE)


def find_spans(text: str, terms: Terms, limit: int = MAX_SPANS) -> list[Span]:
    """The first `limit` matches of the terms in the text (its first MAX_SCAN_CHARS), phrases as one span."""
    if not terms:
        return []
    found = _pattern(terms).finditer(text, 0, MAX_SCAN_CHARS)
    return [Span(m.start(), m.end()) for _, m in zip(range(limit), found, strict=False)]


def best_windows(text: str, spans: list[Span], size: int = FRAGMENT_CHARS, count: int = MAX_FRAGMENTS
                 ) -> list[tuple[int, int]]:
    """Up to `count` non-overlapping windows of about `size` characters with the most matches."""
    if not spans:
        return []
    scored = []
    end = 0  # spans[i:end] fit in the window starting at spans[i]: one pass, linear in the spans
    for i, first in enumerate(spans):
        end = max(end, i)
        while end < len(spans) and spans[end].end <= first.start + size:
            end += 1
        inside = spans[i:end]
        distinct = len({text[s.start:s.end].lower() for s in inside[:20]})
        scored.append((-distinct, -len(inside), first.start))
    chosen: list[tuple[int, int]] = []
    for _, _, start in sorted(scored):
        window = _widen(text, start, size)
        if all(window[1] <= a or window[0] >= b for a, b in chosen):
            chosen.append(window)
        if len(chosen) == count:
            break
    return sorted(chosen)


def _widen(text: str, start: int, size: int) -> tuple[int, int]:
    """A window starting a little before the match, cut at word boundaries."""
    begin = max(0, start - size // 4)
    paragraph = text.rfind("\n", 0, start)
    if paragraph >= begin:
        begin = paragraph + 1
    elif begin > 0:
        space = text.find(" ", begin)
        begin = space + 1 if 0 <= space < start else begin
    end = min(len(text), begin + size)
    newline = text.find("\n", start)
    if 0 <= newline < end:
        end = newline
    elif end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    return begin, end


def render(text: str, spans: list[Span], begin: int = 0, end: int | None = None) -> str:
    """The text between begin and end, HTML-escaped, with the spans in <mark>."""
    end = len(text) if end is None else end
    out, pos = [], begin
    for span in spans:
        if span.end <= begin or span.start >= end:
            continue
        s, e = max(span.start, begin), min(span.end, end)
        out.append(escape(text[pos:s]))
        out.append(f"<mark>{escape(text[s:e])}</mark>")
        pos = e
    out.append(escape(text[pos:end]))
    return "".join(out)


def snippets(text: str, terms: Terms, fallback_chars: int = FRAGMENT_CHARS) -> list[str]:
    """One or two highlighted fragments of the text (its opening when nothing matches)."""
    spans = find_spans(text, terms) if terms else []
    windows = best_windows(text, spans)
    if not windows:
        begin, end = _widen(text, 0, fallback_chars)
        return [render(text, [], begin, end) + (" …" if end < len(text) else "")]
    return [("… " if a > 0 else "") + render(text, spans, a, b) + (" …" if b < len(text) else "")
            for a, b in windows]


def highlight_all(text: str, terms: Terms) -> str:
    """The whole text escaped, with its first MAX_SPANS matches marked (for titles and article pages)."""
    return render(text, find_spans(text, terms) if terms else [])
