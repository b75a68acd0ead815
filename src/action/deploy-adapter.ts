/** The thin layer between the deploy and @actions/core: masking, outputs, the job summary, the log groups. */
import * as core from '@actions/core';
import { buildDeployPlan, valuesToMask, type DeploySource } from '../deploy/plan.js';
import { runDeploy, type DeployLog } from '../deploy/run-deploy.js';
import {
  DeployFailedError,
  deployOutputs,
  formatDeploySummary,
  imageOutputs,
  type DeploySummary,
} from '../deploy/summary.js';
import { parseDeployInputs, type DeployInputs } from '../deploy/inputs.js';
import { scrubFromChildEnv } from '../process/child-env.js';
import { UserFacingError } from '../findings/finding.js';
import { runPlan } from '../deploy/plan-mode/run-plan.js';
import { formatPlanMarkdown } from '../deploy/plan-mode/format.js';

export const coreLog: DeployLog = {
  info: (m) => core.info(m),
  warning: (m) => core.warning(m),
  startGroup: (n) => core.startGroup(n),
  endGroup: () => core.endGroup(),
};

/**
 * Parses the deploy inputs, masks every secret value and keeps the secrets' variables out of every child process.
 * Called before the check runs, so nothing printed after this point can show a value, no build or git run inherits
 * one, and bad deploy inputs fail before any build.
 */
export function readDeployInputs(env: NodeJS.ProcessEnv = process.env): DeployInputs {
  const inputs = parseDeployInputs((name) => core.getInput(name), env);
  for (const v of valuesToMask(inputs)) core.setSecret(v);
  scrubFromChildEnv(inputs.secrets.map((s) => s.envVar));
  return inputs;
}

/** Plans (validation happens before any connection), deploys, sets the outputs and the job summary. Throws on failure, after writing them. */
export async function deployFromAction(inputs: DeployInputs, source: DeploySource): Promise<DeploySummary> {
  const plan = buildDeployPlan(inputs, source);
  let summary: DeploySummary;
  try {
    summary = await runDeploy(plan, coreLog);
  } catch (e) {
    if (e instanceof DeployFailedError) await publish(e.summary);
    throw e;
  }
  await publish(summary);
  return summary;
}

export async function publish(summary: DeploySummary): Promise<void> {
  for (const [k, v] of Object.entries({ ...deployOutputs(summary), ...imageOutputs(summary) })) core.setOutput(k, v);
  if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(formatDeploySummary(summary)).write();
}

/**
 * `mode: plan`: the deploy plan (a preview runs on any event, so the tag rule does not apply), each host read and
 * planned, the markdown in the job summary. Returns the markdown (for the PR comment) and the hosts that could not
 * be planned.
 */
export async function planFromAction(
  inputs: DeployInputs,
  source: DeploySource,
): Promise<{ markdown: string; failed: string[] }> {
  const plan = buildDeployPlan({ ...inputs, allowNonTag: true }, source);
  const fleet = await runPlan(plan, coreLog);
  const markdown = formatPlanMarkdown(fleet);
  if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(markdown).write();
  return { markdown, failed: fleet.hosts.filter((h) => h.error).map((h) => `${h.host} (${h.error})`) };
}

/** The step fails after the plan is reported when a host could not be planned. */
export function planFailure(failed: readonly string[]): UserFacingError | undefined {
  if (!failed.length) return undefined;
  return new UserFacingError(`Plan incomplete: could not plan ${failed.join('; ')}`, 'DA-DEP-002');
}
