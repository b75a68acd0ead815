/** `docker compose` on a host: up (bounded by the health timeout), down, and what diagnose reads after a failure. */
import { remoteScript, type RemoteScript } from '../script.js';
import { sh, type ShText } from '../sh.js';

export const COMPOSE_EXIT = { healthTimeout: 124, notFound: 1 } as const;

function composeArgs(project: string, files: readonly string[]): ShText {
  return sh`docker compose -p ${project} ${files.flatMap((f) => ['-f', f])}`;
}

/**
 * `up --wait` bounded by the health timeout: `timeout` exits 124 when it fires. No `--force-recreate`: Compose
 * recreates what changed (config hash, image id), and a secret's value is in the hash through the override's
 * keyed-hash label (release/secret-store.ts), so an unchanged service keeps running.
 */
export function composeUpScript(
  releaseAbs: string,
  project: string,
  files: readonly string[],
  timeoutSeconds: number,
  services: readonly string[] = [],
): RemoteScript {
  // Only these services (a rollout replaces the others itself); none given: the whole project, as always.
  const only = services.length ? sh` --no-deps -- ${services}` : sh``;
  return remoteScript(
    'compose-up',
    'docker compose up --wait',
    COMPOSE_EXIT,
    sh`cd -- ${releaseAbs} && timeout -k 10 ${timeoutSeconds} ${composeArgs(project, files)} up -d --wait --remove-orphans --no-build${only}`,
  );
}

/**
 * Removes the project's containers still under Compose's temporary recreate name (`<id>_<project>-<service>-<n>`).
 * Compose renames them to the final name as the last step of a recreate; an `up` killed with its connection stops
 * before that and leaves the new container running beside the one the rollback brings back.
 */
export function removeHalfRecreatedScript(project: string): RemoteScript {
  return remoteScript(
    'compose-remove-half-recreated',
    'docker rm of half-recreated containers',
    COMPOSE_EXIT,
    sh`docker ps -a --filter ${`label=com.docker.compose.project=${project}`} --format ${'{{.ID}} {{.Names}}'} | while read -r id name; do case $name in [0-9a-f]*_${project}-*) docker rm -f -- "$id" >/dev/null ;; esac; done`,
  );
}

export function composeDownScript(releaseAbs: string, project: string, files: readonly string[]): RemoteScript {
  return remoteScript(
    'compose-down',
    'docker compose down',
    COMPOSE_EXIT,
    sh`cd -- ${releaseAbs} && ${composeArgs(project, files)} down --remove-orphans`,
  );
}

export function composePsScript(project: string): RemoteScript {
  return remoteScript(
    'compose-ps',
    'docker compose ps',
    COMPOSE_EXIT,
    sh`${composeArgs(project, [])} ps -a --format json`,
  );
}

export function composeLogsScript(project: string, service: string, tail: number): RemoteScript {
  return remoteScript(
    'compose-logs',
    'docker compose logs',
    COMPOSE_EXIT,
    sh`${composeArgs(project, [])} logs --no-color --no-log-prefix --tail ${tail} -- ${service}`,
  );
}

/** A container's health probe results, one line each (`exit N: output`). */
export function healthProbeScript(container: string): RemoteScript {
  return remoteScript(
    'health-probe',
    'docker inspect',
    COMPOSE_EXIT,
    sh`docker inspect --format ${'{{if .State.Health}}{{range .State.Health.Log}}exit {{.ExitCode}}: {{.Output}}{{"\\n"}}{{end}}{{end}}'} -- ${container}`,
  );
}
