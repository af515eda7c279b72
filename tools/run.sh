#!/usr/bin/env bash
# Install, index seeds/ (or the paths given), and serve the search page and API on 127.0.0.1:$NEWSEARCH_PORT
# (default 8000): nginx (Debian's, installed here when missing) in front of gunicorn; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m newsearch.serve --check-port  # before anything else; says how to choose another port
if ! command -v "${NEWSEARCH_NGINX:-nginx}" >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  SUDO=$([ "$(id -u)" = 0 ] && echo "" || echo sudo)
  $SUDO apt-get update -qq
  # only the program is used: newsearch.serve runs its own nginx, never the system's service
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nginx >/dev/null
fi
python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -e .
.venv/bin/newsearch rebuild-index "${@:-seeds/}"
exec .venv/bin/python -m newsearch.serve
