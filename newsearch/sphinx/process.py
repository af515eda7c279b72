"""Starting and stopping the searchd processes of a layout (development, tests and benchmarks).

In production the processes are run by the service manager of each node; this module renders
the same configuration and, on one machine, runs every process itself.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

from .config import front_config, shard_config
from .layout import Layout, Node

SEARCHD = "searchd"
START_SECONDS = 20.0


class ClusterError(RuntimeError):
    """A searchd process that would not start, or no searchd installed."""


def searchd_binary() -> str:
    """The searchd on PATH, or a message saying how to install it."""
    found = shutil.which(SEARCHD) or (Path("/usr/bin/searchd").exists() and "/usr/bin/searchd")
    if not found:
        raise ClusterError("searchd not found: install Sphinx (apt-get install -y sphinxsearch) or Manticore Search")
    return str(found)


class Cluster:
    """The processes of one layout, each in its own folder under ``root``."""

    def __init__(self, layout: Layout, root: Path) -> None:
        self.layout = layout
        self.root = root
        self.processes: dict[Node, subprocess.Popen[bytes]] = {}

    def folder(self, node: Node) -> Path:
        return self.root / f"searchd-{node.sql_port}"

    def write_configs(self) -> None:
        """Render every process's configuration, and the layout beside them."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.layout.save(self.root / "layout.json")
        for node in self.layout.nodes():
            folder = self.folder(node)
            (folder / "binlog").mkdir(parents=True, exist_ok=True)
            text = front_config(self.layout, folder) if node == self.layout.front else shard_config(node, folder)
            (folder / "sphinx.conf").write_text(text, encoding="utf-8")

    def start(self) -> None:
        """Start every process that is not running, and wait until each accepts connections."""
        self.write_configs()
        try:
            for node in self.layout.nodes():
                self.start_node(node)
        except ClusterError:
            self.stop()
            raise

    def start_node(self, node: Node) -> None:
        """Start one process (again) and wait for its SphinxQL port."""
        running = self.processes.get(node)
        if running is not None and running.poll() is None:
            return
        folder = self.folder(node)
        log = (folder / "stdout.log").open("ab")
        self.processes[node] = subprocess.Popen(  # noqa: S603 - our own binary and config
            [searchd_binary(), "--config", str(folder / "sphinx.conf"), "--nodetach"],
            stdout=log, stderr=subprocess.STDOUT, cwd=folder)
        log.close()
        _wait_for_port(node, self.processes[node], folder)

    def kill(self, node: Node) -> None:
        """Kill one process at once (SIGKILL), as a crash would."""
        process = self.processes.pop(node, None)
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(10)

    def stop(self) -> None:
        """Stop every process (SIGTERM, then SIGKILL after a grace period)."""
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        self.processes.clear()

    def pids(self) -> dict[Node, int]:
        return {node: p.pid for node, p in self.processes.items() if p.poll() is None}

    def __enter__(self) -> Cluster:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _wait_for_port(node: Node, process: subprocess.Popen[bytes], folder: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = (folder / "stdout.log").read_text(errors="replace")[-800:]
            raise ClusterError(f"searchd on {node.name} exited with {process.returncode}: {tail}")
        try:
            with socket.create_connection((node.host, node.sql_port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise ClusterError(f"searchd on {node.name} did not listen within {START_SECONDS:.0f}s")
