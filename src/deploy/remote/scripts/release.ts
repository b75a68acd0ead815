/**
 * The release directories under deploy-path: create one (never the live one), point `current` at one atomically,
 * list them (for pruning, decided in TypeScript), remove some.
 */
import { remoteScript, tempSuffix, type RemoteScript } from '../script.js';
import { lines, raw, sh } from '../sh.js';
import { SIGNAL_TRAPS } from './upload.js';

export const RELEASE_EXIT = { live: 20, badName: 21 } as const;

/**
 * Written into a release directory before its first upload and removed when `current` switches to it: a concurrent
 * deploy's prune leaves a release with a fresh marker alone (it is being staged).
 */
export const STAGING_MARKER = '.deploy-action-staging';

/** `releases/<dir>` as `current` holds it (relative, so the deploy directory can move). */
export function currentTarget(releaseDir: string): string {
  return `releases/${releaseDir}`;
}

/** A fresh, empty 0700 release directory; refused when `current` points at it (the running release). */
export function createReleaseScript(deployPath: string, releaseDir: string): RemoteScript {
  return remoteScript(
    'create-release',
    'create release directory',
    RELEASE_EXIT,
    lines(
      raw('set -eu'),
      sh`cd -- ${deployPath}`,
      sh`r=${releaseDir}`,
      raw('t=$(readlink current 2>/dev/null || true)'),
      sh`if [ "$t" = "releases/$r" ]; then printf 'releases/%s is live\\n' "$r" >&2; exit ${RELEASE_EXIT.live}; fi`,
      raw('rm -rf -- "releases/$r" && mkdir -m 0700 -- "releases/$r"'),
      sh`: >"releases/$r"/${STAGING_MARKER}`,
    ),
  );
}

/**
 * Point `current` at a release atomically: a new symlink under a temp name, renamed over the old one. The EXIT trap
 * removes the temp link on every way out but success.
 */
export function switchCurrentScript(
  deployPath: string,
  releaseDir: string,
  label: string,
  suffix = tempSuffix(),
): RemoteScript {
  return remoteScript(
    'switch-current',
    label,
    RELEASE_EXIT,
    lines(
      raw('set -eu'),
      sh`cd -- ${deployPath}`,
      sh`tmp=${`.current.tmp-${suffix}`}`,
      raw(`trap 'rm -f -- "$tmp"' EXIT`),
      SIGNAL_TRAPS,
      sh`ln -sfn -- ${currentTarget(releaseDir)} "$tmp"`,
      raw('mv -fT -- "$tmp" current'),
      raw('trap - EXIT'),
      sh`rm -f -- ${`releases/${releaseDir}/${STAGING_MARKER}`}`,
    ),
  );
}

/**
 * What prune decides on, in the host's clock: `now=<s>`, `current=<link>`, every release directory with its
 * modification time (`release=<mtime> <name>`, seconds, fractional) and every staging marker (`staging=<mtime> <name>`).
 */
export function listReleasesScript(deployPath: string): RemoteScript {
  return remoteScript(
    'list-releases',
    'list releases',
    RELEASE_EXIT,
    lines(
      raw('set -eu'),
      sh`cd -- ${deployPath}`,
      raw(`printf 'now=%s\\0' "$(date +%s)"`),
      raw(`if [ -L current ]; then printf 'current=%s\\0' "$(readlink current)"; fi`),
      raw('cd releases'),
      raw(`find . -mindepth 1 -maxdepth 1 -type d -printf 'release=%T@ %f\\0'`),
      sh`find . -mindepth 2 -maxdepth 2 -name ${STAGING_MARKER} -printf 'staging=%T@ %h\\0'`,
    ),
  );
}

/** Remove release directories by name (names only: a `/` or a dot name is refused). */
export function removeReleasesScript(deployPath: string, names: readonly string[], label: string): RemoteScript {
  for (const n of names) {
    if (n === '' || n === '.' || n === '..' || n.includes('/'))
      throw new Error(`not a release name: ${JSON.stringify(n)}`);
  }
  return remoteScript(
    'remove-releases',
    label,
    RELEASE_EXIT,
    lines(raw('set -eu'), sh`cd -- ${deployPath}/releases`, names.length > 0 && sh`rm -rf -- ${names}`),
  );
}

export function removeCurrentScript(deployPath: string): RemoteScript {
  return remoteScript('remove-current', 'remove current', RELEASE_EXIT, sh`rm -f -- ${deployPath}/current`);
}
