import { relative } from 'node:path';
import { bindMounts, resetHint } from './bind-mounts.js';
import { composeRule } from './context.js';

export const sourceCodeMount = composeRule({
  meta: {
    id: 'DA-CMP-022',
    name: 'source-code-mount',
    severity: 'error',
    area: 'compose',
    summary: 'Prod services do not mount source code from the build context or project over the built image.',
    rationale:
      'Hot-reload mounts belong to the dev override: in prod they run whatever files sit on the server instead of the reviewed, built image.',
    fix: 'Move the mount to `docker-compose.dev.yml`; if it is in the base file, add `volumes: !reset []` to the prod service.',
  },
  check(ctx, report) {
    for (const m of bindMounts(ctx)) {
      if (m.kind !== 'source-code') continue;
      const shown = relative(ctx.cwd, m.source) || '.';
      report(
        `service "${m.service.name}" mounts source ${shown} at ${m.volume.target}, running host files instead of the built image${resetHint(m.volume.origin.file, ctx.model.files)}`,
        m.volume.origin,
      );
    }
  },
});
