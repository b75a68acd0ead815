/**
 * The deploy: tag the checked image, then each host in turn. At the first failure that host is rolled back, then
 * the hosts already updated (newest first), so the fleet ends on one release.
 */
import { prepareLocalImage, type LocalImage } from './deliver-image.js';
import { HostDeploy, type DeployLog } from './host-deploy.js';
import { LocalDocker } from './local-docker.js';
import type { DeployPlan } from './plan.js';
import { DeployFailedError, type DeploySummary } from './summary.js';

export type { DeployLog } from './host-deploy.js';

export async function runDeploy(plan: DeployPlan, log: DeployLog): Promise<DeploySummary> {
  const started = Date.now();
  const docker = new LocalDocker(plan.secretEnvVars);
  const hosts = plan.hosts.map((h) => new HostDeploy(plan, h, log));
  const summary: DeploySummary = {
    ok: false,
    version: plan.version.version,
    imageRefs: plan.image.targetRefs,
    hosts: hosts.map((h) => h.summary),
    deployedHosts: [],
    elapsedMs: 0,
  };
  for (const w of plan.warnings) log.warning(w);

  const done: HostDeploy[] = [];
  let failure: { host?: HostDeploy; message: string } | undefined;
  try {
    let local: LocalImage;
    log.startGroup(`Deploy ${plan.version.version}: image`);
    try {
      local = await prepareLocalImage(plan, docker);
      summary.imageId = local.id;
      if (local.digest) summary.imageDigest = local.digest;
      log.info(`image ${local.id} tagged ${plan.image.targetRefs.join(', ')}${plan.image.delivery === 'registry' ? ' and pushed' : ''}`);
    } finally {
      log.endGroup();
    }

    for (const host of hosts) {
      log.startGroup(`Deploy ${plan.version.version} to ${host.name}`);
      try {
        await host.deploy(local, docker);
        done.push(host);
      } catch (e) {
        failure = { host, message: e instanceof Error ? e.message : String(e) };
        log.warning(failure.message);
      } finally {
        log.endGroup();
      }
      if (failure) break;
    }
  } catch (e) {
    failure ??= { message: e instanceof Error ? e.message : String(e) };
  }

  if (failure) {
    log.startGroup('Rollback');
    try {
      for (const host of [...(failure.host ? [failure.host] : []), ...done.reverse()]) {
        const r = await host.rollback();
        const to = r.toVersion ? ` to ${r.toVersion}` : '';
        const line = `${host.name}: rollback ${r.status}${to}${r.detail ? `: ${r.detail}` : ''}`;
        if (r.status === 'failed') log.warning(line);
        else log.info(line);
      }
    } finally {
      log.endGroup();
    }
  }
  for (const h of hosts) h.close();

  summary.previousVersion = hosts[0]?.summary.previousVersion;
  if (summary.previousVersion === undefined) delete summary.previousVersion;
  summary.elapsedMs = Date.now() - started;
  if (!failure) {
    summary.ok = true;
    summary.deployedHosts = hosts.map((h) => h.name);
    return summary;
  }
  for (const h of hosts) if (h.summary.status === 'pending') h.summary.status = 'unchanged';
  const rolled = hosts.filter((h) => h.summary.rollback && h.summary.rollback.status !== 'not-needed');
  const bad = hosts.filter((h) => h.summary.status === 'rollback-failed');
  const tail =
    bad.length > 0
      ? `Rollback FAILED on ${bad.map((h) => h.name).join(', ')}: check these hosts by hand.`
      : rolled.length > 0
        ? `Rolled back: ${rolled.map((h) => `${h.name} (${h.summary.rollback!.status}${h.summary.rollback!.toVersion ? ` to ${h.summary.rollback!.toVersion}` : ''})`).join(', ')}.`
        : 'No host was switched to the new release.';
  summary.error = `Deploy of ${plan.version.version} failed: ${failure.message}\n${tail}`;
  throw new DeployFailedError(summary.error, summary);
}
