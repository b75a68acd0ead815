/**
 * One host's deploy and its rollback under the `compose` target. The steps, in order: connect, preflight, image,
 * stage the release (compose files, env file, pinning override, manifest), secrets, switch `current`, `up --wait`,
 * prune old releases.
 */
import { deliverImage, describeDelivery, recordDelivery, type LocalImage } from '../deliver-image.js';
import { describeFailure } from '../diagnose.js';
import { formatHost, type HostAddress } from '../host-address.js';
import type { LocalDocker } from '../local-docker.js';
import type { DeployPlan } from '../plan.js';
import type { Clock } from '../release/poll.js';
import { Release, releaseDirName, readDeployPathReport, type LiveRelease } from '../release/release.js';
import { HostStepError, StepTimer, recordRollback, type DeployLog } from '../release/steps.js';
import { exitName, frame, parseRecords, remoteJoin } from '../remote/script.js';
import { composeDownScript, composeUpScript, removeHalfRecreatedScript } from '../remote/scripts/compose.js';
import { composePreflightScript } from '../remote/scripts/preflight.js';
import { removeCurrentScript } from '../remote/scripts/release.js';
import { UPLOAD_EXIT, writeSecretScript } from '../remote/scripts/upload.js';
import type { RemoteShell, SshError } from '../remote/shell.js';
import type { HostSummary, RollbackOutcome } from '../summary.js';
import { hostText } from '../../util/host-text.js';

/** Opens the shell to one host (SSH in production; a scripted shell in unit tests). */
export type HostConnector = (address: HostAddress) => Promise<RemoteShell>;

/** compose's stderr without its progress lines and the known `mode` warning: what is left is the reason. */
export function composeErrorLines(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '')
    .filter(
      (l) =>
        !/^\s*(Container|Network|Volume) \S+\s+(Recreate|Recreated|Creating|Created|Starting|Started|Waiting|Healthy|Running|Stopping|Stopped|Removing|Removed)$/.test(
          l,
        ),
    )
    .filter((l) => !/secrets `uid`, `gid` and `mode` are not supported/.test(l));
  return hostText(lines.slice(-8).join('\n'));
}

/** Before the one retry of a rollback whose connection died: long enough for a restarting sshd to listen again. */
const ROLLBACK_RETRY_PAUSE_MS = 2_000;

function isConnectionFailure(e: unknown): boolean {
  const kind = (e as SshError).kind;
  const step = e instanceof HostStepError ? e.step : undefined;
  return kind === 'connection-lost' || kind === 'connect' || kind === 'timeout' || step === 'reconnect';
}

export class HostDeploy {
  readonly name: string;
  readonly summary: HostSummary;
  private readonly steps: StepTimer;
  private session: RemoteShell | undefined;
  private live: LiveRelease | undefined;
  private release: Release | undefined;
  private switched = false;

  constructor(
    private readonly plan: DeployPlan,
    readonly address: HostAddress,
    private readonly log: DeployLog,
    private readonly connect: HostConnector,
    private readonly clock: Clock,
  ) {
    this.name = formatHost(address);
    this.summary = { host: this.name, status: 'pending', steps: [] };
    this.steps = new StepTimer(this.summary, clock);
  }

  private get s(): RemoteShell {
    if (!this.session) throw new Error('not connected');
    return this.session;
  }

  private get rel(): Release {
    if (!this.release) throw new Error('no release staged');
    return this.release;
  }

  async deploy(local: LocalImage, docker: LocalDocker): Promise<void> {
    const { plan, log, steps } = this;
    this.session = await steps.run('connect', () => this.connect(this.address));
    log.info(`${this.name}: connected as ${plan.user}, host key verified`);

    const deployPath = await steps.run('preflight', () => this.preflight());
    const prevVersion = this.live?.manifest?.version ?? this.live?.dir;
    if (prevVersion) this.summary.previousVersion = prevVersion;
    if (this.live?.manifestProblem) {
      log.warning(`${this.name}: ${this.live.manifestProblem}; a rollback to it would have to be done by hand`);
    }
    log.info(`${this.name}: deploy path ${deployPath}, current release ${prevVersion ?? '(none)'}`);

    const delivery = await steps.run('image', () => deliverImage(plan, local, this.s, docker));
    recordDelivery(this.summary, delivery);
    log.info(`${this.name}: image ${plan.image.targetRefs[0]} ${describeDelivery(delivery)}`);

    const dir = releaseDirName(plan.version.version, this.live?.dir, this.clock.now());
    this.release = new Release(() => this.s, deployPath, dir, plan.commandTimeoutMs);
    await steps.run('upload', () => this.stage(local));
    log.info(`${this.name}: uploaded ${plan.files.length} files to releases/${dir}`);

    await steps.run('secrets', () => this.writeSecrets());
    if (plan.secrets.length) {
      log.info(
        `${this.name}: wrote ${plan.secrets.length} secret file(s), 0400, owner ${plan.runtimeUser.uid}:${plan.runtimeUser.gid}`,
      );
    }

    await steps.run('switch', () => this.rel.switchCurrent());
    this.switched = true;
    log.info(`${this.name}: current -> releases/${dir}`);

    await steps.run('up', () => this.up(dir, plan.composeFiles, plan.projectName));
    log.info(`${this.name}: ${plan.projectName} is up and healthy at ${plan.version.version}`);

    await steps
      .run('prune', () => this.rel.prune(plan.keepReleases))
      .catch((e: Error) => log.warning(`${this.name}: pruning old releases failed: ${e.message}`));
    this.summary.status = 'deployed';
  }

  private async preflight(): Promise<string> {
    const script = composePreflightScript(this.plan.deployPath);
    const out = await this.s.run(script, { timeoutMs: 60_000 }).catch((e: SshError) => {
      // The script's own message (the last stderr line) names the problem and the way out.
      if (exitName(script, e.exitCode)) throw new Error(hostText((e.stderr ?? '').trim().split('\n').slice(-1)[0]!));
      throw e;
    });
    const report = readDeployPathReport(parseRecords(out.stdout), this.plan.deployPath);
    this.live = report.live;
    return report.path;
  }

  private async stage(local: LocalImage): Promise<void> {
    const { plan } = this;
    await this.rel.create();
    await this.rel.upload(plan.files);
    await this.rel.writeManifest({
      version: plan.version.version,
      project: plan.projectName,
      composeFiles: plan.composeFiles,
      image: `${plan.image.targetRefs[0]} ${local.id}`,
      deployedAt: new Date(this.clock.now()).toISOString(),
    });
  }

  private async writeSecrets(): Promise<void> {
    const { plan } = this;
    const { uid, gid } = plan.runtimeUser;
    for (const secret of plan.secrets) {
      const script = writeSecretScript({
        absPath: remoteJoin(this.rel.abs, secret.relativePath),
        uid,
        gid,
        owner: plan.secretOwner,
        image: plan.image.targetRefs[0]!,
        label: `write secret ${secret.name}`,
      });
      try {
        await this.s.run(script, { stdin: frame(secret.value), timeoutMs: 120_000 });
      } catch (e) {
        throw new HostStepError('secrets', `${this.name}: secret ${secret.name}: ${this.explainSecretFailure(e)}`);
      }
    }
  }

  private explainSecretFailure(e: unknown): string {
    const err = e as SshError;
    const stderr = hostText((err.stderr ?? '').trim().split('\n').slice(-5).join('\n'));
    const owner = `${this.plan.runtimeUser.uid}:${this.plan.runtimeUser.gid}`;
    const wayOut =
      'Ways out: let the deploy user run docker (the docker group) so the engine sets the owner (secret-owner: engine or auto), ' +
      'or deploy as a user allowed to chown (root). The file was removed; nothing was left readable.';
    switch (err.exitCode) {
      case UPLOAD_EXIT.chownDenied:
        return `the deploy user ${this.plan.user} may not chown the file to ${owner} (secret-owner: chown). ${wayOut}\n${stderr}`;
      case UPLOAD_EXIT.engineFailed:
        return `the deploy user ${this.plan.user} may not chown the file to ${owner}, and the engine could not either (docker run … chown with ${this.plan.image.targetRefs[0]}). ${wayOut}\n${stderr}`;
      case UPLOAD_EXIT.ownerWrong:
        return `chown did not take effect (${stderr}). A user-namespaced or rootless engine maps root elsewhere; deploy as a user allowed to chown.`;
      default:
        return err.message;
    }
  }

  private async up(releaseDir: string, composeFiles: readonly string[], project: string): Promise<void> {
    const timeout = this.plan.healthTimeoutSeconds;
    const script = composeUpScript(
      remoteJoin(this.rel.deployPath, 'releases', releaseDir),
      project,
      composeFiles,
      timeout,
    );
    try {
      await this.s.run(script, { timeoutMs: (timeout + 60) * 1000 });
    } catch (e) {
      const err = e as SshError;
      if (err.kind === 'connection-lost' || !this.session || this.session.closed) throw e;
      const reason =
        exitName(script, err.exitCode) === 'healthTimeout'
          ? `the services were not healthy within health-timeout (${timeout}s)`
          : `docker compose up failed: ${composeErrorLines(err.stderr ?? err.message)}`;
      const detail = await describeFailure(this.s, project);
      throw new HostStepError('up', `${this.name}: ${reason}\n${detail}`);
    }
  }

  /** Bring this host back to the release it ran before (or stop the new one if there was none). */
  async rollback(): Promise<RollbackOutcome> {
    let outcome: RollbackOutcome;
    try {
      outcome = await this.doRollback();
    } catch (e) {
      // A connection that died during the rollback (sshd restarted, say) gets one more attempt on a new one.
      if (this.switched && isConnectionFailure(e)) {
        this.log.warning(`${this.name}: rollback interrupted (${(e as Error).message}); reconnecting to try again`);
        this.session?.close();
        this.session = undefined;
        await this.clock.sleep(ROLLBACK_RETRY_PAUSE_MS);
        outcome = await this.doRollback().catch(
          (e2: Error): RollbackOutcome => ({ status: 'failed', detail: e2.message }),
        );
      } else {
        outcome = { status: 'failed', detail: (e as Error).message };
      }
    }
    recordRollback(this.summary, outcome);
    return outcome;
  }

  private async doRollback(): Promise<RollbackOutcome> {
    if (!this.switched) {
      // `current` never moved: the previous release kept running. Drop the staged release if we still can.
      if (this.session && !this.session.closed && this.release && this.release.dir !== this.live?.dir) {
        await this.release.remove().catch(() => undefined);
      }
      return { status: 'not-needed', detail: 'current was not switched; the previous release kept running' };
    }
    if (!this.session || this.session.closed) {
      this.log.info(`${this.name}: reconnecting to roll back`);
      this.session = await this.steps.run('reconnect', () => this.connect(this.address));
    }
    return this.steps.time('rollback', async () => {
      const { plan, rel } = this;
      if (!this.live) {
        await this.s.run(composeDownScript(rel.abs, plan.projectName, plan.composeFiles), {
          timeoutMs: plan.commandTimeoutMs,
        });
        await this.s.run(removeCurrentScript(rel.deployPath), { timeoutMs: plan.commandTimeoutMs });
        return { status: 'stopped', detail: 'there was no previous release; the new one was stopped' };
      }
      const prev = this.live;
      // Only a manifest that passed validation steers the rollback (which compose project, which files).
      if (!prev.manifest)
        throw new Error(`${prev.manifestProblem ?? `releases/${prev.dir}: no manifest`}; bring it up by hand`);
      await rel.switchCurrent(prev.dir);
      const { composeFiles, project, version } = prev.manifest;
      const clearHalfRecreated = () =>
        this.s.run(removeHalfRecreatedScript(project), { timeoutMs: plan.commandTimeoutMs });
      try {
        await clearHalfRecreated();
        await this.up(prev.dir, composeFiles, project);
      } catch (e) {
        // An `up` killed with its connection can leave containers half made (renamed, or created under the
        // service's name), and the next `up` then stops at "Conflict … already in use": clear them and try once more.
        if (!(e instanceof HostStepError) || !/Conflict|already in use/.test(e.message)) throw e;
        this.log.warning(
          `${this.name}: containers of the interrupted up are in the way; removing them, then up ${version}`,
        );
        const prevAbs = remoteJoin(rel.deployPath, 'releases', prev.dir);
        await this.s.run(composeDownScript(prevAbs, project, composeFiles), { timeoutMs: plan.commandTimeoutMs });
        await this.up(prev.dir, composeFiles, project);
      }
      // Again after: a request the killed up had in flight may have finished while the rollback ran.
      await clearHalfRecreated();
      return { status: 'rolled-back', toVersion: version };
    });
  }

  close(): void {
    this.session?.close();
  }
}
