#!/usr/bin/env bash
# Installs Haven and everything its tests need, starts the services they use, and runs the
# whole suite: unit, HTTP, SQLite + PostgreSQL, and the real-browser tests in Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

# Chromium for the browser tests (Debian's package; Playwright can't download its own here).
if [ ! -x /usr/lib/chromium/chromium ]; then
  $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null
fi

# PostgreSQL and Redis on loopback: start them if they are installed but stopped.
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null && break; sleep 1; done
fi
if command -v redis-cli >/dev/null 2>&1 && ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  if command -v redis-server >/dev/null 2>&1; then
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null || true
  fi
fi

# In CI a missing PostgreSQL, Redis or Chromium is a failure, not a skip.
if [ "${CI:-}" = "true" ]; then
  export FORUM_REQUIRE_POSTGRES=1 FORUM_REQUIRE_REDIS=1 FORUM_REQUIRE_BROWSER=1
fi
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
status=0
# Browser tests run on their own: Playwright's sync API keeps an event loop running for the whole
# session, which asyncio tests sharing its process could not start theirs beside.
.venv/bin/pytest -q -n 2 --dist loadfile --ignore=tests/browser "$@" || status=$?
.venv/bin/pytest -q -n 2 --dist loadfile tests/browser "$@" || status=$?
echo "ruff (lint):"
.venv/bin/ruff check . || status=1
exit $status
