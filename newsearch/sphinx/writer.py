"""Writing articles to the cluster: routed to a shard by a hash of the id, sent to every mirror.

``rebuild`` fills the slot that is not live (both mirrors of every shard, and the value
dictionary on the front), then flips the one row of ``ns_meta`` that names the live slot: readers
switch atomically on their next request, and the old slot stays intact until the next rebuild.
``upsert`` (REPLACE INTO) and ``delete`` change the live slot in place, for ``--update``, and then
count the change in ``ns_meta`` (``changes``), so that readers drop what they cached of the slot.
A mirror that cannot be written fails the whole call (``WriteError``): run it again once the
mirror is back, or rebuild, so that the two copies of a shard never silently differ.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pymysql

from ..documents import Document
from .client import BackendError, connect_node, int_list, literal
from .config import SLOTS, articles, stored, values
from .layout import Layout, Node
from .rows import Row, doc_key, row_of

BATCH_ROWS = 500
BATCH_BYTES = 8_000_000
META_ID = 1


class WriteError(BackendError):
    """A write that did not reach every copy; the message names the process."""


@dataclass
class WriteStats:
    written: int = 0
    deleted: int = 0
    seconds: float = 0.0
    slot: str = ""
    per_shard: list[int] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.written / self.seconds if self.seconds else 0.0


def live_slot(layout: Layout) -> tuple[str | None, dict[str, Any]]:
    """The live slot and its build information, read from the front (None before the first rebuild)."""
    conn = connect_node(layout.front)
    try:
        with conn.cursor() as cur:
            cur.execute(f"SELECT slot, info FROM ns_meta WHERE id = {META_ID}")
            row = cur.fetchone()
    finally:
        conn.close()
    if not row:
        return None, {}
    return SLOTS[int(row[0])], json.loads(row[1] or "{}")


class _Sender:
    """One connection per process, and a thread per process so that every mirror indexes in parallel."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.conns = {node: connect_node(node) for node in layout.nodes()}
        self.pool = ThreadPoolExecutor(len(self.conns))

    def run(self, jobs: Mapping[Node, list[str]]) -> None:
        futures = {node: self.pool.submit(self._execute, node, sqls) for node, sqls in jobs.items() if sqls}
        for f in futures.values():
            f.result()

    def _execute(self, node: Node, sqls: list[str]) -> None:
        try:
            with self.conns[node].cursor() as cur:
                for sql in sqls:
                    cur.execute(sql)
        except pymysql.err.MySQLError as exc:
            raise WriteError(f"searchd at {node.name} refused a write: {str(exc)[:300]}") from exc

    def everywhere(self, sql_for: Mapping[str, str]) -> None:
        """One statement on the front and one on every shard process."""
        jobs = {self.layout.front: [sql_for["front"]]} if "front" in sql_for else {}
        for mirrors in self.layout.shards:
            jobs.update({node: [sql_for["shard"]] for node in mirrors})
        self.run(jobs)

    def close(self) -> None:
        self.pool.shutdown()
        for conn in self.conns.values():
            conn.close()




def _insert(table: str, rows: list[Row]) -> str:
    names = ["id", *rows[0].columns]
    tuples = ("(" + ",".join([str(r.id), *(literal(r.columns[n]) for n in names[1:])]) + ")" for r in rows)
    return f"REPLACE INTO {table} ({','.join(names)}) VALUES " + ",".join(tuples)


def _stored_insert(table: str, rows: list[Row]) -> str:
    return f"REPLACE INTO {table} (id,unused,meta) VALUES " + ",".join(f"({r.id},'',{literal(r.stored)})" for r in rows)


def _values_insert(table: str, entries: Iterable[tuple[int, int, str, str]]) -> str:
    tuples = ",".join(f"({k},{literal(w)},{n},{literal(v)})" for k, n, v, w in entries)
    return f"REPLACE INTO {table} (id,words,facet_no,value) VALUES {tuples}"


def _batches(docs: Iterable[Document | Mapping[str, Any]]) -> Iterable[list[Row]]:
    batch: list[Row] = []
    size = 0
    for doc in docs:
        row = row_of(doc)
        batch.append(row)
        size += len(row.stored) * 2
        if len(batch) >= BATCH_ROWS or size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _write(sender: _Sender, slot: str, docs: Iterable[Document | Mapping[str, Any]], stats: WriteStats,
           known_values: set[int]) -> None:
    shards = sender.layout.shards
    stats.per_shard = [0] * len(shards)
    for batch in _batches(docs):
        jobs: dict[Node, list[str]] = {}
        for number, mirrors in enumerate(shards):
            mine = [r for r in batch if r.id % len(shards) == number]
            stats.per_shard[number] += len(mine)
            for node in mirrors:
                jobs[node] = [_insert(articles(slot), mine), _stored_insert(stored(slot), mine)] if mine else []
        new = {e[0]: e for r in batch for e in r.values if e[0] not in known_values}
        if new:
            jobs[sender.layout.front] = [_values_insert(values(slot), new.values())]
            known_values.update(new)
        sender.run(jobs)
        stats.written += len(batch)


def rebuild(docs: Iterable[Document | Mapping[str, Any]], layout: Layout, info: Mapping[str, Any] | None = None
            ) -> WriteStats:
    """Write every article into the slot that is not live, then make it live (one atomic REPLACE)."""
    started = time.perf_counter()
    live, _ = live_slot(layout)
    slot = SLOTS[1] if live == SLOTS[0] else SLOTS[0]
    stats = WriteStats(slot=slot)
    sender = _Sender(layout)
    try:
        for table in (articles(slot), stored(slot)):
            sender.everywhere({"front": f"TRUNCATE RTINDEX {values(slot)}", "shard": f"TRUNCATE RTINDEX {table}"})
        _write(sender, slot, docs, stats, set())
        for table in (articles(slot), stored(slot)):
            sender.everywhere({"front": f"FLUSH RTINDEX {values(slot)}", "shard": f"FLUSH RTINDEX {table}"})
        stats.seconds = time.perf_counter() - started
        build = {"built_at": _now(), "build_id": uuid.uuid4().hex, "changes": 0, "kind": "rebuild", "backend": "sphinx",
                 "articles": stats.written, "per_shard": stats.per_shard,
                 "layout": json.loads(layout.to_json()), **(info or {})}
        _set_live(sender, slot, build)
    finally:
        sender.close()
    return stats


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _set_live(sender: _Sender, slot: str, info: Mapping[str, Any]) -> None:
    """Name the live slot and its information: one atomic REPLACE of ns_meta's row."""
    sender.run({sender.layout.front: [f"REPLACE INTO ns_meta (id, note, slot, info) VALUES "
                                      f"({META_ID}, '', {SLOTS.index(slot)}, {literal(json.dumps(info))})"]})


def _count_change(sender: _Sender, slot: str) -> None:
    """Count a change of the live slot in its information (readers key their caches on it)."""
    live, info = live_slot(sender.layout)
    if live != slot:
        raise WriteError(f"a rebuild made slot {live} live while slot {slot} was being changed: run the update again")
    _set_live(sender, slot, {**info, "changes": int(info.get("changes", 0)) + 1, "changed_at": _now()})


@contextmanager
def _changing(layout: Layout, slot: str) -> Iterator[_Sender]:
    """A sender for changes to the live slot, counted once the changes are written (or tried: a change
    that failed half way is counted too, so that no reader keeps counts of the slot as it was)."""
    sender = _Sender(layout)
    try:
        try:
            yield sender
        except BaseException:
            with suppress(BackendError, pymysql.err.MySQLError):
                _count_change(sender, slot)
            raise
        _count_change(sender, slot)
    finally:
        sender.close()


def upsert(docs: Iterable[Document | Mapping[str, Any]], layout: Layout) -> WriteStats:
    """Add or replace articles in the live slot (``--update``)."""
    started = time.perf_counter()
    slot, _ = live_slot(layout)
    if slot is None:
        raise WriteError("the Sphinx cluster has no live index yet: run a full rebuild first")
    stats = WriteStats(slot=slot)
    with _changing(layout, slot) as sender:
        _write(sender, slot, docs, stats, set())
    stats.seconds = time.perf_counter() - started
    return stats


def delete(article_ids: Iterable[str], layout: Layout) -> WriteStats:
    """Remove articles from the live slot, on both mirrors of their shard."""
    slot, _ = live_slot(layout)
    if slot is None:
        raise WriteError("the Sphinx cluster has no live index yet: run a full rebuild first")
    stats = WriteStats(slot=slot)
    keys = [doc_key(i) for i in dict.fromkeys(article_ids)]
    shards = layout.shards
    with _changing(layout, slot) as sender:
        jobs: dict[Node, list[str]] = {}
        for number, mirrors in enumerate(shards):
            mine = [k for k in keys if k % len(shards) == number]
            for node in mirrors:
                jobs[node] = [f"DELETE FROM {t} WHERE id IN ({int_list(mine)})"
                              for t in (articles(slot), stored(slot))] if mine else []
        sender.run(jobs)
    stats.deleted = len(keys)
    return stats
