import { composeRule } from './context.js';

export const hostNetwork = composeRule({
  meta: {
    id: 'DA-CMP-039',
    name: 'host-network',
    severity: 'error',
    area: 'compose',
    summary: 'No prod service uses `network_mode: host`.',
    rationale: 'The host network exposes every port the app opens on the server and removes network isolation.',
    fix: 'Use a Compose network and publish only the ports needed.',
  },
  check(ctx, report) {
    for (const svc of ctx.model.services)
      if (svc.networkMode?.value === 'host')
        report(`service "${svc.name}" uses the host network`, svc.networkMode.origin);
  },
});
