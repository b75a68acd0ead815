/**
 * Files written on the host from a framed payload on stdin: non-secret files (atomic: same-dir temp name, fsync,
 * rename) and secret files (0400, owned by the runtime user, never readable by anyone else on the way).
 */
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

/** How a secret file gets its owner: `chown` by the deploy user, or `engine`: dockerd extracts it already owned. */
export type SecretRoute = 'chown' | 'engine';

export interface SecretWrite {
  /** The secret store directory (absolute) and the files' final names in it (exactly one for `chown`). */
  dir: string;
  fileNames: readonly string[];
  uid: number;
  gid: number;
  route: SecretRoute;
  /** The delivered image: the engine route creates (never starts) a container of it to copy into. */
  image: string;
  label: string;
  /** The temp names' suffix (`secretTempName`); the engine route's tar entries must carry the same one. */
  suffix: string;
}

/** Where the engine sees the secret directory inside its container. */
export const ENGINE_MOUNT = '/deploy-action-secrets';

/** The temp name a secret is written under before the rename (in the same directory, hidden). */
export function secretTempName(fileName: string, suffix: string): string {
  return `.${fileName}.tmp-${suffix}`;
}

/** Owner and mode must be exactly these before the rename; a user-namespaced engine maps root elsewhere. */
function checkOwner(owner: string): ShText {
  return sh`got=$(stat -c '%u:%g %a' -- "$tmp"); [ "$got" = ${`${owner} 400`} ] || { printf 'deploy-action: the file is owned by %s, not %s mode 400 (user-namespaced engine?)\\n' "$got" ${owner} >&2; exit ${UPLOAD_EXIT.ownerWrong}; }`;
}

/**
 * The engine route: stdin is a framed tar stream, one entry per file (its temp name, uid:gid, mode 0400). One
 * `docker create` (never started, so nothing in the image runs: scratch and distroless images work; one for all the
 * files, since on vfs each create copies the image) with the store bind-mounted, then `docker cp -` extracts the
 * entries through the mount keeping the headers' owner and mode; the container goes. Not `cp -a`: with it dockerd
 * chowns to the container's USER looked up in the host's passwd ("getent unable to find entry" for a numeric USER,
 * dockerd 20.10). A value exists on the host only as its file, created 0400 by dockerd in the deploy user's 0700
 * directory.
 */
function engineWrite(w: SecretWrite): ShText {
  return lines(
    raw(`cid=''`),
    raw(`trap 'rm -f -- "$d"/.*.tmp-"$sfx"; [ -z "$cid" ] || docker rm -f -- "$cid" >/dev/null 2>&1 || true' EXIT`),
    SIGNAL_TRAPS,
    raw("IFS= read -r n || n=''"),
    sh`case "$n" in ''|*[!0-9]*) printf '%s\\n' 'deploy-action: no length header on stdin' >&2; exit ${UPLOAD_EXIT.noLength};; esac`,
    sh`cid=$(docker create --network none --label deploy-action.secret-writer=1 --entrypoint /deploy-action-never-started --mount ${bindMount(w.dir, ENGINE_MOUNT)} -- ${w.image}) || exit ${UPLOAD_EXIT.engineFailed}`,
    sh`head -c "$n" | docker cp - "$cid":${ENGINE_MOUNT} >&2 || exit ${UPLOAD_EXIT.engineFailed}`,
    ...w.fileNames.map(
      (f) =>
        sh`tmp=${`${w.dir}/${secretTempName(f, w.suffix)}`}; [ -f "$tmp" ] || { printf 'deploy-action: docker cp left no file %s (stdin cut?)\\n' ${f} >&2; exit ${UPLOAD_EXIT.shortInput}; }`,
    ),
  );
}

/**
 * Write one secret into the store: temp name in the same 0700 directory, 0400, owned by the runtime user (chown by
 * the deploy user, or extracted owned by the engine), owner checked, renamed into place, directory fsynced. Never
 * readable by anyone else: the temp file is created under umask 077 (or 0400 by the engine) and removed on any failure.
 */
export function writeSecretScript(w: SecretWrite): RemoteScript {
  if (w.fileNames.length === 0 || (w.route === 'chown' && w.fileNames.length !== 1)) {
    throw new Error(`writeSecretScript: ${w.fileNames.length} files for the ${w.route} route`);
  }
  const owner = `${w.uid}:${w.gid}`;
  const tmpOf = (f: string) => `${w.dir}/${secretTempName(f, w.suffix)}`;
  const write =
    w.route === 'chown'
      ? lines(
          receiveInto(tmpOf(w.fileNames[0]!)),
          raw('chmod 0400 "$tmp"'),
          sh`chown ${owner} "$tmp" || exit ${UPLOAD_EXIT.chownDenied}`,
        )
      : engineWrite(w);
  return remoteScript(
    'write-secret',
    w.label,
    UPLOAD_EXIT,
    lines(
      raw('set -eu'),
      raw('umask 077'),
      sh`d=${w.dir}; sfx=${w.suffix}`,
      raw('mkdir -p -- "$d"'),
      raw('chmod 0700 -- "$d"'),
      write,
      // Every file owned as it must be before any is renamed into place.
      ...w.fileNames.map((f) => lines(sh`tmp=${tmpOf(f)}`, checkOwner(owner))),
      ...w.fileNames.map((f) => sh`mv -f -- ${tmpOf(f)} ${`${w.dir}/${f}`}`),
      raw('[ -z "${cid:-}" ] || docker rm -f -- "$cid" >/dev/null'),
      raw('trap - EXIT'),
      raw('sync -- "$d" 2>/dev/null || true'),
    ),
  );
}
