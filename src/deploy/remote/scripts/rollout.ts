/**
 * Start-first rollout of one compose service, in the manner of docker-rollout: scale the service to two with
 * `--no-recreate` (Compose keeps the old container and creates one from the new config beside it), wait for the new
 * one's healthcheck, then remove the old one; or remove the new one and leave the old one serving.
 */
import { remoteScript, type RemoteScript } from '../script.js';
import { lines, raw, sh, type ShText } from '../sh.js';

/**
 * `failed`: a docker or compose command failed. `unhealthy`: the healthcheck failed its retries. `exited`: the new
 * container stopped. `noHealthcheck`: the new container has no healthcheck to wait on. `healthTimeout`: still
 * starting when health-timeout ran out (124, as `timeout` exits).
 */
export const ROLLOUT_EXIT = { failed: 3, unhealthy: 4, exited: 5, noHealthcheck: 6, healthTimeout: 124 } as const;

function compose(project: string, files: readonly string[]): ShText {
  return sh`docker compose -p ${project} ${files.flatMap((f) => ['-f', f])}`;
}

const projectFilter = (project: string) => sh`--filter ${`label=com.docker.compose.project=${project}`}`;
const HEALTH_LOG =
  '{{if .State.Health}}{{range .State.Health.Log}}exit {{.ExitCode}}: {{.Output}}{{"\\n"}}{{end}}{{end}}';

/**
 * The release's services (`services`: one a line), what `up` would do to each container (`dryrun`: compose's own
 * `--dry-run` of `up`, so a container counts as changed exactly when Compose would recreate it; its config hash
 * label cannot be compared with `config --hash`, which hashes `env_file` differently), and the project's containers
 * (`containers`: `id service state name` lines).
 */
export function rolloutProbeScript(releaseAbs: string, project: string, files: readonly string[]): RemoteScript {
  const format = '{{.ID}} {{.Label "com.docker.compose.service"}} {{.State}} {{.Names}}';
  return remoteScript(
    'rollout-probe',
    'compose up --dry-run',
    ROLLOUT_EXIT,
    lines(
      sh`cd -- ${releaseAbs} || exit 3`,
      sh`s=$(${compose(project, files)} config --services) || exit 3`,
      sh`printf 'services=%s\\0' "$s"`,
      // The dry run writes buildx state under the docker config dir; a deploy user whose home is not writable gets a
      // throwaway one (there was no config in it to lose).
      raw(
        `if ! mkdir -p -- "\${DOCKER_CONFIG:-$HOME/.docker}" 2>/dev/null; then DOCKER_CONFIG=$(mktemp -d) || exit 3; export DOCKER_CONFIG; trap 'rm -rf -- "$DOCKER_CONFIG"' EXIT; fi`,
      ),
      // --pull never: a dry run would query a registry for a missing image; then it fails and plain `up` runs.
      sh`d=$(docker compose --dry-run -p ${project} ${files.flatMap((f) => ['-f', f])} up -d --no-build --pull never 2>&1) || exit 3`,
      sh`printf 'dryrun=%s\\0' "$d"`,
      sh`c=$(docker ps -a --no-trunc ${projectFilter(project)} --filter label=com.docker.compose.oneoff=False --format ${format}) || exit 3`,
      sh`printf 'containers=%s\\0' "$c"`,
    ),
  );
}

/**
 * The new container beside the old one, then every container of the service (`container=ID` records, printed
 * even when `up` failed, so the caller can remove what it left).
 */
export function rolloutStartScript(
  releaseAbs: string,
  project: string,
  files: readonly string[],
  service: string,
  timeoutSeconds: number,
): RemoteScript {
  return remoteScript(
    'rollout-start',
    `compose up --scale ${service}=2`,
    ROLLOUT_EXIT,
    lines(
      sh`cd -- ${releaseAbs} || exit 3`,
      sh`timeout -k 10 ${timeoutSeconds} ${compose(project, files)} up -d --no-deps --no-recreate --no-build --scale ${`${service}=2`} -- ${service}`,
      sh`rc=$?`,
      sh`for id in $(docker ps -a -q --no-trunc ${projectFilter(project)} --filter ${`label=com.docker.compose.service=${service}`} --filter label=com.docker.compose.oneoff=False); do printf 'container=%s\\0' "$id"; done`,
      sh`[ "$rc" -eq 0 ] && exit 0`,
      sh`[ "$rc" -eq 124 ] && exit 124`,
      sh`exit 3`,
    ),
  );
}

/** Polls the container's health once a second until healthy, failed or out of time; a failure prints the probes. */
export function rolloutWaitScript(container: string, timeoutSeconds: number): RemoteScript {
  const state = '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}';
  const fail = (code: number, why: string) =>
    sh`{ printf '%s\\n' ${why} >&2; docker inspect --format ${HEALTH_LOG} -- ${container} | tail -n 3 >&2; exit ${code}; }`;
  return remoteScript(
    'rollout-wait',
    'wait for the new container to be healthy',
    ROLLOUT_EXIT,
    lines(
      sh`end=$(( $(date +%s) + ${timeoutSeconds} ))`,
      sh`while :; do`,
      sh`  st=$(docker inspect --format ${state} -- ${container}) || exit 3`,
      sh`  case $st in`,
      sh`    'running healthy') exit 0 ;;`,
      sh`    'running none') ${fail(ROLLOUT_EXIT.noHealthcheck, 'the new container has no healthcheck')} ;;`,
      sh`    'running unhealthy') ${fail(ROLLOUT_EXIT.unhealthy, 'the new container is unhealthy')} ;;`,
      sh`    running\\ *|restarting\\ *) ;;`,
      sh`    *) ${fail(ROLLOUT_EXIT.exited, 'the new container stopped')} ;;`,
      sh`  esac`,
      sh`  [ "$(date +%s)" -ge "$end" ] && ${fail(ROLLOUT_EXIT.healthTimeout, 'the new container was still starting')}`,
      sh`  sleep 1`,
      sh`done`,
    ),
  );
}

/** Stops (the stop grace period applies) and removes containers of the rollout: the old on success, the new on failure. */
export function rolloutRemoveScript(
  name: 'rollout-retire-old' | 'rollout-remove-new',
  ids: readonly string[],
): RemoteScript {
  return remoteScript(
    name,
    name === 'rollout-retire-old' ? 'docker stop + rm of the old container' : 'docker stop + rm of the new container',
    ROLLOUT_EXIT,
    sh`docker stop -- ${ids} >/dev/null && docker rm -- ${ids} >/dev/null || exit 3`,
  );
}

/**
 * Orphan removal when every service is rolled out or kept: `up --no-recreate` of those services touches none of
 * their containers and removes the containers of services the release no longer has.
 */
export function rolloutRemoveOrphansScript(
  releaseAbs: string,
  project: string,
  files: readonly string[],
  services: readonly string[],
): RemoteScript {
  return remoteScript(
    'rollout-remove-orphans',
    'compose up --remove-orphans',
    ROLLOUT_EXIT,
    sh`cd -- ${releaseAbs} && ${compose(project, files)} up -d --no-deps --no-recreate --no-build --remove-orphans -- ${services} || exit 3`,
  );
}
