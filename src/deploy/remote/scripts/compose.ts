/** `docker compose` on a host: up (bounded by the health timeout), down, and what diagnose reads after a failure. */
import { remoteScript, type RemoteScript } from '../script.js';
import { lines, raw, sh, type ShText } from '../sh.js';

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
 * Settles what a killed `up` left under Compose's temporary recreate name (`<id>_<project>-<service>-<n>`). Compose
 * (2.2x) creates the new container under that name, stops and removes the old one, renames the new one and then
 * starts it; an `up` killed between leaves it created, never started: removed here. A later `up` may instead adopt
 * it and start it under that name (measured with compose 2.26: it then serves): a running one is never removed, only
 * given its final name when that is free.
 */
export function settleHalfRecreatedScript(project: string): RemoteScript {
  return remoteScript(
    'compose-settle-half-recreated',
    'docker rm of half-recreated containers',
    COMPOSE_EXIT,
    lines(
      sh`docker ps -a --filter ${`label=com.docker.compose.project=${project}`} --format ${'{{.ID}} {{.Names}} {{.State}}'} | while read -r id name state; do`,
      sh`  case $name in [0-9a-f]*_${project}-*) ;; *) continue ;; esac`,
      sh`  if [ "$state" != running ]; then docker rm -f -- "$id" >/dev/null; continue; fi`,
      raw('  final=${name#*_}'),
      sh`  docker inspect --type container -- "$final" >/dev/null 2>&1 || docker rename -- "$id" "$final" >/dev/null`,
      sh`done`,
    ),
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
