import { relative } from 'node:path';
import { loadDockerIgnore } from '../../docker/dockerignore.js';
import { composeRule, isInside } from './context.js';
import { secretFiles } from './secret-files.js';

export const secretFileInImage = composeRule({
  meta: {
    id: 'DA-CMP-030',
    name: 'secret-file-in-image',
    severity: 'error',
    area: 'compose',
    summary: 'Every secret file is outside the build context or excluded by `.dockerignore`.',
    rationale:
      'A secret inside the build context is sent to the builder and a broad `COPY . .` bakes it into an image layer for good.',
    fix: 'Add the secrets directory (e.g. `secrets/`) to the `.dockerignore` at the build context root, or move it outside the context.',
  },
  async check(ctx, report) {
    const contexts = new Set([
      ...ctx.buildContexts,
      ...ctx.model.services.flatMap((s) => (s.build ? [s.build.resolvedContext] : [])),
    ]);
    for (const { path, at, shown } of secretFiles(ctx)) {
      for (const context of contexts) {
        if (!isInside(path, context)) continue;
        const { ignore } = await loadDockerIgnore(context, ctx.dockerfile, ctx.model.repositoryRoot);
        if (!ignore?.excludes(relative(context, path)))
          report(
            `secret file ${shown} is inside the build context ${relative(ctx.cwd, context) || '.'} and ${ignore ? '.dockerignore does not exclude it' : 'there is no .dockerignore'}; a COPY can bake it into the image`,
            at,
          );
      }
    }
  },
});
