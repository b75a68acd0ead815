/**
 * The compose target's deploy hooks. `pre-deploy` runs in a one-off container of the staged release before `current`
 * is switched (a failure leaves the previous release serving; the staged one is removed by the rollback path);
 * `post-deploy` runs once the release is up and healthy (a failure rolls back). The output is streamed to the log line
 * by line, made inert by the host-text sanitiser; the log is the one the action masks deploy secret values in.
 */
import type { DeployPlan, HookPlan } from '../plan-model.js';
import { remoteJoin, tempSuffix } from '../remote/script.js';
import { HOOK_EXIT, NO_RELEASE, hookScript } from '../remote/scripts/hook.js';
import type { RemoteShell, SshError } from '../remote/shell.js';
import type { DeployLog } from '../release/steps.js';
import { hostText } from '../../util/host-text.js';

export type HookKind = 'pre-deploy' | 'post-deploy';

export interface HookHost {
  shell: RemoteShell;
  /** The host's name, the prefix of every log line. */
  name: string;
  log: DeployLog;
  deployPath: string;
  project: string;
  composeFiles: readonly string[];
}

/** Lines of output kept for the error. */
const TAIL_LINES = 20;
/** The SSH-side bound beyond the remote `timeout -k 10`: that one fires first and removes the container. */
const SSH_MARGIN_MS = 60_000;

/** Splits streamed chunks into lines: each complete one goes to `emit`, the rest waits for its line break. */
export class LineSplitter {
  private rest = '';
  constructor(private readonly emit: (line: string) => void) {}
  push(chunk: string): void {
    const parts = (this.rest + chunk).split('\n');
    this.rest = parts.pop()!;
    for (const p of parts) this.emit(p.replace(/\r$/, ''));
  }
  end(): void {
    if (this.rest !== '') this.emit(this.rest.replace(/\r$/, ''));
    this.rest = '';
  }
}

function failureWhy(err: SshError, timeoutSeconds: number): string {
  const code = err.exitCode;
  if ((err.stderr ?? '').includes(NO_RELEASE)) return 'could not start: the release directory is missing';
  if (code === HOOK_EXIT.timedOut) return `did not finish within hook-timeout (${timeoutSeconds}s) and was stopped`;
  if (code === HOOK_EXIT.killed) return `was killed (hook-timeout of ${timeoutSeconds}s, or out of memory)`;
  return code === null || code === undefined ? 'lost its connection' : `exited with status ${code}`;
}

/** What a failure of this hook means for the deploy, said in its error. */
const CONSEQUENCE: Record<HookKind, string> = {
  'pre-deploy': 'nothing was switched; the previous release keeps serving',
  'post-deploy': 'the deploy is rolled back',
};

/** Runs one hook in a one-off container of `releaseDir`'s `hooks.service`; throws a clear error when it fails. */
export async function runHook(
  h: HookHost,
  hooks: HookPlan,
  kind: HookKind,
  argv: readonly string[],
  releaseDir: string,
): Promise<void> {
  const tail: string[] = [];
  const lines = new LineSplitter((line) => {
    const shown = hostText(line);
    tail.push(shown);
    if (tail.length > TAIL_LINES) tail.shift();
    h.log.info(`${h.name}: ${kind}: ${shown}`);
  });
  const script = hookScript({
    releaseAbs: remoteJoin(h.deployPath, 'releases', releaseDir),
    project: h.project,
    composeFiles: h.composeFiles,
    service: hooks.service,
    argv,
    timeoutSeconds: hooks.timeoutSeconds,
    container: `${h.project}-${kind}-${tempSuffix()}`,
  });
  const shown = argv.join(' ');
  h.log.info(`${h.name}: ${kind}: running \`${hostText(shown)}\` in a one-off ${hooks.service} container`);
  try {
    await h.shell.run(script, {
      timeoutMs: hooks.timeoutSeconds * 1000 + SSH_MARGIN_MS,
      onStdout: (chunk) => lines.push(chunk),
      maxOutput: 64 * 1024,
    });
  } catch (e) {
    lines.end();
    const err = e as SshError;
    const why = err.kind === 'command' ? failureWhy(err, hooks.timeoutSeconds) : hostText(err.message);
    const last = tail.length ? `; its last lines:\n${tail.join('\n')}` : '; it printed nothing';
    throw new Error(`the ${kind} hook \`${hostText(shown)}\` ${why}: ${CONSEQUENCE[kind]}${last}`);
  }
  lines.end();
  h.log.info(`${h.name}: ${kind}: done`);
}

/**
 * The planned hook of this kind as a step for `releaseDir` of `deployPath`, or undefined: none given, or `reused`
 * (the live release already is this one, so its pre-deploy ran when it was staged and nothing new went up).
 */
export function hookStep(
  plan: Pick<DeployPlan, 'hooks' | 'projectName' | 'composeFiles'>,
  kind: HookKind,
  host: Pick<HookHost, 'shell' | 'name' | 'log'>,
  release: { deployPath: string; dir: string },
  reused: boolean,
): (() => Promise<void>) | undefined {
  const hooks = plan.hooks;
  const argv = kind === 'pre-deploy' ? hooks?.pre : hooks?.post;
  if (!hooks || !argv) return undefined;
  if (reused) {
    host.log.info(`${host.name}: ${kind}: not run; releases/${release.dir} is already live and unchanged`);
    return undefined;
  }
  const h = { ...host, deployPath: release.deployPath, project: plan.projectName, composeFiles: plan.composeFiles };
  return () => runHook(h, hooks, kind, argv, release.dir);
}
