/**
 * The swarm target's deploy hooks, as a Swarm job on the manager (the compose target's `docker compose run` has no
 * stack to run in): the new release's image with the hook service's env files, secrets, mounts, networks and user
 * (`swarmJobSpec`), its one task polled until it ends (bounded by hook-timeout), its output logged line by line (the
 * log masks deploy secret values, as for compose hooks), and the job service removed in every case.
 *
 * `pre-deploy` runs after the secrets are created and before `docker stack deploy`: a failure deploys nothing and
 * removes the secrets this deploy created. `post-deploy` runs once the stack converged, before `current` is switched:
 * a failure rolls back every service the deploy updated with `docker service rollback` (Swarm's PreviousSpec, the
 * state its own failure_action rollback restores), removes the services it added, and the run fails.
 */
import type { RenderedStack } from '../stack-file.js';
import { pollUntil } from '../release/poll.js';
import { parseRecords, tempSuffix } from '../remote/script.js';
import { LABEL } from '../remote/scripts/preflight.js';
import { serviceRollbackScript } from '../remote/scripts/swarm.js';
import {
  JOB_EXIT,
  jobCreateScript,
  jobLogsScript,
  jobRemoveScript,
  jobTasksScript,
  serviceRemoveScript,
} from '../remote/scripts/swarm-job.js';
import type { SshError } from '../remote/shell.js';
import type { SwarmTask } from '../swarm-state.js';
import { swarmJobSpec } from '../swarm-job-spec.js';
import { hostText } from '../../util/host-text.js';
import type { HookKind } from './hooks.js';
import { POLL_MS, removeCreatedSecrets, stackState, type SwarmContext } from './swarm-context.js';

export const HOOK_LABEL = 'com.doongzi.deploy-action.hook';

/** The release the hook runs in: its rendered stack, the image its services run, its directory on the manager. */
export interface HookRelease {
  stack: RenderedStack;
  image: string;
  releaseAbs: string;
}

/** What a failure of the hook undoes: the secrets that existed before (pre), each service's state before (post). */
export interface HookUndo {
  existedSecrets?: readonly string[];
  startedBefore?: ReadonlyMap<string, string | undefined>;
}

const TAIL_LINES = 20;
/** States after which a task never runs again (restart-condition none: the job makes no second one). */
const ENDED = new Set(['complete', 'failed', 'rejected', 'shutdown', 'orphaned', 'remove']);
/** States in which the node may still create and start the task's container. */
const STARTING = new Set(['assigned', 'accepted', 'preparing', 'ready', 'starting']);
/** How long a timed-out job's task may take to reach running before the job is removed all the same. */
const SETTLE_MS = 30_000;

const CONSEQUENCE: Record<HookKind, string> = {
  'pre-deploy': 'nothing was deployed; the stack keeps running the previous release',
  'post-deploy': 'the deploy is rolled back',
};

/** The job service's name: unique per run, within Docker's 63 characters. */
function jobName(stack: string, kind: HookKind): string {
  return `${stack.slice(0, 63 - kind.length - 18)}-${kind}-${tempSuffix()}`;
}

/** The job's newest task (with restart none it has one; if Swarm made more, the newest is the one that counts). */
async function newestTask(ctx: SwarmContext, job: string): Promise<SwarmTask | undefined> {
  const out = await ctx.shell().run(jobTasksScript(job), { timeoutMs: 60_000 });
  const tasks = JSON.parse(out.stdout) as SwarmTask[];
  return tasks.sort((a, b) => (a.CreatedAt ?? '').localeCompare(b.CreatedAt ?? '')).at(-1);
}

/** Why an ended task did not complete: its exit status, or Swarm's error when it never ran (rejected). */
function taskWhy(t: SwarmTask): string {
  const code = t.Status.ContainerStatus?.ExitCode;
  if (t.Status.State === 'failed' && typeof code === 'number') return `exited with status ${code}`;
  return `ended ${t.Status.State}${t.Status.Err ? `: ${hostText(t.Status.Err)}` : ''}`;
}

/** Runs one hook as a Swarm job; throws a clear error when it does not complete. */
export async function runSwarmHook(
  ctx: SwarmContext,
  kind: HookKind,
  argv: readonly string[],
  rel: HookRelease,
): Promise<void> {
  const { plan, swarm, log, name: host } = ctx;
  const hooks = plan.hooks!;
  const reg = plan.image.delivery === 'registry' ? plan.image.registry : undefined;
  const job = swarmJobSpec({
    stackText: rel.stack.text,
    stack: swarm.stack,
    service: hooks.service,
    image: rel.image,
    argv,
    releaseAbs: rel.releaseAbs,
    name: jobName(swarm.stack, kind),
    labels: { [LABEL.stack]: swarm.stack, [LABEL.version]: plan.version.version, [HOOK_LABEL]: kind },
    resolveImage: reg !== undefined,
    ...(reg ? { registry: { server: reg.server, ...(reg.username ? { username: reg.username } : {}) } } : {}),
  });
  const shown = hostText(argv.join(' '));
  const fail = (why: string, tail: string[] = []) =>
    new Error(
      `the ${kind} hook \`${shown}\` ${why}: ${CONSEQUENCE[kind]}${tail.length ? `; its last lines:\n${tail.join('\n')}` : '; it printed nothing'}`,
    );
  log.info(
    `${host}: ${kind}: running \`${shown}\` as the Swarm job ${job.name} (${hooks.service}'s image, env, secrets, networks)`,
  );

  const create = jobCreateScript(job);
  const created = await ctx
    .shell()
    .run(create, {
      timeoutMs: 120_000,
      ...(reg?.password && reg.username ? { stdin: Buffer.from(reg.password) } : {}),
    })
    .catch((e: SshError) => {
      const why = e.exitCode === JOB_EXIT.createFailed ? (e.stderr ?? '').trim().split('\n').slice(-1)[0] : e.message;
      throw fail(`could not be started: ${hostText(why ?? '')}`);
    });
  for (const n of parseRecords(created.stdout).get('absent') ?? []) {
    log.info(
      `${host}: ${kind}: the network ${n} does not exist yet (the stack creates it), so the job runs without it`,
    );
  }

  try {
    const ended = await pollUntil<SwarmTask, string>(
      async () => {
        const t = await newestTask(ctx, job.name);
        if (t && ENDED.has(t.Status.State)) return { done: true, value: t };
        return { done: false, waiting: t ? t.Status.State : 'no task yet' };
      },
      { timeoutMs: hooks.timeoutSeconds * 1000, intervalMs: POLL_MS, clock: ctx.clock },
    );
    // A task still on its way to running makes its container after the service is gone (seen at a 3 s timeout): the
    // removal waits (bounded) until it runs or ended, so the container it stops is there.
    if (!ended.ok && STARTING.has(ended.waiting)) {
      await pollUntil<void, void>(
        async () => {
          const t = await newestTask(ctx, job.name);
          return !t || !STARTING.has(t.Status.State)
            ? { done: true, value: undefined }
            : { done: false, waiting: undefined };
        },
        { timeoutMs: SETTLE_MS, intervalMs: POLL_MS, clock: ctx.clock },
      );
    }
    const logs = await ctx
      .shell()
      .run(jobLogsScript(job.name), { timeoutMs: 60_000, maxOutput: 64 * 1024, okCodes: [1] })
      .catch((e: Error) => ({ stdout: `(could not read its output: ${e.message})\n` }));
    const tail: string[] = [];
    for (const line of logs.stdout.replace(/\n$/, '').split('\n')) {
      if (line === '' && tail.length === 0) continue;
      const l = hostText(line.replace(/\r$/, ''));
      tail.push(l);
      if (tail.length > TAIL_LINES) tail.shift();
      log.info(`${host}: ${kind}: ${l}`);
    }
    if (!ended.ok) {
      throw fail(
        `did not finish within hook-timeout (${hooks.timeoutSeconds}s; its task was ${ended.waiting}) and was stopped`,
        tail,
      );
    }
    if (ended.value.Status.State !== 'complete') throw fail(taskWhy(ended.value), tail);
  } finally {
    await ctx
      .shell()
      .run(jobRemoveScript(job.name), { timeoutMs: 90_000 })
      .then((out) => {
        const left = parseRecords(out.stdout).get('left') ?? [];
        if (left.length) log.warning(`${host}: ${kind}: the job's containers ${left.join(', ')} could not be removed`);
      })
      .catch((e: Error) => log.warning(`${host}: ${kind}: could not remove the job service ${job.name}: ${e.message}`));
  }
  log.info(`${host}: ${kind}: done`);
}

/**
 * After a failed post-deploy: every service that existed before the deploy goes back to its PreviousSpec (`docker
 * service rollback`; the deploy gave each exactly one update), every service the deploy added is removed. A first
 * deploy (nothing existed) is left to the recovery, which removes the stack. Failures are warned: the recovery's
 * wait for the previous release reports a stack that did not settle.
 */
async function rollBackStack(ctx: SwarmContext, startedBefore: ReadonlyMap<string, string | undefined>): Promise<void> {
  if (startedBefore.size === 0) return;
  const { services } = await stackState(ctx);
  for (const s of services) {
    const n = s.Spec.Name;
    const script = startedBefore.has(n) ? serviceRollbackScript(n) : serviceRemoveScript(n);
    await ctx
      .shell()
      .run(script, { timeoutMs: 60_000 })
      .then(
        () =>
          ctx.log.info(
            `${ctx.name}: post-deploy: ${startedBefore.has(n) ? 'rolling back' : 'removed the new service'} ${n}`,
          ),
        (e: Error) => ctx.log.warning(`${ctx.name}: ${e.message}`),
      );
  }
}

/** The planned hook of this kind as a step, or undefined when none is given; a failure undoes what `undo` says. */
export function swarmHookStep(
  ctx: SwarmContext,
  kind: HookKind,
  rel: () => HookRelease,
  undo: HookUndo,
): (() => Promise<void>) | undefined {
  const argv = kind === 'pre-deploy' ? ctx.plan.hooks?.pre : ctx.plan.hooks?.post;
  if (!argv) return undefined;
  return () =>
    runSwarmHook(ctx, kind, argv, rel()).catch(async (e: unknown) => {
      if (undo.existedSecrets) await removeCreatedSecrets(ctx, undo.existedSecrets);
      if (undo.startedBefore)
        await rollBackStack(ctx, undo.startedBefore).catch((r: Error) => ctx.log.warning(r.message));
      throw e;
    });
}
