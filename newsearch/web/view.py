"""Helpers for the page: URLs that keep the search state, and the timeline's geometry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict

from ..facets import FACETS

PAGE_ONLY = ("more", *(f"{spec.name}_prefix" for spec in FACETS))
FACET_PARAM = {spec.name: spec.param for spec in FACETS}


class UrlState:
    """The current search as URL parameters, and the URLs one change away from it."""

    def __init__(self, args: MultiDict[str, str], path: str = "/") -> None:
        self.args = MultiDict([(k, v) for k, v in args.items(multi=True) if v.strip() and k not in PAGE_ONLY])
        self.path = path

    def url(self, **changes: Any) -> str:
        args = self.args.copy()
        args.pop("page", None)
        for key, value in changes.items():
            key = key.rstrip("_")
            args.pop(key, None)
            if value not in (None, "", []):
                for v in value if isinstance(value, list) else [value]:
                    args.add(key, str(v))
        return self.path + ("?" + urlencode(list(args.items(multi=True))) if args else "")

    def page(self, number: int) -> str:
        args = self.args.copy()
        args.pop("page", None)
        if number > 1:
            args.add("page", str(number))
        return self.path + ("?" + urlencode(list(args.items(multi=True))) if args else "")

    def toggle(self, facet: str, value: str) -> str:
        """Add the value to the facet's filters, or remove it when already there."""
        param = FACET_PARAM[facet]
        values = self.args.getlist(param)
        new = [v for v in values if v != value] if value in values else values + [value]
        return self.url(**{param: new})

    def add_filter(self, facet: str, value: str) -> str:
        param = FACET_PARAM[facet]
        values = self.args.getlist(param)
        return self.url(**{param: values if value in values else values + [value]})

    def hidden_fields(self, *skip: str) -> list[tuple[str, str]]:
        return [(k, v) for k, v in self.args.items(multi=True) if k not in skip and k != "page"]


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    count: int
    url: str


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    bars: tuple[Bar, ...]
    ticks: tuple[tuple[float, str], ...]
    max_count: int
    interval: str


WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 720, 150, 44, 24, 10


def timeline(date_facet: dict[str, Any], state: UrlState) -> Timeline | None:
    """Bars for the date histogram, each linking to its own date range."""
    values = date_facet["values"]
    if not values:
        return None
    top = max(v["count"] for v in values) or 1
    slot = (WIDTH - LEFT) / len(values)
    plot = HEIGHT - BOTTOM - TOP
    bars = tuple(
        Bar(x=LEFT + i * slot + slot * 0.1, y=TOP + plot * (1 - v["count"] / top), width=max(slot * 0.8, 1.0),
            height=plot * v["count"] / top, label=_label(v, date_facet["interval"]), count=v["count"],
            url=state.url(**{"from": v["value"], "to": v["end"]}))
        for i, v in enumerate(values)
    )
    step = max(1, len(values) // 6)
    ticks = tuple((b.x + b.width / 2, _short(values[i]["value"], date_facet["interval"]))
                  for i, b in enumerate(bars) if i % step == 0)
    return Timeline(WIDTH, HEIGHT, bars, ticks, top, date_facet["interval"])


def _label(value: dict[str, Any], interval: str) -> str:
    if value["value"] == value["end"]:
        return value["value"]
    return f"{value['value']} to {value['end']}"


def _short(day: str, interval: str) -> str:
    return {"year": day[:4], "month": day[:7]}.get(interval, day)
