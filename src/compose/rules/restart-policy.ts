import { composeRule } from './context.js';

export const restartPolicy = composeRule({
  meta: {
    id: 'DA-CMP-043',
    name: 'restart-policy',
    severity: 'warning',
    area: 'compose',
    summary: 'Every prod service sets a `restart` policy other than `no`.',
    rationale: 'Without one, a crash or a server reboot leaves the service down until someone notices.',
    fix: 'Set `restart: unless-stopped` (or `always`).',
  },
  check(ctx, report) {
    for (const svc of ctx.model.services) {
      const policy = svc.restart?.value;
      // `deploy.restart_policy` is Swarm's restart policy: it counts as one.
      const deployPolicy = svc.node.entries.get('deploy')?.value;
      const hasDeployRestart =
        deployPolicy?.kind === 'map' && deployPolicy.entries.get('restart_policy')?.value.kind === 'map';
      if (hasDeployRestart) continue;
      if (!policy || policy === 'no' || policy === 'false')
        report(
          policy ? `service "${svc.name}" has restart: ${policy}` : `service "${svc.name}" has no restart policy`,
          svc.restart?.origin ?? svc.origin,
        );
    }
  },
});
