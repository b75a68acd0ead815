/**
 * The `compose` target: each host in turn runs the release with `docker compose up --wait` (see HostDeploy). At the
 * first failure that host is rolled back, then the hosts already updated (newest first), so the fleet ends on one
 * release.
 */
import type { LocalImage } from '../deliver-image.js';
import type { LocalDocker } from '../local-docker.js';
import type { DeployPlan } from '../plan.js';
import { systemClock, type Clock } from '../release/poll.js';
import { logRollback, type DeployLog } from '../release/steps.js';
import { HostDeploy, type HostConnector } from './compose-host.js';
import type { HostSummary } from '../summary.js';
import type { DeployTarget } from './target.js';

export class ComposeTarget implements DeployTarget {
  private readonly all: HostDeploy[];
  private readonly done: HostDeploy[] = [];
  private failed: HostDeploy | undefined;

  constructor(
    private readonly plan: DeployPlan,
    private readonly log: DeployLog,
    connect: HostConnector,
    clock: Clock = systemClock,
  ) {
    this.all = plan.hosts.map((h) => new HostDeploy(plan, h, log, connect, clock));
  }

  get hosts(): HostSummary[] {
    return this.all.map((h) => h.summary);
  }

  async deploy(local: LocalImage, docker: LocalDocker): Promise<void> {
    for (const host of this.all) {
      this.log.startGroup(`Deploy ${this.plan.version.version} to ${host.name}`);
      try {
        await host.deploy(local, docker);
        this.done.push(host);
      } catch (e) {
        this.failed = host;
        this.log.warning(e instanceof Error ? e.message : String(e));
        throw e;
      } finally {
        this.log.endGroup();
      }
    }
  }

  async recover(): Promise<string> {
    this.log.startGroup('Rollback');
    try {
      for (const host of [...(this.failed ? [this.failed] : []), ...[...this.done].reverse()]) {
        logRollback(this.log, host.name, await host.rollback());
      }
    } finally {
      this.log.endGroup();
    }
    const hosts = this.hosts;
    for (const h of hosts) if (h.status === 'pending') h.status = 'unchanged';
    const rolled = hosts.filter((h) => h.rollback && h.rollback.status !== 'not-needed');
    const bad = hosts.filter((h) => h.status === 'rollback-failed');
    if (bad.length > 0) return `Rollback FAILED on ${bad.map((h) => h.host).join(', ')}: check these hosts by hand.`;
    if (rolled.length > 0) {
      return `Rolled back: ${rolled.map((h) => `${h.host} (${h.rollback!.status}${h.rollback!.toVersion ? ` to ${h.rollback!.toVersion}` : ''})`).join(', ')}.`;
    }
    return 'No host was switched to the new release.';
  }

  previousVersion(): string | undefined {
    return this.all[0]?.summary.previousVersion;
  }

  close(): void {
    for (const h of this.all) h.close();
  }
}
