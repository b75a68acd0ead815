import type { RuleId } from './rule-ids.js';

export type { RuleId };

/** How a finding is reported; users re-rate rules in the config file. */
export type Severity = 'error' | 'warning' | 'notice';

/**
 * What the catalog says of a rule: docs/rules.md, SARIF rule metadata and annotations read it. Rules with a check
 * carry it as their module's `meta`; rules raised as errors are this data alone.
 */
export interface Rule<Id extends RuleId = RuleId> {
  /** Stable id, e.g. `DA-IMG-001`; users ignore or re-rate rules by it. */
  id: Id;
  /** Short kebab-case name shown next to the id. */
  name: string;
  severity: Severity;
  /** Which part of the pipeline raises it. */
  area: 'input' | 'dockerfile' | 'image' | 'compose' | 'deploy';
  /** One sentence: what the rule demands. */
  summary: string;
  /** Why it matters, for the rule catalog. */
  rationale: string;
  /** How to fix a finding. */
  fix: string;
  /** Text rules this proof replaces at the same line (the image proof outranks reading the Dockerfile). */
  supersedes?: readonly RuleId[];
}

/** A typed table of rules raised as errors; `ruleIn` looks one up by id. */
export function defineRules<Id extends RuleId>(rules: readonly Rule<Id>[]): readonly Rule<Id>[] {
  return rules;
}

/** The rule of `id` in `rules`; the id's type keeps it to ids the table holds. */
export function ruleIn<Id extends RuleId>(rules: readonly Rule<Id>[], id: NoInfer<Id>): Rule<Id> {
  const rule = rules.find((r) => r.id === id);
  if (!rule) throw new Error(`rule ${id} is not in its table`);
  return rule;
}
