import { composeRule, exists } from './context.js';
import { envFileRefs } from './env-files.js';

export const envFileMissing = composeRule({
  meta: {
    id: 'DA-CMP-011',
    name: 'env-file-missing',
    severity: 'notice',
    area: 'compose',
    summary: 'An `env_file` that is not in the checkout is reported, not fatal.',
    rationale:
      'Prod env files (`.env.prod`) are gitignored, so CI checkouts lack them; the server has them. Their contents cannot be checked here.',
    fix: 'Nothing to do if the file exists on the server; commit a `.env.prod.example` so reviewers see which keys it holds.',
  },
  async check(ctx, report) {
    for (const f of envFileRefs(ctx))
      if (f.required && !(await exists(f.resolvedPath)))
        report(`env_file ${f.path} is not in the checkout (gitignored?); its keys were not checked`, f.origin);
  },
});
