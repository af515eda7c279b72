"""Train the shipped entity model: python tools/train_ner.py [--c1 0.03 --c2 0.1 --iterations 150] [--holdout 0.15].

Reproducible from the corpora beside the project, in a few minutes on one core:
- word-usage statistics (is a word usually written in lower case, capitalised, or in capitals
  mid-sentence?) from the unlabelled Reuters-21578 bodies, a sample of the 2006-2013 Reuters
  bodies and the CoNLL-2003 train split; they drive the features and the case restoration of
  ALL-CAPS headlines;
- distributional word clusters from the same text: each frequent word is described by the words
  seen just left and right of it (positive PMI), projected to 64 dimensions and grouped by
  k-means into 400 fine clusters, themselves grouped into 50 coarse ones (a cheap stand-in for
  Brown clusters);
- the CRF itself learns from the CoNLL-2003 train split only (dev stays unseen).

--holdout F trains on the first 1-F of the train documents and scores the rest, for
development without touching dev; nothing is written then.
Writes newsearch/models/ner.crfsuite and newsearch/models/ner_words.json.
"""

from __future__ import annotations

import argparse
import json
import lzma
import re
import sys
import tempfile
import time
from array import array
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import pycrfsuite  # noqa: E402

from newsearch.entities import (  # noqa: E402
    COUNTRIES,
    MODEL_FILE,
    WORDS_FILE,
    CaseRestorer,
    EntityExtractor,
    FeatureCache,
    WordStats,
    is_all_caps,
    sentences,
    tokenize,
)
from newsearch.nereval import GoldDocument, bio_tags, open_text, read_gold, score_by_kind  # noqa: E402

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
CLUSTER_WORDS = 30_000
CONTEXT_WORDS = 600
DIMENSIONS = 64
FINE_CLUSTERS = 400
COARSE_CLUSTERS = 50


def word_usage(texts: Iterable[str]) -> dict[str, list[str]]:
    """Words mostly lower case mid-sentence, mostly capitalised there, and mostly in capitals (acronyms)."""
    lower: Counter[str] = Counter()
    capital: Counter[str] = Counter()
    upper: Counter[str] = Counter()
    for text in texts:
        for _, sentence in sentences(text):
            if is_all_caps(sentence):
                continue
            for token in tokenize(sentence)[1:]:
                w = token.text
                if w.islower():
                    lower[w] += 1
                elif w.isupper() and len(w) > 1 and w.isalpha():
                    upper[w.lower()] += 1
                elif w[:1].isupper():
                    capital[w.lower()] += 1
    words = set(lower) | set(capital) | set(upper)
    return {
        "lowercase": sorted(w for w in words if lower[w] >= 2 and lower[w] >= capital[w] + upper[w]),
        "capital": sorted(w for w in words if capital[w] >= 3 and capital[w] > 2 * lower[w]),
        "upper": sorted(w for w in words if upper[w] >= 3 and upper[w] > 2 * (lower[w] + capital[w])),
    }


def word_clusters(texts: Iterable[str], seed: int = 7) -> tuple[dict[str, int], list[int]]:
    """Fine k-means clusters of frequent words from their left and right neighbours, and fine -> coarse."""
    words: dict[str, int] = {"": 0}  # id 0 separates texts
    stream = array("i")
    for text in texts:
        stream.extend(words.setdefault(t.text, len(words)) for t in tokenize(_digits(text)))
        stream.append(0)
    ids = np.frombuffer(stream, dtype=np.int32)
    counts = np.bincount(ids, minlength=len(words))
    counts[0] = 0
    order = np.argsort(-counts, kind="stable")[:CLUSTER_WORDS]
    order = order[counts[order] >= 5]
    rank = np.full(len(words), -1, dtype=np.int64)
    rank[order] = np.arange(len(order))
    ranked = rank[ids]
    matrix = (_context_counts(ranked[1:], ranked[:-1], len(order), 0)
              + _context_counts(ranked[:-1], ranked[1:], len(order), CONTEXT_WORDS))
    vectors = _embed(_ppmi(matrix))
    fine = _kmeans(vectors, FINE_CLUSTERS, seed)
    centroids = np.stack([vectors[fine == k].mean(axis=0) if (fine == k).any() else vectors[0]
                          for k in range(FINE_CLUSTERS)])
    coarse = _kmeans(_normalised(centroids), COARSE_CLUSTERS, seed)
    names = list(words)
    return {names[word]: int(fine[i]) for i, word in enumerate(order)}, [int(c) for c in coarse]


def _context_counts(target: np.ndarray, context: np.ndarray, n: int, column: int) -> np.ndarray:
    """Counts of (target word, context word) pairs, context words among the most frequent ones."""
    keep = (target >= 0) & (context >= 0) & (context < CONTEXT_WORDS)
    flat = np.bincount(target[keep] * (2 * CONTEXT_WORDS) + column + context[keep], minlength=n * 2 * CONTEXT_WORDS)
    return flat.reshape(n, 2 * CONTEXT_WORDS).astype(np.float64)


def _digits(text: str) -> str:
    return text.translate(str.maketrans("123456789", "000000000"))


def _ppmi(matrix: np.ndarray) -> np.ndarray:
    total = matrix.sum()
    p_word = matrix.sum(axis=1, keepdims=True) / total
    smoothed = matrix.sum(axis=0, keepdims=True) ** 0.75  # context smoothing, as in word2vec
    p_context = smoothed / smoothed.sum()
    with np.errstate(divide="ignore"):
        pmi = np.log(matrix / total) - np.log(p_word + 1e-12) - np.log(p_context + 1e-12)
    return np.where(matrix > 0, np.maximum(pmi, 0.0), 0.0)


def _embed(matrix: np.ndarray) -> np.ndarray:
    gram = matrix.T @ matrix
    values, vectors = np.linalg.eigh(gram)
    top = vectors[:, np.argsort(values)[::-1][:DIMENSIONS]]
    return _normalised(matrix @ top)


def _normalised(vectors: np.ndarray) -> np.ndarray:
    return vectors / (np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9)


def _kmeans(vectors: np.ndarray, k: int, seed: int, rounds: int = 20) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = vectors[rng.choice(len(vectors), size=k, replace=False)]
    assigned = np.zeros(len(vectors), dtype=np.int64)
    for _ in range(rounds):
        assigned = np.argmax(vectors @ centres.T, axis=1)  # cosine: the vectors are unit length
        for c in range(k):
            members = vectors[assigned == c]
            if len(members):
                centres[c] = members.mean(axis=0)
        centres = _normalised(centres)
    return assigned


def read_records(path: Path, limit: int | None = None) -> list[dict[str, object]]:
    """The records of a JSON Lines corpus (the first `limit` of them)."""
    opener = lzma.open if path.suffix == ".xz" else None
    out: list[dict[str, object]] = []
    with (opener(path, "rt", encoding="utf-8") if opener else open_text(path)) as f:
        for line in f:
            if limit is not None and len(out) >= limit:
                break
            if line.strip():
                out.append(json.loads(line))
    return out


_SUFFIX = r"(?:Corp|Corporation|Inc|Ltd|Co|Plc|PLC|AG|SA|NV|Group|Holdings|Bancorp|Bank|Cos|LLC|Partners)"
_COMPANY_RE = re.compile(r"((?:[A-Z][\w&'.-]*\s+(?:(?:and|of|&)\s+)?){0,4}[A-Z][\w&'.-]*)\s+(" + _SUFFIX + r")\b")
_TICKER_RE = re.compile(r"([A-Z][\w&'.-]*(?:\s+[A-Z][\w&'.-]*){0,4})\s*(?:\(\s*[A-Z0-9]{1,6}\.[A-Z]{1,2}\s*\)"
                        r"|<[A-Z.]{1,6}>)")
_BODY_DATELINE_RE = re.compile(r"^\s*([A-Z][A-Z.' -]+?)(?:/[A-Z][A-Z.' -]+)*\s*(?:,[^()\n]{0,20})?\s*\(Reuters\)")
_LEADING_ARTICLE_RE = re.compile(r"^(?:The|A|An|In|At|On|For|By|From|With|And|But|Shares of|Shares in)\s+")


def gazetteers(records: list[dict[str, object]], countries: Iterable[str]) -> dict[str, list[str]]:
    """Name lists from the unlabelled corpora (never from CoNLL's labels): places from datelines,
    gold place codes and countries; people from bylines and gold people codes; companies from
    suffixes and tickers. Lower-cased token sequences joined by spaces."""
    found: dict[str, Counter[str]] = {"LOC": Counter(), "PER": Counter(), "ORG": Counter()}
    for rec in records:
        _gazetteer_record(rec, found)
    found["LOC"].update({c: 5 for c in countries})
    lists = {kind: sorted(n for n, c in names.items() if c >= 2 and len(n) > 1) for kind, names in found.items()}
    lists["first"] = sorted({n.split()[0] for n in lists["PER"] if " " in n and len(n.split()[0]) > 1})
    return lists


def _gazetteer_record(rec: dict[str, object], found: dict[str, Counter[str]]) -> None:
    body = str(rec.get("body") or "")
    dateline = str(rec.get("dateline") or "")
    for place in [dateline.split(",")[0], *(_BODY_DATELINE_RE.findall(body[:80]))]:
        if place.strip():
            found["LOC"][_gaz_key(place)] += 1
    for code in rec.get("places") or []:  # type: ignore[union-attr]
        found["LOC"][str(code).replace("-", " ")] += 1
    for code in rec.get("people") or []:  # type: ignore[union-attr]
        found["PER"][str(code).replace("-", " ")] += 2
    author = re.sub(r"^By\s+|,\s*Reuters.*$", "", str(rec.get("author") or ""))
    for name in re.split(r",|\band\b", author):
        if 2 <= len(name.split()) <= 4:
            found["PER"][_gaz_key(name)] += 1
    for m in _COMPANY_RE.finditer(body):
        stem = _LEADING_ARTICLE_RE.sub("", m.group(1))
        found["ORG"][_gaz_key(stem + " " + m.group(2))] += 1
        found["ORG"][_gaz_key(stem)] += 1
    for m in _TICKER_RE.finditer(body):
        found["ORG"][_gaz_key(_LEADING_ARTICLE_RE.sub("", m.group(1)))] += 1


def _gaz_key(name: str) -> str:
    return " ".join(t.text.lower() for t in tokenize(name))


def train_model(docs: list[GoldDocument], stats: WordStats, target: Path, args: argparse.Namespace) -> None:
    """Train the CRF on gold documents, reading ALL-CAPS sentences case-restored as at tagging time."""
    features, restorer = FeatureCache(stats), CaseRestorer(stats)
    trainer = pycrfsuite.Trainer(verbose=False)
    for doc in docs:
        for offset, sentence in sentences(doc.text):
            tokens = tokenize(restorer.restore(sentence), offset)
            if tokens:
                trainer.append(features.sequence([t.text for t in tokens]), bio_tags(tokens, doc.spans))
    trainer.set_params({"c1": args.c1, "c2": args.c2, "max_iterations": args.iterations,
                        "feature.possible_transitions": True, "feature.minfreq": 1})
    trainer.train(str(target))


def model_attributes(model: Path) -> list[str]:
    """The features a trained model has weights for: the tagger drops all others before CRFsuite sees them."""
    tagger = pycrfsuite.Tagger()
    tagger.open(str(model))
    return sorted({attribute for attribute, _ in tagger.info().state_features})


def word_stats(train: list[GoldDocument], args: argparse.Namespace) -> dict[str, object]:
    """Usage sets, clusters and gazetteers, as written to ner_words.json."""
    records = read_records(args.unlabelled)
    modern = read_records(args.modern, args.modern_limit) if args.modern.exists() else []
    texts = [d.text for d in train] + [str(r.get("body") or "") for r in records + modern]
    usage: dict[str, object] = dict(word_usage(texts))
    clusters, coarse = word_clusters(texts)
    usage["clusters"] = clusters
    usage["coarse"] = coarse
    usage["gazetteer"] = gazetteers(records + modern, COUNTRIES)
    return usage


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gold", type=Path, default=CORPORA / "conll2003_train_dev.jsonl.gz")
    parser.add_argument("--unlabelled", type=Path, default=CORPORA / "reuters21578.jsonl.gz")
    parser.add_argument("--modern", type=Path, default=CORPORA / "reuters_financial_2006_2013.jsonl.xz")
    parser.add_argument("--modern-limit", type=int, default=8000, help="articles read from --modern")
    parser.add_argument("--c1", type=float, default=0.03)
    parser.add_argument("--c2", type=float, default=0.1)
    parser.add_argument("--iterations", type=int, default=150)
    parser.add_argument("--holdout", type=float, default=0.0, help="score on this last fraction of train only")
    parser.add_argument("--words", type=Path, default=None, help="reuse a statistics file instead of building one")
    parser.add_argument("--save-words", type=Path, default=None, help="also write the statistics here")
    parser.add_argument("--keep", type=Path, default=None, help="with --holdout: keep the model in this folder")
    args = parser.parse_args()
    started = time.perf_counter()
    train = list(read_gold(args.gold, "train"))
    stats_json = json.loads(args.words.read_text()) if args.words else word_stats(train, args)
    stats_json.pop("attributes", None)  # a model's, not the corpora's
    print(f"word statistics: {time.perf_counter() - started:.0f}s", flush=True)
    if args.save_words:
        args.save_words.write_text(json.dumps(stats_json), encoding="utf-8")
    if args.holdout:
        holdout(train, stats_json, args)
        return
    WORDS_FILE.write_text(json.dumps(stats_json, separators=(",", ":")), encoding="utf-8")
    train_model(train, WordStats.load(WORDS_FILE), MODEL_FILE, args)
    stats_json["attributes"] = model_attributes(MODEL_FILE)
    WORDS_FILE.write_text(json.dumps(stats_json, separators=(",", ":")), encoding="utf-8")
    print(f"trained on {len(train)} documents in {time.perf_counter() - started:.0f}s; "
          f"model {MODEL_FILE.stat().st_size / 1e6:.1f} MB, words {WORDS_FILE.stat().st_size / 1e6:.1f} MB")


def holdout(train: list[GoldDocument], stats_json: dict[str, object], args: argparse.Namespace) -> None:
    """Train on the first part of train, print the score on the rest; writes nothing to the package."""
    cut = int(len(train) * (1 - args.holdout))
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        words, model = folder / "words.json", folder / "model.crfsuite"
        words.write_text(json.dumps(stats_json), encoding="utf-8")
        train_model(train[:cut], WordStats.load(words), model, args)
        extractor = EntityExtractor(model, words)
        for kind, result in score_by_kind(train[cut:], extractor.mentions).items():
            print(f"{kind:>3} {result.line()}", flush=True)


if __name__ == "__main__":
    main()
