/**
 * The secret store under deploy-path (`.deploy-action-secrets/`, 0700, the deploy user's): open it (make the key
 * once, probe whether the deploy user may chown, list the files it holds) and drop the files no release names.
 */
import { SECRET_STORE } from '../../release/secret-store.js';
import { remoteScript, tempSuffix, type RemoteScript } from '../script.js';
import { lines, raw, sh } from '../sh.js';
import { MANIFEST } from './preflight.js';

export const STORE_EXIT = { notOwned: 30, noKey: 31 } as const;

/**
 * Reports `chown=yes|no`, `have=<file> <uid>:<gid> <mode>` per stored file and, last (so no failure message can
 * carry it), `key=<64 hex>`. The key is made from /dev/urandom under a temp name and hard-linked into place: `ln`
 * refuses an existing name, so two deploys racing both end up with the one key that won.
 */
export function openSecretStoreScript(
  deployPath: string,
  owner: { uid: number; gid: number },
  suffix = tempSuffix(),
): RemoteScript {
  return remoteScript(
    'secret-store',
    'open the secret store',
    STORE_EXIT,
    lines(
      raw('set -eu'),
      raw('umask 077'),
      sh`cd -- ${deployPath}`,
      sh`d=${SECRET_STORE}`,
      raw('mkdir -p -- "$d"'),
      sh`[ -O "$d" ] && [ ! -L "$d" ] || { printf 'deploy-path: %s is not a directory of the deploy user %s\\n' "$d" "$(id -un)" >&2; exit ${STORE_EXIT.notOwned}; }`,
      raw('chmod 0700 -- "$d"'),
      raw('cd -- "$d"'),
      sh`t=${`.key.tmp-${suffix}`}; p=${`.chown-probe-${suffix}`}`,
      raw(`trap 'rm -f -- "$t" "$p"' EXIT`),
      sh`if [ ! -s key ]; then od -An -tx1 -N32 /dev/urandom | tr -d ' \\n' >"$t"; ln -- "$t" key 2>/dev/null || true; fi`,
      sh`[ -f key ] && [ ! -L key ] || { printf '%s\\n' "deploy-path: $d/key is missing or not a file" >&2; exit ${STORE_EXIT.noKey}; }`,
      raw('chmod 0600 key'),
      sh`: >"$p"; if chown ${`${owner.uid}:${owner.gid}`} "$p" 2>/dev/null; then printf 'chown=yes\\0'; else printf 'chown=no\\0'; fi`,
      raw(
        `for f in *.*; do [ -f "$f" ] && [ ! -L "$f" ] || continue; printf 'have=%s %s\\0' "$f" "$(stat -c '%u:%g %a' -- "$f")"; done`,
      ),
      raw(`printf 'key=%s\\0' "$(cat key)"`),
    ),
  );
}

/**
 * Removes stored secret files no release's manifest names (they went with the releases prune removed). A file a
 * concurrent deploy is about to use is named in its manifest before it is written, so it is kept.
 */
export function pruneSecretStoreScript(deployPath: string): RemoteScript {
  return remoteScript(
    'secret-store-prune',
    'prune the secret store',
    STORE_EXIT,
    lines(
      raw('set -eu'),
      sh`cd -- ${deployPath}`,
      sh`d=${SECRET_STORE}`,
      raw('[ -d "$d" ] || exit 0'),
      sh`for f in "$d"/*.*; do [ -f "$f" ] || continue; b=\${f##*/}; grep -qsF -- "\\"$b\\"" releases/*/${MANIFEST} || rm -f -- "$f"; done`,
    ),
  );
}
