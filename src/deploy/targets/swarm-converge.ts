/**
 * After `docker stack deploy`: wait, bounded by health-timeout, until every service runs the new spec (Swarm rolls a
 * failing update back itself: that is a failure here, described with its task error, health probe and logs); after
 * a failure, wait until the previous release runs again.
 */
import { formatLogTail, lastHealthProbe } from '../diagnose.js';
import { pollUntil } from '../release/poll.js';
import { HostStepError } from '../release/steps.js';
import { serviceLogsScript, serviceRollbackScript } from '../remote/scripts/swarm.js';
import type { RenderedStack } from '../stack-file.js';
import {
  failingTask,
  lastTaskError,
  serviceVerdict,
  taskProgress,
  type SwarmService,
  type SwarmTask,
} from '../swarm-state.js';
import { POLL_MS, shortName, stackState, type StackState, type SwarmStackContext } from './swarm-context.js';

/** The stack did not converge; `rolledBackBySwarm` when Swarm itself rolled every failed service back. */
export class ConvergeError extends HostStepError {
  constructor(
    message: string,
    readonly rolledBackBySwarm: boolean,
  ) {
    super('converge', message);
  }
}

export interface Rollout {
  /** The stack file's services, rendered by this deploy or read back from a release (`mode: rollback`). */
  stack: Pick<RenderedStack, 'services' | 'pinnedServices'>;
  /** The image the pinned services must run. */
  image: string;
  /** Each service's UpdateStatus.StartedAt before the deploy, so an old rollback is not taken for this one's. */
  startedBefore: ReadonlyMap<string, string | undefined>;
}

/** Service name, why, the newest task error, the last health probe and log lines. */
export async function describeService(
  ctx: SwarmStackContext,
  s: SwarmService,
  tasks: readonly SwarmTask[],
  why: string,
): Promise<string> {
  const lines = [`service ${s.Spec.Name}: ${why}`];
  const err = lastTaskError(s, tasks);
  if (err) lines.push(`  last task error: ${err}`);
  // Its container's last health probe, when the container is on this node (always, on a single-node swarm).
  const cid = failingTask(s, tasks)?.Status.ContainerStatus?.ContainerID;
  if (cid) {
    const probe = await lastHealthProbe(ctx.shell(), cid).catch(() => undefined);
    if (probe) lines.push(`  last health probe: ${probe}`);
  }
  const logs = await ctx
    .shell()
    .run(serviceLogsScript(s.Spec.Name, 20), { timeoutMs: 30_000, okCodes: [1] })
    .catch((e: Error) => ({ stdout: `(could not read the logs: ${e.message})` }));
  lines.push(formatLogTail(logs.stdout.trimEnd()));
  return lines.join('\n');
}

type Waiting = { state: StackState; waiting: Map<string, string> };

export async function converge(ctx: SwarmStackContext, r: Rollout): Promise<void> {
  const expectedImage = (service: string) => (r.stack.pinnedServices.includes(service) ? r.image : undefined);
  const result = await pollUntil<void, Waiting>(
    async () => {
      const state = await stackState(ctx);
      const names = new Set(state.services.map((s) => s.Spec.Name));
      const waiting = new Map<string, string>();
      for (const n of r.stack.services.map((n) => `${ctx.swarm.stack}_${n}`)) {
        if (!names.has(n)) waiting.set(n, 'not created yet');
      }
      const failed: Array<{ s: SwarmService; why: string; rolledBack: boolean }> = [];
      for (const s of state.services) {
        const v = serviceVerdict(
          s,
          state.tasks,
          expectedImage(shortName(ctx, s.Spec.Name)),
          r.startedBefore.get(s.Spec.Name),
        );
        if (v.kind === 'failed') failed.push({ s, why: v.why, rolledBack: v.rolledBack });
        else if (v.kind === 'waiting') waiting.set(s.Spec.Name, v.why);
      }
      if (failed.length) {
        const parts = await Promise.all(failed.map((f) => describeService(ctx, f.s, state.tasks, f.why)));
        throw new ConvergeError(
          `${ctx.name}: ${parts.join('\n')}`,
          failed.every((f) => f.rolledBack),
        );
      }
      return waiting.size === 0 ? { done: true, value: undefined } : { done: false, waiting: { state, waiting } };
    },
    { timeoutMs: ctx.plan.healthTimeoutSeconds * 1000, intervalMs: POLL_MS, clock: ctx.clock },
  );
  if (result.ok) return;
  const { state, waiting } = result.waiting;
  // Timed out: an update still in progress is rolled back by hand (Swarm only does it on task failure).
  const updating = state.services.filter((s) => s.UpdateStatus?.State === 'updating');
  for (const s of updating) {
    await ctx
      .shell()
      .run(serviceRollbackScript(s.Spec.Name), { timeoutMs: 60_000 })
      .catch((e: Error) => ctx.log.warning(`${ctx.name}: ${e.message}`));
  }
  const stuck = state.services.filter((s) => waiting.has(s.Spec.Name));
  const parts = await Promise.all(stuck.map((s) => describeService(ctx, s, state.tasks, waiting.get(s.Spec.Name)!)));
  const list = [...waiting].map(([n, why]) => `${n}: ${why}`).join('\n');
  throw new ConvergeError(
    `${ctx.name}: the stack did not converge within health-timeout (${ctx.plan.healthTimeoutSeconds}s)${updating.length ? `; rolled back ${updating.map((s) => s.Spec.Name).join(', ')}` : ''}\n${parts.join('\n') || list}`,
    false,
  );
}

/**
 * Swarm rolls a failed update back by itself; wait for it (bounded), until every service's tasks run and the pinned
 * ones no longer run the new image. Judged on the tasks alone: after a rollback the service's update state says
 * `rollback_completed` while the previous release's task may still be starting.
 */
export async function waitForPrevious(ctx: SwarmStackContext, r: Pick<Rollout, 'stack' | 'image'>): Promise<void> {
  const result = await pollUntil<void, string[]>(
    async () => {
      const { services, tasks } = await stackState(ctx);
      const pending: string[] = [];
      for (const s of services) {
        const st = s.UpdateStatus?.State;
        if (st === 'updating' || st === 'rollback_started') pending.push(`${s.Spec.Name} ${st}`);
        else if (!taskProgress(s, tasks).settled) pending.push(`${s.Spec.Name} tasks starting`);
        else if (
          r.stack.pinnedServices.includes(shortName(ctx, s.Spec.Name)) &&
          s.Spec.TaskTemplate.ContainerSpec.Image.startsWith(r.image)
        ) {
          pending.push(`${s.Spec.Name} still runs ${r.image}`);
        }
      }
      return pending.length === 0 ? { done: true, value: undefined } : { done: false, waiting: pending };
    },
    { timeoutMs: Math.max(30, ctx.plan.healthTimeoutSeconds) * 1000, intervalMs: POLL_MS, clock: ctx.clock },
  );
  if (!result.ok) throw new Error(`the stack did not settle on the previous release: ${result.waiting.join(', ')}`);
}
