/**
 * Every rule id the action can raise, in catalog order (the order of docs/rules.md and SARIF). A finding, an error
 * and a rule's metadata name their rule by `RuleId`, so a typo does not compile; tests/unit/rule-catalog.test.ts
 * proves each id has exactly one rule.
 */
export const RULE_IDS = [
  'DA-DF-001',
  'DA-DF-002',
  'DA-DF-003',
  'DA-DF-004',
  'DA-DF-005',
  'DA-IMG-001',
  'DA-IMG-002',
  'DA-IMG-003',
  'DA-IMG-004',
  'DA-CMP-001',
  'DA-CMP-002',
  'DA-CMP-003',
  'DA-CMP-004',
  'DA-CMP-005',
  'DA-CMP-006',
  'DA-CMP-007',
  'DA-CMP-008',
  'DA-CMP-009',
  'DA-CMP-010',
  'DA-CMP-011',
  'DA-CMP-012',
  'DA-CMP-020',
  'DA-CMP-021',
  'DA-CMP-022',
  'DA-CMP-023',
  'DA-CMP-024',
  'DA-CMP-025',
  'DA-CMP-026',
  'DA-CMP-027',
  'DA-CMP-028',
  'DA-CMP-029',
  'DA-CMP-030',
  'DA-CMP-031',
  'DA-CMP-032',
  'DA-CMP-033',
  'DA-CMP-034',
  'DA-CMP-035',
  'DA-CMP-036',
  'DA-CMP-037',
  'DA-CMP-038',
  'DA-CMP-039',
  'DA-CMP-040',
  'DA-CMP-041',
  'DA-CMP-042',
  'DA-CMP-043',
  'DA-CMP-044',
  'DA-CMP-045',
  'DA-CMP-046',
  'DA-CMP-047',
  'DA-CMP-048',
  'DA-CMP-049',
  'DA-CMP-050',
  'DA-CMP-051',
  'DA-CMP-052',
  'DA-DEP-001',
  'DA-DEP-002',
  'DA-DEP-003',
  'DA-INP-001',
  'DA-INP-002',
  'DA-INP-003',
  'DA-INP-004',
  'DA-INP-005',
  'DA-INP-006',
  'DA-INP-007',
  'DA-INP-008',
  'DA-CFG-001',
  'DA-CFG-002',
] as const;

export type RuleId = (typeof RULE_IDS)[number];

/** Rules read from the Dockerfile text. */
export type DockerfileRuleId = Extract<RuleId, `DA-DF-${string}`>;
/** Proofs from the built image. */
export type ImageRuleId = Extract<RuleId, `DA-IMG-${string}`>;
/** The compose loader's input errors and the prod rules of the merged model. */
export type ComposeRuleId = Extract<RuleId, `DA-CMP-${string}`>;
