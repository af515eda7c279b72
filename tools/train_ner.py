"""Train the shipped entity model: python tools/train_ner.py [--c1 0.05 --c2 0.01 --iterations 150].

Reproducible from the corpora beside the project: the CRF learns from the CoNLL-2003
train split; the word-usage statistics (is a word usually written in lower case or
capitalised mid-sentence?) come from the unlabelled Reuters-21578 bodies plus that train
split.  Writes newsearch/models/ner.crfsuite and newsearch/models/ner_words.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pycrfsuite  # noqa: E402

from newsearch.entities import MODEL_FILE, WORDS_FILE, FeatureCache, sentences, tokenize  # noqa: E402
from newsearch.nereval import bio_tags, open_text, read_gold  # noqa: E402

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"


def word_usage(texts: list[str]) -> dict[str, list[str]]:
    """Words mostly lower case mid-sentence, and words mostly capitalised there."""
    lower: Counter[str] = Counter()
    capital: Counter[str] = Counter()
    for text in texts:
        for _, sentence in sentences(text):
            for token in tokenize(sentence)[1:]:
                w = token.text
                if w.islower():
                    lower[w] += 1
                elif w[:1].isupper() and not w.isupper():
                    capital[w.lower()] += 1
    words = set(lower) | set(capital)
    return {
        "lowercase": sorted(w for w in words if lower[w] >= 2 and lower[w] >= capital[w]),
        "capital": sorted(w for w in words if capital[w] >= 3 and capital[w] > 2 * lower[w]),
    }


def unlabelled_texts(path: Path) -> list[str]:
    with open_text(path) as f:
        return [json.loads(line).get("body", "") for line in f if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gold", type=Path, default=CORPORA / "conll2003_train_dev.jsonl.gz")
    parser.add_argument("--unlabelled", type=Path, default=CORPORA / "reuters21578.jsonl.gz")
    parser.add_argument("--c1", type=float, default=0.05)
    parser.add_argument("--c2", type=float, default=0.01)
    parser.add_argument("--iterations", type=int, default=150)
    args = parser.parse_args()
    started = time.perf_counter()
    train = list(read_gold(args.gold, "train"))
    usage = word_usage([d.text for d in train] + unlabelled_texts(args.unlabelled))
    features = FeatureCache(frozenset(usage["lowercase"]), frozenset(usage["capital"]))
    trainer = pycrfsuite.Trainer(verbose=False)
    for doc in train:
        for offset, sentence in sentences(doc.text):
            tokens = tokenize(sentence, offset)
            if tokens:
                trainer.append(features.sequence([t.text for t in tokens]), bio_tags(tokens, doc.spans))
    trainer.set_params({"c1": args.c1, "c2": args.c2, "max_iterations": args.iterations,
                        "feature.possible_transitions": True, "feature.minfreq": 1})
    MODEL_FILE.parent.mkdir(parents=True, exist_ok=True)
    trainer.train(str(MODEL_FILE))
    WORDS_FILE.write_text(json.dumps(usage, separators=(",", ":")), encoding="utf-8")
    print(f"trained on {len(train)} documents in {time.perf_counter() - started:.0f}s; "
          f"model {MODEL_FILE.stat().st_size / 1e6:.1f} MB, words {WORDS_FILE.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
