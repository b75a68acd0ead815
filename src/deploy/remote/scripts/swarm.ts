/** The scripts the swarm target runs on the manager. Secret values never appear here: they travel on stdin only. */
import { remoteScript, type RemoteScript } from '../script.js';
import { lines, raw, sh } from '../sh.js';
import { LABEL, STACK_NAMESPACE } from './preflight.js';

export const SWARM_EXIT = { noLength: 90, shortInput: 91, createFailed: 95, healthTimeout: 124, notFound: 1 } as const;

/**
 * Create one Docker secret from a framed value on stdin: the bytes go straight from the channel into
 * `docker secret create NAME -` (nothing on disk, nothing in a command line). A cut connection would hand docker a
 * short value; the byte count catches that, and the secret is removed again, since its name promises its content.
 */
export function secretCreateScript(name: string, labels: Record<string, string>): RemoteScript {
  const l = Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
  return remoteScript(
    'secret-create',
    `docker secret create ${name}`,
    SWARM_EXIT,
    lines(
      raw('set -u'),
      raw(`trap 'exit 129' HUP`),
      raw("IFS= read -r n || n=''"),
      sh`case "$n" in ''|*[!0-9]*) printf '%s\\n' 'deploy-action: no length header on stdin' >&2; exit ${SWARM_EXIT.noLength};; esac`,
      // tee copies the bytes to docker (fd 3) and counts them (wc, to fd 4 = the captured output).
      sh`got=$( exec 4>&1; { head -c "$n" | tee /dev/fd/3 | wc -c >&4; } 3>&1 | docker secret create ${l} -- ${name} - >/dev/null ) || exit ${SWARM_EXIT.createFailed}`,
      raw(`got=$(printf '%s' $got)`),
      sh`[ "$got" = "$n" ] || { docker secret rm -- ${name} >/dev/null 2>&1; printf 'deploy-action: stdin ended after %s of %s bytes (connection cut?); the secret was removed\\n' "$got" "$n" >&2; exit ${SWARM_EXIT.shortInput}; }`,
    ),
  );
}

export interface StackDeploy {
  releaseAbs: string;
  stackFile: string;
  stack: string;
  timeoutSeconds: number;
  detachFlag: boolean;
  registry?: { server: string; username?: string };
}

export function stackDeployScript(o: StackDeploy): RemoteScript {
  const deploy = sh`docker stack deploy --prune --resolve-image ${o.registry ? 'always' : 'never'}${raw(o.registry ? ' --with-registry-auth' : '')}${raw(o.detachFlag ? ' --detach=true' : '')} -c ${o.stackFile} -- ${o.stack}`;
  return remoteScript(
    'stack-deploy',
    'docker stack deploy',
    SWARM_EXIT,
    lines(
      raw('set -eu'),
      sh`cd -- ${o.releaseAbs}`,
      ...(o.registry?.username !== undefined
        ? [
            // A throwaway DOCKER_CONFIG: the login reaches the nodes with the service (--with-registry-auth), not the disk for long.
            raw('d=$(mktemp -d)'),
            raw(`trap 'rm -rf -- "$d"' EXIT`),
            sh`DOCKER_CONFIG="$d" docker login --username ${o.registry.username} --password-stdin -- ${o.registry.server} >/dev/null`,
            sh`DOCKER_CONFIG="$d" timeout -k 10 ${o.timeoutSeconds} ${deploy}`,
          ]
        : [sh`timeout -k 10 ${o.timeoutSeconds} ${deploy}`]),
    ),
  );
}

/** Every service of the stack (`docker service inspect`), then every task of them (`docker inspect --type task`). */
export function stackStateScript(stack: string): RemoteScript {
  return remoteScript(
    'stack-state',
    'docker service inspect',
    SWARM_EXIT,
    lines(
      raw('set -eu'),
      sh`ids=$(docker service ls -q --filter label=${`${STACK_NAMESPACE}=${stack}`})`,
      raw(`if [ -n "$ids" ]; then docker service inspect $ids; else printf '[]\\n'; fi`),
      raw(`printf '@@tasks@@\\n'`),
      raw('tasks=$(if [ -n "$ids" ]; then docker service ps -q --no-trunc $ids; fi)'),
      // A task can go between the two calls: inspect prints the others and exits 1.
      raw('out=$(if [ -n "$tasks" ]; then docker inspect --type task $tasks 2>/dev/null || true; fi)'),
      raw(`if [ -n "$out" ]; then printf '%s\\n' "$out"; else printf '[]\\n'; fi`),
    ),
  );
}

export function serviceRollbackScript(service: string): RemoteScript {
  return remoteScript(
    'service-rollback',
    `docker service rollback ${service}`,
    SWARM_EXIT,
    sh`docker service rollback --detach -- ${service} >/dev/null`,
  );
}

export function serviceLogsScript(service: string, tail: number): RemoteScript {
  return remoteScript(
    'service-logs',
    'docker service logs',
    SWARM_EXIT,
    sh`docker service logs --no-task-ids --no-trunc --tail ${tail} -- ${service} 2>&1`,
  );
}

/** This stack's secrets, one `secret=<name>` record each. */
export function secretListScript(stack: string): RemoteScript {
  return remoteScript(
    'secret-list',
    'docker secret ls',
    SWARM_EXIT,
    lines(
      raw('set -eu'),
      // Secret names are words (docker restricts them), so the list splits on white space.
      sh`names=$(docker secret ls --filter label=${`${LABEL.stack}=${stack}`} --format '{{.Name}}')`,
      raw(`for n in $names; do printf 'secret=%s\\0' "$n"; done`),
    ),
  );
}

export function secretRemoveScript(name: string): RemoteScript {
  return remoteScript('secret-rm', `docker secret rm ${name}`, SWARM_EXIT, sh`docker secret rm -- ${name} >/dev/null`);
}

export function stackRemoveScript(stack: string): RemoteScript {
  return remoteScript('stack-rm', 'docker stack rm', SWARM_EXIT, sh`docker stack rm -- ${stack}`);
}
