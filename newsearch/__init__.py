"""newsearch: full-text search over news, faceted by date, source and entity."""

from __future__ import annotations

from typing import Any


def create_app(test_config: dict[str, Any] | None = None) -> Any:
    """The Flask app (so that `flask --app newsearch ...` finds it); imported lazily."""
    from .web import create_app as factory

    return factory(test_config)
