#!/usr/bin/env bash
# `npm start`: dependencies, then the whole system (scripts/start.ts). Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash scripts/with-deps.sh tsx scripts/start.ts "$@"
