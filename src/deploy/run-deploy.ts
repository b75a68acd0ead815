/**
 * The deploy: tag the checked image on the runner (and push it for registry delivery), then hand the release to the
 * target the plan names (`compose`: each host in turn; `swarm`: a stack through one manager). On failure the target
 * restores what ran before and the error says where the fleet stands.
 */
import { prepareLocalImage, type LocalImage } from './deliver-image.js';
import { openHostSession } from './connect.js';
import { LocalDocker } from './local-docker.js';
import type { DeployPlan } from './plan.js';
import type { DeployLog } from './release/steps.js';
import { DeployFailedError, type DeploySummary } from './summary.js';
import { ComposeTarget } from './targets/compose.js';
import { SwarmTarget } from './targets/swarm.js';
import type { DeployTarget } from './targets/target.js';
import { hostText } from '../util/host-text.js';

export type { DeployLog } from './release/steps.js';

export function targetFor(plan: DeployPlan, log: DeployLog): DeployTarget {
  const connect = (address: Parameters<typeof openHostSession>[1]) => openHostSession(plan, address);
  return plan.target === 'swarm' ? new SwarmTarget(plan, log, connect) : new ComposeTarget(plan, log, connect);
}

/**
 * Every line the deploy logs may quote a host (a version, stderr, docker output): each passes `hostText` on the
 * way out, whichever message forgot to, so a host can never issue a workflow command through the log.
 */
export function inertLog(log: DeployLog): DeployLog {
  return {
    info: (m) => log.info(hostText(m)),
    warning: (m) => log.warning(hostText(m)),
    startGroup: (n) => log.startGroup(hostText(n)),
    endGroup: () => log.endGroup(),
  };
}

export async function runDeploy(plan: DeployPlan, givenLog: DeployLog): Promise<DeploySummary> {
  const started = Date.now();
  const log = inertLog(givenLog);
  const docker = new LocalDocker(plan.secretEnvVars);
  const target = targetFor(plan, log);
  const summary: DeploySummary = {
    ok: false,
    version: plan.version.version,
    imageRefs: plan.image.targetRefs,
    hosts: target.hosts,
    deployedHosts: [],
    elapsedMs: 0,
    ...(plan.url ? { url: plan.url } : {}),
  };
  for (const w of plan.warnings) log.warning(w);

  let failure: string | undefined;
  try {
    let local: LocalImage;
    log.startGroup(`Deploy ${plan.version.version}: image`);
    try {
      local = await prepareLocalImage(plan, docker);
      summary.imageId = local.id;
      if (local.digest) summary.imageDigest = local.digest;
      log.info(
        `image ${local.id} tagged ${plan.image.targetRefs.join(', ')}${plan.image.delivery === 'registry' ? ' and pushed' : ''}`,
      );
    } finally {
      log.endGroup();
    }
    await target.deploy(local, docker);
  } catch (e) {
    failure = e instanceof Error ? e.message : String(e);
  }

  // recover() words its own failures; anything it throws still leaves the summary and the error to report.
  const tail =
    failure !== undefined
      ? await target.recover().catch((e: unknown) => `Rollback did not finish: ${(e as Error).message ?? e}`)
      : '';
  target.close();

  const previous = target.previousVersion();
  if (previous !== undefined) summary.previousVersion = previous;
  summary.elapsedMs = Date.now() - started;
  summary.finishedAt = new Date().toISOString();
  if (failure === undefined) {
    summary.ok = true;
    summary.deployedHosts = summary.hosts.map((h) => h.host);
    return summary;
  }
  summary.error = hostText(`Deploy of ${plan.version.version} failed: ${failure}\n${tail}`);
  throw new DeployFailedError(summary.error, summary);
}
