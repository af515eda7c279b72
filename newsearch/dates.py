"""Parsing publication dates in the formats news comes in, normalised to UTC."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from dateutil import parser as dateparser
from dateutil import tz

# Abbreviations dateutil does not resolve on its own (it drops unknown ones silently).
_ZONES = {
    name: tz.tzoffset(name, hours * 3600)
    for name, hours in {
        "UTC": 0, "GMT": 0, "Z": 0, "BST": 1, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3, "MSK": 3,
        "IST": 5.5, "SGT": 8, "HKT": 8, "JST": 9, "KST": 9, "AEST": 10, "AEDT": 11, "NZST": 12,
        "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
    }.items()
}
_NO_YEAR = datetime(1, 1, 1)
_EPOCH_SECONDS = re.compile(r"^\d{9,10}(?:\.\d+)?$")
_EPOCH_MILLIS = re.compile(r"^\d{12,13}$")
MIN_YEAR, MAX_YEAR = 1800, 2200

_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_WEEKDAY = r"(?:(?:Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)[a-z]*\.?,?\s+)?"
_TIME = r"(?:,?\s*(?:at\s+)?\d{1,2}[:.]\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?\s*(?:[A-Z]{1,4}|[+-]\d{2}:?\d{2})?)?"
DATE_LINE_RE = re.compile(
    rf"^\s*(?:(?:Published|Updated|Posted|Date)\s*:?\s*)?{_WEEKDAY}(?:"
    rf"{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+\d{{4}}"
    rf"|\d{{4}}-\d{{2}}-\d{{2}}(?:[T ]\d{{2}}:\d{{2}}(?::\d{{2}}(?:\.\d+)?)?(?:Z|[+-]\d{{2}}:?\d{{2}})?)?"
    rf"|\d{{1,2}}/\d{{1,2}}/\d{{4}}"
    rf"){_TIME}\s*$",
    re.IGNORECASE,
)
LEADING_DATE_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)


class BadDate(ValueError):
    """A date value that could not be read as a full calendar date."""


def parse_date(value: object) -> datetime:
    """Read a date-time in any common format; returns an aware UTC datetime.

    A value without a time zone is taken as UTC; a value without a year is refused
    (never completed from today's date).
    """
    if isinstance(value, datetime):
        return _to_utc(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_epoch(float(value))
    if not isinstance(value, str) or not value.strip():
        raise BadDate(f"not a date: {value!r}")
    text = " ".join(value.split())
    if _EPOCH_SECONDS.match(text):
        return _from_epoch(float(text))
    if _EPOCH_MILLIS.match(text):
        return _from_epoch(int(text) / 1000)
    try:
        return _to_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        pass
    return _to_utc(_parse_free(text))


def _parse_free(text: str) -> datetime:
    try:
        parsed = dateparser.parse(text, default=_NO_YEAR, tzinfos=_ZONES)
    except (ValueError, OverflowError, TypeError) as exc:
        raise BadDate(f"not a date: {text!r}") from exc
    if parsed.year == 1:
        raise BadDate(f"no year in date: {text!r}")
    return parsed


def _from_epoch(seconds: float) -> datetime:
    try:
        return _checked(datetime.fromtimestamp(seconds, tz=UTC))
    except (OverflowError, OSError, ValueError) as exc:
        raise BadDate(f"timestamp out of range: {seconds!r}") from exc


def _to_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return _checked(moment.replace(tzinfo=UTC))
    return _checked(moment.astimezone(UTC))


def _checked(moment: datetime) -> datetime:
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise BadDate(f"year {moment.year} is outside {MIN_YEAR}-{MAX_YEAR}")
    return moment


def is_date_line(line: str) -> bool:
    """True when a whole line is a date (a common news-file convention)."""
    return len(line) < 80 and DATE_LINE_RE.match(line) is not None


def day_number(moment: datetime) -> int:
    """Days since 1970-01-01 (UTC) - the unit of the date facet."""
    return (moment.date() - date(1970, 1, 1)).days


def day_from_number(number: int) -> date:
    """The calendar day of a day number."""
    return date(1970, 1, 1) + timedelta(days=number)
