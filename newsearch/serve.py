"""The front server: nginx, a buffering reverse proxy, in front of gunicorn; started and stopped together.

    python -m newsearch.serve               # what `bash tools/run.sh` runs once the index is built
    python -m newsearch.serve --check-port  # only check that NEWSEARCH_PORT is free (no venv needed)

nginx listens on 127.0.0.1:NEWSEARCH_PORT and gunicorn on a unix socket in the runtime folder
(NEWSEARCH_RUN_DIR), where the rendered nginx.conf, nginx's pid and its buffer files live too.
Slow clients (slowloris headers, stalled readers of an export) cost nginx a connection and a
little memory; gunicorn's threads only ever talk to nginx, which reads and writes at once.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import json
import os
import pwd
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from . import config

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "deploy" / "nginx.conf.template"
MAX_BODY_BYTES = 16 * 1024
MAX_LINE_BYTES = 8 * 1024
REQUESTS_PER_ADDRESS = 4  # pages and API calls in progress at once: a quarter of gunicorn's threads
STATIC_PER_ADDRESS = 16
EXPORTS_PER_ADDRESS = 16
EXPORTS_AT_ONCE = 2  # prepared by gunicorn at once; nginx holds any number of finished ones for their readers
MAX_TEMP_FILE = "256m"  # per response held for a slow reader; past it, gunicorn waits for the reader (send timeout)
STARTUP_SECONDS = 120.0
STOP_SECONDS = 30.0

# nginx's own error responses, each a page: name -> (status, message in the app's "Name: description" style).
ERROR_PAGES: dict[str, tuple[int, str]] = {
    "400": (400, "Bad Request: the request could not be read"),
    "404": (404, "Not Found: no such page"),
    "408": (408, "Request Timeout: the request was not sent in time"),
    "411": (411, "Length Required: a request body needs a Content-Length"),
    "413": (413, f"Request Entity Too Large: the request body is over the limit of {MAX_BODY_BYTES:,} bytes"),
    "414": (414, f"URI Too Long: the request line is over the limit of {MAX_LINE_BYTES:,} bytes"),
    "429": (429, f"Too Many Requests: at most {REQUESTS_PER_ADDRESS} requests at once from one address; "
                 "try again when one has finished"),
    "429-static": (429, f"Too Many Requests: at most {STATIC_PER_ADDRESS} static files at once from one address; "
                        "try again when one has finished"),
    "429-exports": (429, f"Too Many Requests: at most {EXPORTS_PER_ADDRESS} exports at once from one address; "
                         "try again when one has finished"),
    "431": (431, f"Request Header Fields Too Large: a header line is over the limit of {MAX_LINE_BYTES:,} bytes"),
    "500": (500, "Internal Server Error: the front server failed"),
    "501": (501, "Not Implemented: the request uses a transfer encoding the server does not support"),
    "502": (502, "Bad Gateway: the search service is not answering; try again shortly"),
    "503": (503, "Service Unavailable: the search service is overloaded; try again shortly"),
    "504": (504, "Gateway Timeout: the search service took too long to answer"),
    "505": (505, "HTTP Version Not Supported: use HTTP/1.0 or HTTP/1.1"),
    "exports-busy": (503, f"Service Unavailable: the server is preparing {EXPORTS_AT_ONCE} exports, as many as it "
                          "does at once; try again in a few seconds"),
}
RETRY_AFTER = {"429": 5, "429-static": 5, "429-exports": 5, "exports-busy": 5}
# nginx's code -> the page it gets. 494 is nginx's own code for a header over the limit: it goes out as 431.
ERROR_CODES: dict[int, str] = {int(name): name for name in ERROR_PAGES if name.isdigit() and name != "431"}
ERROR_CODES[494] = "431"
# Exports: nginx answers 502 when EXPORTS_AT_ONCE are being prepared (the upstream's max_conns).
EXPORT_ERROR_CODES = {**ERROR_CODES, 429: "429-exports", 502: "exports-busy"}
STATIC_ERROR_CODES = {**ERROR_CODES, 429: "429-static"}


class FrontError(Exception):
    """The front server cannot start or stopped; the message says why and what to do."""


@dataclass(frozen=True)
class FrontSettings:
    """What the front server reads from the declared settings (newsearch/config.py)."""

    port: int
    header_timeout: int
    send_timeout: int
    upstream_timeout: int
    nginx: str

    @classmethod
    def from_environment(cls) -> FrontSettings:
        """The settings in force, checked (config.SettingError names a bad one)."""
        return cls(port=config.port(),
                   header_timeout=config.int_setting("NEWSEARCH_HEADER_TIMEOUT", 1, 300),
                   send_timeout=config.int_setting("NEWSEARCH_SEND_TIMEOUT", 1, 3600),
                   upstream_timeout=config.int_setting("NEWSEARCH_UPSTREAM_TIMEOUT", 1, 3600),
                   nginx=config.setting("NEWSEARCH_NGINX"))


def check_port(port: int) -> None:
    """Raise FrontError, saying how to choose another, when 127.0.0.1:port is taken."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as nginx binds: TIME_WAIT is no conflict
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            if exc.errno not in (errno.EADDRINUSE, errno.EACCES):
                raise
            raise FrontError(f"port {port} on 127.0.0.1 is in use (or not allowed); choose another with "
                             f"NEWSEARCH_PORT, e.g. NEWSEARCH_PORT={port + 1 if port < 65535 else 8001} "
                             "bash tools/run.sh") from None


def error_page_directives(codes: dict[int, str], indent: str = "        ") -> str:
    """`error_page` lines sending each nginx code to its JSON page (a location level has all or none)."""
    # A URI, not a named location: nginx cannot redirect a request it could not parse (414) to a name.
    return "\n".join(f"{indent}error_page {code} ={ERROR_PAGES[name][0]} /.newsearch-error/{name};"
                     for code, name in codes.items())


def error_locations(indent: str = "        ") -> str:
    """Internal locations answering each ERROR_PAGES entry as JSON with the app's security headers."""
    from .web import SECURITY_HEADERS  # the app's own headers, so the two cannot drift
    from .web.errors import error_body

    headers = "".join(f'{indent}    add_header {name} "{_quoted(value, chr(34))}" always;\n'
                      for name, value in {**SECURITY_HEADERS, "Cache-Control": "no-store"}.items())
    blocks = []
    for name, (status, message) in ERROR_PAGES.items():
        body = json.dumps(error_body(status, message)) + "\n"
        retry = f"{indent}    add_header Retry-After {RETRY_AFTER[name]} always;\n" if name in RETRY_AFTER else ""
        blocks.append(f"{indent}location = /.newsearch-error/{name} {{\n"
                      f"{indent}    internal;\n"
                      f"{indent}    default_type application/json;\n{headers}{retry}"
                      f"{indent}    return {status} '{_quoted(body, chr(39))}';\n"
                      f"{indent}}}")
    return "\n".join(blocks)


def _quoted(text: str, quote: str) -> str:
    """text, checked to need no escaping inside an nginx string in `quote` (no quote, $ or backslash)."""
    if quote in text or "$" in text or "\\" in text:
        raise FrontError(f"cannot put {text!r} in the nginx config unescaped")
    return text


def connection_limits() -> tuple[int, int]:
    """nginx's open files and connections: up to 65,536 files (each proxied request uses two), so that a
    flood of idle connections runs out of the attacker's patience before it runs out of nginx's slots."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    files = 65536 if hard == resource.RLIM_INFINITY else min(65536, hard)  # even root may not pass `hard`
    return files, files // 2


def render_nginx_conf(settings: FrontSettings, run_dir: Path, upstream: str) -> str:
    """deploy/nginx.conf.template with its {{placeholders}} filled in."""
    if not TEMPLATE.is_file():
        raise FrontError(f"the nginx config template {TEMPLATE} is missing; run from a checkout of newsearch")
    as_root = os.geteuid() == 0  # nginx would switch its workers to `nobody`, who cannot reach the socket
    files, connections = connection_limits()
    values = {
        "user": f"user {pwd.getpwuid(os.geteuid()).pw_name};" if as_root else "# (not root: no `user` line)",
        "open_files": str(files), "connections": str(connections),
        "run_dir": str(run_dir), "port": str(settings.port), "upstream": upstream,
        "header_timeout": str(settings.header_timeout), "send_timeout": str(settings.send_timeout),
        "upstream_timeout": str(settings.upstream_timeout), "max_temp_file": MAX_TEMP_FILE,
        "requests_per_address": str(REQUESTS_PER_ADDRESS), "static_per_address": str(STATIC_PER_ADDRESS),
        "exports_per_address": str(EXPORTS_PER_ADDRESS),
        "exports_at_once": str(EXPORTS_AT_ONCE),
        "error_pages": error_page_directives(ERROR_CODES), "error_locations": error_locations(),
        "export_error_pages": error_page_directives(EXPORT_ERROR_CODES, indent="            "),
        "static_error_pages": error_page_directives(STATIC_ERROR_CODES, indent="            "),
    }
    text = TEMPLATE.read_text(encoding="utf-8")
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", value)
    left = re.findall(r"\{\{\w+\}\}", text)
    if left:
        raise FrontError(f"{TEMPLATE} has placeholders nothing fills: {', '.join(sorted(set(left)))}")
    return text


def _die_with_parent(parent: int) -> None:
    """In the child before exec: SIGTERM when the launcher dies, so neither server is ever left behind."""
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(1)


class Front:
    """gunicorn on a unix socket and nginx in front of it, started in that order and stopped together."""

    def __init__(self, settings: FrontSettings, run_dir: Path) -> None:
        self.settings, self.run_dir = settings, run_dir
        self.socket = run_dir / "gunicorn.sock"
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        if len(str(self.socket)) > 100:
            raise FrontError(f"the runtime folder {run_dir} is too long a path for a unix socket; "
                             "set NEWSEARCH_RUN_DIR to a shorter one")
        # Debian puts nginx in /usr/sbin, which is not on every user's PATH.
        found = shutil.which(settings.nginx) or shutil.which(settings.nginx, path="/usr/sbin:/sbin")
        if found is None:
            raise FrontError(f"nginx not found (NEWSEARCH_NGINX={settings.nginx}); install it with "
                             "`apt-get install nginx` (bash tools/run.sh does)")
        self.nginx = found

    def start(self) -> None:
        """Start gunicorn, wait until it accepts, then nginx, and wait until it accepts."""
        self.socket.unlink(missing_ok=True)
        env = {**os.environ, "NEWSEARCH_APP_BIND": f"unix:{self.socket}"}
        self._spawn("gunicorn", [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
                                 "wsgi:app"], env)
        self._wait_accepting("gunicorn", socket.AF_UNIX, str(self.socket))
        conf = self.run_dir / "nginx.conf"
        conf.write_text(render_nginx_conf(self.settings, self.run_dir, f"unix:{self.socket}"), encoding="utf-8")
        self._spawn("nginx", [self.nginx, "-p", str(self.run_dir), "-c", str(conf), "-e", "stderr"],
                    dict(os.environ))
        self._wait_accepting("nginx", socket.AF_INET, ("127.0.0.1", self.settings.port))

    def _spawn(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        parent = os.getpid()
        # Own session: a terminal's Ctrl-C reaches only the launcher, which stops nginx first, then gunicorn.
        self.processes[name] = subprocess.Popen(argv, cwd=ROOT, env=env, start_new_session=True,
                                                preexec_fn=lambda: _die_with_parent(parent))

    def _wait_accepting(self, name: str, family: int, address: str | tuple[str, int]) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.processes[name].poll() is not None:
                raise FrontError(f"{name} exited with status {self.processes[name].returncode} while starting "
                                 "(its messages are above)")
            with socket.socket(family) as probe:
                try:
                    probe.connect(address)
                    return
                except OSError:
                    time.sleep(0.1)
        raise FrontError(f"{name} did not accept connections within {STARTUP_SECONDS:.0f} s")

    def exited(self) -> str | None:
        """The name and status of a server that has stopped, else None."""
        for name, proc in self.processes.items():
            if proc.poll() is not None:
                return f"{name} exited with status {proc.returncode}"
        return None

    def stop(self) -> None:
        """Stop nginx (closing client connections), then gunicorn (finishing its requests); kill laggards."""
        for name in ("nginx", "gunicorn"):
            proc = self.processes.get(name)
            if proc is None or proc.poll() is not None:
                continue
            proc.terminate()
            try:
                proc.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.socket.unlink(missing_ok=True)


def serve(settings: FrontSettings, run_dir: Path) -> int:
    """Run both servers until Ctrl-C, SIGTERM or SIGHUP (0), or until one of them stops (1)."""
    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: stopping.set())
    front = Front(settings, run_dir)
    try:
        front.start()
        print(f"serving on http://127.0.0.1:{settings.port}/ (Ctrl-C stops)", flush=True)
        while not stopping.wait(0.2):
            gone = front.exited()
            if gone:
                print(f"newsearch: {gone}; stopping the other server", file=sys.stderr)
                return 1
        return 0
    finally:
        front.stop()


def main(argv: list[str] | None = None) -> int:
    """Check the settings and the port, then serve (or, with --check-port, only check)."""
    args = sys.argv[1:] if argv is None else argv
    try:
        settings = FrontSettings.from_environment()
        check_port(settings.port)
        if args == ["--check-port"]:
            return 0
        if args:
            raise FrontError(f"unexpected arguments {' '.join(args)}; usage: python -m newsearch.serve "
                             "[--check-port]")
        chosen = config.setting("NEWSEARCH_RUN_DIR")
        run_dir = Path(chosen).resolve() if chosen else Path(tempfile.mkdtemp(prefix="newsearch-"))
        run_dir.mkdir(parents=True, exist_ok=True)
        try:
            return serve(settings, run_dir)
        finally:
            if not chosen:
                shutil.rmtree(run_dir, ignore_errors=True)
    except (config.SettingError, FrontError) as exc:
        print(f"newsearch: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
