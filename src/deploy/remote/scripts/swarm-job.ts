/**
 * The swarm target's deploy hook as a Swarm job on the manager: `docker service create --mode replicated-job
 * --restart-condition none --detach` of the release's image (one task, never retried), then its task polled, its
 * output read and the job service removed. Every value is quoted by `sh`; secret values never appear (the job mounts
 * the release's Docker secrets by name).
 */
import { remoteScript, type RemoteScript } from '../script.js';
import { lines, raw, sh } from '../sh.js';

/** `createFailed`: docker refused the job (its stderr says why: a missing network, secret or image, a bad mount). */
export const JOB_EXIT = { createFailed: 96, notFound: 1 } as const;

export interface SwarmJob {
  /** The release directory: env file paths are relative to it, as they are to the stack file. */
  releaseAbs: string;
  /** The job service's name (unique per run). */
  name: string;
  image: string;
  argv: readonly string[];
  labels: Readonly<Record<string, string>>;
  envFiles: readonly string[];
  /** `KEY=value`, after the env files (a later value wins, as `environment:` wins over `env_file:` in the stack). */
  env: readonly string[];
  /** `--secret` values (CSV). */
  secrets: readonly string[];
  /** `--mount` values (CSV). */
  mounts: readonly string[];
  /** Networks that must exist (external ones): docker fails the create if one is missing. */
  networks: readonly string[];
  /** Networks `docker stack deploy` creates: joined when they exist, reported as `absent=` records otherwise. */
  stackNetworks: readonly string[];
  user?: string;
  workdir?: string;
  /** Already in the form `--entrypoint` splits (shell words). */
  entrypoint?: string;
  init?: boolean;
  /** ssh delivery: the image is on the manager only, so Swarm must not ask a registry for its digest. */
  resolveImage: boolean;
  registry?: { server: string; username?: string };
}

function flags(name: string, values: readonly string[]) {
  return values.flatMap((v) => [name, v]);
}

/** Creates the job; prints `absent=<network>` for each stack network not there yet, then `id=<service id>`. */
export function jobCreateScript(j: SwarmJob): RemoteScript {
  const labels = Object.entries(j.labels).map(([k, v]) => `${k}=${v}`);
  const opts = [
    // On the service and on its container, so a stray container is found by the same label.
    ...labels.flatMap((l) => ['--label', l, '--container-label', l]),
    ...flags('--env-file', j.envFiles),
    ...flags('--env', j.env),
    ...flags('--secret', j.secrets),
    ...flags('--mount', j.mounts),
    ...flags('--network', j.networks),
    ...(j.user !== undefined ? ['--user', j.user] : []),
    ...(j.workdir !== undefined ? ['--workdir', j.workdir] : []),
    ...(j.entrypoint !== undefined ? ['--entrypoint', j.entrypoint] : []),
  ];
  const create = sh`docker service create --quiet --detach --mode replicated-job --restart-condition none --stop-grace-period 10s${raw(j.resolveImage ? '' : ' --no-resolve-image')}${raw(j.registry ? ' --with-registry-auth' : '')}${raw(j.init ? ' --init' : '')} --name ${j.name} ${opts} "$@" -- ${j.image} ${j.argv}`;
  return remoteScript(
    'job-create',
    `docker service create ${j.name}`,
    JOB_EXIT,
    lines(
      raw('set -eu'),
      sh`cd -- ${j.releaseAbs}`,
      raw('set --'),
      // A network the stack creates is missing before the stack's first deploy (or in the release that adds it):
      // nothing is on it yet, so the job has nobody to reach there and goes without it.
      ...j.stackNetworks.map(
        (n) =>
          sh`if docker network inspect -- ${n} >/dev/null 2>&1; then set -- "$@" --network ${n}; else printf 'absent=%s\\0' ${n}; fi`,
      ),
      ...(j.registry?.username !== undefined
        ? [
            // A throwaway DOCKER_CONFIG, as for stack deploy: the login reaches the node with the job, not the disk.
            raw('d=$(mktemp -d)'),
            raw(`trap 'rm -rf -- "$d"' EXIT`),
            sh`DOCKER_CONFIG="$d" docker login --username ${j.registry.username} --password-stdin -- ${j.registry.server} >/dev/null`,
            sh`id=$(DOCKER_CONFIG="$d" ${create}) || exit ${JOB_EXIT.createFailed}`,
          ]
        : [sh`id=$(${create}) || exit ${JOB_EXIT.createFailed}`]),
      raw(`printf 'id=%s\\0' "$id"`),
    ),
  );
}

/** The job's tasks as `docker inspect --type task` prints them (`[]` while Swarm has not made one yet). */
export function jobTasksScript(name: string): RemoteScript {
  return remoteScript(
    'job-tasks',
    `docker service ps ${name}`,
    JOB_EXIT,
    lines(
      raw('set -eu'),
      sh`tasks=$(docker service ps -q --no-trunc -- ${name})`,
      raw(`if [ -n "$tasks" ]; then docker inspect --type task $tasks; else printf '[]\\n'; fi`),
    ),
  );
}

/** Everything the job printed, stdout and stderr, without the task prefix. */
export function jobLogsScript(name: string): RemoteScript {
  return remoteScript(
    'job-logs',
    `docker service logs ${name}`,
    JOB_EXIT,
    sh`docker service logs --raw --no-trunc -- ${name} 2>&1`,
  );
}

/**
 * Removes the job service, then its containers on this node. Measured on dockerd 20.10: `docker service rm` of a job
 * neither stops a task container that still runs (it went on for minutes) nor removes one that exited, so the script
 * does both itself, as the compose hook's `docker rm -f` does: `docker stop -t 10` (TERM, KILL after 10 s), then
 * `docker rm -f`, a few passes (a task still starting makes its container late). Any left are printed as `left=`.
 */
export function jobRemoveScript(name: string): RemoteScript {
  const mine = raw('$(docker ps -aq --filter "label=com.docker.swarm.service.id=$id")');
  return remoteScript(
    'job-rm',
    `docker service rm ${name}`,
    JOB_EXIT,
    lines(
      raw('set -eu'),
      sh`id=$(docker service inspect --format '{{.ID}}' -- ${name})`,
      sh`docker service rm -- ${name} >/dev/null`,
      sh`for pass in 1 2 3; do c=${mine}; if [ -n "$c" ]; then docker stop -t 10 $c >/dev/null 2>&1 || true; docker rm -f $c >/dev/null 2>&1 || true; fi; sleep 1; done`,
      sh`for c in ${mine}; do printf 'left=%s\\0' "$c"; done`,
    ),
  );
}

/** Removes a service a rolled-back release had added; its tasks are stopped with it. */
export function serviceRemoveScript(name: string): RemoteScript {
  return remoteScript('service-rm', `docker service rm ${name}`, JOB_EXIT, sh`docker service rm -- ${name} >/dev/null`);
}
