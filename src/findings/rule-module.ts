import type { Rule, RuleId } from '../rules/rule.js';
import type { Finding, SourceLocation } from './finding.js';
import { findingOf } from './make.js';

/** What a check gets to raise a finding: the id and severity come from its own rule, never from the check. */
export type Report<Location> = (message: string, location: Location) => void;

/**
 * One rule, one module: its catalog entry and its check. The runner binds `report` to `meta`, so every finding a
 * check raises carries that rule's id and severity.
 */
export interface RuleModule<Context, Location, Id extends RuleId = RuleId, Done = void> {
  readonly meta: Rule<Id>;
  check(ctx: Context, report: Report<Location>): Done;
}

/** Runs synchronous checks that place findings on the check's files directly (Dockerfile text, image proofs). */
export function runChecks<Context>(rules: readonly RuleModule<Context, SourceLocation>[], ctx: Context): Finding[] {
  const findings: Finding[] = [];
  for (const rule of rules) {
    rule.check(ctx, (message, location) => findings.push(findingOf(rule.meta, message, location)));
  }
  return findings;
}
