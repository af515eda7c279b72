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


class WordStats(NamedTuple):
    """Corpus statistics the features use: how words are usually written, and their clusters."""

    lowercase: frozenset[str]  # usually lower case mid-sentence
    capital: frozenset[str]  # usually capitalised mid-sentence (lower-cased here)
    upper: frozenset[str]  # usually ALL CAPS in mixed-case text: acronyms (lower-cased here)
    clusters: dict[str, str]  # word -> "fine/coarse" distributional cluster ids
    gazetteer: dict[tuple[str, ...], str] = {}  # lower-cased token sequence -> "LOC", "ORG|PER"...
    first_names: frozenset[str] = frozenset()
    attributes: frozenset[str] = frozenset()  # the features the shipped model has weights for

    @classmethod
    def load(cls, path: Path) -> WordStats:
        """Read the statistics file written by tools/train_ner.py."""
        stats = json.loads(path.read_text(encoding="utf-8"))
        coarse = stats.get("coarse", [])
        clusters = {w: f"{c}/{coarse[c]}" for w, c in stats.get("clusters", {}).items()}
        kinds: dict[tuple[str, ...], list[str]] = {}
        for kind in KINDS:
            for name in stats.get("gazetteer", {}).get(kind, []):
                kinds.setdefault(tuple(name.split()), []).append(kind)
        return cls(frozenset(stats["lowercase"]), frozenset(stats["capital"]), frozenset(stats.get("upper", ())),
                   clusters, {k: "|".join(v) for k, v in kinds.items()},
                   frozenset(stats.get("gazetteer", {}).get("first", [])), frozenset(stats.get("attributes", [])))


_CASED_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'’.&-]*")
_NAME_PARTICLES = frozenset(["of", "and", "the", "for", "de", "du", "la", "le", "van", "von", "der", "al", "el"])
# "NEW YORK  (Reuters) -", "TOKYO/SHANGHAI (Reuters) -", "WASHINGTON, March 3 (Reuters) -"
_DATELINE_RE = re.compile(r"^\s*([A-Z][A-Z.'’&/ -]*[A-Z.])(?=(?:,[^()\n]{0,20})?\s*\([A-Za-z. ]{2,30}\)\s*[-–—])")
_INITIALS_RE = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]?")


class CaseRestorer:
    """Gives ALL-CAPS text its usual case: acronyms stay, common words go lower, names get a capital."""

    def __init__(self, stats: WordStats) -> None:
        self._stats = stats

    def restore(self, sentence: str) -> str:
        """The sentence with its usual case when it is written in capitals, else unchanged (but its dateline)."""
        if not is_all_caps(sentence):
            dateline = _DATELINE_RE.match(sentence)
            if dateline is None:
                return sentence
            place = _CASED_WORD_RE.sub(lambda m: self.name_word(m.group()), dateline.group(1))
            return sentence[:dateline.start(1)] + place + sentence[dateline.end(1):]
        first = True

        def fix(m: re.Match[str]) -> str:
            nonlocal first
            word, at_start, first = m.group(), first, False
            return self.word(word, at_start)

        return _CASED_WORD_RE.sub(fix, sentence)

    def name_word(self, word: str) -> str:
        """One word of a name written in capitals, in its usual case: NEW -> New, but OPEC and U.S. stay."""
        low = word.lower()
        if len(low) != len(word) or low in self._stats.upper or _INITIALS_RE.fullmatch(word):
            return word
        if low in _NAME_PARTICLES:
            return low
        return "-".join(part[:1].upper() + part[1:] for part in low.split("-"))

    def word(self, word: str, sentence_start: bool = False) -> str:
        """One capitalised word in its usual case (same length, so offsets hold)."""
        low = word.lower()
        if len(low) != len(word) or low in self._stats.upper or _INITIALS_RE.fullmatch(word):
            return word
        if low in self._stats.lowercase:
            return low.capitalize() if sentence_start else low
        if len(word) <= 3 and low not in self._stats.capital:
            return word  # an unknown short word in a headline is most likely an acronym: CBT, ASA
        return "-".join(part[:1].upper() + part[1:] for part in low.split("-"))


def is_all_caps(text: str) -> bool:
    """True when a text's cased words are (almost) all in capitals, as in a wire headline."""
    upper = lower = 0
    for m in _CASED_WORD_RE.finditer(text):
        word = m.group()
        if len(word) < 2:
            continue
        if word.isupper():
            upper += 1
        else:
            lower += 1
    return upper >= 1 and upper >= 4 * lower and (upper >= 2 or lower == 0)


_DIGITS_TO_ZERO = str.maketrans("123456789", "000000000")
_WordFeatures = tuple[str, list[str], list[str], list[str], list[str], list[str]]


class FeatureCache:
    """Per-word feature lists, computed once per distinct word."""

    def __init__(self, stats: WordStats, known: frozenset[str] = frozenset()) -> None:
        self._known = known  # the model's attributes: others are dropped before tagging (none when training)
        self._lower = stats.lowercase
        self._capital = stats.capital
        self._clusters = stats.clusters
        self._first = stats.first_names
        self._gazetteer = stats.gazetteer
        self._longest: dict[str, int] = {}
        for name in stats.gazetteer:
            self._longest[name[0]] = max(self._longest.get(name[0], 0), len(name))
        self._cache: dict[str, _WordFeatures] = {}

    def get(self, word: str) -> _WordFeatures:
        """The lower-cased word and its features at offsets 0, -1, +1, -2, +2 of the token being tagged."""
        found = self._cache.get(word)
        if found is None:
            found = self._compute(word)
            if len(self._cache) < 500_000:
                self._cache[word] = found
        return found

    def cluster(self, word: str) -> str:
        """The word's 'fine/coarse' cluster ids, or '' when the corpora did not have it often enough."""
        key = word.translate(_DIGITS_TO_ZERO)
        return self._clusters.get(key) or self._clusters.get(key.lower()) or self._clusters.get(key.title(), "")

    def _compute(self, word: str) -> _WordFeatures:
        low = word.lower()
        shape = word_shape(word)
        usage = "L" if low in self._lower else ("C" if low in self._capital else "U")
        fine, _, coarse = self.cluster(word).partition("/")
        own = [
            "w=" + low,
            "sh=" + shape,
            "p3=" + low[:3],
            "s3=" + low[-3:],
            "s2=" + low[-2:],
            "u=" + usage,
            "us=" + usage + shape,
            "c=" + fine,
            "cc=" + coarse,
        ]
        if word[:1].isupper() and word[1:].islower() and "-" in word:
            own.append("hyph")
        if word[:1].isupper() and low in self._first:
            own.append("first")
        near = ["w=" + low, "sh=" + shape, "u=" + usage, "c=" + fine]
        return (
            low,
            self._useful(own),
            self._useful(["-1" + f for f in near]),
            self._useful(["+1" + f for f in near]),
            self._useful(["-2w=" + low, "-2sh=" + shape]),
            self._useful(["+2w=" + low, "+2sh=" + shape]),
        )

    def _useful(self, features: list[str]) -> list[str]:
        """Only the features the model knows (all of them while training): fewer look-ups in CRFsuite."""
        return [f for f in features if f in self._known] if self._known else features

    def gazetteer_tags(self, words: Sequence[str]) -> list[str]:
        """Per word, the kinds of the longest gazetteer name starting at or covering it ('' outside)."""
        tags = [""] * len(words)
        lows = [w.lower() for w in words]
        i = 0
        while i < len(words):
            longest = self._longest.get(lows[i], 0) if words[i][:1].isupper() else 0
            if not longest:
                i += 1
                continue
            for length in range(min(longest, len(words) - i), 0, -1):
                kinds = self._gazetteer.get(tuple(lows[i:i + length]))
                if kinds:
                    tags[i] = "B" + kinds
                    for j in range(i + 1, i + length):
                        tags[j] = "I" + kinds
                    i += length
                    break
            else:
                i += 1
        return tags

    def sequence(self, words: Sequence[str], spans: Sequence[tuple[int, int]] | None = None) -> list[list[str]]:
        """The CRF items of one sentence; with spans, only the items of those stretches, one after another."""
        feats = [self.get(w) for w in words]
        gaz = self.gazetteer_tags(words) if self._longest else None
        last = len(words) - 1
        out = []
        for start, end in spans if spans is not None else [(0, len(words))]:
            for i in range(start, end):
                item = feats[i][1].copy()
                if gaz and gaz[i]:
                    item += self._useful(["g=" + gaz[i], "gk=" + gaz[i][1:]])
                if i == 0:
                    item.append("BOS")
                else:
                    item += feats[i - 1][2]
                    if i > 1:
                        item += feats[i - 2][4]
                if i == last:
                    item.append("EOS")
                else:
                    item += feats[i + 1][3]
                    if i < last - 1:
                        item += feats[i + 2][5]
                out.append(item)
        return out


_DIGIT_RE = re.compile(r"\d")
WINDOW_CONTEXT = 2  # words each side of a capitalised word that are tagged with it (the features' reach)


def may_be_name(word: str) -> bool:
    """Whether a word has a capital letter or a digit (a name, in news text, has one of them)."""
    return word != word.lower() or bool(_DIGIT_RE.search(word))


def name_windows(words: Sequence[str]) -> list[tuple[int, int]]:
    """Stretches of a sentence that may hold a name: words with a capital letter or a digit, with
    WINDOW_CONTEXT words each side, merged when they touch."""
    spans: list[tuple[int, int]] = []
    for i, word in enumerate(words):
        if not may_be_name(word):
            continue
        start, end = max(i - WINDOW_CONTEXT, 0), min(i + WINDOW_CONTEXT + 1, len(words))
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


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
        stats = WordStats.load(words)
        self.features = FeatureCache(stats, stats.attributes)
        self.restorer = CaseRestorer(stats)
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open(str(model))

    def tag_tokens(self, tokens: Sequence[Token]) -> list[str]:
        """BIO tags for one sentence of tokens.

        Only the stretches around words with a capital letter or a digit are tagged (with two words of
        context each side, the reach of the features); the rest of the sentence is outside any
        name.  In news text that skips about half of the words the CRF would otherwise decode.
        """
        words = [t.text for t in tokens]
        spans = name_windows(words)
        if not spans:
            return ["O"] * len(words)
        items = self.features.sequence(words, spans)
        tags = ["O"] * len(words)
        done = 0
        for start, end in spans:
            tags[start:end] = self._tagger.tag(items[done:done + end - start])
            done += end - start
            for i in range(end - 1, start, -1):  # the context after the last capitalised word is no name
                if may_be_name(words[i]):
                    break
                tags[i] = "O"
        return tags

    def mentions(self, text: str) -> list[Mention]:
        """Raw mentions (not yet normalised) in reading order; ALL-CAPS sentences are read case-restored."""
        found: list[Mention] = []
        restored = text
        for offset, sentence in sentences(text):
            fixed = self.restorer.restore(sentence)
            if fixed != sentence:
                restored = restored[:offset] + fixed + restored[offset + len(fixed):]
            tokens = tokenize(fixed, offset)
            found.extend(spans_from_tags(restored, tokens, self.tag_tokens(tokens)))
        return part_kinds(found)

    def annotated(self, text: str) -> list[Mention]:
        """Raw mentions with the text's own evidence applied: credits and tickers out, companies made ORG."""
        return with_evidence(text, self.mentions(text))

    def extract(self, text: str, exclude: Iterable[str] = ()) -> list[Mention]:
        """Normalised, filtered mentions, with short names linked to full ones in the same text."""
        return normalise_mentions(self.annotated(text), exclude)


def part_kinds(mentions: list[Mention]) -> list[Mention]:
    """A one-word mention that is the surname of a person named in the same text is that person."""
    surnames = {m.text.split()[-1].lower() for m in mentions if m.kind == "PER" and " " in m.text}
    return [m._replace(kind="PER") if m.kind != "PER" and m.text.lower() in surnames else m for m in mentions]


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
DEMONYMS_FILE = MODEL_DIR / "demonyms.txt"


def _word_list(path: Path) -> frozenset[str]:
    return frozenset(_key(line) for line in path.read_text(encoding="utf-8").splitlines()
                     if line.strip() and not line.startswith("#"))


COUNTRIES = _word_list(COUNTRIES_FILE)
DEMONYMS = _word_list(DEMONYMS_FILE)

# Wire agencies sign and credit articles; they are never a facet value ("Reuter" ends every 1987 story).
AGENCIES = frozenset(["reuter", "reuters", "ap", "afp", "associated press", "agence france presse", "upi", "dpa",
                      "thomson reuters", "anadolu agency", "aa", "bernama", "xinhua", "kyodo", "tass"])
_AGENCY_PREFIX_RE = re.compile(r"^(?:thomson )?reuters?\b")
COMPANY_SUFFIXES = frozenset(["corp", "corporation", "inc", "incorporated", "ltd", "limited", "co", "plc", "ag",
                              "sa", "nv", "bv", "spa", "gmbh", "llc", "lp", "llp", "group", "holdings", "holding",
                              "bank", "bancorp", "bancshares", "industries", "cos", "partners", "airlines",
                              "securities", "insurance", "petroleum", "motors", "fund", "trust", "pty", "kk",
                              "advisors", "advisers", "associates", "management", "capital", "systems",
                              "technologies", "pharmaceuticals", "communications", "ventures", "investments"])
ROLE_WORDS = frozenset([
    "president", "vice", "chancellor", "exchequer", "minister", "ministers", "secretary", "chairman", "chairwoman",
    "chair", "governor", "senator", "sen", "rep", "representative", "congressman", "congresswoman",
    "prime", "premier", "chief", "executive", "ceo", "cfo", "director", "king", "queen", "prince", "princess",
    "judge", "justice", "mayor", "general", "gen", "colonel", "col", "lt", "ambassador", "spokesman", "spokeswoman",
    "spokesperson", "finance", "foreign", "trade", "agriculture", "energy", "oil", "economy", "economics",
    "commerce", "interior", "defence", "defense", "labour", "labor", "industry", "deputy", "acting", "former", "mr",
    "mrs", "ms", "dr", "sir", "lord", "lady", "pope", "analyst", "commissioner", "undersecretary", "under",
    "assistant", "chairmen", "officer", "managing", "leader", "opposition", "state", "attorney", "economist",
    "strategist", "trader", "dealer", "councillor", "councilor", "councilman", "councilwoman", "alderman",
    "professor", "prof", "sheriff", "inspector", "superintendent", "detective", "sergeant", "sgt", "captain",
    "capt", "major", "admiral", "bishop", "archbishop", "rabbi", "imam", "cardinal", "father", "reverend", "rev",
    "dame", "baroness", "baron", "duke", "duchess", "emir", "sheikh", "crown", "chancellor", "secretary-general"
])
NON_ENTITIES = frozenset([
    "exchange", "commission", "ministry", "department", "board", "committee", "council", "agency", "association",
    "authority", "office", "bureau", "company", "community", "government", "administration",
    "north", "south", "east", "west",
    "northeast", "northwest", "southeast", "southwest", "central", "easter", "christmas", "ramadan", "eid",
    "thanksgiving", "hanukkah", "passover", "lent", "new", "year's", "chapter", "moreover", "however", "meanwhile",
    "nevertheless", "furthermore", "god", "allah", "internet", "web"
])
_UNITS = frozenset(["dlrs", "dlr", "dollars", "cents", "pct", "percent", "tonnes", "mln", "billion", "yen", "marks"])
_TWO_COMPANIES_RE = re.compile(r"\b(?:Corp|Inc|Co|Ltd|Plc|AG)\.?,? (?:and|&) [A-Z]")
_TICKER_RE = re.compile(r"^[A-Z0-9]{1,6}\.[A-Z]{1,3}$|^[A-Z]{2,5}[0-9]{0,2}$")
_TICKER_AFTER_RE = re.compile(r"[\s']*(?:\(\s*(?:[A-Z0-9]{1,6}(?:\.[A-Z]{1,3})?|[A-Z]{1,6}:\s*[A-Z0-9.]{1,8})\s*\)"
                              r"|<\s*[A-Z0-9.]{1,8}\s*>|\s[A-Z0-9]{1,5}\.[A-Z]{1,2}\b)")
_ORG_CONTEXT_RE = re.compile(r"\b(?:shares|stock|stake) (?:of|in)\s+$|\b(?:chief executive(?: officer)?|ceo|"
                             r"chief financial officer|unit|subsidiary) (?:of|at)\s+$", re.IGNORECASE)
_CREDIT_WORDS = r"(?:additional reporting|reporting|writing|editing|compiled|edited|written|reported|photos?|graphics?)"
_CREDIT_RE = re.compile(rf"\b{_CREDIT_WORDS} by\s+([^;()\n]*?)(?=\s*(?:[;()\n]|$|,?\s*\b{_CREDIT_WORDS} by\b))",
                        re.IGNORECASE)
_CREDIT_SPAN_RE = re.compile(r"\([^()\n]*\b(?:reporting|writing|editing|compiled|edited) by\b[^()\n]*\)"
                             r"|^[^\n]*\b(?:reporting|writing|editing|compiled|edited) by\b[^\n]*$",
                             re.IGNORECASE | re.MULTILINE)
_CREDIT_SPLIT_RE = re.compile(r"\s*(?:,|\band\b|&|/)\s*")
_CREDIT_NAME_RE = re.compile(r"^[A-Z][\w.'’-]*(?:\s+(?:[A-Z][\w.'’-]*|de|van|von|der|al|el|bin|da|di|le|la)){0,4}$")


def extract_credits(text: str) -> tuple[str, ...]:
    """Reporters and editors named in credits ("(Reporting by A and B; Editing by C)"), in order, once each."""
    names: dict[str, None] = {}
    for m in _CREDIT_RE.finditer(text):
        for part in _CREDIT_SPLIT_RE.split(m.group(1)):
            name = re.sub(r"\s+(?:in|at|from)\s+[A-Z].*$", "", " ".join(part.split())).strip(" .")
            if _CREDIT_NAME_RE.match(name) and _key(name) not in AGENCIES:
                names.setdefault(name, None)
    return tuple(names)


def credit_spans(text: str) -> list[tuple[int, int]]:
    """Character ranges of credit lines and credit parentheses, whose names are not entities."""
    return [(m.start(), m.end()) for m in _CREDIT_SPAN_RE.finditer(text)]


def with_evidence(text: str, mentions: Iterable[Mention]) -> list[Mention]:
    """Mentions outside credits and tickers, made ORG where the text says company (ticker, "shares of")."""
    credits = credit_spans(text)
    dateline = _DATELINE_RE.match(text)
    out = []
    for m in _joined_company_names(text, list(mentions)):
        if dateline and m.start < dateline.end(1):
            m = m._replace(kind="LOC")  # "CHICAGO (Reuters) -": a dateline names a place
        if any(start <= m.start < end for start, end in credits) or _is_ticker(text, m):
            continue
        if m.kind != "ORG" and _key(m.text) not in COUNTRIES and _company_context(text, m):
            m = m._replace(kind="ORG")
        out.append(m)
    return out


def _joined_company_names(text: str, mentions: list[Mention]) -> list[Mention]:
    """'Standard' + 'and' + "Poor's Corp" is one company, not a name and a fragment."""
    out: list[Mention] = []
    for m in mentions:
        prev = out[-1] if out else None
        if prev is not None and text[prev.end:m.start] in (" and ", " & ") and " " not in prev.text \
                and _key(m.text.split()[-1]) in COMPANY_SUFFIXES and prev.text[:1].isupper():
            out[-1] = Mention("ORG", prev.start, m.end, text[prev.start:m.end], "")
            continue
        out.append(m)
    return out


def _company_context(text: str, m: Mention) -> bool:
    return bool(_TICKER_AFTER_RE.match(text, m.end) or _ORG_CONTEXT_RE.search(text[max(0, m.start - 40): m.start]))


def _is_ticker(text: str, m: Mention) -> bool:
    before = text[m.start - 1: m.start] if m.start > 0 else ""
    return bool(before in (".", "<") and _TICKER_RE.match(m.text)) or bool(re.match(r"^[A-Z0-9]{1,6}\.[A-Z]{1,3}$",
                                                                                   m.text))


_LEADING_RE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
_TRAILING_RE = re.compile(r"(?:['’]s?|[\s,.;:\-]+)$")
_PARTICLE_RE = re.compile(r"(?<=\s)(al|el)[\s\-‐]+(?=[A-Z])", re.IGNORECASE)
_PARTICLE_PREFIX_RE = re.compile(r"^(?:al|el)-")
_JUNK_RE = re.compile(r"^[\W\d_]+$")
# Codes, not names: tickers and index codes (KS11, SPc1, DALRQ.PK) and plural acronyms (SUVs, TVs).
_CODE_WORD_RE = re.compile(r"(?:^|\s)(?:\w*[A-Za-z]\d\w*|\w*\d[A-Za-z]\w{2,}|[A-Z]{2,}s"
                           r"|[A-Z0-9]{2,}[a-z]?\.[A-Z]{1,3})(?:\s|$)")
_BASED_RE = re.compile(r"^(?:\S+\s+)*\S+-based\s+")  # "Las Vegas-based Harrah" -> "Harrah"
_TRAILING_TICKER_RE = re.compile(r"\s+[A-Z0-9]+[a-z]?\.[A-Z]{1,3}$")
_STOP_NAMES = frozenset(
    ["mr", "mrs", "ms", "dr", "i", "we", "he", "she", "they", "it", "monday", "tuesday", "wednesday",
     "thursday", "friday", "saturday", "sunday", "read", "watch", "photo", "source", "update", "no", "nos"]
)


@lru_cache(maxsize=1)
def _usage() -> WordStats:
    return WordStats.load(WORDS_FILE) if WORDS_FILE.exists() else WordStats(frozenset(), frozenset(), frozenset(), {})


def normal_name(kind: str, surface: str) -> tuple[str, str] | None:
    """The (kind, canonical name) of a surface form, or None when it is junk."""
    name = " ".join(surface.split()).split(" (")[0].split(" <")[0].strip("<> ")
    if "<" in name or ">" in name:
        return None
    name = _TRAILING_RE.sub("", _LEADING_RE.sub("", _TRAILING_TICKER_RE.sub("", _BASED_RE.sub("", name))))
    name = _PARTICLE_RE.sub(lambda m: m.group(1).lower() + "-", name)
    if len(name) < 2 or _JUNK_RE.match(name) or name.lower() in _STOP_NAMES or name.islower() \
            or _CODE_WORD_RE.search(name):
        return None
    key = _key(name)
    if key in AGENCIES or _AGENCY_PREFIX_RE.match(key):
        return None
    alias = _ALIASES.get(key)
    if alias is not None:
        return alias
    name = _display_case(name)
    if key in COUNTRIES or _usage().gazetteer.get(tuple(key.split())) == "LOC":
        return "LOC", name  # a country, or a place the corpora only ever use as a dateline or place tag
    if kind == "PER" and _key(name.split()[-1]) not in COMPANY_SUFFIXES:
        name = strip_roles(name)
    return _typed(kind, name) if name else None


def strip_roles(name: str) -> str:
    """A person's name without the titles and roles before it ("Chancellor of the Exchequer Nigel Lawson")."""
    words = name.split()
    cut = 0
    for i, word in enumerate(words[:-1]):
        low = _key(word)
        if low in ROLE_WORDS or low in DEMONYMS or low in ("of", "the", "for", "and") or low in COUNTRIES \
                or low in _ALIASES or word.islower():
            cut = i + 1
    rest = words[cut:]
    if len(rest) == 1 and (_key(rest[0]) in ROLE_WORDS or _key(rest[0]) in _ALIASES):
        return ""
    return " ".join(rest)


def _display_case(name: str) -> str:
    """A name written in capitals in its usual case: JAPAN -> Japan, but EC and OPEC stay."""
    if not name.isupper() or len(name) <= 3:
        return name
    stats = _usage()
    words = name.split()
    if len(words) == 1 and (_key(name) in stats.upper or _key(name) not in stats.capital):
        return name
    restorer = CaseRestorer(stats)
    return " ".join(restorer.name_word(w) for w in words)


def _typed(kind: str, name: str) -> tuple[str, str] | None:
    """The kind a name's own words impose: company suffixes are organizations; lone common words are junk."""
    words = name.split()
    last = _key(words[-1])
    if len(words) == 1:
        if last in DEMONYMS or last in NON_ENTITIES or last in COMPANY_SUFFIXES or last in ROLE_WORDS:
            return None
        if last in _usage().lowercase and not name.isupper():
            return None  # "Chapter", "Moreover", "Bank": a common word capitalised at a sentence start
    elif _key(name) in DEMONYMS:
        return None
    elif last in _UNITS:
        return None  # "U.S. Dlrs"
    elif _TWO_COMPANIES_RE.search(name):
        return None  # "Sony Corp. and Nintendo Co. Ltd": two names in one span
    elif last in COMPANY_SUFFIXES or (len(words) > 2 and words[-2] == "&" and last == "co"):
        return "ORG", name
    return kind, name


def normalise_mentions(mentions: Iterable[Mention], exclude: Iterable[str] = ()) -> list[Mention]:
    """Canonical names; a surname alone becomes the full name used in the same text (whatever it was tagged)."""
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
        # Any kind: "Jordan" said is the SNB's Thomas Jordan when the text names him, not the country.
        linked = full.get(m.name.lower()) if " " not in m.name else None
        out.append(Mention("PER", m.start, m.end, m.text, linked) if linked else m)
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
