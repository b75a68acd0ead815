/**
 * The deploy lock of one deploy-path: `flock` on `<deploy-path>/.deploy-action.lock`, held by this script for as long
 * as its stdin stays open. Each step of a deploy is its own exec, so only a script that lives through the whole host
 * deploy can hold it; when the deploy closes stdin or the connection dies, `cat` ends and the kernel drops the lock.
 */
import { remoteScript, tempSuffix, type RemoteScript } from '../script.js';
import { lines, raw, sh } from '../sh.js';

export const LOCK_FILE = '.deploy-action.lock';
/** Who holds the lock: NUL-terminated `key=value` records, written (atomically) only once the lock is held. */
export const LOCK_HOLDER_FILE = '.deploy-action.lock.holder';
/** The record the script prints once it holds the lock. */
export const LOCK_READY = 'locked';

export const LOCK_EXIT = { noFlock: 30, busy: 31, notWritable: 32 } as const;

export interface LockHolder {
  version: string;
  /** The workflow run, when the step's environment names one. */
  runUrl: string;
}

export function deployLockScript(
  deployPath: string,
  holder: LockHolder,
  timeoutSeconds: number,
  suffix = tempSuffix(),
): RemoteScript {
  return remoteScript(
    'deploy-lock',
    'deploy lock',
    LOCK_EXIT,
    lines(
      raw('set -u'),
      sh`p=${deployPath}`,
      sh`l="$p"/${LOCK_FILE}`,
      sh`h="$p"/${LOCK_HOLDER_FILE}`,
      sh`command -v flock >/dev/null 2>&1 || { printf '%s\\n' 'flock is not installed on the host (util-linux or busybox provides it); the deploy lock needs it' >&2; exit ${LOCK_EXIT.noFlock}; }`,
      // `exec 9>` that fails ends dash at once, so the directory is checked first.
      sh`{ mkdir -p -- "$p" 2>/dev/null && [ -w "$p" ] && { [ ! -e "$l" ] || [ -w "$l" ]; }; } || { printf 'deploy-path %s is not writable by %s: create it and chown it to that user\\n' "$p" "$(id -un)" >&2; exit ${LOCK_EXIT.notWritable}; }`,
      raw('exec 9>>"$l"'),
      // `flock -n` in a loop, not `flock -w`: busybox's flock has no -w.
      raw('n=0'),
      sh`until flock -n 9; do n=$((n + 1)); if [ "$n" -gt ${timeoutSeconds} ]; then cat -- "$h" >&2 2>/dev/null; exit ${LOCK_EXIT.busy}; fi; sleep 1; done`,
      sh`tmp="$h".${`tmp-${suffix}`}`,
      sh`printf 'version=%s\\0run=%s\\0since=%s\\0' ${holder.version} ${holder.runUrl} "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$tmp" && mv -f -- "$tmp" "$h"`,
      sh`printf '%s=1\\0' ${LOCK_READY}`,
      // Held until stdin ends: the deploy closes it at the end, or the connection dies.
      raw('cat >/dev/null 9>&-'),
      raw('rm -f -- "$h"'),
    ),
  );
}
