"""Helpers for the page: URLs that keep the search state, and the timeline's geometry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict

from ..facets import FACETS

PAGE_ONLY = ("more", *(f"{spec.name}_prefix" for spec in FACETS))
VIEW_PARAMS = ("interval", "normalise", "compact")  # how the page shows a search, not what it searches
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

    def here(self, path: str | None = None) -> str:
        """This exact state, page included (for links back to it)."""
        args = list(self.args.items(multi=True))
        return (path or self.path) + ("?" + urlencode(args) if args else "")

    def query_string(self, *keep: str) -> str:
        """``?...`` with the state (page included), or only the ``keep`` parameters; empty when there is none."""
        args = [(k, v) for k, v in self.args.items(multi=True) if not keep or k in keep]
        return "?" + urlencode(args) if args else ""

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
    url: str | None
    start: str = ""
    end: str = ""
    selected: bool = False
    value: str = ""  # the plotted value as shown: a count, or a share in per cent


@dataclass(frozen=True)
class Row:
    """One line of the data table under a chart."""

    label: str
    count: int
    total: int
    share: str


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    bars: tuple[Bar, ...]
    ticks: tuple[tuple[float, str], ...]
    max_label: str
    interval: str
    normalise: bool = False
    undated: Bar | None = None
    band: tuple[float, float] | None = None  # x and width of the selected range
    rows: tuple[Row, ...] = ()


WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 720, 150, 52, 24, 10
PLOT_BOTTOM = HEIGHT - BOTTOM


def percent(share: float) -> str:
    """A share as a short percentage: 0.0123 -> 1.23%."""
    return f"{share * 100:.2f}%" if share < 0.1 else f"{share * 100:.1f}%"


def timeline(data: dict[str, Any], state: UrlState) -> Timeline | None:
    """Bars of the attention data (count or share), the undated bar apart, the selected range marked."""
    values, undated, normalise = data["values"], data["undated"], data["normalise"]
    if not values and not undated["count"]:
        return None
    metric = (lambda v: v["share"]) if normalise else (lambda v: v["count"])
    top = max([metric(v) for v in values] + [metric(undated) if undated["count"] else 0]) or 1
    slots = len(values) + (2 if undated["count"] else 0)  # the undated bar stands apart, after a gap
    slot = (WIDTH - LEFT) / max(slots, 1)
    plot = HEIGHT - BOTTOM - TOP
    shown = percent if normalise else str

    def bar(i: int, v: dict[str, Any], label: str, url: str | None, **extra: Any) -> Bar:
        height = plot * metric(v) / top
        return Bar(x=LEFT + i * slot + slot * 0.1, y=TOP + plot - height, width=max(slot * 0.8, 1.0), height=height,
                   label=label, count=v["count"], url=url, value=shown(metric(v)), **extra)

    bars = tuple(bar(i, v, _label(v, data["interval"]), state.url(**{"from": v["value"], "to": v["end"]}),
                     start=v["value"], end=v["end"], selected=v["selected"]) for i, v in enumerate(values))
    undated_bar = bar(slots - 1, undated, "undated", None) if undated["count"] else None
    step = max(1, len(values) // 6)
    ticks = tuple((b.x + b.width / 2, _short(values[i]["value"], data["interval"]))
                  for i, b in enumerate(bars) if i % step == 0)
    if undated_bar:
        ticks += ((undated_bar.x + undated_bar.width / 2, "undated"),)
    chosen = [b for b in bars if b.selected]
    band = (chosen[0].x - slot * 0.1, chosen[-1].x + chosen[-1].width - chosen[0].x + slot * 0.2) if chosen else None
    rows = tuple(Row(b.label, v["count"], v["total"], percent(v["share"])) for b, v in zip(bars, values, strict=True))
    if undated["count"]:
        rows += (Row("undated", undated["count"], undated["total"], percent(undated["share"])),)
    return Timeline(WIDTH, HEIGHT, bars, ticks, shown(top), data["interval"], normalise, undated_bar, band, rows)


def _label(value: dict[str, Any], interval: str) -> str:
    if value["value"] == value["end"]:
        return value["value"]
    return f"{value['value']} to {value['end']}"


def _short(day: str, interval: str) -> str:
    return {"year": day[:4], "month": day[:7]}.get(interval, day)


@dataclass(frozen=True)
class Line:
    number: int
    label: str
    points: str  # SVG polyline points
    dots: tuple[tuple[float, float, str], ...]  # x, y, tooltip


@dataclass(frozen=True)
class CompareChart:
    width: int
    height: int
    lines: tuple[Line, ...]
    ticks: tuple[tuple[float, str], ...]
    max_label: str
    normalise: bool
    rows: tuple[tuple[str, tuple[str, ...]], ...]  # period label, then each query's value


CHART_HEIGHT = 240


def compare_chart(data: dict[str, Any]) -> CompareChart | None:
    """One line per compared query over the shared periods (count or share), drawn on the server."""
    periods, normalise = data["periods"], data["normalise"]
    if not periods:
        return None
    key = "shares" if normalise else "counts"
    top = max((max(s[key]) for s in data["series"] if s[key]), default=0) or 1
    plot = CHART_HEIGHT - BOTTOM - TOP
    step = (WIDTH - LEFT - 10) / max(len(periods) - 1, 1)
    shown = percent if normalise else str
    lines = []
    for s in data["series"]:
        xy = [(LEFT + i * step if len(periods) > 1 else (WIDTH + LEFT) / 2, TOP + plot * (1 - v / top))
              for i, v in enumerate(s[key])]
        dots = tuple((x, y, f"{s['label']}, {_label(p, data['interval'])}: {shown(v)}")
                     for (x, y), p, v in zip(xy, periods, s[key], strict=True))
        lines.append(Line(s["number"], s["label"], " ".join(f"{x:.1f},{y:.1f}" for x, y in xy), dots))
    every = max(1, len(periods) // 6)
    ticks = tuple((LEFT + i * step, _short(p["value"], data["interval"])) for i, p in enumerate(periods)
                  if i % every == 0)
    rows = tuple((_label(p, data["interval"]), tuple(shown(s[key][i]) for s in data["series"]))
                 for i, p in enumerate(periods))
    return CompareChart(WIDTH, CHART_HEIGHT, tuple(lines), ticks, shown(top), normalise, rows)
