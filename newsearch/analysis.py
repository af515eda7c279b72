"""Words as indexed and as searched: one tokeniser for documents and queries, and the stemmer.

The index keeps each word in the form written (lower-cased, a possessive ``'s`` removed), so
that quoted phrases match exactly; an unquoted query word is expanded at search time to every
indexed form with the same Snowball stem (price -> price, prices, priced).
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import Stemmer  # PyStemmer: the Snowball stemmers in C

WORD_PATTERN = r"\w+(?:[.'’]\w+)*"
_WORD_RE = re.compile(WORD_PATTERN)
_POSSESSIVE_RE = re.compile(r"['’]s$")
_local = threading.local()
COMMON_WORDS_FILE = Path(__file__).parent / "models" / "common_words.txt"
GRAM_SEP = " "  # never inside an indexed word


def _common_words() -> frozenset[str]:
    lines = COMMON_WORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(w for w in (line.strip() for line in lines) if w and not w.startswith("#"))


COMMON = _common_words()  # see tools/common_words.py


def words(text: str) -> list[str]:
    """The indexed words of a text: lower case, ``’`` read as ``'``, possessive ``'s`` removed."""
    return [_POSSESSIVE_RE.sub("", w.lower()).replace("’", "'") for w in _WORD_RE.findall(text)]


def query_words(text: str) -> list[str]:
    """The words of one query token, analysed exactly as the documents were."""
    return [w for w in words(text) if w]


def _stemmer() -> Stemmer.Stemmer:
    found = getattr(_local, "stemmer", None)
    if found is None:  # a Stemmer object is not safe to share between threads
        found = _local.stemmer = Stemmer.Stemmer("english")
    return found


def stem(word: str) -> str:
    """The English Snowball stem of a lower-case word."""
    return str(_stemmer().stemWord(word))


def stems(items: list[str]) -> list[str]:
    """Stems of many words at once (one call into C)."""
    return list(_stemmer().stemWords(items))


def gram(first: str, second: str) -> str | None:
    """The one indexed term of two adjacent common words ("of the"), or None when either is not common."""
    return f"{first}{GRAM_SEP}{second}" if first in COMMON and second in COMMON else None


def common_grams(indexed: list[str]) -> list[str]:
    """The terms of a text's adjacent pairs of common words, in order (one per pair, repeats kept).

    A phrase of two common words is then one posting list, not a check over two lists of
    positions with millions of entries; a longer phrase uses its grams to narrow the candidates.
    """
    return [g for a, b in zip(indexed, indexed[1:], strict=False) if (g := gram(a, b)) is not None]
