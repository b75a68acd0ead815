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

/** The annotation title: the id and, for a known rule, its name (`DA-IMG-001 runs-as-root`). */
export function ruleTitle(id: string): string {
  const rule = BY_ID.get(id);
  return rule ? `${id} ${rule.name}` : id;
}

export function ruleHelpUrl(id: string): string {
  return `${RULES_DOC_URL}#${ruleAnchor(id)}`;
}
