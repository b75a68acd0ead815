import { composeRule } from './context.js';
import { gitGuardedEnvFiles } from './env-files.js';
import { secretFiles } from './secret-files.js';

export const secretTrackedByGit = composeRule({
  meta: {
    id: 'DA-CMP-034',
    name: 'secret-tracked-by-git',
    severity: 'error',
    area: 'compose',
    summary: 'No `.env`, env file or secret file is tracked by git (`git ls-files`).',
    rationale: 'A tracked secret is in the history of every clone; ignoring it later does not remove it.',
    fix: 'Run `git rm --cached FILE`, add it to `.gitignore`, and rotate the secret.',
  },
  async check(ctx, report) {
    const git = ctx.git;
    if (!git) return;
    for (const { path, at, shown } of secretFiles(ctx))
      if (await git.isTracked(path))
        report(`secret file ${shown} is tracked by git; remove it from the index and rotate the secret`, at);
    for (const { path, at, shown } of await gitGuardedEnvFiles(ctx, git))
      if (await git.isTracked(path))
        report(`${shown} is tracked by git; remove it from the index and rotate what it holds`, at);
  },
});
