import type { DockerIgnore } from '../../../docker/dockerignore.js';
import type { SourceLocation } from '../../../findings/finding.js';
import type { RuleModule } from '../../../findings/rule-module.js';
import type { DockerfileRuleId } from '../../../rules/rule-ids.js';
import type { Instruction, ParsedDockerfile, Stage } from '../parse.js';

/** What every Dockerfile rule reads: the parsed file, the stage that is built, and the build context's ignores. */
export interface LintContext {
  /** The Dockerfile's path as findings show it. */
  file: string;
  parsed: ParsedDockerfile;
  target: Stage;
  /** The parsed `.dockerignore`, or undefined when the context has none. */
  dockerIgnore: DockerIgnore | undefined;
  dockerIgnorePath: string;
  /** Context paths `.dockerignore` must exclude (what is there, what Compose points at); unset: the usual patterns. */
  mustExclude?: readonly ContextProbe[];
}

/** A path of the build context that must not reach the builder, the pattern that excludes it, and why. */
export interface ContextProbe {
  /** Relative to the context root, `/`-separated. */
  path: string;
  pattern: string;
  /** `.env.prod is in the build context`; empty when it is always demanded. */
  why: string;
}

/** A rule read from the Dockerfile text; findings go on the instruction (or property) that breaks it. */
export type DockerfileRule<Id extends DockerfileRuleId = DockerfileRuleId> = RuleModule<
  LintContext,
  SourceLocation,
  Id
>;

export function dockerfileRule<Id extends DockerfileRuleId>(rule: DockerfileRule<Id>): DockerfileRule<Id> {
  return rule;
}

/** The location of an instruction in the linted file. */
export function instructionAt(ctx: LintContext, i: Instruction): SourceLocation {
  return { file: ctx.file, line: i.line };
}
