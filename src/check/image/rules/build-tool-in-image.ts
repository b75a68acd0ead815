import { imageRule, listPaths } from './context.js';

export const buildToolInImage = imageRule({
  meta: {
    id: 'DA-IMG-003',
    name: 'build-tool-in-image',
    severity: 'error',
    area: 'image',
    summary: 'The runtime filesystem carries no build tools (compilers, binutils, make, uv, poetry, cargo, go, git…).',
    rationale:
      'Build tools let an attacker who gets code execution compile and fetch more; the seed keeps them in the builder.',
    fix: 'Install the tool in the builder stage only and copy just the results; or list it in `allowed-tools` if the app needs it.',
  },
  check(ctx, report) {
    for (const added of ctx.shippedTools) {
      const names = listPaths(added.files, (f) => `/${f.path} (${f.tool})`);
      report(`Build tools in the runtime image, added by ${added.where}: ${names}.`, added.location);
    }
  },
});
