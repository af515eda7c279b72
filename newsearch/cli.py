"""The command line: ``newsearch rebuild-index`` (also ``flask --app newsearch rebuild-index``)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TextIO

import click

from .config import default_index_dir
from .documents import ReadProgress
from .indexer import BuildStats, InputPathError, StoreError, rebuild, update

DEFAULT_INPUT = Path("seeds")


class ProgressBar:
    """A one-line progress bar with articles/s and time left, drawn only on a terminal."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.started = time.perf_counter()
        self.last = 0.0

    def __call__(self, done: int, read: ReadProgress) -> None:
        now = time.perf_counter()
        if now - self.last < 0.2:
            return
        self.last = now
        elapsed = now - self.started
        fraction = min(read.done / read.total, 1.0)
        left = elapsed * (1 - fraction) / fraction if fraction > 0.001 else 0
        bar = "#" * int(fraction * 30)
        self.stream.write(f"\r[{bar:<30}] {fraction:4.0%} {done:,} articles {done / max(elapsed, 1e-9):,.0f}/s "
                          f"{int(left) // 60}:{int(left) % 60:02d} left ")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\r" + " " * 79 + "\r")


def _default_sources(values: tuple[str, ...]) -> dict[Path, str]:
    out = {}
    for value in values:
        folder, sep, name = value.partition("=")
        if not sep or not folder or not name.strip():
            raise click.BadParameter(f"{value!r} is not FOLDER=NAME, e.g. --default-source wires/=Reuters",
                                     param_hint="--default-source")
        out[Path(folder)] = name.strip()
    return out


class UsageFailure(click.ClickException):
    """A command that cannot run as given (exit status 2), said in one line."""

    exit_code = 2


@click.command("rebuild-index")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--index-dir", type=click.Path(path_type=Path), default=None,
              help="Where the index lives [default: $NEWSEARCH_INDEX_DIR or index/].")
@click.option("--update", "incremental", is_flag=True,
              help="Add new and changed documents, and remove those of files vanished from under PATHS "
                   "[default PATHS: the ones the index was built from].")
@click.option("--workers", type=click.IntRange(1, 64), default=os.cpu_count() or 2, show_default=True,
              help="Processes that parse and extract entities.")
@click.option("--default-source", "default_source", multiple=True, metavar="FOLDER=NAME",
              help="Source for documents under FOLDER that name none themselves (repeatable).")
def rebuild_index_command(paths: tuple[Path, ...], index_dir: Path | None, incremental: bool, workers: int,
                          default_source: tuple[str, ...]) -> None:
    """Index news files (default: seeds/) into the search index.

    PATHS are files or folders (read recursively) of .txt, .md and .jsonl files,
    the latter optionally compressed (.gz, .xz). Example:

        newsearch rebuild-index seeds/ --index-dir index/
    """
    root = index_dir or default_index_dir()
    sources = _default_sources(default_source)
    bar = ProgressBar() if sys.stderr.isatty() else None
    kind = "update" if incremental else "rebuild"
    try:
        if incremental:
            stats = update(list(paths) or None, root, workers=workers, progress=bar, default_sources=sources,
                           warn=_warn)
        else:
            stats = rebuild(list(paths) or [DEFAULT_INPUT], root, workers=workers, progress=bar,
                            default_sources=sources, warn=_warn)
    except InputPathError as exc:
        raise UsageFailure(str(exc)) from exc
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        raise click.ClickException(f"{kind} failed: {exc.strerror or exc}{where}") from exc
    except Exception as exc:  # a bug: still one line, naming the exception, rather than a traceback
        raise click.ClickException(f"{kind} failed: unexpected {type(exc).__name__}: {exc}") from exc
    finally:
        if bar:
            bar.close()
    _report(stats, root)


def _warn(message: str) -> None:
    click.echo(f"warning: {message}", err=True)


def _report(stats: BuildStats, root: Path) -> None:
    click.echo(stats.summary())
    if stats.removed_ids:
        click.echo(stats.removals())
    click.echo(f"time: read+parse {stats.read_parse_seconds:.1f}s, entities {stats.entity_seconds:.1f}s "
               f"(CPU, over all workers), index write {stats.write_seconds:.1f}s, "
               f"copies and stories {stats.group_seconds:.1f}s; "
               f"peak memory {stats.peak_memory_mb:,.0f} MB")
    if stats.rejected:
        for item in stats.rejects[:5]:
            click.echo(f"rejected {item.origin}: {item.reason}", err=True)
        more = f" ({stats.rejected - 5} more)" if stats.rejected > 5 else ""
        click.echo(f"all rejects{more}: {root / 'rejects.tsv'}", err=True)


@click.group()
def main() -> None:
    """newsearch: full-text search over news."""


main.add_command(rebuild_index_command)
