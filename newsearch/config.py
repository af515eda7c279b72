"""Settings: each declared once, with its default and what it does (the README lists them all)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    """An environment variable the service reads."""

    name: str
    default: str
    help: str


SETTINGS = (
    Setting("NEWSEARCH_INDEX_DIR", "index", "Folder of the search index (built by `newsearch rebuild-index`)."),
    Setting("NEWSEARCH_QUERY_SECONDS", "2", "Time budget of one search; past it the request answers 503 "
            "\"query too expensive\"."),
)


def setting(name: str) -> str:
    """The value of a declared setting (the environment, else its default)."""
    declared = next(s for s in SETTINGS if s.name == name)
    return os.environ.get(name) or declared.default


def default_index_dir() -> Path:
    """Where the index lives unless told otherwise."""
    return Path(setting("NEWSEARCH_INDEX_DIR"))


def query_seconds() -> float:
    """The time budget of one search, in seconds."""
    return float(setting("NEWSEARCH_QUERY_SECONDS"))
