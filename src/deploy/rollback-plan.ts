/**
 * The plan of `mode: rollback`: only what connecting, the deploy lock and a health-gated `up` need. No build, no
 * image, no files: each host goes back to a release it already holds. Validated before any connection.
 */
import { DeployInputError, type DeployInputs } from './inputs.js';
import type { DeployPlan } from './plan-model.js';
import { connectionPlan } from './plan.js';
import { planRollout } from './rollout-plan.js';

export type RollbackPlan = Pick<
  DeployPlan,
  | 'hosts'
  | 'user'
  | 'auth'
  | 'knownHosts'
  | 'jumpHost'
  | 'deployPath'
  | 'rollout'
  | 'healthTimeoutSeconds'
  | 'commandTimeoutMs'
  | 'connectTimeoutMs'
  | 'lockTimeoutSeconds'
  | 'runUrl'
  | 'url'
> & {
  /** What the deploy lock's holder record names. */
  version: { version: string };
};

export function buildRollbackPlan(inputs: DeployInputs): RollbackPlan {
  if (inputs.deployTarget !== 'compose') {
    throw new DeployInputError(
      "mode: rollback supports deploy-target compose only; for a Swarm stack run `docker service rollback` on the manager, or re-run the previous tag's deploy",
    );
  }
  return {
    ...connectionPlan(inputs),
    // Without the compose model there is nothing to say which service may run twice: plain `up`, stop-first.
    rollout: planRollout('stop-first', []),
    healthTimeoutSeconds: inputs.healthTimeoutSeconds,
    commandTimeoutMs: inputs.commandTimeoutSeconds * 1000,
    connectTimeoutMs: inputs.connectTimeoutSeconds * 1000,
    lockTimeoutSeconds: inputs.lockTimeoutSeconds,
    runUrl: inputs.runUrl ?? '',
    version: { version: 'rollback' },
    ...(inputs.url ? { url: inputs.url } : {}),
  };
}
