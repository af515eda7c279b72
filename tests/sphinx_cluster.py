"""Fixture helpers for the Sphinx backend: a real cluster of searchd processes on free loopback ports,
filled with exactly the articles of a Whoosh index, so that both engines answer over the same data."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from newsearch.search import SearchEngine
from newsearch.sphinx import writer
from newsearch.sphinx.engine import SphinxEngine
from newsearch.sphinx.layout import Layout
from newsearch.sphinx.process import Cluster


def stored_articles(index: Path) -> list[dict[str, Any]]:
    """Every article of a Whoosh index, as stored (the writer takes these or Documents)."""
    engine = SearchEngine(index, warm=False)
    try:
        reader = engine.snapshot().searcher.reader()
        return [stored["meta"] for _, stored in reader.iter_docs()]
    finally:
        engine.close()


def url(layout: Layout) -> str:
    return f"sphinx://{layout.front.host}:{layout.front.sql_port}"


@contextmanager
def running_cluster(folder: Path, articles: list[dict[str, Any]]) -> Iterator[tuple[Cluster, SphinxEngine]]:
    """Three shards with two mirrors each behind a front, all started here and stopped after."""
    cluster = Cluster(Layout.on_loopback(shards=3, mirrors=2), folder)
    with cluster:
        writer.rebuild(articles, cluster.layout)
        engine = SphinxEngine(url(cluster.layout))
        try:
            yield cluster, engine
        finally:
            engine.close()
