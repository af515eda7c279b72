"""What one index generation shares between threads: facet arrays, decoded postings, the vocabulary.

The first snapshot of a generation loads them; a background warm-up then decodes the most
frequent title and body terms, so that serving does not pay for them on first use.
"""

from __future__ import annotations

import logging
import random
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from whoosh.reading import IndexReader

from . import research
from .analysis import common_grams, words
from .columns import Aliases, Columns, Resolve, load_columns
from .config import cache_entries
from .groups import Groups, load_groups
from .postings import PositionCache, PostingCache, choose_reader
from .schema import GRAMS_FIELD
from .vocabulary import Vocabulary

ResolutionOf = Callable[[Any], tuple[Resolve | None, Aliases | None]]  # generation folder -> how values show
LOG = logging.getLogger(__name__)
WARM_MIN_FREQUENCY = 500  # shorter lists decode in under 0.3 ms when first asked for
WARM_POSITIONS_SHARE = 0.75  # of the position cache: the most frequent words' positions, for phrases
WARM_SAMPLE = 1_000  # documents read to find the frequent words (a lexicon walk costs a look-up per term)
WARM_FIELDS = ("title", "body")


@dataclass(frozen=True)
class Generation:
    """The shared, read-only state of one index generation."""

    key: Any
    columns: Columns
    postings: PostingCache
    positions: PositionCache
    vocabulary: Vocabulary
    groups: Groups
    resolve: Resolve | None = None
    aliases: Aliases | None = None


class GenerationCache:
    """The state of the latest index generation, loaded once and shared by all threads."""

    def __init__(self, warm: bool = True, resolve: ResolutionOf | None = None) -> None:
        self._lock = threading.Lock()
        self._current: Generation | None = None
        self._warm = warm
        self._resolve = resolve
        self.warmed = threading.Event()

    def get(self, key: Any, reader: IndexReader, open_reader: Callable[[], IndexReader] | None = None,
            folder: Any = None) -> Generation:
        """This generation's state; the first call for a generation loads it and starts its warm-up.

        ``open_reader`` gives the warm-up thread a reader of its own (readers are not shared across threads).
        """
        with self._lock:
            if self._current is None or self._current.key != key:
                resolve, aliases = self._resolve(folder) if self._resolve else (None, None)
                columns = load_columns(reader, resolve, aliases)
                source = choose_reader(reader)
                postings, positions = cache_entries()
                self._current = Generation(key, columns, PostingCache(source, postings),
                                           PositionCache(source.positions, positions),
                                           Vocabulary(), load_groups(folder, columns.ids), resolve, aliases)
                self.warmed = threading.Event()
                if self._warm and open_reader is not None:
                    threading.Thread(target=_warm_up, args=(self._current, open_reader, self.warmed),
                                     daemon=True, name="newsearch-warm-up").start()
                else:
                    self.warmed.set()
            return self._current


def _warm_up(generation: Generation, open_reader: Callable[[], IndexReader], done: threading.Event) -> None:
    """Before requests need them: the stem tables, the frequent postings and positions, the top-words table.

    Warming is an optimisation: if it fails (most often because the generation was swapped
    out and deleted underneath it), the generation stays cold and correct, and the failure is logged.
    """
    try:
        reader = open_reader()
        try:
            vocabulary = generation.vocabulary.bind(reader)
            for field in WARM_FIELDS:
                vocabulary.stem_table(field)
            terms = warm(generation.postings, reader)
            warm_positions(generation.positions, generation.postings, reader, terms)
            research.warm_term_table(generation.key, reader, generation.columns, generation.postings.source)
        finally:
            reader.close()
    except Exception:  # noqa: BLE001 -- a background optimisation must never kill its thread loudly
        LOG.warning("warm-up of generation %s stopped; it stays cold", generation.key, exc_info=True)
    finally:
        done.set()


def warm(postings: PostingCache, reader: IndexReader, budget: int | None = None) -> list[tuple[str, str]]:
    """Decode the most frequent title and body terms (and grams) ahead of need; the terms decoded, most frequent first.

    Candidates come from a sample of documents: walking the whole lexicon costs a file
    look-up per term (seconds on a large index).
    """
    live = list(reader.all_doc_ids())
    if len(live) < WARM_MIN_FREQUENCY:
        return []
    sample = random.Random(0).sample(live, min(WARM_SAMPLE, len(live)))
    seen: Counter[str] = Counter()
    grams: Counter[str] = Counter()
    for docnum in sample:
        meta = reader.stored_fields(docnum)["meta"]
        body = words(meta["body"])
        seen.update(set(words(meta["title"])).union(body))
        grams.update(set(common_grams(body)))
    threshold = WARM_MIN_FREQUENCY * len(sample) / len(live) / 2
    candidates = [(field, word) for word, count in seen.items() if count >= threshold for field in WARM_FIELDS]
    if GRAMS_FIELD in reader.schema:
        candidates += [(GRAMS_FIELD, g) for g, count in grams.items() if count >= threshold]
    by_frequency = sorted(((reader.doc_frequency(field, word), field, word) for field, word in candidates),
                          reverse=True)
    budget = postings.limit if budget is None else budget
    spent = 0
    warmed = []
    for frequency, field, word in by_frequency:
        if frequency < WARM_MIN_FREQUENCY:
            break
        if spent + frequency > budget:  # a shorter list may still fit
            continue
        postings.get(reader, field, word)
        warmed.append((field, word))
        spent += frequency
    return warmed


def warm_positions(positions: PositionCache, postings: PostingCache, reader: IndexReader,
                   terms: list[tuple[str, str]], budget: int | None = None) -> None:
    """Decode the positions of the most frequent words (phrases of common words need them), within a budget:
    titles' first (short lists, and every phrase checks the title too), then bodies'."""
    budget = int(positions.limit * WARM_POSITIONS_SHARE) if budget is None else budget
    spent = 0
    with_positions = [t for t in terms if t[0] in WARM_FIELDS]  # grams have counts, no positions
    for field, word in sorted(with_positions, key=lambda t: WARM_FIELDS.index(t[0])):
        count = int(postings.get(reader, field, word)[1].sum())  # a document's frequency is its positions
        if spent + count > budget:
            continue
        positions.get(reader, field, word)
        spent += count
