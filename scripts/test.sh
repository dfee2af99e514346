#!/usr/bin/env bash
# `npm test`: dependencies, type check, unit tests, then integration and end-to-end tests
# against real servers (started, or reused when already running). Extra arguments go to jest.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${LOOM_IN_DEPS:-}" != 1 ]; then LOOM_IN_DEPS=1 exec bash scripts/with-deps.sh bash "$0" "$@"; fi
echo "[loom] type check"
tsc -p tsconfig.json --noEmit
echo "[loom] unit tests"
jest --selectProjects unit --passWithNoTests "$@"
echo "[loom] integration and end-to-end tests (real servers)"
# In band: the end-to-end suites start five service processes each; on two cores running
# suites side by side makes them fight for the CPU and the timings they check get noisy.
jest --selectProjects integration --runInBand "$@"
