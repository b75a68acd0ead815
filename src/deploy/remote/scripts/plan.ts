/**
 * `mode: plan` on a compose host: read what a deploy would compare against, and write nothing under deploy-path
 * (no `mkdir`, no store key, no chown probe). The dry run of `up` needs the release's files in a directory: a
 * private temp directory (`mktemp -d`, 0700), removed on exit.
 */
import { SECRET_STORE } from '../../release/secret-store.js';
import { remoteScript, type RemoteScript } from '../script.js';
import { lines, raw, sh } from '../sh.js';
import { MANIFEST } from './preflight.js';
import { SIGNAL_TRAPS } from './upload.js';

export const PLAN_EXIT = { noDocker: 10, noCompose: 11, failed: 3, shortInput: 91 } as const;

/**
 * Records: `requested=`, `path=` (or `absent=1` when deploy-path does not exist yet), `current=` and `manifest=` as
 * the preflight prints them, `live=<file> <sha256>` for each release file the live release holds, `store=<file>` for
 * each stored secret file and, last, `key=` when the store has one.
 */
export function planReadScript(deployPath: string, files: readonly string[]): RemoteScript {
  return remoteScript(
    'plan-read',
    'read the host state (plan)',
    PLAN_EXIT,
    lines(
      raw('set -eu'),
      sh`docker version --format '{{.Server.Version}}' >/dev/null || { printf '%s\\n' 'the deploy user cannot use docker (add it to the docker group)' >&2; exit ${PLAN_EXIT.noDocker}; }`,
      sh`docker compose version >/dev/null 2>&1 || { printf '%s\\n' 'docker compose v2 is not installed on the host' >&2; exit ${PLAN_EXIT.noCompose}; }`,
      sh`p=${deployPath}`,
      raw(`printf 'requested=%s\\0' "$p"`),
      raw(`if [ ! -d "$p" ]; then printf 'absent=1\\0'; exit 0; fi`),
      raw('cd -P -- "$p"'),
      raw(`printf 'path=%s\\0' "$(pwd -P)"`),
      sh`if [ -L current ]; then t=$(readlink current); printf 'current=%s\\0' "$t"; printf 'manifest='; case "$t" in releases/*/*|releases/.*) ;; releases/?*) cat -- "$t"/${MANIFEST} 2>/dev/null || true;; esac; printf '\\0'; fi`,
      // The live release's files, hashed where they lie (no content leaves the host): only through a link TypeScript accepts.
      sh`case "\${t:-}" in releases/*/*|releases/.*|'') ;; releases/?*) for f in ${files}; do if [ -f "$t/$f" ] && [ ! -L "$t/$f" ]; then printf 'live=%s %s\\0' "$f" "$(sha256sum < "$t/$f" | cut -d' ' -f1)"; fi; done;; esac`,
      sh`d=${SECRET_STORE}`,
      raw(`if [ -d "$d" ] && [ ! -L "$d" ] && [ -O "$d" ]; then`),
      raw(`  for f in "$d"/*.*; do [ -f "$f" ] && [ ! -L "$f" ] || continue; printf 'store=%s\\0' "\${f##*/}"; done`),
      raw(`  if [ -f "$d/key" ] && [ ! -L "$d/key" ]; then printf 'key=%s\\0' "$(cat -- "$d/key")"; fi`),
      raw('fi'),
    ),
  );
}

/**
 * A tar of the release's files (framed on stdin) unpacked in a private temp directory, then `docker compose
 * --dry-run up` of it under the project's name: which containers Compose would recreate or create. `--pull never`
 * and `--no-build`: the dry run never reaches a registry. Records: `dryrun=` its output, `containers=` the
 * project's containers (`id service state name` lines).
 */
export function planDryRunScript(project: string, composeFiles: readonly string[]): RemoteScript {
  const format = '{{.ID}} {{.Label "com.docker.compose.service"}} {{.State}} {{.Names}}';
  const compose = sh`docker compose -p ${project} ${composeFiles.flatMap((f) => ['-f', f])}`;
  return remoteScript(
    'plan-dry-run',
    'compose up --dry-run (plan)',
    PLAN_EXIT,
    lines(
      raw('umask 077'),
      raw('w=$(mktemp -d) || exit 3'),
      raw(`trap 'rm -rf -- "$w"' EXIT`),
      SIGNAL_TRAPS,
      raw("IFS= read -r n || n=''"),
      sh`case "$n" in ''|*[!0-9]*) exit ${PLAN_EXIT.shortInput};; esac`,
      raw('head -c "$n" >"$w/.release.tar"'),
      sh`[ "$(wc -c <"$w/.release.tar" | tr -d ' ')" -eq "$n" ] || exit ${PLAN_EXIT.shortInput}`,
      raw('mkdir -- "$w/r" && tar -x -f "$w/.release.tar" -C "$w/r" || exit 3'),
      raw('cd -- "$w/r" || exit 3'),
      raw(
        `if ! mkdir -p -- "\${DOCKER_CONFIG:-$HOME/.docker}" 2>/dev/null; then DOCKER_CONFIG="$w/.docker"; mkdir -- "$DOCKER_CONFIG"; export DOCKER_CONFIG; fi`,
      ),
      sh`dr=$(docker compose --dry-run -p ${project} ${composeFiles.flatMap((f) => ['-f', f])} up -d --no-build --pull never 2>&1) || { printf '%s\\n' "$dr" >&2; exit 3; }`,
      raw(`printf 'dryrun=%s\\0' "$dr"`),
      sh`s=$(${compose} config --services) || exit 3`,
      raw(`printf 'services=%s\\0' "$s"`),
      sh`c=$(docker ps -a --no-trunc --filter ${`label=com.docker.compose.project=${project}`} --filter label=com.docker.compose.oneoff=False --format ${format}) || exit 3`,
      raw(`printf 'containers=%s\\0' "$c"`),
    ),
  );
}
