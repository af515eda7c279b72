"""What a search asks and answers: plain frozen values shared by every engine and the web layer.

No engine imports here: the web layer and the CLI see only these types and the ``Engine``
protocol, whichever engine serves them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .dates import bucket_end, day_from_number
from .facets import FACETS, NAMES

SORTS = ("relevance", "newest", "oldest")
COUNTS = ("articles", "copies", "stories")  # what totals, facet counts and timeline bars count
COLLAPSES = ("copies", "stories", "none")  # one result per copy group, per story, or every article
MAX_PER_PAGE = 100
MAX_DEPTH = 10_000
MAX_FILTER_VALUES = 50
FACET_SIZE = 10
FACET_SEARCH_SIZE = 20
MAX_FACET_PAGE = 1_000
MAX_PREFIX_TERMS = 512  # a prefix query ORs at most this many words (the most frequent), with a warning


class SearchError(ValueError):
    """A request the search layer refuses; ``problems`` say what and where."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]


class TooExpensive(SearchError):
    """A query that could not be answered within its time budget."""


class NotFound(LookupError):
    """No such article or facet."""


class IndexUnavailable(Exception):
    """The index cannot be read now; the message is safe to show, the cause goes to the log."""


def _empty_filters() -> dict[str, tuple[str, ...]]:
    return {name: () for name in NAMES}


@dataclass(frozen=True)
class SearchRequest:
    """What a user asked for. Filters of one facet combine with OR, different facets with AND."""

    q: str = ""
    page: int = 1
    per_page: int = 10
    sort: str = "relevance"
    date_from: date | None = None
    date_to: date | None = None
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=_empty_filters)
    count: str = "articles"
    collapse: str = "copies"

    @classmethod
    def of(cls, **kw: Any) -> SearchRequest:
        """A request with facet filters given by facet name: ``SearchRequest.of(q="oil", places=("Japan",))``."""
        filters = {name: tuple(kw.pop(name, ())) for name in NAMES}
        return cls(filters=filters, **kw)

    def selected(self, name: str) -> tuple[str, ...]:
        """The values chosen for one facet."""
        return tuple(self.filters.get(name, ()))

    def validate(self) -> None:
        """Raise SearchError naming every parameter out of bounds."""
        problems = []
        if self.page < 1:
            problems.append(f"page must be 1 or more, not {self.page}")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            problems.append(f"per_page must be between 1 and {MAX_PER_PAGE}, not {self.per_page}")
        elif self.page * self.per_page > MAX_DEPTH:
            problems.append(f"page {self.page} is too deep: results are available up to number {MAX_DEPTH:,}"
                            " (narrow the query or use the export)")
        if self.sort not in SORTS:
            problems.append(f"sort must be one of {', '.join(SORTS)}, not {self.sort!r}")
        if self.count not in COUNTS:
            problems.append(f"count must be one of {', '.join(COUNTS)}, not {self.count!r}")
        if self.collapse not in COLLAPSES:
            problems.append(f"collapse must be one of {', '.join(COLLAPSES)}, not {self.collapse!r}")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            problems.append(f"from ({self.date_from}) is after to ({self.date_to})")
        for spec in FACETS:
            count = len(self.selected(spec.name))
            if count > MAX_FILTER_VALUES:
                problems.append(f"{count} {spec.name} filters; the limit is {MAX_FILTER_VALUES}")
        if problems:
            raise SearchError("; ".join(problems), problems)


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int
    selected: bool


@dataclass(frozen=True)
class Facet:
    name: str
    values: tuple[FacetValue, ...]
    truncated: bool
    total: int = 0  # how many distinct values have a non-zero count


@dataclass(frozen=True)
class FacetExplanation:
    """One facet value explained: its article count and the other names merged into it."""

    name: str
    value: str
    count: int
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class DateBucket:
    value: str  # first day of the bucket, ISO
    end: str  # last day of the bucket, ISO
    count: int


@dataclass(frozen=True)
class DateFacet:
    interval: str  # day, week, month or year
    values: tuple[DateBucket, ...]
    undated: int

    @classmethod
    def of(cls, interval: str, starts: Iterable[int], counts: Iterable[int], undated: int) -> DateFacet:
        """The histogram of buckets given by their first day numbers, in order, and their counts."""
        buckets = []
        for key, count in zip(starts, counts, strict=True):
            start = day_from_number(int(key))
            buckets.append(DateBucket(start.isoformat(), bucket_end(start, interval).isoformat(), int(count)))
        return cls(interval, tuple(buckets), undated)


@dataclass(frozen=True)
class Copy:
    """Another article of the same copy group or story, as listed beside a result or an article."""

    id: str
    title: str
    source: str | None
    published: str | None
    url: str


@dataclass(frozen=True)
class Hit:
    id: str
    title: str
    title_html: str
    published: str | None
    source: str | None
    url: str
    author: str
    snippets: tuple[str, ...]
    entities: Mapping[str, tuple[str, ...]]  # facet name -> values, for the entity facets
    score: float | None = None  # relevance score, when sorted by relevance
    headline_only: bool = False
    copy_group: str = ""
    story_id: str = ""
    copies_count: int = 0  # other articles of its copy group (in the whole index)
    copies: tuple[Copy, ...] = ()  # the first of them


@dataclass(frozen=True)
class SearchResults:
    request: SearchRequest
    total: int
    pages: int
    hits: tuple[Hit, ...]
    date: DateFacet
    facets: dict[str, Facet]
    warnings: tuple[str, ...] = ()
    suggestion: str | None = None
    totals: Mapping[str, int] = field(default_factory=dict)  # articles, copies and stories matched
    results: int = 0  # how many results there are once collapsed (what the pages hold)
    partial: bool = False  # a part of the index did not answer: counts may be short (see missing, warnings)
    missing: tuple[str, ...] = ()  # which parts did not answer


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    body: str
    original: str
    published: str | None
    source: str | None
    url: str
    author: str
    entities: Mapping[str, tuple[str, ...]]
    mentions: tuple[tuple[str, int, int, str], ...]
    date_from: str
    source_from: str
    extractor: str
    related: tuple[Hit, ...] = field(default=())
    language: str = ""
    dateline: str = ""
    copy_group: str = ""
    story_id: str = ""
    copies: tuple[Copy, ...] = ()  # the other articles of its copy group, original first
    story: tuple[Copy, ...] = ()  # the other articles of its story that are not copies


@dataclass(frozen=True)
class Stats:
    articles: int
    first_day: str | None
    last_day: str | None
    undated: int
    sources: tuple[FacetValue, ...]
    built_at: str | None
    build: dict[str, Any]
