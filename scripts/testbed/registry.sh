#!/usr/bin/env bash
# Starts Debian's `docker-registry` (the distribution registry, 2.8) on 127.0.0.1 for the registry-delivery tests,
# with htpasswd auth (one user, a password made here once). Idempotent; needs root.
#   registry.sh        installs and starts it, then prints its env (REGISTRY, REGISTRY_USER, REGISTRY_PASSWORD, ...)
#   registry.sh stop   stops what this script started (by pid, checked against its command line)
# It listens on 127.0.0.1 only, over plain HTTP: dockerd allows 127.0.0.0/8 as an insecure registry by default (the
# script checks the engine says so). Its storage and config live under the test bed's state directory.
set -euo pipefail

state=${TESTBED_STATE:-/var/lib/deploy-action-testbed}
dir="$state/registry"
user=deploy-action-test
log() { printf '[testbed] %s\n' "$*" >&2; }

port_free() { ! ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }
# A pid file can outlive its process and the pid be reused: alive only if its command line is our registry's.
alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$dir/config.yml"; }
pid_of() { [ -f "$dir/registry.pid" ] && cat "$dir/registry.pid" 2>/dev/null || true; }

install_packages() {
  local need=()
  [ -x /usr/bin/docker-registry ] || need+=(docker-registry)
  command -v htpasswd >/dev/null || need+=(apache2-utils)
  command -v curl >/dev/null || need+=(curl)
  ((${#need[@]})) || return 0
  # The package's service would listen on every address (:5000): keep apt from starting it. A policy-rc.d that is
  # already there (a container's) is left as it is.
  local policy=/usr/sbin/policy-rc.d made=
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 0755 "$policy" && made=1; fi
  log "apt-get install ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || {
    [ -z "$made" ] || rm -f "$policy"
    exit 1
  }
  [ -z "$made" ] || rm -f "$policy"
  # Under systemd the unit may still be enabled for the next boot: it must never serve on other addresses.
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    systemctl disable --now docker-registry >/dev/null 2>&1 || true
  fi
}

configure() {
  mkdir -p "$dir/data"
  chmod 0700 "$dir"
  if [ ! -f "$dir/port" ]; then
    local p=5055
    while ! port_free "$p"; do p=$((p + 1)); done
    echo "$p" >"$dir/port"
  fi
  if [ ! -f "$dir/password" ]; then
    (umask 077 && head -c 18 /dev/urandom | base64 | tr '+/' '-_' >"$dir/password")
  fi
  # bcrypt: the only hash the registry's htpasswd backend accepts. Written once: the running registry read it at start.
  if [ ! -s "$dir/htpasswd" ]; then
    htpasswd -Bbn "$user" "$(cat "$dir/password")" >"$dir/htpasswd.new" 2>/dev/null
    mv "$dir/htpasswd.new" "$dir/htpasswd"
  fi
  cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$(cat "$dir/port")
auth:
  htpasswd:
    realm: deploy-action-test
    path: $dir/htpasswd
EOF
}

start() {
  local port; port=$(cat "$dir/port")
  if ! alive "$(pid_of)"; then
    port_free "$port" || { log "127.0.0.1:$port is taken by something else"; exit 1; }
    log "starting docker-registry on 127.0.0.1:$port"
    nohup /usr/bin/docker-registry serve "$dir/config.yml" </dev/null >"$dir/registry.log" 2>&1 &
    echo $! >"$dir/registry.pid"
  fi
  for _ in $(seq 1 50); do
    # Unauthenticated, the API root answers 401: the registry is up and asks for the login.
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v2/")" = 401 ]; then return 0; fi
    sleep 0.1
  done
  log "the registry does not answer on 127.0.0.1:$port; its log:"; tail -n 20 "$dir/registry.log" >&2; exit 1
}

check_insecure_allowed() {
  # Plain HTTP works only if the engine lists the registry as insecure; 127.0.0.0/8 is in dockerd's default list.
  docker info --format '{{range .RegistryConfig.InsecureRegistryCIDRs}}{{.}} {{end}}' 2>/dev/null | grep -qw '127.0.0.0/8' \
    || { log "the engine does not allow 127.0.0.0/8 as an insecure registry"; exit 1; }
}

print_env() {
  cat >"$dir/env" <<EOF
REGISTRY=127.0.0.1:$(cat "$dir/port")
REGISTRY_USER=$user
REGISTRY_PASSWORD=$(cat "$dir/password")
REGISTRY_LOG=$dir/registry.log
EOF
  chmod 0600 "$dir/env"
  cat "$dir/env"
}

case "${1:-start}" in
  start)
    install_packages
    configure
    start
    check_insecure_allowed
    print_env ;;
  stop)
    pid=$(pid_of)
    if alive "$pid"; then kill "$pid"; fi
    rm -f "$dir/registry.pid" ;;
  *) echo "usage: $0 [start|stop]" >&2; exit 2 ;;
esac
