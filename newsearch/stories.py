"""Same-event coverage: TF-IDF vectors (words plus entity names) compared within a window of days.

No Whoosh and no Flask here.  ``StoryIndex`` keeps, per article, its strongest terms and their
counts; document frequencies grow as articles arrive, so IDF is always taken from what has been
seen so far (at comparison time, not frozen at insertion).  Candidates come from a posting map
keyed by (term, day); the similarity is the cosine of the two TF-IDF vectors.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

_STOPWORD_TEXT = """
a about above after again against all also am an and any are as at be because been before being below between
both but by can could did do does doing down during each few for from further had has have having he her here
hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of off
on once only or other our ours ourselves out over own same she should so some such than that the their theirs
them themselves then there these they this those through to too under until up very was we were what when where
which while who whom why will with would you your yours yourself yourselves said says say mr mrs ms new one two
three year years percent per cent told since last first may might must shall us reuters
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
DAY_BITS = 20
DAY_ORIGIN = datetime(1900, 1, 1).toordinal()
UNDATED = 0
TOP_TERMS = 40       # terms kept per article for the cosine
KEY_TERMS = 8        # of which this many index the article for candidate search
KEY_ENTITIES = 6     # entity names that also index it
ENTITY_TF = 2        # an entity name counts as much as a word seen twice
TITLE_TF = 2         # title words count twice
MAX_RANGE = 4000     # a (term, days) range longer than this is too common to find candidates with


def day_number(published: datetime | None) -> int:
    """Days since 1900-01-01 (UTC date) counted from 1, or UNDATED (0) when there is no date."""
    if published is None:
        return UNDATED
    return max(1, published.toordinal() - DAY_ORIGIN + 1)


def is_content(word: str) -> bool:
    """A lower-cased token that counts for stories: letters only, three or more, not a stopword."""
    return len(word) > 2 and word.isalpha() and word not in STOPWORDS


def entity_terms(names: Iterable[str]) -> list[str]:
    """Entity names as vocabulary terms, apart from words (a NUL prefix cannot occur in a word)."""
    return sorted({"\x00" + " ".join(n.lower().split()) for n in names if n.strip()})


class PostingMap:
    """A multimap from (major, minor) integer keys to article numbers, compact for 10^5-10^6 entries.

    Old entries live in sorted numpy arrays keyed by ``major << DAY_BITS | minor`` (so one major's
    minors form one sorted range); new ones in a small dict by major, merged in from time to time.
    Majors must be below 2**44.
    """

    def __init__(self, merge_every: int = 50_000) -> None:
        self.keys = np.zeros(0, dtype=np.uint64)
        self.values = np.zeros(0, dtype=np.int32)
        self.recent: dict[int, list[tuple[int, int]]] = {}
        self.pending = 0
        self.merge_every = merge_every

    def add(self, major: int, minor: int, value: int) -> None:
        """Record one entry."""
        self.recent.setdefault(major, []).append((minor, value))
        self.pending += 1
        if self.pending >= self.merge_every:
            self.merge()

    def merge(self) -> None:
        """Move the recent entries into the sorted arrays."""
        if not self.pending:
            return
        keys = np.fromiter((m << DAY_BITS | minor for m, vs in self.recent.items() for minor, _ in vs),
                           dtype=np.uint64, count=self.pending)
        values = np.fromiter((v for vs in self.recent.values() for _, v in vs), dtype=np.int32, count=self.pending)
        keys, values = np.concatenate([self.keys, keys]), np.concatenate([self.values, values])
        order = np.argsort(keys, kind="stable")
        self.keys, self.values = keys[order], values[order]
        self.recent, self.pending = {}, 0

    def counts(self, majors: list[int]) -> list[int]:
        """How many values each major has under minor 0."""
        keys = np.array([m << DAY_BITS for m in majors], dtype=np.uint64)
        found = np.searchsorted(self.keys, keys + np.uint64(1)) - np.searchsorted(self.keys, keys)
        return [int(n) + len(self.recent.get(m, ())) for n, m in zip(found.tolist(), majors, strict=True)]

    def ranges(self, majors: list[int], low: int, high: int, limit: int | None = None) -> list[int]:
        """The values of several majors with minors in [low, high] (a major with more than ``limit`` is skipped)."""
        if not majors:
            return []
        keys = np.array([m << DAY_BITS for m in majors], dtype=np.uint64)
        starts = np.searchsorted(self.keys, keys | np.uint64(low)).tolist()
        ends = np.searchsorted(self.keys, (keys | np.uint64(high)) + np.uint64(1)).tolist()
        found: list[int] = []
        for major, lo, hi in zip(majors, starts, ends, strict=True):
            recent = [v for minor, v in self.recent.get(major, ()) if low <= minor <= high]
            if limit is not None and hi - lo + len(recent) > limit:
                continue
            if hi > lo:
                found.extend(self.values[lo:hi].tolist())
            found.extend(recent)
        return found

    def drop(self, dead: set[int]) -> None:
        """Forget every entry whose value is in ``dead``."""
        self.merge()
        if dead and len(self.values):
            keep = ~np.isin(self.values, np.fromiter(dead, dtype=np.int32, count=len(dead)))
            self.keys, self.values = self.keys[keep], self.values[keep]

    def renumber(self, mapping: np.ndarray) -> None:
        """Replace every value v by mapping[v] (after compaction; no value may map to -1)."""
        self.merge()
        self.values = mapping[self.values].astype(np.int32)

    def nbytes(self) -> int:
        """Memory held by the arrays (the recent dict is small and not counted)."""
        return int(self.keys.nbytes + self.values.nbytes)


class Arena:
    """Rows of varying length in one growing numpy buffer: no Python object per stored row."""

    def __init__(self, dtype: type, data: np.ndarray | None = None, bounds: np.ndarray | None = None) -> None:
        self.data = data if data is not None else np.zeros(4096, dtype=dtype)
        self.bounds = array("q", bounds.tolist() if bounds is not None else [0])
        self.used = self.bounds[-1]

    def __len__(self) -> int:
        return len(self.bounds) - 1

    def append(self, row: np.ndarray) -> None:
        """Add a row at the end."""
        end = self.used + len(row)
        if end > len(self.data):
            grown = np.zeros(max(end, len(self.data) * 3 // 2), dtype=self.data.dtype)
            grown[:self.used] = self.data[:self.used]
            self.data = grown
        self.data[self.used:end] = row
        self.used = end
        self.bounds.append(end)

    def row(self, number: int) -> np.ndarray:
        """A row (a view: rows are never changed in place)."""
        return self.data[self.bounds[number]:self.bounds[number + 1]]

    def keep(self, numbers: list[int]) -> Arena:
        """A new arena with only these rows, in this order."""
        made = Arena(self.data.dtype.type)
        for number in numbers:
            made.append(self.row(number))
        return made

    def export(self) -> tuple[np.ndarray, np.ndarray]:
        """(data, bounds) arrays for saving."""
        return self.data[:self.used], np.frombuffer(self.bounds, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class StoryVector:
    """An article's strongest terms (sorted ids) with their term frequencies, and its day."""

    terms: np.ndarray
    tf: np.ndarray
    day: int


class StoryIndex:
    """TF-IDF vectors of the articles seen so far, searchable within a window of days."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self.entities: set[int] = set()
        self.rejected: set[str] = set()  # tokens seen that are not content words (not saved)
        self.df = np.zeros(1024, dtype=np.int32)
        self.documents = 0
        self.vectors = VectorStore()
        self.postings = PostingMap()

    def vectorize(self, title: list[str], body: Counter[str], entities: Iterable[str], day: int) -> StoryVector:
        """The vector of an article (lower-cased title tokens, body token counts); counts it in the frequencies."""
        distinct = body.keys() | title
        for word in distinct.difference(self.vocab).difference(self.rejected):
            if is_content(word):
                self._term_id(word)
            else:
                self.rejected.add(word)
        vocab = self.vocab
        counts = Counter({w: c for w, c in body.items() if w in vocab})
        for word in title:
            if word in self.vocab:
                counts[word] += TITLE_TF
        ids = self._term_ids(list(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        ents = entity_terms(entities)
        if ents:
            ids = np.concatenate([ids, self._term_ids(ents)])
            tf = np.concatenate([tf, np.full(len(ents), ENTITY_TF)])
        self.df[ids] += 1
        self.documents += 1
        weight = (1.0 + np.log(tf)) * self.idf(ids)
        top = np.argsort(-weight, kind="stable")[:TOP_TERMS]
        order = np.argsort(ids[top])
        return StoryVector(ids[top][order].astype(np.int32), tf[top][order].astype(np.int32), day)

    def _term_ids(self, terms: list[str]) -> np.ndarray:
        for term in set(terms).difference(self.vocab):
            self._term_id(term)
        return np.fromiter(map(self.vocab.__getitem__, terms), dtype=np.int64, count=len(terms))

    def _term_id(self, term: str) -> int:
        found = self.vocab.get(term)
        if found is None:
            found = self.vocab[term] = len(self.vocab)
            if term.startswith("\x00"):
                self.entities.add(found)
            if found >= len(self.df):
                self.df = np.concatenate([self.df, np.zeros(len(self.df), dtype=np.int32)])
        return found

    def idf(self, ids: np.ndarray) -> np.ndarray:
        """Smoothed inverse document frequencies of term ids, from the articles seen so far."""
        return np.log((self.documents + 1) / (self.df[ids] + 1.0)) + 1.0

    def key_terms(self, vector: StoryVector) -> list[int]:
        """The term ids that index an article: its strongest words and some entity names."""
        weight = (1.0 + np.log(vector.tf.astype(np.float64))) * self.idf(vector.terms)
        ranked = vector.terms[np.argsort(-weight, kind="stable")].tolist()
        words = [t for t in ranked if t not in self.entities][:KEY_TERMS]
        return words + [t for t in ranked if t in self.entities][:KEY_ENTITIES]

    def insert(self, number: int, vector: StoryVector) -> None:
        """Store an article's vector under its number, and index it by its key terms."""
        self.vectors.put(number, vector)
        for term in self.key_terms(vector):
            self.postings.add(term, vector.day, number)

    def candidates(self, vector: StoryVector, window: int, limit: int = 40) -> tuple[list[int], list[int]]:
        """Articles sharing key terms with this vector: (dated within the window, undated or any date)."""
        near: Counter[int] = Counter()
        far: Counter[int] = Counter()
        terms = self.key_terms(vector)
        if vector.day == UNDATED:
            far.update(self.postings.ranges(terms, 0, (1 << DAY_BITS) - 1, MAX_RANGE))
        else:
            near.update(self.postings.ranges(terms, max(1, vector.day - window), vector.day + window))
            far.update(self.postings.ranges(terms, UNDATED, UNDATED))
        return _best(near, limit), _best(far, limit)

    def similarities(self, vector: StoryVector, numbers: Sequence[int]) -> np.ndarray:
        """Cosine similarity of the vector with each of the stored articles, with the current IDF."""
        if not numbers:
            return np.zeros(0)
        stored = [self.vectors[n] for n in numbers]
        terms = np.concatenate([s.terms for s in stored if s is not None] or [np.zeros(0, np.int32)])
        tf = np.concatenate([s.tf for s in stored if s is not None] or [np.zeros(0, np.int32)])
        sizes = np.array([len(s.terms) if s is not None else 0 for s in stored])
        weights = (1.0 + np.log(tf.astype(np.float64))) * self.idf(terms)
        query = self._weights(vector)
        pos = np.searchsorted(vector.terms, terms).clip(0, max(0, len(vector.terms) - 1))
        hit = vector.terms[pos] == terms if len(vector.terms) else np.zeros(len(terms), dtype=bool)
        products = np.where(hit, weights * query[pos] if len(query) else 0.0, 0.0)
        bounds = np.concatenate([[0], np.cumsum(sizes)])
        dots = np.add.reduceat(np.append(products, 0.0), bounds[:-1]) * (sizes > 0)
        norms = np.sqrt(np.add.reduceat(np.append(weights**2, 0.0), bounds[:-1])) * (sizes > 0)
        qnorm = math.sqrt(float(np.sum(query**2))) or 1.0
        return np.where(norms > 0, dots / (np.where(norms > 0, norms, 1.0) * qnorm), 0.0)

    def _weights(self, vector: StoryVector) -> np.ndarray:
        return (1.0 + np.log(vector.tf.astype(np.float64))) * self.idf(vector.terms)

    def remove(self, number: int) -> None:
        """Forget an article's vector (its postings go at the next compaction)."""
        self.vectors.kill(number)


def _best(counts: Counter[int], limit: int) -> list[int]:
    return [n for n, _ in counts.most_common(limit)]


class VectorStore:
    """Story vectors by article number, packed in one arena (terms then counts) with their days."""

    def __init__(self) -> None:
        self.rows = Arena(np.int32)
        self.days = array("i")
        self.dead = bytearray()

    def __len__(self) -> int:
        return len(self.days)

    def put(self, number: int, vector: StoryVector) -> None:
        """Store the vector of the next article number."""
        if number != len(self.days):
            raise IndexError(f"vector {number} stored out of order (expected {len(self.days)})")
        self.rows.append(np.concatenate([vector.terms, vector.tf]))
        self.days.append(vector.day)
        self.dead.append(0)

    def __getitem__(self, number: int) -> StoryVector | None:
        if number >= len(self.days) or self.dead[number]:
            return None
        row = self.rows.row(number)
        half = len(row) // 2
        return StoryVector(row[:half], row[half:], self.days[number])

    def kill(self, number: int) -> None:
        """Mark an article's vector as gone."""
        if number < len(self.dead):
            self.dead[number] = 1

    def keep(self, numbers: list[int]) -> VectorStore:
        """A store with only these articles, renumbered in this order."""
        made = VectorStore()
        made.rows = self.rows.keep(numbers)
        made.days = array("i", (self.days[n] for n in numbers))
        made.dead = bytearray(len(numbers))
        return made

    def arrays(self) -> dict[str, np.ndarray]:
        """Arrays for saving."""
        data, bounds = self.rows.export()
        return {"vector_rows": data, "vector_bounds": bounds, "days": np.array(self.days, dtype=np.int32)}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> VectorStore:
        """The store saved by ``arrays``."""
        made = cls()
        made.rows = Arena(np.int32, arrays["vector_rows"].astype(np.int32), arrays["vector_bounds"])
        made.days = array("i", arrays["days"].tolist())
        made.dead = bytearray(len(made.days))
        return made
