/**
 * SARIF `security-severity` (0.0–10.0), which GitHub code scanning turns into Critical (≥ 9.0), High (7.0–8.9),
 * Medium (4.0–6.9) and Low (< 4.0). A rule's catalog severity says whether it fails the step; this says how bad the
 * weakness is if it ships, so the two differ: an unpinned image fails the step but is no host takeover.
 *
 * The score is the default of the rule's catalog severity, overridden per rule below where the impact differs.
 * Rules of the `input` and `deploy` areas (a YAML error, a bad input) are not weaknesses and get no score.
 */
import type { Rule } from '../rules/rule.js';
import type { RuleId, Severity } from '../findings/finding.js';

const BY_SEVERITY: Record<Severity, number> = { error: 7.0, warning: 4.0, notice: 2.0 };

const BY_RULE: Partial<Record<RuleId, number>> = {
  // Critical: root on the host, or a secret readable by whoever pulls the image or clones the repository.
  'DA-CMP-021': 9.5, // docker socket: root on the host
  'DA-CMP-038': 9.5, // privileged: root on the host
  'DA-CMP-041': 9.0, // SYS_ADMIN and the like amount to root on the host
  'DA-CMP-048': 9.0, // host devices
  'DA-IMG-006': 9.0, // a secret file baked into the image
  'DA-DF-004': 9.0, // a secret in ARG/ENV, kept in the image config and history
  'DA-CMP-034': 9.0, // a secret tracked by git, in every clone's history
  'DA-CMP-049': 9.0, // a service with authentication switched off
  // High: root inside the container, host namespaces, secrets one step from leaking.
  'DA-IMG-001': 8.0,
  'DA-DF-002': 8.0,
  'DA-IMG-005': 8.0,
  'DA-DF-007': 8.0,
  'DA-CMP-037': 8.0,
  'DA-CMP-045': 7.5,
  'DA-CMP-040': 8.0,
  'DA-CMP-046': 8.0,
  'DA-CMP-047': 8.0,
  'DA-CMP-039': 7.5,
  'DA-CMP-030': 8.5,
  'DA-CMP-032': 7.5,
  'DA-CMP-033': 7.5,
  'DA-CMP-029': 7.5,
  'DA-IMG-003': 7.0,
  'DA-DF-003': 7.0,
  // Medium: failing hygiene that widens an attack or an outage, not a compromise by itself.
  'DA-DF-001': 5.0,
  'DA-DF-005': 6.0,
  'DA-CMP-020': 5.5,
  'DA-CMP-022': 5.5,
  'DA-CMP-024': 4.0,
  'DA-CMP-025': 5.0,
  'DA-CMP-026': 4.0,
  'DA-CMP-027': 5.0,
  'DA-CMP-028': 6.5,
  'DA-CMP-035': 6.0,
  'DA-CMP-042': 5.5,
  'DA-CMP-050': 6.0,
  'DA-IMG-007': 5.0,
  'DA-IMG-002': 4.0, // an unknown user fails every start: an outage, not a weakness
  // Low: operations more than security.
  'DA-DF-006': 3.0,
  'DA-CMP-043': 2.0,
  'DA-CMP-044': 2.0,
};

/** The rule's score as SARIF wants it (a string with one decimal), or undefined for a rule that is no weakness. */
export function securitySeverity(rule: Pick<Rule, 'id' | 'severity' | 'area'>): string | undefined {
  if (rule.area === 'input' || rule.area === 'deploy') return undefined;
  return (BY_RULE[rule.id] ?? BY_SEVERITY[rule.severity]).toFixed(1);
}

/** Code scanning's band for a score. */
export function securityBand(score: number): 'critical' | 'high' | 'medium' | 'low' {
  return score >= 9 ? 'critical' : score >= 7 ? 'high' : score >= 4 ? 'medium' : 'low';
}
