/**
 * `mode: rollback` on one compose host: connect, take the deploy lock, read the live release and the releases it
 * holds, switch `current` back to the previous one (see `pickPrevious`) and `up` it health-gated. When that release
 * is not healthy, `current` goes back to the release that ran and that is brought up again; the host then fails.
 * A host with no previous release fails before anything on it changes.
 */
import { formatHost, type HostAddress } from '../host-address.js';
import type { ReleaseManifest } from '../release/manifest.js';
import type { Clock } from '../release/poll.js';
import { pickPrevious, readHostReleases } from '../release/previous.js';
import { Release, readDeployPathReport } from '../release/release.js';
import { StepTimer, type DeployLog } from '../release/steps.js';
import type { RollbackPlan } from '../rollback-plan.js';
import { exitName, parseRecords } from '../remote/script.js';
import { composePreflightScript } from '../remote/scripts/preflight.js';
import { listReleaseManifestsScript } from '../remote/scripts/rollback.js';
import type { HeldScript, RemoteShell, SshError } from '../remote/shell.js';
import { recordSwitchedBack, type HostSummary } from '../summary.js';
import { hostText } from '../../util/host-text.js';
import type { HostConnector } from './compose-host.js';
import { takeDeployLock } from './host-lock.js';
import { restoreRelease, type ReleaseHost } from './release-restore.js';

interface Placed {
  dir: string;
  manifest: ReleaseManifest;
}

/** A script's own message (its last stderr line) for an exit in its table; otherwise the error as it came. */
function scriptMessage(e: unknown, exits: Parameters<typeof exitName>[0]): Error {
  const err = e as SshError;
  if (exitName(exits, err.exitCode)) return new Error(hostText((err.stderr ?? '').trim().split('\n').slice(-1)[0]!));
  return e as Error;
}

export class HostRollback {
  readonly name: string;
  readonly summary: HostSummary;
  private readonly steps: StepTimer;
  private session: RemoteShell | undefined;
  private lock: HeldScript | undefined;
  private host: ReleaseHost | undefined;
  private release: Release | undefined;
  /** The release that ran when the rollback started, and the one it went back to. */
  private from: Placed | undefined;
  private to: Placed | undefined;

  constructor(
    private readonly plan: RollbackPlan,
    readonly address: HostAddress,
    private readonly log: DeployLog,
    private readonly connect: HostConnector,
    clock: Clock,
  ) {
    this.name = formatHost(address);
    this.summary = { host: this.name, status: 'pending', steps: [] };
    this.steps = new StepTimer(this.summary, clock);
  }

  /** The version the host runs at the end (after success), for the `version` output. */
  get toVersion(): string | undefined {
    return this.summary.status === 'rolled-back' ? this.to?.manifest.version : undefined;
  }

  async run(): Promise<void> {
    const { plan, log, steps } = this;
    const shell = await steps.run('connect', () => this.connect(this.address));
    this.session = shell;
    log.info(`${this.name}: connected as ${plan.user}, host key verified`);
    this.lock = await steps.run('lock', () => takeDeployLock(shell, plan));
    log.info(`${this.name}: deploy lock on ${plan.deployPath} held`);

    const found = await steps.run('preflight', async () => {
      const pre = composePreflightScript(plan.deployPath);
      const out = await shell.run(pre, { timeoutMs: 60_000 }).catch((e: unknown) => {
        throw scriptMessage(e, pre);
      });
      const report = readDeployPathReport(parseRecords(out.stdout), plan.deployPath);
      const list = listReleaseManifestsScript(report.path);
      const listed = await shell.run(list, { timeoutMs: plan.commandTimeoutMs }).catch((e: unknown) => {
        throw scriptMessage(e, list);
      });
      return { report, pick: pickPrevious(report.live, readHostReleases(parseRecords(listed.stdout))) };
    });
    const { report, pick } = found;
    if (!pick.ok) {
      this.summary.status = 'failed';
      throw new Error(`${this.name}: cannot roll back: ${pick.problem}; nothing was changed on this host`);
    }
    // pickPrevious succeeds only with a live release whose manifest is valid.
    const live = report.live!;
    this.from = { dir: live.dir, manifest: live.manifest! };
    this.to = { dir: pick.dir, manifest: pick.manifest };
    this.summary.previousVersion = this.from.manifest.version;
    this.release = new Release(() => shell, report.path, live.dir, plan.commandTimeoutMs);
    this.host = { shell, name: this.name, deployPath: report.path, settings: plan, log };
    log.info(
      `${this.name}: live ${this.from.manifest.version} (releases/${live.dir}); rolling back to ${pick.manifest.version} (releases/${pick.dir})`,
    );

    try {
      await steps.run('rollback', () => restoreRelease(this.host!, this.release!, pick.dir, pick.manifest));
    } catch (e) {
      const why = (e as Error).message;
      log.warning(
        `${this.name}: ${pick.manifest.version} did not come up healthy; switching back to ${this.from.manifest.version}`,
      );
      await this.putBack(why);
      throw new Error(
        `${this.name}: rollback to ${pick.manifest.version} failed: ${why}\nswitched back: ${this.from.manifest.version} (releases/${live.dir}) runs again`,
      );
    }
    this.summary.release = pick.dir;
    this.summary.status = 'rolled-back';
    this.summary.rollback = { status: 'rolled-back', toVersion: pick.manifest.version };
    log.info(
      `${this.name}: current -> releases/${pick.dir}; ${pick.manifest.project} is up and healthy at ${pick.manifest.version}`,
    );
  }

  /** Switches `current` back to the release that ran and brings it up (after its own failure, or another host's). */
  async putBack(why: string): Promise<void> {
    const from = this.from;
    if (!from || !this.host || !this.release) return;
    try {
      await this.steps.time('switch-back', () => restoreRelease(this.host!, this.release!, from.dir, from.manifest));
    } catch (e) {
      this.summary.status = 'rollback-failed';
      this.summary.rollback = { status: 'failed', detail: (e as Error).message };
      throw new Error(
        `${this.name}: ${why}\nswitching back to ${from.manifest.version} FAILED as well: ${(e as Error).message}; check this host by hand`,
      );
    }
    recordSwitchedBack(this.summary, from.manifest.version);
  }

  /** Ends the lock's script (stdin closed), then the connection; either alone would free the lock. */
  close(): void {
    void this.lock?.release();
    this.lock = undefined;
    this.session?.close();
  }
}
