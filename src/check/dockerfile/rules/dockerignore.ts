import { type ContextProbe, dockerfileRule } from './context.js';

/** When the context is not known: dev secrets, prod secrets, the git history, as the seed lays them out. */
const USUAL: readonly ContextProbe[] = [
  { pattern: '.env', path: '.env', why: '' },
  { pattern: '.env.*', path: '.env.prod', why: '' },
  { pattern: 'secrets/', path: 'secrets/db_password.txt', why: '' },
  { pattern: '.git', path: '.git/config', why: '' },
];

/** Each pattern once, with the first reason given for it. */
function describe(probes: readonly ContextProbe[]): string {
  const seen = new Map<string, string>();
  for (const p of probes) if (!seen.has(p.pattern)) seen.set(p.pattern, p.why);
  return [...seen].map(([pattern, why]) => (why ? `${pattern} (${why})` : pattern)).join(', ');
}

export const dockerignore = dockerfileRule({
  meta: {
    id: 'DA-DF-005',
    name: 'dockerignore',
    severity: 'error',
    area: 'dockerfile',
    summary:
      '`.dockerignore` exists and excludes `.git`, and `.env`, `.env.*` and `secrets/` when the context has them or Compose points into them.',
    rationale:
      'Whatever the build context holds can end up in a layer through `COPY . .`; dev passwords live in `.env`.',
    fix: 'Add the missing patterns to `.dockerignore` at the root of the build context.',
  },
  check(ctx, report) {
    const probes = ctx.mustExclude ?? USUAL;
    const ignore = ctx.dockerIgnore;
    if (!ignore) {
      if (probes.length)
        report(`No .dockerignore in the build context: ${describe(probes)} can be copied into the image.`, {
          file: ctx.file,
          line: 1,
        });
      return;
    }
    const missing = probes.filter((p) => !ignore.excludes(p.path));
    if (missing.length)
      report(`.dockerignore does not exclude ${describe(missing)}.`, { file: ctx.dockerIgnorePath, line: 1 });
  },
});
