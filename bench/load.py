"""Load test: the real server (gunicorn, gunicorn.conf.py) over loopback, distinct faceted queries.

    python bench/load.py [--index-dir DIR] [--seconds 300] [--concurrency 8] [--front]

With --front the server is the whole set-up that `bash tools/run.sh` runs (`python -m newsearch.serve`:
nginx in front of gunicorn); without it, gunicorn alone. Starts the server on the index (build it
with bench/ingest.py), waits until its workers report the index warm (as a load balancer's
readiness check would), drives it with distinct queries from the same generator as
bench/search.py (varying page, sort and filters so no two requests are alike), and reports
requests/s, p50/p95/p99 latency, errors, and the workers' memory (RSS) at start and end.
Traffic goes only to 127.0.0.1; the loop is bounded in time.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import load, summary  # noqa: E402
from bench.search import DEFAULT_INDEX, Case, make_mix  # noqa: E402
from newsearch.facets import BY_NAME  # noqa: E402
from newsearch.search import SearchEngine  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def params(case: Case, rng: random.Random) -> str:
    args: list[tuple[str, str]] = [("q", case.q), ("page", str(rng.randint(1, 5))),
                                   ("sort", rng.choice(["relevance", "newest", "oldest"]))]
    if case.date_from:
        args += [("from", case.date_from.isoformat()), ("to", case.date_to.isoformat())]  # type: ignore[union-attr]
    for name, values in case.filters.items():
        args += [(BY_NAME[name].param, v) for v in values]
    return "/api/search?" + urlencode(args)


def worker_rss(master: int) -> dict[int, tuple[float, float]]:
    """Each worker's (private, file-backed) resident memory in MB: index file pages touched through
    the page cache count in RSS but are shared and reclaimable; growth of private memory is what leaks."""
    out = {}
    for child in Path(f"/proc/{master}/task/{master}/children").read_text().split():
        fields = dict(line.split(":", 1) for line in Path(f"/proc/{child}/status").read_text().splitlines())
        out[int(child)] = (int(fields["RssAnon"].split()[0]) / 1024, int(fields["RssFile"].split()[0]) / 1024)
    return out


def gunicorn_master(launcher: int) -> int:
    """gunicorn's master among the front server's two children (the other is nginx)."""
    for child in Path(f"/proc/{launcher}/task/{launcher}/children").read_text().split():
        if b"gunicorn" in Path(f"/proc/{child}/cmdline").read_bytes():
            return int(child)
    raise SystemExit("no gunicorn under the front server")


def drive(port: int, paths: list[str], stop_at: float, times: list[float], errors: list[str]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    i = 0
    while time.monotonic() < stop_at and i < len(paths):
        t0 = time.perf_counter()
        try:
            conn.request("GET", paths[i])
            response = conn.getresponse()
            body = response.read()
            if response.status != 200:
                errors.append(f"{response.status} {paths[i]} {body[:200]!r}")
            else:
                json.loads(body)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            errors.append(f"{type(exc).__name__} {paths[i]}")
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        times.append((time.perf_counter() - t0) * 1000)
        i += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index-dir", type=Path, default=DEFAULT_INDEX)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--front", action="store_true", help="nginx in front of gunicorn, as tools/run.sh runs it")
    args = parser.parse_args()
    engine = SearchEngine(args.index_dir)
    cases = make_mix(engine.snapshot(), 40_000, seed=11)
    engine.close()
    rng = random.Random(5)
    paths = list(dict.fromkeys(params(c, rng) for c in cases))
    env = {**os.environ, "NEWSEARCH_INDEX_DIR": str(args.index_dir), "NEWSEARCH_PORT": str(args.port)}
    command = ["-m", "newsearch.serve"] if args.front else ["-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
    server = subprocess.Popen([sys.executable, *command], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        _wait(args.port)
        _wait_warm(args.port)  # both workers have loaded the index and decoded its frequent terms
        for path in paths[-200:]:  # every worker thread opens its own searcher before the start reading
            _get(args.port, path)
        master = gunicorn_master(server.pid) if args.front else server.pid
        start_rss = worker_rss(master)
        per_thread = [paths[i::args.concurrency] for i in range(args.concurrency)]
        times: list[float] = []
        errors: list[str] = []
        stop_at = time.monotonic() + args.seconds
        started = time.monotonic()
        threads = [threading.Thread(target=drive, args=(args.port, p, stop_at, times, errors)) for p in per_thread]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        end_rss = worker_rss(master)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print("server: " + ("nginx in front of gunicorn" if args.front else "gunicorn alone"))
    print(f"{len(times):,} requests ({len(set(paths[:len(times)])):,} distinct) in {elapsed:.0f}s at concurrency "
          f"{args.concurrency}: {len(times) / elapsed:.1f} requests/s; {len(errors)} errors; {load()}")
    print(f"latency: {summary(times)}")
    for pid, (private, mapped) in start_rss.items():
        end_private, end_mapped = end_rss.get(pid, (0.0, 0.0))
        print(f"worker {pid}: private memory {private:.0f} MB at start, {end_private:.0f} MB at end "
              f"({(end_private - private) / private:+.1%}); index pages mapped {mapped:.0f} -> {end_mapped:.0f} MB")
    for line in errors[:5]:
        print("error:", line)


def _get(port: int, path: str) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path)
    conn.getresponse().read()
    conn.close()


def _wait_warm(port: int, streak: int = 20) -> None:
    """Until `streak` health checks in a row (spread over the workers) say the index is warm."""
    deadline, seen = time.monotonic() + 300, 0
    while seen < streak and time.monotonic() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", "/api/health")
        seen = seen + 1 if json.loads(conn.getresponse().read()).get("warm") else 0
        conn.close()
        time.sleep(0.1 if seen else 1.0)


def _wait(port: int) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            _get(port, "/api/health")
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("server did not start")


if __name__ == "__main__":
    main()
