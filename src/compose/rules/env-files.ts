import { dirname, relative, resolve } from 'node:path';
import { dotenvPath } from '../dotenv.js';
import type { GitRepo } from '../git.js';
import type { EnvFileRef } from '../model.js';
import type { Origin } from '../tree.js';
import { exists, type RuleContext } from './context.js';

/** Every `env_file` of the prod services once (the first reference wins), in service order. */
export function envFileRefs(ctx: RuleContext): EnvFileRef[] {
  const seen = new Map<string, EnvFileRef>();
  for (const svc of ctx.model.services)
    for (const f of svc.envFiles) if (!seen.has(f.resolvedPath)) seen.set(f.resolvedPath, f);
  return [...seen.values()];
}

export interface GitGuardedFile {
  /** The absolute path. */
  path: string;
  /** The path relative to the working directory, for messages. */
  shown: string;
  /** Whether the file exists in the checkout. */
  present: boolean;
  /** Whether something names it: an `env_file` does, a dev `.env` found by convention does not. */
  referenced: boolean;
  /** Where to report: the `env_file` line, or line 1 of the file itself or of the first compose file. */
  at: Origin;
}

/**
 * The env files and dev `.env` files inside the repository, which must stay out of git: the prod `env_file`s, and
 * the `.env` of the project directory (Compose's), the repository root (the seed's layout) and the first file's.
 */
export async function gitGuardedEnvFiles(ctx: RuleContext, git: GitRepo): Promise<GitGuardedFile[]> {
  const firstFile = ctx.model.files[0]!;
  const candidates = new Map<string, Origin>();
  for (const f of envFileRefs(ctx)) candidates.set(f.resolvedPath, f.origin);
  for (const dir of new Set([ctx.model.projectDir, git.root, dirname(firstFile)])) {
    const p = dotenvPath(resolve(dir));
    if (!candidates.has(p)) candidates.set(p, { file: p, line: 1, column: 1 });
  }
  const files: GitGuardedFile[] = [];
  for (const [path, origin] of candidates) {
    if (!git.contains(path)) continue;
    const present = await exists(path);
    const referenced = origin.file !== path;
    // A missing `.env` cannot carry an annotation: it goes on the first compose file.
    const at = present || referenced ? origin : { file: firstFile, line: 1, column: 1 };
    files.push({ path, shown: relative(ctx.cwd, path), present, referenced, at });
  }
  return files;
}
