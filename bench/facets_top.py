"""Top entity facet values of a corpus, before and after corpus-level resolution.

    python bench/facets_top.py ../shared/corpora/reuters21578.jsonl.gz [--limit N] [--top 60] [--raw]
        [--aliases FILE] [--save-stats FILE]

Runs the indexer's own path (parse_raw, then with_entities) over a JSON Lines corpus, counts
articles per facet value, builds the resolution table (newsearch.resolve) and prints the top
values of people, organizations and places with their article counts. For Reuters-21578 it also
prints article-level agreement of our places with the corpus's gold `places` codes (usa,
west-germany...): recall of the gold codes, and precision of our places that name a country
code the gold list uses at all. --raw prints the unresolved values too (the "before" view).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from newsearch.documents import DocumentError, Raw, parse_raw, with_entities  # noqa: E402
from newsearch.entities import default_extractor  # noqa: E402
from newsearch.nereval import open_text  # noqa: E402

FACETS = (("people", "PER"), ("organizations", "ORG"), ("places", "LOC"))
GOLD_CODES = {"united states": "usa", "united kingdom": "uk", "soviet union": "ussr", "ussr": "ussr",
              "west germany": "west-germany", "east germany": "east-germany", "germany": "west-germany",
              "south korea": "south-korea", "north korea": "north-korea", "hong kong": "hong-kong",
              "new zealand": "new-zealand", "saudi arabia": "saudi-arabia", "south africa": "south-africa",
              "united arab emirates": "uae", "ivory coast": "ivory-coast", "sri lanka": "sri-lanka",
              "el salvador": "el-salvador", "costa rica": "costa-rica", "puerto rico": "puerto-rico",
              "dominican republic": "dominican-republic", "taiwan": "taiwan", "china": "china"}


def gold_code(name: str) -> str:
    """Our place name as a Reuters-21578 place code (United States -> usa)."""
    key = " ".join(name.lower().replace(".", "").split())
    return GOLD_CODES.get(key, key.replace(" ", "-"))


def read_documents(path: Path, limit: int | None) -> list[tuple[object, list[str]]]:
    """(Document with entities, gold place codes) per article that parses."""
    extractor = default_extractor()
    out = []
    with open_text(path) as f:
        for number, line in enumerate(f, 1):
            if limit and number > limit:
                break
            rec = json.loads(line)
            try:
                doc = parse_raw(Raw(f"{path}:{number}", "json", line, f"{path.name}-{number}"))
            except DocumentError:
                continue
            out.append((with_entities(doc, extractor), rec.get("places") or []))
    return out


def top(counts: Counter[tuple[str, str]], kind: str, n: int) -> list[tuple[str, int]]:
    """The n most frequent names of one kind."""
    return [(name, c) for (k, name), c in counts.most_common() if k == kind][:n]


def print_top(title: str, counts: Counter[tuple[str, str]], n: int) -> None:
    """Top n per facet, in columns of 'count name'."""
    for facet, kind in FACETS:
        print(f"\n## {title}: {facet} (top {n} of {sum(1 for k, _ in counts if k == kind)} values)")
        for rank, (name, c) in enumerate(top(counts, kind, n), 1):
            print(f"{rank:3d} {c:6d}  {name}")


def place_agreement(resolved: list[set[tuple[str, str]]], gold: list[list[str]]) -> str:
    """Recall of gold place codes, and precision of our places that are gold-vocabulary countries."""
    vocabulary = {code for codes in gold for code in codes}
    found = wanted = predicted = correct = exact = tagged = 0
    for values, codes in zip(resolved, gold, strict=True):
        if not codes:
            continue
        tagged += 1
        ours = {gold_code(name) for kind, name in values if kind == "LOC"} & vocabulary
        found += len(ours & set(codes))
        wanted += len(codes)
        predicted += len(ours)
        correct += len(ours & set(codes))
        exact += ours == set(codes)
    return (f"gold places: {tagged} articles with codes; recall {found / max(wanted, 1):.3f}, "
            f"precision {correct / max(predicted, 1):.3f} (our places in the gold code list), "
            f"exact set match {exact / max(tagged, 1):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path)
    parser.add_argument("--limit", type=int, default=None, help="read only the first N lines")
    parser.add_argument("--top", type=int, default=60)
    parser.add_argument("--raw", action="store_true", help="also print the values before resolution")
    parser.add_argument("--aliases", type=Path, default=None, help="a user alias file (TSV)")
    parser.add_argument("--save-stats", type=Path, default=None, help="write the EntityStats JSON here")
    args = parser.parse_args()
    started = time.process_time()
    docs = read_documents(args.file, args.limit)
    cpu = time.process_time() - started
    print(f"{len(docs)} documents from {args.file.name}; extraction {cpu:.0f} CPU-s "
          f"({1000 * cpu / max(len(docs), 1):.1f} ms/article, load {os.getloadavg()[0]:.2f})")
    raw_values = [{(k, n) for f, k in FACETS for n in getattr(doc, f)} for doc, _ in docs]
    if args.raw:
        print_top("raw values", Counter(v for values in raw_values for v in values), args.top)
    resolved = resolve_all(docs, raw_values, args)
    print_top("resolved", Counter(v for values in resolved for v in values), args.top)
    if any(gold for _, gold in docs):
        print("\nraw:      " + place_agreement(raw_values, [g for _, g in docs]))
        print("resolved: " + place_agreement(resolved, [g for _, g in docs]))


def resolve_all(docs: list[tuple[object, list[str]]], raw_values: list[set[tuple[str, str]]],
                args: argparse.Namespace) -> list[set[tuple[str, str]]]:
    """Every document's values through a table built from the whole sample."""
    from newsearch.resolve import EntityStats, build_table, resolve_values

    stats = EntityStats()
    for doc, _ in docs:
        stats.add_document(doc)
    if args.save_stats:
        stats.save(args.save_stats)
    table = build_table(stats, args.aliases)
    return [set(resolve_values(table, sorted(values))) for values in raw_values]


if __name__ == "__main__":
    main()
