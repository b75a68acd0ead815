import { access } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import type { RuleModule } from '../../findings/rule-module.js';
import type { ImageLists } from '../../findings/suppressions.js';
import type { ComposeRuleId } from '../../rules/rule-ids.js';
import type { GitRepo } from '../git.js';
import type { ComposeModel } from '../model.js';
import type { Origin } from '../tree.js';

/** What every prod rule gets: the merged model and the surroundings it is checked against. */
export interface RuleContext {
  model: ComposeModel;
  cwd: string;
  /** Absolute build contexts: every service's `build.context` plus the action's `build-context` input. */
  buildContexts: string[];
  /** Absolute Dockerfile given to the action, if any (for `<Dockerfile>.dockerignore`). */
  dockerfile?: string;
  git?: GitRepo;
  /** The settings file's `stateful:` / `stateless:` image repositories. */
  images?: ImageLists;
}

/** A prod rule of the merged Compose model: findings are placed on the YAML node (or file line) they came from. */
export type ComposeRule<Id extends ComposeRuleId = ComposeRuleId> = RuleModule<
  RuleContext,
  Origin,
  Id,
  void | Promise<void>
>;

export function composeRule<Id extends ComposeRuleId>(rule: ComposeRule<Id>): ComposeRule<Id> {
  return rule;
}

export async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Whether `path` is `dir` or below it. */
export function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && rel !== '..');
}
