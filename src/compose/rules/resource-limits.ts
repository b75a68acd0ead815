import { composeRule } from './context.js';

export const resourceLimits = composeRule({
  meta: {
    id: 'DA-CMP-025',
    name: 'resource-limits',
    severity: 'error',
    area: 'compose',
    summary:
      'Every prod service has a CPU and a memory limit (`deploy.resources.limits.cpus`/`memory`, or `cpus`/`mem_limit`).',
    rationale: 'Without limits one runaway container starves the host and every other service on it.',
    fix: 'Add `deploy: resources: limits: { cpus: "1.0", memory: 512M }` to the service in the prod file.',
  },
  check(ctx, report) {
    for (const svc of ctx.model.services) {
      const cpu = svc.limits.cpus ?? svc.cpus;
      const mem = svc.limits.memory ?? svc.memLimit;
      const missing = [cpu ? undefined : 'CPU', mem ? undefined : 'memory'].filter(Boolean);
      if (missing.length)
        report(
          `service "${svc.name}" has no ${missing.join(' and ')} limit (deploy.resources.limits${missing.length === 2 ? '.cpus/.memory' : missing[0] === 'CPU' ? '.cpus or cpus' : '.memory or mem_limit'})`,
          svc.origin,
        );
    }
  },
});
