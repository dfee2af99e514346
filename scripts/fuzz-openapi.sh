#!/usr/bin/env bash
# `npm run fuzz [-- schemathesis options]`: fuzzes the API from its OpenAPI document with
# schemathesis (--checks all) against a system of its own (test/fuzz/openapi-fuzz.ts).
# schemathesis comes from PyPI into a virtualenv under .cache/, once, pinned.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${LOOM_IN_DEPS:-}" != 1 ]; then LOOM_IN_DEPS=1 exec bash scripts/with-deps.sh bash "$0" "$@"; fi
SCHEMATHESIS_VERSION=4.32.5
venv=.cache/fuzz-venv
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q " $SCHEMATHESIS_VERSION\$"; then
  echo "[loom] installing schemathesis $SCHEMATHESIS_VERSION into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi
exec tsx test/fuzz/openapi-fuzz.ts "$venv/bin/schemathesis" "$@"
