"""A whole cluster on this machine, loaded from a Whoosh index: for development, tests and benchmarks.

    python -m newsearch.sphinx --index-dir index --root /tmp/newsearch-sphinx

starts 7 searchd processes (a front, 3 shards x 2 mirrors) on free loopback ports, writes every
article of the Whoosh index into them, prints ``NEWSEARCH_BACKEND=sphinx://...`` and serves until
interrupted.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from . import writer
from .engine import SphinxEngine
from .layout import Layout
from .process import Cluster


def stored_articles(index: Path) -> Iterator[dict[str, Any]]:
    """Every article of a Whoosh index, as stored, with its entities as that index's resolution shows
    them (what the writer takes, like Documents)."""
    from ..search import SearchEngine  # the Whoosh engine, only to read an existing index

    engine = SearchEngine(index, warm=False)
    try:
        snap = engine.snapshot()
        for _, stored in snap.searcher.reader().iter_docs():
            meta = dict(stored["meta"])
            meta.update({name: list(values) for name, values in snap.entities_of(meta).items()})
            yield meta
    finally:
        engine.close()


def url_of(layout: Layout) -> str:
    """The NEWSEARCH_BACKEND value for a layout's front."""
    return f"sphinx://{layout.front.host}:{layout.front.sql_port}"


@contextmanager
def local_cluster(root: Path, articles: Any, shards: int = 3, mirrors: int = 2
                  ) -> Iterator[tuple[Cluster, SphinxEngine, writer.WriteStats]]:
    """A cluster started under ``root`` and filled with the articles; stopped on exit."""
    cluster = Cluster(Layout.on_loopback(shards=shards, mirrors=mirrors), root)
    with cluster:
        stats = writer.rebuild(articles, cluster.layout)
        engine = SphinxEngine(url_of(cluster.layout))
        try:
            yield cluster, engine, stats
        finally:
            engine.close()


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (from /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(cluster: Cluster) -> dict[str, float]:
    """CPU seconds (user + system) each searchd has used so far, named as ``memory`` names them."""
    ticks = os.sysconf("SC_CLK_TCK")
    out = {}
    for name, pid in _named_pids(cluster).items():
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        out[name] = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime (fields 14 and 15 of stat)
    return out


def _named_pids(cluster: Cluster) -> dict[str, int]:
    names = {cluster.layout.front: "front"}
    for s, nodes in enumerate(cluster.layout.shards, start=1):
        names.update({node: f"shard {s} copy {m}" for m, node in enumerate(nodes, start=1)})
    return {names[node]: pid for node, pid in cluster.pids().items()}


def memory(cluster: Cluster) -> dict[str, float]:
    """Resident MB of each searchd, named front or shard N copy M."""
    return {name: round(rss_mb(pid), 1) for name, pid in _named_pids(cluster).items()}


def main() -> None:
    import argparse
    import time

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index-dir", type=Path, required=True, help="a Whoosh index to copy the articles from")
    parser.add_argument("--root", type=Path, required=True, help="folder for the searchd configs and tables")
    args = parser.parse_args()
    with local_cluster(args.root, stored_articles(args.index_dir)) as (cluster, _, stats):
        print(f"{stats.written:,} articles in {stats.seconds:.1f}s ({stats.per_second:,.0f}/s), "
              f"per shard {stats.per_shard}; layout in {args.root / 'layout.json'}")
        print(f"NEWSEARCH_BACKEND={url_of(cluster.layout)}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
