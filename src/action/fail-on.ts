import type { Finding } from '../findings/finding.js';
import { countBySeverity } from '../check/check-result.js';
import type { FailOn } from './inputs.js';

/** Does the severity mix fail the step (or the CLI), given `fail-on`? */
export function failsStep(findings: readonly Finding[], failOn: FailOn): boolean {
  const counts = countBySeverity(findings);
  if (failOn === 'never') return false;
  if (failOn === 'warning') return counts.error + counts.warning > 0;
  return counts.error > 0;
}
