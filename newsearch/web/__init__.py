"""The Flask app: search page, article page and REST API (Flask, never Whoosh)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from flask import Flask, abort, g, request
from werkzeug.wrappers import Response

from ..config import default_index_dir
from ..engine import Engine, Snapshot, open_engine

MAX_REQUEST_BYTES = 16 * 1024
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """The application factory (the index is opened on first use, so the CLI works without one)."""
    app = Flask(__name__)
    app.config.from_mapping(INDEX_DIR=str(default_index_dir()), MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
                            JSON_SORT_KEYS=False)
    if test_config:
        app.config.from_mapping(test_config)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    from ..cli import rebuild_index_command
    from . import api, errors, pages, research

    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(research.bp)
    errors.register(app)
    app.cli.add_command(rebuild_index_command)
    app.before_request(_start_timer)
    app.after_request(_finish)
    return app


def engine(app: Flask) -> Engine:
    """The app's search engine, created on first use."""
    found = app.extensions.get("newsearch")
    if found is None:
        found = app.extensions["newsearch"] = open_engine(Path(app.config["INDEX_DIR"]))
    return found  # type: ignore[no-any-return]


def snapshot() -> Snapshot:
    """This request's view of the index (one searcher per thread, refreshed per generation)."""
    if "snapshot" not in g:
        from flask import current_app

        g.snapshot = engine(current_app).snapshot()
    return g.snapshot  # type: ignore[no-any-return]


def _start_timer() -> None:
    g.started = time.perf_counter()
    if (request.content_length or 0) > MAX_REQUEST_BYTES:
        abort(413, f"request body is {request.content_length:,} bytes; the limit is {MAX_REQUEST_BYTES:,}")


def _finish(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
    response.headers["Server-Timing"] = f"app;dur={elapsed:.1f}"
    return response
