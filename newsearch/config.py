"""Settings: each declared once, with its default and what it does (the README lists them all).

gunicorn.conf.py and the front server (newsearch/serve.py, nginx) read theirs from here too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


class SettingError(Exception):
    """A setting's value cannot be used; the message names the variable and what it accepts."""


@dataclass(frozen=True)
class Setting:
    """An environment variable the service reads."""

    name: str
    default: str
    help: str


SETTINGS = (
    Setting("NEWSEARCH_INDEX_DIR", "index", "Folder of the search index (built by `newsearch rebuild-index`)."),
    Setting("NEWSEARCH_ALIASES", "", "A file of your own entity alias rules (kind, alias, canonical [, kind] per "
            "line, tab-separated), applied by the next rebuild or --update after the shipped ones."),
    Setting("NEWSEARCH_BACKEND", "whoosh", "The search engine: `whoosh` (the embedded index in NEWSEARCH_INDEX_DIR) or "
            "`sphinx://host:port` (the SphinxQL front of a Manticore or Sphinx cluster)."),
    Setting("NEWSEARCH_QUERY_SECONDS", "2", "Time budget of one search; past it the request answers 503 "
            "\"query too expensive\"."),
    Setting("NEWSEARCH_CACHE_MB", "512", "Memory per server process for decoded posting lists (half) and word "
            "positions (the rest, for phrases); the warm-up fills most of it with the most frequent words."),
    Setting("NEWSEARCH_PORT", "8000", "Port the server listens on, on 127.0.0.1 only: nginx in front of gunicorn "
            "(`tools/run.sh` checks that it is free first), or gunicorn itself when started alone."),
    Setting("NEWSEARCH_WORKERS", "2", "gunicorn worker processes."),
    Setting("NEWSEARCH_THREADS", "8", "Threads per gunicorn worker (each answers one request at a time); more in "
            "all than the front server lets one client address use at once (4)."),
    Setting("NEWSEARCH_WORKER_TIMEOUT", "30", "Seconds of silence after which gunicorn restarts a worker process."),
    Setting("NEWSEARCH_APP_BIND", "", "Where gunicorn listens. Empty: 127.0.0.1:NEWSEARCH_PORT (gunicorn alone); "
            "the front server sets a unix socket in its runtime folder."),
    Setting("NEWSEARCH_RUN_DIR", "", "Runtime folder of the front server (nginx config, pid, buffers, gunicorn's "
            "socket). Empty: a new temporary folder, removed on exit."),
    Setting("NEWSEARCH_NGINX", "nginx", "The nginx program the front server starts."),
    Setting("NEWSEARCH_HEADER_TIMEOUT", "10", "Seconds a client has to send its whole request header, and the "
            "longest pause allowed inside a request body; nginx then closes the connection."),
    Setting("NEWSEARCH_SEND_TIMEOUT", "30", "Longest pause, in seconds, of a client reading a response (an "
            "export, say) before nginx closes the connection."),
    Setting("NEWSEARCH_UPSTREAM_TIMEOUT", "30", "Seconds nginx waits for gunicorn to start or go on answering "
            "before it answers 504 (gunicorn's thread goes on with the request: keep it above the search deadline)."),
)


def setting(name: str) -> str:
    """The value of a declared setting (the environment, else its default)."""
    declared = next(s for s in SETTINGS if s.name == name)
    return os.environ.get(name) or declared.default


def int_setting(name: str, low: int, high: int) -> int:
    """A declared setting read as a whole number in [low, high], or a SettingError naming it."""
    raw = setting(name).strip()
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        raise SettingError(f"{name} must be a whole number from {low} to {high}, not {raw!r}")
    return int(raw)


def default_index_dir() -> Path:
    """Where the index lives unless told otherwise."""
    return Path(setting("NEWSEARCH_INDEX_DIR"))


def backend() -> str:
    """The configured engine: "whoosh" or a sphinx:// address."""
    value = setting("NEWSEARCH_BACKEND").strip()
    if value != "whoosh" and not value.startswith("sphinx://"):
        raise SettingError(f"NEWSEARCH_BACKEND must be whoosh or sphinx://host:port, not {value!r}")
    return value


def alias_file() -> Path | None:
    """The user's entity alias file, if one is set."""
    value = setting("NEWSEARCH_ALIASES")
    return Path(value) if value else None


def query_seconds() -> float:
    """The time budget of one search, in seconds."""
    return float(setting("NEWSEARCH_QUERY_SECONDS"))


def cache_entries() -> tuple[int, int]:
    """How many postings and how many word positions (8 bytes each) a process keeps decoded."""
    entries = int_setting("NEWSEARCH_CACHE_MB", 16, 1_000_000) * 2**20 // 8
    return entries // 2, entries - entries // 2


def port() -> int:
    """The port the service listens on (127.0.0.1)."""
    return int_setting("NEWSEARCH_PORT", 1, 65535)


def app_bind() -> str:
    """gunicorn's bind address: NEWSEARCH_APP_BIND, else 127.0.0.1:NEWSEARCH_PORT."""
    return setting("NEWSEARCH_APP_BIND") or f"127.0.0.1:{port()}"
