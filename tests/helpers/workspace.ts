import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EXAMPLE_DIR } from './paths.js';

/**
 * A checkout-like copy of a project in a temp dir: a git repo with everything committed except what
 * .gitignore keeps out, as on a CI runner. Returns its path.
 */
export async function makeWorkspace(
  from: string = EXAMPLE_DIR,
  change?: (dir: string) => Promise<void>,
): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deploy-action-ws-'));
  await cp(from, dir, { recursive: true });
  if (change) await change(dir);
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
  git('init', '-q');
  git('add', '-A');
  git('-c', 'user.name=test', '-c', 'user.email=test@example.invalid', 'commit', '-qm', 'fixture');
  return dir;
}

export async function removeWorkspace(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
