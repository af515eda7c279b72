"""Search benchmark: a fixed mix of queries against the Reuters 2006-2013 index.

    python bench/search.py [--index-dir DIR] [--queries 240] [--baseline-queries 20]

Build the index first with bench/ingest.py. By default the run starts after the index's
warm-up (as a server does); --cold measures every posting list decoded on first use.
Every request returns 10 highlighted results plus all five facets with disjunctive counts.
In the same run the same mix goes through naive Whoosh (groupedby facets, DateRange filter,
Whoosh's highlighter) and SQLite FTS5 (MATCH, bm25, snippet(), GROUP BY counts); the ratios
compare medians. A third of the queries are
broad (their words are in over 30% of the articles).
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
from datetime import date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from whoosh import highlight as whoosh_highlight  # noqa: E402
from whoosh import sorting  # noqa: E402
from whoosh.qparser import AndGroup, MultifieldParser  # noqa: E402
from whoosh.query import DateRange  # noqa: E402

from bench.common import load, percentile, summary  # noqa: E402
from newsearch.search import SearchEngine, SearchRequest, Snapshot  # noqa: E402

DEFAULT_INDEX = Path(tempfile.gettempdir()) / "newsearch-bench" / "index"


@dataclass(frozen=True)
class Case:
    words: tuple[str, ...]
    phrase: bool = False
    date_from: date | None = None
    date_to: date | None = None
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    broad: bool = False

    def q(self) -> str:
        return f'"{" ".join(self.words)}"' if self.phrase else " ".join(self.words)


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


def make_mix(snap: Snapshot, count: int, seed: int = 7) -> list[Case]:
    rng = random.Random(seed)
    broad, medium, narrow = vocabulary(snap)
    top = snap.search(SearchRequest(per_page=1))
    facet_values = {name: [v.value for v in top.facets[name].values] for name in ("people", "organizations", "places")}
    days = [b.value for b in top.date.values]
    cases: list[Case] = []
    for i in range(count):
        kind = i % 6
        if kind in (0, 3):  # broad: a third of the mix
            cases.append(Case((rng.choice(broad),) if kind == 0 else tuple(rng.sample(broad, 2)), broad=True))
        elif kind == 1:
            cases.append(Case((rng.choice(medium), rng.choice(narrow))))
        elif kind == 2:
            name = rng.choice(list(facet_values))
            cases.append(Case((rng.choice(medium),), filters={name: (rng.choice(facet_values[name]),)}))
        elif kind == 4:
            start = date.fromisoformat(rng.choice(days[:-12] or days))
            cases.append(Case((rng.choice(medium),), date_from=start, date_to=date(start.year + 1, start.month, 1)))
        else:
            cases.append(Case((rng.choice(medium), rng.choice(medium)), phrase=rng.random() < 0.5))
    return cases


def ours(snap: Snapshot, case: Case) -> int:
    request = SearchRequest(q=case.q(), date_from=case.date_from, date_to=case.date_to,
                            **{k: v for k, v in case.filters.items()})
    return snap.search(request).total


FIELD = {"people": "f_person", "organizations": "f_org", "places": "f_place", "source": "f_source"}


def naive_whoosh(snap: Snapshot, case: Case) -> int:
    searcher = snap.searcher
    parser = MultifieldParser(["title", "body"], snap.schema, group=AndGroup)
    query = parser.parse(case.q())
    for name, values in case.filters.items():
        query = query & parser.parse(f'{FIELD[name]}:"{values[0]}"')
    date_filter = None
    if case.date_from:
        date_filter = DateRange("published", datetime.combine(case.date_from, datetime.min.time()),
                                datetime.combine(case.date_to, datetime.max.time()))
    facets = {name: sorting.FieldFacet(f, allow_overlap=True, maptype=sorting.Count) for name, f in FIELD.items()}
    results = searcher.search(query, limit=10, groupedby=facets, filter=date_filter)
    results.fragmenter = whoosh_highlight.ContextFragmenter()
    results.formatter = whoosh_highlight.HtmlFormatter(tagname="mark")
    for hit in results:
        meta = hit["meta"]
        results.highlighter.highlight_hit(hit, "body", text=meta["body"], top=3)
    for name in facets:
        results.groups(name)
    return len(results)


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
        for name in ("people", "organizations", "places"):
            ents.extend((docnum, name, v) for v in meta[name])
    db.executemany("INSERT INTO fts(rowid, title, body) VALUES (?, ?, ?)", [(r[0], r[1], r[2]) for r in rows])
    db.executemany("INSERT INTO docs VALUES (?, ?, ?)", [(r[0], r[3], r[4]) for r in rows])
    db.executemany("INSERT INTO ents VALUES (?, ?, ?)", ents)
    db.commit()
    return db


def fts5(db: sqlite3.Connection, case: Case) -> int:
    match = f'"{" ".join(case.words)}"' if case.phrase else " AND ".join(f'"{w}"' for w in case.words)
    where, args = ["fts MATCH ?"], [match]
    if case.date_from:
        where.append("docs.day BETWEEN ? AND ?")
        args += [case.date_from.isoformat(), case.date_to.isoformat()]  # type: ignore[union-attr]
    for name, values in case.filters.items():
        where.append("fts.rowid IN (SELECT rowid FROM ents WHERE facet = ? AND value = ?)")
        args += [name, values[0]]
    cond = " AND ".join(where)
    base = f"FROM fts JOIN docs ON docs.rowid = fts.rowid WHERE {cond}"
    db.execute("CREATE TEMP TABLE IF NOT EXISTS hits(rowid INTEGER PRIMARY KEY)")
    db.execute("DELETE FROM hits")
    db.execute(f"INSERT INTO hits SELECT fts.rowid {base}", args)
    total = db.execute("SELECT count(*) FROM hits").fetchone()[0]
    db.execute(f"SELECT fts.rowid, snippet(fts, 1, '<mark>', '</mark>', '…', 30), "
               f"highlight(fts, 0, '<mark>', '</mark>') {base} ORDER BY bm25(fts, 2.0, 1.0) LIMIT 10", args).fetchall()
    db.execute("SELECT docs.source, count(*) FROM hits JOIN docs USING(rowid) "
               "GROUP BY 1 ORDER BY 2 DESC LIMIT 10").fetchall()
    for name in ("people", "organizations", "places"):
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
    parser.add_argument("--queries", type=int, default=240)
    parser.add_argument("--cold", action="store_true", help="no warm-up: every posting list decoded on first use")
    parser.add_argument("--baseline-queries", type=int, default=20,
                        help="how many of the mix go through the (slow) naive Whoosh baseline")
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
    broad_share = sum(c.broad for c in cases) / len(cases)
    our_times, our_totals = timed(f"newsearch, {len(cases)} queries", lambda c: ours(snap, c), cases)
    broad = [(t, n) for t, n, c in zip(our_times, our_totals, cases, strict=True) if c.broad]
    print(f"  broad queries ({broad_share:.0%} of the mix, mean {statistics.mean(n for _, n in broad):,.0f} of "
          f"{snap.columns.live_count:,} articles matched): {summary([t for t, _ in broad])}")
    sub = cases[: args.baseline_queries]
    naive_times, _ = timed(f"naive Whoosh, first {len(sub)} queries", lambda c: naive_whoosh(snap, c), sub)
    with tempfile.TemporaryDirectory() as tmp:
        t1 = time.perf_counter()
        db = build_fts(snap, Path(tmp) / "fts.db")
        print(f"FTS5 table built in {time.perf_counter() - t1:.0f}s")
        fts_times, fts_totals = timed(f"SQLite FTS5, {len(cases)} queries", lambda c: fts5(db, c), cases)
        db.close()
    ours_sub = our_times[: len(sub)]
    print(f"ratios of medians on the same queries: naive Whoosh / newsearch = "
          f"{statistics.median(naive_times) / statistics.median(ours_sub):.1f}x; "
          f"FTS5 / newsearch = {statistics.median(fts_times) / statistics.median(our_times):.1f}x")
    agree = sum(a == b for a, b in zip(our_totals, fts_totals, strict=True))
    print(f"totals equal to FTS5's on {agree}/{len(cases)} queries (tokenisers differ slightly)")
    print(json.dumps({"p50_ms": round(statistics.median(our_times), 1), "p95_ms": round(percentile(our_times, 95), 1),
                      "p99_ms": round(percentile(our_times, 99), 1)}))
    engine.close()


if __name__ == "__main__":
    main()
