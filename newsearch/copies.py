"""Copies and stories: an incremental, persistent grouper run once per article at index time.

No Whoosh and no Flask here.  Two groupings, both with stable ids:

* **copy groups**: near-duplicate texts (wire copies, re-posts, light edits, another headline, added or
  removed boilerplate, dropped sentences, truncation).  Each body becomes a set of hashed word 4-grams.
  Candidates are the articles sharing one of its *anchors* (its 8 smallest shingle hashes that are not
  boilerplate, a bottom-k MinHash sketch whose overlap survives truncation); each candidate is then
  verified on a fixed-rate sample of the shingles: the smaller text must be mostly contained in the larger.
* **stories**: the same event, within +-3 days, in other words (``stories.StoryIndex``); copies are
  always in the same story.

A group's id is the id of the article that founded it; when two groups merge, the older id wins and
the younger is kept as an alias.  The original of a group is its earliest article (earliest date,
undated last, then id).
"""

from __future__ import annotations

import json
import math
import os
import re
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .stories import UNDATED, Arena, PostingMap, StoryIndex, StoryVector, VectorStore, day_number

FORMAT = 2
STATE_JSON = "groups.json"
GROUPS_DIR = "groups"  # the grouper's folder inside an index generation
STATE_ARRAYS = "groups.npz"
TOKEN = re.compile(r"\w+", re.UNICODE)
U64 = np.uint64
MASK32 = U64(0xFFFFFFFF)
_MULTIPLIERS = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
                         0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x27D4EB2F165667C5, 0x94D049BB133111EB],
                        dtype=U64)


@dataclass(frozen=True)
class Settings:
    """The thresholds of both groupings (chosen on the labelled set of ``bench/copies.py``)."""

    shingle: int = 4             # words per shingle
    anchors: int = 8             # bottom-k hashes that index an article for candidate search
    common_anchor: int = 40      # an anchor shared by more articles than this is boilerplate
    sample_cap: int = 128        # at most this many shingle hashes kept per article for verification
    short_body: int = 30         # bodies with fewer words are grouped on title and body together
    containment: float = 0.6     # share of the smaller text's shingles found in the larger
    size_ratio: float = 0.3      # the smaller text has at least this share of the larger's shingles
    bridge_ratio: float = 0.6    # a new article merges groups only through copies of about its own size
    coherence: float = 0.3       # an article joins a group only if it shares this much with each member
    story_window: int = 3        # days either side
    story_span: int = 7          # days a story found by similarity may cover at most (copies may go beyond)
    story_similarity: float = 0.35    # cosine, dated articles within the window
    undated_similarity: float = 0.75  # cosine when either article is undated: so strong the date cannot matter


class Article(Protocol):
    """What the grouper reads from an article (``documents.Document`` has all of it)."""

    id: str
    title: str
    body: str
    published: datetime | None
    source: str | None
    people: tuple[str, ...]
    organizations: tuple[str, ...]
    places: tuple[str, ...]


@dataclass(frozen=True)
class Assignment:
    """Where an article belongs: its copy group, its story and the id of its group's original."""

    copy_group: str
    story: str
    original: str


class GroupsError(RuntimeError):
    """Saved grouping state that cannot be read (missing, damaged or of another format)."""


# --- copy sketches ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CopySketch:
    """An article's anchors (bottom-k shingle hashes) and its shingle sample at 1 / 2**level."""

    anchors: np.ndarray
    level: int
    sample: np.ndarray


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens (letters, digits, underscores)."""
    return TOKEN.findall(text.lower())


class TokenCodes:
    """Stable 32-bit codes of tokens (CRC-32), cached; the cache is emptied when it grows too large."""

    def __init__(self, limit: int = 100_000) -> None:
        self.cache: dict[str, int] = {}
        self.limit = limit

    def codes(self, words: list[str]) -> np.ndarray:
        """The codes of the words, in order."""
        missing = set(words).difference(self.cache)
        if len(self.cache) + len(missing) > self.limit:
            self.cache = {}
            missing = set(words)
        for word in missing:
            self.cache[word] = zlib.crc32(word.encode())
        return np.fromiter(map(self.cache.__getitem__, words), dtype=U64, count=len(words))


def shingle_hashes(codes: np.ndarray, size: int) -> np.ndarray:
    """Sorted distinct 63-bit hashes of the n-grams of token codes (a shorter text is one shingle)."""
    if not len(codes):
        return np.zeros(0, dtype=U64)
    size = min(size, len(codes))
    count = len(codes) - size + 1
    mixed = np.zeros(count, dtype=U64)
    for j in range(size):
        mixed += codes[j:j + count] * _MULTIPLIERS[j]
    return np.unique(_finalise(mixed) >> U64(1))


def _finalise(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every output bit depends on every input bit."""
    x = x ^ (x >> U64(30))
    x = x * U64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> U64(27))
    x = x * U64(0x94D049BB133111EB)
    return x ^ (x >> U64(31))


def sample_of(hashes: np.ndarray, cap: int) -> tuple[int, np.ndarray]:
    """The lowest level L whose sample (hashes with L low bits zero) has at most ``cap`` hashes, and it."""
    level = 0
    while level < 20:
        kept = hashes[(hashes & U64((1 << level) - 1)) == 0] if level else hashes
        if len(kept) <= cap:
            return level, np.unique((kept & MASK32).astype(np.uint32))
        level += 1
    return level, np.unique((kept & MASK32).astype(np.uint32))


def at_level(sample: np.ndarray, own: int, level: int) -> np.ndarray:
    """A sample thinned to a coarser level (the low bits of a kept hash are zero at its level)."""
    return sample if level <= own else sample[(sample & np.uint32((1 << level) - 1)) == 0]


def overlap(a: CopySketch, b: CopySketch) -> tuple[float, float]:
    """(containment of the smaller sample in the larger, size ratio smaller/larger), at a common level."""
    level = max(a.level, b.level)
    sa, sb = at_level(a.sample, a.level, level), at_level(b.sample, b.level, level)
    small, large = (sa, sb) if len(sa) <= len(sb) else (sb, sa)
    if not len(small):
        return 0.0, 0.0
    common = len(np.intersect1d(small, large, assume_unique=True))
    return common / len(small), len(small) / len(large)


@dataclass(frozen=True)
class Match:
    """A stored article found to be a copy: its number, the containment and the size ratio."""

    number: int
    contained: float
    ratio: float


class SketchStore:
    """Copy sketches by article number, packed in two arenas (anchors, samples) with their levels."""

    def __init__(self) -> None:
        self.anchors = Arena(U64)
        self.samples = Arena(np.uint32)
        self.levels = bytearray()
        self.dead = bytearray()

    def __len__(self) -> int:
        return len(self.levels)

    def put(self, number: int, sketch: CopySketch) -> None:
        """Store the sketch of the next article number."""
        if number != len(self.levels):
            raise IndexError(f"sketch {number} stored out of order (expected {len(self.levels)})")
        self.anchors.append(sketch.anchors)
        self.samples.append(sketch.sample)
        self.levels.append(sketch.level)
        self.dead.append(0)

    def __getitem__(self, number: int) -> CopySketch | None:
        if number >= len(self.levels) or self.dead[number]:
            return None
        return CopySketch(self.anchors.row(number), self.levels[number], self.samples.row(number))

    def kill(self, number: int) -> None:
        """Mark an article's sketch as gone."""
        if number < len(self.dead):
            self.dead[number] = 1

    def keep(self, numbers: list[int]) -> SketchStore:
        """A store with only these articles, renumbered in this order."""
        made = SketchStore()
        made.anchors, made.samples = self.anchors.keep(numbers), self.samples.keep(numbers)
        made.levels = bytearray(self.levels[n] for n in numbers)
        made.dead = bytearray(len(numbers))
        return made

    def arrays(self) -> dict[str, np.ndarray]:
        """Arrays for saving."""
        anchors, anchor_bounds = self.anchors.export()
        samples, sample_bounds = self.samples.export()
        return {"anchors": anchors, "anchor_bounds": anchor_bounds, "samples": samples,
                "sample_bounds": sample_bounds, "levels": np.frombuffer(bytes(self.levels), dtype=np.uint8)}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> SketchStore:
        """The store saved by ``arrays``."""
        made = cls()
        made.anchors = Arena(U64, arrays["anchors"].astype(U64), arrays["anchor_bounds"])
        made.samples = Arena(np.uint32, arrays["samples"].astype(np.uint32), arrays["sample_bounds"])
        made.levels = bytearray(arrays["levels"].tobytes())
        made.dead = bytearray(len(made.levels))
        return made


class CopyIndex:
    """Copy sketches of the articles seen so far, with their anchors indexed for candidate search."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.sketches = SketchStore()
        self.postings = PostingMap()
        self.codes = TokenCodes()

    def sketch(self, title: list[str], body: list[str]) -> CopySketch:
        """The copy sketch of an article (its tokens), with anchors chosen among hashes that are not boilerplate."""
        s = self.settings
        words = title + body if len(body) < s.short_body else body
        hashes = shingle_hashes(self.codes.codes(words), s.shingle)
        low = hashes[:s.anchors * 3].tolist()
        counts = self.postings.counts([h >> 20 for h in low])
        anchors = [h for h, n in zip(low, counts, strict=True) if n <= s.common_anchor]
        level, sample = sample_of(hashes, s.sample_cap)
        return CopySketch(np.array(anchors[:s.anchors], dtype=U64), level, sample)

    def matches(self, sketch: CopySketch) -> list[Match]:
        """Stored articles that are copies of this sketch's article, best first."""
        found = Counter(self.postings.ranges([h >> 20 for h in sketch.anchors.tolist()], 0, 0))
        matches = []
        for number in found:
            other = self.sketches[number]
            if other is not None:
                contained, ratio = overlap(sketch, other)
                if contained >= self.settings.containment and ratio >= self.settings.size_ratio:
                    matches.append(Match(number, contained, ratio))
        return sorted(matches, key=lambda m: (-m.contained * m.ratio, m.number))

    def insert(self, number: int, sketch: CopySketch) -> None:
        """Store a sketch under an article number and index its anchors."""
        self.sketches.put(number, sketch)
        for h in sketch.anchors.tolist():
            self.postings.add(h >> 20, 0, number)

    def remove(self, number: int) -> None:
        """Forget an article (its postings go at the next compaction)."""
        self.sketches.kill(number)


# --- clusters with stable ids ------------------------------------------------------------------


@dataclass(slots=True)
class Cluster:
    """A copy group or a story: its stable id, creation rank and member article numbers (a list: most have one)."""

    id: str
    seq: int
    members: list[int] = field(default_factory=list)


class Clusters:
    """Disjoint clusters of article numbers; ids are stable, a merge keeps the oldest id."""

    def __init__(self) -> None:
        self.of: dict[int, str] = {}
        self.clusters: dict[str, Cluster] = {}
        self.aliases: dict[str, str] = {}
        self.seq = 0

    def create(self, number: int, wanted: str) -> str:
        """A new cluster holding one article, named ``wanted`` (suffixed if that id is taken)."""
        cid, n = wanted, 1
        while cid in self.clusters or cid in self.aliases:
            n += 1
            cid = f"{wanted}~{n}"
        self.clusters[cid] = Cluster(cid, self.seq, [number])
        self.seq += 1
        self.of[number] = cid
        return cid

    def join(self, number: int, cid: str) -> None:
        """Put an article in an existing cluster."""
        self.clusters[cid].members.append(number)
        self.of[number] = cid

    def merge(self, cids: Iterable[str]) -> tuple[str, set[int]]:
        """Merge clusters into the oldest; returns its id and the article numbers that moved."""
        found = sorted((self.clusters[c] for c in set(cids)), key=lambda c: c.seq)
        keep, moved = found[0], set()
        for other in found[1:]:
            keep.members.extend(other.members)
            moved.update(other.members)
            for number in other.members:
                self.of[number] = keep.id
            self.aliases[other.id] = keep.id
            del self.clusters[other.id]
        return keep.id, moved

    def remove(self, number: int) -> None:
        """Take an article out of its cluster; an empty cluster is forgotten (its id stays reserved)."""
        cid = self.of.pop(number, None)
        if cid is None:
            return
        cluster = self.clusters[cid]
        cluster.members.remove(number)
        if not cluster.members:
            del self.clusters[cid]
            self.aliases.setdefault(cid, cid)

    def resolve(self, cid: str) -> str:
        """The current id of a cluster that may have been merged away."""
        seen = 0
        while cid in self.aliases and self.aliases[cid] != cid and seen < 1000:
            cid, seen = self.aliases[cid], seen + 1
        return cid

    def state(self) -> dict[str, Any]:
        """A JSON-ready description (members as article numbers)."""
        return {"seq": self.seq, "aliases": self.aliases,
                "clusters": [[c.id, c.seq, sorted(c.members)] for c in self.clusters.values()]}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Clusters:
        """Clusters from ``state()``."""
        made = cls()
        made.seq, made.aliases = int(state["seq"]), dict(state["aliases"])
        for cid, seq, members in state["clusters"]:
            made.clusters[cid] = Cluster(cid, int(seq), list(members))
            for number in members:
                made.of[number] = cid
        return made


# --- the grouper -------------------------------------------------------------------------------


class Grouper:
    """Copy groups and stories of the articles added so far; incremental, persistent, stable ids."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.copies = CopyIndex(self.settings)
        self.stories = StoryIndex()
        self.groups = Clusters()
        self.story_clusters = Clusters()
        self.ids: list[str | None] = []
        self.times: list[float] = []  # POSIX seconds, +inf when undated
        self.numbers: dict[str, int] = {}
        self.changed: set[int] = set()
        self.spans: dict[str, tuple[float, float]] = {}  # story -> (first, last) POSIX time of its dated articles

    def __len__(self) -> int:
        return len(self.numbers)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self.numbers

    def add(self, article: Article) -> Assignment:
        """Group one article (replacing an earlier article with the same id) and say where it went."""
        if article.id in self.numbers:
            self.remove(article.id)
        number = self._register(article)
        title, body = tokens(article.title), tokens(article.body)
        sketch = self.copies.sketch(title, body)
        copies = self._linked(sketch, self.copies.matches(sketch))
        entities = (*article.people, *article.organizations, *article.places)
        vector = self.stories.vectorize(title, Counter(body), entities, day_number(article.published))
        group = self._group(number, copies, article.id)
        story = self._story(number, copies, vector, article.id)
        self.copies.insert(number, sketch)
        self.stories.insert(number, vector)
        return Assignment(group, story, self.original(group))

    def _linked(self, sketch: CopySketch, matches: list[Match]) -> list[int]:
        """The copies an article links to: the best, then others of about its size or copies of those linked.

        A round-up containing two briefs is a copy of each, but must not merge them: a smaller match
        is linked only if it is also a copy of a match already linked, and a group is joined only if
        the article shares text with every member (so briefs cannot both join a round-up's group).
        """
        linked: list[Match] = []
        verdicts: dict[str, bool] = {}
        for match in matches:
            if linked and match.ratio < self.settings.bridge_ratio and not any(
                    self._copies(match.number, m.number) for m in linked):
                continue
            group = self.groups.of[match.number]
            if group not in verdicts:
                verdicts[group] = self._coherent(sketch, group)
            if verdicts[group]:
                linked.append(match)
        return [m.number for m in linked]

    def _coherent(self, sketch: CopySketch, group: str) -> bool:
        """Whether the article shares a good part of its text with every member of a group (the first 50)."""
        for number in self.groups.clusters[group].members[:50]:
            other = self.copies.sketches[number]
            if other is not None and overlap(sketch, other)[0] < self.settings.coherence:
                return False
        return True

    def _copies(self, a: int, b: int) -> bool:
        sa, sb = self.copies.sketches[a], self.copies.sketches[b]
        if sa is None or sb is None:
            return False
        contained, ratio = overlap(sa, sb)
        return contained >= self.settings.containment and ratio >= self.settings.size_ratio

    def _register(self, article: Article) -> int:
        number = len(self.ids)
        self.ids.append(article.id)
        published = article.published
        if published is not None and published.tzinfo is None:
            published = published.replace(tzinfo=UTC)
        self.times.append(published.timestamp() if published else math.inf)
        self.numbers[article.id] = number
        return number

    def _group(self, number: int, copies: list[int], doc_id: str) -> str:
        if not copies:
            return self.groups.create(number, doc_id)
        cid, moved = self.groups.merge({self.groups.of[n] for n in copies})
        self.changed |= moved
        self.groups.join(number, cid)
        return cid

    def _story(self, number: int, copies: list[int], vector: StoryVector, doc_id: str) -> str:
        when = self.times[number]
        related = copies or self._same_event(vector, when)
        if not related:
            sid = self.story_clusters.create(number, doc_id)
            self._stretch(sid, (), when)
            return sid
        stories = {self.story_clusters.of[n] for n in related}
        sid, moved = self.story_clusters.merge(stories)
        self.changed |= moved
        self.story_clusters.join(number, sid)
        self._stretch(sid, stories - {sid}, when)
        return sid

    def _same_event(self, vector: StoryVector, when: float) -> list[int]:
        """The most similar article above the threshold for its kind (dated in window, or undated).

        A story found by similarity may not grow longer than ``story_span`` days (no endless sagas).
        """
        s = self.settings
        near, far = self.stories.candidates(vector, s.story_window)
        dated = s.undated_similarity if vector.day == UNDATED else s.story_similarity
        best, best_score = -1, -1.0
        for numbers, threshold in ((near, dated), (far, s.undated_similarity)):
            scores = self.stories.similarities(vector, numbers)
            for n, score in zip(numbers, scores.tolist(), strict=True):
                if score >= threshold and score > best_score and n in self.story_clusters.of \
                        and self._fits(self.story_clusters.of[n], when):
                    best, best_score = n, score
        return [best] if best >= 0 else []

    def _fits(self, story: str, when: float) -> bool:
        first, last = self.spans.get(story, (math.inf, -math.inf))
        if when == math.inf or first == math.inf:
            return True
        return max(last, when) - min(first, when) <= self.settings.story_span * 86400

    def _stretch(self, story: str, others: Iterable[str], when: float) -> None:
        """Record the dated extent of a story after an article joined it (and other stories merged in)."""
        first, last = self.spans.pop(story, (math.inf, -math.inf))
        for other in others:
            a, b = self.spans.pop(other, (math.inf, -math.inf))
            first, last = min(first, a), max(last, b)
        if when != math.inf:
            first, last = min(first, when), max(last, when)
        self.spans[story] = (first, last)

    def _rebuild_spans(self) -> None:
        self.spans = {}
        for number, story in self.story_clusters.of.items():
            self._stretch(story, (), self.times[number])

    def remove(self, doc_id: str) -> bool:
        """Forget an article (an --update deletion); False if it was not there."""
        number = self.numbers.pop(doc_id, None)
        if number is None:
            return False
        self.ids[number] = None
        self.groups.remove(number)
        self.story_clusters.remove(number)
        self.copies.remove(number)
        self.stories.remove(number)
        self.changed.discard(number)
        return True

    def original(self, copy_group: str) -> str:
        """The id of the earliest article of a copy group: earliest date, undated last, then id."""
        cluster = self.groups.clusters[self.groups.resolve(copy_group)]
        first = min(cluster.members, key=lambda n: (self.times[n], self.ids[n]))
        return str(self.ids[first])

    def assignment(self, doc_id: str) -> Assignment:
        """Where an article is now (KeyError if it was never added)."""
        number = self.numbers[doc_id]
        group = self.groups.of[number]
        return Assignment(group, self.story_clusters.of[number], self.original(group))

    def assignments(self) -> dict[str, tuple[str, str]]:
        """Every article's (copy group, story)."""
        return {str(self.ids[n]): (self.groups.of[n], self.story_clusters.of[n]) for n in self.numbers.values()}

    def changes(self) -> dict[str, tuple[str, str]]:
        """Articles whose group or story changed after they were added (by a merge), since the last call."""
        moved = {str(self.ids[n]): (self.groups.of[n], self.story_clusters.of[n])
                 for n in self.changed if self.ids[n] is not None}
        self.changed = set()
        return moved

    def members(self, copy_group: str) -> list[str]:
        """Ids of a copy group's articles, original first."""
        cluster = self.groups.clusters[self.groups.resolve(copy_group)]
        return [str(self.ids[n]) for n in sorted(cluster.members, key=lambda n: (self.times[n], self.ids[n]))]

    def story_members(self, story: str) -> list[str]:
        """Ids of a story's articles, earliest first."""
        cluster = self.story_clusters.clusters[self.story_clusters.resolve(story)]
        return [str(self.ids[n]) for n in sorted(cluster.members, key=lambda n: (self.times[n], self.ids[n]))]

    def counts(self) -> tuple[int, int, int]:
        """(articles, copy groups, stories)."""
        return len(self.numbers), len(self.groups.clusters), len(self.story_clusters.clusters)

    # --- persistence ---------------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        """Write the state into a folder (two files, each replaced atomically); compacts first."""
        self.compact()
        folder.mkdir(parents=True, exist_ok=True)
        arrays = self._arrays()
        _atomic(folder / STATE_ARRAYS, lambda f: np.savez(f, **arrays))
        meta = {"format": FORMAT, "settings": self.settings.__dict__, "ids": self.ids,
                "vocab": list(self.stories.vocab), "documents": self.stories.documents,
                "groups": self.groups.state(), "stories": self.story_clusters.state()}
        _atomic(folder / STATE_JSON, lambda f: f.write(json.dumps(meta, ensure_ascii=False).encode()))

    def compact(self) -> None:
        """Renumber the live articles 0..n-1 and drop removed ones from every structure."""
        live = [n for n in range(len(self.ids)) if self.ids[n] is not None]
        if len(live) == len(self.ids):
            self.copies.postings.merge()
            self.stories.postings.merge()
            return
        mapping = np.full(len(self.ids) + 1, -1, dtype=np.int64)
        mapping[live] = np.arange(len(live))
        dead = {n for n in range(len(self.ids)) if self.ids[n] is None}
        for postings in (self.copies.postings, self.stories.postings):
            postings.drop(dead)
            postings.renumber(mapping)
        self.ids = [self.ids[n] for n in live]
        self.times = [self.times[n] for n in live]
        self.copies.sketches = self.copies.sketches.keep(live)
        self.stories.vectors = self.stories.vectors.keep(live)
        self.numbers = {str(doc_id): n for n, doc_id in enumerate(self.ids)}
        for clusters in (self.groups, self.story_clusters):
            _renumber(clusters, mapping)
        self.changed = {int(mapping[n]) for n in self.changed if mapping[n] >= 0}

    def _arrays(self) -> dict[str, np.ndarray]:
        return {
            "times": np.array(self.times, dtype=np.float64),
            **self.copies.sketches.arrays(), **self.stories.vectors.arrays(),
            "df": self.stories.df[:len(self.stories.vocab)],
            "anchor_keys": self.copies.postings.keys, "anchor_values": self.copies.postings.values,
            "story_keys": self.stories.postings.keys, "story_values": self.stories.postings.values,
        }

    @classmethod
    def load(cls, folder: Path) -> Grouper:
        """The grouper saved in a folder; raises GroupsError if it is missing or unreadable."""
        try:
            meta = json.loads((folder / STATE_JSON).read_text(encoding="utf-8"))
            with np.load(folder / STATE_ARRAYS) as npz:
                arrays = {name: npz[name] for name in npz.files}
        except (OSError, ValueError, KeyError) as exc:
            raise GroupsError(f"cannot read the copy and story groups in {folder}: {exc}") from exc
        if meta.get("format") != FORMAT:
            raise GroupsError(f"groups in {folder} have format {meta.get('format')!r}, expected {FORMAT}")
        return cls._restore(meta, arrays)

    @classmethod
    def _restore(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> Grouper:
        made = cls(Settings(**meta["settings"]))
        made.ids = list(meta["ids"])
        made.numbers = {doc_id: n for n, doc_id in enumerate(made.ids)}
        made.times = arrays["times"].tolist()
        made.copies.sketches = SketchStore.from_arrays(arrays)
        made.stories.vectors = VectorStore.from_arrays(arrays)
        _restore_vocab(made.stories, meta["vocab"], arrays["df"], int(meta["documents"]))
        made.copies.postings.keys, made.copies.postings.values = arrays["anchor_keys"], arrays["anchor_values"]
        made.stories.postings.keys, made.stories.postings.values = arrays["story_keys"], arrays["story_values"]
        made.groups = Clusters.from_state(meta["groups"])
        made.story_clusters = Clusters.from_state(meta["stories"])
        made._rebuild_spans()
        return made


def _restore_vocab(index: StoryIndex, vocab: list[str], df: np.ndarray, documents: int) -> None:
    index.vocab = {term: n for n, term in enumerate(vocab)}
    index.entities = {n for n, term in enumerate(vocab) if term.startswith("\x00")}
    index.df = np.zeros(max(1024, 2 * len(vocab)), dtype=np.int32)
    index.df[:len(df)] = df
    index.documents = documents


def _renumber(clusters: Clusters, mapping: np.ndarray) -> None:
    for cluster in clusters.clusters.values():
        cluster.members = [int(mapping[n]) for n in cluster.members]
    clusters.of = {int(mapping[n]): cid for n, cid in clusters.of.items()}


def _atomic(path: Path, write: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as f:
        write(f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
