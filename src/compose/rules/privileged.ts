import { composeRule } from './context.js';

export const privileged = composeRule({
  meta: {
    id: 'DA-CMP-038',
    name: 'privileged',
    severity: 'error',
    area: 'compose',
    summary: 'No prod service is `privileged`.',
    rationale: "A privileged container has every capability and the host's devices: it is root on the host.",
    fix: 'Remove `privileged: true`; add only the capability the service needs with `cap_add`.',
  },
  check(ctx, report) {
    for (const svc of ctx.model.services)
      if (svc.privileged?.value) report(`service "${svc.name}" is privileged`, svc.privileged.origin);
  },
});
