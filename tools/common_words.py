"""Write newsearch/models/common_words.txt: the words whose adjacent pairs are indexed as one term.

    python tools/common_words.py

A phrase of two very common words ("of the", "said on", "mln dlrs") would otherwise be checked
on positions of two lists of millions of entries. The list is the Snowball English stop words,
the words most frequent in all three news corpora of ../shared/corpora (ranked by their lowest
share in any of them), and the 100 most frequent words of each corpus; every word as analysed.
"""

from __future__ import annotations

import itertools
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import CORPORA, lines  # noqa: E402
from newsearch.analysis import words  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "newsearch" / "models" / "common_words.txt"
CORPUS_FILES = ("reuters_financial_2006_2013.jsonl.xz", "reuters21578.jsonl.gz", "bbc.jsonl.gz")
SAMPLE = 5000  # articles read from each corpus (every 4th of its first 20,000)
SHARED_TOP, EACH_TOP = 200, 100
SNOWBALL_STOP = tuple("""i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she
her hers herself it its itself they them their theirs themselves what which who whom this that these those am is
are was were be been being have has had having do does did doing would should could ought i'm you're he's she's
it's we're they're i've you've we've they've i'd you'd he'd she'd we'd they'd i'll you'll he'll she'll we'll
they'll isn't aren't wasn't weren't hasn't haven't hadn't doesn't don't didn't won't wouldn't shan't shouldn't
can't cannot couldn't mustn't let's that's who's what's here's there's when's where's why's how's a an the and
but if or because as until while of at by for with about against between into through during before after above
below to from up down in out on off over under again further then once here there when where why how all any
both each few more most other some such no nor not only own same so than too very""".split())  # noqa: SIM905 (a list as Snowball writes it)


def shares(path: Path) -> dict[str, float]:
    counts: Counter[str] = Counter()
    for line in itertools.islice(lines(path), 0, SAMPLE * 4, 4):
        rec = json.loads(line)
        counts.update(words(str(rec.get("body") or rec.get("text") or "")))
    total = sum(counts.values()) or 1
    return {w: n / total for w, n in counts.items()}


def main() -> None:
    per_corpus = [shares(CORPORA / name) for name in CORPUS_FILES]
    everywhere = set.intersection(*(set(s) for s in per_corpus))
    shared = sorted(everywhere, key=lambda w: -min(s[w] for s in per_corpus))[:SHARED_TOP]
    each = [w for s in per_corpus for w in sorted(s, key=lambda w: -s[w])[:EACH_TOP]]
    chosen = sorted({w for ws in (SNOWBALL_STOP, shared, each) for x in ws for w in words(x)})
    OUT.write_text("# Words whose adjacent pairs are indexed as one term (written by tools/common_words.py)\n"
                   + "\n".join(chosen) + "\n", encoding="utf-8")
    print(f"{len(chosen)} words -> {OUT}")


if __name__ == "__main__":
    main()
