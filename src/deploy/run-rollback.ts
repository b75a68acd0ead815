/**
 * `mode: rollback`: each compose host in turn goes back to its previous release (HostRollback), or the Swarm stack
 * through its one manager (SwarmRollback). At the first host that cannot, the hosts already rolled back are switched
 * forward again (newest first), so the fleet ends on one release, and the run fails naming that host.
 */
import { openHostSession } from './connect.js';
import type { HostAddress } from './host-address.js';
import { systemClock, type Clock } from './release/poll.js';
import type { RollbackPlan } from './rollback-plan.js';
import { inertLog, type DeployLog } from './run-deploy.js';
import { DeployFailedError, type DeploySummary } from './summary.js';
import { HostRollback } from './targets/compose-rollback.js';
import type { HostConnector } from './targets/compose-host.js';
import { SwarmRollback } from './targets/swarm-rollback.js';
import { hostText } from '../util/host-text.js';

/** What the run needs of one host's (or the stack's) rollback. */
type RollbackHost = Pick<HostRollback, 'name' | 'summary' | 'toVersion' | 'run' | 'putBack' | 'close'>;

export async function runRollback(
  plan: RollbackPlan,
  givenLog: DeployLog,
  connect: HostConnector = (a: HostAddress) => openHostSession(plan, a),
  clock: Clock = systemClock,
): Promise<DeploySummary> {
  const started = clock.now();
  const log = inertLog(givenLog);
  const hosts: RollbackHost[] = plan.hosts.map((h) =>
    plan.target === 'swarm'
      ? new SwarmRollback(plan, h, log, connect, clock)
      : new HostRollback(plan, h, log, connect, clock),
  );
  const summary: DeploySummary = {
    ok: false,
    mode: 'rollback',
    version: '',
    imageRefs: [],
    hosts: hosts.map((h) => h.summary),
    deployedHosts: [],
    elapsedMs: 0,
    ...(plan.url ? { url: plan.url } : {}),
  };
  const done: RollbackHost[] = [];
  let failure: string | undefined;
  try {
    for (const host of hosts) {
      log.startGroup(`Rollback on ${host.name}`);
      try {
        await host.run();
        done.push(host);
      } catch (e) {
        failure = e instanceof Error ? e.message : String(e);
        log.warning(failure);
        break;
      } finally {
        log.endGroup();
      }
    }
    if (failure !== undefined && done.length) {
      log.startGroup('Switch forward the hosts already rolled back');
      try {
        for (const h of [...done].reverse()) {
          await h.putBack(`another host could not roll back`).then(
            () => log.info(`${h.name}: switched forward again to ${h.summary.previousVersion}`),
            (e: Error) => {
              failure += `\n${e.message}`;
              log.warning(e.message);
            },
          );
        }
      } finally {
        log.endGroup();
      }
    }
  } finally {
    for (const h of hosts) h.close();
  }
  for (const h of summary.hosts) if (h.status === 'pending') h.status = 'unchanged';
  const first = hosts[0]!;
  summary.version = first.toVersion ?? '';
  if (first.summary.previousVersion) summary.previousVersion = first.summary.previousVersion;
  summary.elapsedMs = clock.now() - started;
  summary.finishedAt = new Date(clock.now()).toISOString();
  if (failure === undefined) {
    summary.ok = true;
    summary.deployedHosts = summary.hosts.map((h) => h.host);
    return summary;
  }
  summary.error = hostText(`Rollback failed: ${failure}`);
  throw new DeployFailedError(summary.error, summary);
}
