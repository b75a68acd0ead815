import { composeRule } from './context.js';

export const rootUser = composeRule({
  meta: {
    id: 'DA-CMP-037',
    name: 'root-user',
    severity: 'error',
    area: 'compose',
    summary: 'No prod service sets `user:` to root or 0.',
    rationale: "`user: root` silently undoes the Dockerfile's non-root `appuser`.",
    fix: "Remove `user:` (the image's `USER appuser` applies) or set a non-root uid.",
  },
  check(ctx, report) {
    for (const svc of ctx.model.services) {
      if (!svc.user) continue;
      const user = svc.user.value.split(':')[0]!.trim();
      if (user === 'root' || user === '0')
        report(`service "${svc.name}" runs as ${svc.user.value}, undoing the image's non-root user`, svc.user.origin);
    }
  },
});
