/** `mode: rollback` from the action: the deploy inputs (masked), the rollback plan, its outputs and job summary. */
import { buildRollbackPlan } from '../deploy/rollback-plan.js';
import { runRollback } from '../deploy/run-rollback.js';
import { DeployFailedError, type DeploySummary } from '../deploy/summary.js';
import { coreLog, publish, readDeployInputs } from './deploy-adapter.js';

export async function runRollbackMode(): Promise<DeploySummary> {
  const plan = buildRollbackPlan(readDeployInputs());
  try {
    const summary = await runRollback(plan, coreLog);
    await publish(summary);
    return summary;
  } catch (e) {
    if (e instanceof DeployFailedError) await publish(e.summary);
    throw e;
  }
}
