/** What the swarm target's parts share: the plan, the manager's shell, the log and clock, and the stack's state. */
import type { DeployPlan, SwarmPlan } from '../plan.js';
import type { Clock } from '../release/poll.js';
import type { DeployLog } from '../release/steps.js';
import { parseRecords } from '../remote/script.js';
import { secretListScript, secretRemoveScript, stackStateScript } from '../remote/scripts/swarm.js';
import { releaseStackFilesScript } from '../remote/scripts/swarm-releases.js';
import type { RemoteShell } from '../remote/shell.js';
import { readReleaseStackFiles, secretsOfStackFiles } from '../stack-release.js';
import { parseStackState, type SwarmService, type SwarmTask } from '../swarm-state.js';

export const POLL_MS = 1000;

export interface StackState {
  services: SwarmService[];
  tasks: SwarmTask[];
}

/** What watching a stack needs: the stack's name, health-timeout, and the manager. A deploy and `mode: rollback` have it. */
export interface SwarmStackContext {
  readonly plan: Pick<DeployPlan, 'healthTimeoutSeconds'>;
  readonly swarm: Pick<SwarmPlan, 'stack'>;
  /** The manager, as it appears in messages. */
  readonly name: string;
  readonly log: DeployLog;
  readonly clock: Clock;
  shell(): RemoteShell;
}

export interface SwarmContext extends SwarmStackContext {
  readonly plan: DeployPlan;
  readonly swarm: SwarmPlan;
}

export async function stackState(ctx: SwarmStackContext): Promise<StackState> {
  const out = await ctx.shell().run(stackStateScript(ctx.swarm.stack), { timeoutMs: 60_000 });
  return parseStackState(out.stdout);
}

/** The service's name without the `<stack>_` prefix Swarm gives it. */
export function shortName(ctx: SwarmStackContext, service: string): string {
  return service.slice(ctx.swarm.stack.length + 1);
}

function referencedSecrets(services: readonly SwarmService[]): Set<string> {
  return new Set(services.flatMap((s) => (s.Spec.TaskTemplate.ContainerSpec.Secrets ?? []).map((r) => r.SecretName)));
}

/**
 * After a success (and the release prune): this stack's secrets that no service refers to and no release kept under
 * `deployPath` (the host's resolved path) names in its stack file are removed, each failure only warned. A kept
 * release's secrets stay, so `mode: rollback` can deploy its stack file after a rotation.
 */
export async function pruneSecrets(ctx: SwarmContext, deployPath: string): Promise<void> {
  const referenced = referencedSecrets((await stackState(ctx)).services);
  const listed = await ctx.shell().run(releaseStackFilesScript(deployPath, ctx.swarm.stackFile), { timeoutMs: 60_000 });
  for (const n of secretsOfStackFiles(readReleaseStackFiles(parseRecords(listed.stdout)).values())) referenced.add(n);
  const out = await ctx.shell().run(secretListScript(ctx.swarm.stack), { timeoutMs: 60_000 });
  const unused = (parseRecords(out.stdout).get('secret') ?? []).filter((n) => n && !referenced.has(n));
  for (const n of unused) {
    await ctx
      .shell()
      .run(secretRemoveScript(n), { timeoutMs: 60_000 })
      .then(
        () => ctx.log.info(`${ctx.name}: removed the secret ${n}, no longer referenced`),
        (e: Error) => ctx.log.warning(`${ctx.name}: could not remove the unused secret ${n}: ${e.message}`),
      );
  }
}

/**
 * After a rollback: the secrets this deploy created (not there at preflight) that nothing uses now. Failures are
 * ignored: the next successful deploy's prune reports them.
 */
export async function removeCreatedSecrets(ctx: SwarmContext, existedBefore: readonly string[]): Promise<void> {
  const { services } = await stackState(ctx).catch(() => ({ services: [] as SwarmService[] }));
  const referenced = referencedSecrets(services);
  const mine = Object.values(ctx.swarm.secretNames).filter((n) => !referenced.has(n) && !existedBefore.includes(n));
  for (const n of mine)
    await ctx
      .shell()
      .run(secretRemoveScript(n), { timeoutMs: 60_000 })
      .catch(() => undefined);
}
