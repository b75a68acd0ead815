import type { Rule } from '../rules/rule.js';
import type { Finding, SourceLocation } from './finding.js';

/** A finding at the rule's default severity; user settings may re-rate it later. */
export function findingOf(rule: Rule, message: string, location?: SourceLocation): Finding {
  return { ruleId: rule.id, severity: rule.severity, message, ...(location ? { location } : {}) };
}
