"""Serving for real: a gunicorn process, rebuilds under load, killed and concurrent rebuilds, a full disk."""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsearch.indexer import current_dir, rebuild
from newsearch.results import SearchRequest
from newsearch.search import SearchEngine

from .conftest import ROOT, SEEDS
from .test_browser import free_port

BIN = Path(sys.executable).parent


def corpus_folder(folder: Path, count: int, word: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "articles.jsonl").open("w", encoding="utf-8") as f:
        for i in range(count):
            f.write(json.dumps({"id": f"{word}-{i}", "title": f"{word} report {i}", "source": "Wire",
                                "date": f"2024-01-{1 + i % 28:02d}",
                                "body": f"The {word} market moved on day {i}. Traders in Geneva said so."}) + "\n")
    return folder


def start_server(index: Path, log: Path, workers: int = 2) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "NEWSEARCH_INDEX_DIR": str(index), "NEWSEARCH_PORT": str(port),
           "NEWSEARCH_WORKERS": str(workers)}
    with log.open("wb") as sink:
        proc = subprocess.Popen([str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT, env=env,
                                stdout=sink, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            urllib.request.urlopen(base + "/api/health", timeout=2).read()
            return proc, base
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"server did not start: {log.read_text()[-2000:]}")


def get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture()
def served(tmp_path: Path) -> Iterator[tuple[Path, str, Path]]:
    index = tmp_path / "index"
    rebuild([corpus_folder(tmp_path / "old", 60, "copper")], index, workers=1)
    proc, base = start_server(index, tmp_path / "server.log")
    yield index, base, tmp_path / "server.log"
    proc.terminate()
    proc.wait(timeout=30)


def test_startup_without_an_index_fails_with_the_command_to_run(tmp_path: Path) -> None:
    env = {**os.environ, "NEWSEARCH_INDEX_DIR": str(tmp_path / "none"), "NEWSEARCH_PORT": str(free_port())}
    result = subprocess.run([str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert (f"newsearch: no index at {tmp_path / 'none'}; build one with: newsearch rebuild-index --index-dir "
            f"{tmp_path / 'none'}") in result.stderr


def test_one_log_line_per_request_with_timing(served: tuple[Path, str, Path]) -> None:
    _, base, log = served
    get(base + "/api/search?q=copper")
    time.sleep(0.5)
    lines = [line for line in log.read_text().splitlines() if "GET /api/search?q=copper" in line]
    assert len(lines) == 1
    assert lines[0].startswith('127.0.0.1 "GET /api/search?q=copper HTTP/1.1" 200 ')
    assert lines[0].endswith("ms") and float(lines[0].rsplit(" ", 1)[1][:-2]) >= 0


class Load:
    """Steady search requests from 4 threads; records every failure and what each answer said."""

    def __init__(self, base: str) -> None:
        self.base, self.stop, self.failures = base, threading.Event(), []  # type: ignore[var-annotated]
        self.answers: list[tuple[float, str, int]] = []
        self.threads = [threading.Thread(target=self._run, args=(i,)) for i in range(4)]

    def _run(self, n: int) -> None:
        i = 0
        while not self.stop.is_set():
            i += 1
            word = ("copper", "zinc")[i % 2]
            try:
                body = get(f"{self.base}/api/search?q={word}&page={1 + i % 3}&place=Geneva")
                self.answers.append((time.monotonic(), word, body["total"]))
            except (OSError, urllib.error.HTTPError, ValueError) as exc:
                self.failures.append(repr(exc))

    def __enter__(self) -> Load:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join()


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "newsearch"), "rebuild-index", *args], capture_output=True, text=True,
                          timeout=300, cwd=ROOT)


def test_rebuild_and_update_under_load_fail_no_request(served: tuple[Path, str, Path], tmp_path: Path) -> None:
    index, base, _ = served
    new = corpus_folder(tmp_path / "new", 80, "zinc")
    with Load(base) as load:
        time.sleep(1)
        result = cli(str(new), "--index-dir", str(index), "--workers", "1")
        swapped = time.monotonic()
        time.sleep(4)
        corpus_folder(new / "more", 5, "zinc-extra")
        update_started = time.monotonic()
        result_update = cli(str(new), "--index-dir", str(index), "--update", "--workers", "1")
        updated = time.monotonic()
        time.sleep(4)
    assert result.returncode == 0, result.stderr
    assert result_update.returncode == 0, result_update.stderr
    assert result_update.stdout.startswith("indexed 5, updated 0, unchanged 80, removed 0, rejected 0")
    assert load.failures == []
    assert len(load.answers) > 100
    late = [(w, t) for at, w, t in load.answers if swapped + 3 < at < update_started]
    assert late and all(t == (0 if w == "copper" else 80) for w, t in late)
    final = [(w, t) for at, w, t in load.answers if at > updated + 3]
    assert final and all(t == (0 if w == "copper" else 85) for w, t in final)


def test_killed_rebuilds_leave_the_old_index_serving(tmp_path: Path) -> None:
    index = tmp_path / "index"
    rebuild([SEEDS], index, workers=1)
    live = current_dir(index)
    big = corpus_folder(tmp_path / "big", 3000, "nickel")
    started = time.monotonic()
    result = cli(str(SEEDS), str(big), "--index-dir", str(tmp_path / "timing"))
    assert result.returncode == 0, result.stderr
    full = time.monotonic() - started
    rng = random.Random(3)
    for _ in range(4):
        proc = subprocess.Popen([str(BIN / "newsearch"), "rebuild-index", str(big), "--index-dir", str(index)],
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(rng.uniform(0.1, 0.5) * full)  # somewhere inside the rebuild
        os.killpg(proc.pid, signal.SIGKILL)
        assert proc.wait() == -signal.SIGKILL  # killed mid-way, not finished
        assert current_dir(index) == live
        engine = SearchEngine(index)
        assert engine.snapshot().search(SearchRequest(q="hamas")).total == 2
        engine.close()
    result = cli(str(SEEDS), str(tmp_path / "big"), "--index-dir", str(index))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("indexed 3,002, updated 0, unchanged 0, removed 0, rejected 0")
    assert sorted(p.name for p in index.glob("gen-*")) == sorted([live.name, current_dir(index).name])


def test_two_rebuilds_at_once_the_second_refuses(tmp_path: Path) -> None:
    index = tmp_path / "index"
    big = corpus_folder(tmp_path / "big", 3000, "tin")
    first = subprocess.Popen([str(BIN / "newsearch"), "rebuild-index", str(big), "--index-dir", str(index)],
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while not (index / ".lock").exists() or not (index / ".lock").read_text():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    second = cli(str(SEEDS), "--index-dir", str(index))
    out, err = first.communicate(timeout=300)
    assert second.returncode == 1
    assert second.stderr == (f"Error: another rebuild or update (pid {first.pid}) is running on {index}; "
                             "wait for it to finish\n")
    assert first.returncode == 0, err
    engine = SearchEngine(index)
    assert engine.snapshot().search(SearchRequest(q="tin")).total == 3000
    engine.close()


def _limit_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (300_000, 300_000))


def test_a_full_disk_fails_the_rebuild_cleanly_and_keeps_the_old_index(tmp_path: Path) -> None:
    index = tmp_path / "index"
    rebuild([SEEDS], index, workers=1)
    live = current_dir(index)
    big = corpus_folder(tmp_path / "big", 3000, "lead")
    result = subprocess.run([str(BIN / "newsearch"), "rebuild-index", str(big), "--index-dir", str(index)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300, preexec_fn=_limit_file_size)
    assert result.returncode == 1
    last = result.stderr.splitlines()[-1]  # Whoosh's sub-writer processes print their own traceback first
    assert last.startswith("Error: rebuild failed: ") and last.endswith("; the previous index is still live")
    assert "File too large" in result.stderr
    assert current_dir(index) == live
    assert [p.name for p in index.glob("gen-*")] == [live.name]
    engine = SearchEngine(index)
    assert engine.snapshot().search(SearchRequest(q="hamas")).total == 2
    engine.close()
    shutil.rmtree(big)
