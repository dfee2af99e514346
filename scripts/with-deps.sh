#!/usr/bin/env bash
# Runs a command after making sure the node dependencies are installed: `npm ci` on a fresh
# clone (or when package-lock.json changed since the last install), nothing otherwise.
# Node.js itself is one of them: the `node` devDependency (the npm registry's Node 24 build),
# put first on PATH, so the command, and every service it spawns (process.execPath), runs on
# the Node version the project supports, whatever Node the machine ships.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ ! -x node_modules/.bin/node ]; then
  echo "[loom] installing node dependencies (npm ci)..."
  # npm ci refuses a lockfile that lacks other platforms' optional binaries (@swc/core-darwin-*,
  # ...), and a registry that does not serve those packages cannot write them into it. Then
  # install the locked versions with `npm install --no-save`, which leaves package-lock.json as is.
  if ! npm ci --no-audit --no-fund --loglevel=error 2>.npm-ci.log; then
    echo "[loom] npm ci refused the lockfile ($(grep -m1 -o 'Missing: [^ ]*' .npm-ci.log || echo 'see .npm-ci.log')); installing the locked versions with npm install --no-save"
    npm install --no-save --no-audit --no-fund --loglevel=error
  fi
  rm -f .npm-ci.log
fi
export PATH="$PWD/node_modules/.bin:$PATH"
want=$(node -p 'require("./package.json").engines.node.replace(/^>=\s*/, "").split(".")[0]')
have=$(node -p 'process.versions.node.split(".")[0]')
if [ "$have" -lt "$want" ]; then
  echo "[loom] Node.js $want or later is needed, but $(command -v node) is $(node --version): node_modules/.bin/node is missing (its preinstall did not run?); try: rm -rf node_modules && npm ci" >&2
  exit 1
fi
exec "$@"
