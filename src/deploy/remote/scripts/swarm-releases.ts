/**
 * The stack files of the Swarm releases kept under deploy-path, read back for `mode: rollback` (which services and
 * secrets the previous release names) and for the secret prune (a kept release's secrets stay). Read only;
 * TypeScript parses and validates every file.
 */
import { remoteScript, type RemoteScript } from '../script.js';
import { lines, raw, sh } from '../sh.js';

export const STACK_FILES_EXIT = { noReleases: 30 } as const;

/** Far larger than a rendered stack file; a bigger one is cut (and then does not parse). */
const STACK_FILE_CAP = 262_144;

/** `stack=<release>/<stack file text, NULs dropped>` per release directory that holds `stackFile` (a plain name). */
export function releaseStackFilesScript(deployPath: string, stackFile: string): RemoteScript {
  return remoteScript(
    'release-stack-files',
    'read the stack files of the releases',
    STACK_FILES_EXIT,
    lines(
      raw('set -eu'),
      sh`cd -- ${deployPath}`,
      sh`[ -d releases ] || { printf 'deploy-path %s has no releases directory\\n' ${deployPath} >&2; exit ${STACK_FILES_EXIT.noReleases}; }`,
      sh`for d in releases/*/; do [ -d "$d" ] || continue; [ -L "\${d%/}" ] && continue; f="$d"${stackFile}; [ -f "$f" ] && [ ! -L "$f" ] || continue; n=\${d#releases/}; n=\${n%/}; printf 'stack=%s/' "$n"; head -c ${String(STACK_FILE_CAP)} -- "$f" | tr -d '\\000'; printf '\\0'; done`,
    ),
  );
}
