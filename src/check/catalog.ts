import { PROD_RULES } from '../compose/rules/prod-rules.js';
import { COMPOSE_INPUT_RULES } from '../rules/compose-input-rules.js';
import { DEPLOY_RULES } from '../rules/deploy-rules.js';
import { INPUT_RULES } from '../rules/input-rules.js';
import type { Rule } from '../rules/rule.js';
import { RULE_IDS, type RuleId } from '../rules/rule-ids.js';
import { DOCKERFILE_RULES } from './dockerfile/rules/dockerfile-rules.js';
import { IMAGE_RULES } from './image/rules/image-rules.js';

/** Every rule with a check (its module's meta) and every rule raised as an error (data), as they are defined. */
export const DEFINED_RULES: readonly Rule[] = [
  ...DOCKERFILE_RULES.map((r) => r.meta),
  ...IMAGE_RULES.map((r) => r.meta),
  ...PROD_RULES.map((r) => r.meta),
  ...COMPOSE_INPUT_RULES,
  ...DEPLOY_RULES,
  ...INPUT_RULES,
];

const BY_ID = new Map<RuleId, Rule>(DEFINED_RULES.map((r) => [r.id, r]));

/**
 * Every rule the action can raise, in `RULE_IDS` order: docs/rules.md, SARIF and the settings file read this.
 * tests/unit/rule-catalog.test.ts proves each id has exactly one rule.
 */
export const ALL_RULES: readonly Rule[] = RULE_IDS.flatMap((id) => BY_ID.get(id) ?? []);

export function ruleById(id: RuleId): Rule | undefined {
  return BY_ID.get(id);
}

const RULES_DOC_URL = 'https://github.com/doongzi/deploy-action/blob/v1/docs/rules.md';

/** Anchor of a rule in docs/rules.md: the id lower-cased, as GitHub slugs headings that start with it. */
export function ruleAnchor(id: RuleId): string {
  return id.toLowerCase();
}

/** The annotation title: the id and the rule's name (`DA-IMG-001 runs-as-root`). */
export function ruleTitle(id: RuleId): string {
  const rule = BY_ID.get(id);
  return rule ? `${id} ${rule.name}` : id;
}

export function ruleHelpUrl(id: RuleId): string {
  return `${RULES_DOC_URL}#${ruleAnchor(id)}`;
}
