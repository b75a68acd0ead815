/**
 * The `swarm` target: the release as a Swarm stack, through one manager. Steps: connect, preflight (a manager? which
 * release runs?), image, upload (the stack file rendered from the merged prod model, the env files), secrets
 * (versioned Docker secrets, created from stdin), the pre-deploy hook (`swarm-hooks.ts`), `docker stack deploy`, converge
 * (Swarm rolls a failing update back itself; we wait, bounded by health-timeout, and verify every task runs the new
 * image), the post-deploy hook, then switch `current` and remove the secrets and releases nothing refers to any more.
 */
import { deliverImage, describeDelivery, recordDelivery, type LocalImage } from '../deliver-image.js';
import { formatHost } from '../host-address.js';
import type { LocalDocker } from '../local-docker.js';
import type { DeployPlan, SwarmPlan } from '../plan.js';
import { systemClock, type Clock } from '../release/poll.js';
import { Release, releaseDirName } from '../release/release.js';
import { HostStepError, StepTimer, logRollback, recordRollback, type DeployLog } from '../release/steps.js';
import { exitName, frame, parseRecords } from '../remote/script.js';
import { LABEL, swarmPreflightScript } from '../remote/scripts/preflight.js';
import { SWARM_EXIT, secretCreateScript, stackDeployScript, stackRemoveScript } from '../remote/scripts/swarm.js';
import type { HeldScript, RemoteShell, SshError } from '../remote/shell.js';
import { renderStackFile, type RenderedStack } from '../stack-file.js';
import type { HostSummary, RollbackOutcome } from '../summary.js';
import { readSwarmPreflight, sshDeliveryMisfit, type SwarmPreflight } from '../swarm-state.js';
import type { HostConnector } from './compose-host.js';
import { takeDeployLock } from './host-lock.js';
import { pruneSecrets, removeCreatedSecrets, stackState, type SwarmContext } from './swarm-context.js';
import { ConvergeError, converge, waitForPrevious } from './swarm-converge.js';
import { swarmHookStep } from './swarm-hooks.js';
import type { DeployTarget } from './target.js';

export class SwarmTarget implements DeployTarget, SwarmContext {
  readonly name: string;
  readonly swarm: SwarmPlan;
  private readonly summary: HostSummary;
  private readonly steps: StepTimer;
  private session: RemoteShell | undefined;
  /** The manager's deploy lock of deploy-path, as the compose target takes it per host (and `mode: rollback`). */
  private lock: HeldScript | undefined;
  private pre: SwarmPreflight | undefined;
  private release: Release | undefined;
  private stack: RenderedStack | undefined;
  private image = '';
  /** Set once `docker stack deploy` ran: from then on Swarm holds the truth. */
  private deployed = false;
  private rolledBackBySwarm = false;

  constructor(
    readonly plan: DeployPlan,
    readonly log: DeployLog,
    private readonly connect: HostConnector,
    readonly clock: Clock = systemClock,
  ) {
    if (!plan.swarm) throw new Error('the swarm target needs plan.swarm');
    this.swarm = plan.swarm;
    this.name = formatHost(plan.hosts[0]!);
    this.summary = { host: this.name, status: 'pending', steps: [] };
    this.steps = new StepTimer(this.summary, clock);
  }

  get hosts(): HostSummary[] {
    return [this.summary];
  }

  shell(): RemoteShell {
    if (!this.session) throw new Error('not connected');
    return this.session;
  }

  private get rel(): Release {
    if (!this.release) throw new Error('no release staged');
    return this.release;
  }

  async deploy(local: LocalImage, docker: LocalDocker): Promise<void> {
    const { plan, log, swarm, steps } = this;
    log.startGroup(`Deploy ${plan.version.version} to the swarm stack ${swarm.stack} via ${this.name}`);
    try {
      this.session = await steps.run('connect', () => this.connect(plan.hosts[0]!));
      log.info(`${this.name}: connected as ${plan.user}, host key verified`);
      this.lock = await steps.run('lock', () => takeDeployLock(this.shell(), plan));

      const pre = await steps.run('preflight', () => this.preflight());
      const previous = this.previousVersion();
      if (previous) this.summary.previousVersion = previous;
      log.info(
        `${this.name}: Swarm manager of ${pre.nodes} node(s); stack ${swarm.stack} runs ${previous ?? '(nothing yet)'}; ` +
          `deploy-action waits for the rolling update itself (${pre.detachFlag ? 'stack deploy --detach=true' : "this CLI's stack deploy has no --detach"}) and checks every task`,
      );

      if (plan.image.delivery === 'ssh') {
        const misfit = sshDeliveryMisfit(pre.nodes);
        if (misfit) throw new HostStepError('image', `${this.name}: ${misfit}`);
        log.info(
          `${this.name}: single-node swarm: image-delivery ssh loads the image on the manager, the only node (use registry delivery once the swarm grows)`,
        );
      }
      const delivery = await steps.run('image', () => deliverImage(plan, local, this.shell(), docker));
      recordDelivery(this.summary, delivery);
      // Registry delivery with a known digest pins the digest: every node runs exactly the checked image.
      this.image =
        plan.image.delivery === 'registry' && local.digest
          ? `${plan.image.targetRefs[0]}@${local.digest}`
          : plan.image.targetRefs[0]!;
      log.info(`${this.name}: image ${this.image} ${describeDelivery(delivery)}`);

      // Never the directory `current` points at: a re-run of the live version stages beside it.
      const dir = releaseDirName(plan.version.version, previous, this.clock.now());
      this.release = new Release(() => this.shell(), pre.path, dir, plan.commandTimeoutMs);
      this.summary.release = dir;
      await steps.run('upload', () => this.stage(local));
      log.info(`${this.name}: uploaded the stack file and ${swarm.envFiles.length} env file(s) to releases/${dir}`);
      for (const w of this.stack!.warnings) if (!plan.warnings.includes(w)) log.warning(w);

      const created = await steps.run('secrets', () => this.createSecrets());
      if (plan.secrets.length) {
        log.info(
          `${this.name}: secrets ${Object.values(swarm.secretNames).join(', ')} (${created} new, ${plan.secrets.length - created} unchanged), ` +
            `mounted 0400 owned by ${plan.runtimeUser.uid}:${plan.runtimeUser.gid}`,
        );
      }

      const hookRelease = () => ({ stack: this.stack!, image: this.image, releaseAbs: this.rel.abs });
      const preHook = swarmHookStep(this, 'pre-deploy', hookRelease, { existedSecrets: this.pre?.secrets ?? [] });
      if (preHook) await steps.run('pre-deploy', preHook);
      const startedBefore = await steps.run('deploy', () => this.stackDeploy());
      this.deployed = true;
      await steps.run('converge', () =>
        converge(this, { stack: this.stack!, image: this.image, startedBefore }).catch((e: unknown) => {
          if (e instanceof ConvergeError) this.rolledBackBySwarm = e.rolledBackBySwarm;
          throw e;
        }),
      );
      log.info(
        `${this.name}: stack ${swarm.stack} converged at ${plan.version.version}: every task of ${this.stack!.pinnedServices.join(', ')} runs ${this.image}`,
      );

      const postHook = swarmHookStep(this, 'post-deploy', hookRelease, { startedBefore });
      if (postHook) await steps.run('post-deploy', postHook);
      await steps.run('switch', () => this.rel.switchCurrent());
      await steps
        .run('prune', async () => {
          // Releases first: the secrets the kept ones name stay.
          await this.rel.prune(plan.keepReleases);
          await pruneSecrets(this, pre.path);
        })
        .catch((e: Error) => log.warning(`${this.name}: pruning failed: ${e.message}`));
      this.summary.status = 'deployed';
    } catch (e) {
      this.summary.status = 'failed';
      log.warning(e instanceof Error ? e.message : String(e));
      throw e;
    } finally {
      log.endGroup();
    }
  }

  private async preflight(): Promise<SwarmPreflight> {
    const script = swarmPreflightScript(this.plan.deployPath, this.swarm.stack);
    const out = await this.shell()
      .run(script, { timeoutMs: 60_000 })
      .catch((e: SshError) => {
        if (exitName(script, e.exitCode)) {
          throw new HostStepError('preflight', `${this.name}: ${(e.stderr ?? '').trim().split('\n').slice(-1)[0]}`);
        }
        throw e;
      });
    this.pre = readSwarmPreflight(parseRecords(out.stdout), this.plan.deployPath);
    return this.pre;
  }

  private async stage(local: LocalImage): Promise<void> {
    const { plan, swarm } = this;
    this.stack = renderStackFile({
      config: swarm.config,
      image: this.image,
      buildServices: swarm.buildServices,
      secretNames: swarm.secretNames,
      runtimeUser: plan.runtimeUser,
      version: plan.version.version,
    });
    await this.rel.create();
    await this.rel.upload([
      { relativePath: swarm.stackFile, content: Buffer.from(this.stack.text), mode: '0644' },
      ...swarm.envFiles.map((f) => ({
        relativePath: f,
        content: plan.files.find((p) => p.relativePath === f)?.content ?? Buffer.alloc(0),
        mode: '0600' as const,
      })),
    ]);
    await this.rel.writeManifest({
      version: plan.version.version,
      project: swarm.stack,
      composeFiles: [swarm.stackFile],
      image: `${this.image} ${local.id}`,
      deployedAt: new Date(this.clock.now()).toISOString(),
    });
  }

  /** Creates the versioned secrets that do not exist yet; returns how many were created. */
  private async createSecrets(): Promise<number> {
    const existing = new Set(this.pre?.secrets ?? []);
    let created = 0;
    for (const secret of this.plan.secrets) {
      const name = this.swarm.secretNames[secret.name]!;
      if (existing.has(name)) continue;
      const script = secretCreateScript(name, {
        [LABEL.stack]: this.swarm.stack,
        [LABEL.secret]: secret.name,
        [LABEL.version]: this.plan.version.version,
      });
      try {
        await this.shell().run(script, { stdin: frame(secret.value), timeoutMs: 120_000 });
      } catch (e) {
        const err = e as SshError;
        const why = err.exitCode === SWARM_EXIT.shortInput ? (err.stderr ?? '').trim() : err.message;
        throw new HostStepError('secrets', `${this.name}: secret ${secret.name}: ${why}`);
      }
      created++;
    }
    return created;
  }

  /** Runs `docker stack deploy`; returns each service's UpdateStatus.StartedAt from before it. */
  private async stackDeploy(): Promise<Map<string, string | undefined>> {
    const before = await stackState(this);
    const startedBefore = new Map(before.services.map((s) => [s.Spec.Name, s.UpdateStatus?.StartedAt] as const));
    const reg = this.plan.image.delivery === 'registry' ? this.plan.image.registry : undefined;
    const timeout = this.plan.healthTimeoutSeconds;
    const script = stackDeployScript({
      releaseAbs: this.rel.abs,
      stackFile: this.swarm.stackFile,
      stack: this.swarm.stack,
      timeoutSeconds: timeout,
      detachFlag: this.pre?.detachFlag ?? false,
      ...(reg ? { registry: { server: reg.server, ...(reg.username ? { username: reg.username } : {}) } } : {}),
    });
    // Detached: the CLI's own wait (--detach=false, docker 25+) does not end when Swarm rolls back (measured: it sat
    // out the whole timeout), and 20.10's CLI has no such flag. converge() polls Swarm instead, with any CLI.
    await this.shell().run(script, {
      timeoutMs: (timeout + 60) * 1000,
      ...(reg?.password && reg.username ? { stdin: Buffer.from(reg.password) } : {}),
    });
    return startedBefore;
  }

  async recover(): Promise<string> {
    this.log.startGroup('Rollback');
    const start = this.clock.now();
    try {
      const outcome = await this.doRecover().catch(
        (e: Error): RollbackOutcome => ({ status: 'failed', detail: e.message }),
      );
      recordRollback(this.summary, outcome);
      logRollback(this.log, this.name, outcome);
      if (outcome.status === 'failed')
        return `Rollback FAILED on ${this.name}: check the stack ${this.swarm.stack} by hand.`;
      if (outcome.status === 'not-needed') return `The stack ${this.swarm.stack} was not changed.`;
      return `Rolled back: ${this.name} (${outcome.status}${outcome.toVersion ? ` to ${outcome.toVersion}` : ''}).`;
    } finally {
      if (this.deployed) this.summary.steps.push({ step: 'rollback', ms: this.clock.now() - start });
      this.log.endGroup();
    }
  }

  private async doRecover(): Promise<RollbackOutcome> {
    if (!this.deployed) {
      if (this.session && !this.session.closed && this.release) await this.release.remove().catch(() => undefined);
      return { status: 'not-needed', detail: 'docker stack deploy did not run; the stack kept running as it was' };
    }
    if (!this.session || this.session.closed) {
      this.log.info(`${this.name}: reconnecting to check the rollback`);
      this.session = await this.connect(this.plan.hosts[0]!);
    }
    const previous = this.previousVersion();
    if (!previous) {
      await this.shell().run(stackRemoveScript(this.swarm.stack), { timeoutMs: 120_000 });
      await removeCreatedSecrets(this, this.pre?.secrets ?? []);
      return { status: 'stopped', detail: 'there was no previous release; the new stack was removed' };
    }
    await waitForPrevious(this, { stack: this.stack!, image: this.image });
    await removeCreatedSecrets(this, this.pre?.secrets ?? []);
    return {
      status: 'rolled-back',
      toVersion: previous,
      ...(this.rolledBackBySwarm ? { detail: 'Swarm rolled the update back' } : {}),
    };
  }

  previousVersion(): string | undefined {
    const versions = [...(this.pre?.services.values() ?? [])].filter(Boolean);
    return versions[0];
  }

  close(): void {
    void this.lock?.release();
    this.lock = undefined;
    this.session?.close();
  }
}
