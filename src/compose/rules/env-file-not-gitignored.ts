import { composeRule } from './context.js';
import { gitGuardedEnvFiles } from './env-files.js';

export const envFileNotGitignored = composeRule({
  meta: {
    id: 'DA-CMP-035',
    name: 'env-file-not-gitignored',
    severity: 'error',
    area: 'compose',
    summary: '`.env` and the prod env files are ignored by git.',
    rationale:
      '`.env` holds dev passwords and `.env.prod` server settings; both stay out of the repository (commit `.env.example`).',
    fix: 'Add `.env` and `.env.*` (with `!.env.example`) to `.gitignore`.',
  },
  async check(ctx, report) {
    const git = ctx.git;
    if (!git) return;
    // A conventional `.env` that does not exist needs no ignore entry; a referenced env file does.
    for (const { path, at, shown, present, referenced } of await gitGuardedEnvFiles(ctx, git))
      if ((present || referenced) && (await git.isIgnored(path)) === false)
        report(`${shown} is not covered by .gitignore`, at);
  },
});
