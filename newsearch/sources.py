"""Canonical outlet names, and finding the outlet a text names itself after."""

from __future__ import annotations

import re

_KNOWN = {
    "reuters": "Reuters",
    "thomsonreuters": "Reuters",
    "ap": "Associated Press",
    "associatedpress": "Associated Press",
    "afp": "AFP",
    "agencefrancepresse": "AFP",
    "aa": "Anadolu Agency",
    "anadolu": "Anadolu Agency",
    "anadoluagency": "Anadolu Agency",
    "trtworld": "TRT World",
    "trt": "TRT World",
    "bbc": "BBC News",
    "bbcnews": "BBC News",
    "aljazeera": "Al Jazeera",
    "xinhua": "Xinhua",
    "xinhuanewsagency": "Xinhua",
    "cnn": "CNN",
    "bloomberg": "Bloomberg",
    "thenewyorktimes": "The New York Times",
    "newyorktimes": "The New York Times",
    "nytimes": "The New York Times",
    "theguardian": "The Guardian",
    "guardian": "The Guardian",
    "middleeastmonitor": "Middle East Monitor",
    "memo": "Middle East Monitor",
    "dpa": "dpa",
    "upi": "UPI",
    "tass": "TASS",
    "efe": "EFE",
    "ansa": "ANSA",
    "kyodo": "Kyodo News",
    "kyodonews": "Kyodo News",
    "yonhap": "Yonhap",
}
_AGENCIES_SUFFIX = re.compile(r"\s*(?:,|/|\band\b|\bwith\b|&|\+)\s*(?:other\s+)?(?:news\s+)?agencies\s*$", re.I)
_CAMEL_ACRONYM = re.compile(r"(?<=[A-Z]{2})(?=[A-Z][a-z])")
_MEDIA_WORD = re.compile(
    r"\b(?:Agency|News|Press|Times|Post|Journal|Reuters|AP|AFP|Xinhua|TV|Television|Radio|Network|"
    r"Wire|Media|Gazette|Herald|Tribune|Telegraph|Guardian|BBC|CNN|Bloomberg|Monitor|Daily)\b"
)
_ATTRIBUTION_RE = re.compile(
    r"(?:,|\.|—|--)\s*(?:the\s+)?((?:[A-Z][\w&'’]*\s+){0,3}[A-Z][\w&'’]*)\s+(?:reports|reported|said in a report)\b"
    r"|\baccording to (?:the\s+)?((?:[A-Z][\w&'’]*\s+){0,3}[A-Z][\w&'’]*)"
    r"|\(([A-Z][\w&'’]*(?:\s+[A-Z][\w&'’]*){0,2})\)\s*[-–—]"
)


def source_key(name: str) -> str:
    """The grouping key of an outlet name: letters and digits, lower case."""
    return re.sub(r"[^0-9a-z]", "", name.lower())


def canonical_source(name: str) -> str:
    """One display name per outlet: 'TRTWorld and agencies' -> 'TRT World'."""
    name = _AGENCIES_SUFFIX.sub("", " ".join(name.split())).strip(" .,;:-–—")
    known = _KNOWN.get(source_key(name))
    if known:
        return known
    return _CAMEL_ACRONYM.sub(" ", name)


def attributed_source(text: str) -> str | None:
    """An outlet the text attributes itself to ('..., Anadolu Agency reports.', '(Reuters) -')."""
    for m in _ATTRIBUTION_RE.finditer(text):
        candidate = next(g for g in m.groups() if g)
        if _MEDIA_WORD.search(candidate) or source_key(candidate) in _KNOWN:
            return canonical_source(candidate)
    return None
