"""Property-based tests: arbitrary text and bytes never raise anything but our documented errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsearch.documents import DocumentError, Raw, parse_raw
from newsearch.querylang import QueryError, check, parse
from newsearch.results import SearchRequest
from newsearch.search import Snapshot

QUERY_ALPHABET = st.sampled_from(list('abcXYZ "()-+*?:~^\\/ ANDORNOTtitle:source:person:é中\t\n0123'))
queries = st.one_of(st.text(max_size=80), st.text(QUERY_ALPHABET, max_size=60))


def _parse(payload: bytes, fmt: str) -> object:
    try:
        return parse_raw(Raw("x", fmt, payload, "x"))
    except DocumentError as exc:
        return ("rejected", str(exc))


@settings(max_examples=300, deadline=None)
@given(payload=st.one_of(st.binary(max_size=400), st.text(max_size=400).map(str.encode)),
       fmt=st.sampled_from(["text", "markdown", "json"]))
def test_document_parser_raises_only_document_error_and_is_deterministic(payload: bytes, fmt: str) -> None:
    assert _parse(payload, fmt) == _parse(payload, fmt)


news_like = st.lists(st.sampled_from([
    "Title: x", "Date: 2024-13-45", "date 2024-03-26 text", "SOURCE:", "READ: more", "By ", "---", "title: [a",
    "March 99, 2024", "GENEVA (Reuters) -", "(Reporting by", "", "Plain sentence.", "# Heading", "{\"a\": 1}",
]), max_size=12).map("\n".join)


@settings(max_examples=300, deadline=None)
@given(text=news_like, fmt=st.sampled_from(["text", "markdown"]))
def test_news_shaped_garbage_is_parsed_or_rejected(text: str, fmt: str) -> None:
    assert _parse(text.encode(), fmt) == _parse(text.encode(), fmt)


@settings(max_examples=400, deadline=None)
@given(q=queries)
def test_query_checker_never_raises_and_is_deterministic(q: str) -> None:
    first = check(q)
    assert first == check(q)
    again = check(first.text)
    assert again.problems == ()  # the repaired query is clean
    assert check(again.text).text == again.text


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=queries)
def test_lenient_search_never_raises_and_strict_raises_only_query_error(snap: Snapshot, q: str) -> None:
    lenient = snap.search(SearchRequest(q=q), strict=False)
    assert lenient.total >= 0
    assert lenient == snap.search(SearchRequest(q=q), strict=False)
    try:
        strict = snap.search(SearchRequest(q=q), strict=True)
    except QueryError as exc:
        assert exc.problems
    else:
        assert strict.warnings == () and strict.total == lenient.total
    parse(q, strict=False)


# --- plain-text headers: any order, any decoration ------------------------------------------

TITLES = ["Oil prices jump after OPEC cuts output", "Fed holds rates steady", "U.S. jobs growth slows in March",
          "Markets slide as rate fears return", "Qatar says Gaza truce talks 'ongoing'",
          "Apple Unveils New TV Service", "Fox News Hires New Anchor", "Tesla Shares Jump After Musk Says Fires Won't"
          " Lead to Recall", "UPDATE 2-Oil rises 2 pct on supply fears"]
NAMES = ["Jane Doe", "John Roe", "Ann-Marie O'Neil", "Li Wei", "Yereth Rosen"]
ZONES = {"EST": -5, "EDT": -4, "GMT": 0, "UTC": 0, "CET": 1, "JST": 9, "": 0}
DATE_FORMATS = ["{a} {b} {d}, {Y} {I}:{M}{p} {z}", "{d} {B} {Y} {H}:{M} {z}", "{B} {d}, {Y} at {I}:{M} {P} {z}",
                "{A} {d} {B} {Y} {H}.{M} {z}", "{Y}-{m}-{dd}T{H}:{M}:00{offset}"]
DATE_LABELS = ["", "Published: ", "Posted on ", "Date: ", "Filed "]
DECORATIONS = ["{}", "-- {}", "* {}", "> {}", "# {}", "**{}**", "== {} ==", "• {}"]


def _date_text(moment: datetime, fmt: str, zone: str) -> str:
    hour12 = moment.hour % 12 or 12
    offset = ZONES[zone]
    return fmt.format(
        a=f"{moment:%a}", b=f"{moment:%b}", B=f"{moment:%B}", A=f"{moment:%A}", d=moment.day, dd=f"{moment:%d}",
        m=f"{moment:%m}", Y=moment.year, H=f"{moment:%H}", M=f"{moment:%M}", I=hour12, p=f"{moment:%p}".lower(),
        P=f"{moment:%p}", z=zone, offset=f"{'+' if offset >= 0 else '-'}{abs(offset):02d}:00").strip()


@st.composite
def headed_articles(draw: st.DrawFn) -> tuple[str, dict[str, object]]:
    title, url = draw(st.sampled_from(TITLES)), f"https://news.example.com/{draw(st.integers(1, 10**6))}"
    authors = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=3, unique=True))
    byline = draw(st.sampled_from(["By {}", "Written by {}", "BY {}", "By {}, Reuters"]))
    names = " and ".join(authors) if len(authors) < 3 else f"{authors[0]}, {authors[1]} and {authors[2]}"
    if byline == "BY {}":
        names = names.upper().replace(" AND ", " and ")
    moment = draw(st.datetimes(datetime(1990, 1, 1), datetime(2030, 12, 31))).replace(second=0, microsecond=0)
    zone, fmt = draw(st.sampled_from(sorted(ZONES))), draw(st.sampled_from(DATE_FORMATS))
    lines = [title, byline.format(names), draw(st.sampled_from(DATE_LABELS)) + _date_text(moment, fmt, zone), url]
    order = draw(st.permutations(lines))
    decorated = [draw(st.sampled_from(DECORATIONS)).format(line) + draw(st.sampled_from(["", "\n"])) for line in order]
    text = "\n".join(decorated) + "\n\nGENEVA (Reuters) - Prices rose on Monday.\n\nMore followed.\n"
    expected = {"title": title, "author": ", ".join(authors), "url": url,
                "published": (moment - timedelta(hours=ZONES[zone])).replace(tzinfo=UTC),
                "body": "Prices rose on Monday.\n\nMore followed."}
    return text, expected


@settings(max_examples=400, deadline=None)
@given(article=headed_articles())
def test_header_lines_in_any_order_and_decoration_become_metadata(article: tuple[str, dict[str, object]]) -> None:
    text, expected = article
    doc = parse_raw(Raw("x.txt", "text", text.encode(), "x"))
    assert {k: getattr(doc, k) for k in expected} == expected, text


HOSTILE_UNITS = ["[", "![", "](", "*a ", "_a ", "`", "<", "(Photo:", "/ ", "(Reporting by ", "By ", "-- ", "---\n",
                 "source: ", " " * 40, "\n", "\n\n", "{", '"', "&a ", "*a\n", " date ", "2024-01-01", "Mar 5, 2024",
                 "GENEVA (Reuters) - ", "\t", "# ", "1. ", "title: ", "http://x ", "|", " and ", "©", "\\"]


@settings(max_examples=150, deadline=None)
@given(units=st.lists(st.sampled_from(HOSTILE_UNITS), min_size=1, max_size=30), repeat=st.integers(1, 120),
       fmt=st.sampled_from(["text", "markdown", "json"]))
def test_repeated_hostile_fragments_are_parsed_or_rejected(units: list[str], repeat: int, fmt: str) -> None:
    payload = ("".join(units) * repeat).encode()
    assert _parse(payload, fmt) == _parse(payload, fmt)
