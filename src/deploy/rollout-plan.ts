/** The `rollout` input applied to the prod services: who starts first, who stops first and why. */
import { DeployInputError, type RolloutMode } from './inputs.js';
import type { DeploySource, RolloutPlan } from './plan-model.js';

export function planRollout(mode: RolloutMode, services: DeploySource['services']): RolloutPlan {
  const all = services ?? [];
  if (mode === 'stop-first') {
    return { mode, startFirst: [], stopFirst: all.map((s) => ({ service: s.name, reason: 'rollout is stop-first' })) };
  }
  const blocked = all.filter((s) => s.rolloutBlocker !== undefined);
  if (mode === 'start-first' && blocked.length) {
    const b = blocked[0]!;
    throw new DeployInputError(
      `rollout: start-first, but service "${b.name}" cannot start beside its old container: ${b.rolloutBlocker}` +
        `${blocked.length > 1 ? ` (and ${blocked.length - 1} more)` : ''}; use \`auto\` to stop such services first`,
    );
  }
  return {
    mode,
    startFirst: all.filter((s) => s.rolloutBlocker === undefined).map((s) => s.name),
    stopFirst: blocked.map((s) => ({ service: s.name, reason: s.rolloutBlocker! })),
  };
}
