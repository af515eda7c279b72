"""The facet registry: every facet is one ``FacetSpec``, and everything else derives from it.

The index row layout, the columns read back, request parameters, query fields, the OpenAPI
document, the page and the benchmarks all iterate ``FACETS``; adding a facet means one entry
here plus the code that fills its document attribute.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class FacetSpec:
    """One facet: its name in results, its URL parameter, its query field and where its values live."""

    name: str  # key in results and in /api/facets/<name>: "places"
    param: str  # URL filter parameter: "place"
    query_field: str  # field in the query language: "place:japan"
    label: str  # heading on the page: "Places"
    doc_attr: str  # Document attribute holding the values (a tuple, or one string)
    kind: str | None = None  # entity type (PER, ORG, LOC) for entity facets
    query_aliases: tuple[str, ...] = ()  # other spellings of the query field

    @property
    def is_entity(self) -> bool:
        return self.kind is not None

    def values_of(self, doc: object) -> tuple[str, ...]:
        """The facet's values for a document (one string or a tuple of them)."""
        value = getattr(doc, self.doc_attr, None)
        if not value:
            return ()
        return (value,) if isinstance(value, str) else tuple(value)


FACETS: tuple[FacetSpec, ...] = (
    FacetSpec("source", "source", "source", "Source", "source"),
    FacetSpec("people", "person", "person", "People", "people", "PER", ("people",)),
    FacetSpec("organizations", "organization", "org", "Organizations", "organizations", "ORG",
              ("organization", "organisation")),
    FacetSpec("places", "place", "place", "Places", "places", "LOC", ("location",)),
    FacetSpec("language", "language", "language", "Language", "language", query_aliases=("lang",)),
    FacetSpec("dated_from", "dated_from", "dated_from", "Date from", "date_from"),  # where each date was found
)
BY_NAME = {spec.name: spec for spec in FACETS}
BY_PARAM = {spec.param: spec for spec in FACETS}
BY_KIND = {spec.kind: spec for spec in FACETS if spec.kind}
NAMES = tuple(spec.name for spec in FACETS)
ENTITY_FACETS = tuple(spec for spec in FACETS if spec.is_entity)


def query_fields() -> dict[str, str]:
    """Every field name the query language accepts, mapped to its canonical field."""
    fields = {"title": "title", "body": "body", "text": "body"}
    for spec in FACETS:
        fields[spec.query_field] = spec.query_field
        fields.update((alias, spec.query_field) for alias in spec.query_aliases)
    return fields


def by_query_field(field: str) -> FacetSpec | None:
    """The facet searched by a canonical query field (None for title and body)."""
    return next((spec for spec in FACETS if spec.query_field == field), None)


def spec(name: str) -> FacetSpec:
    """The facet of that name; KeyError when there is none."""
    return BY_NAME[name]


def names(specs: Iterable[FacetSpec]) -> list[str]:
    return [s.name for s in specs]
