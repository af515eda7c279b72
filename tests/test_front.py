"""The front server for real: nginx in front of gunicorn (python -m newsearch.serve), slow and oversized clients."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from newsearch.indexer import rebuild
from newsearch.serve import EXPORTS_AT_ONCE, REQUESTS_PER_ADDRESS
from newsearch.web import SECURITY_HEADERS

from .conftest import ROOT, SEEDS
from .test_browser import free_port

HEADER_TIMEOUT, SEND_TIMEOUT = 2, 3
BULK = 2000  # articles with 4 KB URLs: an 8 MB export, more than the socket buffers between nginx and a client


@dataclass
class Served:
    port: int
    proc: subprocess.Popen[bytes]
    log: Path
    run_dir: Path

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, list[str]], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            names = {name for name, _ in response.getheaders()}
            return response.status, {n: response.headers.get_all(n) or [] for n in names}, response.read()
        finally:
            conn.close()


def start_front(index: Path, tmp: Path, **settings: str) -> Served:
    """`python -m newsearch.serve` on a free port, waited for until nginx answers /api/health from gunicorn."""
    port, log, run_dir = free_port(), tmp / "front.log", tmp / "run"
    env = {**os.environ, "NEWSEARCH_INDEX_DIR": str(index), "NEWSEARCH_PORT": str(port),
           "NEWSEARCH_RUN_DIR": str(run_dir), "NEWSEARCH_WORKERS": "1", "NEWSEARCH_THREADS": "2",
           "NEWSEARCH_HEADER_TIMEOUT": str(HEADER_TIMEOUT), "NEWSEARCH_SEND_TIMEOUT": str(SEND_TIMEOUT), **settings}
    with log.open("wb") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "newsearch.serve"], cwd=ROOT, env=env, stdout=sink,
                                stderr=subprocess.STDOUT)
    served = Served(port, proc, log, run_dir)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if served.request("GET", "/api/health")[0] == 200:
                return served
        except OSError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"front server did not start: {log.read_text()[-3000:]}")


def children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


@pytest.fixture(scope="module")
def bulk_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bulk")
    with (folder / "bulk.jsonl").open("w", encoding="utf-8") as f:
        for i in range(BULK):
            # long titles and URLs (each under the readers' 2,000-character limit) make a large export
            f.write(json.dumps({"id": f"bulk-{i}", "title": f"Bulk report {i} " + "t" * 1900, "source": "Wire",
                                "date": "2024-02-01", "url": f"https://example.org/{i}/" + "p" * 1900,
                                "body": f"The bulk market moved on day {i}."}) + "\n")
    rebuild([SEEDS, folder / "bulk.jsonl"], folder / "index", workers=1)
    return folder / "index"


@pytest.fixture(scope="module")
def front(bulk_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    served = start_front(bulk_index, tmp_path_factory.mktemp("front"))
    yield served
    served.proc.send_signal(signal.SIGINT)
    served.proc.wait(timeout=60)


def assert_front_error(answer: tuple[int, dict[str, list[str]], bytes], status: int, error: str) -> None:
    code, headers, body = answer
    assert (code, json.loads(body)) == (status, {"ok": False, "error": error, "errors": [error], "status": status})
    assert headers["Content-Type"] == ["application/json"]
    assert {name: headers.get(name) for name in SECURITY_HEADERS} == {n: [v] for n, v in SECURITY_HEADERS.items()}


def test_a_search_through_nginx_answers_with_the_apps_headers_once(front: Served) -> None:
    status, headers, body = front.request("GET", "/api/search?q=hamas")
    assert status == 200
    assert [r["id"] for r in json.loads(body)["results"]] == ["000_374bea5cd4adfd19", "003_a638936a4ebfdaf2"]
    assert {name: headers.get(name) for name in SECURITY_HEADERS} == {n: [v] for n, v in SECURITY_HEADERS.items()}
    assert headers["Server"] == ["nginx"]  # no version
    assert front.request("GET", "/api/search?q=%22unclosed")[0] == 400  # the app's own errors pass through
    status, headers, body = front.request("GET", "/static/style.css")
    assert (status, headers["X-Frame-Options"]) == (200, ["DENY"]) and b"{" in body


def test_the_app_logs_the_clients_address_behind_nginx(front: Served) -> None:
    front.request("GET", "/api/stats?probe=address")
    time.sleep(0.3)
    lines = [line for line in front.log.read_text().splitlines() if "/api/stats?probe=address" in line]
    assert len(lines) == 1 and lines[0].startswith('127.0.0.1 "GET /api/stats?probe=address HTTP/1.0" 200 ')


def test_an_overlong_request_line_is_a_json_414(front: Served) -> None:
    assert_front_error(front.request("GET", "/api/search?q=" + "a" * 9000), 414,
                       "URI Too Long: the request line is over the limit of 8,192 bytes")


def test_an_overlong_header_is_a_json_431(front: Served) -> None:
    assert_front_error(front.request("GET", "/api/stats", headers={"X-Big": "b" * 9000}), 431,
                       "Request Header Fields Too Large: a header line is over the limit of 8,192 bytes")


def test_an_oversized_body_is_a_json_413(front: Served) -> None:
    assert_front_error(front.request("POST", "/api/search", body=b"x" * 20_000), 413,
                       "Request Entity Too Large: the request body is over the limit of 16,384 bytes")


def test_an_unreadable_request_is_a_json_400(front: Served) -> None:
    with socket.create_connection(("127.0.0.1", front.port), timeout=5) as s:
        s.sendall(b"GET /api/stats HTTP/1.1\r\nHost: x\r\nContent-Length: -3\r\n\r\n")
        raw = b"".join(iter(lambda: s.recv(65536), b""))
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ")
    assert b"\r\nX-Frame-Options: DENY\r\n" in head
    assert json.loads(body)["error"] == "Bad Request: the request could not be read"


def test_gunicorn_never_refuses_what_nginx_let_through(front: Served) -> None:
    many = {f"X-Header-{i}": "v" for i in range(200)}  # gunicorn alone refuses over 60, with an HTML page
    assert front.request("GET", "/api/stats", headers=many)[0] == 200
    assert front.request("GET", "/api/stats", headers={"X-Long": "a" * 8100})[0] == 200
    assert front.request("GET", "/api/search?q=" + "a" * 8100)[0] == 400  # the app's refusal, not gunicorn's


def test_the_error_pages_cannot_be_fetched_directly(front: Served) -> None:
    assert_front_error(front.request("GET", "/.newsearch-error/414"), 404, "Not Found: no such page")


def trickle(sockets: list[socket.socket], until: float) -> None:
    """Send one more header line on each open socket every 0.25 s until `until` (a slowloris)."""
    while time.monotonic() < until:
        for s in sockets:
            with contextlib.suppress(OSError):  # already cut
                s.send(b"X-Slow: 1\r\n")
        time.sleep(0.25)


def test_slowloris_connections_are_cut_and_do_not_delay_others(front: Served) -> None:
    opened = time.monotonic()
    sockets = [socket.create_connection(("127.0.0.1", front.port), timeout=5) for _ in range(64)]
    try:
        for s in sockets:
            s.sendall(b"GET /api/stats HTTP/1.1\r\nHost: x\r\n")
        trickle(sockets, time.monotonic() + 0.5)
        started = time.perf_counter()
        status, _, body = front.request("GET", "/api/search?q=market")
        assert status == 200 and json.loads(body)["total"] == BULK
        assert time.perf_counter() - started < 1.0  # gunicorn alone (2 threads) would wait for the slowlorises
        closed_at: dict[int, float] = {}
        deadline = opened + HEADER_TIMEOUT + 5
        while len(closed_at) < len(sockets) and time.monotonic() < deadline:
            trickle(sockets, time.monotonic() + 0.25)
            readable, _, _ = select.select([s for s in sockets if s.fileno() not in closed_at], [], [], 0)
            for s in readable:
                try:
                    data = s.recv(4096)
                except ConnectionResetError:
                    data = b""
                assert data == b""  # closed without an answer: nginx answers nothing to a timed-out header
                closed_at[s.fileno()] = time.monotonic() - opened
        assert len(closed_at) == len(sockets)
        assert min(closed_at.values()) > HEADER_TIMEOUT - 0.5
        assert max(closed_at.values()) < HEADER_TIMEOUT + 4
    finally:
        for s in sockets:
            s.close()


def test_requests_in_progress_are_capped_per_address_and_a_stalled_body_is_cut(front: Served) -> None:
    holders = [socket.create_connection(("127.0.0.1", front.port), timeout=10) for _ in range(REQUESTS_PER_ADDRESS)]
    try:
        for s in holders:  # each request is in progress, its body never finished
            s.sendall(b"POST /api/search HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nq=")
        time.sleep(0.3)
        refused = front.request("GET", "/api/stats")
        assert_front_error(refused, 429, f"Too Many Requests: at most {REQUESTS_PER_ADDRESS} requests at once from "
                                         "one address; try again when one has finished")
        assert refused[1]["Retry-After"] == ["5"]
        other = http.client.HTTPConnection("127.0.0.1", front.port, timeout=10, source_address=("127.0.0.2", 0))
        other.request("GET", "/api/stats")
        assert other.getresponse().status == 200  # another address is not held up
        other.close()
        time.sleep(HEADER_TIMEOUT + 1)
        for s in holders:  # nginx gave up on the bodies and reset the connections
            with pytest.raises(ConnectionResetError):
                s.recv(1024)
        assert front.request("GET", "/api/stats")[0] == 200
    finally:
        for s in holders:
            s.close()


def export_path(n: int) -> str:
    """An export of every bulk article, told apart in the log by its (harmless) start date."""
    return f"/api/search.jsonl?q=market&collapse=none&from=2024-01-{n + 1:02d}"


def export_logged(front: Served, n: int) -> bool:
    return any(f"GET {export_path(n)} HTTP/1.0\" 200 " in line for line in front.log.read_text().splitlines())


def test_stalled_export_readers_hold_no_gunicorn_thread_and_are_cut(front: Served) -> None:
    full = len(front.request("GET", export_path(9))[2])
    assert full > 8_000_000
    readers = []
    try:
        for i in range(4):  # more stalled exports than gunicorn has threads (1 worker x 2), one after another
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a small window: the stall is felt at once
            s.connect(("127.0.0.1", front.port))
            readers.append(s)
            started = time.monotonic()
            s.sendall(f"GET {export_path(i)} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            while time.monotonic() < started + 15 and not export_logged(front, i):
                time.sleep(0.05)
            assert export_logged(front, i)  # gunicorn finished writing it, into nginx's buffers
            assert time.monotonic() - started < SEND_TIMEOUT  # before nginx could have given up on the reader
        answer_started = time.perf_counter()
        assert front.request("GET", "/api/search?q=hamas")[0] == 200
        assert time.perf_counter() - answer_started < 1.0
        time.sleep(SEND_TIMEOUT + 1)
        for s in readers:  # nginx has dropped each stalled reader: what it can still read is cut short
            s.settimeout(5)
            received = 0
            try:
                for chunk in iter(lambda s=s: s.recv(1 << 20), b""):
                    received += len(chunk)
            except ConnectionResetError:
                pass
            assert 0 < received < full
    finally:
        for s in readers:
            s.close()


def test_exports_beyond_those_prepared_at_once_get_a_json_503(front: Served) -> None:
    answers: list[tuple[int, dict[str, list[str]], bytes]] = []
    threads = [threading.Thread(target=lambda i=i: answers.append(front.request("GET", export_path(20 + i))))
               for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(answers) == 6
    busy = [a for a in answers if a[0] == 503]
    assert len(busy) >= 1 and sum(1 for a in answers if a[0] == 200 and len(a[2]) > 8_000_000) >= EXPORTS_AT_ONCE
    assert_front_error(busy[0], 503, f"Service Unavailable: the server is preparing {EXPORTS_AT_ONCE} exports, as "
                                     "many as it does at once; try again in a few seconds")
    assert busy[0][1]["Retry-After"] == ["5"]


def test_ctrl_c_stops_nginx_and_gunicorn_together(tmp_path: Path, seeds_index: Path) -> None:
    served = start_front(seeds_index, tmp_path)
    nginx = int((served.run_dir / "nginx.pid").read_text())
    servers = children(served.proc.pid)
    assert nginx in servers and len(servers) == 2
    served.proc.send_signal(signal.SIGINT)
    assert served.proc.wait(timeout=30) == 0
    assert [pid for pid in servers if alive(pid)] == []
    assert not (served.run_dir / "gunicorn.sock").exists()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", served.port), timeout=2)


def test_killing_the_launcher_takes_both_servers_down(tmp_path: Path, seeds_index: Path) -> None:
    served = start_front(seeds_index, tmp_path)
    servers = children(served.proc.pid)
    served.proc.kill()
    served.proc.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(alive(pid) for pid in servers):
        time.sleep(0.1)
    assert [pid for pid in servers if alive(pid)] == []


def busy_port() -> tuple[socket.socket, int]:
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    return holder, holder.getsockname()[1]


def test_a_busy_port_is_refused_naming_the_setting(tmp_path: Path) -> None:
    holder, port = busy_port()
    with holder:
        env = {**os.environ, "NEWSEARCH_PORT": str(port), "NEWSEARCH_INDEX_DIR": str(tmp_path)}
        result = subprocess.run([sys.executable, "-m", "newsearch.serve"], cwd=ROOT, env=env, capture_output=True,
                                text=True, timeout=60)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (f"newsearch: port {port} on 127.0.0.1 is in use (or not allowed); choose another "
                             f"with NEWSEARCH_PORT, e.g. NEWSEARCH_PORT={port + 1} bash tools/run.sh\n")


def test_run_sh_checks_the_port_before_installing_anything(tmp_path: Path) -> None:
    holder, port = busy_port()
    with holder:
        started = time.monotonic()
        result = subprocess.run(["bash", str(ROOT / "tools" / "run.sh")], cwd=tmp_path, capture_output=True,
                                text=True, timeout=60, env={**os.environ, "NEWSEARCH_PORT": str(port)})
    assert result.returncode == 2
    assert result.stderr.startswith(f"newsearch: port {port} on 127.0.0.1 is in use")
    assert "NEWSEARCH_PORT=" in result.stderr
    assert time.monotonic() - started < 10  # no venv, no install, no indexing first


def test_a_bad_setting_is_refused_by_name(tmp_path: Path) -> None:
    env = {**os.environ, "NEWSEARCH_PORT": str(free_port()), "NEWSEARCH_SEND_TIMEOUT": "soon"}
    result = subprocess.run([sys.executable, "-m", "newsearch.serve"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=60)
    assert (result.returncode, result.stderr) == (
        2, "newsearch: NEWSEARCH_SEND_TIMEOUT must be a whole number from 1 to 3600, not 'soon'\n")


def test_the_readme_lists_every_setting_with_its_default() -> None:
    from newsearch.config import SETTINGS

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = [f"| `{s.name}` | {f'`{s.default}`' if s.default else 'empty'} | " for s in SETTINGS]
    assert [row for row in rows if row not in readme] == []


def serve_once(tmp_path: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NEWSEARCH_PORT": str(free_port()), "NEWSEARCH_INDEX_DIR": str(tmp_path / "none"),
           **settings}
    return subprocess.run([sys.executable, "-m", "newsearch.serve"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def test_without_an_index_nothing_is_left_serving_and_the_command_is_named(tmp_path: Path) -> None:
    result = serve_once(tmp_path, NEWSEARCH_RUN_DIR=str(tmp_path / "run"))
    assert result.returncode == 2
    assert (f"newsearch: no index at {tmp_path / 'none'}; build one with: newsearch rebuild-index --index-dir "
            f"{tmp_path / 'none'}") in result.stderr
    assert result.stderr.endswith("newsearch: gunicorn exited with status 1 while starting (its messages are above)\n")
    assert not (tmp_path / "run" / "nginx.pid").exists()


def test_a_missing_nginx_is_named_with_the_install_command(tmp_path: Path) -> None:
    result = serve_once(tmp_path, NEWSEARCH_NGINX=str(tmp_path / "nginx"))
    assert result.returncode == 2
    assert result.stderr == (f"newsearch: nginx not found (NEWSEARCH_NGINX={tmp_path}/nginx); install it with "
                             "`apt-get install nginx` (bash tools/run.sh does)\n")
