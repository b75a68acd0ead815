/**
 * One host's deploy and its rollback. The steps, in order: connect, preflight, image, stage the release (compose
 * files, env file, pinning override, manifest), secrets, switch `current`, `up --wait`, prune old releases.
 */
import { formatHost, type HostAddress } from './inputs.js';
import { deliverImage, type LocalImage } from './deliver-image.js';
import { openHostSession } from './connect.js';
import { describeFailure } from './diagnose.js';
import type { LocalDocker } from './local-docker.js';
import type { DeployPlan } from './plan.js';
import {
  SECRET_EXIT,
  composeDownScript,
  composeUpScript,
  frame,
  remoteJoin,
  shQuote,
  switchCurrentScript,
  writeFileScript,
  writeSecretScript,
} from './remote-script.js';
import type { SshError, SshSession } from './ssh/session.js';
import type { HostSummary, RollbackOutcome } from './summary.js';

export interface DeployLog {
  info(message: string): void;
  warning(message: string): void;
  startGroup(name: string): void;
  endGroup(): void;
}

export const MANIFEST = '.deploy-action.json';

export interface ReleaseManifest {
  version: string;
  project: string;
  composeFiles: string[];
  image: string;
  deployedAt: string;
}

/** A step failed on a host; `cause` has the detail already worded for the user. */
export class HostStepError extends Error {
  constructor(
    readonly step: string,
    message: string,
  ) {
    super(message);
    this.name = 'HostStepError';
  }
}

/** Runs one step of a host's deploy: times it into the summary, and names the host and step in any failure. */
export async function timedStep<T>(summary: HostSummary, host: string, name: string, fn: () => Promise<T>): Promise<T> {
  const start = Date.now();
  try {
    return await fn();
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw e instanceof HostStepError ? e : new HostStepError(name, `${host}: ${name}: ${msg}`);
  } finally {
    summary.steps.push({ step: name, ms: Date.now() - start });
  }
}

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
  return lines.slice(-8).join('\n');
}

export class HostDeploy {
  readonly name: string;
  readonly summary: HostSummary;
  private session: SshSession | undefined;
  private deployPath = '';
  private previous: { dir: string; manifest?: ReleaseManifest } | undefined;
  private releaseDir = '';
  private switched = false;

  constructor(
    private readonly plan: DeployPlan,
    readonly address: HostAddress,
    private readonly log: DeployLog,
  ) {
    this.name = formatHost(address);
    this.summary = { host: this.name, status: 'pending', steps: [] };
  }

  private step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return timedStep(this.summary, this.name, name, fn);
  }

  private connect(): Promise<SshSession> {
    return openHostSession(this.plan, this.address);
  }

  private get s(): SshSession {
    if (!this.session) throw new Error('not connected');
    return this.session;
  }

  private exec(command: string, label: string, opts: { stdin?: Buffer; timeoutMs?: number; okCodes?: number[] } = {}) {
    return this.s.exec(command, { label, timeoutMs: opts.timeoutMs ?? this.plan.commandTimeoutMs, ...opts });
  }

  private abs(...parts: string[]): string {
    return remoteJoin(this.deployPath, ...parts);
  }

  async deploy(local: LocalImage, docker: LocalDocker): Promise<void> {
    const { plan, log } = this;
    this.session = await this.step('connect', () => this.connect());
    log.info(`${this.name}: connected as ${plan.user}, host key verified`);

    await this.step('preflight', () => this.preflight());
    const prevVersion = this.previous?.manifest?.version ?? this.previous?.dir;
    if (prevVersion) this.summary.previousVersion = prevVersion;
    log.info(`${this.name}: deploy path ${this.deployPath}, current release ${prevVersion ?? '(none)'}`);

    const delivery = await this.step('image', () => deliverImage(plan, local, this.s, docker));
    this.summary.imageDelivery = delivery;
    log.info(
      `${this.name}: image ${plan.image.targetRefs[0]} ${delivery === 'already-present' ? 'already present, tagged' : delivery}`,
    );

    await this.step('upload', () => this.stage(local));
    log.info(`${this.name}: uploaded ${plan.files.length} files to releases/${this.releaseDir}`);

    await this.step('secrets', () => this.writeSecrets());
    if (plan.secrets.length) {
      log.info(
        `${this.name}: wrote ${plan.secrets.length} secret file(s), 0400, owner ${plan.runtimeUser.uid}:${plan.runtimeUser.gid}`,
      );
    }

    await this.step('switch', () => this.exec(switchCurrentScript(this.deployPath, this.releaseDir), 'switch current'));
    this.switched = true;
    log.info(`${this.name}: current -> releases/${this.releaseDir}`);

    await this.step('up', () => this.up(this.releaseDir, plan.composeFiles, plan.projectName));
    log.info(`${this.name}: ${plan.projectName} is up and healthy at ${plan.version.version}`);

    await this.step('prune', () => this.prune()).catch((e: Error) =>
      log.warning(`${this.name}: pruning old releases failed: ${e.message}`),
    );
    this.summary.status = 'deployed';
  }

  private async preflight(): Promise<void> {
    const p = shQuote(this.plan.deployPath);
    const script = [
      'set -eu',
      `docker version --format '{{.Server.Version}}' >/dev/null || { echo "the deploy user cannot use docker (add it to the docker group)" >&2; exit 10; }`,
      `docker compose version >/dev/null 2>&1 || { echo "docker compose v2 is not installed on the host" >&2; exit 11; }`,
      `mkdir -p ${p}/releases 2>/dev/null && [ -w ${p}/releases ] || { echo "deploy-path ${this.plan.deployPath.replace(/["`$\\]/g, '')} is not writable by $(id -un): create it and chown it to that user" >&2; exit 12; }`,
      `cd ${p}`,
      'echo "path=$(pwd -P)"',
      'if [ -L current ]; then t=$(readlink current); echo "current=$t"; cat "$t/' +
        MANIFEST +
        '" 2>/dev/null | tr -d "\\n" | sed "s/^/manifest=/"; echo; fi',
    ].join('\n');
    const out = await this.exec(script, 'preflight', { timeoutMs: 60_000 });
    const kv = new Map(
      out.stdout
        .split('\n')
        .filter((l) => l.includes('='))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as [string, string]),
    );
    this.deployPath = kv.get('path') ?? this.plan.deployPath;
    const current = kv.get('current');
    if (current) {
      const dir = current.replace(/^.*releases\//, '').replace(/\/$/, '');
      let manifest: ReleaseManifest | undefined;
      try {
        manifest = kv.get('manifest') ? (JSON.parse(kv.get('manifest')!) as ReleaseManifest) : undefined;
      } catch {
        manifest = undefined;
      }
      this.previous = { dir, ...(manifest ? { manifest } : {}) };
    }
  }

  private async stage(local: LocalImage): Promise<void> {
    const { plan } = this;
    // A re-run of the live version stages beside it, so the running release is never overwritten.
    this.releaseDir =
      this.previous?.dir === plan.version.version ? `${plan.version.version}.r${Date.now()}` : plan.version.version;
    const rel = this.abs('releases', this.releaseDir);
    await this.exec(`rm -rf ${shQuote(rel)} && mkdir -m 0700 ${shQuote(rel)}`, 'create release directory');
    for (const f of plan.files) {
      await this.exec(writeFileScript(remoteJoin(rel, f.relativePath), f.mode), `upload ${f.relativePath}`, {
        stdin: frame(f.content),
      });
    }
    const manifest: ReleaseManifest = {
      version: plan.version.version,
      project: plan.projectName,
      composeFiles: plan.composeFiles,
      image: `${plan.image.targetRefs[0]} ${local.id}`,
      deployedAt: new Date().toISOString(),
    };
    await this.exec(writeFileScript(remoteJoin(rel, MANIFEST), '0644'), 'write manifest', {
      stdin: frame(Buffer.from(JSON.stringify(manifest))),
    });
  }

  private async writeSecrets(): Promise<void> {
    const { plan } = this;
    const rel = this.abs('releases', this.releaseDir);
    const { uid, gid } = plan.runtimeUser;
    for (const secret of plan.secrets) {
      const script = writeSecretScript({
        absPath: remoteJoin(rel, secret.relativePath),
        uid,
        gid,
        owner: plan.secretOwner,
        image: plan.image.targetRefs[0]!,
      });
      try {
        await this.exec(script, `write secret ${secret.name}`, { stdin: frame(secret.value), timeoutMs: 120_000 });
      } catch (e) {
        throw new HostStepError('secrets', `${this.name}: secret ${secret.name}: ${this.explainSecretFailure(e)}`);
      }
    }
  }

  private explainSecretFailure(e: unknown): string {
    const err = e as SshError;
    const stderr = (err.stderr ?? '').trim().split('\n').slice(-5).join('\n');
    const owner = `${this.plan.runtimeUser.uid}:${this.plan.runtimeUser.gid}`;
    const wayOut =
      'Ways out: let the deploy user run docker (the docker group) so the engine sets the owner (secret-owner: engine or auto), ' +
      'or deploy as a user allowed to chown (root). The file was removed; nothing was left readable.';
    switch (err.exitCode) {
      case SECRET_EXIT.chownDenied:
        return `the deploy user ${this.plan.user} may not chown the file to ${owner} (secret-owner: chown). ${wayOut}\n${stderr}`;
      case SECRET_EXIT.engineFailed:
        return `the deploy user ${this.plan.user} may not chown the file to ${owner}, and the engine could not either (docker run … chown with ${this.plan.image.targetRefs[0]}). ${wayOut}\n${stderr}`;
      case SECRET_EXIT.ownerWrong:
        return `chown did not take effect (${stderr}). A user-namespaced or rootless engine maps root elsewhere; deploy as a user allowed to chown.`;
      default:
        return err.message;
    }
  }

  private async up(releaseDir: string, composeFiles: readonly string[], project: string): Promise<void> {
    const { plan } = this;
    const timeout = plan.healthTimeoutSeconds;
    try {
      await this.exec(
        composeUpScript(this.abs('releases', releaseDir), project, composeFiles, timeout),
        'docker compose up --wait',
        {
          timeoutMs: (timeout + 60) * 1000,
        },
      );
    } catch (e) {
      const err = e as SshError;
      if (err.kind === 'connection-lost' || !this.session || this.session.closed) throw e;
      const reason =
        err.exitCode === 124
          ? `the services were not healthy within health-timeout (${timeout}s)`
          : `docker compose up failed: ${composeErrorLines(err.stderr ?? err.message)}`;
      const detail = await describeFailure(this.s, project);
      throw new HostStepError('up', `${this.name}: ${reason}\n${detail}`);
    }
  }

  private async prune(): Promise<void> {
    const keep = this.plan.keepReleases;
    const protect = [this.releaseDir, this.previous?.dir].filter(Boolean) as string[];
    const script = [
      'set -eu',
      `cd ${shQuote(this.abs('releases'))}`,
      // Newest first; drop the protected ones, then everything past `keep`.
      `ls -1t | grep -vxF ${protect.map((p) => `-e ${shQuote(p)}`).join(' ')} | tail -n +${Math.max(keep - protect.length, 0) + 1} | while IFS= read -r d; do rm -rf -- "$d"; done`,
    ].join('\n');
    await this.exec(script, 'prune releases', { timeoutMs: 120_000 });
  }

  /** Bring this host back to the release it ran before (or stop the new one if there was none). */
  async rollback(): Promise<RollbackOutcome> {
    const outcome = await this.doRollback().catch(
      (e: Error): RollbackOutcome => ({ status: 'failed', detail: e.message }),
    );
    this.summary.rollback = outcome;
    if (this.summary.status === 'deployed' || this.summary.status === 'pending') this.summary.status = 'failed';
    if (outcome.status === 'rolled-back' || outcome.status === 'stopped') this.summary.status = 'rolled-back';
    if (outcome.status === 'not-needed') this.summary.status = 'unchanged';
    if (outcome.status === 'failed') this.summary.status = 'rollback-failed';
    return outcome;
  }

  private async doRollback(): Promise<RollbackOutcome> {
    if (!this.switched) {
      // `current` never moved: the previous release kept running. Drop the staged release if we still can.
      if (this.session && !this.session.closed && this.releaseDir && this.releaseDir !== this.previous?.dir) {
        await this.exec(`rm -rf ${shQuote(this.abs('releases', this.releaseDir))}`, 'remove staged release').catch(
          () => undefined,
        );
      }
      return { status: 'not-needed', detail: 'current was not switched; the previous release kept running' };
    }
    if (!this.session || this.session.closed) {
      this.log.info(`${this.name}: reconnecting to roll back`);
      this.session = await this.step('reconnect', () => this.connect());
    }
    const start = Date.now();
    try {
      if (!this.previous) {
        await this.exec(
          composeDownScript(this.abs('releases', this.releaseDir), this.plan.projectName, this.plan.composeFiles),
          'docker compose down',
        );
        await this.exec(`rm -f ${shQuote(this.abs('current'))}`, 'remove current');
        return { status: 'stopped', detail: 'there was no previous release; the new one was stopped' };
      }
      const prev = this.previous;
      const files = prev.manifest?.composeFiles;
      if (!files) throw new Error(`releases/${prev.dir} has no ${MANIFEST}; bring it up by hand`);
      await this.exec(switchCurrentScript(this.deployPath, prev.dir), 'switch current back');
      await this.up(prev.dir, files, prev.manifest?.project ?? this.plan.projectName);
      return { status: 'rolled-back', toVersion: prev.manifest?.version ?? prev.dir };
    } finally {
      this.summary.steps.push({ step: 'rollback', ms: Date.now() - start });
    }
  }

  close(): void {
    this.session?.close();
  }
}
