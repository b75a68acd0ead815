import { COMPOSE_RULES } from './compose-rules.js';
import { DEPLOY_RULES } from './deploy-rules.js';
import { DOCKERFILE_RULES } from './dockerfile-rules.js';
import { IMAGE_RULES } from './image-rules.js';
import { INPUT_RULES } from './input-rules.js';
import type { Rule } from './rule.js';

/** Every rule the action can raise, in catalog order. */
export const ALL_RULES: readonly Rule[] = [
  ...DOCKERFILE_RULES,
  ...IMAGE_RULES,
  ...COMPOSE_RULES,
  ...DEPLOY_RULES,
  ...INPUT_RULES,
];

const BY_ID = new Map(ALL_RULES.map((r) => [r.id, r]));

export function ruleById(id: string): Rule | undefined {
  return BY_ID.get(id);
}

export const RULES_DOC_URL = 'https://github.com/doongzi/deploy-action/blob/v1/docs/rules.md';

/** Anchor of a rule in docs/rules.md: the id lower-cased, as GitHub slugs headings that start with it. */
export function ruleAnchor(id: string): string {
  return id.toLowerCase();
}

export function ruleHelpUrl(id: string): string {
  return `${RULES_DOC_URL}#${ruleAnchor(id)}`;
}
