"""The layout conventions of news text: header lines, headline, date line, byline,
dateline, photo captions, promotion lines, sign-offs and source trailers.

``parse`` separates what is the article's searchable body from its metadata and its
boilerplate; the original text is kept untouched for display.

The header is the run of short lines before the body, in any order and with any decoration
(``-- ``, ``* ``, ``> ``, ``#``, ``**``): a headline, ``key: value`` fields, a byline, date
lines, a URL, a source line.  None of it reaches the body.  The dateline that opens the
first paragraph ("GENEVA (Reuters) -") is kept apart from the body too.

Every pattern here is linear in its input, and every line-level pattern only ever sees a
line of bounded length: hostile input costs time in proportion to its size, never more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .dates import DATE_FIRST_WORDS, LEADING_DATE_RE, clean_date_text, read_date_line
from .sources import KNOWN_OUTLETS, canonical_source, is_outlet, source_key


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


MAX_HEADER_LINE = 300  # longer lines are body text, never a header
MAX_BOILERPLATE_LINE = 500
EARLY_LINES = 8  # bylines and date lines are looked for this far into the body too
TITLE_LENGTH = 120
HEADLINE_LENGTH = 200

_DECORATION = " \t-–—*>#=_~•·▪►|+"
_FIELD_KEYS = {
    "title": "title", "headline": "title", "head": "title", "hed": "title", "subject": "title",
    "date": "date", "published": "date", "publication date": "date", "pubdate": "date", "posted": "date",
    "dated": "date", "filed": "date", "aired": "date", "broadcast": "date", "release date": "date",
    "updated": "updated", "last updated": "updated", "modified": "updated", "last modified": "updated",
    "source": "source", "publisher": "source", "publication": "source", "agency": "source", "outlet": "source",
    "newspaper": "source", "network": "source",
    "author": "author", "authors": "author", "byline": "author", "by": "author", "writer": "author",
    "reporter": "author", "correspondent": "author",
    "url": "url", "link": "url", "permalink": "url", "canonical": "url", "web": "url", "address": "url",
    "id": "id", "show": "show", "program": "show", "programme": "show",
}
# Header fields that are metadata but none of ours: consumed so that they stay out of the body.
_IGNORED_KEYS = frozenset((
    "section", "category", "categories", "tags", "keywords", "topics", "topic", "language", "lang", "slug",
    "word count", "words", "length", "type", "format", "edition", "page", "pages", "desk", "dateline",
    "location", "host", "hosts", "guests", "guest", "speakers", "transcript",
    "copyright", "rights", "priority", "status", "version", "embargo", "contact", "media contact", "ticker",
    "tickers", "region", "country", "summary", "deck", "subtitle", "subhead", "kicker", "image", "photo",
    "caption", "credit", "permissions", "license",
))
_HEADER_MARKERS = frozenset((
    "for immediate release", "immediate release", "press release", "news release", "media release",
    "embargoed", "breaking", "breaking news", "exclusive", "transcript", "rush transcript", "advisory",
    "media advisory", "correction", "corrected", "update", "urgent", "flash", "bulletin", "analysis",
    "opinion", "editorial", "news", "live", "developing story", "end", "###", "-30-",
))
_BYLINE_PREFIXES = ("by: ", "by ", "written by ", "words by ", "story by ", "reported by ", "text by ",
                    "posted by ", "report by ", "interview by ")
_YEAR_RE = re.compile(r"(?<!\d)(?:1[89]|2[01])\d\d(?!\d)")
_BYLINE_FIRST_WORDS = frozenset(p.split(" ", 1)[0] for p in _BYLINE_PREFIXES)
_BODY_HEADER_WORDS = _BYLINE_FIRST_WORDS | DATE_FIRST_WORDS | {"source", "url", "link"}
_NAME_PARTICLES = _word_set("de da del della der den di do dos das du la le van von y bin ibn al el abu st. st "
                            "mc mac o' ter ten")
_ROLE_WORDS = frozenset((
    "staff", "writer", "writers", "reporter", "reporters", "correspondent", "correspondents", "editor", "editors",
    "contributor", "contributors", "columnist", "analyst", "bureau", "chief", "desk", "team", "senior",
    "special", "associate", "political", "business", "economics", "foreign", "chief's", "news", "service",
    "wire", "wires", "agencies", "newsroom", "digital", "producer", "anchor", "host", "photographer",
    # story labels that wires append to a byline ("Jane Doe - Analysis")
    "analysis", "interview", "commentary", "column", "opinion", "feature", "factbox", "insight", "exclusive",
    "update", "breakingviews", "blog", "review", "preview", "wrapup", "explainer",
))
_NOT_NAMES = _word_set("monday tuesday wednesday thursday friday saturday sunday january february march april may "
                       "june july august september october november december the a an this that")

# Words that make a byline part an outlet even without "The": not Daily, Post or Times, which are surnames too.
_BYLINE_MEDIA_RE = re.compile(r"\b(?:Agency|News|Press|Reuters|AP|AFP|Xinhua|BBC|CNN|Bloomberg|TV|Television|Radio|"
                              r"Network|Wire|Media|Newspaper|Magazine|Broadcasting)\b")
_DASH_LABEL_RE = re.compile(r"[ ][-–—]+(?=[A-Z])")
_MEDIA_END_RE = re.compile(r"\b(?:Agency|News|Press|Times|Post|Journal|Gazette|Herald|Tribune|Telegraph|Monitor|"
                           r"Daily|Network|Radio|Television|TV|Wire|Media|Star|Chronicle|Observer|Standard)$")
_BARE_DATE_HEADER_RE = re.compile(r"^[ \t]*(?:date|published)[ \t]{1,10}(?=\d{4}-\d{2}-\d{2})", re.I)
_CAPTION_RE = re.compile(
    r"(?:[/|][ \t]{0,5}(?:Photo|Image|Picture|Video)s?[ \t]{0,5}:|^[ \t]*(?:Photo|Image|Picture|File photo)"
    r"[ \t]{0,5}(?:by|:)|\((?:Photo|Image)[ \t]{0,5}:[^()]{0,200}\)[ \t]*$|\bGetty Images[ \t]*$"
    r"|\b(?:AFP|AP|Reuters)[ \t]+Photo\b)",
    re.I,
)
_PROMOTION_RE = re.compile(
    r"^[ \t]*(?:READ|WATCH|LISTEN|SEE|ALSO READ|READ MORE|READ ALSO|RELATED|MORE|RECOMMENDED)[ \t]*:"
    r"|^[ \t]*(?:Click here|Follow us|Subscribe|Sign up|Download (?:our|the) app|Share this)\b",
    re.I,
)
_SIGN_OFF_RE = re.compile(
    r"^[ \t]*\(?[ \t]*(?:Reporting|Writing|Additional reporting|Editing|Compiled|Edited) by\b"
    r"|^[ \t]*(?:Copyright\b|©|All rights reserved\b)"
    r"|^[ \t]*[-–—]{1,2}[ \t]*(?:Reuters|AP|AFP|Associated Press|Agencies|agencies|Staff)[ \t]*$"
    r"|^[ \t]*(?:Reuter|REUTER)[ \t]*$"
    r"|^[ \t]*(?:###|-30-|# # #|-[ ]?ends?[ ]?-|ENDS)[ \t]*$",
    re.I,
)
_TRAILING_SIGN_OFF_RE = re.compile(
    r"\((?:Reporting|Writing|Additional reporting|Editing|Compiled|Edited) by[^()]{0,400}"
    r"(?:\([^()]{0,100}\)[^()]{0,400}){0,5}\)[ \t]*$",
    re.I,
)
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]{0,6}\.?"
_DATELINE_RE = re.compile(
    r"(?:"
    # GENEVA (Reuters) -   ANCHORAGE, Alaska  (Reuters) -   LONDON, March 26 (Reuters) -   WASHINGTON —
    r"(?P<caps>[A-Z][A-Z.'’\-]{1,30}(?:[ /][A-Z][A-Z.'’\-]{0,30}){0,4})"
    r"(?:,[ ]{1,2}[A-Z][A-Za-z.'’\-]{0,20}(?:[ ][A-Z][A-Za-z.'’\-]{0,20}){0,2})?"
    r"|(?P<mixed>[A-Z][a-z]{1,20}(?:[ /][A-Z][a-z]{1,20}){0,3})"
    r")?"
    rf"(?P<day>,?[ ]{{1,2}}{_MONTH}[ ]{{1,2}}\d{{1,2}}(?:,[ ]{{1,2}}\d{{4}})?)?"
    r"(?:[ ]{0,3}\((?P<agency>[A-Z][\w&.'’ \-]{0,40})\)|[ ]{1,3}/(?P<wire>[A-Z][\w&.'’ \-]{0,40})/)?"
    r"[ ]{0,3}(?P<dash>-{1,2}|–|—|:)[ ]{1,3}(?=\S)"
)
_SENTENCE_END = (".", "!", "?", ":", '"', "”", "’", "'", ")")


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
    dateline: str = ""
    dateline_source: str = ""
    byline_source: str = ""
    updated_candidates: list[tuple[Any, str]] = field(default_factory=list)

    def lede(self) -> str:
        """The first two paragraphs, where in-text attribution lives."""
        return "\n\n".join(self.body.split("\n\n")[:2])

    def dates(self) -> list[tuple[Any, str]]:
        """Date candidates, publication dates before update dates."""
        return self.date_candidates + self.updated_candidates


def parse(text: str, headline_allowed: bool = True, original: str | None = None) -> Layout:
    """Split a news text into metadata, headline, searchable body and boilerplate."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    layout = Layout(original=original if original is not None else text)
    lines = _read_header(text.split("\n"), layout, headline_allowed)
    kept = _drop_boilerplate(lines, layout)
    paragraphs = _paragraphs(kept)
    if not (layout.title or layout.meta.get("title")) and layout.meta.get("show"):
        layout.title = layout.meta["show"]  # a transcript: the programme names it
    if paragraphs:
        paragraphs[0] = _take_dateline(paragraphs[0], layout)
        paragraphs[-1] = _without_trailing_sign_off(paragraphs[-1])
    layout.body = "\n\n".join(p for p in paragraphs if p)
    return layout


# --- the header ----------------------------------------------------------------------------


def undecorated(line: str) -> str:
    """A line without the decoration that layouts put around header lines ('-- ', '**', '# ')."""
    return " ".join(line.strip(_DECORATION).split())


def _read_header(lines: list[str], layout: Layout, headline_allowed: bool) -> list[str]:
    """Consume the header lines (any order) and return the lines of the body."""
    index, headline_taken = 0, False
    while index < len(lines):
        line = lines[index]
        if not line.strip():
            index += 1
            continue
        if _bare_date_header(line, layout, lines, index):
            return lines[index:]
        if _header_line(line, layout, in_header=True, markers=headline_allowed):
            index += 1
            continue
        if headline_allowed and not headline_taken and _is_headline(line, lines[index + 1:], layout):
            layout.title = undecorated(line)
            headline_taken = True
            index += 1
            continue
        break
    return lines[index:]


def _bare_date_header(line: str, layout: Layout, lines: list[str], index: int) -> bool:
    """' date 2024-03-26 Qatar said ...': a date prefix on the first line of the body."""
    bare = _BARE_DATE_HEADER_RE.match(line[:100])
    if not bare:
        return False
    rest = line[bare.end():]
    found = LEADING_DATE_RE.match(rest[:40])
    if not found:
        return False
    layout.date_candidates.append((found.group(), "header"))
    lines[index] = rest[found.end():].strip()
    return True


def _header_line(line: str, layout: Layout, in_header: bool, markers: bool = True) -> bool:
    """Record a header line's metadata; False when the line is not a header line.

    In the header (``in_header``) a date line may lack a year and a byline may be one name; in the
    body's first lines the tests are stricter. ``markers`` allows lines such as 'FOR IMMEDIATE RELEASE'
    or a bare outlet name (not in a JSON record's body, where a line may be a company's name)."""
    text = undecorated(line)  # linear; the patterns below then only ever see a short line
    if len(text) > MAX_HEADER_LINE:
        return False
    if not text:
        return in_header  # a line of decoration only ('-- ', '***')
    strict = not (in_header and markers)
    return (_single_line(text, layout, in_header, strict) or _compound_line(text, layout, in_header, strict)
            or (not strict and _marker_line(text, layout)))


def _single_line(text: str, layout: Layout, in_header: bool, strict: bool) -> bool:
    return (_field_line(text, layout, in_header) or _url_line(text, layout) or _byline(text, layout, strict)
            or _date_line(text, layout, strict))


_SEGMENT_SEPARATORS = (" | ", " • ", " · ", " — ", " – ", " / ", " - ")


def _compound_line(text: str, layout: Layout, in_header: bool, strict: bool) -> bool:
    """'By Jane Doe | Published March 5, 2024' or 'Posted on March 5, 2024 by Jane Doe': each part a header."""
    segments = _segments(text)
    if len(segments) < 2:
        return False
    scratch = Layout(original="")
    if not all(_single_line(seg, scratch, in_header, strict) or _outlet_segment(seg, scratch) for seg in segments):
        return False
    for key, value in scratch.meta.items():
        layout.meta.setdefault(key, value)
    layout.date_candidates += scratch.date_candidates
    layout.updated_candidates += scratch.updated_candidates
    layout.source_line = layout.source_line or scratch.source_line
    layout.byline_source = layout.byline_source or scratch.byline_source
    layout.boilerplate.append(text)
    return True


def _segments(text: str) -> list[str]:
    for sep in _SEGMENT_SEPARATORS:
        if sep in text:
            return [seg.strip() for seg in text.split(sep) if seg.strip()]
    low = text.lower()
    cut = low.rfind(" by ")
    if cut > 0:
        return [text[:cut].strip(), text[cut + 1:].strip()]
    return [text]


def _outlet_segment(text: str, layout: Layout) -> bool:
    """A bare outlet name on a header line: a known outlet, or once the headline is read, a short
    name ending in a media word ('Gulf News'); a title-case headline ('Apple Unveils New TV') is not one."""
    bare = text.strip("()[] ")
    if len(bare) > 40 or not is_outlet(bare):
        return False
    words = bare.split()
    if source_key(bare) not in KNOWN_OUTLETS and not (
            (layout.title or words[0].lower() == "the") and len(words) <= 4 and _MEDIA_END_RE.search(bare)):
        return False
    layout.source_line = layout.source_line or bare
    return True


def _field_line(text: str, layout: Layout, in_header: bool) -> bool:
    key, colon, value = text.partition(":")
    key = key.strip().lower()
    if not colon or len(key) > 20 or (value.startswith("//") and key in ("http", "https")):
        return False
    value = value.strip()
    if key in _IGNORED_KEYS:
        if in_header:
            layout.boilerplate.append(text)
        return in_header
    name = _FIELD_KEYS.get(key)
    if name is None or not (in_header or name in ("source", "url")):
        return False
    if value:
        _record_field(name, value, layout)
    layout.boilerplate.append(text)
    return True


def _record_field(name: str, value: str, layout: Layout) -> None:
    if name == "date":
        layout.date_candidates.append((_date_text(value), "header"))
    elif name == "updated":
        layout.updated_candidates.append((_date_text(value), "header"))
    elif name == "author":
        authors, source = read_byline(value, prefixed=False) or ([value], "")
        layout.meta.setdefault("author", ", ".join(authors))
        if source:
            layout.byline_source = layout.byline_source or source
    elif name == "source":
        if _is_url(value):
            layout.meta.setdefault("url", value.strip("<>"))
        else:
            layout.source_line = layout.source_line or value
    elif name == "url":
        if _is_url(value):
            layout.meta.setdefault("url", value.strip("<>"))
    else:
        layout.meta.setdefault(name, value)


def _date_text(value: str) -> str:
    found = read_date_line(value)
    return clean_date_text(found.text) if found else value


def _is_url(text: str) -> bool:
    text = text.strip("<>")
    return text.startswith(("http://", "https://", "www.")) and " " not in text and len(text) > 10


def _url_line(text: str, layout: Layout) -> bool:
    if not _is_url(text):
        return False
    layout.meta.setdefault("url", text.strip("<>"))
    layout.boilerplate.append(text)
    return True


def _byline(text: str, layout: Layout, strict: bool) -> bool:
    if strict and not text[:1].isupper():
        return False  # "by Dudley Taft." continues a sentence of the body
    found = read_byline(text, prefixed=True, single_names=not strict)
    if not found:
        return False
    authors, source = found
    if authors:
        layout.meta.setdefault("author", ", ".join(authors))
    if source:
        layout.byline_source = layout.byline_source or source
    layout.boilerplate.append(text)
    return True


def _date_line(text: str, layout: Layout, strict: bool = False) -> bool:
    found = read_date_line(text)
    if not found:
        return False
    if strict and (text.endswith(".") or not _YEAR_RE.search(found.text)):
        return False  # in the body, "March 30." ends a sentence; a date line there names its year
    where = layout.updated_candidates if found.updated else layout.date_candidates
    where.append((clean_date_text(found.text), "date line"))
    layout.boilerplate.append(text)
    return True


def _marker_line(text: str, layout: Layout) -> bool:
    """'FOR IMMEDIATE RELEASE', 'EMBARGOED UNTIL ...', 'BREAKING', a bare outlet name, a copyright line."""
    low = text.lower().rstrip(" :.!")
    marker = low in _HEADER_MARKERS or low.startswith(("embargoed until", "for release", "not for publication",
                                                         "for immediate release"))
    if marker or _SIGN_OFF_RE.match(text) or (not text.endswith(".") and _outlet_segment(text, layout)):
        layout.boilerplate.append(text)
        return True
    return False


def _is_headline(line: str, following: list[str], layout: Layout) -> bool:
    """A short line that does not end a sentence, is not a dateline and is not wrapped onto the next line."""
    text = undecorated(line)
    if not text or len(text) > HEADLINE_LENGTH or layout.meta.get("title"):
        return False
    if text.endswith((".", ",", ";", ":")) and not (_decorated(line) or _abbreviation_end(text)):
        return False
    if read_dateline(text) and not _decorated(line):
        return False
    nxt = following[0].strip() if following else ""
    if not nxt or not nxt[0].islower() or _decorated(line):
        return True
    return _header_line(nxt, Layout(original=""), in_header=True)  # a header line, not the rest of a sentence


def _abbreviation_end(text: str) -> bool:
    """'... sanctions in U.S.' ends with an abbreviation, not a sentence."""
    last = text.rsplit(" ", 1)[-1]
    return text.endswith("...") or (len(last) <= 5 and last.count(".") >= 2)


def _decorated(line: str) -> bool:
    stripped = line.strip()
    return stripped[:1] in "-–—*>#=_~•·▪►|+" or stripped.isupper()


# --- bylines -------------------------------------------------------------------------------


def read_byline(text: str, prefixed: bool = True, single_names: bool = True) -> tuple[list[str], str] | None:
    """Authors and outlet of a byline ('By Jane Doe and John Roe, Reuters'); None when it is not one."""
    text = " ".join(text.split())
    if len(text) > MAX_HEADER_LINE:
        return None
    if prefixed:
        low = text.lower()
        if low.split(" ", 1)[0] not in _BYLINE_FIRST_WORDS:
            return None
        prefix = next((p for p in _BYLINE_PREFIXES if low.startswith(p)), None)
        if prefix is None:
            return None
        text = text[len(prefix):]
    authors: list[str] = []
    source = ""
    for part in _byline_parts(text):
        outlet = _outlet_of(part)
        if outlet:
            source = source or outlet
        elif not _is_role(part):
            name = _name(part, single_names)
            if name is None:
                return None
            authors.append(name)
    if not authors and not source:
        return None
    return authors, source


def _byline_parts(text: str) -> list[str]:
    for sep in (" and ", " And ", " AND ", " & ", "; ", " | ", " / ", " with ", " With ", " WITH ", " - ",
                " – ", " — ", " for ", " For ", " FOR ", " of ", " Of "):
        text = text.replace(sep, ",")
    text = _DASH_LABEL_RE.sub(",", text.replace("(", ",").replace(")", ","))  # "Jane Doe -Analysis"
    parts = []
    for part in text.split(","):
        part = part.strip(" :")
        if part.endswith(".") and len(part.rsplit(" ", 1)[-1]) > 3:
            part = part.rstrip(".")  # a full stop, not the one of "Jr." or "J."
        head, found, _ = part.partition(" in ")  # "Jane Doe in London"
        if found and head:
            part = head
        if part:
            parts.append(part)
    return parts


def _outlet_of(part: str) -> str:
    """The outlet a byline part names ('Reuters', 'The Daily Star'); '' for a person ('Matt Daily')."""
    words = part.split()
    while len(words) > 1 and words[-1].lower() in _ROLE_WORDS:
        words.pop()  # "Reuters Staff"
    part = " ".join(words)
    bare = part.removeprefix("the ").removeprefix("The ")
    if not is_outlet(bare):
        return ""
    if bare == part and source_key(bare) not in KNOWN_OUTLETS and not _BYLINE_MEDIA_RE.search(bare):
        return ""
    return canonical_source(bare)


def _is_role(part: str) -> bool:
    words = part.lower().split()
    return bool(words) and any(w.strip(".'’") in _ROLE_WORDS for w in words)


def _name(part: str, single_names: bool) -> str | None:
    """A person's name as written (title-cased when in capitals), or None when the words are not a name."""
    words = part.split()
    if not words or len(words) > 6 or (len(words) < 2 and not single_names):
        return None
    for position, word in enumerate(words):
        low = word.lower()
        if low in _NOT_NAMES or any(c.isdigit() for c in word):
            return None
        inner_particle = 0 < position < len(words) - 1 and len(word) <= 4 and word.isalpha()  # "Erik dela Cruz"
        if not (word[0].isupper() or low in _NAME_PARTICLES or inner_particle
                or low.startswith(("al-", "el-", "d'", "o'"))):
            return None
    if part.isupper() and len(part) > 3:
        return " ".join(_title_case(w) for w in words)
    return part


def _title_case(word: str) -> str:
    if len(word) <= 2 and word.endswith("."):
        return word  # an initial
    return "-".join("'".join(p[:1].upper() + p[1:].lower() for p in piece.split("'")) for piece in word.split("-"))


# --- the body ------------------------------------------------------------------------------


def _drop_boilerplate(lines: list[str], layout: Layout) -> list[str]:
    """The lines that are not boilerplate; header-like lines count as such only near the top, on a line
    of their own (after a blank line, a line that was dropped, or a finished sentence)."""
    kept: list[str] = []
    seen = 0
    standalone = True
    for line in lines:
        if not line.strip():
            kept.append(line)
            standalone = True
            continue
        seen += 1
        if _is_boilerplate(line, standalone and seen <= EARLY_LINES, layout):
            standalone = True
            continue
        kept.append(line)
        standalone = line.rstrip().endswith(_SENTENCE_END)
    return kept


def _is_boilerplate(line: str, early: bool, layout: Layout) -> bool:
    stripped = " ".join(line.split())
    if len(stripped) > MAX_BOILERPLATE_LINE:
        return False
    key, colon, value = stripped.partition(":")
    if colon and key.strip().lower() == "source" and value.strip():
        layout.source_line = value.strip()
    elif early and _may_be_header(stripped) and _header_line(stripped, layout, in_header=False):
        return True
    elif not (_CAPTION_RE.search(stripped) or _PROMOTION_RE.match(stripped) or _SIGN_OFF_RE.match(stripped)):
        return False
    layout.boilerplate.append(stripped)
    return True


def _may_be_header(text: str) -> bool:
    """A cheap test that lets most body lines skip the header checks."""
    first = text.split(" ", 1)[0].lower().strip(_DECORATION + ":,.()")
    return (text[0] in _DECORATION or text[0].isdigit() or text[0] == "<" or first in _BODY_HEADER_WORDS
            or first.startswith(("http", "www.")) or " by " in text)


def _paragraphs(lines: list[str]) -> list[str]:
    """Blank-line separated paragraphs (an indented first line starts one too); wrapped lines are joined."""
    paragraphs: list[str] = []
    current: list[str] = []
    previous_indent = 0
    for line in lines:
        stripped = " ".join(line.split())
        if not stripped:
            previous_indent = 0
            if current:
                paragraphs.append(_joined(current))
                current = []
            continue
        indent = len(line) - len(line.lstrip(" \t"))
        if "\t" in line[:indent]:
            indent += 3 * line[:indent].count("\t")
        if current and indent >= 2 and indent > previous_indent:
            paragraphs.append(_joined(current))
            current = []
        previous_indent = indent
        current.append(stripped)
    if current:
        paragraphs.append(_joined(current))
    return paragraphs


def _joined(lines: list[str]) -> str:
    parts = [lines[0]]
    for previous, line in zip(lines, lines[1:], strict=False):
        parts.append("\n" if previous.endswith(_SENTENCE_END) else " ")
        parts.append(line)
    return "".join(parts)


def _take_dateline(paragraph: str, layout: Layout) -> str:
    """The first paragraph without its dateline ('GENEVA (Reuters) - '), which is kept apart."""
    found = read_dateline(paragraph)
    if not found:
        return paragraph
    layout.dateline, agency, day = found
    if agency:
        layout.dateline_source = agency
    if day and day.count(",") >= 1 and day[-4:].isdigit():
        layout.date_candidates.append((day.strip(" ,"), "dateline"))  # "Oct. 24, 2023": a full date
    return paragraph[len(layout.dateline):].lstrip()


def read_dateline(paragraph: str) -> tuple[str, str, str] | None:
    """(dateline, the outlet it names or '', its day or '') of a paragraph that opens with one, else None."""
    m = _DATELINE_RE.match(paragraph[:200])
    if not m:
        return None
    caps, mixed, day, dash = (m.group(g) or "" for g in ("caps", "mixed", "day", "dash"))
    agency = m.group("agency") or m.group("wire") or ""
    outlet = canonical_source(agency) if agency and is_outlet(agency) else ""
    if not (caps or mixed or outlet):
        return None  # "(Photo) -" or "(1) -": not an outlet
    if mixed and not outlet:
        return None  # "Oil prices - ..." is a sentence; "Geneva (Reuters) -" is a dateline
    if dash == ":" and not (day or agency):
        return None  # "INSKEEP: Good morning" is a speaker; "NEW DELHI, March 26 (PTI):" is a dateline
    if caps and not (outlet or day or agency) and len(caps) < 4:
        return None
    return m.group(0).rstrip(), outlet, day


def _without_trailing_sign_off(paragraph: str) -> str:
    tail_start = max(0, len(paragraph) - 2000)
    m = _TRAILING_SIGN_OFF_RE.search(paragraph, tail_start)
    return paragraph[:m.start()].rstrip() if m else paragraph


# --- titles and Markdown -------------------------------------------------------------------

_ATTRIBUTION_TAIL_RE = re.compile(r",[ ]?(?:[A-Z][\w&'’]{0,30}[ ]){0,3}[A-Z][\w&'’]{0,30}[ ](?:reports|reported)$")
_FIRST_SENTENCE_RE = re.compile(r"^(.+?[.!?])(?:[\"”’)]*)(?:\s|$)", re.S)


def title_from_body(body: str) -> str:
    """A title for an article without one: its first sentence, shortened at a word."""
    first = body.strip().split("\n", 1)[0][:2000]
    m = _FIRST_SENTENCE_RE.match(first)
    sentence = (m.group(1) if m else first).rstrip(".!? ")
    sentence = _ATTRIBUTION_TAIL_RE.sub("", sentence).strip()
    if len(sentence) <= TITLE_LENGTH:
        return sentence
    return sentence[:TITLE_LENGTH].rsplit(" ", 1)[0].rstrip(",;:") + "…"


# Each pattern stops at the next opening delimiter and at a bounded length, so that a run of
# unclosed '[' or '*' costs linear time (40,000 '[' took 7 s with the unbounded patterns).
_MD_IMAGE_RE = re.compile(r"!\[[^\[\]\n]{0,500}\]\([^()\n]{0,1000}\)")
_MD_LINK_RE = re.compile(r"\[([^\[\]\n]{0,500})\]\([^()\n]{0,1000}\)")
_MD_HEADING_RE = re.compile(r"^[ ]{0,3}#{1,6}[ \t]+([^\n]*)$", re.M)
_MD_EMPHASIS_RE = re.compile(
    r"\*\*(?=\S)([^*\n]{1,500})(?<=\S)\*\*|__(?=\S)([^_\n]{1,500})(?<=\S)__"
    r"|\*(?=\S)([^*\n]{1,500})(?<=\S)\*|(?<!\w)_(?=\S)([^_\n]{1,500})(?<=\S)_(?!\w)|`([^`\n]{1,500})`"
)
_MD_QUOTE_LIST_RE = re.compile(r"^[ \t]{0,3}(?:>[ \t]?|[-*+][ \t]+|\d{1,9}\.[ \t]+)", re.M)
_MD_HTML_RE = re.compile(r"<[^<>\n]{1,200}>")


def markdown_to_text(source: str) -> str:
    """Markdown reduced to its plain words (for indexing and snippets), headings kept as lines."""
    text = _MD_IMAGE_RE.sub("", source)
    text = _MD_LINK_RE.sub(r"\1", text)
    text = _MD_HEADING_RE.sub(lambda m: m.group(1).rstrip().rstrip("#").rstrip(), text)
    text = _MD_EMPHASIS_RE.sub(lambda m: next(g for g in m.groups() if g is not None), text)
    text = _MD_QUOTE_LIST_RE.sub("", text)
    return _MD_HTML_RE.sub("", text)
