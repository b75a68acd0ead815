/**
 * Which services of a compose release roll out start-first on one host, and the rollout of each: the new container
 * beside the old one, the old one removed once the new one is healthy, or the new one removed and the old one left
 * serving when it never is.
 */
import type { RolloutPlan } from '../plan-model.js';
import { HostStepError, type DeployLog } from '../release/steps.js';
import { exitName, parseRecords } from '../remote/script.js';
import {
  ROLLOUT_EXIT,
  rolloutProbeScript,
  rolloutRemoveOrphansScript,
  rolloutRemoveScript,
  rolloutStartScript,
  rolloutWaitScript,
} from '../remote/scripts/rollout.js';
import type { RemoteShell, SshError } from '../remote/shell.js';
import { hostText } from '../../util/host-text.js';

export interface RolloutHost {
  shell: RemoteShell;
  /** The host as the log names it. */
  name: string;
  releaseAbs: string;
  project: string;
  composeFiles: readonly string[];
  healthTimeoutSeconds: number;
  commandTimeoutMs: number;
  log: Pick<DeployLog, 'info'>;
}

/** What `up` does on this host: roll these services, leave those alone, and `up` the rest (or all of it). */
export interface RolloutSteps {
  roll: Array<{ service: string; oldId: string }>;
  /** Start-first services whose one running container already has this release's config (a rollback keeps them). */
  keep: string[];
  /** The services plain `up` replaces, stop-first; every service of the release when nothing rolls or is kept. */
  plain: string[];
}

interface Container {
  id: string;
  service: string;
  state: string;
  name: string;
}

function parseProbe(stdout: string): { services: string[]; recreate: Set<string>; containers: Container[] } {
  const rec = parseRecords(stdout);
  const services = (rec.get('services')?.[0] ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  // `DRY-RUN MODE -  Container <name>  Recreate`: the containers whose config differs from the release's.
  const recreate = new Set<string>();
  for (const line of (rec.get('dryrun')?.[0] ?? '').split('\n')) {
    const m = /Container (\S+)\s+Recreate$/.exec(line.trim());
    if (m) recreate.add(m[1]!);
  }
  const containers: Container[] = [];
  for (const line of (rec.get('containers')?.[0] ?? '').split('\n')) {
    const [id, service, state, name] = line.trim().split(/\s+/);
    if (id && service) containers.push({ id, service, state: state ?? '', name: name ?? '' });
  }
  return { services, recreate, containers };
}

/**
 * Sorts the release's services. A start-first service rolls when it runs as exactly one container that Compose
 * would recreate; with `keepUnchanged` (a rollback) one that Compose would leave is left alone, so the old container
 * that kept serving through a failed rollout is not restarted. Everything else goes to `up`.
 */
export async function planHostRollout(
  h: RolloutHost,
  plan: RolloutPlan,
  keepUnchanged: boolean,
): Promise<RolloutSteps | undefined> {
  if (plan.mode === 'stop-first' || (!plan.startFirst.length && !plan.stopFirst.length)) return undefined;
  const script = rolloutProbeScript(h.releaseAbs, h.project, h.composeFiles);
  const out = await h.shell.run(script, { timeoutMs: h.commandTimeoutMs }).catch((e: SshError) => {
    // A release compose cannot even load fails in `up` itself, with compose's own words.
    if (e.kind === 'command') return undefined;
    throw e;
  });
  if (!out) return undefined;
  const { services, recreate, containers } = parseProbe(out.stdout);
  const steps: RolloutSteps = { roll: [], keep: [], plain: [] };
  for (const service of services) {
    const mine = containers.filter((c) => c.service === service);
    const one = mine.length === 1 && mine[0]!.state === 'running' ? mine[0]! : undefined;
    const changed = mine.some((c) => recreate.has(c.name));
    if (plan.startFirst.includes(service) && one) {
      if (changed) steps.roll.push({ service, oldId: one.id });
      else if (keepUnchanged) steps.keep.push(service);
      else steps.plain.push(service);
      continue;
    }
    steps.plain.push(service);
    const stopFirst = plan.stopFirst.find((s) => s.service === service);
    if (stopFirst && changed) {
      h.log.info(
        `${h.name}: ${service} is replaced stop-first (down while its new container starts): ${stopFirst.reason}`,
      );
    }
  }
  return steps;
}

/** Removes what `up` left of the project: the orphans of services this release no longer has. */
export async function removeOrphans(h: RolloutHost, services: readonly string[]): Promise<void> {
  await h.shell.run(rolloutRemoveOrphansScript(h.releaseAbs, h.project, h.composeFiles, services), {
    timeoutMs: h.commandTimeoutMs,
  });
}

function rolloutFailure(h: RolloutHost, service: string, why: string, stderr: string, cleanup: string): HostStepError {
  const detail = hostText(stderr.trim().split('\n').slice(-4).join('\n'));
  return new HostStepError('up', `${h.name}: ${service}: ${why}; ${cleanup}${detail ? `\n${detail}` : ''}`);
}

/** Rolls one service start-first; throws (a HostStepError of step `up`) with the old container still serving. */
export async function rollOut(h: RolloutHost, service: string, oldId: string): Promise<void> {
  const timeout = h.healthTimeoutSeconds;
  const opts = { timeoutMs: (timeout + 60) * 1000 };
  h.log.info(`${h.name}: ${service}: starting the new container beside the old one (start-first)`);
  const start = rolloutStartScript(h.releaseAbs, h.project, h.composeFiles, service, timeout);
  const started = await h.shell.run(start, { ...opts, okCodes: [ROLLOUT_EXIT.failed, ROLLOUT_EXIT.healthTimeout] });
  const fresh = (parseRecords(started.stdout).get('container') ?? []).filter((id) => !id.startsWith(oldId));
  const removeNew = async (): Promise<string> => {
    if (!fresh.length) return 'the old container keeps serving';
    try {
      await h.shell.run(rolloutRemoveScript('rollout-remove-new', fresh), { timeoutMs: h.commandTimeoutMs });
      return 'the new container was removed and the old one keeps serving';
    } catch (e) {
      return `removing the new container failed too (${(e as Error).message}); the old one keeps serving`;
    }
  };
  if (started.code !== 0 || fresh.length !== 1) {
    const why =
      started.code === 0
        ? `compose started ${fresh.length} new containers instead of one`
        : `docker compose up --scale ${service}=2 failed`;
    throw rolloutFailure(h, service, why, started.stderr, await removeNew());
  }
  try {
    await h.shell.run(rolloutWaitScript(fresh[0]!, timeout), opts);
  } catch (e) {
    const err = e as SshError;
    if (err.kind !== 'command') throw e;
    const why = {
      unhealthy: 'the new container became unhealthy',
      exited: 'the new container stopped',
      noHealthcheck: 'the new container has no healthcheck to wait on',
      healthTimeout: `the new container was not healthy within health-timeout (${timeout}s)`,
    }[exitName({ exits: ROLLOUT_EXIT }, err.exitCode) ?? ''];
    throw rolloutFailure(h, service, why ?? err.message, err.stderr ?? '', await removeNew());
  }
  await h.shell.run(rolloutRemoveScript('rollout-retire-old', [oldId]), { timeoutMs: h.commandTimeoutMs });
  h.log.info(`${h.name}: ${service}: the new container is healthy; the old one was stopped and removed`);
}
