"""The date histogram from grouped counts: the same buckets as the Whoosh engine.

The interval follows the span of the matching days (as ``search.INTERVALS``).  The counts come
from a GROUP BY day, summed here into the interval's buckets (``of_days``); when the matches
fall on too many days for one pass, from a GROUP BY on the attribute holding the interval's key
(``rows.bucket_keys``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from ..dates import bucket_end, day_from_number
from ..results import DateBucket, DateFacet

INTERVALS = (("day", 62), ("week", 7 * 80), ("month", 366 * 12))  # as search.INTERVALS


def interval_for(first: int, last: int) -> str:
    """The interval for a span of day numbers."""
    return next((name for name, span in INTERVALS if last - first <= span), "year")


def start_of(key: int, interval: str) -> date:
    """The first day of a bucket from its key (day number, Monday's day number, year*12+month-1, year)."""
    if interval == "month":
        return date(key // 12, key % 12 + 1, 1)
    if interval == "year":
        return date(key, 1, 1)
    return day_from_number(key)


def bucket_start(day: date, interval: str) -> date:
    """The first day of the bucket holding ``day`` (weeks start on Monday)."""
    if interval == "week":
        return day - timedelta(days=day.weekday())
    if interval == "month":
        return day.replace(day=1)
    if interval == "year":
        return day.replace(month=1, day=1)
    return day


def of_days(per_day: Mapping[int, int], undated: int) -> DateFacet:
    """The histogram of counts per day number (undated articles apart)."""
    if not per_day:
        return DateFacet("day", (), undated)
    first, last = min(per_day), max(per_day)
    interval = interval_for(first, last)
    per_start: dict[date, int] = {}
    for day, n in per_day.items():
        start = bucket_start(day_from_number(day), interval)
        per_start[start] = per_start.get(start, 0) + n
    return _buckets(interval, first, last, per_start, undated)


def histogram(interval: str, first: int, last: int, per_key: Mapping[int, int], undated: int) -> DateFacet:
    """Every bucket from the first day's to the last day's, empty ones too, with the grouped counts."""
    return _buckets(interval, first, last, {start_of(key, interval): n for key, n in per_key.items()}, undated)


def _buckets(interval: str, first: int, last: int, per_start: Mapping[date, int], undated: int) -> DateFacet:
    counts: dict[date, int] = {}
    start = bucket_start(day_from_number(first), interval)
    while start <= day_from_number(last):
        counts[start] = 0
        start = bucket_end(start, interval) + timedelta(days=1)
    for start, n in per_start.items():
        counts[start] += n
    buckets = tuple(DateBucket(s.isoformat(), bucket_end(s, interval).isoformat(), n) for s, n in counts.items())
    return DateFacet(interval, buckets, undated)
