#!/bin/sh
# Stand-in for the uv binary, imported as ghcr.io/astral-sh/uv:latest because no registry is reachable here.
# It does what the seed's builder needs of `uv sync`: a virtual environment at ./.venv that the runner copies.
set -eu
cmd=${1:-}
case "$cmd" in
  --version|version) echo "uv 0.0.0 (deploy-action test stand-in)" ;;
  sync|venv)
    py=$(command -v python3)
    ver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    mkdir -p .venv/bin ".venv/lib/python$ver/site-packages"
    ln -sf "$py" .venv/bin/python
    ln -sf python .venv/bin/python3
    printf 'home = %s\ninclude-system-site-packages = false\nversion = %s\n' "$(dirname "$py")" "$ver" > .venv/pyvenv.cfg
    # Project dependencies would land in site-packages; the example app needs only the standard library.
    [ -f pyproject.toml ] && cp pyproject.toml ".venv/lib/python$ver/site-packages/.installed-pyproject.toml"
    ;;
  *) echo "uv stand-in: unsupported command: $*" >&2; exit 2 ;;
esac
