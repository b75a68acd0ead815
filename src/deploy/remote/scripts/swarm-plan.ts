/**
 * `mode: plan` on a Swarm manager: what the swarm preflight reads (a manager? nodes, the stack's services and their
 * release labels, its secrets' names, the live release), plus the live release's stack file and the hashes of its
 * env files, and nothing written: no `mkdir` of deploy-path (the preflight's writability probe), no lock.
 */
import { remoteScript, type RemoteScript } from '../script.js';
import { lines, raw, sh } from '../sh.js';
import { LABEL, MANIFEST, STACK_NAMESPACE } from './preflight.js';

export const SWARM_PLAN_EXIT = { noDocker: 10, notManager: 13 } as const;

/**
 * Records: `swarm=<state> <control> <nodes>`, `requested=`, `path=` (or `absent=1`), `current=` and `manifest=` as
 * the preflight prints them, `stack=<text>` the live release's stack file, `live=<file> <sha256>` for each env file
 * the live release holds, `service=<name> <version label>` per service of the stack, `secret=<name>` per secret.
 */
export function swarmPlanReadScript(
  deployPath: string,
  stack: string,
  stackFile: string,
  envFiles: readonly string[],
): RemoteScript {
  return remoteScript(
    'swarm-plan-read',
    'read the manager state (plan)',
    SWARM_PLAN_EXIT,
    lines(
      raw('set -eu'),
      sh`docker version --format '{{.Server.Version}}' >/dev/null || { printf '%s\\n' 'the deploy user cannot use docker (add it to the docker group)' >&2; exit ${SWARM_PLAN_EXIT.noDocker}; }`,
      raw(`info=$(docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}} {{.Swarm.Nodes}}')`),
      raw(`printf 'swarm=%s\\0' "$info"`),
      sh`case "$info" in "active true "*) ;; *) printf '%s\\n' "this host is not a Swarm manager (docker info: $info); run 'docker swarm init' on it, or name a manager in ssh-host" >&2; exit ${SWARM_PLAN_EXIT.notManager};; esac`,
      sh`for s in $(docker service ls -q --filter label=${`${STACK_NAMESPACE}=${stack}`}); do printf 'service=%s\\0' "$(docker service inspect --format ${`{{.Spec.Name}} {{index .Spec.Labels "${LABEL.version}"}}`} "$s")"; done`,
      // Secret names are words (docker restricts them), so the list splits on white space.
      sh`names=$(docker secret ls --filter label=${`${LABEL.stack}=${stack}`} --format '{{.Name}}')`,
      raw(`for n in $names; do printf 'secret=%s\\0' "$n"; done`),
      sh`p=${deployPath}`,
      raw(`printf 'requested=%s\\0' "$p"`),
      raw(`if [ ! -d "$p" ]; then printf 'absent=1\\0'; exit 0; fi`),
      raw('cd -P -- "$p"'),
      raw(`printf 'path=%s\\0' "$(pwd -P)"`),
      sh`if [ -L current ]; then t=$(readlink current); printf 'current=%s\\0' "$t"; printf 'manifest='; case "$t" in releases/*/*|releases/.*) ;; releases/?*) cat -- "$t"/${MANIFEST} 2>/dev/null || true;; esac; printf '\\0'; fi`,
      // Only through a link TypeScript accepts (releases/<one name>), only regular files; env files only hashed.
      sh`case "\${t:-}" in releases/*/*|releases/.*|'') ;; releases/?*) f=${stackFile}; if [ -f "$t/$f" ] && [ ! -L "$t/$f" ]; then printf 'stack='; cat -- "$t/$f"; printf '\\0'; fi; for f in ${envFiles}; do if [ -f "$t/$f" ] && [ ! -L "$t/$f" ]; then printf 'live=%s %s\\0' "$f" "$(sha256sum < "$t/$f" | cut -d' ' -f1)"; fi; done;; esac`,
    ),
  );
}
