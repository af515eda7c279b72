"""Named-entity extraction and name normalisation (no Whoosh, no Flask).

The extractor is a linear-chain CRF (CRFsuite through python-crfsuite) over
cheap per-word features.  Features are computed once per distinct word and
cached, so tagging costs a few dictionary look-ups per token; the model and the
word statistics it uses ship inside the package (``newsearch/models``), so
nothing is downloaded at run time.  ``tools/train_ner.py`` rebuilds them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

MODEL_DIR = Path(__file__).parent / "models"
MODEL_FILE = MODEL_DIR / "ner.crfsuite"
WORDS_FILE = MODEL_DIR / "ner_words.json"
EXTRACTOR_NAME = "newsearch-crf"
EXTRACTOR_VERSION = "1"

KINDS = ("PER", "ORG", "LOC")

_TOKEN_RE = re.compile(
    r"(?:[A-Za-z]\.){2,}"  # U.S. / U.N.
    r"|\w+(?=n['’]t\b)|n['’]t\b"  # do n't
    r"|['’]s\b"  # possessive
    r"|\w+(?:[-&.]\w+|['’](?!s\b)\w+)*"
    r"|[^\w\s]",
)
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])[\"”’')]*\s+(?=[\"“‘(]?[A-Z0-9])")
_ABBREVIATION_RE = re.compile(
    r"(?:\b[A-Z]|Mr|Mrs|Ms|Dr|Prof|Gen|Col|Lt|Sgt|Rep|Sen|Gov|St|Jr|Sr|Inc|Corp|Co|Ltd|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|No|vs|U\.S|U\.N|U\.K)\.$"
)


class Token(NamedTuple):
    """A word with its character offsets in the text it came from."""

    text: str
    start: int
    end: int


class Mention(NamedTuple):
    """One entity mention: its kind (PER, ORG, LOC), span and normal form."""

    kind: str
    start: int
    end: int
    text: str
    name: str


def tokenize(text: str, offset: int = 0) -> list[Token]:
    """Split text into word and punctuation tokens with character offsets."""
    return [Token(m.group(), m.start() + offset, m.end() + offset) for m in _TOKEN_RE.finditer(text)]


def sentences(text: str) -> Iterator[tuple[int, str]]:
    """Yield (offset, sentence) pairs: lines, split again at sentence ends."""
    pos = 0
    for line in text.split("\n"):
        start = 0
        for m in _SENTENCE_END_RE.finditer(line):
            if _ABBREVIATION_RE.search(line[max(0, m.start() - 6) : m.start()]):
                continue
            yield pos + start, line[start : m.start()]
            start = m.end()
        if line[start:].strip():
            yield pos + start, line[start:]
        pos += len(line) + 1


def word_shape(word: str) -> str:
    """Collapse a word to its shape: 'Qatar' -> 'Xx', 'U.S.' -> 'X.X.', '2024' -> 'd'."""
    shape = re.sub(r"[A-Z]+", "X", re.sub(r"[a-z]+", "x", re.sub(r"[0-9]+", "d", word)))
    return shape[:6]


class FeatureCache:
    """Per-word feature lists, computed once per distinct word."""

    def __init__(self, lowercase_words: frozenset[str], capital_words: frozenset[str]) -> None:
        self._lower = lowercase_words
        self._capital = capital_words
        self._cache: dict[str, tuple[list[str], list[str], list[str], list[str], list[str]]] = {}

    def get(self, word: str) -> tuple[list[str], list[str], list[str], list[str], list[str]]:
        """Features of the word at offsets 0, -1, +1, -2, +2 of the token being tagged."""
        found = self._cache.get(word)
        if found is None:
            found = self._compute(word)
            if len(self._cache) < 500_000:
                self._cache[word] = found
        return found

    def _compute(self, word: str) -> tuple[list[str], list[str], list[str], list[str], list[str]]:
        low = word.lower()
        shape = word_shape(word)
        usage = "L" if low in self._lower else ("C" if low in self._capital else "U")
        own = [
            "w=" + low,
            "sh=" + shape,
            "p3=" + low[:3],
            "s3=" + low[-3:],
            "s2=" + low[-2:],
            "u=" + usage,
            "us=" + usage + shape,
        ]
        if word[:1].isupper() and word[1:].islower() and "-" in word:
            own.append("hyph")
        near = ["w=" + low, "sh=" + shape, "u=" + usage]
        return (
            own,
            ["-1" + f for f in near],
            ["+1" + f for f in near],
            ["-2w=" + low, "-2sh=" + shape],
            ["+2w=" + low, "+2sh=" + shape],
        )

    def sequence(self, words: Sequence[str]) -> list[list[str]]:
        """The CRF item sequence for one sentence."""
        feats = [self.get(w) for w in words]
        n = len(words)
        out = []
        for i, (own, _, _, _, _) in enumerate(feats):
            item = list(own)
            if i == 0:
                item.append("BOS")
            else:
                item.extend(feats[i - 1][1])
                if i > 1:
                    item.extend(feats[i - 2][3])
            if i == n - 1:
                item.append("EOS")
            else:
                item.extend(feats[i + 1][2])
                if i < n - 2:
                    item.extend(feats[i + 2][4])
            out.append(item)
        return out


class ModelMissing(RuntimeError):
    """The shipped entity model is not where it should be."""


class EntityExtractor:
    """Finds PER, ORG and LOC mentions in text with the shipped CRF model."""

    name = EXTRACTOR_NAME
    version = EXTRACTOR_VERSION

    def __init__(self, model: Path = MODEL_FILE, words: Path = WORDS_FILE) -> None:
        import pycrfsuite  # imported here so that parsing documents does not need it

        if not model.exists() or not words.exists():
            raise ModelMissing(f"entity model not found at {model}; build it with python tools/train_ner.py")
        stats = json.loads(words.read_text(encoding="utf-8"))
        self.features = FeatureCache(frozenset(stats["lowercase"]), frozenset(stats["capital"]))
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open(str(model))

    def tag_tokens(self, tokens: Sequence[Token]) -> list[str]:
        """BIO tags for one sentence of tokens."""
        if not tokens:
            return []
        return list(self._tagger.tag(self.features.sequence([t.text for t in tokens])))

    def mentions(self, text: str) -> list[Mention]:
        """Raw mentions (not yet normalised) in reading order."""
        found: list[Mention] = []
        for offset, sentence in sentences(text):
            tokens = tokenize(sentence, offset)
            found.extend(spans_from_tags(text, tokens, self.tag_tokens(tokens)))
        return found

    def extract(self, text: str, exclude: Iterable[str] = ()) -> list[Mention]:
        """Normalised, filtered mentions, with short names linked to full ones in the same text."""
        return normalise_mentions(self.mentions(text), exclude)


def spans_from_tags(text: str, tokens: Sequence[Token], tags: Sequence[str]) -> list[Mention]:
    """Turn BIO tags into PER/ORG/LOC mentions (MISC is dropped)."""
    out: list[Mention] = []
    kind, start, end = "", -1, -1
    for token, tag in zip(tokens, tags, strict=True):
        prefix, _, label = tag.partition("-")
        if prefix == "I" and label == kind:
            end = token.end
            continue
        if kind in KINDS:
            out.append(Mention(kind, start, end, text[start:end], ""))
        kind, start, end = (label, token.start, token.end) if prefix in ("B", "I") else ("", -1, -1)
    if kind in KINDS:
        out.append(Mention(kind, start, end, text[start:end], ""))
    return out


# --- normal forms -----------------------------------------------------------

_ALIASES: dict[str, tuple[str, str]] = {}


def _alias(kind: str, name: str, *variants: str) -> None:
    for variant in (name, *variants):
        _ALIASES[_key(variant)] = (kind, name)


def _key(name: str) -> str:
    return re.sub(r"[\s\-–.]+", " ", name.lower().replace("’", "'")).strip()


_alias("LOC", "United States", "US", "U.S.", "USA", "U.S.A.", "United States of America", "America")
_alias("LOC", "United Kingdom", "UK", "U.K.", "Britain", "Great Britain")
_alias("LOC", "United Arab Emirates", "UAE", "U.A.E.")
_alias("LOC", "Gaza", "Gaza Strip", "the Gaza Strip")
_alias("LOC", "Russia", "Russian Federation")
_alias("LOC", "China", "People's Republic of China", "PRC")
_alias("LOC", "South Korea", "Republic of Korea")
_alias("LOC", "North Korea", "DPRK")
_alias("ORG", "United Nations", "UN", "U.N.")
_alias("ORG", "UN Security Council", "U.N. Security Council", "Security Council", "United Nations Security Council")
_alias("ORG", "UN General Assembly", "U.N. General Assembly", "General Assembly")
_alias("ORG", "European Union", "EU", "E.U.")
_alias("ORG", "International Monetary Fund", "IMF")
_alias("ORG", "International Court of Justice", "ICJ")
_alias("ORG", "Federal Reserve", "Fed", "U.S. Federal Reserve", "US Federal Reserve")
_alias("ORG", "European Central Bank", "ECB")
_alias("ORG", "World Health Organization", "WHO")
_alias("ORG", "Organization of the Petroleum Exporting Countries", "OPEC")
_alias("ORG", "Securities and Exchange Commission", "SEC", "U.S. Securities and Exchange Commission")

# Country names are places whatever role a sentence gives them ("Mediator Qatar said").
COUNTRIES_FILE = MODEL_DIR / "countries.txt"
COUNTRIES = frozenset(_key(line) for line in COUNTRIES_FILE.read_text(encoding="utf-8").splitlines()
                      if line.strip() and not line.startswith("#"))

_LEADING_RE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
_TRAILING_RE = re.compile(r"(?:['’]s?|[\s,.;:\-]+)$")
_PARTICLE_RE = re.compile(r"(?<=\s)(al|el)[\s\-‐]+(?=[A-Z])", re.IGNORECASE)
_PARTICLE_PREFIX_RE = re.compile(r"^(?:al|el)-")
_JUNK_RE = re.compile(r"^[\W\d_]+$")
_STOP_NAMES = frozenset(
    ["mr", "mrs", "ms", "dr", "i", "we", "he", "she", "they", "it", "monday", "tuesday", "wednesday",
     "thursday", "friday", "saturday", "sunday", "read", "watch", "photo", "source", "update"]
)


def normal_name(kind: str, surface: str) -> tuple[str, str] | None:
    """The (kind, canonical name) of a surface form, or None when it is junk."""
    name = _TRAILING_RE.sub("", _LEADING_RE.sub("", " ".join(surface.split())))
    name = _PARTICLE_RE.sub(lambda m: m.group(1).lower() + "-", name)
    if len(name) < 2 or _JUNK_RE.match(name) or name.lower() in _STOP_NAMES or name.islower():
        return None
    alias = _ALIASES.get(_key(name))
    if alias is not None:
        return alias
    if _key(name) in COUNTRIES:
        return "LOC", name
    if name.isupper() and len(name) > 4 and " " in name:
        name = name.title()
    return kind, name


def normalise_mentions(mentions: Iterable[Mention], exclude: Iterable[str] = ()) -> list[Mention]:
    """Canonical names; a person's surname alone becomes the full name used in the same text."""
    excluded = {_key(e) for e in exclude if e}
    named: list[Mention] = []
    for m in mentions:
        normal = normal_name(m.kind, m.text)
        if normal is None or _key(normal[1]) in excluded:
            continue
        named.append(Mention(normal[0], m.start, m.end, m.text, normal[1]))
    return _vote_kinds(_link_short_names(named))


def _vote_kinds(mentions: list[Mention]) -> list[Mention]:
    """One kind per name in a text: the kind most of its mentions were tagged with."""
    votes: dict[str, dict[str, int]] = {}
    for m in mentions:
        kinds = votes.setdefault(m.name, {})
        kinds[m.kind] = kinds.get(m.kind, 0) + 1
    winner = {name: max(kinds, key=lambda k: (kinds[k], k == "LOC")) for name, kinds in votes.items()}
    return [m if winner[m.name] == m.kind else Mention(winner[m.name], m.start, m.end, m.text, m.name)
            for m in mentions]


def _link_short_names(mentions: list[Mention]) -> list[Mention]:
    full: dict[str, str] = {}
    for m in mentions:
        parts = m.name.split()
        if m.kind == "PER" and len(parts) > 1:
            surname = parts[-1].lower()
            full.setdefault(surname, m.name)
            full.setdefault(_PARTICLE_PREFIX_RE.sub("", surname), m.name)
    out = []
    for m in mentions:
        if m.kind == "PER" and " " not in m.name:
            linked = full.get(m.name.lower())
            if linked:
                m = Mention(m.kind, m.start, m.end, m.text, linked)
        out.append(m)
    return out


@lru_cache(maxsize=1)
def default_extractor() -> EntityExtractor:
    """The process-wide extractor (loading the model takes a moment)."""
    return EntityExtractor()


def aliases_of(kind: str | None, name: str) -> list[str]:
    """The other spellings that normalisation maps onto this name (OPEC for the long form)."""
    if not _INVERSE:
        for variant, target in _ALIASES.items():
            _INVERSE.setdefault(target, []).append(variant)
    return [v for v in _INVERSE.get((kind or "", name), []) if v != _key(name)]


_INVERSE: dict[tuple[str, str], list[str]] = {}
