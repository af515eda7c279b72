"""SphinxQL connections (the MySQL protocol, through PyMySQL) and the literals we send."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pymysql
from pymysql.constants import CLIENT
from pymysql.converters import escape_string

from .layout import Node

CONNECT_SECONDS = 2.0
READ_SECONDS = 30.0


class BackendError(RuntimeError):
    """A searchd process that cannot be reached or refused a statement."""


def connect(host: str, port: int) -> pymysql.connections.Connection[Any]:
    """A SphinxQL connection that may send several statements at once."""
    try:
        return pymysql.connect(host=host, port=port, user="", autocommit=True, charset="utf8",
                               connect_timeout=CONNECT_SECONDS, read_timeout=READ_SECONDS,
                               write_timeout=READ_SECONDS, client_flag=CLIENT.MULTI_STATEMENTS)
    except pymysql.err.MySQLError as exc:
        raise BackendError(f"cannot reach searchd at {host}:{port}: {exc}") from exc


def connect_node(node: Node) -> pymysql.connections.Connection[Any]:
    return connect(node.host, node.sql_port)


def literal(value: object) -> str:
    """A SphinxQL literal: integers as they are, strings quoted, tuples as MVA lists ``(1,2)``."""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, tuple | list):
        return "(" + ",".join(str(int(v)) for v in value) + ")"
    return "'" + escape_string(str(value)) + "'"


def int_list(values: Iterable[int]) -> str:
    """``1,2,3`` for an IN (...) filter."""
    return ",".join(str(int(v)) for v in values)
