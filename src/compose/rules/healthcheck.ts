import { composeRule } from './context.js';

export const healthcheck = composeRule({
  meta: {
    id: 'DA-CMP-044',
    name: 'healthcheck',
    severity: 'warning',
    area: 'compose',
    summary: 'Every prod service has a `healthcheck` (here or in its image).',
    rationale:
      'The deploy waits for health before it declares success and rolls back on failure; without one it can only wait for "running".',
    fix: 'Add `healthcheck: test: [...]` with an interval, timeout and retries to the prod file.',
  },
  check(ctx, report) {
    for (const svc of ctx.model.services) {
      if (svc.healthcheck.present) continue;
      report(
        svc.healthcheck.disabled
          ? `service "${svc.name}" disables its healthcheck; the deploy cannot wait for health`
          : `service "${svc.name}" has no healthcheck in the compose files; the deploy can only wait for "running" unless the image defines one`,
        svc.healthcheck.origin ?? svc.origin,
      );
    }
  },
});
