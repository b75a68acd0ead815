/**
 * Files written on the host from a framed payload on stdin: non-secret files (atomic: same-dir temp name, fsync,
 * rename) and secret files (0400, owned by the runtime user, never readable by anyone else on the way).
 */
import type { SecretOwnerMode } from '../../inputs.js';
import { remoteScript, tempSuffix, type RemoteScript } from '../script.js';
import { bindMount, lines, raw, sh, type ShText } from '../sh.js';

export const UPLOAD_EXIT = {
  noLength: 90,
  shortInput: 91,
  chownDenied: 92,
  engineFailed: 93,
  ownerWrong: 94,
} as const;

/** Exit on the usual signals, so the EXIT trap runs (dash runs it on `exit`, not on a fatal signal). */
export const SIGNAL_TRAPS = lines(
  raw(`trap 'exit 129' HUP`),
  raw(`trap 'exit 130' INT`),
  raw(`trap 'exit 141' PIPE`),
  raw(`trap 'exit 143' TERM`),
);

/**
 * Reads one framed payload from stdin into `$tmp` and checks its length; the EXIT trap removes `$tmp` unless the
 * script got to the end, so an interrupted upload leaves nothing behind. `read` takes the header byte by byte
 * (POSIX requires it on pipes), so `head -c` gets exactly the payload.
 */
function receiveInto(tmpPath: string): ShText {
  return lines(
    sh`tmp=${tmpPath}`,
    raw(`trap 'rm -f -- "$tmp"' EXIT`),
    SIGNAL_TRAPS,
    raw("IFS= read -r n || n=''"),
    sh`case "$n" in ''|*[!0-9]*) printf '%s\\n' 'deploy-action: no length header on stdin' >&2; exit ${UPLOAD_EXIT.noLength};; esac`,
    raw('head -c "$n" | dd of="$tmp" bs=65536 conv=fsync status=none'),
    sh`got=$(wc -c <"$tmp"); got=$(printf '%s' $got)`,
    sh`[ "$got" -eq "$n" ] || { printf 'deploy-action: stdin ended after %s of %s bytes (connection cut?)\\n' "$got" "$n" >&2; exit ${UPLOAD_EXIT.shortInput}; }`,
  );
}

function split(absPath: string): { dir: string; base: string } {
  return { dir: absPath.slice(0, absPath.lastIndexOf('/')) || '/', base: absPath.slice(absPath.lastIndexOf('/') + 1) };
}

export function writeFileScript(
  absPath: string,
  mode: '0644' | '0600',
  label: string,
  suffix = tempSuffix(),
): RemoteScript {
  const { dir, base } = split(absPath);
  return remoteScript(
    'write-file',
    label,
    UPLOAD_EXIT,
    lines(
      raw('set -eu'),
      raw('umask 077'),
      sh`mkdir -p -- ${dir}`,
      receiveInto(`${dir}/.${base}.tmp-${suffix}`),
      sh`chmod ${mode} -- "$tmp"`,
      sh`mv -f -- "$tmp" ${absPath}`,
      raw('trap - EXIT'),
    ),
  );
}

export interface SecretWrite {
  /** Absolute path of the secret file on the host. */
  absPath: string;
  uid: number;
  gid: number;
  owner: SecretOwnerMode;
  /** The delivered image, used by the engine to chown (it runs `chown` as root in a throwaway container). */
  image: string;
  label: string;
  suffix?: string;
}

/** Where the engine sees the secret directory inside its throwaway container. */
export const ENGINE_MOUNT = '/deploy-action-secrets';

/**
 * Write one secret: temp name in the same 0700 directory, fsync, chmod 0400, chown to the runtime user (as the deploy
 * user, or through the engine), check the owner, rename into place, fsync the directory. Never world-readable: the
 * temp file is created under umask 077 and removed on any failure.
 */
export function writeSecretScript(w: SecretWrite): RemoteScript {
  const { dir, base } = split(w.absPath);
  const tmpBase = `.${base}.tmp-${w.suffix ?? tempSuffix()}`;
  const owner = `${w.uid}:${w.gid}`;
  const engine = sh`docker run --rm --network none --user 0:0 --entrypoint chown --mount ${bindMount(dir, ENGINE_MOUNT)} ${w.image} ${owner} ${`${ENGINE_MOUNT}/${tmpBase}`}`;
  const chown: Record<SecretOwnerMode, ShText> = {
    chown: sh`chown ${owner} "$tmp" || exit ${UPLOAD_EXIT.chownDenied}`,
    engine: sh`${engine} >&2 || exit ${UPLOAD_EXIT.engineFailed}`,
    auto: sh`if ! chown ${owner} "$tmp" 2>/dev/null; then ${engine} >&2 || exit ${UPLOAD_EXIT.engineFailed}; fi`,
  };
  return remoteScript(
    'write-secret',
    w.label,
    UPLOAD_EXIT,
    lines(
      raw('set -eu'),
      raw('umask 077'),
      sh`mkdir -p -- ${dir}`,
      sh`chmod 0700 -- ${dir}`,
      receiveInto(`${dir}/${tmpBase}`),
      raw('chmod 0400 "$tmp"'),
      chown[w.owner],
      sh`got=$(stat -c %u:%g -- "$tmp"); [ "$got" = ${owner} ] || { printf 'deploy-action: the file is owned by %s, not %s (user-namespaced engine?)\\n' "$got" ${owner} >&2; exit ${UPLOAD_EXIT.ownerWrong}; }`,
      sh`mv -f -- "$tmp" ${w.absPath}`,
      raw('trap - EXIT'),
      sh`sync -- ${dir} 2>/dev/null || true`,
    ),
  );
}
