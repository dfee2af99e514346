#!/usr/bin/env bash
# `npm test`: dependencies, type check, unit tests, then integration and end-to-end tests
# against real servers (started, or reused when already running). Extra arguments go to jest.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${LOOM_IN_DEPS:-}" != 1 ]; then LOOM_IN_DEPS=1 exec bash scripts/with-deps.sh bash "$0" "$@"; fi
echo "[loom] type check"
tsc -p tsconfig.json --noEmit
tsc -p services/gateway/web/tsconfig.json
echo "[loom] unit tests"
mkdir -p .cache/jest
jest --selectProjects unit --passWithNoTests --json --outputFile=.cache/jest/unit.json "$@"
echo "[loom] integration and end-to-end tests (real servers)"
# In band: the end-to-end suites start five service processes each; on two cores running
# suites side by side makes them fight for the CPU and the timings they check get noisy.
jest --selectProjects integration --runInBand --passWithNoTests --json --outputFile=.cache/jest/integration.json "$@"
# One closing line for both runs, in the plain form CI reads.
node -e '
const r = ["unit", "integration"].map((n) => require("./.cache/jest/" + n + ".json"));
const sum = (k) => r.reduce((a, x) => a + x[k], 0);
console.log(`tests: ${sum("numPassedTests")} passed, ${sum("numFailedTests")} failed, ${sum("numPendingTests")} skipped`);
'
