"""gunicorn settings for a 2-core machine: 2 worker processes x 8 threads, searches only.

The variables are declared in newsearch/config.py. `bash tools/run.sh` (newsearch/serve.py) runs
gunicorn on a unix socket behind nginx, which buffers slow clients; started alone, gunicorn
listens on 127.0.0.1:NEWSEARCH_PORT. Each worker opens the index itself after the fork (one
searcher per thread, per index generation); the one process that writes the index is
`newsearch rebuild-index`.
"""

# gunicorn takes every module-level name that is a setting of its own (`config` is one): import functions.
from newsearch.config import app_bind, default_index_dir, int_setting

bind = app_bind()
workers = int_setting("NEWSEARCH_WORKERS", 1, 64)
worker_class = "gthread"
threads = int_setting("NEWSEARCH_THREADS", 1, 64)
timeout = int_setting("NEWSEARCH_WORKER_TIMEOUT", 1, 3600)
graceful_timeout = 20
max_requests = 0
# Alone, gunicorn bounds requests itself. Behind nginx, which bounds them first and answers in the app's
# JSON error shape, gunicorn must never refuse what nginx let through (its own pages are plain HTML).
behind_nginx = bind.startswith("unix:")
limit_request_line = 0 if behind_nginx else 8190
limit_request_fields = 32768 if behind_nginx else 60
limit_request_field_size = 0 if behind_nginx else 8190
accesslog = "-"
errorlog = "-"
loglevel = "info"
# Behind nginx the peer is a unix socket: the client's address comes in X-Real-IP.
access_log_format = ('%({x-real-ip}i)s' if behind_nginx else "%(h)s") + ' "%(r)s" %(s)s %(b)s %(M)sms'
preload_app = False
# gunicorn 23+: no shared ~/.gunicorn/gunicorn.ctl, which several servers on one machine would fight over.
control_socket_disable = True


def on_starting(server):  # noqa: ANN001, ANN201 - gunicorn's hook signature
    """Refuse to start without an index to serve (the embedded one, or the cluster's that
    NEWSEARCH_BACKEND names), saying which command builds it."""
    from newsearch.engine import check_engine
    from newsearch.results import IndexUnavailable
    from newsearch.store import IndexMissing

    try:
        check_engine(default_index_dir())
    except (IndexMissing, IndexUnavailable) as exc:
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
