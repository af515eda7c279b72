"""The words of one index generation: inflections of a word (by stem) and expansions of a prefix.

The index keeps words as written; ``variants`` finds, once per generation and word, the indexed
forms that share the word's Snowball stem.  Snowball changes only the end of a word, so the forms
are found among the lexicon's words that start with the stem's first letters.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from whoosh.reading import IndexReader

from .analysis import stem, stems
from .results import MAX_PREFIX_TERMS

MAX_SCAN = 5_000  # lexicon words looked at for one expansion
_CACHED = 20_000


class Vocabulary:
    """Stem and prefix expansion over a generation's lexicon, cached (shared by threads)."""

    def __init__(self) -> None:
        self._cache: OrderedDict[tuple[str, str, str], list[str]] = OrderedDict()
        self._lock = threading.Lock()
        self._reader: IndexReader | None = None

    def bind(self, reader: IndexReader) -> Vocabulary:
        """This vocabulary reading through the calling thread's reader."""
        view = Vocabulary.__new__(Vocabulary)
        view._cache, view._lock, view._reader = self._cache, self._lock, reader
        return view

    def variants(self, field: str, word: str) -> list[str]:
        """Indexed forms of the word with its stem (the word itself first when indexed)."""
        return self._cached(("stem", field, word), lambda: self._variants(field, word))

    def with_prefix(self, field: str, prefix: str) -> list[str]:
        """Indexed words starting with the prefix: the MAX_PREFIX_TERMS most frequent when more."""
        return self._cached(("prefix", field, prefix), lambda: self._prefixed(field, prefix))

    def prefix_truncated(self, field: str, prefix: str) -> bool:
        """Whether the prefix starts more words than a prefix query searches."""
        return len(self._scanned(field, prefix)) > MAX_PREFIX_TERMS

    def _scanned(self, field: str, prefix: str) -> list[str]:
        """The lexicon's words with this start (up to MAX_SCAN), read once per generation."""
        return self._cached(("scan", field, prefix), lambda: self._scan(field, prefix, MAX_SCAN))

    def _cached(self, key: tuple[str, str, str], make: object) -> list[str]:
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                return found
        found = make()  # type: ignore[operator]
        with self._lock:
            self._cache[key] = found
            while len(self._cache) > _CACHED:
                self._cache.popitem(last=False)
        return found

    def _variants(self, field: str, word: str) -> list[str]:
        root = stem(word)
        common = 0
        while common < min(len(root), len(word)) and root[common] == word[common]:
            common += 1
        start = max(min(common, len(root) - 1), 1)
        if start < 2:  # a one-letter stem: only the word's own common endings, not a scan of the lexicon
            candidates = [word + ending for ending in ("", "s", "es", "ed", "ing", "'s")] + [root]
        else:
            candidates = self._scan(field, word[:start], MAX_SCAN)
        known = [c for c in dict.fromkeys(candidates) if self._has(field, c)]
        matching = [c for c, s in zip(known, stems(known), strict=True) if s == root]
        return sorted(matching, key=lambda c: c != word)

    def _prefixed(self, field: str, prefix: str) -> list[str]:
        found = self._scanned(field, prefix)
        if len(found) > MAX_PREFIX_TERMS:
            reader = self._reader
            assert reader is not None
            found = sorted(found, key=lambda t: -reader.doc_frequency(field, t))[:MAX_PREFIX_TERMS]
        return found

    def _scan(self, field: str, prefix: str, limit: int) -> list[str]:
        reader = self._reader
        assert reader is not None
        out = []
        for term in reader.expand_prefix(field, prefix):
            out.append(term.decode("utf-8") if isinstance(term, bytes) else term)
            if len(out) >= limit:
                break
        return out

    def _has(self, field: str, word: str) -> bool:
        assert self._reader is not None
        return (field, word) in self._reader
