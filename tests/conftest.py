"""Fixtures: real indexes on disk (seeds, hostile documents, real articles), the app, its client and CLI runner."""

from __future__ import annotations

import itertools
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from newsearch.indexer import rebuild
from newsearch.search import SearchEngine, Snapshot
from newsearch.web import create_app

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
CORPORA = ROOT.parent / "shared" / "corpora"
SEED_000 = "000_374bea5cd4adfd19"
SEED_003 = "003_a638936a4ebfdaf2"

HOSTILE = {
    "id": "hostile-1",
    "title": "<script>alert('title')</script> Markets \"quote' breaking",
    "body": ("Traders at <img src=x onerror=alert('body')> said on Monday that prices rose. "
             "Officials of <b>Acme</b> said \"'><script>alert(1)</script> nothing more.\n\n"
             "=HYPERLINK(\"http://evil\") was in the text, and [click](javascript:alert('md')) too."),
    "date": "2024-05-01T10:00:00Z",
    "source": "<script>alert('source')</script>",
    "url": "javascript:alert('url')",
    "author": "<img src=x onerror=alert('author')>",
}


def corpus(name: str) -> Path:
    """A corpus in ../shared/corpora, or a skip that says why (never a silent pass)."""
    path = CORPORA / name
    if not path.exists():
        pytest.skip(f"needs the shared corpus {path} (present beside the project on our machines and CI)")
    return path


@pytest.fixture(scope="session")
def seeds_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("seeds") / "index"
    rebuild([SEEDS], root, workers=1)
    return root


@pytest.fixture(scope="session")
def mixed_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds, a hostile document and 300 real Reuters-21578 articles."""
    folder = tmp_path_factory.mktemp("mixed")
    shutil.copytree(SEEDS, folder / "seeds")
    (folder / "hostile.jsonl").write_text(json.dumps(HOSTILE) + "\n", encoding="utf-8")
    import gzip

    with gzip.open(corpus("reuters21578.jsonl.gz"), "rt", encoding="utf-8") as f:
        lines = [line for line in itertools.islice(f, 400) if json.loads(line)["body"].strip()][:300]
    (folder / "reuters.jsonl").write_text("".join(lines), encoding="utf-8")
    root = folder / "index"
    rebuild([folder / "seeds", folder / "hostile.jsonl", folder / "reuters.jsonl"], root, workers=2)
    return root


@pytest.fixture()
def snap(seeds_index: Path) -> Iterator[Snapshot]:
    engine = SearchEngine(seeds_index)
    yield engine.snapshot()
    engine.close()


@pytest.fixture()
def mixed(mixed_index: Path) -> Iterator[Snapshot]:
    engine = SearchEngine(mixed_index)
    yield engine.snapshot()
    engine.close()


def _app(index: Path) -> Iterator[Flask]:
    app = create_app({"TESTING": True, "INDEX_DIR": str(index)})
    yield app
    if "newsearch" in app.extensions:
        app.extensions["newsearch"].close()


@pytest.fixture()
def app(seeds_index: Path) -> Iterator[Flask]:
    yield from _app(seeds_index)


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture()
def mixed_client(mixed_index: Path) -> Iterator[FlaskClient]:
    for app in _app(mixed_index):
        yield app.test_client()


@pytest.fixture()
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()
