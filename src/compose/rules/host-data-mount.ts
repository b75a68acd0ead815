import { bindMounts, resetHint, shownSource } from './bind-mounts.js';
import { composeRule } from './context.js';

export const hostDataMount = composeRule({
  meta: {
    id: 'DA-CMP-050',
    name: 'host-data-mount',
    severity: 'error',
    area: 'compose',
    summary:
      'Prod services keep no data in host directories (`./.data/mysql:/var/lib/mysql`, a database data path as target).',
    rationale:
      'A host data directory lives outside Compose: the deploy does not create, back up or move it, its owner and mode are whatever the host has, and a release directory switch can leave it behind.',
    fix: 'Use a named volume declared as data (`com.doongzi.deploy-action.data: "true"`), or a managed service for the database.',
  },
  check(ctx, report) {
    for (const m of bindMounts(ctx)) {
      if (m.kind !== 'host-data') continue;
      const shown = shownSource(ctx, m.source);
      report(
        `service "${m.service.name}" keeps data in host directory ${shown} (at ${m.volume.target}); use a named data volume or a managed service${resetHint(m.volume.origin.file, ctx.model.files)}`,
        m.volume.origin,
      );
    }
  },
});
