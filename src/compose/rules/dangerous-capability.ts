import { composeRule } from './context.js';

export const dangerousCapability = composeRule({
  meta: {
    id: 'DA-CMP-041',
    name: 'dangerous-capability',
    severity: 'error',
    area: 'compose',
    summary: 'No prod service adds the `ALL` or `SYS_ADMIN` capability.',
    rationale: 'Both amount to root on the host for a compromised container.',
    fix: 'Add only the narrow capability needed (e.g. `NET_BIND_SERVICE`), or none.',
  },
  check(ctx, report) {
    for (const svc of ctx.model.services) {
      for (const cap of svc.capAdd) {
        const name = cap.value.toUpperCase().replace(/^CAP_/, '');
        if (name === 'ALL' || name === 'SYS_ADMIN')
          report(`service "${svc.name}" adds capability ${cap.value}`, cap.origin);
      }
    }
  },
});
