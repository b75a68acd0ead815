import { bindMounts, resetHint, shownSource } from './bind-mounts.js';
import { composeRule } from './context.js';

export const configFileMount = composeRule({
  meta: {
    id: 'DA-CMP-051',
    name: 'config-file-mount',
    severity: 'warning',
    area: 'compose',
    summary: 'Prod services do not bind-mount config files from the server (a single read-only file: a warning).',
    rationale:
      'A read-only config file (`./nginx.conf:/etc/nginx/nginx.conf:ro`) is harmless in itself, but it must exist on the server: the deploy uploads the compose files, not this one, and it is not reviewed as part of the image.',
    fix: 'Bake the file into the image, or declare it as a Compose config (`configs:` with `file:`) so it is named in the compose file.',
  },
  check(ctx, report) {
    for (const m of bindMounts(ctx)) {
      if (m.kind !== 'config-file') continue;
      const shown = shownSource(ctx, m.source);
      report(
        `service "${m.service.name}" mounts config file ${shown} read-only at ${m.volume.target}; it must exist on the server: bake it into the image or use configs:${resetHint(m.volume.origin.file, ctx.model.files)}`,
        m.volume.origin,
      );
    }
  },
});
