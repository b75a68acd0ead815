/**
 * What `mode: rollback` chooses from on a compose host: every release directory with its manifest, and the files the
 * secret store holds. Read only; TypeScript validates every manifest and picks the release.
 */
import { SECRET_STORE } from '../../release/secret-store.js';
import { remoteScript, type RemoteScript } from '../script.js';
import { lines, raw, sh } from '../sh.js';
import { MANIFEST } from './preflight.js';

export const ROLLBACK_LIST_EXIT = { noReleases: 30 } as const;

/** Larger than any manifest a deploy writes; a bigger file is cut (and then fails validation). */
const MANIFEST_CAP = 65_536;

/**
 * `release=<name>/<manifest text, NULs dropped>` per release directory (release names hold no `/`), then
 * `stored=<name>` per secret store file.
 */
export function listReleaseManifestsScript(deployPath: string): RemoteScript {
  return remoteScript(
    'list-release-manifests',
    'list releases and their manifests',
    ROLLBACK_LIST_EXIT,
    lines(
      raw('set -eu'),
      sh`cd -- ${deployPath}`,
      sh`[ -d releases ] || { printf 'deploy-path %s has no releases directory\\n' ${deployPath} >&2; exit ${ROLLBACK_LIST_EXIT.noReleases}; }`,
      sh`for d in releases/*/; do [ -d "$d" ] || continue; [ -L "\${d%/}" ] && continue; n=\${d#releases/}; n=\${n%/}; printf 'release=%s/' "$n"; if [ -f "$d"${MANIFEST} ]; then head -c ${String(MANIFEST_CAP)} -- "$d"${MANIFEST} | tr -d '\\000'; fi; printf '\\0'; done`,
      sh`if [ -d ${SECRET_STORE} ]; then for f in ${SECRET_STORE}/*.*; do [ -f "$f" ] || continue; printf 'stored=%s\\0' "\${f##*/}"; done; fi`,
    ),
  );
}
