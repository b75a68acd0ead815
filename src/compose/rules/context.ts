import { access } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import type { GitRepo } from '../git.js';
import type { Issue } from '../issues.js';
import type { ComposeModel } from '../model.js';

/** What every prod rule gets: the merged model and the surroundings it is checked against. */
export interface RuleContext {
  model: ComposeModel;
  cwd: string;
  /** Absolute build contexts: every service's `build.context` plus the action's `build-context` input. */
  buildContexts: string[];
  /** Absolute Dockerfile given to the action, if any (for `<Dockerfile>.dockerignore`). */
  dockerfile?: string;
  git?: GitRepo;
  report(issue: Issue): void;
}

export type ProdRule = (ctx: RuleContext) => Promise<void> | void;

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
