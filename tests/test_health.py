"""Health tells the truth: a damaged, missing or unlinked index gives 503s that name no server path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from newsearch.indexer import current_dir, rebuild
from newsearch.web import create_app

from .conftest import SEEDS

ROUTES = ("/api/health", "/api/search?q=hamas", "/api/stats", "/?q=hamas")


OPENED: list = []


def app_on(root: Path):  # type: ignore[no-untyped-def]
    app = create_app({"TESTING": True, "INDEX_DIR": str(root)})
    OPENED.append(app)
    return app


@pytest.fixture(autouse=True)
def close_engines():  # type: ignore[no-untyped-def]
    yield
    while OPENED:
        engine = OPENED.pop().extensions.get("newsearch")
        if engine is not None:
            engine.close()


@pytest.fixture()
def index(tmp_path: Path) -> Path:
    root = tmp_path / "index"
    rebuild([SEEDS], root, workers=1)
    return root


def assert_degraded(client, root: Path, routes: tuple[str, ...] = ROUTES) -> None:  # type: ignore[no-untyped-def]
    for route in routes:
        response = client.get(route)
        assert response.status_code == 503, route
        text = response.get_data(as_text=True)
        assert str(root.parent) not in text and "index degraded" in text, route
        if route.startswith("/api/"):
            body = response.get_json()
            assert (body["ok"], body["status"]) == (False, 503)


def test_a_healthy_index_says_so(index: Path) -> None:
    body = app_on(index).test_client().get("/api/health").get_json()
    assert (body["ok"], body["index"], body["articles"]) == (True, "readable", 2)


def test_a_truncated_segment_file_is_degraded_not_500(index: Path) -> None:
    folder = current_dir(index)
    for segment in folder.glob("*.seg"):
        segment.write_bytes(segment.read_bytes()[:20])
    for data in folder.glob("*.pst"):
        data.write_bytes(data.read_bytes()[:20])
    # /api/stats answers from the facet arrays read at open, which are intact
    assert_degraded(app_on(index).test_client(), index, tuple(r for r in ROUTES if r != "/api/stats"))


def test_a_deleted_generation_is_degraded(index: Path) -> None:
    app = app_on(index)
    assert app.test_client().get("/api/health").status_code == 200
    assert app.extensions["newsearch"].wait_warm(30)  # a warm-up cut short leaves Whoosh's files to the collector
    shutil.rmtree(current_dir(index))
    assert_degraded(app_on(index).test_client(), index)


def test_a_missing_link_is_degraded_without_the_path(index: Path) -> None:
    (index / "current").unlink()
    assert_degraded(app_on(index).test_client(), index)


def test_a_generation_deleted_under_its_warm_up_stays_cold_and_quiet(index: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    """The warm-up thread opens its own reader; when the generation was swapped out and deleted
    first, the thread logs and ends, and the generation serves cold (it used to die with a traceback)."""
    import threading

    from whoosh.index import EmptyIndexError, open_dir

    from newsearch.generation import GenerationCache

    def vanished():  # type: ignore[no-untyped-def]
        raise EmptyIndexError("Index 'MAIN' does not exist")

    failures: list = []
    previous, threading.excepthook = threading.excepthook, failures.append
    ix = open_dir(str(current_dir(index)))
    reader = ix.reader()
    try:
        cache = GenerationCache(warm=True)
        generation = cache.get("g1", reader, vanished, current_dir(index))
        assert cache.warmed.wait(10)
        assert failures == []
        assert "stays cold" in caplog.text
        assert len(generation.columns.ids) == 2
    finally:
        threading.excepthook = previous
        reader.close()
