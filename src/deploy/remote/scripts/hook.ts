/**
 * A deploy hook: its argv in a one-off container of one service of a release (`docker compose run --rm --no-deps
 * -T`: the release's image, env file, secrets and networks), stderr joined to stdout so the log shows both in order,
 * bounded by `timeout -k 10`. `timeout` ends the client only: the container would go on running, so on any failure
 * the script removes it by the name it gave it.
 */
import { remoteScript, type RemoteScript } from '../script.js';
import { lines, sh } from '../sh.js';

/**
 * `timedOut`: hook-timeout ran out (124, as `timeout` exits; `killed`, 137, when it had to KILL). Any other code is
 * the hook's own exit status (compose passes it through), so a missing release directory is told by its stderr line
 * (`NO_RELEASE`), not a code the hook could exit with too.
 */
export const HOOK_EXIT = { timedOut: 124, killed: 137 } as const;
export const NO_RELEASE = 'deploy-action: the release directory is missing';

export interface HookRun {
  releaseAbs: string;
  project: string;
  composeFiles: readonly string[];
  service: string;
  argv: readonly string[];
  timeoutSeconds: number;
  /** The one-off container's name (unique per run), so a timed-out one can be removed. */
  container: string;
}

export function hookScript(r: HookRun): RemoteScript {
  const files = r.composeFiles.flatMap((f) => ['-f', f]);
  return remoteScript(
    'hook',
    `hook in ${r.service}`,
    HOOK_EXIT,
    lines(
      sh`cd -- ${r.releaseAbs} || { printf '%s\n' ${NO_RELEASE} >&2; exit 3; }`,
      sh`timeout -k 10 ${r.timeoutSeconds} docker compose -p ${r.project} ${files} run --rm --no-deps -T --name ${r.container} -- ${r.service} ${r.argv} </dev/null 2>&1`,
      sh`rc=$?`,
      sh`[ "$rc" -eq 0 ] || docker rm -f -- ${r.container} >/dev/null 2>&1`,
      sh`exit "$rc"`,
    ),
  );
}
