import { composeRule, exists } from './context.js';
import { secretFiles } from './secret-files.js';

export const secretFileMissing = composeRule({
  meta: {
    id: 'DA-CMP-012',
    name: 'secret-file-missing',
    severity: 'notice',
    area: 'compose',
    summary: 'A secret `file:` that is not in the checkout is reported, not fatal.',
    rationale:
      'Secret files are gitignored by design, so CI checkouts lack them; the deploy writes them on the server.',
    fix: 'Nothing to do: the deploy step writes the file on the server from a GitHub secret.',
  },
  async check(ctx, report) {
    for (const { written, path, at } of secretFiles(ctx))
      if (!(await exists(path)))
        report(
          `secret file ${written} is not in the checkout (as it should be: it is gitignored); the deploy writes it on the server`,
          at,
        );
  },
});
