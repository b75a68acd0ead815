/**
 * What Swarm reports, parsed and judged: the preflight, the stack's services and tasks, a service's verdict after
 * `stack deploy`. Pure, so it is unit-tested; the scripts that ask are in remote/scripts/swarm.ts.
 */
import { readDeployPathReport, type DeployPathReport } from './release/release.js';

export interface SwarmPreflight extends DeployPathReport {
  state: string;
  manager: boolean;
  nodes: number;
  detachFlag: boolean;
  /** Service name → the release label it carries. */
  services: Map<string, string>;
  secrets: string[];
}

/** The swarm preflight's records (`parseRecords`), deploy-path checked as for every target. */
/**
 * image-delivery ssh loads the image on the manager only, so it fits a single-node swarm: with more nodes, tasks
 * placed elsewhere could not find the image. The reason, or undefined when it fits.
 */
export function sshDeliveryMisfit(nodes: number): string | undefined {
  if (nodes <= 1) return undefined;
  return `image-delivery ssh loads the image on this manager only, but the swarm has ${nodes} nodes: tasks placed elsewhere could not find it; use image-delivery registry (each node pulls)`;
}

export function readSwarmPreflight(records: Map<string, string[]>, requestedPath: string): SwarmPreflight {
  const [state, control, nodes] = (records.get('swarm')?.[0] ?? '').trim().split(' ');
  const services = new Map<string, string>();
  for (const v of records.get('service') ?? []) {
    const [name, version] = v.trim().split(' ');
    if (name) services.set(name, version ?? '');
  }
  return {
    ...readDeployPathReport(records, requestedPath),
    state: state ?? '',
    manager: control === 'true',
    nodes: Number(nodes) || 0,
    detachFlag: records.get('detach')?.[0] === 'yes',
    services,
    secrets: (records.get('secret') ?? []).filter(Boolean),
  };
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
