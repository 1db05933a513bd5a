#!/usr/bin/env bash
# Installs everything Haven needs into this checkout: a .venv with the Python packages
# (torch pinned to the CPU build), and the front-end files from the npm registry.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
# torch first and pinned: an unpinned torch pulls a multi-GB CUDA build.
.venv/bin/python -m pip install --quiet "torch==2.13.0"
.venv/bin/python -m pip install --quiet -e ".[dev]"

if command -v npm >/dev/null 2>&1; then
  npm install --no-audit --no-fund --silent
else
  echo "npm is not installed: pages will work without htmx (install Node.js + npm, then rerun)." >&2
fi
echo "Haven is installed in .venv/"
