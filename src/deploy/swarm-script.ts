/**
 * The POSIX sh commands the swarm target runs on the manager, and the parsing of what Swarm reports. Pure, so both
 * are unit-tested. Secret values never appear here: they travel in the channel's stdin only.
 */
import { shQuote } from './remote-script.js';

export const LABEL = {
  stack: 'com.doongzi.deploy-action.stack',
  secret: 'com.doongzi.deploy-action.secret',
  version: 'com.doongzi.deploy-action.version',
} as const;
export const STACK_NAMESPACE = 'com.docker.stack.namespace';

/** Exit codes the client turns into explanations. */
export const SWARM_EXIT = {
  noDocker: 10,
  notManager: 13,
  notWritable: 12,
  noLength: 90,
  shortInput: 91,
  createFailed: 95,
} as const;

export function swarmPreflightScript(deployPath: string, stack: string): string {
  const p = shQuote(deployPath);
  return [
    'set -eu',
    `docker version --format '{{.Server.Version}}' >/dev/null || { echo "the deploy user cannot use docker (add it to the docker group)" >&2; exit ${SWARM_EXIT.noDocker}; }`,
    `info=$(docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}} {{.Swarm.Nodes}}')`,
    'echo "swarm=$info"',
    `case "$info" in "active true "*) ;; *) echo "this host is not a Swarm manager (docker info: $info); run 'docker swarm init' on it, or name a manager in ssh-host" >&2; exit ${SWARM_EXIT.notManager};; esac`,
    // 20.10's CLI has no --detach for stack deploy (it always returns at once); newer ones do.
    `if docker stack deploy --help 2>/dev/null | grep -q -- '--detach'; then echo "detach=yes"; else echo "detach=no"; fi`,
    `mkdir -p ${p}/releases 2>/dev/null && [ -w ${p}/releases ] || { echo "deploy-path ${deployPath.replace(/["`$\\]/g, '')} is not writable by $(id -un): create it and chown it to that user" >&2; exit ${SWARM_EXIT.notWritable}; }`,
    `cd ${p}`,
    'echo "path=$(pwd -P)"',
    `for s in $(docker service ls -q --filter label=${shQuote(`${STACK_NAMESPACE}=${stack}`)}); do docker service inspect --format 'service={{.Spec.Name}} {{index .Spec.Labels "${LABEL.version}"}}' "$s"; done`,
    `docker secret ls --filter label=${shQuote(`${LABEL.stack}=${stack}`)} --format 'secret={{.Name}}'`,
  ].join('\n');
}

export interface SwarmPreflight {
  path?: string;
  state: string;
  manager: boolean;
  nodes: number;
  detachFlag: boolean;
  /** Service name → the release label it carries. */
  services: Map<string, string>;
  secrets: string[];
}

export function parseSwarmPreflight(stdout: string): SwarmPreflight {
  const out: SwarmPreflight = {
    state: '',
    manager: false,
    nodes: 0,
    detachFlag: false,
    services: new Map(),
    secrets: [],
  };
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const [k, v] = [line.slice(0, eq), line.slice(eq + 1).trim()];
    if (k === 'swarm') {
      const [state, control, nodes] = v.split(' ');
      out.state = state ?? '';
      out.manager = control === 'true';
      out.nodes = Number(nodes) || 0;
    } else if (k === 'detach') out.detachFlag = v === 'yes';
    else if (k === 'path') out.path = v;
    else if (k === 'service') {
      const [name, version] = v.split(' ');
      if (name) out.services.set(name, version ?? '');
    } else if (k === 'secret' && v) out.secrets.push(v);
  }
  return out;
}

/**
 * Create one Docker secret from a framed value on stdin: the bytes go straight from the channel into
 * `docker secret create NAME -` (nothing on disk, nothing in a command line). A cut connection would hand docker a
 * short value; the byte count catches that, and the secret is removed again, since its name promises its content.
 */
export function secretCreateScript(name: string, labels: Record<string, string>): string {
  const l = Object.entries(labels)
    .map(([k, v]) => `--label ${shQuote(`${k}=${v}`)}`)
    .join(' ');
  return [
    'set -u',
    `trap 'exit 129' HUP`,
    "IFS= read -r n || n=''",
    `case "$n" in ''|*[!0-9]*) echo "deploy-action: no length header on stdin" >&2; exit ${SWARM_EXIT.noLength};; esac`,
    // tee copies the bytes to docker (fd 3) and counts them (wc, to fd 4 = the captured output).
    `got=$( exec 4>&1; { head -c "$n" | tee /dev/fd/3 | wc -c >&4; } 3>&1 | docker secret create ${l} ${shQuote(name)} - >/dev/null ) || exit ${SWARM_EXIT.createFailed}`,
    'got=$(echo $got)',
    `[ "$got" = "$n" ] || { docker secret rm ${shQuote(name)} >/dev/null 2>&1; echo "deploy-action: stdin ended after $got of $n bytes (connection cut?); the secret was removed" >&2; exit ${SWARM_EXIT.shortInput}; }`,
  ].join('\n');
}

export function stackDeployScript(opts: {
  releaseAbs: string;
  stackFile: string;
  stack: string;
  timeoutSeconds: number;
  detachFlag: boolean;
  registry?: { server: string; username?: string };
}): string {
  const resolve = opts.registry ? 'always' : 'never';
  const deploy =
    `docker stack deploy --prune --resolve-image ${resolve}${opts.registry ? ' --with-registry-auth' : ''}` +
    `${opts.detachFlag ? ' --detach=true' : ''} -c ${shQuote(opts.stackFile)} ${shQuote(opts.stack)}`;
  const lines = ['set -eu', `cd ${shQuote(opts.releaseAbs)}`];
  if (opts.registry?.username) {
    // A throwaway DOCKER_CONFIG: the login reaches the nodes with the service (--with-registry-auth), not the disk for long.
    lines.push(
      'd=$(mktemp -d)',
      `trap 'rm -rf "$d"' EXIT`,
      `DOCKER_CONFIG="$d" docker login ${shQuote(opts.registry.server)} -u ${shQuote(opts.registry.username)} --password-stdin >/dev/null`,
      `DOCKER_CONFIG="$d" timeout -k 10 ${opts.timeoutSeconds} ${deploy}`,
    );
  } else {
    lines.push(`timeout -k 10 ${opts.timeoutSeconds} ${deploy}`);
  }
  return lines.join('\n');
}

/** Every service of the stack (`docker service inspect`), then every task of them (`docker inspect --type task`). */
export function stackStateScript(stack: string): string {
  return [
    'set -eu',
    `ids=$(docker service ls -q --filter label=${shQuote(`${STACK_NAMESPACE}=${stack}`)})`,
    'if [ -n "$ids" ]; then docker service inspect $ids; else echo "[]"; fi',
    'echo "@@tasks@@"',
    'tasks=$(if [ -n "$ids" ]; then docker service ps -q --no-trunc $ids; fi)',
    // A task can go between the two calls: inspect prints the others and exits 1.
    'out=$(if [ -n "$tasks" ]; then docker inspect --type task $tasks 2>/dev/null || true; fi)',
    'if [ -n "$out" ]; then printf "%s\\n" "$out"; else echo "[]"; fi',
  ].join('\n');
}

export interface SwarmService {
  ID: string;
  Meta?: { UpdatedAt?: string };
  Spec: {
    Name: string;
    Labels?: Record<string, string>;
    TaskTemplate: {
      ContainerSpec: { Image: string; Secrets?: Array<{ SecretName: string }> } & Record<string, unknown>;
    };
    Mode?: { Replicated?: { Replicas?: number }; Global?: object };
  };
  UpdateStatus?: { State?: string; StartedAt?: string; CompletedAt?: string; Message?: string };
}

export interface SwarmTask {
  ID: string;
  ServiceID: string;
  Slot?: number;
  CreatedAt?: string;
  DesiredState: string;
  Spec: { ContainerSpec: { Image: string } & Record<string, unknown> };
  Status: {
    State: string;
    Err?: string;
    Message?: string;
    Timestamp?: string;
    ContainerStatus?: { ExitCode?: number; ContainerID?: string };
  };
}

export function parseStackState(stdout: string): { services: SwarmService[]; tasks: SwarmTask[] } {
  const [svc, tasks] = stdout.split('@@tasks@@');
  return {
    services: JSON.parse(svc!.trim() || '[]') as SwarmService[],
    tasks: JSON.parse((tasks ?? '').trim() || '[]') as SwarmTask[],
  };
}

/**
 * What makes a task the current spec's: its image, command, environment, user, secrets and mounts. (The whole
 * ContainerSpec does not compare: the service's carries defaults, e.g. StopGracePeriod, its tasks' omit.)
 */
export function specKey(c: Record<string, unknown>): string {
  const secrets = Array.isArray(c['Secrets'])
    ? (c['Secrets'] as Array<Record<string, unknown>>).map((s) => ({ n: s['SecretName'], f: s['File'] }))
    : [];
  return stable({
    i: c['Image'],
    a: c['Args'] ?? null,
    c: c['Command'] ?? null,
    e: c['Env'] ?? null,
    u: c['User'] ?? null,
    s: secrets,
    m: c['Mounts'] ?? null,
  });
}

/** Stable JSON (sorted keys). */
function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export type ServiceVerdict =
  | { kind: 'converged' }
  | { kind: 'waiting'; why: string }
  | { kind: 'failed'; why: string; rolledBack: boolean };

const FAILED_STATES = new Set(['failed', 'rejected']);

/**
 * Where one service stands after `stack deploy`. `startedBefore` is its UpdateStatus.StartedAt before the deploy, so
 * a rollback left over from an earlier deploy is not taken for this one's.
 */
export function serviceVerdict(
  s: SwarmService,
  tasks: readonly SwarmTask[],
  expectedImage: string | undefined,
  startedBefore: string | undefined,
): ServiceVerdict {
  const state = s.UpdateStatus?.State;
  const fresh = s.UpdateStatus?.StartedAt !== undefined && s.UpdateStatus.StartedAt !== startedBefore;
  const mine = tasks.filter((t) => t.ServiceID === s.ID);
  if (fresh && (state === 'rollback_completed' || state === 'rollback_paused' || state === 'paused')) {
    return {
      kind: 'failed',
      rolledBack: state === 'rollback_completed',
      why: `${state.replace('_', ' ')}${s.UpdateStatus?.Message && s.UpdateStatus.Message !== state.replace('_', ' ') ? `: ${s.UpdateStatus.Message}` : ''}`,
    };
  }
  if (state === 'updating' || state === 'rollback_started') return { kind: 'waiting', why: state.replace('_', ' ') };
  const spec = specKey(s.Spec.TaskTemplate.ContainerSpec);
  const image = s.Spec.TaskTemplate.ContainerSpec.Image;
  if (expectedImage && image !== expectedImage && !image.startsWith(`${expectedImage}@`)) {
    return { kind: 'waiting', why: `the service spec runs ${image}` };
  }
  const progress = taskProgress(s, tasks);
  // A new service has no update to roll back: repeated failures of its tasks are the verdict.
  if (!s.UpdateStatus) {
    const failed = mine.filter((t) => FAILED_STATES.has(t.Status.State) && specKey(t.Spec.ContainerSpec) === spec);
    if (failed.length >= 3) return { kind: 'failed', rolledBack: false, why: `${failed.length} tasks failed` };
  }
  if (!progress.settled) {
    return { kind: 'waiting', why: `${progress.running}/${progress.want} tasks running the current spec` };
  }
  return { kind: 'converged' };
}

/**
 * How many of a service's wanted tasks run its current spec (a task with a healthcheck reports running only once
 * healthy). Settled when all do and no other task is still meant to run.
 */
export function taskProgress(
  s: SwarmService,
  tasks: readonly SwarmTask[],
): { running: number; want: number; settled: boolean } {
  const spec = specKey(s.Spec.TaskTemplate.ContainerSpec);
  const current = tasks.filter((t) => t.ServiceID === s.ID && t.DesiredState === 'running');
  const running = current.filter((t) => t.Status.State === 'running' && specKey(t.Spec.ContainerSpec) === spec);
  const want = s.Spec.Mode?.Replicated?.Replicas ?? Math.max(1, current.length);
  return { running: running.length, want, settled: running.length >= want && current.length === running.length };
}

/**
 * The task that tells why a service failed: the newest one that failed, was rejected, or ended on its own (`complete`:
 * e.g. stopped by Swarm for an unhealthy container, exiting 0 on SIGTERM), or carries an error. Tasks Swarm shut down
 * on purpose (`shutdown`: the old release during an update) are not it.
 */
export function failingTask(s: SwarmService, tasks: readonly SwarmTask[]): SwarmTask | undefined {
  return tasks
    .filter((t) => t.ServiceID === s.ID)
    .sort((a, b) => (b.Status.Timestamp ?? '').localeCompare(a.Status.Timestamp ?? ''))
    .find((t) => ENDED.has(t.Status.State) || (t.Status.Err ?? '') !== '');
}
const ENDED = new Set(['failed', 'rejected', 'complete', 'orphaned']);

function describeTask(t: SwarmTask): string {
  const exit = t.Status.ContainerStatus?.ExitCode;
  return `task ${t.ID.slice(0, 12)} (${t.Spec.ContainerSpec.Image}): ${t.Status.State}${t.Status.Err ? `: ${t.Status.Err}` : ''}${exit !== undefined && t.Status.State !== 'running' ? ` (exit code ${exit})` : ''}`;
}

/** The failing task, described; without one, the newest tasks' states. */
export function lastTaskError(s: SwarmService, tasks: readonly SwarmTask[]): string | undefined {
  const bad = failingTask(s, tasks);
  if (bad) return describeTask(bad);
  const mine = tasks
    .filter((t) => t.ServiceID === s.ID)
    .sort((a, b) => (b.Status.Timestamp ?? '').localeCompare(a.Status.Timestamp ?? ''));
  return mine.length ? `no task failed; newest: ${mine.slice(0, 3).map(describeTask).join('; ')}` : undefined;
}
