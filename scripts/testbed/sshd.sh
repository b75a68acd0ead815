#!/usr/bin/env bash
# Starts a real OpenSSH sshd on 127.0.0.1 for the deploy tests, as "host a" or "host b". Idempotent.
#   sshd.sh a   sshd on a spare port (from 2222); its deploy user reaches the main dockerd. Any other name
#               (e.g. `single`) is another such host on its own port, so test files can kill theirs alone.
#   sshd.sh b   a second "machine": its own mount namespace (its own /srv), its own dockerd (own data-root, exec-root,
#               socket; vfs, no bridge), and an sshd whose sessions reach that dockerd through `SetEnv DOCKER_HOST=`.
#   sshd.sh stop a|b   stops what this script started for that host (by pid).
#   sshd.sh swarm init|leave   makes host b's dockerd (never the main engine) a single-node Swarm manager on loopback
#               (`--advertise-addr 127.0.0.1 --listen-addr 127.0.0.1:2377`), or leaves the swarm (--force). Idempotent;
#               `init` starts host b first. Prints host b's env like `sshd.sh b`.
# Each host writes $state/sshd-<host>/env (SSH_PORT, SSH_USER, SSH_KEY, KNOWN_HOSTS, DOCKER_HOST, ...) and prints it.
# Needs root. Traffic stays on loopback.
set -euo pipefail

state=${TESTBED_STATE:-/var/lib/deploy-action-testbed}
user=deployer
deploy_root=/srv/deploy-action-test
log() { printf '[testbed] %s\n' "$*" >&2; }

# A pid file can outlive its process and the pid be reused: alive only if its command line holds what ours does.
alive() { # pid word
  [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$2"
}
pid_of() { [ -f "$1" ] && cat "$1" 2>/dev/null || true; }

port_free() { ! ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

ensure_user() {
  command -v /usr/sbin/sshd >/dev/null || { log "openssh-server is missing (scripts/testbed/engine.sh installs it)"; exit 1; }
  getent group docker >/dev/null || groupadd --system docker
  if ! id "$user" >/dev/null 2>&1; then
    useradd --create-home --shell /bin/sh --groups docker "$user"
  fi
  usermod -aG docker "$user"
  # Without a password hash sshd treats the account as locked; '*' unlocks key login and allows no password.
  usermod -p '*' "$user"
  mkdir -p "$state/ssh"
  chmod 0755 "$state" "$state/ssh"
  if [ ! -f "$state/ssh/client_ed25519" ]; then
    ssh-keygen -q -t ed25519 -N '' -C deploy-action-test -f "$state/ssh/client_ed25519"
  fi
  install -m 0644 -o root -g root "$state/ssh/client_ed25519.pub" "$state/ssh/authorized_keys"
  mkdir -p /run/sshd && chmod 0755 /run/sshd
}

write_config() { # host dir port [setenv]
  local host=$1 dir=$2 port=$3 setenv=${4:-}
  [ -f "$dir/host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C "deploy-action-test-$host" -f "$dir/host_ed25519"
  cat >"$dir/sshd_config" <<EOF
Port $port
ListenAddress 127.0.0.1
HostKey $dir/host_ed25519
PidFile $dir/sshd.pid
AuthorizedKeysFile $state/ssh/authorized_keys
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin no
AllowUsers $user
AllowTcpForwarding yes
MaxSessions 32
LogLevel VERBOSE
Subsystem sftp internal-sftp
EOF
  if [ -n "$setenv" ]; then printf 'SetEnv %s\n' "$setenv" >>"$dir/sshd_config"; fi
}

pick_port() { # dir preferred
  local dir=$1 p=$2
  if [ -f "$dir/port" ]; then cat "$dir/port"; return; fi
  while ! port_free "$p"; do p=$((p + 1)); done
  echo "$p" >"$dir/port"
  echo "$p"
}

write_env() { # host dir port docker_host
  local host=$1 dir=$2 port=$3 docker_host=$4
  local known="[127.0.0.1]:$port $(cut -d' ' -f1-2 "$dir/host_ed25519.pub")"
  echo "$known" >"$dir/known_hosts"
  cat >"$dir/env" <<EOF
SSH_HOST=127.0.0.1
SSH_PORT=$port
SSH_USER=$user
SSH_KEY=$state/ssh/client_ed25519
KNOWN_HOSTS=$dir/known_hosts
DOCKER_HOST=$docker_host
DEPLOY_ROOT=$deploy_root
SSHD_PIDFILE=$dir/sshd.pid
SSHD_LOG=$dir/sshd.log
EOF
  cat "$dir/env"
}

wait_for_port() {
  for _ in $(seq 1 50); do port_free "$1" || return 0; sleep 0.1; done
  log "sshd did not listen on $1; its log:"; tail -n 20 "$2" >&2; exit 1
}

up_a() { # name
  local name=$1 dir="$state/sshd-$1"
  mkdir -p "$dir"
  local base=2222
  [ "$name" = a ] || base=$((2242 + $(printf '%s' "$name" | cksum | cut -d' ' -f1) % 50 * 2))
  local port; port=$(pick_port "$dir" "$base")
  # SSHD_SETENV (`NAME=value`): the host's own environment for its sessions, for a test that must not see it win.
  write_config "$name" "$dir" "$port" "${SSHD_SETENV:-}"
  install -d -o "$user" -g "$user" -m 0755 "$deploy_root"
  if ! alive "$(pid_of "$dir/sshd.pid")" "$dir/sshd_config"; then
    log "starting sshd $name on 127.0.0.1:$port"
    /usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log"
    wait_for_port "$port" "$dir/sshd.log"
  fi
  write_env "$name" "$dir" "$port" ""
}

up_b() {
  local dir="$state/sshd-b"
  mkdir -p "$dir" "$dir/srv" "$dir/exec" "$dir/data"
  local port; port=$(pick_port "$dir" 2232)
  local sock="$dir/docker.sock"
  write_config b "$dir" "$port" "DOCKER_HOST=unix://$sock"
  install -d -o "$user" -g "$user" -m 0755 "$dir/srv/deploy-action-test"

  # The namespace holder: host b sees $dir/srv as its /srv. dockerd b and sshd b are entered into it.
  local holder; holder=$(pid_of "$dir/ns.pid")
  if ! alive "$holder" 'sleep infinity'; then
    log "creating host b's mount namespace"
    unshare --mount --propagation private --fork sh -c "mount --bind '$dir/srv' /srv && exec sleep infinity" \
      </dev/null >"$dir/ns.log" 2>&1 &
    echo $! >"$dir/ns.unshare.pid"
    for _ in $(seq 1 50); do
      holder=$(pgrep -P "$(cat "$dir/ns.unshare.pid")" -x sleep || true)
      [ -n "$holder" ] && break
      sleep 0.1
    done
    [ -n "$holder" ] || { log "unshare failed:"; cat "$dir/ns.log" >&2; exit 1; }
    echo "$holder" >"$dir/ns.pid"
  fi

  if ! docker -H "unix://$sock" version >/dev/null 2>&1; then
    log "starting dockerd b (data-root $dir/data)"
    # A Swarm task's executor asks the registry for its image even when the node holds it (moby's controller
    # Prepare); this variable makes it use the local image, so host b's Swarm sends no DNS query off the machine.
    nsenter -t "$holder" -m -- env DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 nohup dockerd --data-root "$dir/data" --exec-root "$dir/exec" \
      --pidfile "$dir/dockerd.pid" -H "unix://$sock" -G docker \
      --storage-driver=vfs --bridge=none --iptables=false --ip-masq=false \
      </dev/null >"$dir/dockerd.log" 2>&1 &
    for _ in $(seq 1 60); do
      docker -H "unix://$sock" version >/dev/null 2>&1 && break
      sleep 1
    done
    docker -H "unix://$sock" version >/dev/null 2>&1 || { log "dockerd b did not start:"; tail -n 30 "$dir/dockerd.log" >&2; exit 1; }
  fi

  if ! alive "$(pid_of "$dir/sshd.pid")" "$dir/sshd_config"; then
    log "starting sshd b on 127.0.0.1:$port"
    nsenter -t "$holder" -m -- /usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log"
    wait_for_port "$port" "$dir/sshd.log"
  fi
  write_env b "$dir" "$port" "unix://$sock"
}

stop_host() {
  local dir="$state/sshd-$1" pid
  local f word
  for f in sshd.pid dockerd.pid ns.pid; do
    pid=$(pid_of "$dir/$f")
    case $f in sshd.pid) word="$dir/sshd_config" ;; dockerd.pid) word="$dir/data" ;; *) word='sleep infinity' ;; esac
    if alive "$pid" "$word"; then kill "$pid"; fi
    if [ "$f" = dockerd.pid ]; then
      for _ in $(seq 1 30); do alive "$pid" "$word" || break; sleep 0.5; done
    fi
  done
  rm -f "$dir/ns.pid"
}

swarm_b() { # init|leave
  local sock="unix://$state/sshd-b/docker.sock" st
  case "$1" in
    init)
      ensure_user; up_b >/dev/null
      st=$(docker -H "$sock" info --format '{{.Swarm.LocalNodeState}}')
      if [ "$st" != active ]; then
        log "swarm init on host b's dockerd (127.0.0.1:2377)"
        if ! docker -H "$sock" swarm init --advertise-addr 127.0.0.1 --listen-addr 127.0.0.1:2377 >/dev/null; then
          log "swarm init failed; dockerd b's log:"; tail -n 30 "$state/sshd-b/dockerd.log" >&2; exit 1
        fi
      fi
      cat "$state/sshd-b/env" ;;
    leave)
      if docker -H "$sock" version >/dev/null 2>&1; then
        st=$(docker -H "$sock" info --format '{{.Swarm.LocalNodeState}}')
        if [ "$st" != inactive ]; then log "host b leaves the swarm"; docker -H "$sock" swarm leave --force >/dev/null; fi
      fi ;;
    *) echo "usage: $0 swarm init|leave" >&2; exit 2 ;;
  esac
}

case "${1:-a}" in
  b) ensure_user; up_b ;;
  swarm) swarm_b "${2:?swarm init|leave}" ;;
  stop) stop_host "${2:?stop NAME}" ;;
  *[!a-z0-9-]* | '') echo "usage: $0 a|b|NAME|stop NAME" >&2; exit 2 ;;
  *) ensure_user; up_a "$1" ;;
esac
