"""Copy grouping on a labelled set built by perturbing real articles, with hard negatives.

Run from the project root (needs ../shared/corpora):

    .venv/bin/python -m bench.copies                 # labelled set: precision, recall, per perturbation
    .venv/bin/python -m bench.copies --sample 10000  # plus groups and stories on the first 10,000 Reuters articles

The labelled set: originals from the first lines of the Reuters 2006-2013 corpus (many articles on the
same companies on consecutive days: real hard negatives) and from BBC (same category), plus synthetic
follow-ups (a new lead from another article on the same company, then part of the original's
background).  Each original gets copies made by one perturbation each.  Pairwise precision and recall
are computed over every pair of the set.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import lzma
import random
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from newsearch.copies import Grouper, Settings

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
REUTERS = CORPORA / "reuters_financial_2006_2013.jsonl.xz"
BBC = CORPORA / "bbc.jsonl.gz"
SENTENCE = re.compile(r"(?<=[.!?\"”])\s+(?=[A-Z\"“(])")
TICKER = re.compile(r"\(\s*([A-Z]{1,5}\.[A-Z]{1,2})\s*\)")
BOILERPLATE_TOP = ["Advertisement", "By Staff Writer | Updated {date}", "Share this article on Facebook Twitter Email"]
BOILERPLATE_END = ["Copyright 2024 Example Media Group. All rights reserved. This material may not be published, "
                   "broadcast, rewritten or redistributed.", "Click here to subscribe to our daily newsletter.",
                   "Follow us on Twitter and Facebook for the latest news.", "Read more: Markets wrap"]
FILLERS = ["reportedly", "also", "still", "now", "recently", "further", "meanwhile", "indeed"]


@dataclass(frozen=True)
class Item:
    """An article of the labelled set; ``family`` is the id of the original it was made from."""

    id: str
    title: str
    body: str
    published: datetime | None
    source: str | None
    family: str
    kind: str  # "original", a perturbation name, or "follow-up"
    people: tuple[str, ...] = ()
    organizations: tuple[str, ...] = ()
    places: tuple[str, ...] = ()


def reuters(limit: int) -> list[Item]:
    """The first ``limit`` Reuters 2006-2013 articles with a body of at least 80 words."""
    items = []
    with lzma.open(REUTERS, "rt", encoding="utf-8") as f:
        for line in itertools.islice(f, limit):
            rec = json.loads(line)
            if len(rec["body"].split()) >= 80:
                items.append(Item(rec["id"], rec["title"], _paragraphs(rec["body"]),
                                  datetime.fromisoformat(rec["date"]), "Reuters", rec["id"], "original"))
    return items


def _paragraphs(body: str) -> str:
    """Reuters bodies are hard-wrapped; rejoin lines into paragraphs."""
    paras = [" ".join(p.split()) for p in re.split(r"\n\s*\n|(?<=[.!?\"])\s{2,}(?=[A-Z\"(])", body)]
    return "\n\n".join(p for p in paras if p)


def bbc() -> list[Item]:
    """All BBC articles (undated), the category kept in ``source`` for hard negatives."""
    with gzip.open(BBC, "rt", encoding="utf-8") as f:
        return [Item(r["id"], r["title"], r["body"], None, "bbc-" + r["category"], r["id"], "original")
                for r in map(json.loads, f)]


# --- perturbations ----------------------------------------------------------------------------


def sentences(body: str) -> list[str]:
    """The sentences of a body, paragraph breaks dropped."""
    return [s for p in body.split("\n\n") for s in SENTENCE.split(p) if s.strip()]


def new_headline(item: Item, rng: random.Random) -> Item:
    """Another headline, same body."""
    words = item.title.split()
    rng.shuffle(words)
    return replace(item, title="UPDATE 2-" + " ".join(words[: max(3, len(words) - 2)]))


def add_boilerplate(item: Item, rng: random.Random) -> Item:
    """Lines of site furniture added above and below."""
    top = [t.format(date="March 26, 2024") for t in rng.sample(BOILERPLATE_TOP, 2)]
    return replace(item, body="\n\n".join([*top, item.body, *rng.sample(BOILERPLATE_END, 3)]))


def remove_boilerplate(item: Item, rng: random.Random) -> Item:
    """The dateline or a short first line removed, and the closing paragraph (or sentence) of credits."""
    body = re.sub(r"^[A-Z][A-Z ,./]+\s*\(Reuters\)\s*-\s*", "", item.body.strip())
    paras = body.split("\n\n")
    if len(paras) > 1 and len(paras[0].split()) < 12:
        paras = paras[1:]
    if len(paras) > 1 and len(paras[-1].split()) < 0.2 * len(body.split()):
        paras = paras[:-1]
    else:
        last = sentences(paras[-1])
        paras[-1] = " ".join(last[:-1]) if len(last) > 1 else paras[-1]
    return replace(item, body="\n\n".join(paras))


def drop_sentences(item: Item, rng: random.Random) -> Item:
    """A quarter of the sentences dropped."""
    sents = sentences(item.body)
    keep = sorted(rng.sample(range(len(sents)), max(1, round(len(sents) * 0.75))))
    return replace(item, body=" ".join(sents[i] for i in keep))


def reorder(item: Item, rng: random.Random) -> Item:
    """The paragraphs after the lead shuffled, and a third of sentence pairs swapped."""
    sents = sentences(item.body)
    for i in rng.sample(range(1, max(2, len(sents) - 1)), max(0, len(sents) // 3)):
        if i + 1 < len(sents):
            sents[i], sents[i + 1] = sents[i + 1], sents[i]
    return replace(item, body=" ".join(sents))


def truncate_half(item: Item, rng: random.Random) -> Item:
    """The first half of the words."""
    words = item.body.split()
    return replace(item, body=" ".join(words[: len(words) // 2]))


def word_edits(item: Item, rng: random.Random, rate: float = 0.05) -> Item:
    """About 5% of the words replaced, deleted, or preceded by a filler word."""
    out = []
    for word in item.body.split(" "):
        roll = rng.random()
        if roll < rate / 3:
            continue
        if roll < 2 * rate / 3:
            out.append(rng.choice(FILLERS))
        elif roll < rate:
            out.extend([rng.choice(FILLERS), word])
            continue
        else:
            out.append(word)
    return replace(item, body=" ".join(out))


def combined(item: Item, rng: random.Random) -> Item:
    """New headline, boilerplate added, a sixth of the sentences dropped, 3% word edits."""
    sents = sentences(item.body)
    keep = sorted(rng.sample(range(len(sents)), max(1, round(len(sents) * 0.83))))
    dropped = replace(item, body=" ".join(sents[i] for i in keep))
    return word_edits(add_boilerplate(new_headline(dropped, rng), rng), rng, 0.03)


def truncate_edit(item: Item, rng: random.Random) -> Item:
    """Truncated to half, new headline, boilerplate removed, 2% word edits."""
    return word_edits(new_headline(truncate_half(remove_boilerplate(item, rng), rng), rng), rng, 0.02)


PERTURBATIONS: dict[str, Callable[[Item, random.Random], Item]] = {
    "new_headline": new_headline, "add_boilerplate": add_boilerplate, "remove_boilerplate": remove_boilerplate,
    "drop_sentences": drop_sentences, "reorder": reorder, "truncate_half": truncate_half,
    "word_edits": word_edits, "combined": combined, "truncate_edit": truncate_edit,
}


def follow_up(item: Item, other: Item, rng: random.Random) -> Item:
    """Not a copy: new text (from another article on the topic), then some of the original's background.

    The original's sentences make at most a third of the follow-up's words, and at most 40% of the original's.
    """
    own, new = sentences(item.body), sentences(other.body)
    lead = new[: max(3, round(len(new) * 0.6))]
    budget = min(sum(len(s.split()) for s in lead) // 2, len(item.body.split()) * 2 // 5)
    background = []
    for i in sorted(rng.sample(range(1, len(own)), len(own) - 1)) if len(own) > 1 else []:
        if rng.random() < 0.5 and len(own[i].split()) <= budget:
            background.append(own[i])
            budget -= len(own[i].split())
    published = item.published + timedelta(days=1) if item.published else None
    return Item(f"{item.id}#follow-up", other.title + " (follow-up)", " ".join(lead + background),
                published, item.source, f"{item.id}#follow-up", "follow-up")


# --- the labelled set and its score --------------------------------------------------------------


def labelled_set(originals: list[Item], reserve: list[Item], seed: int = 12, copies_per: int = 2) -> list[Item]:
    """Originals, their perturbed copies (spread over all perturbations) and follow-ups.

    A follow-up's new text comes from ``reserve``: articles on the same topic outside the set.
    """
    rng = random.Random(seed)
    names = list(PERTURBATIONS)
    topic = _topics(reserve)
    out: list[Item] = []
    used: set[str] = set()
    for n, item in enumerate(originals):
        out.append(item)
        for k in range(copies_per):
            name = names[(n * copies_per + k) % len(names)]
            made = PERTURBATIONS[name](item, rng)
            shift = timedelta(hours=rng.randint(1, 30)) if item.published else timedelta(0)
            out.append(replace(made, id=f"{item.id}#{name}", kind=name,
                               published=item.published + shift if item.published else None))
        neighbours = [o for o in topic.get(_topic(item), []) if o.id != item.id and o.id not in used]
        if n % 3 == 0 and neighbours:
            other = rng.choice(neighbours)
            used.add(other.id)
            out.append(follow_up(item, other, rng))
    rng.shuffle(out)
    return out


def _topic(item: Item) -> str:
    tickers = TICKER.findall(item.body[:400])
    return tickers[0] if tickers else (item.source or "")


def _topics(items: list[Item]) -> dict[str, list[Item]]:
    found: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        found[_topic(item)].append(item)
    return found


def distinct_originals(items: list[Item]) -> list[Item]:
    """Originals that are not versions of one another: no shared title and no shared sentence of 12+ words.

    Wire services re-post and update their stories all day; such versions are real copies, so they
    cannot serve as negatives.  (Articles on the same company or event in other words remain.)
    """
    seen: set[str] = set()
    out = []
    for item in items:
        long_sentences = {" ".join(s.lower().split()) for s in sentences(item.body) if len(s.split()) >= 12}
        keys = {item.title.lower()} | long_sentences
        if keys & seen:
            continue
        seen |= keys
        out.append(item)
    return out


@dataclass(frozen=True)
class Score:
    """Pairwise precision and recall, per-perturbation recall, and the false pairs."""

    precision: float
    recall: float
    true_pairs: int
    predicted_pairs: int
    by_kind: dict[str, tuple[int, int]]
    false_pairs: list[tuple[str, str]]
    ms_per_doc: float


def score(items: list[Item], settings: Settings | None = None) -> Score:
    """Group the labelled set in a fresh grouper and score it pairwise."""
    grouper = Grouper(settings)
    started = time.process_time()
    for item in items:
        grouper.add(item)
    elapsed = time.process_time() - started
    groups = grouper.assignments()
    family = {i.id: i.family for i in items}
    predicted = _pairs(Counter(g for g, _ in groups.values()), groups, lambda v: v[0])
    by_family: dict[str, list[str]] = defaultdict(list)
    for doc_id, fam in family.items():
        by_family[fam].append(doc_id)
    truth = {tuple(sorted(p)) for members in by_family.values() for p in itertools.combinations(members, 2)}
    hits = predicted & truth
    by_kind: dict[str, tuple[int, int]] = {}
    for item in items:
        if item.kind in PERTURBATIONS:
            found, total = by_kind.get(item.kind, (0, 0))
            same = groups[item.id][0] == groups[item.family][0]
            by_kind[item.kind] = (found + same, total + 1)
    return Score(len(hits) / max(1, len(predicted)), len(hits) / max(1, len(truth)), len(truth), len(predicted),
                 by_kind, sorted(predicted - truth), 1000 * elapsed / len(items))


def _pairs(sizes: Counter[str], groups: dict[str, tuple[str, str]], key: Callable) -> set[tuple[str, str]]:
    members: dict[str, list[str]] = defaultdict(list)
    for doc_id, value in groups.items():
        members[key(value)].append(doc_id)
    return {tuple(sorted(p)) for m in members.values() if len(m) > 1 for p in itertools.combinations(m, 2)}


def report(result: Score, items: list[Item]) -> Iterator[str]:
    """Lines describing a score."""
    by_id = {i.id: i for i in items}
    yield (f"{len(items)} articles, {result.true_pairs} true pairs, {result.predicted_pairs} predicted: "
           f"precision {result.precision:.4f}, recall {result.recall:.4f}, {result.ms_per_doc:.2f} ms CPU/article")
    for kind, (found, total) in sorted(result.by_kind.items()):
        yield f"  recall {kind:20s} {found}/{total} = {found / total:.3f}"
    for a, b in result.false_pairs[:15]:
        yield f"  false pair: {by_id[a].kind}:{by_id[a].title[:50]!r} ~ {by_id[b].kind}:{by_id[b].title[:50]!r}"


def build(reuters_lines: int = 2500, bbc_count: int = 700, seed: int = 12, reserve_lines: int = 1500) -> list[Item]:
    """The standard labelled set of this benchmark."""
    rng = random.Random(seed)
    news = distinct_originals(reuters(reuters_lines + reserve_lines))
    cut = next((n for n, item in enumerate(news) if item.published and item.published > news[0].published
                and n >= len(news) * reuters_lines // (reuters_lines + reserve_lines)), len(news))
    stories = distinct_originals(bbc())
    rng.shuffle(stories)
    pool = news[:cut] + stories[:bbc_count]
    return labelled_set(pool, news[cut:] + stories[bbc_count:], seed)


def sample_report(count: int, entities: bool, state: Path | None) -> Iterator[str]:
    """Copy groups and stories on the first ``count`` Reuters articles, parsed as the indexer parses them."""
    from newsearch.documents import DocumentError, Raw, parse_raw, with_entities
    from newsearch.entities import default_extractor

    extractor = default_extractor() if entities else None
    docs = []
    with lzma.open(REUTERS, "rb") as f:
        for number, line in enumerate(itertools.islice(f, count), start=1):
            try:
                doc = parse_raw(Raw(f"reuters:{number}", "json", line, f"reuters:{number}", "Reuters"))
            except DocumentError:
                continue
            docs.append(with_entities(doc, extractor) if extractor else doc)
    grouper = Grouper()
    started = time.process_time()
    for doc in docs:
        grouper.add(doc)
    elapsed = time.process_time() - started
    articles, groups, stories = grouper.counts()
    yield (f"{articles} articles: {groups} copy groups, {stories} stories; "
           f"{1000 * elapsed / articles:.2f} ms CPU/article (entities: {entities})")
    by_id = {d.id: d for d in docs}
    for label, clusters, members in (("copy group", grouper.groups, grouper.members),
                                     ("story", grouper.story_clusters, grouper.story_members)):
        sizes = Counter(clusters.of.values())
        yield f"  {label} sizes: " + ", ".join(f"{n}: {k}" for n, k in sorted(Counter(sizes.values()).items()))
        for cid, n in sizes.most_common(6):
            shown = [f"{by_id[m].published:%m-%d} {by_id[m].title[:50]}" for m in members(cid)[:4]]
            yield f"  {label} of {n}: {shown}"
    if state:
        grouper.save(state)
        size = sum(p.stat().st_size for p in state.iterdir())
        yield f"  state saved in {state}: {size / 1e6:.1f} MB on disk"


def compare(items: list[Item]) -> Iterator[str]:
    """Candidate search compared: our bottom-k anchors, datasketch MinHash LSH, and 64-bit SimHash.

    Recall here is the share of true (copy, original) pairs that the method proposes as candidates
    (our verification then decides); needs ``pip install datasketch`` (not a dependency of the project).
    """
    import numpy as np
    from datasketch import MinHash, MinHashLSH

    from newsearch.copies import TokenCodes, shingle_hashes, tokens

    codes, by_id = TokenCodes(), {i.id: i for i in items}
    hashes = {i.id: shingle_hashes(codes.codes(tokens(i.body) if len(i.body.split()) >= 30
                                               else tokens(i.title + " " + i.body)), 4) for i in items}
    truth = [(i.id, i.family) for i in items if i.kind in PERTURBATIONS]
    grouper = Grouper()
    for item in items:
        grouper.add(item)
    anchors = {i.id: set(grouper.copies.sketches[grouper.numbers[i.id]].anchors.tolist()) for i in items}
    found = sum(bool(anchors[a] & anchors[b]) for a, b in truth)
    yield f"bottom-8 anchors: candidate recall {found / len(truth):.4f}"
    for threshold in (0.5, 0.3):
        started = time.process_time()
        lsh = MinHashLSH(threshold=threshold, num_perm=128)
        sketches = {}
        for item in items:
            m = MinHash(num_perm=128, hashfunc=int)
            m.update_batch((hashes[item.id] & np.uint64(0xFFFFFFFF)).tolist())
            sketches[item.id] = m
            lsh.insert(item.id, m)
        candidates = {i.id: set(lsh.query(sketches[i.id])) for i in items}
        ms = 1000 * (time.process_time() - started) / len(items)
        found = sum(b in candidates[a] for a, b in truth)
        pairs = sum(len(c) - 1 for c in candidates.values()) // 2
        yield (f"datasketch MinHashLSH threshold {threshold}: candidate recall {found / len(truth):.4f}, "
               f"{pairs} candidate pairs, {ms:.2f} ms CPU/article (sketch, insert, query)")
    bits = np.arange(64, dtype=np.uint64)
    prints = {}
    for doc_id, h in hashes.items():
        votes = (((h[:, None] >> bits) & np.uint64(1)).astype(np.int64) * 2 - 1).sum(axis=0) if len(h) else bits
        prints[doc_id] = int(sum(1 << int(b) for b in np.flatnonzero(votes > 0)))
    for distance in (3, 6, 10):
        found = sum((prints[a] ^ prints[b]).bit_count() <= distance for a, b in truth)
        yield f"SimHash 64-bit, Hamming <= {distance}: recall {found / len(truth):.4f}"
    negatives = [(a.id, b.id) for a, b in zip(items, items[1:], strict=False) if a.family != b.family]
    for distance in (3, 6, 10):
        wrong = sum((prints[a] ^ prints[b]).bit_count() <= distance for a, b in negatives)
        yield f"SimHash 64-bit, Hamming <= {distance}: {wrong} of {len(negatives)} unrelated neighbour pairs within"
    del by_id


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=0, help="also group this many Reuters articles and report")
    parser.add_argument("--entities", action="store_true", help="extract entities for the sample (slower)")
    parser.add_argument("--state", type=Path, help="save the sample's grouper state into this folder")
    parser.add_argument("--no-labelled", action="store_true", help="skip the labelled set")
    parser.add_argument("--compare", action="store_true", help="compare candidate search methods (needs datasketch)")
    args = parser.parse_args()
    if not args.no_labelled:
        items = build()
        for line in report(score(items), items):
            print(line, flush=True)
        if args.compare:
            for line in compare(items):
                print(line, flush=True)
    if args.sample:
        for line in sample_report(args.sample, args.entities, args.state):
            print(line, flush=True)


if __name__ == "__main__":
    main()
