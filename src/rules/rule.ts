/** How a finding is reported; users re-rate rules in the config file. */
export type Severity = 'error' | 'warning' | 'notice';

/** Rules are data: the catalog doc (docs/rules.md), SARIF rule metadata and annotations all read them. */
export interface Rule {
  /** Stable id, e.g. `DA-IMG-001`; users ignore or re-rate rules by it. */
  id: string;
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
  supersedes?: readonly string[];
}

export function defineRules<const T extends readonly Rule[]>(rules: T): T {
  return rules;
}
