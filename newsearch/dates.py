"""Parsing publication dates in the formats news comes in, normalised to UTC.

Every input here is bounded before any parser sees it: a date value over ``MAX_DATE_CHARS``
characters, or with a run of digits longer than any date has, is refused as ``BadDate``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

import numpy as np
from dateutil import parser as dateparser
from dateutil import tz

# Abbreviations dateutil does not resolve on its own (it drops unknown ones silently).
_ZONES: dict[str, tzinfo | None] = {
    name: tz.tzoffset(name, hours * 3600)
    for name, hours in {
        "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "BST": 1, "CET": 1, "WAT": 1, "CEST": 2, "EET": 2, "SAST": 2,
        "EEST": 3, "MSK": 3, "AST": 3, "GST": 4, "PKT": 5, "IST": 5.5, "ICT": 7, "WIB": 7, "SGT": 8,
        "HKT": 8, "AWST": 8, "PHT": 8, "JST": 9, "KST": 9, "ACST": 9.5, "AEST": 10, "AEDT": 11, "NZST": 12,
        "NZDT": 13, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
        "AKST": -9, "AKDT": -8, "HST": -10,
    }.items()
}
# US papers write "ET" and "PT" for whichever of standard or daylight time applies that day.
_ZONES.update({"ET": tz.gettz("America/New_York"), "CT": tz.gettz("America/Chicago"),
               "MT": tz.gettz("America/Denver"), "PT": tz.gettz("America/Los_Angeles")})
ZONE_NAMES = frozenset(name.lower() for name in _ZONES)
_NO_YEAR = datetime(1, 1, 1)
_EPOCH_SECONDS = re.compile(r"^\d{9,10}(?:\.\d{1,9})?$")
_EPOCH_MILLIS = re.compile(r"^\d{12,13}$")
_LONG_DIGITS = re.compile(r"\d{15}")
MIN_YEAR, MAX_YEAR = 1800, 2200
MAX_DATE_CHARS = 100

_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]{0,6}\.?"
_WEEKDAY = r"(?:(?:Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)[a-z]{0,6}\.?,?[ \t]{1,3})?"
_TIME = (r"(?:,?[ \t]{0,3}(?:at[ \t]{1,3})?\d{1,2}[:.]\d{2}(?::\d{2})?[ \t]{0,3}(?:[ap]\.?m\.?)?[ \t]{0,3}"
         r"(?:[A-Z]{1,4}|[+-]\d{2}:?\d{2})?)?")
DATE_LINE_RE = re.compile(
    rf"^[ \t]*(?:(?:Published|Updated|Posted|Date)[ \t]*:?[ \t]*)?{_WEEKDAY}(?:"
    rf"{_MONTH}[ \t]{{1,3}}\d{{1,2}}(?:st|nd|rd|th)?,?[ \t]{{1,3}}\d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?[ \t]{{1,3}}{_MONTH},?[ \t]{{1,3}}\d{{4}}"
    rf"|\d{{4}}-\d{{2}}-\d{{2}}(?:[T ]\d{{2}}:\d{{2}}(?::\d{{2}}(?:\.\d{{1,9}})?)?(?:Z|[+-]\d{{2}}:?\d{{2}})?)?"
    rf"|\d{{1,2}}/\d{{1,2}}/\d{{4}}"
    rf"){_TIME}[ \t]*$",
    re.IGNORECASE,
)
LEADING_DATE_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
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
        return _from_number(value)
    if not isinstance(value, str) or not value.strip():
        raise BadDate(f"not a date: {value!r}")
    if len(value) > MAX_DATE_CHARS * 4:
        raise BadDate(f"not a date: {len(value):,} characters (a date has at most {MAX_DATE_CHARS})")
    text = " ".join(value.split())
    if len(text) > MAX_DATE_CHARS or _LONG_DIGITS.search(text):
        raise BadDate(f"not a date: {text[:40]!r}… (too long)")
    if _EPOCH_SECONDS.match(text):
        return _from_epoch(float(text))
    if _EPOCH_MILLIS.match(text):
        return _from_epoch(int(text) / 1000)
    try:
        return _to_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        pass
    return _to_utc(_parse_common(text) or _parse_free(text))


_MONTH_NUMBERS = {name: number for number, names in enumerate(
    ("jan january", "feb february", "mar march", "apr april", "may", "jun june", "jul july", "aug august",
     "sep sept september", "oct october", "nov november", "dec december"), start=1) for name in names.split()}
# The wire layouts: "Fri Oct 20, 2006 6:15pm EDT", "26 March 2024 14:05 GMT", "March 26, 2024" (dateutil is 20x slower).
_COMMON_RE = re.compile(
    r"(?:[A-Za-z]{3,9}\.?,? )?"
    r"(?:(?P<mon>[A-Za-z]{3,9})\.? (?P<day>\d{1,2}),? |(?P<day2>\d{1,2}) (?P<mon2>[A-Za-z]{3,9})\.?,? )"
    r"(?P<year>\d{4})(?:,? (?:at )?(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?::(?P<second>\d{2}))?"
    r" ?(?:(?P<ampm>[AaPp])\.?[Mm]\.?)?)?(?: (?P<zone>[A-Za-z]{1,5}))?"
)


def _parse_common(text: str) -> datetime | None:
    """The most common news date layouts, read without dateutil; None for anything else."""
    m = _COMMON_RE.fullmatch(text)
    if not m:
        return None
    month = _MONTH_NUMBERS.get((m.group("mon") or m.group("mon2")).lower())
    zone = m.group("zone")
    if month is None or (zone and zone.upper() not in _ZONES):
        return None
    hour = int(m.group("hour") or 0)
    if m.group("ampm"):
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if m.group("ampm") in "Pp" else 0)
    try:
        return datetime(int(m.group("year")), month, int(m.group("day") or m.group("day2")), hour,
                        int(m.group("minute") or 0), int(m.group("second") or 0),
                        tzinfo=_ZONES[zone.upper()] if zone else None)
    except ValueError:
        return None


def _from_number(value: int | float) -> datetime:
    if isinstance(value, int) and not -10**13 < value < 10**13:
        raise BadDate(f"timestamp out of range: {str(value)[:40]}")
    return _from_epoch(float(value) / 1000 if abs(value) >= 10**11 else float(value))


def _parse_free(text: str) -> datetime:
    dayfirst = re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{2,4}(?: .*)?", text) is not None  # 26.03.2024 is European
    try:
        parsed = dateparser.parse(text, default=_NO_YEAR, tzinfos=_ZONES, dayfirst=dayfirst)
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
    try:
        if moment.tzinfo is None:
            return _checked(moment.replace(tzinfo=UTC))
        return _checked(moment.astimezone(UTC))
    except OverflowError as exc:  # year 1 or 9999 shifted past the calendar by its zone
        raise BadDate(f"date out of range: {moment!r}") from exc


def _checked(moment: datetime) -> datetime:
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise BadDate(f"year {moment.year} is outside {MIN_YEAR}-{MAX_YEAR}")
    return moment


def is_date_line(line: str) -> bool:
    """True when a whole line is a date (a common news-file convention)."""
    return len(line) < 80 and DATE_LINE_RE.match(line) is not None


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# --- date lines of any layout ------------------------------------------------------------

_WEEKDAYS = _word_set("mon monday tue tues tuesday wed weds wednesday thu thur thurs thursday fri friday "
                      "sat saturday sun sunday")
_MONTHS = _word_set("jan january feb february mar march apr april may jun june jul july aug august sep sept "
                    "september oct october nov november dec december")
_FILLERS = _word_set("at on of the - – — | / · • hrs h local time am pm a.m. p.m. a.m p.m")
_LABELS = ("first published", "last updated", "last modified", "published", "updated", "modified", "posted",
           "date", "dated", "filed", "released", "issued")
_LABEL_WORDS = frozenset(label.split()[0] for label in _LABELS)
DATE_FIRST_WORDS = _LABEL_WORDS | _MONTHS | _WEEKDAYS  # a date line opens with one of these or a digit
_DIGIT_RE = re.compile(r"\d")
_NUMBER_RE = re.compile(r"\d{1,4}(?:st|nd|rd|th)?")
_TIME_RE = re.compile(r"\d{1,2}[:.]\d{2}(?:[:.]\d{2}(?:\.\d{1,6})?)?(?:[ap]\.?m\.?)?", re.I)
_NUMERIC_DATE_RE = re.compile(
    r"\d{4}-\d{1,2}-\d{1,2}(?:t\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:z|[+-]\d{2}:?\d{2})?)?"
    r"|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}/\d{1,2}/\d{1,2}|\d{1,2}-[a-z]{3}-\d{2,4}(?::\S{0,20})?"
    r"|\d{8}", re.I)
_OFFSET_RE = re.compile(r"(?:utc|gmt)?[+-]\d{1,2}(?::?\d{2})?|\(?(?:utc|gmt)\)?", re.I)
_DOTTED_TIME_RE = re.compile(r"^(\d{1,2})\.(\d{2})(?=$|[ap])", re.I)  # 15.45 GMT: the time, British style
MAX_DATE_LINE = 120


@dataclass(frozen=True)
class DateLine:
    """A line that is a date: the date text to parse, and whether it is labelled as an update."""

    text: str
    updated: bool


def read_date_line(line: str) -> DateLine | None:
    """The date in a line that holds nothing else ('Published: 26 March 2024 14:05 GMT'), or None.

    A labelled line with only a time ('Updated 6:05 PM ET') is a date line too, with no day to read."""
    if len(line) > MAX_DATE_LINE * 2 or not _DIGIT_RE.search(line):
        return None  # every date line has a digit: most lines are refused here, cheaply
    text = " ".join(line.split())
    if not text or len(text) > MAX_DATE_LINE:
        return None
    updated = labelled = False
    lowered = text.lower()
    if lowered.split(" ", 1)[0].strip(":") not in _LABEL_WORDS:
        return _unlabelled(text)
    for label in _LABELS:
        if lowered.startswith(label) and (len(text) == len(label) or not text[len(label)].isalpha()):
            updated = label in ("last updated", "last modified", "updated", "modified")
            labelled = True
            text = text[len(label):].lstrip(" :-–—").removeprefix("on ").removeprefix("at ").strip()
            break
    first = _split_segments(text)[0]
    kind = _date_words(first)
    return DateLine(first, updated) if kind == "date" or (kind == "time" and labelled) else None


def _unlabelled(text: str) -> DateLine | None:
    first_word = text.split(" ", 1)[0].lower().strip("(),.")
    if not (first_word in _MONTHS or first_word in _WEEKDAYS or first_word[:1].isdigit()):
        return None
    first = _split_segments(text)[0]
    return DateLine(first, False) if _date_words(first) == "date" else None


def _split_segments(text: str) -> list[str]:
    """'26 March 2024 | Updated 27 March 2024' -> the first segment holds the date of publication."""
    for sep in (" | ", " · ", " • ", "; ", " / Updated", " Updated", " updated", " Last updated"):
        head, found, _ = text.partition(sep)
        if found and head:
            return [head.strip()]
    return [text]


def _date_words(text: str) -> str | None:
    """'date' when every word is a date word (month, weekday, number, time, zone) and a day is named;
    'time' when the words name only a time; None when some word is not a date word."""
    words = text.replace(",", " ").split()
    if not words or len(words) > 12:
        return None
    has_month = has_number = has_numeric_date = has_time = False
    for word in words:
        low = word.lower().strip("().")
        if not low or low in _FILLERS or low in ZONE_NAMES or word.lower() in _FILLERS:
            continue
        if low in _MONTHS:
            has_month = True
        elif low in _WEEKDAYS:
            continue
        elif _NUMERIC_DATE_RE.fullmatch(low):
            has_numeric_date = True
        elif _NUMBER_RE.fullmatch(low):
            has_number = True
        elif _TIME_RE.fullmatch(low):
            has_time = True
        elif not _OFFSET_RE.fullmatch(low):
            return None
    if has_numeric_date or (has_month and has_number):
        return "date"
    return "time" if has_time and not has_number else None


def clean_date_text(text: str) -> str:
    """A date line's words without the fillers dateutil stumbles on ('at', '|', parentheses)."""
    words = [_DOTTED_TIME_RE.sub(r"\1:\2", w.strip("()")) for w in text.replace(",", " , ").split()]
    kept = [w for w in words if w and w.lower() not in _FILLERS - {"am", "pm", "a.m.", "p.m.", "a.m", "p.m"}]
    return " ".join(kept).replace(" , ", ", ").strip(" ,")


def day_number(moment: datetime) -> int:
    """Days since 1970-01-01 (UTC) - the unit of the date facet."""
    return date_number(moment.date())


def date_number(day: date) -> int:
    """The day number of a calendar day."""
    return (day - date(1970, 1, 1)).days


def day_from_number(number: int) -> date:
    """The calendar day of a day number."""
    return date(1970, 1, 1) + timedelta(days=number)


HISTOGRAM_SPANS = (("day", 62), ("week", 7 * 80), ("month", 366 * 12))  # the longest span (days) of each interval


def interval_for(first: int, last: int) -> str:
    """The histogram interval for matches from day number ``first`` to ``last``."""
    return next((name for name, span in HISTOGRAM_SPANS if last - first <= span), "year")


def buckets_of(days: np.ndarray) -> tuple[str, np.ndarray, np.ndarray]:
    """For dated day numbers: the histogram's interval, the first day number of every bucket from
    the first day's to the last day's (empty ones too), and the bucket of each day."""
    first, last = int(days.min()), int(days.max())
    interval = interval_for(first, last)
    starts, index = np.unique(bucket_starts(first, last, interval), return_inverse=True)
    return interval, starts, index[days - first]


def bucket_starts(first: int, last: int, interval: str) -> np.ndarray:
    """The first day of the period (day, week from Monday, month, year) of each day from first to last (day numbers)."""
    days = np.arange(first, last + 1)
    if interval == "day":
        return days
    if interval == "week":
        return days - (days + 3) % 7  # 1970-01-01 was a Thursday; weeks start on Monday
    unit = "M" if interval == "month" else "Y"
    return days.astype("datetime64[D]").astype(f"datetime64[{unit}]").astype("datetime64[D]").astype(np.int64)


def bucket_end(start: date, interval: str) -> date:
    """The last day of the period starting on ``start``."""
    if interval == "week":
        return start + timedelta(days=6)
    if interval == "month":
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    if interval == "year":
        return start.replace(month=12, day=31)
    return start
