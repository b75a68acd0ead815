import { bindMounts, resetHint } from './bind-mounts.js';
import { composeRule } from './context.js';

export const hostBindMount = composeRule({
  meta: {
    id: 'DA-CMP-020',
    name: 'host-bind-mount',
    severity: 'error',
    area: 'compose',
    summary: 'Prod services mount no host paths (bind mounts).',
    rationale:
      'A bind mount ties the container to files on one server, outside the immutable image; an override cannot remove a base-file mount without `volumes: !reset []`.',
    fix: 'Bake the files into the image, use a declared data volume, or reset the list in the prod file with `volumes: !reset []`.',
  },
  check(ctx, report) {
    for (const m of bindMounts(ctx)) {
      if (m.kind !== 'host-path') continue;
      report(
        `service "${m.service.name}" bind-mounts host path ${m.source} at ${m.volume.target}${resetHint(m.volume.origin.file, ctx.model.files)}`,
        m.volume.origin,
      );
    }
  },
});
