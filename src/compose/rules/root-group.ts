import { composeRule } from './context.js';

/** The group half of `user: uid:gid`, when it names root (`root`, `0`). */
export function rootGroup(user: string): string | undefined {
  const colon = user.indexOf(':');
  if (colon < 0) return undefined;
  const group = user.slice(colon + 1).trim();
  return group === 'root' || group === '0' ? group : undefined;
}

export const rootGroupUser = composeRule({
  meta: {
    id: 'DA-CMP-045',
    name: 'root-group',
    severity: 'error',
    area: 'compose',
    summary: 'No prod service sets `user:` with the root group (`unit:root`, `1000:0`).',
    rationale:
      'The root group (gid 0) can read and write every file the image leaves group-root-owned, and many images do (OpenShift-style `chgrp 0`); a non-root uid with gid 0 keeps much of what root has.',
    fix: "Use the image's own group (`1000:1000`), or remove `user:` and let the image's `USER appuser` apply.",
  },
  check(ctx, report) {
    for (const svc of ctx.model.services) {
      if (!svc.user) continue;
      const group = rootGroup(svc.user.value);
      const name = svc.user.value.split(':')[0]!.trim();
      // `root:root` and `0:0` are DA-CMP-037's: one finding for one mistake.
      if (group && name !== 'root' && name !== '0')
        report(
          `service "${svc.name}" runs as ${svc.user.value}: group ${group} is the root group, which owns files root can write`,
          svc.user.origin,
        );
    }
  },
});
