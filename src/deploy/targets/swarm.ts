/**
 * The `swarm` target: the release as a Swarm stack, through one manager. Steps: connect, preflight (a manager? which
 * release runs?), image, upload (the stack file rendered from the merged prod model, the env files), secrets
 * (versioned Docker secrets, created from stdin), `docker stack deploy`, converge (Swarm rolls a failing update back
 * itself; we wait, bounded by health-timeout, and verify every task runs the new image), then switch `current` and
 * remove the secrets and releases nothing refers to any more.
 */
import { formatHost } from '../inputs.js';
import { openHostSession } from '../connect.js';
import { deliverImage, type LocalImage } from '../deliver-image.js';
import { HostStepError, MANIFEST, timedStep, type DeployLog, type ReleaseManifest } from '../host-deploy.js';
import type { LocalDocker } from '../local-docker.js';
import type { DeployPlan, SwarmPlan } from '../plan.js';
import { frame, remoteJoin, shQuote, switchCurrentScript, writeFileScript } from '../remote-script.js';
import { formatLogTail } from '../diagnose.js';
import { renderStackFile, type RenderedStack } from '../stack-file.js';
import type { SshError, SshSession } from '../ssh/session.js';
import type { HostSummary } from '../summary.js';
import {
  LABEL,
  SWARM_EXIT,
  failingTask,
  lastTaskError,
  parseStackState,
  parseSwarmPreflight,
  secretCreateScript,
  serviceVerdict,
  taskProgress,
  stackDeployScript,
  stackStateScript,
  swarmPreflightScript,
  type SwarmPreflight,
  type SwarmService,
  type SwarmTask,
} from '../swarm-script.js';
import type { DeployTarget } from './target.js';

const POLL_MS = 1000;

export class SwarmTarget implements DeployTarget {
  readonly name: string;
  private readonly summary: HostSummary;
  private readonly swarm: SwarmPlan;
  private session: SshSession | undefined;
  private pre: SwarmPreflight | undefined;
  private deployPath = '';
  private releaseDir = '';
  private stack: RenderedStack | undefined;
  private image = '';
  /** Set once `docker stack deploy` ran: from then on Swarm holds the truth. */
  private deployed = false;
  private rolledBackBySwarm = false;
  private startedBefore = new Map<string, string | undefined>();

  constructor(
    private readonly plan: DeployPlan,
    private readonly log: DeployLog,
  ) {
    if (!plan.swarm) throw new Error('the swarm target needs plan.swarm');
    this.swarm = plan.swarm;
    this.name = formatHost(plan.hosts[0]!);
    this.summary = { host: this.name, status: 'pending', steps: [] };
  }

  get hosts(): HostSummary[] {
    return [this.summary];
  }

  private get s(): SshSession {
    if (!this.session) throw new Error('not connected');
    return this.session;
  }

  private exec(command: string, label: string, opts: { stdin?: Buffer; timeoutMs?: number; okCodes?: number[] } = {}) {
    return this.s.exec(command, { label, timeoutMs: opts.timeoutMs ?? this.plan.commandTimeoutMs, ...opts });
  }

  private step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return timedStep(this.summary, this.name, name, fn);
  }

  async deploy(local: LocalImage, docker: LocalDocker): Promise<void> {
    const { plan, log, swarm } = this;
    log.startGroup(`Deploy ${plan.version.version} to the swarm stack ${swarm.stack} via ${this.name}`);
    try {
      this.session = await this.step('connect', () => openHostSession(plan, plan.hosts[0]!));
      log.info(`${this.name}: connected as ${plan.user}, host key verified`);

      const pre = await this.step('preflight', () => this.preflight());
      const previous = this.previousVersion();
      if (previous) this.summary.previousVersion = previous;
      log.info(
        `${this.name}: Swarm manager of ${pre.nodes} node(s); stack ${swarm.stack} runs ${previous ?? '(nothing yet)'}; ` +
          `deploy-action waits for the rolling update itself (${pre.detachFlag ? 'stack deploy --detach=true' : "this CLI's stack deploy has no --detach"}) and checks every task`,
      );

      if (plan.image.delivery === 'ssh') {
        if (pre.nodes > 1) {
          throw new HostStepError(
            'image',
            `${this.name}: image-delivery ssh loads the image on this manager only, but the swarm has ${pre.nodes} nodes: tasks placed elsewhere could not find it. Use image-delivery registry (each node pulls).`,
          );
        }
        log.info(
          `${this.name}: single-node swarm: image-delivery ssh loads the image on the manager, the only node (use registry delivery once the swarm grows)`,
        );
      }
      const delivery = await this.step('image', () => deliverImage(plan, local, this.s, docker));
      this.summary.imageDelivery = delivery;
      // Registry delivery with a known digest pins the digest: every node runs exactly the checked image.
      this.image =
        plan.image.delivery === 'registry' && local.digest
          ? `${plan.image.targetRefs[0]}@${local.digest}`
          : plan.image.targetRefs[0]!;
      log.info(
        `${this.name}: image ${this.image} ${delivery === 'already-present' ? 'already present, tagged' : delivery}`,
      );

      await this.step('upload', () => this.stage(local));
      log.info(
        `${this.name}: uploaded the stack file and ${swarm.envFiles.length} env file(s) to releases/${this.releaseDir}`,
      );
      for (const w of this.stack!.warnings) if (!plan.warnings.includes(w)) log.warning(w);

      const created = await this.step('secrets', () => this.createSecrets());
      if (plan.secrets.length) {
        log.info(
          `${this.name}: secrets ${Object.values(swarm.secretNames).join(', ')} (${created} new, ${plan.secrets.length - created} unchanged), ` +
            `mounted 0400 owned by ${plan.runtimeUser.uid}:${plan.runtimeUser.gid}`,
        );
      }

      await this.step('deploy', () => this.stackDeploy());
      this.deployed = true;
      await this.step('converge', () => this.converge());
      log.info(
        `${this.name}: stack ${swarm.stack} converged at ${plan.version.version}: every task of ${this.stack!.pinnedServices.join(', ')} runs ${this.image}`,
      );

      await this.step('switch', () =>
        this.exec(switchCurrentScript(this.deployPath, this.releaseDir), 'switch current'),
      );
      await this.step('prune', () => this.prune()).catch((e: Error) =>
        log.warning(`${this.name}: pruning failed: ${e.message}`),
      );
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
    let out: Awaited<ReturnType<typeof this.exec>>;
    try {
      out = await this.exec(swarmPreflightScript(this.plan.deployPath, this.swarm.stack), 'preflight', {
        timeoutMs: 60_000,
      });
    } catch (e) {
      const err = e as SshError;
      if (
        err.exitCode === SWARM_EXIT.notManager ||
        err.exitCode === SWARM_EXIT.noDocker ||
        err.exitCode === SWARM_EXIT.notWritable
      ) {
        throw new HostStepError('preflight', `${this.name}: ${(err.stderr ?? '').trim().split('\n').slice(-1)[0]}`);
      }
      throw e;
    }
    this.pre = parseSwarmPreflight(out.stdout);
    this.deployPath = this.pre.path ?? this.plan.deployPath;
    return this.pre;
  }

  private render(): RenderedStack {
    const { swarm, plan } = this;
    return renderStackFile({
      config: swarm.config,
      image: this.image,
      buildServices: swarm.buildServices,
      secretNames: swarm.secretNames,
      runtimeUser: plan.runtimeUser,
      version: plan.version.version,
    });
  }

  private async stage(local: LocalImage): Promise<void> {
    const { plan, swarm } = this;
    this.stack = this.render();
    const live = this.previousVersion();
    this.releaseDir = live === plan.version.version ? `${plan.version.version}.r${Date.now()}` : plan.version.version;
    // Never the directory `current` points at: a re-run of the live version stages beside it.
    const rel = remoteJoin(this.deployPath, 'releases', this.releaseDir);
    await this.exec(
      `set -eu; cd ${shQuote(this.deployPath)}; t=$(readlink current 2>/dev/null || true); ` +
        `if [ "$t" = ${shQuote(`releases/${this.releaseDir}`)} ]; then echo "releases/${this.releaseDir} is live" >&2; exit 1; fi; ` +
        `rm -rf ${shQuote(rel)} && mkdir -m 0700 ${shQuote(rel)}`,
      'create release directory',
    );
    await this.exec(writeFileScript(remoteJoin(rel, swarm.stackFile), '0644'), `upload ${swarm.stackFile}`, {
      stdin: frame(Buffer.from(this.stack.text)),
    });
    for (const f of swarm.envFiles) {
      const content = plan.files.find((p) => p.relativePath === f)?.content ?? Buffer.alloc(0);
      await this.exec(writeFileScript(remoteJoin(rel, f), '0600'), `upload ${f}`, { stdin: frame(content) });
    }
    const manifest: ReleaseManifest = {
      version: plan.version.version,
      project: swarm.stack,
      composeFiles: [swarm.stackFile],
      image: `${this.image} ${local.id}`,
      deployedAt: new Date().toISOString(),
    };
    await this.exec(writeFileScript(remoteJoin(rel, MANIFEST), '0644'), 'write manifest', {
      stdin: frame(Buffer.from(JSON.stringify(manifest))),
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
        await this.exec(script, `docker secret create ${name}`, { stdin: frame(secret.value), timeoutMs: 120_000 });
      } catch (e) {
        const err = e as SshError;
        const why = err.exitCode === SWARM_EXIT.shortInput ? (err.stderr ?? '').trim() : err.message;
        throw new HostStepError('secrets', `${this.name}: secret ${secret.name}: ${why}`);
      }
      created++;
    }
    return created;
  }

  private async state(): Promise<{ services: SwarmService[]; tasks: SwarmTask[] }> {
    const out = await this.exec(stackStateScript(this.swarm.stack), 'docker service inspect', { timeoutMs: 60_000 });
    return parseStackState(out.stdout);
  }

  private async stackDeploy(): Promise<void> {
    const before = await this.state();
    for (const s of before.services) this.startedBefore.set(s.Spec.Name, s.UpdateStatus?.StartedAt);
    const reg = this.plan.image.delivery === 'registry' ? this.plan.image.registry : undefined;
    const timeout = this.plan.healthTimeoutSeconds;
    const script = stackDeployScript({
      releaseAbs: remoteJoin(this.deployPath, 'releases', this.releaseDir),
      stackFile: this.swarm.stackFile,
      stack: this.swarm.stack,
      timeoutSeconds: timeout,
      detachFlag: this.pre?.detachFlag ?? false,
      ...(reg ? { registry: { server: reg.server, ...(reg.username ? { username: reg.username } : {}) } } : {}),
    });
    // Detached: the CLI's own wait (--detach=false, docker 25+) does not end when Swarm rolls back (measured: it sat
    // out the whole timeout), and 20.10's CLI has no such flag. converge() polls Swarm instead, with any CLI.
    await this.exec(script, 'docker stack deploy', {
      timeoutMs: (timeout + 60) * 1000,
      ...(reg?.password && reg.username ? { stdin: Buffer.from(reg.password) } : {}),
    });
  }

  private expectedImage(service: string): string | undefined {
    return this.stack?.pinnedServices.includes(service) ? this.image : undefined;
  }

  private async converge(): Promise<void> {
    const deadline = Date.now() + this.plan.healthTimeoutSeconds * 1000;
    let last: { services: SwarmService[]; tasks: SwarmTask[] } = { services: [], tasks: [] };
    let waiting: string[] = [];
    for (;;) {
      last = await this.state();
      const names = new Set(last.services.map((s) => s.Spec.Name));
      const missing = this.stack!.services.map((n) => `${this.swarm.stack}_${n}`).filter((n) => !names.has(n));
      waiting = missing.map((n) => `${n}: not created yet`);
      const failed: Array<{ s: SwarmService; why: string; rolledBack: boolean }> = [];
      for (const s of last.services) {
        const short = s.Spec.Name.slice(this.swarm.stack.length + 1);
        const v = serviceVerdict(s, last.tasks, this.expectedImage(short), this.startedBefore.get(s.Spec.Name));
        if (v.kind === 'failed') failed.push({ s, why: v.why, rolledBack: v.rolledBack });
        else if (v.kind === 'waiting') waiting.push(`${s.Spec.Name}: ${v.why}`);
      }
      if (failed.length) {
        this.rolledBackBySwarm = failed.every((f) => f.rolledBack);
        const parts = await Promise.all(failed.map((f) => this.describe(f.s, last.tasks, f.why)));
        throw new HostStepError('converge', `${this.name}: ${parts.join('\n')}`);
      }
      if (waiting.length === 0) return;
      if (Date.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    // Timed out: an update still in progress is rolled back by hand (Swarm only does it on task failure).
    const updating = last.services.filter((s) => s.UpdateStatus?.State === 'updating');
    for (const s of updating) {
      await this.exec(
        `docker service rollback --detach ${shQuote(s.Spec.Name)} >/dev/null`,
        `docker service rollback ${s.Spec.Name}`,
        { timeoutMs: 60_000 },
      ).catch((e: Error) => this.log.warning(`${this.name}: ${e.message}`));
    }
    const stuck = last.services.filter((s) => waiting.some((w) => w.startsWith(`${s.Spec.Name}:`)));
    const parts = await Promise.all(
      stuck.map((s) =>
        this.describe(
          s,
          last.tasks,
          waiting.find((w) => w.startsWith(`${s.Spec.Name}:`))!.slice(s.Spec.Name.length + 2),
        ),
      ),
    );
    throw new HostStepError(
      'converge',
      `${this.name}: the stack did not converge within health-timeout (${this.plan.healthTimeoutSeconds}s)${updating.length ? `; rolled back ${updating.map((s) => s.Spec.Name).join(', ')}` : ''}\n${parts.join('\n') || waiting.join('\n')}`,
    );
  }

  /** Service name, why, the newest task error and the last log lines. */
  private async describe(s: SwarmService, tasks: readonly SwarmTask[], why: string): Promise<string> {
    const lines = [`service ${s.Spec.Name}: ${why}`];
    const err = lastTaskError(s, tasks);
    if (err) lines.push(`  last task error: ${err}`);
    // Its container's last health probe, when the container is on this node (always, on a single-node swarm).
    const cid = failingTask(s, tasks)?.Status.ContainerStatus?.ContainerID;
    if (cid) {
      const health = await this.exec(
        `docker inspect --format '{{if .State.Health}}{{range .State.Health.Log}}exit {{.ExitCode}}: {{.Output}}{{"\\n"}}{{end}}{{end}}' ${shQuote(cid)}`,
        'docker inspect',
        { timeoutMs: 30_000, okCodes: [1] },
      ).catch(() => ({ stdout: '' }));
      const probe = health.stdout.trim().split('\n').filter(Boolean).slice(-1)[0];
      if (probe) lines.push(`  last health probe: ${probe.trim()}`);
    }
    const logs = await this.exec(
      `docker service logs --no-task-ids --no-trunc --tail 20 ${shQuote(s.Spec.Name)} 2>&1`,
      'docker service logs',
      {
        timeoutMs: 30_000,
        okCodes: [1],
      },
    ).catch((e: Error) => ({ stdout: `(could not read the logs: ${e.message})` }));
    const text = logs.stdout.trimEnd();
    lines.push(formatLogTail(text));
    return lines.join('\n');
  }

  /** Removes this stack's secrets no service refers to any more, and old release directories. */
  private async prune(): Promise<void> {
    const { services } = await this.state();
    const referenced = new Set(
      services.flatMap((s) => (s.Spec.TaskTemplate.ContainerSpec.Secrets ?? []).map((r) => r.SecretName)),
    );
    const out = await this.exec(
      `docker secret ls --filter label=${shQuote(`${LABEL.stack}=${this.swarm.stack}`)} --format '{{.Name}}'`,
      'docker secret ls',
      { timeoutMs: 60_000 },
    );
    const unused = out.stdout
      .split('\n')
      .map((l) => l.trim())
      .filter((n) => n && !referenced.has(n));
    for (const n of unused) {
      await this.exec(`docker secret rm ${shQuote(n)} >/dev/null`, `docker secret rm ${n}`, { timeoutMs: 60_000 }).then(
        () => this.log.info(`${this.name}: removed the secret ${n}, no longer referenced`),
        (e: Error) => this.log.warning(`${this.name}: could not remove the unused secret ${n}: ${e.message}`),
      );
    }
    const keep = this.plan.keepReleases;
    const script = [
      'set -eu',
      `cd ${shQuote(remoteJoin(this.deployPath, 'releases'))}`,
      `ls -1t | grep -vxF -e ${shQuote(this.releaseDir)} | tail -n +${keep} | while IFS= read -r d; do rm -rf -- "$d"; done`,
    ].join('\n');
    await this.exec(script, 'prune releases', { timeoutMs: 120_000 });
  }

  async recover(): Promise<string> {
    this.log.startGroup('Rollback');
    const start = Date.now();
    try {
      const outcome = await this.doRecover().catch((e: Error) => ({ status: 'failed' as const, detail: e.message }));
      this.summary.rollback = outcome;
      this.summary.status =
        outcome.status === 'rolled-back' || outcome.status === 'stopped'
          ? 'rolled-back'
          : outcome.status === 'not-needed'
            ? 'unchanged'
            : 'rollback-failed';
      const line = `${this.name}: rollback ${outcome.status}${'toVersion' in outcome && outcome.toVersion ? ` to ${outcome.toVersion}` : ''}${outcome.detail ? `: ${outcome.detail}` : ''}`;
      if (outcome.status === 'failed') this.log.warning(line);
      else this.log.info(line);
      if (outcome.status === 'failed')
        return `Rollback FAILED on ${this.name}: check the stack ${this.swarm.stack} by hand.`;
      if (outcome.status === 'not-needed') return `The stack ${this.swarm.stack} was not changed.`;
      return `Rolled back: ${this.name} (${outcome.status}${'toVersion' in outcome && outcome.toVersion ? ` to ${outcome.toVersion}` : ''}).`;
    } finally {
      if (this.deployed) this.summary.steps.push({ step: 'rollback', ms: Date.now() - start });
      this.log.endGroup();
    }
  }

  private async doRecover(): Promise<{
    status: 'rolled-back' | 'stopped' | 'not-needed' | 'failed';
    detail?: string;
    toVersion?: string;
  }> {
    if (!this.deployed) {
      if (this.session && !this.session.closed && this.releaseDir) {
        await this.exec(
          `rm -rf ${shQuote(remoteJoin(this.deployPath, 'releases', this.releaseDir))}`,
          'remove staged release',
        ).catch(() => undefined);
      }
      return { status: 'not-needed', detail: 'docker stack deploy did not run; the stack kept running as it was' };
    }
    if (!this.session || this.session.closed) {
      this.log.info(`${this.name}: reconnecting to check the rollback`);
      this.session = await openHostSession(this.plan, this.plan.hosts[0]!);
    }
    const previous = this.previousVersion();
    if (!previous) {
      await this.exec(`docker stack rm ${shQuote(this.swarm.stack)}`, 'docker stack rm', { timeoutMs: 120_000 });
      await this.removeUnreferencedSecrets();
      return { status: 'stopped', detail: 'there was no previous release; the new stack was removed' };
    }
    // Swarm rolls a failed update back by itself; wait for it (bounded), then check the previous image runs.
    const deadline = Date.now() + Math.max(30, this.plan.healthTimeoutSeconds) * 1000;
    let pending: string[] = [];
    for (;;) {
      const { services, tasks } = await this.state();
      pending = [];
      for (const s of services) {
        const st = s.UpdateStatus?.State;
        if (st === 'updating' || st === 'rollback_started') pending.push(`${s.Spec.Name} ${st}`);
        // Judged on the tasks alone: after a rollback the service's update state says `rollback_completed` while
        // the previous release's task may still be starting.
        else if (!taskProgress(s, tasks).settled) pending.push(`${s.Spec.Name} tasks starting`);
        else if (
          this.stack?.pinnedServices.includes(s.Spec.Name.slice(this.swarm.stack.length + 1)) &&
          s.Spec.TaskTemplate.ContainerSpec.Image.startsWith(this.image)
        ) {
          pending.push(`${s.Spec.Name} still runs ${this.image}`);
        }
      }
      if (pending.length === 0) break;
      if (Date.now() >= deadline)
        throw new Error(`the stack did not settle on the previous release: ${pending.join(', ')}`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    await this.removeUnreferencedSecrets();
    return {
      status: 'rolled-back',
      toVersion: previous,
      ...(this.rolledBackBySwarm ? { detail: 'Swarm rolled the update back' } : {}),
    };
  }

  private async removeUnreferencedSecrets(): Promise<void> {
    // Secrets this deploy created and nothing uses after the rollback; ignore failures (they are reported on the next run).
    const { services } = await this.state().catch(() => ({ services: [] as SwarmService[] }));
    const referenced = new Set(
      services.flatMap((s) => (s.Spec.TaskTemplate.ContainerSpec.Secrets ?? []).map((r) => r.SecretName)),
    );
    const mine = Object.values(this.swarm.secretNames).filter(
      (n) => !referenced.has(n) && !(this.pre?.secrets ?? []).includes(n),
    );
    for (const n of mine)
      await this.exec(`docker secret rm ${shQuote(n)} >/dev/null`, `docker secret rm ${n}`, {
        timeoutMs: 60_000,
      }).catch(() => undefined);
  }

  previousVersion(): string | undefined {
    const versions = [...(this.pre?.services.values() ?? [])].filter(Boolean);
    return versions[0];
  }

  close(): void {
    this.session?.close();
  }
}
