"""Search benchmark: a fixed mix of query kinds against the Reuters 2006-2013 index.

    python bench/search.py [--index-dir DIR] [--queries 240]

Build the index first with bench/ingest.py. By default the run starts after the index's
warm-up (as a server does); --cold measures every posting list decoded on first use.
Every request returns 10 highlighted results plus every facet with disjunctive counts and
the date histogram. Each kind of query is reported apart: broad words, mid words, two words,
two-word phrases of common words, ORs of common words, several phrases OR'd, prefixes,
filters only, and words with a date range or an entity filter. In the same run the same mix
goes through SQLite FTS5 (MATCH, bm25, snippet(), GROUP BY counts); the ratio compares medians.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import load, percentile, summary  # noqa: E402
from newsearch.facets import ENTITY_FACETS  # noqa: E402
from newsearch.results import SearchRequest  # noqa: E402
from newsearch.search import SearchEngine, Snapshot  # noqa: E402

DEFAULT_INDEX = Path(tempfile.gettempdir()) / "newsearch-bench" / "index"
KINDS = ("broad word", "two broad words", "mid word", "two words", "common phrase", "OR of common words",
         "phrases OR'd", "prefix", "filters only", "word + entity", "word + dates")


@dataclass(frozen=True)
class Case:
    kind: str
    q: str
    fts: str  # the same query in FTS5's syntax
    date_from: date | None = None
    date_to: date | None = None
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def broad(self) -> bool:
        return self.kind in ("broad word", "two broad words", "OR of common words")


def vocabulary(snap: Snapshot) -> tuple[list[str], list[str], list[str]]:
    """Body words by document frequency: broad (>30%), medium (1-10%), narrow (0.05-0.5%)."""
    reader = snap.searcher.reader()
    n = reader.doc_count()
    broad, medium, narrow = [], [], []
    for term, info in reader.iter_field("body"):
        word = term.decode() if isinstance(term, bytes) else term
        if not word.isalpha() or len(word) < 3:
            continue
        df = info.doc_frequency() / n
        (broad if df > 0.3 else medium if 0.01 <= df <= 0.1 else narrow if 0.0005 <= df <= 0.005 else []).append(word)
    return broad, medium, narrow


def common_phrases(snap: Snapshot, broad: list[str], rng: random.Random, count: int) -> list[tuple[str, str]]:
    """Two-word phrases of frequent words that really occur (read from a sample of articles)."""
    reader = snap.searcher.reader()
    common = set(broad)
    seen: dict[tuple[str, str], int] = {}
    for docnum in rng.sample(list(reader.all_doc_ids()), 300):
        from newsearch.analysis import words

        ws = words(reader.stored_fields(docnum)["meta"]["body"])
        for a, b in zip(ws, ws[1:], strict=False):
            if a in common or b in common:
                seen[(a, b)] = seen.get((a, b), 0) + 1
    ranked = [p for p, n in sorted(seen.items(), key=lambda x: -x[1]) if n >= 3 and all(w.isalpha() for w in p)]
    return ranked[:count] or [("last", "year")]


def make_mix(snap: Snapshot, count: int, seed: int = 7) -> list[Case]:
    rng = random.Random(seed)
    broad, medium, narrow = vocabulary(snap)
    phrases = common_phrases(snap, broad, rng, 60)
    top = snap.search(SearchRequest(per_page=1))
    facet_values = {spec.name: [v.value for v in top.facets[spec.name].values] for spec in ENTITY_FACETS}
    days = [b.value for b in top.date.values]
    cases: list[Case] = []
    for i in range(count):
        kind = KINDS[i % len(KINDS)]
        cases.append(_case(kind, rng, broad, medium, narrow, phrases, facet_values, days))
    return cases


def _case(kind: str, rng: random.Random, broad: list[str], medium: list[str], narrow: list[str],  # noqa: PLR0913
          phrases: list[tuple[str, str]], facet_values: dict[str, list[str]], days: list[str]) -> Case:
    def quoted(p: tuple[str, str]) -> str:
        return f'"{p[0]} {p[1]}"'

    if kind == "broad word":
        w = rng.choice(broad)
        return Case(kind, w, f'"{w}"')
    if kind == "two broad words":
        a, b = rng.sample(broad, 2)
        return Case(kind, f"{a} {b}", f'"{a}" AND "{b}"')
    if kind == "mid word":
        w = rng.choice(medium)
        return Case(kind, w, f'"{w}"')
    if kind == "two words":
        a, b = rng.choice(medium), rng.choice(narrow)
        return Case(kind, f"{a} {b}", f'"{a}" AND "{b}"')
    if kind == "common phrase":
        p = rng.choice(phrases)
        return Case(kind, quoted(p), quoted(p))
    if kind == "OR of common words":
        ws = rng.sample(broad, 3)
        return Case(kind, " OR ".join(ws), " OR ".join(f'"{w}"' for w in ws))
    if kind == "phrases OR'd":
        ps = rng.sample(phrases, 4)
        return Case(kind, " OR ".join(map(quoted, ps)), " OR ".join(map(quoted, ps)))
    if kind == "prefix":
        w = rng.choice(medium)[:4]
        return Case(kind, f"{w}*", f"{w}*")
    if kind == "filters only":
        name = rng.choice(list(facet_values))
        return Case(kind, "", "", filters={name: (rng.choice(facet_values[name]),)})
    if kind == "word + entity":
        name = rng.choice(list(facet_values))
        w = rng.choice(medium)
        return Case(kind, w, f'"{w}"', filters={name: (rng.choice(facet_values[name]),)})
    w = rng.choice(medium)
    if not days:  # an undated corpus: the range holds nothing, and the request still counts every facet
        return Case(kind, w, f'"{w}"', date_from=date(2000, 1, 1), date_to=date(2000, 12, 31))
    start = date.fromisoformat(rng.choice(days[:-12] or days))
    return Case(kind, w, f'"{w}"', date_from=start, date_to=date(start.year + 1, start.month, 1))


def ours(snap: Snapshot, case: Case) -> int:
    request = SearchRequest.of(q=case.q, date_from=case.date_from, date_to=case.date_to, **case.filters)
    return snap.search(request).total


def build_fts(snap: Snapshot, path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE VIRTUAL TABLE fts USING fts5(title, body, tokenize='unicode61');
        CREATE TABLE docs(rowid INTEGER PRIMARY KEY, day TEXT, source TEXT);
        CREATE TABLE ents(rowid INTEGER, facet TEXT, value TEXT);
        CREATE INDEX ents_value ON ents(facet, value, rowid);
        CREATE INDEX ents_row ON ents(rowid);
        CREATE INDEX docs_day ON docs(day);
    """)
    rows, ents = [], []
    for docnum, stored in snap.searcher.reader().iter_docs():
        meta = stored["meta"]
        rows.append((docnum, meta["title"], meta["body"], (meta["published"] or "")[:10], meta["source"]))
        for spec in ENTITY_FACETS:
            ents.extend((docnum, spec.name, v) for v in meta[spec.doc_attr])
    db.executemany("INSERT INTO fts(rowid, title, body) VALUES (?, ?, ?)", [(r[0], r[1], r[2]) for r in rows])
    db.executemany("INSERT INTO docs VALUES (?, ?, ?)", [(r[0], r[3], r[4]) for r in rows])
    db.executemany("INSERT INTO ents VALUES (?, ?, ?)", ents)
    db.commit()
    return db


def fts5(db: sqlite3.Connection, case: Case) -> int:
    where, args = (["fts MATCH ?"], [case.fts]) if case.fts else (["1"], [])
    if case.date_from:
        where.append("docs.day BETWEEN ? AND ?")
        args += [case.date_from.isoformat(), case.date_to.isoformat()]  # type: ignore[union-attr]
    for name, values in case.filters.items():
        where.append("fts.rowid IN (SELECT rowid FROM ents WHERE facet = ? AND value = ?)")
        args += [name, values[0]]
    cond = " AND ".join(where)
    base = f"FROM fts JOIN docs ON docs.rowid = fts.rowid WHERE {cond}"
    if not case.fts:  # filters only: FTS5 cannot scan without MATCH, so read the documents table
        base = f"FROM docs JOIN fts ON fts.rowid = docs.rowid WHERE {cond}"
    db.execute("CREATE TEMP TABLE IF NOT EXISTS hits(rowid INTEGER PRIMARY KEY)")
    db.execute("DELETE FROM hits")
    db.execute(f"INSERT INTO hits SELECT fts.rowid {base}", args)
    total = db.execute("SELECT count(*) FROM hits").fetchone()[0]
    db.execute(f"SELECT fts.rowid, snippet(fts, 1, '<mark>', '</mark>', '…', 30), "
               f"highlight(fts, 0, '<mark>', '</mark>') {base} "
               f"{'ORDER BY bm25(fts, 2.0, 1.0) ' if case.fts else ''}LIMIT 10", args).fetchall()
    db.execute("SELECT docs.source, count(*) FROM hits JOIN docs USING(rowid) "
               "GROUP BY 1 ORDER BY 2 DESC LIMIT 10").fetchall()
    for spec in ENTITY_FACETS:
        name = spec.name
        db.execute("SELECT value, count(*) FROM hits JOIN ents USING(rowid) WHERE facet = ? "
                   "GROUP BY value ORDER BY 2 DESC LIMIT 10", [name]).fetchall()
    db.execute("SELECT substr(day, 1, 7), count(*) FROM hits JOIN docs USING(rowid) GROUP BY 1").fetchall()
    return int(total)


def timed(label: str, run, cases: list[Case]) -> tuple[list[float], list[int]]:  # type: ignore[no-untyped-def]
    run(cases[0])  # warm up caches the way a running server has them
    times, totals = [], []
    for case in cases:
        t0 = time.perf_counter()
        totals.append(run(case))
        times.append((time.perf_counter() - t0) * 1000)
    print(f"{label}: {summary(times)}; {load()}")
    return times, totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index-dir", type=Path, default=DEFAULT_INDEX)
    parser.add_argument("--queries", type=int, default=242)
    parser.add_argument("--cold", action="store_true", help="no warm-up: every posting list decoded on first use")
    parser.add_argument("--no-fts", action="store_true", help="skip the SQLite FTS5 baseline")
    parser.add_argument("--backend", choices=("whoosh", "sphinx"), default="whoosh",
                        help="sphinx: also run the mix on a local searchd cluster (3 shards x 2 mirrors) "
                             "loaded from the same index")
    args = parser.parse_args()
    engine = SearchEngine(args.index_dir, warm=not args.cold)
    t0 = time.perf_counter()
    snap = engine.snapshot()
    print(f"opened index of {snap.columns.live_count:,} articles; facet arrays loaded in "
          f"{time.perf_counter() - t0:.2f}s; {load()}")
    if not args.cold:
        engine.wait_warm()
        print(f"warm-up (frequent terms decoded in the background) done {time.perf_counter() - t0:.1f}s after opening")
    cases = make_mix(snap, args.queries)
    our_times, our_totals = timed(f"newsearch, {len(cases)} queries", lambda c: ours(snap, c), cases)
    for kind in KINDS:
        these = [(t, n) for t, n, c in zip(our_times, our_totals, cases, strict=True) if c.kind == kind]
        if these:
            print(f"  {kind:<20} ({len(these)}, mean {statistics.mean(n for _, n in these):,.0f} matched): "
                  f"{summary([t for t, _ in these])}")
    slowest = sorted(zip(our_times, cases, strict=True), key=lambda x: -x[0])[:8]
    print("  slowest: " + "; ".join(f"{c.q or c.filters} ({c.kind}) {t:.0f} ms" for t, c in slowest))
    ratio = None
    if not args.no_fts:
        with tempfile.TemporaryDirectory() as tmp:
            t1 = time.perf_counter()
            db = build_fts(snap, Path(tmp) / "fts.db")
            print(f"FTS5 table built in {time.perf_counter() - t1:.0f}s")
            fts_times, fts_totals = timed(f"SQLite FTS5, {len(cases)} queries", lambda c: fts5(db, c), cases)
            db.close()
        ratio = statistics.median(fts_times) / statistics.median(our_times)
        print(f"ratio of medians on the same queries: FTS5 / newsearch = {ratio:.1f}x")
    print(json.dumps({"p50_ms": round(statistics.median(our_times), 1), "p95_ms": round(percentile(our_times, 95), 1),
                      "p99_ms": round(percentile(our_times, 99), 1), "fts5_ratio": ratio and round(ratio, 1)}))
    if args.backend == "sphinx":
        sphinx_bench(args.index_dir, cases, our_times, our_totals)
    engine.close()


def sphinx_bench(index_dir: Path, cases: list[Case], whoosh_times: list[float], whoosh_totals: list[int]) -> None:
    """The same mix on the SphinxQL backend: ingest rate, p50/p95, totals that differ, memory of each searchd."""
    from newsearch.sphinx.local import cpu_seconds, local_cluster, memory, stored_articles

    with tempfile.TemporaryDirectory() as tmp, local_cluster(Path(tmp), stored_articles(index_dir)) as (
            cluster, sphinx, ingest):
        print(f"sphinx ingest: {ingest.written:,} articles in {ingest.seconds:.1f}s = {ingest.per_second:,.0f}/s "
              f"(rows to 6 searchd + dictionary, from stored articles), per shard {ingest.per_shard}; {load()}")
        cpu_before, client_before = cpu_seconds(cluster), time.process_time()
        times, totals = timed(f"sphinx, {len(cases)} queries", lambda c: ours(sphinx.snapshot(), c), cases)
        cpu_after = cpu_seconds(cluster)
        used = {name: cpu_after[name] - s for name, s in cpu_before.items()}
        print(f"CPU per request: searchd {sum(used.values()) * 1000 / len(cases):.1f} ms "
              f"(front {used['front'] * 1000 / len(cases):.1f} ms), this client (Python) "
              f"{(time.process_time() - client_before) * 1000 / len(cases):.1f} ms")
        for kind in KINDS:
            these = [t for t, c in zip(times, cases, strict=True) if c.kind == kind]
            print(f"  {kind:<20} {summary(these)}")
        differ = sum(a != b for a, b in zip(totals, whoosh_totals, strict=True))
        ratio = statistics.median(times) / statistics.median(whoosh_times)
        print(f"totals that differ from Whoosh: {differ} of {len(cases)}; ratio of medians sphinx / whoosh = "
              f"{ratio:.2f}x; searchd resident MB: {memory(cluster)}")
        print(json.dumps({"sphinx_p50_ms": round(statistics.median(times), 1),
                          "sphinx_p95_ms": round(percentile(times, 95), 1), "sphinx_ingest_per_s": round(
                              ingest.per_second), "sphinx_whoosh_ratio": round(ratio, 2), "totals_differ": differ}))


if __name__ == "__main__":
    main()
