"""The words of one index generation: inflections of a word (by stem) and expansions of a prefix.

The index keeps words as written; ``variants`` gives the indexed forms that share the word's
Snowball stem, from a table of the whole lexicon by stem, built once per generation and field
(by the warm-up, or by the first search that needs it: 0.9 s for 89,000 words).
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
        self._by_stem: dict[str, dict[str, tuple[str, ...]]] = {}  # field -> stem -> indexed forms
        self._table_lock = threading.Lock()
        self._reader: IndexReader | None = None

    def bind(self, reader: IndexReader) -> Vocabulary:
        """This vocabulary reading through the calling thread's reader."""
        view = Vocabulary.__new__(Vocabulary)
        view.__dict__.update(self.__dict__)
        view._reader = reader
        return view

    def variants(self, field: str, word: str) -> list[str]:
        """Indexed forms of the word with its stem (the word itself first when indexed)."""
        return sorted(self.stem_table(field).get(stem(word), ()), key=lambda c: c != word)

    def stem_table(self, field: str) -> dict[str, tuple[str, ...]]:
        """Every indexed word of the field, by Snowball stem (built once per generation)."""
        table = self._by_stem.get(field)
        if table is not None:
            return table
        with self._table_lock:
            if field not in self._by_stem:
                self._by_stem[field] = self._build_stem_table(field)
            return self._by_stem[field]

    def _build_stem_table(self, field: str) -> dict[str, tuple[str, ...]]:
        assert self._reader is not None
        forms = [t.decode("utf-8") if isinstance(t, bytes) else t for t in self._reader.lexicon(field)]
        grouped: dict[str, list[str]] = {}
        for form, root in zip(forms, stems(forms), strict=True):
            grouped.setdefault(root, []).append(form)
        return {root: tuple(group) for root, group in grouped.items()}

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
