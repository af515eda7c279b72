"""Research views benchmark: /api/attention, /api/compare (5 queries) and /api/topwords, in process.

    python bench/research.py --index-dir /work/bench-index-r21578-research [--rounds 3]

Requests go through the Flask test client (parameters, engine, JSON), after the index's warm-up
and after one untimed request per view (the top-words term table is built on first use and
reported apart). Queries are words drawn from the index's own frequent vocabulary, with and
without an entity filter, so the run does not depend on a hand-picked list.
Targets (on the 106k corpus): attention p95 <= 60 ms, compare p95 <= 150 ms, topwords p95 <= 250 ms.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import load, percentile, summary  # noqa: E402
from newsearch import research  # noqa: E402
from newsearch.web import create_app, engine  # noqa: E402

TARGETS = {"attention": 60.0, "compare": 150.0, "topwords": 250.0}


def vocabulary(app: object, count: int, seed: int = 7) -> tuple[list[str], list[str]]:
    """Query words (mid-frequency candidates of the term table) and places to filter on."""
    with app.app_context():  # type: ignore[attr-defined]
        snap = engine(app).snapshot()  # type: ignore[arg-type]
        started = time.perf_counter()
        table = research.term_table(snap)
        print(f"top-words term table: {len(table.terms):,} terms, {len(table.ids):,} postings, "
              f"built in {time.perf_counter() - started:.2f} s")
        ranked = [t for t, df in zip(table.terms, table.corpus.tolist(), strict=True) if 30 <= df <= table.live // 20]
        places = snap.columns.facets["places"]
        counts = places.counts(snap.columns.live)
        top_places = [places.values[i] for i in counts.argsort()[::-1][:20]]
    rng = random.Random(seed)
    return rng.sample(ranked, min(count, len(ranked))), top_places


def urls(words: list[str], places: list[str], seed: int = 11) -> dict[str, list[str]]:
    rng = random.Random(seed)
    out: dict[str, list[str]] = {"attention": [], "compare": [], "topwords": []}
    for i, word in enumerate(words):
        filters = {"place": rng.choice(places)} if i % 3 == 0 else {}
        interval = rng.choice(["auto", "week", "month"])
        out["attention"].append("/api/attention?" + urlencode({"q": word, "interval": interval,
                                                                "normalise": i % 2, **filters}))
        out["topwords"].append("/api/topwords?" + urlencode({"q": word, **filters}))
        five = [word, *rng.sample(words, 4)]
        params = {f"q{n}": w for n, w in enumerate(five, 1)}
        params.update({f"place{n}": rng.choice(places) for n in (2, 4)})
        out["compare"].append("/api/compare?" + urlencode({**params, "interval": interval}))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    app = create_app({"TESTING": True, "INDEX_DIR": str(args.index_dir)})
    engine(app).wait_warm(300)  # type: ignore[attr-defined]
    words, places = vocabulary(app, args.queries)
    client = app.test_client()
    print(load())
    failed = False
    for view, batch in urls(words, places).items():
        client.get(batch[0])  # first use (term table, cold postings) is not what the p95 is about
        times = []
        for _ in range(args.rounds):
            for url in batch:
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise SystemExit(f"{url}: {response.status_code} {response.get_data(as_text=True)[:300]}")
        p95 = percentile(times, 95)
        verdict = "ok" if p95 <= TARGETS[view] else "OVER"
        failed |= verdict != "ok"
        print(f"{view:10s} {summary(times)}; target p95 <= {TARGETS[view]:.0f} ms: {verdict}")
    print(load())
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
