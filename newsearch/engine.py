"""The engine boundary: what the web layer and the CLI may ask of any search engine.

An engine hands each request a ``Snapshot`` of one consistent index state; a snapshot answers
with the plain values of ``results``.  The Whoosh engine (``search.SearchEngine``) is the
embedded default; another engine implements the same two protocols.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol

from .results import Article, Facet, FacetExplanation, Hit, SearchRequest, SearchResults, Stats

if TYPE_CHECKING:
    from .highlight import Terms
    from .research import Attention, Comparison, Cooccurrence, TopWords


class Snapshot(Protocol):
    """One consistent view of the index, used by one request at a time."""

    def search(self, request: SearchRequest, strict: bool = True) -> SearchResults:
        """Total, one page of highlighted hits, the date histogram and every facet."""

    def search_all(self, request: SearchRequest, strict: bool = True) -> Iterator[Hit]:
        """Every match in the request's order (for export)."""

    def article(self, doc_id: str, related: int = 5) -> Article:
        """One article with its related coverage; NotFound when absent."""

    def facet_values(self, name: str, request: SearchRequest, prefix: str = "", size: int = 20,
                     strict: bool = True, page: int = 1) -> Facet:
        """One facet's values, by prefix, a page at a time, counted under the other filters."""

    def explain(self, name: str, value: str) -> FacetExplanation:
        """One facet value: its article count and the names merged into it; NotFound when absent."""

    def stats(self) -> Stats:
        """Article count, date span, sources and build information."""

    def probe(self) -> int:
        """Read from every part of the index; IndexUnavailable when a part cannot be read."""

    def highlight_terms_of(self, q: str) -> Terms:
        """What to mark in a text for the query ``q`` (read leniently; an empty query marks nothing)."""

    def attention(self, request: SearchRequest, interval: str = "auto", strict: bool = True) -> Attention:
        """Matches per period and all articles per period, over the matches' span (the request's dates ignored)."""

    def compare(self, requests: list[SearchRequest], interval: str = "auto", strict: bool = True) -> Comparison:
        """Attention and leading entities of up to five requests on one time axis."""

    def top_words(self, request: SearchRequest, size: int = 25, strict: bool = True) -> TopWords:
        """Words and two-word phrases over-represented in the matches against the whole index."""

    def cooccurrence(self, request: SearchRequest, entity: tuple[str, str] | None = None, names: tuple[str, ...] = (),
                     page: int = 1, size: int = 50, strict: bool = True) -> Cooccurrence:
        """Entities named in the matches, a page at a time; a selected entity's co-occurrences first."""


class Engine(Protocol):
    """Opens snapshots of the live index."""

    def snapshot(self) -> Snapshot:
        """This thread's snapshot of the live index."""

    @property
    def warm(self) -> bool:
        """Whether the live index has finished warming up."""

    def close(self) -> None:
        """Release everything the engine opened."""


def open_engine(root: object, warm: bool = True) -> Engine:
    """The configured engine (NEWSEARCH_BACKEND): the embedded Whoosh index at ``root``, or a
    SphinxQL cluster (``sphinx://host:port``, Manticore or Sphinx 2.2) that serves the same API."""
    from pathlib import Path

    from .config import backend

    chosen = backend()
    if chosen.startswith("sphinx://"):
        from .sphinx.engine import SphinxEngine

        return SphinxEngine(chosen)  # type: ignore[return-value]
    from .search import SearchEngine

    return SearchEngine(Path(str(root)), warm=warm)


def check_engine(root: object) -> None:
    """Raise an error that says which command to run when the configured engine has no index to
    serve: ``store.IndexMissing`` for the embedded index, ``IndexUnavailable`` for a cluster."""
    from pathlib import Path

    from .config import backend

    if backend().startswith("sphinx://"):
        engine = open_engine(root, warm=False)
        try:
            engine.snapshot()
        finally:
            engine.close()
        return
    from .store import open_current

    open_current(Path(str(root))).close()
