"""Canonical outlet names, and finding the outlet a text names itself after."""

from __future__ import annotations

import re

KNOWN_OUTLETS = _KNOWN = {
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
    "pti": "Press Trust of India",
    "presstrustofindia": "Press Trust of India",
    "ians": "IANS",
    "bernama": "Bernama",
    "irna": "IRNA",
    "prnewswire": "PR Newswire",
    "businesswire": "Business Wire",
    "globenewswire": "GlobeNewswire",
    "npr": "NPR",
    "pbs": "PBS",
    "abcnews": "ABC News",
    "nbcnews": "NBC News",
    "cbsnews": "CBS News",
    "foxnews": "Fox News",
    "ft": "Financial Times",
    "financialtimes": "Financial Times",
    "wsj": "The Wall Street Journal",
    "thewallstreetjournal": "The Wall Street Journal",
    "wallstreetjournal": "The Wall Street Journal",
    "washingtonpost": "The Washington Post",
    "thewashingtonpost": "The Washington Post",
}
# Every pattern is linear: words have a bounded length and whitespace is collapsed before matching.
_AGENCIES_SUFFIX = re.compile(r"[ ]?(?:,|/|\band\b|\bwith\b|&|\+)[ ]?(?:other[ ])?(?:news[ ])?agencies$", re.I)
_CAMEL_ACRONYM = re.compile(r"(?<=[A-Z]{2})(?=[A-Z][a-z])")
_MEDIA_WORD = re.compile(
    r"\b(?:Agency|News|Press|Times|Post|Journal|Reuters|AP|AFP|Xinhua|TV|Television|Radio|Network|"
    r"Wire|Media|Gazette|Herald|Tribune|Telegraph|Guardian|BBC|CNN|Bloomberg|Monitor|Daily)\b"
)
_WORD = r"[A-Z][\w&'’]{0,30}"
_ATTRIBUTION_RE = re.compile(
    rf"(?:,|\.|—|--)[ ]?(?:the[ ])?((?:{_WORD}[ ]){{0,3}}{_WORD})[ ](?:reports|reported|said in a report)\b"
    rf"|\baccording to (?:the[ ])?((?:{_WORD}[ ]){{0,3}}{_WORD})"
    rf"|\(({_WORD}(?:[ ]{_WORD}){{0,2}})\)[ ]?[-–—]"
)
_NAME_CONNECTORS = frozenset(("of", "the", "and", "&", "de", "la", "el", "al", "for", "on"))
MAX_SOURCE_CHARS = 200
ATTRIBUTION_WINDOW = 3000  # characters of the lede searched for "..., Anadolu Agency reports"


def source_key(name: str) -> str:
    """The grouping key of an outlet name: letters and digits, lower case."""
    return re.sub(r"[^0-9a-z]", "", name.lower())


def canonical_source(name: str) -> str:
    """One display name per outlet: 'TRTWorld and agencies' -> 'TRT World'."""
    name = _AGENCIES_SUFFIX.sub("", " ".join(name[:MAX_SOURCE_CHARS * 4].split())[:MAX_SOURCE_CHARS])
    name = name.strip(" .,;:-–—")
    known = _KNOWN.get(source_key(name))
    if known:
        return known
    return _CAMEL_ACRONYM.sub(" ", name)


def attributed_source(text: str) -> str | None:
    """An outlet the text attributes itself to ('..., Anadolu Agency reports.', '(Reuters) -')."""
    for m in _ATTRIBUTION_RE.finditer(" ".join(text[:ATTRIBUTION_WINDOW].split())):
        candidate = next(g for g in m.groups() if g)
        if _MEDIA_WORD.search(candidate) or source_key(candidate) in _KNOWN:
            return canonical_source(candidate)
    return None


def is_outlet(name: str) -> bool:
    """True for a known outlet or a name that says it is one ('Daily Herald', 'Anadolu Agency')."""
    name = " ".join(name.split())
    if not name or len(name) > 60:
        return False
    if source_key(name) in _KNOWN:
        return True
    words = name.split()
    if len(words) > 6 or not all(w[0].isupper() or w[0].isdigit() or w.lower() in _NAME_CONNECTORS for w in words):
        return False  # "Reuters appoints new editor" is a sentence, not an outlet
    return _MEDIA_WORD.search(name) is not None
