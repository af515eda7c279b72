"""The layout conventions of news text: header lines, headline, date line, byline,
dateline, photo captions, promotion lines, sign-offs and source trailers.

``parse`` separates what is the article's searchable body from its metadata and its
boilerplate; the original text is kept untouched for display.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .dates import LEADING_DATE_RE, is_date_line

_HEADER_RE = re.compile(
    r"^\s*(title|headline|date|published|updated|source|publisher|author|byline|url|link|id)\s*:\s*(.*?)\s*$",
    re.I,
)
_BARE_DATE_HEADER_RE = re.compile(r"^\s*(?:date|published)\s+(?=\d{4}-\d{2}-\d{2})", re.I)
_HEADER_KEYS = {"headline": "title", "published": "date", "updated": "date", "publisher": "source",
                "byline": "author", "link": "url"}
_SOURCE_LINE_RE = re.compile(r"^\s*source\s*:\s*(.+?)\s*$", re.I)
_CAPTION_RE = re.compile(
    r"(?:[/|]\s*(?:Photo|Image|Picture|Video)s?\s*:|^\s*(?:Photo|Image|Picture|File photo)\s*(?:by|:)"
    r"|\((?:Photo|Image)\s*:[^)]*\)\s*$|\bGetty Images\s*$|\b(?:AFP|AP|Reuters)\s+Photo\b)",
    re.I,
)
_PROMOTION_RE = re.compile(
    r"^\s*(?:READ|WATCH|LISTEN|SEE|ALSO READ|READ MORE|READ ALSO|RELATED|MORE|RECOMMENDED)\s*:"
    r"|^\s*(?:Click here|Follow us|Subscribe|Sign up|Download (?:our|the) app|Share this)\b",
    re.I,
)
_SIGN_OFF_RE = re.compile(
    r"^\s*\(?\s*(?:Reporting|Writing|Additional reporting|Editing|Compiled|Edited) by\b.*$"
    r"|^\s*(?:Copyright\b|©|All rights reserved\b).*$"
    r"|^\s*[-–—]{1,2}\s*(?:Reuters|AP|AFP|Associated Press|Agencies|agencies|Staff)\s*$",
    re.I,
)
_TRAILING_SIGN_OFF_RE = re.compile(
    r"\s*\((?:Reporting|Writing|Additional reporting|Editing|Compiled|Edited) by[^()]*(?:\([^()]*\)[^()]*)*\)\s*$",
    re.I,
)
_BYLINE_RE = re.compile(r"^\s*By\s+([A-Z][\w.'’-]+(?:\s+(?:[A-Z][\w.'’-]+|and|&|de|van|von|al-?\w*)){0,6})\s*$")
_SENTENCE_END = (".", "!", "?", ":", '"', "”", "’", "'", ")")
TITLE_LENGTH = 120


@dataclass
class Layout:
    """What a news text's layout says: metadata, title, body, boilerplate."""

    original: str
    body: str = ""
    title: str = ""
    meta: dict[str, str] = field(default_factory=dict)
    source_line: str = ""
    date_candidates: list[tuple[Any, str]] = field(default_factory=list)
    boilerplate: list[str] = field(default_factory=list)

    def lede(self) -> str:
        """The first two paragraphs, where in-text attribution lives."""
        return "\n\n".join(self.body.split("\n\n")[:2])


def parse(text: str, headline_allowed: bool = True, original: str | None = None) -> Layout:
    """Split a news text into metadata, headline, searchable body and boilerplate."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    layout = Layout(original=original if original is not None else text)
    lines = _read_headers(text.split("\n"), layout)
    if headline_allowed:
        lines = _take_headline(lines, layout)
    kept = [line for index, line in enumerate(lines) if not _is_boilerplate(line, index, layout)]
    layout.body = _paragraphs(kept)
    return layout


def _read_headers(lines: list[str], layout: Layout) -> list[str]:
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.strip():
            index += 1
            continue
        bare = _BARE_DATE_HEADER_RE.match(line)
        if bare:
            rest = line[bare.end():]
            found = LEADING_DATE_RE.match(rest)
            if found:
                layout.date_candidates.append((found.group(), "header"))
                return [rest[found.end():].strip()] + lines[index + 1:]
        m = _HEADER_RE.match(line)
        if not m or not m.group(2):
            break
        key = _HEADER_KEYS.get(m.group(1).lower(), m.group(1).lower())
        if key == "date":
            layout.date_candidates.append((m.group(2), "header"))
        else:
            layout.meta.setdefault(key, m.group(2))
        index += 1
    return lines[index:]


def _take_headline(lines: list[str], layout: Layout) -> list[str]:
    """The first line is a headline when it is short, unpunctuated and more follows."""
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        rest = [x for x in lines[index + 1:] if x.strip()]
        looks_like_headline = (
            len(stripped) <= 200 and not stripped.endswith((".", ",", ";")) and rest
            and not is_date_line(stripped) and not _BYLINE_RE.match(stripped)
        )
        if looks_like_headline and not layout.meta.get("title"):
            layout.title = " ".join(stripped.split())
            return lines[index + 1:]
        return lines[index:]
    return lines


def _is_boilerplate(line: str, index: int, layout: Layout) -> bool:
    stripped = line.strip()
    if not stripped:
        return False
    source = _SOURCE_LINE_RE.match(stripped)
    if source:
        layout.source_line = source.group(1)
    elif index < 8 and is_date_line(stripped):
        layout.date_candidates.append((stripped, "date line"))
    elif index < 8 and _BYLINE_RE.match(stripped):
        layout.meta.setdefault("author", _BYLINE_RE.match(stripped).group(1))  # type: ignore[union-attr]
    elif not (_CAPTION_RE.search(stripped) or _PROMOTION_RE.match(stripped) or _SIGN_OFF_RE.match(stripped)):
        return False
    layout.boilerplate.append(stripped)
    return True


def _paragraphs(lines: list[str]) -> str:
    """Blank-line separated paragraphs; hard-wrapped lines inside one are joined."""
    paragraphs: list[str] = []
    current = ""
    for line in lines:
        stripped = " ".join(line.split())
        if not stripped:
            if current:
                paragraphs.append(current)
            current = ""
        elif not current:
            current = stripped
        else:
            current += ("\n" if current.endswith(_SENTENCE_END) else " ") + stripped
    if current:
        paragraphs.append(current)
    if paragraphs:
        paragraphs[-1] = _TRAILING_SIGN_OFF_RE.sub("", paragraphs[-1])
    return "\n\n".join(p for p in paragraphs if p)


_ATTRIBUTION_TAIL_RE = re.compile(r",\s*(?:[A-Z][\w&'’]*\s+){0,3}[A-Z][\w&'’]*\s+(?:reports|reported)\s*$")
_FIRST_SENTENCE_RE = re.compile(r"^(.+?[.!?])(?:[\"”’)]*)(?:\s|$)", re.S)


def title_from_body(body: str) -> str:
    """A title for an article without one: its first sentence, shortened at a word."""
    first = body.strip().split("\n")[0]
    m = _FIRST_SENTENCE_RE.match(first)
    sentence = (m.group(1) if m else first).rstrip(".!? ")
    sentence = _ATTRIBUTION_TAIL_RE.sub("", sentence).strip()
    if len(sentence) <= TITLE_LENGTH:
        return sentence
    return sentence[:TITLE_LENGTH].rsplit(" ", 1)[0].rstrip(",;:") + "…"


_MD_IMAGE_RE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK_RE = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MD_HEADING_RE = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$", re.M)
_MD_EMPHASIS_RE = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")
_MD_QUOTE_LIST_RE = re.compile(r"^\s{0,3}(?:>\s?|[-*+]\s+|\d+\.\s+)", re.M)
_MD_HTML_RE = re.compile(r"<[^>\n]{1,200}>")


def markdown_to_text(source: str) -> str:
    """Markdown reduced to its plain words (for indexing and snippets), headings kept as lines."""
    text = _MD_IMAGE_RE.sub("", source)
    text = _MD_LINK_RE.sub(r"\1", text)
    text = _MD_HEADING_RE.sub(r"\1", text)
    text = _MD_EMPHASIS_RE.sub(r"\2", text)
    text = _MD_QUOTE_LIST_RE.sub("", text)
    return _MD_HTML_RE.sub("", text)
