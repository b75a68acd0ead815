/**
 * The POSIX sh commands run on the host. Built here, pure, so their construction is unit-tested; every variable part
 * is single-quoted. Secret values never appear in these strings: they travel in the channel's stdin only.
 */
import type { SecretOwnerMode } from './inputs.js';

/** Single-quote for POSIX sh. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Join path segments (already validated: no `..`, no leading `/` except the first). */
export function remoteJoin(...parts: string[]): string {
  return parts
    .filter((p) => p !== '')
    .join('/')
    .replace(/\/{2,}/g, '/');
}

/** The frame a file's bytes travel in: a decimal length line, then the bytes. A cut connection is then detectable. */
export function frame(content: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${content.length}\n`), content]);
}

/**
 * Reads one framed payload from stdin into `$tmp` and checks its length; the EXIT trap removes `$tmp` unless the
 * script got to the end, so an interrupted upload leaves nothing behind. `read` takes the header byte by byte
 * (POSIX requires it on pipes), so `head -c` gets exactly the payload.
 */
function receiveInto(tmpExpr: string): string[] {
  return [
    `tmp=${tmpExpr}`,
    `trap 'rm -f "$tmp"' EXIT`,
    `trap 'exit 129' HUP`,
    `trap 'exit 130' INT`,
    `trap 'exit 141' PIPE`,
    `trap 'exit 143' TERM`,
    "IFS= read -r n || n=''",
    `case "$n" in ''|*[!0-9]*) echo "deploy-action: no length header on stdin" >&2; exit 90;; esac`,
    'head -c "$n" | dd of="$tmp" bs=65536 conv=fsync status=none',
    `[ "$(wc -c <"$tmp")" -eq "$n" ] || { echo "deploy-action: stdin ended after $(wc -c <"$tmp") of $n bytes (connection cut?)" >&2; exit 91; }`,
  ];
}

function randomSuffix(): string {
  return Math.random().toString(36).slice(2, 10);
}

/** Write a non-secret file atomically (same-dir temp name, fsync, rename). */
export function writeFileScript(absPath: string, mode: '0644' | '0600', suffix = randomSuffix()): string {
  const dir = absPath.slice(0, absPath.lastIndexOf('/')) || '/';
  const base = absPath.slice(absPath.lastIndexOf('/') + 1);
  return [
    'set -eu',
    'umask 077',
    `mkdir -p ${shQuote(dir)}`,
    ...receiveInto(shQuote(`${dir}/.${base}.tmp-${suffix}`)),
    `chmod ${mode} "$tmp"`,
    `mv -f "$tmp" ${shQuote(absPath)}`,
    'trap - EXIT',
  ].join('\n');
}

/** Exit codes of the secret script that the client turns into explanations. */
export const SECRET_EXIT = { chownDenied: 92, engineFailed: 93, ownerWrong: 94 } as const;

export interface SecretWrite {
  /** Absolute path of the secret file on the host. */
  absPath: string;
  uid: number;
  gid: number;
  owner: SecretOwnerMode;
  /** The delivered image, used by the engine to chown (it runs `chown` as root in a throwaway container). */
  image: string;
  suffix?: string;
}

/**
 * Write one secret: temp name in the same 0700 directory, fsync, chmod 0400, chown to the runtime user (as the deploy
 * user, or through the engine), check the owner, rename into place, fsync the directory. Never world-readable: the
 * temp file is created under umask 077 and removed on any failure.
 */
export function writeSecretScript(w: SecretWrite): string {
  const suffix = w.suffix ?? randomSuffix();
  const dir = w.absPath.slice(0, w.absPath.lastIndexOf('/'));
  const base = w.absPath.slice(w.absPath.lastIndexOf('/') + 1);
  const tmpBase = `.${base}.tmp-${suffix}`;
  const owner = `${w.uid}:${w.gid}`;
  const engine =
    `docker run --rm --network none --user 0:0 --entrypoint chown -v ${shQuote(dir)}:/deploy-action-secrets ` +
    `${shQuote(w.image)} ${owner} ${shQuote(`/deploy-action-secrets/${tmpBase}`)}`;
  const chownLines: Record<SecretOwnerMode, string[]> = {
    chown: [`chown ${owner} "$tmp" || exit ${SECRET_EXIT.chownDenied}`],
    engine: [`${engine} >&2 || exit ${SECRET_EXIT.engineFailed}`],
    auto: [`if ! chown ${owner} "$tmp" 2>/dev/null; then ${engine} >&2 || exit ${SECRET_EXIT.engineFailed}; fi`],
  };
  return [
    'set -eu',
    'umask 077',
    `mkdir -p ${shQuote(dir)}`,
    `chmod 0700 ${shQuote(dir)}`,
    ...receiveInto(shQuote(`${dir}/${tmpBase}`)),
    'chmod 0400 "$tmp"',
    ...chownLines[w.owner],
    `[ "$(stat -c %u:%g "$tmp")" = ${owner} ] || { echo "deploy-action: the file is owned by $(stat -c %u:%g "$tmp"), not ${owner} (user-namespaced engine?)" >&2; exit ${SECRET_EXIT.ownerWrong}; }`,
    `mv -f "$tmp" ${shQuote(w.absPath)}`,
    'trap - EXIT',
    `sync ${shQuote(dir)} 2>/dev/null || true`,
  ].join('\n');
}

/** Point `current` at a release atomically: a new symlink under a temp name, renamed over the old one. */
export function switchCurrentScript(deployPath: string, releaseDir: string): string {
  const tmp = `.current.tmp-${randomSuffix()}`;
  return [
    'set -eu',
    `cd ${shQuote(deployPath)}`,
    `ln -sfn ${shQuote(`releases/${releaseDir}`)} ${shQuote(tmp)}`,
    `mv -fT ${shQuote(tmp)} current`,
  ].join('\n');
}

export function composeArgs(project: string, files: readonly string[]): string {
  return `docker compose -p ${shQuote(project)} ${files.map((f) => `-f ${shQuote(f)}`).join(' ')}`;
}

/**
 * `up --wait` bounded by the health timeout: `timeout` exits 124 when it fires. `--force-recreate` because Compose
 * leaves a container alone when only a top-level secret's file changed (it is not in the service's config hash):
 * a rotated secret, or a rollback, would keep the old file mounted.
 */
export function composeUpScript(
  releaseAbs: string,
  project: string,
  files: readonly string[],
  timeoutSeconds: number,
): string {
  return (
    `cd ${shQuote(releaseAbs)} && timeout -k 10 ${timeoutSeconds} ` +
    `${composeArgs(project, files)} up -d --wait --remove-orphans --no-build --force-recreate`
  );
}

export function composeDownScript(releaseAbs: string, project: string, files: readonly string[]): string {
  return `cd ${shQuote(releaseAbs)} && ${composeArgs(project, files)} down --remove-orphans`;
}
