"""Fixture helpers for the Sphinx backend: a real cluster of searchd processes on free loopback ports,
filled with exactly the articles of a Whoosh index, so that both engines answer over the same data."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from newsearch.sphinx import local
from newsearch.sphinx.engine import SphinxEngine
from newsearch.sphinx.process import Cluster


def stored_articles(index: Path) -> list[dict[str, Any]]:
    """Every article of a Whoosh index, as stored."""
    return list(local.stored_articles(index))


@contextmanager
def running_cluster(folder: Path, articles: list[dict[str, Any]]) -> Iterator[tuple[Cluster, SphinxEngine]]:
    """Three shards with two mirrors each behind a front, all started here and stopped after."""
    with local.local_cluster(folder, articles) as (cluster, engine, _):
        yield cluster, engine
