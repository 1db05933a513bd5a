#!/usr/bin/env bash
# Installs Haven and starts it on the embedded default: an SQLite file in ./data/, migrated,
# at http://127.0.0.1:8000 (FORUM_* variables, if set, are respected).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/forum db upgrade
exec .venv/bin/forum serve --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}"
