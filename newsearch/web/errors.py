"""One error shape everywhere: JSON {"ok": false, "error", "errors", "status"} under /api, a page elsewhere."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from ..results import IndexUnavailable, NotFound, TooExpensive
from .data import BadRequest

log = logging.getLogger("newsearch")


def error_body(status: int, error: str, errors: list[str] | None = None) -> dict[str, Any]:
    """The JSON error shape."""
    return {"ok": False, "error": error, "errors": errors or [error], "status": status}


def respond(status: int, error: str, errors: list[str] | None = None) -> Any:
    if request.path.startswith("/api/") or request.path == "/healthz":
        return error_body(status, error, errors), status
    return render_template("error.html", status=status, error=error, errors=errors or [error]), status


def register(app: Flask) -> None:
    @app.errorhandler(BadRequest)
    def bad_request(exc: BadRequest) -> Any:
        return respond(400, "bad request: " + exc.errors[0] if len(exc.errors) == 1 else
                       f"bad request: {len(exc.errors)} problems", exc.errors)

    @app.errorhandler(NotFound)
    def not_found(exc: NotFound) -> Any:
        return respond(404, str(exc))

    @app.errorhandler(IndexUnavailable)
    def index_unavailable(exc: IndexUnavailable) -> Any:
        log.error("index unavailable on %s: %r", request.path, exc.__cause__ or exc)
        return respond(503, f"index degraded: {exc}")

    @app.errorhandler(TooExpensive)
    def too_expensive(exc: TooExpensive) -> Any:
        return respond(503, str(exc))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        return respond(exc.code or 500, f"{exc.name}: {exc.description}")

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Any:
        log.exception("unhandled error on %s", request.path)
        return respond(500, "internal error: the request could not be completed")
