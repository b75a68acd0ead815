/**
 * One host's deploy and its rollback under the `compose` target. The steps, in order: connect, the deploy lock of
 * deploy-path (held until the deploy and any rollback of this host are over), preflight, image, stage the release
 * (open the host's secret store, compose files, env file, this host's pinning override, manifest), secrets (only
 * those the store lacks), the pre-deploy hook, switch `current`, `up` (start-first rollout where a service can run
 * twice), the post-deploy hook, prune old releases and stored secrets. When the live release already is this one (same keyed digest), nothing is staged:
 * only `up` runs there.
 */
import { deliverImage, describeDelivery, recordDelivery, type LocalImage } from '../deliver-image.js';
import { formatHost, type HostAddress } from '../host-address.js';
import type { LocalDocker } from '../local-docker.js';
import type { DeployPlan } from '../plan.js';
import type { Clock } from '../release/poll.js';
import { Release, releaseDirName, readDeployPathReport, type LiveRelease } from '../release/release.js';
import { HostStepError, StepTimer, recordRollback, type DeployLog } from '../release/steps.js';
import { exitName, parseRecords } from '../remote/script.js';
import { composeDownScript } from '../remote/scripts/compose.js';
import { composePreflightScript } from '../remote/scripts/preflight.js';
import { removeCurrentScript } from '../remote/scripts/release.js';
import { pruneSecretStoreScript } from '../remote/scripts/secret-store.js';
import { placeSecrets, releaseDigest, renderOverride, type PlacedSecret } from '../release/secret-store.js';
import { compareWithLive } from '../release/release-changes.js';
import { openSecretStore, storeHolds, writeStoreSecrets, type SecretStore } from './compose-secrets.js';
import type { HeldScript, RemoteShell, SshError } from '../remote/shell.js';
import { restoreRelease, upRelease, type ReleaseHost } from './release-restore.js';
import type { HostSummary, RollbackOutcome } from '../summary.js';
import { hostText } from '../../util/host-text.js';
import { takeDeployLock } from './host-lock.js';
import { hookStep } from './hooks.js';

/** Opens the shell to one host (SSH in production; a scripted shell in unit tests). */
export type HostConnector = (address: HostAddress) => Promise<RemoteShell>;

export { composeErrorLines } from './compose-up.js';

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
  private lock: HeldScript | undefined;
  private live: LiveRelease | undefined;
  private release: Release | undefined;
  private store: SecretStore | undefined;
  private placed: PlacedSecret[] = [];
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
    this.lock = await steps.run('lock', () => takeDeployLock(this.s, plan));
    log.info(`${this.name}: deploy lock on ${plan.deployPath} held`);

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

    const reused = await steps.run('upload', () => this.stage(deployPath, local));
    const dir = this.rel.dir;
    this.summary.release = dir;
    if (reused) {
      log.info(
        `${this.name}: releases/${dir} already holds ${plan.version.version} with the same files, image and secrets; nothing uploaded`,
      );
    } else {
      log.info(`${this.name}: uploaded ${plan.files.length} files to releases/${dir}`);
      const wrote = await steps.run('secrets', () => this.writeSecrets());
      if (plan.secrets.length) {
        log.info(
          `${this.name}: ${wrote.written} of ${plan.secrets.length} secret file(s) written (${wrote.route}), 0400, owner ${plan.runtimeUser.uid}:${plan.runtimeUser.gid}; the others were unchanged`,
        );
      }
      const pre = hookStep(plan, 'pre-deploy', { shell: this.s, name: this.name, log }, this.rel, reused);
      if (pre) await steps.run('pre-deploy', pre);
      await steps.run('switch', () => this.rel.switchCurrent());
      this.switched = true;
      log.info(`${this.name}: current -> releases/${dir}`);
    }

    await steps.run('up', () => this.up(dir, plan.composeFiles, plan.projectName));
    log.info(`${this.name}: ${plan.projectName} is up and healthy at ${plan.version.version}`);
    const post = hookStep(plan, 'post-deploy', { shell: this.s, name: this.name, log }, this.rel, reused);
    if (post) await steps.run('post-deploy', post);

    if (!reused) {
      await steps
        .run('prune', async () => {
          await this.rel.prune(plan.keepReleases);
          await this.s.run(pruneSecretStoreScript(deployPath), { timeoutMs: plan.commandTimeoutMs });
        })
        .catch((e: Error) => log.warning(`${this.name}: pruning old releases failed: ${e.message}`));
    }
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

  /**
   * Opens the host's secret store, renders this host's override and the release digest, then stages a new release;
   * returns true instead when the live release already is exactly this one (same digest, its secret files in place).
   */
  private async stage(deployPath: string, local: LocalImage): Promise<boolean> {
    const { plan } = this;
    const owner = plan.runtimeUser;
    const store = await openSecretStore(this.s, deployPath, owner, plan.commandTimeoutMs);
    this.store = store;
    this.placed = placeSecrets(plan.secrets, store.abs, store.key, owner);
    const image = `${plan.image.targetRefs[0]} ${local.id}`;
    const seen = compareWithLive(plan.composeModel, store.key, this.live?.manifest, image, this.placed);
    this.summary.changes = seen.changes;
    const override = Buffer.from(renderOverride(plan.override.pinned, this.placed));
    const files = plan.files.map((f) =>
      f.relativePath === plan.override.relativePath ? { ...f, content: override } : f,
    );
    const digest = releaseDigest(store.key, {
      version: plan.version.version,
      project: plan.projectName,
      composeFiles: plan.composeFiles,
      files,
      imageId: local.id,
      owner,
      placed: this.placed,
    });
    const live = this.live;
    if (live?.manifest?.digest === digest && this.placed.every((p) => storeHolds(store, p, owner))) {
      this.release = new Release(() => this.s, deployPath, live.dir, plan.commandTimeoutMs);
      return true;
    }
    const dir = releaseDirName(plan.version.version, live?.dir, this.clock.now());
    this.release = new Release(() => this.s, deployPath, dir, plan.commandTimeoutMs);
    await this.rel.create();
    await this.rel.upload(files);
    // Before the secrets: the store prune keeps every file a manifest names, so this release's are safe from then on.
    await this.rel.writeManifest({
      version: plan.version.version,
      project: plan.projectName,
      composeFiles: plan.composeFiles,
      image,
      deployedAt: new Date(this.clock.now()).toISOString(),
      digest,
      secretFiles: this.placed.map((p) => p.fileName),
      ...seen.manifestFacts,
    });
    return false;
  }

  private writeSecrets(): ReturnType<typeof writeStoreSecrets> {
    if (!this.store) throw new Error('no secret store opened');
    return writeStoreSecrets({ shell: this.s, plan: this.plan, host: this.name, store: this.store }, this.placed);
  }

  private up(releaseDir: string, composeFiles: readonly string[], project: string): Promise<void> {
    return upRelease(this.releaseHost(), releaseDir, composeFiles, project);
  }

  private releaseHost(): ReleaseHost {
    return { shell: this.s, name: this.name, deployPath: this.rel.deployPath, settings: this.plan, log: this.log };
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
      // The lock went with the old connection: no rollback without it.
      this.lock = await this.steps.run('lock', () => takeDeployLock(this.s, this.plan));
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
      await restoreRelease(this.releaseHost(), rel, prev.dir, prev.manifest);
      return { status: 'rolled-back', toVersion: prev.manifest.version };
    });
  }

  /** Ends the lock's script (stdin closed), then the connection; either alone would free the lock. */
  close(): void {
    void this.lock?.release();
    this.lock = undefined;
    this.session?.close();
  }
}
