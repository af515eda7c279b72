"""Hostile clients against the real front server: does a cheap query stay fast while they run?

    python bench/hostile.py [--index-dir /work/bench-index-r21578] [--seconds 30] [--rate 10]

Build the index once (about 3 minutes) and reuse it:

    newsearch rebuild-index ../shared/corpora/reuters21578.jsonl.gz --index-dir /work/bench-index-r21578

Starts the server as `bash tools/run.sh` does (`python -m newsearch.serve`: nginx in front of
gunicorn, default settings), waits until its workers report the index warm, then runs four
phases of --seconds each. Throughout each, a cheap query (one word, 10 highlighted hits and the
facets) is sent at --rate requests/s on fresh connections from 127.0.2.x (each request another
user), open loop (sent on schedule, not after the previous answer); its p50/p99 are reported
per phase with the load average. The hostile clients connect from 127.0.0.1: another address, as an attacker would be
(nginx caps requests in progress per address; --same-address shows the cap at work, and
--spread gives each hostile client its own address, so that the caps do not help). Phases:

  baseline      nothing else;
  slowloris     256 connections sending one header line every 5 s (reconnecting when cut);
  slow exports  16 clients each reading an export at 16 bytes per 10 s (reconnecting when cut);
  worst case    8 clients sending, back to back, an OR of 10 common two-word phrases (one
                refused with a 429 tries again 100 ms later).

The target is a cheap-query p99 under 250 ms in every phase. Traffic goes only to 127.0.0.1,
from loopback addresses; every loop is bounded in time and count, and the server is stopped
at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import load, percentile  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_INDEX = Path("/work/bench-index-r21578")
CHEAP = ("cocoa", "coffee", "rubber", "tin", "zinc", "sugar", "copper", "wheat")
WORST = ('"of the" OR "in the" OR "said the" OR "it said" OR "mln dlrs" OR "the company" OR "last year" '
         'OR "a share" OR "will be" OR "the bank"')
TARGET_MS = 250.0


@dataclass
class Probe:
    """The cheap query, sent on a fixed schedule; one thread per request so a slow answer delays no other.
    Each request stands for another user (127.0.2.x), unless `same` is set (then 127.0.0.1, like the attackers)."""

    port: int
    rate: float
    same: bool
    times: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def run(self, seconds: float) -> None:
        start, threads = time.monotonic(), []
        for i in range(int(seconds * self.rate)):
            time.sleep(max(0.0, start + i / self.rate - time.monotonic()))
            address = "127.0.0.1" if self.same else f"127.0.2.{i % 250 + 1}"
            thread = threading.Thread(target=self._one, args=(f"/api/search?q={CHEAP[i % len(CHEAP)]}", address))
            thread.start()
            threads.append(thread)
        for thread in threads:
            thread.join(timeout=40)

    def _one(self, path: str, address: str) -> None:
        started = time.perf_counter()
        try:
            status, body = get(self.port, path, timeout=30, source=address)
            if status != 200 or not json.loads(body)["ok"]:
                self.errors.append(f"{status} {body[:100]!r}")
        except (OSError, http.client.HTTPException, ValueError) as exc:
            self.errors.append(f"{type(exc).__name__}: {exc}")
        self.times.append((time.perf_counter() - started) * 1000)


def get(port: int, path: str, timeout: float, source: str = "127.0.0.1") -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source, 0))
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


class Crowd:
    """Many connections driven from one thread, each sending `opening` and then, every `every` seconds, one more
    header line (a slowloris) or a read of 16 bytes (a slow reader). One the server closes is counted and
    opened again, so `size` stay open until the end; a reader answered other than 200 retries a second later."""

    def __init__(self, port: int, size: int, opening: bytes, every: float, reader: bool, spread: bool) -> None:
        self.port, self.size, self.opening, self.every, self.reader = port, size, opening, every, reader
        self.spread, self.opened = spread, 0
        self.stop_flag = threading.Event()
        self.cut = self.refused = self.served = self.bytes = 0
        self.thread = threading.Thread(target=self._run)

    def __enter__(self) -> Crowd:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_flag.set()
        self.thread.join(timeout=30)

    def _open(self) -> socket.socket | None:
        s = socket.socket()
        s.bind((source(self.opened, self.spread), 0))
        self.opened += 1
        if self.reader:  # a small window, so that the stall is felt at once
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.settimeout(5)
        try:
            s.connect(("127.0.0.1", self.port))
            s.sendall(self.opening)
        except OSError:
            self.refused += 1
            s.close()
            return None
        s.setblocking(False)
        return s

    def _run(self) -> None:
        due: dict[socket.socket, float] = {}
        fresh: set[socket.socket] = set()  # readers that have not seen their status line yet
        retry_at: list[float] = []
        try:
            for _ in range(10_000_000):  # bounded; ends with stop()
                if self.stop_flag.wait(0.05):
                    break
                now = time.monotonic()
                retry_at = [t for t in retry_at if t > now]
                while len(due) + len(retry_at) < self.size and not self.stop_flag.is_set():
                    s = self._open()
                    if s is None:
                        retry_at.append(now + 1)
                        continue
                    due[s] = now + (0 if self.reader else self.every)
                    fresh.add(s)
                for s in [s for s, at in due.items() if at <= now]:
                    outcome = self._poke(s, s in fresh)
                    fresh.discard(s)
                    if outcome == "ok":
                        due[s] = now + self.every
                    elif outcome == "wait":
                        due[s] = now + 0.05
                        fresh.add(s)
                    else:
                        del due[s]
                        s.close()
                        if outcome == "refused":
                            retry_at.append(now + 1)
                if not self.reader:
                    self._reap(due)
        finally:
            for s in due:
                s.close()

    def _poke(self, s: socket.socket, first: bool) -> str:
        try:
            if not self.reader:
                s.send(b"X-Slow: 1\r\n")
                return "ok"
            data = s.recv(16)
        except BlockingIOError:
            return "wait" if first else "ok"
        except OSError:
            data = b""
        if not data:
            self.cut += 1
            return "cut"
        if first and data[9:12] != b"200":
            self.refused += 1
            return "refused"
        self.served += first
        self.bytes += len(data)
        return "ok"

    def _reap(self, due: dict[socket.socket, float]) -> None:
        """Notice slowloris connections the server has closed."""
        readable, _, _ = select.select(list(due), [], [], 0)
        for s in readable:
            with contextlib.suppress(OSError):
                s.recv(65536)
            self.cut += 1
            s.close()
            del due[s]


@dataclass
class Heavy:
    """`clients` threads sending the worst-case query back to back until stopped."""

    port: int
    clients: int
    spread: bool
    times: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.stop_flag = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(source(i, self.spread),))
                        for i in range(self.clients)]

    def __enter__(self) -> Heavy:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_flag.set()
        for t in self.threads:
            t.join(timeout=90)

    def _run(self, address: str) -> None:
        path = "/api/search?q=" + quote(WORST)
        for _ in range(10_000):
            if self.stop_flag.is_set():
                return
            started = time.perf_counter()
            try:
                status, _ = get(self.port, path, timeout=60, source=address)
            except (OSError, http.client.HTTPException):
                status = 0
            self.times.append((time.perf_counter() - started) * 1000)
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if status == 429:  # refused at once: retry soon, without spinning on the CPU we measure
                self.stop_flag.wait(0.1)


def source(n: int, spread: bool) -> str:
    """The address hostile client n connects from: 127.0.0.1, or with spread one of 250 others."""
    return f"127.0.1.{n % 250 + 1}" if spread else "127.0.0.1"


def phase(name: str, port: int, probe: Probe, seconds: float, hostile: contextlib.AbstractContextManager[object],
          describe: Callable[[], str]) -> bool:
    with hostile:
        time.sleep(2.0)  # let the hostile clients get going before measuring
        probe.run(seconds)
        loadavg = load()
    times = probe.times or [float("nan")]
    p50, p99 = percentile(times, 50), percentile(times, 99)
    ok = p99 < TARGET_MS and not probe.errors
    print(f"{name:<13} cheap query p50 {p50:6.1f} ms, p99 {p99:7.1f} ms (n={len(probe.times)}, "
          f"{len(probe.errors)} errors) {'ok' if ok else 'OVER TARGET'}; {describe()}; {loadavg}", flush=True)
    for line in probe.errors[:3]:
        print("  error:", line)
    return ok


def start(index: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "NEWSEARCH_INDEX_DIR": str(index), "NEWSEARCH_PORT": str(port)}
    with log.open("wb") as sink:
        server = subprocess.Popen([sys.executable, "-m", "newsearch.serve"], cwd=ROOT, env=env, stdout=sink,
                                  stderr=subprocess.STDOUT)
    deadline, warm = time.monotonic() + 300, 0
    while warm < 20 and time.monotonic() < deadline and server.poll() is None:
        try:
            warm = warm + 1 if json.loads(get(port, "/api/health", timeout=60)[1]).get("warm") else 0
        except (OSError, http.client.HTTPException, ValueError):
            warm = 0
        time.sleep(0.1 if warm else 1.0)
    if warm < 20:
        server.terminate()
        raise SystemExit(f"server did not start or warm up; its log: {log}")
    for word in CHEAP * 4:  # every gunicorn thread opens its searcher before the measuring starts
        get(port, f"/api/search?q={word}", timeout=60)
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index-dir", type=Path, default=DEFAULT_INDEX)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--rate", type=float, default=10)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--export-q", default="oil", help="the query the slow export readers export")
    parser.add_argument("--same-address", action="store_true",
                        help="send the cheap query from 127.0.0.1 like the hostile clients (default: 127.0.2.x)")
    parser.add_argument("--spread", action="store_true",
                        help="each hostile client from its own address (127.0.1.x), past the per-address caps")
    parser.add_argument("--phases", default="baseline,slowloris,exports,worst",
                        help="which phases to run, in order (comma-separated)")
    args = parser.parse_args()
    log = Path(tempfile.mkdtemp(prefix="newsearch-hostile-")) / "server.log"
    server = start(args.index_dir, args.port, log)
    port = args.port
    export = f"GET /api/search.jsonl?q={quote(args.export_q)} HTTP/1.1\r\nHost: bench\r\n\r\n".encode()
    slowloris = Crowd(port, 256, b"GET /api/search?q=cocoa HTTP/1.1\r\nHost: bench\r\n", 5.0, reader=False,
                      spread=args.spread)
    readers = Crowd(port, 16, export, 10.0, reader=True, spread=args.spread)
    heavy = Heavy(port, 8, args.spread)
    print(f"front server (nginx + gunicorn, default settings) on {args.index_dir}; cheap query at {args.rate:g}/s, "
          f"{args.seconds:g} s per phase; server log {log}", flush=True)
    def probe() -> Probe:
        return Probe(port, args.rate, args.same_address)

    phases = {
        "baseline": lambda: phase("baseline", port, probe(), args.seconds, contextlib.nullcontext(),
                                  lambda: "nothing else"),
        "slowloris": lambda: phase("slowloris", port, probe(), args.seconds, slowloris,
                                   lambda: f"256 slowloris open, {slowloris.cut} cut by the server and reopened"),
        "exports": lambda: phase("slow exports", port, probe(), args.seconds, readers,
                                 lambda: f"16 readers of q={args.export_q} at 16 B/10 s: {readers.served} exports "
                                         f"started, {readers.refused} refused (503) and retried, {readers.cut} "
                                         "cut by the server"),
        "worst": lambda: phase("worst case", port, probe(), args.seconds, heavy,
                               lambda: f"8 clients, {len(heavy.times)} worst-case queries, median "
                                       f"{percentile(heavy.times or [0.0], 50) / 1000:.1f} s, statuses "
                                       f"{heavy.statuses}"),
    }
    try:
        results = [phases[name]() for name in args.phases.split(",")]
    finally:
        server.terminate()
        server.wait(timeout=60)
    print("all phases within target" if all(results) else "some phase over target (see above)")


if __name__ == "__main__":
    main()
