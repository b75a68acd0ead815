import { composeRule } from './context.js';
import { secretFiles } from './secret-files.js';

export const secretFileNotGitignored = composeRule({
  meta: {
    id: 'DA-CMP-029',
    name: 'secret-file-not-gitignored',
    severity: 'error',
    area: 'compose',
    summary: 'Every secret file is ignored by git (`git check-ignore`).',
    rationale: 'A secret file that git does not ignore is one `git add .` away from the repository history.',
    fix: 'Add the secrets directory (e.g. `secrets/`) to `.gitignore`.',
  },
  async check(ctx, report) {
    if (!ctx.git) return;
    for (const { path, at, shown } of secretFiles(ctx))
      if ((await ctx.git.isIgnored(path)) === false)
        report(`secret file ${shown} is not ignored by git; add its directory to .gitignore`, at);
  },
});
