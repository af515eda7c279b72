#!/usr/bin/env bash
# Install, index seeds/ (or the paths given), and serve the search page and API on 127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -e .
.venv/bin/newsearch rebuild-index "${@:-seeds/}"
echo "serving on http://127.0.0.1:${NEWSEARCH_PORT:-8000}/ (Ctrl-C stops)"
exec .venv/bin/gunicorn -c gunicorn.conf.py wsgi:app
