/**
 * The plan of `mode: rollback`: only what connecting, the deploy lock and a health-gated `up` (or `docker stack
 * deploy`) need. No build, no image, no files: each host, or the Swarm stack, goes back to a release it already
 * holds. Validated before any connection.
 */
import type { DeployInputs } from './inputs.js';
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
  | 'target'
> & {
  /** What the deploy lock's holder record names. */
  version: { version: string };
  /** Swarm: how the release's image reached the nodes (ssh: it must still be on the manager), and the login. */
  image: Pick<DeployPlan['image'], 'delivery' | 'registry'>;
  /** Swarm: the `project-name` input, when given; the stack must be the one the live release names. */
  stack?: string;
};

export function buildRollbackPlan(inputs: DeployInputs): RollbackPlan {
  return {
    target: inputs.deployTarget,
    ...connectionPlan(inputs),
    image: { delivery: inputs.imageDelivery, ...(inputs.registry ? { registry: inputs.registry } : {}) },
    ...(inputs.deployTarget === 'swarm' && inputs.projectName ? { stack: inputs.projectName } : {}),
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
