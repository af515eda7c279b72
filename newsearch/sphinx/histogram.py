"""The date histogram from grouped counts: the same buckets as the Whoosh engine.

The counts come from a GROUP BY day, summed here into the interval's buckets (``of_days``); when
the matches fall on too many days for one pass, from a GROUP BY on the attribute holding the
interval's key (``rows.bucket_keys``, read back by ``of_interval_keys``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import numpy as np

from ..dates import bucket_starts, buckets_of, date_number
from ..results import DateFacet


def of_days(per_day: Mapping[int, int], undated: int) -> DateFacet:
    """The histogram of counts per day number (undated articles apart)."""
    if not per_day:
        return DateFacet("day", (), undated)
    interval, starts, buckets = buckets_of(np.fromiter(per_day, np.int64, len(per_day)))
    weights = np.fromiter(per_day.values(), np.float64, len(per_day))
    counts = np.bincount(buckets, weights=weights, minlength=len(starts))
    return DateFacet.of(interval, starts, counts, undated)


def of_interval_keys(interval: str, first: int, last: int, per_key: Mapping[int, int], undated: int) -> DateFacet:
    """The histogram of counts per bucket key of ``interval`` (as ``rows.bucket_keys``), matches from
    day number ``first`` to ``last``."""
    starts = np.unique(bucket_starts(first, last, interval))
    counts = np.zeros(len(starts), np.int64)
    for key, n in per_key.items():
        counts[np.searchsorted(starts, start_of(key, interval))] += n
    return DateFacet.of(interval, starts, counts, undated)


def start_of(key: int, interval: str) -> int:
    """The first day number of a bucket from its key (day number, Monday's day number,
    year*12+month-1, year)."""
    if interval == "month":
        return date_number(date(key // 12, key % 12 + 1, 1))
    if interval == "year":
        return date_number(date(key, 1, 1))
    return key
