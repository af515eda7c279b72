"""gunicorn settings for a 2-core machine: 2 worker processes x 4 threads, searches only.

Each worker opens the index itself after the fork (one searcher per thread, per index
generation); the one process that writes the index is `newsearch rebuild-index`.
"""

import os

bind = f"127.0.0.1:{os.environ.get('NEWSEARCH_PORT', '8000')}"
workers = int(os.environ.get("NEWSEARCH_WORKERS", "2"))
worker_class = "gthread"
threads = 4
timeout = 30
graceful_timeout = 20
max_requests = 0
limit_request_line = 8190
limit_request_fields = 60
limit_request_field_size = 8190
accesslog = "-"
errorlog = "-"
loglevel = "info"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
preload_app = False


def on_starting(server):  # noqa: ANN001, ANN201 - gunicorn's hook signature
    """Refuse to start without a readable index, saying which command builds it."""
    from pathlib import Path

    from newsearch.config import default_index_dir
    from newsearch.indexer import IndexMissing, open_current

    root = Path(os.environ.get("NEWSEARCH_INDEX_DIR") or default_index_dir())
    try:
        open_current(root).close()
    except IndexMissing as exc:
        raise SystemExit(f"newsearch: {exc}") from None


def post_fork(server, worker):  # noqa: ANN001, ANN201 - gunicorn's hook signature
    """Keep glibc from holding freed numpy temporaries (100-400 KB per request) in per-thread arenas:
    a fixed mmap threshold returns them to the system, and two arenas bound fragmentation."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if name:
        libc = ctypes.CDLL(name)
        libc.mallopt(-3, 128 * 1024)  # M_MMAP_THRESHOLD
        libc.mallopt(-8, 2)  # M_ARENA_MAX
