import { basename, dirname, join, relative } from 'node:path';
import { composeRule, exists } from './context.js';
import { secretFiles } from './secret-files.js';

export const secretExampleMissing = composeRule({
  meta: {
    id: 'DA-CMP-036',
    name: 'secret-example-missing',
    severity: 'warning',
    area: 'compose',
    summary: '`secrets.example/` has an entry for every secret file.',
    rationale: "Whoever sets up a server (or the deploy's secret mapping) learns from it which secret files exist.",
    fix: 'Commit `secrets.example/FILE` with a placeholder value for each secret file.',
  },
  async check(ctx, report) {
    for (const { path, at } of secretFiles(ctx)) {
      // `secrets/db_password.txt` is documented by `secrets.example/db_password.txt`.
      const example = join(dirname(dirname(path)), `${basename(dirname(path))}.example`, basename(path));
      if (!(await exists(example)))
        report(`no ${relative(ctx.cwd, example)} documents the secret file ${basename(path)}`, at);
    }
  },
});
