"""Property-based tests: arbitrary text and bytes never raise anything but our documented errors."""

from __future__ import annotations

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
