import { dockerfileRule } from './context.js';

/** What must never reach the build context: dev secrets, prod secrets, the git history. */
const MUST_EXCLUDE = [
  { pattern: '.env', probe: '.env' },
  { pattern: '.env.*', probe: '.env.prod' },
  { pattern: 'secrets/', probe: 'secrets/db_password.txt' },
  { pattern: '.git', probe: '.git/config' },
];

export const dockerignore = dockerfileRule({
  meta: {
    id: 'DA-DF-005',
    name: 'dockerignore',
    severity: 'error',
    area: 'dockerfile',
    summary: '`.dockerignore` exists and excludes `.env`, `.env.*`, `secrets/` and `.git`.',
    rationale:
      'Whatever the build context holds can end up in a layer through `COPY . .`; dev passwords live in `.env`.',
    fix: 'Add the missing patterns to `.dockerignore` at the root of the build context.',
  },
  check(ctx, report) {
    const ignore = ctx.dockerIgnore;
    if (!ignore) {
      report(`No .dockerignore in the build context: .env, secrets/ and .git can be copied into the image.`, {
        file: ctx.file,
        line: 1,
      });
      return;
    }
    const missing = MUST_EXCLUDE.filter((m) => !ignore.excludes(m.probe)).map((m) => m.pattern);
    if (missing.length)
      report(`.dockerignore does not exclude ${missing.join(', ')}.`, { file: ctx.dockerIgnorePath, line: 1 });
  },
});
