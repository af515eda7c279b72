"""Where the searchd processes of a cluster listen: one front, and the mirrors of each shard.

A layout is plain data, saved as JSON beside the cluster's configuration, so that the writer
(which talks to every mirror) and the engine (which talks to the front only) agree on it.
"""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from pathlib import Path


class LayoutError(ValueError):
    """A layout file or backend URL that cannot be read."""


@dataclass(frozen=True)
class Node:
    """One searchd process: its SphinxAPI port (agents) and its SphinxQL port (clients)."""

    host: str
    api_port: int
    sql_port: int

    @property
    def name(self) -> str:
        return f"{self.host}:{self.sql_port}"


@dataclass(frozen=True)
class Layout:
    """The front (serving the distributed index) and, per shard, the mirrors holding a copy of it."""

    front: Node
    shards: tuple[tuple[Node, ...], ...]

    def nodes(self) -> list[Node]:
        """Every process, the front first."""
        return [self.front, *(node for mirrors in self.shards for node in mirrors)]

    def to_json(self) -> str:
        def node(n: Node) -> dict[str, object]:
            return {"host": n.host, "api_port": n.api_port, "sql_port": n.sql_port}

        return json.dumps({"front": node(self.front), "shards": [[node(n) for n in m] for m in self.shards]}, indent=1)

    def save(self, path: Path) -> None:
        """Write the layout as JSON (replacing any older one atomically)."""
        tmp = path.with_suffix(".tmp")
        tmp.write_text(self.to_json(), encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> Layout:
        """The layout saved at ``path``."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(Node(**data["front"]), tuple(tuple(Node(**n) for n in m) for m in data["shards"]))
        except (OSError, KeyError, TypeError, json.JSONDecodeError) as exc:
            raise LayoutError(f"cannot read the Sphinx layout {path}: {exc}") from exc

    @classmethod
    def on_loopback(cls, shards: int = 3, mirrors: int = 2, host: str = "127.0.0.1") -> Layout:
        """A layout on free loopback ports (for development and tests)."""
        ports = free_ports(2 * (1 + shards * mirrors), host)
        nodes = [Node(host, ports[2 * i], ports[2 * i + 1]) for i in range(1 + shards * mirrors)]
        return cls(nodes[0], tuple(tuple(nodes[1 + s * mirrors:1 + (s + 1) * mirrors]) for s in range(shards)))


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """Ports free on ``host`` now (held open together, so all distinct)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind((host, 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def parse_url(url: str) -> tuple[str, int]:
    """(host, SphinxQL port) of a ``sphinx://host:port`` backend URL."""
    if not url.startswith("sphinx://"):
        raise LayoutError(f"not a Sphinx backend URL: {url!r} (expected sphinx://host:port)")
    host, _, port = url[len("sphinx://"):].rstrip("/").rpartition(":")
    if not host or not port.isdigit():
        raise LayoutError(f"not a Sphinx backend URL: {url!r} (expected sphinx://host:port)")
    return host, int(port)
