#!/usr/bin/env bash
# Installs and starts the real Docker engine this project tests against, then makes the local base images.
# Idempotent: every step checks whether it is already done. Needs root and Debian bookworm.
# Nothing is pulled from a container registry: base images are built here with debootstrap.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
state=${TESTBED_STATE:-/var/lib/deploy-action-testbed}
mkdir -p "$state"
log() { printf '[testbed] %s\n' "$*" >&2; }

install_packages() {
  local need=()
  command -v dockerd >/dev/null || need+=(docker.io)
  command -v debootstrap >/dev/null || need+=(debootstrap)
  [ -x /bin/busybox ] || need+=(busybox-static)
  command -v sshd >/dev/null || [ -x /usr/sbin/sshd ] || need+=(openssh-server)
  command -v zstd >/dev/null || need+=(zstd)
  local plugins=()
  docker buildx version >/dev/null 2>&1 || plugins+=(docker-buildx)
  docker compose version >/dev/null 2>&1 || plugins+=(docker-compose)
  if ((${#need[@]} == 0 && ${#plugins[@]} == 0)); then return; fi

  # buildx and compose v2 come from trixie; pin it low so nothing else is upgraded from it.
  if ((${#plugins[@]})) && [ ! -f /etc/apt/sources.list.d/trixie.sources ]; then
    local uri
    uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    [ -n "$uri" ] || uri=$(awk '/^deb / {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
    [ -n "$uri" ] || { log "cannot find the Debian source URI"; exit 1; }
    cat >/etc/apt/sources.list.d/trixie.sources <<EOF
Types: deb
URIs: $uri
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    printf 'Package: *\nPin: release n=trixie\nPin-Priority: 100\n' >/etc/apt/preferences.d/trixie-low
  fi
  log "apt-get install ${need[*]} ${plugins[*]}"
  apt-get update -qq
  export DEBIAN_FRONTEND=noninteractive
  if ((${#need[@]})); then apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; fi
  if ((${#plugins[@]})); then apt-get install -y -qq --no-install-recommends -t trixie "${plugins[@]}" >/dev/null; fi
}

start_dockerd() {
  if docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then return; fi
  log "starting dockerd"
  # No bridge, no iptables: traffic stays on loopback and the sandbox has no netfilter to spare.
  nohup dockerd --storage-driver=vfs --bridge=none --iptables=false --ip-masq=false \
    >"$state/dockerd.log" 2>&1 &
  for _ in $(seq 1 60); do
    docker version --format '{{.Server.Version}}' >/dev/null 2>&1 && return
    sleep 1
  done
  log "dockerd did not start; its log:"; tail -n 30 "$state/dockerd.log" >&2; exit 1
}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

build_base_images() {
  if ! image_exists python:3.12-slim; then
    log "debootstrap a minimal Debian with python3 (about a minute)"
    local root="$state/rootfs-python"
    rm -rf "$root"
    local mirror
    mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || echo http://deb.debian.org/debian)
    debootstrap --variant=minbase --include=python3-minimal,libpython3.11-stdlib bookworm "$root" "$mirror" >"$state/debootstrap.log" 2>&1 \
      || { tail -n 20 "$state/debootstrap.log" >&2; exit 1; }
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    # The official image puts python3 on PATH as python3 and python; mirror that.
    ln -sf python3 "$root/usr/bin/python"
    tar -C "$root" -c . | docker import \
      -c 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
      -c 'CMD ["python3"]' - python:3.12-slim >/dev/null
    rm -rf "$root"
  fi
  if ! image_exists ghcr.io/astral-sh/uv:latest; then
    log "import the stand-in uv image"
    local dir="$state/uv-image"
    rm -rf "$dir" && mkdir -p "$dir"
    install -m 0755 "$here/uv-standin.sh" "$dir/uv"
    ln -sf uv "$dir/uvx"
    tar -C "$dir" -c uv uvx | docker import - ghcr.io/astral-sh/uv:latest >/dev/null
    rm -rf "$dir"
  fi
  if ! image_exists deploy-action-test/busybox:latest; then
    log "import the busybox base"
    local dir="$state/busybox"
    rm -rf "$dir" && mkdir -p "$dir/bin" "$dir/etc" "$dir/tmp"
    cp /bin/busybox "$dir/bin/busybox"
    for applet in sh ls cat echo sleep rm mkdir cp true false id wc test env chmod; do ln -s busybox "$dir/bin/$applet"; done
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$dir/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/etc/group"
    tar -C "$dir" -c . | docker import -c 'ENV PATH=/bin' -c 'CMD ["sh"]' - deploy-action-test/busybox:latest >/dev/null
    rm -rf "$dir"
  fi
}

install_packages
start_dockerd
build_base_images
log "engine ready: $(docker version --format 'server {{.Server.Version}}, client {{.Client.Version}}'), $(docker buildx version | cut -d' ' -f1-2), $(docker compose version --short)"
