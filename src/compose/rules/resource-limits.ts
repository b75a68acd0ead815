import type { Located } from '../model.js';
import { composeRule } from './context.js';

/** `0`, `0.0`, `0M`, `0b`: Docker reads a zero CPU or memory limit as no limit at all. */
function isZero(l: Located<string>): boolean {
  const number = /^\s*\+?([0-9]*\.?[0-9]*)\s*[a-z]*\s*$/i.exec(l.value)?.[1];
  return number !== undefined && /[0-9]/.test(number) && Number(number) === 0;
}

/** How a zero limit was written, for the message: the interpolation when there was one. */
const written = (key: string, l: Located<string>): string =>
  l.raw !== undefined ? `${key}: ${l.raw} (= ${l.value})` : `${key}: ${l.value}`;

export const resourceLimits = composeRule({
  meta: {
    id: 'DA-CMP-025',
    name: 'resource-limits',
    severity: 'error',
    area: 'compose',
    summary:
      'Every prod service has a CPU and a memory limit (`deploy.resources.limits.cpus`/`memory`, or `cpus`/`mem_limit`), and neither resolves to 0.',
    rationale:
      'Without limits one runaway container starves the host and every other service on it. Docker reads a limit of 0 (also `${WEB_CPUS:-0}` when unset) as unlimited.',
    fix: 'Add `deploy: resources: limits: { cpus: "1.0", memory: 512M }` to the service in the prod file; give an interpolated limit a non-zero default.',
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
      const zeros: [string, Located<string> | undefined][] = [
        ['cpus', cpu],
        [svc.limits.memory ? 'memory' : 'mem_limit', mem],
      ];
      for (const [key, l] of zeros)
        if (l && isZero(l))
          report(
            `service "${svc.name}" sets ${written(key, l)}, which resolves to 0 = unlimited: it has no ${key === 'cpus' ? 'CPU' : 'memory'} limit`,
            l.origin,
          );
    }
  },
});
