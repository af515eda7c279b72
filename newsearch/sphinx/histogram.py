"""The date histogram from per-day counts: the same buckets as the Whoosh engine."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from ..dates import day_from_number
from ..results import DateBucket, DateFacet

INTERVALS = (("day", 62), ("week", 7 * 80), ("month", 366 * 12))  # as search.INTERVALS


def bucket_start(day: date, interval: str) -> date:
    """The first day of the bucket holding ``day`` (weeks start on Monday)."""
    if interval == "week":
        return day - timedelta(days=day.weekday())
    if interval == "month":
        return day.replace(day=1)
    if interval == "year":
        return day.replace(month=1, day=1)
    return day


def bucket_end(start: date, interval: str) -> date:
    if interval == "week":
        return start + timedelta(days=6)
    if interval == "month":
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    if interval == "year":
        return start.replace(month=12, day=31)
    return start


def histogram(per_day: Mapping[int, int], undated: int) -> DateFacet:
    """Counts over time at an interval that follows the span of the days (day numbers -> counts).

    Like the Whoosh engine, every bucket between the first and the last day is listed, empty ones too.
    """
    days = sorted(d for d, n in per_day.items() if n)
    if not days:
        return DateFacet("day", (), undated)
    first, last = days[0], days[-1]
    interval = next((name for name, span in INTERVALS if last - first <= span), "year")
    counts: dict[date, int] = {}
    start = bucket_start(day_from_number(first), interval)
    while start <= day_from_number(last):
        counts[start] = 0
        start = bucket_end(start, interval) + timedelta(days=1)
    for d in days:
        counts[bucket_start(day_from_number(d), interval)] += per_day[d]
    buckets = tuple(DateBucket(s.isoformat(), bucket_end(s, interval).isoformat(), n) for s, n in counts.items())
    return DateFacet(interval, buckets, undated)


def month_histogram(per_month: Mapping[int, int], undated: int, span: int) -> DateFacet:
    """The histogram from per-month counts (year * 12 + month - 1) and the span in days (over 560)."""
    months = sorted(m for m, n in per_month.items() if n)
    if not months:
        return DateFacet("day", (), undated)
    first = date(months[0] // 12, months[0] % 12 + 1, 1)
    last = date(months[-1] // 12, months[-1] % 12 + 1, 1)
    interval = "month" if span <= INTERVALS[-1][1] else "year"
    counts: dict[date, int] = {}
    start = bucket_start(first, interval)
    while start <= last:
        counts[start] = 0
        start = bucket_end(start, interval) + timedelta(days=1)
    for m in months:
        counts[bucket_start(date(m // 12, m % 12 + 1, 1), interval)] += per_month[m]
    buckets = tuple(DateBucket(s.isoformat(), bucket_end(s, interval).isoformat(), n) for s, n in counts.items())
    return DateFacet(interval, buckets, undated)
