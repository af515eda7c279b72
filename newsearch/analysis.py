"""Words as indexed and as searched: one tokeniser for documents and queries, and the stemmer.

The index keeps each word in the form written (lower-cased, a possessive ``'s`` removed), so
that quoted phrases match exactly; an unquoted query word is expanded at search time to every
indexed form with the same Snowball stem (price -> price, prices, priced).
"""

from __future__ import annotations

import re
import threading

import Stemmer  # PyStemmer: the Snowball stemmers in C

WORD_PATTERN = r"\w+(?:[.'’]\w+)*"
_WORD_RE = re.compile(WORD_PATTERN)
_POSSESSIVE_RE = re.compile(r"['’]s$")
_local = threading.local()


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
