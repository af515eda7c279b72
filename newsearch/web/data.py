"""The one data path: request parameters in, plain dicts out, for the API and the page alike."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date
from typing import Any

from werkzeug.datastructures import MultiDict

from ..engine import Snapshot
from ..facets import FACETS, NAMES
from ..querylang import QueryError
from ..results import FACET_SEARCH_SIZE, Article, Facet, Hit, SearchError, SearchRequest, SearchResults

FILTER_PARAMS = {spec.param: spec.name for spec in FACETS}
PARAMS = ("q", "page", "per_page", "sort", "from", "to", "count", "collapse", *FILTER_PARAMS)
MAX_PARAM_LENGTH = 500


class BadRequest(ValueError):
    """Parameters that cannot be used; ``errors`` lists each problem."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def request_from_args(args: MultiDict[str, str], default_sort: str = "relevance") -> SearchRequest:
    """A SearchRequest from query parameters; raises BadRequest naming every bad one."""
    errors: list[str] = []
    for key in args:
        if key not in PARAMS:
            errors.append(f"unknown parameter {key!r}; known: {', '.join(PARAMS)}")
        for value in args.getlist(key):
            if len(value) > MAX_PARAM_LENGTH and key != "q":
                errors.append(f"{key} is {len(value)} characters; the limit is {MAX_PARAM_LENGTH}")
    page = _integer(args, "page", 1, errors)
    per_page = _integer(args, "per_page", 10, errors)
    filters = {name: tuple(dict.fromkeys(v.strip() for v in args.getlist(param) if v.strip()))
               for param, name in FILTER_PARAMS.items()}
    request = SearchRequest(
        q=args.get("q", "").strip(), page=page, per_page=per_page,
        sort=args.get("sort", "").strip() or (default_sort if args.get("q", "").strip() else "newest"),
        date_from=_day(args, "from", errors), date_to=_day(args, "to", errors), filters=filters,
        count=args.get("count", "").strip() or "articles", collapse=args.get("collapse", "").strip() or "copies",
    )
    try:
        request.validate()
    except SearchError as exc:
        errors.extend(exc.problems)
    if errors:
        raise BadRequest(errors)
    return request


_INTEGER_RE = re.compile(r"[0-9]{1,9}")
_DAY_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _integer(args: Mapping[str, str], name: str, default: int, errors: list[str]) -> int:
    raw = args.get(name, "").strip()
    if not raw:
        return default
    if not _INTEGER_RE.fullmatch(raw):  # int() would also take "1_0" and other scripts' digits
        errors.append(f"{name} must be a whole number written with the digits 0-9, not {raw[:40]!r}")
        return default
    return int(raw)


def _day(args: Mapping[str, str], name: str, errors: list[str]) -> date | None:
    raw = args.get(name, "").strip()
    if not raw:
        return None
    try:
        if not _DAY_RE.fullmatch(raw):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        errors.append(f"{name} must be a date as YYYY-MM-DD, not {raw[:40]!r}")
        return None


@contextmanager
def refused_as_bad_request() -> Iterator[None]:
    """The search layer's refusals (a bad query, a bound passed) as one BadRequest."""
    try:
        yield
    except QueryError as exc:
        raise BadRequest([f"query: {p}" for p in exc.problems]) from exc
    except SearchError as exc:
        raise BadRequest(exc.problems) from exc


def search_data(snapshot: Snapshot, args: MultiDict[str, str], strict: bool) -> dict[str, Any]:
    """The search response: the API returns it as JSON, the page renders it."""
    request = request_from_args(args)
    with refused_as_bad_request():
        results = snapshot.search(request, strict=strict)
    return results_dict(results)


def results_dict(results: SearchResults) -> dict[str, Any]:
    request = results.request
    return {
        "ok": True,
        "query": {
            "q": request.q, "sort": request.sort, "count": request.count, "collapse": request.collapse,
            "from": request.date_from.isoformat() if request.date_from else None,
            "to": request.date_to.isoformat() if request.date_to else None,
            **{param: list(request.selected(name)) for param, name in FILTER_PARAMS.items()},
        },
        "total": results.total,
        "totals": dict(results.totals),
        "results_total": results.results,
        "page": request.page,
        "per_page": request.per_page,
        "pages": results.pages,
        "results": [hit_dict(h) for h in results.hits],
        "facets": {
            "date": {"interval": results.date.interval, "undated": results.date.undated,
                     "values": [asdict(b) for b in results.date.values]},
            **{name: facet_dict(results.facets[name]) for name in NAMES},
        },
        "warnings": list(results.warnings),
        "partial": results.partial,
        "missing": list(results.missing),
        "suggestion": results.suggestion,
    }


def hit_dict(hit: Hit) -> dict[str, Any]:
    """A hit as JSON: each entity facet's values under the facet's name."""
    out = {key: value for key, value in asdict(hit).items() if key != "entities"}
    out["snippets"] = list(hit.snippets)
    out["copies"] = [asdict(c) for c in hit.copies]
    out.update({name: list(values) for name, values in hit.entities.items()})
    if hit.score is None:
        del out["score"]
    return out


def facet_dict(facet: Facet) -> dict[str, Any]:
    return {"values": [asdict(v) for v in facet.values], "truncated": facet.truncated}


def article_dict(article: Article) -> dict[str, Any]:
    out = {key: value for key, value in asdict(article).items() if key != "entities"}
    out["mentions"] = [{"type": k, "start": s, "end": e, "name": n} for k, s, e, n in article.mentions]
    out["related"] = [hit_dict(h) for h in article.related]
    out["copies"] = [asdict(c) for c in article.copies]
    out["story"] = [asdict(c) for c in article.story]
    out.update({name: list(values) for name, values in article.entities.items()})
    return {"ok": True, **out}


FACET_PAGE_PARAMS = ("prefix", "page", "per_page")  # on /api/facets/<name>, page and per_page page the values


def facet_values_data(snapshot: Snapshot, name: str, args: MultiDict[str, str]) -> dict[str, Any]:
    """Values of one facet by prefix, counted under the other filters of the query, a page at a time."""
    errors: list[str] = []
    page = _integer(args, "page", 1, errors)
    size = _integer(args, "per_page", FACET_SEARCH_SIZE, errors)
    search_args = MultiDict([(k, v) for k, v in args.items(multi=True) if k not in FACET_PAGE_PARAMS])
    request = request_from_args(search_args)
    if errors:
        raise BadRequest(errors)
    prefix = args.get("prefix", "")
    with refused_as_bad_request():
        facet = snapshot.facet_values(name, request, prefix=prefix, size=size, page=page)
    return {"ok": True, "name": name, "prefix": prefix, "page": page, "per_page": size, "total": facet.total,
            **facet_dict(facet)}


def stats_data(snapshot: Snapshot) -> dict[str, Any]:
    stats = snapshot.stats()
    return {
        "ok": True, "articles": stats.articles, "first_day": stats.first_day, "last_day": stats.last_day,
        "undated": stats.undated, "sources": [{"value": v.value, "count": v.count} for v in stats.sources],
        "built_at": stats.built_at, "extractor": stats.build.get("extractor"), "whoosh": stats.build.get("whoosh"),
        "build": stats.build.get("stats", {}),
    }
