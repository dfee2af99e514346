#!/usr/bin/env bash
# `npm run bench [-- --tasks N --types K]`: pushes N no-op tasks over K types through the five
# services on the local real servers and prints throughput and latency percentiles.
# `npm run bench -- --peers`: the same workload on Loom, BullMQ (its own redis-server), Agenda and
# a polling worker (the test MongoDB); `-- --profile`: CPU profiles and I/O counts of Loom.
# Everything it starts it stops, also on error or Ctrl-C. Results: .cache/bench/.
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash scripts/with-deps.sh tsx scripts/bench.ts "$@"
