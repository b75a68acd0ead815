import type { Finding } from '../../findings/finding.js';
import { runChecks } from '../../findings/rule-module.js';
import type { LintContext } from './rules/context.js';
import { DOCKERFILE_RULES } from './rules/dockerfile-rules.js';

/** Holds the Dockerfile text to the Dockerfile rules (a real parse: continuations, heredocs, ARGs in FROM). */
export function lintDockerfile(ctx: LintContext): Finding[] {
  return runChecks(DOCKERFILE_RULES, ctx);
}
