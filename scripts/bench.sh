#!/usr/bin/env bash
# `npm run bench [-- --tasks N --types K]`: pushes N no-op tasks over K types through the five
# services on the local real servers and prints throughput and latency percentiles.
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash scripts/with-deps.sh tsx scripts/bench.ts "$@"
