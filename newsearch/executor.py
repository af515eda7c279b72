"""Evaluating a query tree over numpy arrays: matches and BM25 scores for every document at once.

A term's postings come decoded from ``postings`` (cached per generation); AND / OR / NOT are
boolean masks and BM25 is computed as arrays.  An unquoted word matches every indexed form
with its stem (``vocabulary``), scored as one term; a phrase is the AND of its words (and
of its pairs of common words, indexed as one term each), checked by positions over those
candidates only, and a phrase of two common words is its pair's postings; a field query on
an entity facet (``place:japan``) matches the facet values, exactly as the facet counts them.
"""

from __future__ import annotations

import math
import time

import numpy as np
from whoosh.reading import IndexReader

from . import querylang as ql
from .analysis import common_grams
from .columns import Columns
from .facets import by_query_field
from .postings import PositionCache, PostingCache, key_docs, sorted_common
from .results import TooExpensive
from .schema import GRAMS_FIELD
from .vocabulary import Vocabulary

K1, B = 1.2, 0.75
TEXT_FIELDS = ("title", "body")


class Evaluator:
    """Matches and scores of query trees over the documents of one snapshot."""

    def __init__(self, reader: IndexReader, columns: Columns, postings: PostingCache, positions: PositionCache,
                 vocabulary: Vocabulary, boosts: dict[str, float], deadline: float | None = None) -> None:
        self.reader = reader
        self.columns = columns
        self.postings = postings
        self.positions = positions
        self.vocabulary = vocabulary
        self.boosts = boosts
        self.n = columns.size
        self.deadline = deadline
        self.grams = GRAMS_FIELD in reader.schema  # indexes built before grams check positions only
        live = max(columns.live_count, 1)
        self.avg = {"title": max(float(columns.title_length.sum()) / live, 1.0),
                    "body": max(float(columns.body_length.sum()) / live, 1.0)}

    def run(self, tree: ql.Node, deadline: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(mask of matching live documents, relevance scores)."""
        self.deadline = deadline
        mask, score = self._eval(tree)
        return mask & self.columns.live, score

    def _check_time(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise TooExpensive("query too expensive: it did not finish within its time budget; "
                               "use fewer common words or phrases, or add a filter")

    def _eval(self, node: ql.Node) -> tuple[np.ndarray, np.ndarray]:
        self._check_time()
        if isinstance(node, ql.All):
            return self.columns.live.copy(), np.zeros(self.n, np.float32)
        if isinstance(node, ql.Not):
            return ~self._eval(node.child)[0], np.zeros(self.n, np.float32)
        if isinstance(node, (ql.And, ql.Or)):
            return self._combine(node)
        if node.field is not None and node.field not in TEXT_FIELDS:
            return self._facet_field(node), np.zeros(self.n, np.float32)
        fields = TEXT_FIELDS if node.field is None else (node.field,)
        if isinstance(node, ql.Phrase):
            return self._phrase(node, fields)
        if isinstance(node, ql.Prefix):
            return self._each_field(fields, lambda f: self.vocabulary.with_prefix(f, node.text))
        return self._each_field(fields, lambda f: self._forms(f, node))

    def _forms(self, field: str, node: ql.Word) -> list[str]:
        return [node.text] if node.exact else self.vocabulary.variants(field, node.text)

    def _combine(self, node: ql.And | ql.Or) -> tuple[np.ndarray, np.ndarray]:
        all_of = isinstance(node, ql.And)
        # A NOT child of an AND only removes documents: evaluate it as a mask, never as "everything".
        mask = self.columns.live.copy() if all_of else np.zeros(self.n, bool)
        score = np.zeros(self.n, np.float32)
        for child in node.children:
            child_mask, child_score = self._eval(child)
            mask = (mask & child_mask) if all_of else (mask | child_mask)
            score += child_score
        return mask, np.where(mask, score, 0).astype(np.float32)

    def _each_field(self, fields: tuple[str, ...], forms: object) -> tuple[np.ndarray, np.ndarray]:
        mask = np.zeros(self.n, bool)
        score = np.zeros(self.n, np.float32)
        for field in fields:
            ids, tf = self._merged(field, forms(field))  # type: ignore[operator]
            mask[ids] = True
            score[ids] += self._bm25(field, ids, tf)
        return mask, score

    def _merged(self, field: str, forms: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The postings of several forms as one term: frequencies added per document."""
        lists = [self.postings.get(self.reader, field, form) for form in forms]
        lists = [x for x in lists if len(x[0])]
        if not lists:
            return np.zeros(0, np.int32), np.zeros(0, np.float32)
        if len(lists) == 1:
            return lists[0]
        tf = np.zeros(self.n, np.float32)  # a document is in each form's list at most once: no sort needed
        for ids, weights in lists:
            tf[ids] += weights
        merged = np.flatnonzero(tf).astype(np.int32)
        return merged, tf[merged]

    def _bm25(self, field: str, ids: np.ndarray, tf: np.ndarray) -> np.ndarray:
        if not len(ids):
            return np.zeros(0, np.float32)
        lengths = (self.columns.title_length if field == "title" else self.columns.body_length)[ids]
        df = len(ids)
        idf = math.log(1 + (self.n - df + 0.5) / (df + 0.5))
        norm = K1 * (1 - B + B * lengths / self.avg[field])
        return (self.boosts.get(field, 1.0) * idf * tf * (K1 + 1) / (tf + norm)).astype(np.float32)

    def _phrase(self, node: ql.Phrase, fields: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        mask = np.zeros(self.n, bool)
        score = np.zeros(self.n, np.float32)
        for field in fields:
            postings = [self.postings.get(self.reader, field, w) for w in node.words]
            grams = self._grams(field, node.words)
            candidates = np.ones(self.n, bool)
            for ids, _ in postings + [self.postings.get(self.reader, GRAMS_FIELD, g) for g in grams]:
                here = np.zeros(self.n, bool)
                here[ids] = True
                candidates &= here
            exact = len(node.words) == 2 and len(grams) == 1  # the gram's postings are the phrase's
            found = candidates if exact else self._in_order(field, node.words, candidates)
            mask |= found
            for ids, tf in postings:
                keep = found[ids]
                score[ids[keep]] += self._bm25(field, ids, tf)[keep]
        return mask, score

    def _grams(self, field: str, words: tuple[str, ...]) -> list[str]:
        """The indexed grams of a body phrase's adjacent pairs of common words."""
        if field != "body" or not self.grams:
            return []
        return common_grams(list(words))

    def _in_order(self, field: str, words: tuple[str, ...], candidates: np.ndarray) -> np.ndarray:
        """Documents where the words stand next to each other, in order (checked on positions).

        Starting from the rarest word's positions, each other word is found by binary search at
        its offset, so the cost follows the rarest word, not the most common one.
        """
        found = np.zeros(self.n, bool)
        if not candidates.any():
            return found
        keys_of = []
        for word in words:
            self._check_time()
            keys_of.append(self.positions.get(self.reader, field, word))
        order = sorted(range(len(words)), key=lambda i: len(keys_of[i]))
        starts = keys_of[order[0]] - order[0]  # keys of the phrase's first position
        starts = starts[candidates[key_docs(starts)]]  # only in documents holding every word (and gram)
        for i in order[1:]:
            starts = sorted_common(starts + i, keys_of[i]) - i
            if not len(starts):
                return found
        found[key_docs(starts)] = True
        return found

    def _facet_field(self, node: ql.Word | ql.Phrase | ql.Prefix) -> np.ndarray:
        spec = by_query_field(node.field or "")
        if spec is None:
            return np.zeros(self.n, bool)
        column = self.columns.facets[spec.name]
        if isinstance(node, ql.Word):
            ids = column.matching((node.text,))
        elif isinstance(node, ql.Phrase):
            ids = column.matching(node.words)
        else:
            ids = column.matching((node.text,), prefix=True)
        return column.docs_mask(self.n, ids)


def top(keys: list[np.ndarray], mask: np.ndarray, limit: int) -> np.ndarray:
    """Document numbers of the mask in the order of the keys (lexsort order: last key first), the first `limit`.

    Exact under ties: every document tied with the last one kept is sorted with the rest, so a page of
    any size is a slice of one total order.
    """
    docs = np.flatnonzero(mask)
    primary = keys[-1][docs]
    if limit < docs.size:
        cut = np.partition(primary, limit - 1)[limit - 1]
        keep = primary <= cut
        docs = docs[keep]
    order = np.lexsort([k[docs] for k in keys])
    return docs[order][:limit]
