#!/usr/bin/env bash
# Runs a command after making sure the node dependencies are installed: `npm ci` on a fresh
# clone (or when package-lock.json changed since the last install), nothing otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  echo "[loom] installing node dependencies (npm ci)..."
  npm ci --no-audit --no-fund --loglevel=error
fi
export PATH="$PWD/node_modules/.bin:$PATH"
exec "$@"
