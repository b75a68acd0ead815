/**
 * `mode: rollback` of a Swarm stack through its one manager: connect, take the deploy lock of deploy-path, read the
 * live release (`current`) and pick the previous one as the compose rollback does (`pickPrevious`). Before anything
 * changes: its stack file must read, the secrets it names must still exist, and (image-delivery ssh) its image must
 * still be on the manager. Then `docker stack deploy` of that release's own stack file (no build, no image, no new
 * render), health-gated by the deploy's converge, and only then `current` is switched. When it does not converge, the
 * live release's stack file is deployed again (and converged) and the rollback fails.
 */
import { formatHost, type HostAddress } from '../host-address.js';
import type { ReleaseManifest } from '../release/manifest.js';
import type { Clock } from '../release/poll.js';
import { pickPrevious, readHostReleases } from '../release/previous.js';
import { Release } from '../release/release.js';
import { HostStepError, StepTimer, type DeployLog } from '../release/steps.js';
import type { RollbackPlan } from '../rollback-plan.js';
import { exitName, parseRecords, remoteJoin, type RemoteScript } from '../remote/script.js';
import { imageProbeScript } from '../remote/scripts/image.js';
import { swarmPreflightScript } from '../remote/scripts/preflight.js';
import { listReleaseManifestsScript } from '../remote/scripts/rollback.js';
import { secretListScript, stackDeployScript } from '../remote/scripts/swarm.js';
import { releaseStackFilesScript } from '../remote/scripts/swarm-releases.js';
import type { HeldScript, RemoteShell, SshError } from '../remote/shell.js';
import { readReleaseStack, readReleaseStackFiles, type ReleaseStack } from '../stack-release.js';
import { recordSwitchedBack, type HostSummary } from '../summary.js';
import { readSwarmPreflight, sshDeliveryMisfit, type SwarmPreflight } from '../swarm-state.js';
import { hostText } from '../../util/host-text.js';
import type { HostConnector } from './compose-host.js';
import { takeDeployLock } from './host-lock.js';
import { stackState, type SwarmStackContext } from './swarm-context.js';
import { converge } from './swarm-converge.js';

/** A release on the manager, read back: its directory, manifest, stack file and the image its pinned services run. */
interface Placed {
  dir: string;
  manifest: ReleaseManifest;
  stackFile: string;
  stack: ReleaseStack;
  image: string;
}

/** A refusal before anything changed: the message is the whole story (a HostStepError, so the step keeps it as is). */
class Refused extends HostStepError {
  constructor(message: string) {
    super('preflight', message);
  }
}

/** A script's own message (its last stderr line) for an exit in its table; otherwise the error as it came. */
function scriptMessage(e: unknown, script: Pick<RemoteScript, 'exits'>): Error {
  const err = e as SshError;
  if (exitName(script, err.exitCode)) return new Error(hostText((err.stderr ?? '').trim().split('\n').slice(-1)[0]!));
  return e as Error;
}

export class SwarmRollback implements SwarmStackContext {
  readonly name: string;
  readonly summary: HostSummary;
  /** Learnt from the live release's manifest. */
  readonly swarm = { stack: '' };
  private readonly steps: StepTimer;
  private session: RemoteShell | undefined;
  private lock: HeldScript | undefined;
  private pre: SwarmPreflight | undefined;
  /** The release that ran when the rollback started, and the one it goes back to. */
  private from: Placed | undefined;
  private to: Placed | undefined;
  private switched = false;

  constructor(
    readonly plan: RollbackPlan,
    readonly address: HostAddress,
    readonly log: DeployLog,
    private readonly connect: HostConnector,
    readonly clock: Clock,
  ) {
    this.name = formatHost(address);
    this.summary = { host: this.name, status: 'pending', steps: [] };
    this.steps = new StepTimer(this.summary, clock);
  }

  shell(): RemoteShell {
    if (!this.session) throw new Error('not connected');
    return this.session;
  }

  /** The version the stack runs at the end (after success), for the `version` output. */
  get toVersion(): string | undefined {
    return this.summary.status === 'rolled-back' ? this.to?.manifest.version : undefined;
  }

  async run(): Promise<void> {
    const { plan, log, steps } = this;
    this.session = await steps.run('connect', () => this.connect(this.address));
    log.info(`${this.name}: connected as ${plan.user}, host key verified`);
    this.lock = await steps.run('lock', () => takeDeployLock(this.shell(), plan));
    log.info(`${this.name}: deploy lock on ${plan.deployPath} held`);

    let from: Placed, to: Placed;
    try {
      ({ from, to } = await steps.run('preflight', () => this.survey()));
    } catch (e) {
      this.summary.status = 'failed';
      if (e instanceof Refused) throw new Error(`${this.name}: cannot roll back: ${e.message}; nothing was changed`);
      throw e;
    }
    this.from = from;
    this.to = to;
    this.summary.previousVersion = from.manifest.version;
    log.info(
      `${this.name}: stack ${this.swarm.stack} runs ${from.manifest.version} (releases/${from.dir}); rolling back to ${to.manifest.version} (releases/${to.dir}), image ${to.image || '(none pinned)'}`,
    );

    try {
      await this.deployRelease(to, 'deploy', 'converge');
      await steps.run('switch', () => this.release(to.dir).switchCurrent());
      this.switched = true;
    } catch (e) {
      const why = (e as Error).message;
      log.warning(`${this.name}: ${to.manifest.version} did not converge; deploying ${from.manifest.version} again`);
      await this.putBack(why);
      throw new Error(
        `${this.name}: rollback to ${to.manifest.version} failed: ${why}\nswitched back: the stack ${this.swarm.stack} runs ${from.manifest.version} (releases/${from.dir}) again`,
      );
    }
    this.summary.release = to.dir;
    this.summary.status = 'rolled-back';
    this.summary.rollback = { status: 'rolled-back', toVersion: to.manifest.version };
    log.info(
      `${this.name}: current -> releases/${to.dir}; every task of ${to.stack.pinnedServices.join(', ') || 'the stack'} runs ${to.image || 'its image'} at ${to.manifest.version}`,
    );
  }

  /** Deploys the release that ran again (after this rollback's failure) and points `current` back at it. */
  async putBack(why: string): Promise<void> {
    const from = this.from;
    if (!from || !this.session) return;
    try {
      await this.deployRelease(from, 'switch-back', 'switch-back-converge');
      if (this.switched) await this.release(from.dir).switchCurrent();
      this.switched = false;
    } catch (e) {
      this.summary.status = 'rollback-failed';
      this.summary.rollback = { status: 'failed', detail: (e as Error).message };
      throw new Error(
        `${this.name}: ${why}\ndeploying ${from.manifest.version} again FAILED as well: ${(e as Error).message}; check the stack ${this.swarm.stack} by hand`,
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

  private release(dir: string): Release {
    return new Release(() => this.shell(), this.pre!.path, dir, this.plan.commandTimeoutMs);
  }

  /** Runs a read-only script; a failure in its exit table comes back as the script's own message. */
  private async ask(script: RemoteScript, timeoutMs = 60_000) {
    return this.shell()
      .run(script, { timeoutMs })
      .catch((e: unknown) => {
        throw scriptMessage(e, script);
      });
  }

  /** Reads everything the rollback needs and refuses (`Refused`) what it cannot do; changes nothing. */
  private async survey(): Promise<{ from: Placed; to: Placed }> {
    const { plan } = this;
    const pre = readSwarmPreflight(
      parseRecords((await this.ask(swarmPreflightScript(plan.deployPath))).stdout),
      plan.deployPath,
    );
    this.pre = pre;
    const listed = await this.ask(listReleaseManifestsScript(pre.path), plan.commandTimeoutMs);
    const pick = pickPrevious(pre.live, readHostReleases(parseRecords(listed.stdout)));
    if (!pick.ok) throw new Refused(pick.problem);
    // pickPrevious succeeds only with a live release whose manifest is valid.
    const live = { dir: pre.live!.dir, manifest: pre.live!.manifest! };
    const stack = live.manifest.project;
    if (plan.stack !== undefined && plan.stack !== stack) {
      throw new Refused(
        `the live release (releases/${live.dir}) is of the stack ${stack}, not project-name ${plan.stack}`,
      );
    }
    if (pick.manifest.project !== stack) {
      throw new Refused(`releases/${pick.dir} is of the stack ${pick.manifest.project}, not the live stack ${stack}`);
    }
    this.swarm.stack = stack;
    const from = await this.place(live.dir, live.manifest);
    const to = await this.place(pick.dir, pick.manifest);

    const running = (await stackState(this)).services;
    if (running.length === 0) throw new Refused(`the stack ${stack} runs no service on this manager`);

    const existing = new Set(parseRecords((await this.ask(secretListScript(stack))).stdout).get('secret') ?? []);
    const gone = to.stack.secrets.filter((s) => !existing.has(s));
    if (gone.length) {
      throw new Refused(
        `releases/${to.dir} (${to.manifest.version}) names the secret${gone.length > 1 ? 's' : ''} ${gone.join(', ')}, no longer on the manager ` +
          `(removed by a deploy before deploy-action kept the secrets of kept releases); re-run the deploy of tag ${to.manifest.version} instead`,
      );
    }
    if (plan.image.delivery === 'ssh') {
      const misfit = sshDeliveryMisfit(pre.nodes);
      if (misfit) throw new Refused(misfit);
      await this.checkImageOnManager(to);
    }
    return { from, to };
  }

  /** The release's stack file read back and parsed: a release the swarm target did not write is refused. */
  private async place(dir: string, manifest: ReleaseManifest): Promise<Placed> {
    const [stackFile, ...more] = manifest.composeFiles;
    if (more.length) {
      throw new Refused(
        `releases/${dir} was deployed with deploy-target compose (it names ${manifest.composeFiles.length} compose files), not as a Swarm stack`,
      );
    }
    const listed = await this.ask(releaseStackFilesScript(this.pre!.path, stackFile!));
    const text = readReleaseStackFiles(parseRecords(listed.stdout)).get(dir);
    if (text === undefined) throw new Refused(`releases/${dir} has no stack file ${stackFile}`);
    const image = manifest.image.split(' ')[0] ?? '';
    const reading = readReleaseStack(text, image);
    if (!reading.ok) throw new Refused(`releases/${dir}/${stackFile}: ${reading.problem}`);
    return { dir, manifest, stackFile: stackFile!, stack: reading.stack, image };
  }

  /** Single-node ssh delivery: the release's image tag must still be on the manager, and still the image it ran. */
  private async checkImageOnManager(to: Placed): Promise<void> {
    if (to.image === '') throw new Refused(`releases/${to.dir}: its manifest names no image`);
    const out = await this.shell().run(imageProbeScript(to.image), { timeoutMs: 60_000, okCodes: [1] });
    const id = out.code === 0 ? out.stdout.trim() : '';
    if (id === '') {
      throw new Refused(
        `the image ${to.image} of ${to.manifest.version} is no longer on the manager (removed since); re-run the deploy of tag ${to.manifest.version} instead`,
      );
    }
    const ran = to.manifest.image.split(' ')[1];
    if (ran && ran !== id) {
      throw new Refused(
        `the tag ${to.image} on the manager now names the image ${hostText(id)}, not ${ran} that ${to.manifest.version} ran; re-run the deploy of tag ${to.manifest.version} instead`,
      );
    }
  }

  /** `docker stack deploy` of the release's own stack file, then the deploy's converge on its image. */
  private async deployRelease(p: Placed, deployStep: string, convergeStep: string): Promise<void> {
    const { plan } = this;
    const reg = plan.image.delivery === 'registry' ? plan.image.registry : undefined;
    const startedBefore = await this.steps.run(deployStep, async () => {
      const before = await stackState(this);
      const script = stackDeployScript({
        releaseAbs: remoteJoin(this.pre!.path, 'releases', p.dir),
        stackFile: p.stackFile,
        stack: this.swarm.stack,
        timeoutSeconds: plan.healthTimeoutSeconds,
        detachFlag: this.pre!.detachFlag,
        ...(reg ? { registry: { server: reg.server, ...(reg.username ? { username: reg.username } : {}) } } : {}),
      });
      await this.shell().run(script, {
        timeoutMs: (plan.healthTimeoutSeconds + 60) * 1000,
        ...(reg?.password && reg.username ? { stdin: Buffer.from(reg.password) } : {}),
      });
      return new Map(before.services.map((s) => [s.Spec.Name, s.UpdateStatus?.StartedAt] as const));
    });
    await this.steps.run(convergeStep, () => converge(this, { stack: p.stack, image: p.image, startedBefore }));
  }
}
