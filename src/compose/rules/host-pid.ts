import { composeRule } from './context.js';

export const hostPid = composeRule({
  meta: {
    id: 'DA-CMP-040',
    name: 'host-pid',
    severity: 'error',
    area: 'compose',
    summary: 'No prod service uses `pid: host`.',
    rationale: 'Sharing the host PID namespace lets the container see and signal every process on the server.',
    fix: 'Remove `pid: host`.',
  },
  check(ctx, report) {
    for (const svc of ctx.model.services)
      if (svc.pid?.value === 'host') report(`service "${svc.name}" shares the host PID namespace`, svc.pid.origin);
  },
});
