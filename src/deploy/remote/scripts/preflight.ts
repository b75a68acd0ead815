/**
 * Preflight on a host: can the deploy user use docker (and compose, or is this a Swarm manager), is deploy-path
 * writable, which release does `current` point at. Reported as NUL-terminated `key=value` records (`parseRecords`).
 */
import { remoteScript, type RemoteScript } from '../script.js';
import { lines, raw, sh, type ShText } from '../sh.js';

export const MANIFEST = '.deploy-action.json';
export const LABEL = {
  stack: 'com.doongzi.deploy-action.stack',
  secret: 'com.doongzi.deploy-action.secret',
  version: 'com.doongzi.deploy-action.version',
} as const;
export const STACK_NAMESPACE = 'com.docker.stack.namespace';

export const PREFLIGHT_EXIT = { noDocker: 10, noCompose: 11, notWritable: 12, notManager: 13, notOwned: 14 } as const;

const dockerUsable = sh`docker version --format '{{.Server.Version}}' >/dev/null || { printf '%s\\n' 'the deploy user cannot use docker (add it to the docker group)' >&2; exit ${PREFLIGHT_EXIT.noDocker}; }`;

/** deploy-path writable; then report the path as received and as the host resolves it, and the live release. */
function deployPathReport(deployPath: string): ShText {
  return lines(
    sh`p=${deployPath}`,
    sh`{ mkdir -p -- "$p/releases" 2>/dev/null && [ -w "$p/releases" ]; } || { printf 'deploy-path %s is not writable by %s: create it and chown it to that user\\n' "$p" "$(id -un)" >&2; exit ${PREFLIGHT_EXIT.notWritable}; }`,
    raw('cd -P -- "$p"'),
    // Another user's directory (or link) could be swapped under the deploy: refuse what the deploy user does not own.
    raw('me=$(id -u)'),
    sh`for f in . releases current; do { [ -e "$f" ] || [ -L "$f" ]; } || continue; o=$(stat -c %u -- "$f"); [ "$o" = "$me" ] || { printf 'deploy-path %s: %s is owned by uid %s, not by the deploy user %s (uid %s): chown it to that user\\n' "$(pwd -P)" "$f" "$o" "$(id -un)" "$me" >&2; exit ${PREFLIGHT_EXIT.notOwned}; }; done`,
    sh`if [ -L current ] && [ -e current ] && [ ! -O current ]; then printf 'deploy-path %s: current points at a directory not owned by the deploy user %s\\n' "$(pwd -P)" "$(id -un)" >&2; exit ${PREFLIGHT_EXIT.notOwned}; fi`,
    raw(`printf 'requested=%s\\0' "$p"`),
    raw(`printf 'path=%s\\0' "$(pwd -P)"`),
    // The manifest is read only through a link TypeScript will accept (releases/<one name>); TypeScript checks it.
    sh`if [ -L current ]; then t=$(readlink current); printf 'current=%s\\0' "$t"; printf 'manifest='; case "$t" in releases/*/*|releases/.*) ;; releases/?*) cat -- "$t"/${MANIFEST} 2>/dev/null || true;; esac; printf '\\0'; fi`,
  );
}

export function composePreflightScript(deployPath: string): RemoteScript {
  return remoteScript(
    'preflight',
    'preflight',
    PREFLIGHT_EXIT,
    lines(
      raw('set -eu'),
      dockerUsable,
      sh`docker compose version >/dev/null 2>&1 || { printf '%s\\n' 'docker compose v2 is not installed on the host' >&2; exit ${PREFLIGHT_EXIT.noCompose}; }`,
      deployPathReport(deployPath),
    ),
  );
}

/** Without `stack` (`mode: rollback`, which learns it from the live release's manifest) no service or secret is listed. */
export function swarmPreflightScript(deployPath: string, stack?: string): RemoteScript {
  return remoteScript(
    'swarm-preflight',
    'preflight',
    PREFLIGHT_EXIT,
    lines(
      raw('set -eu'),
      dockerUsable,
      raw(`info=$(docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}} {{.Swarm.Nodes}}')`),
      raw(`printf 'swarm=%s\\0' "$info"`),
      sh`case "$info" in "active true "*) ;; *) printf '%s\\n' "this host is not a Swarm manager (docker info: $info); run 'docker swarm init' on it, or name a manager in ssh-host" >&2; exit ${PREFLIGHT_EXIT.notManager};; esac`,
      // 20.10's CLI has no --detach for stack deploy (it always returns at once); newer ones do.
      raw(
        `if docker stack deploy --help 2>/dev/null | grep -q -- '--detach'; then printf 'detach=yes\\0'; else printf 'detach=no\\0'; fi`,
      ),
      deployPathReport(deployPath),
      stack !== undefined &&
        sh`for s in $(docker service ls -q --filter label=${`${STACK_NAMESPACE}=${stack}`}); do printf 'service=%s\\0' "$(docker service inspect --format ${`{{.Spec.Name}} {{index .Spec.Labels "${LABEL.version}"}}`} "$s")"; done`,
      // Secret names are words (docker restricts them), so the list splits on white space.
      stack !== undefined &&
        sh`names=$(docker secret ls --filter label=${`${LABEL.stack}=${stack}`} --format '{{.Name}}')`,
      stack !== undefined && raw(`for n in $names; do printf 'secret=%s\\0' "$n"; done`),
    ),
  );
}
