import { rolloutBlocker } from '../rollout-capability.js';
import { composeRule } from './context.js';

export const rolloutDowntime = composeRule({
  meta: {
    id: 'DA-CMP-053',
    name: 'rollout-downtime',
    severity: 'notice',
    area: 'compose',
    summary:
      'A prod service with a healthcheck can be rolled out start-first: no fixed host port, no `container_name`, no host network, one replica.',
    rationale:
      'The deploy (`rollout: auto`) starts the new container beside the old one and removes the old one once the new one is healthy. A service that cannot run twice at once is stopped before its new container starts: it is down for the whole start.',
    fix: "Publish host ports from a proxy that is not redeployed with the app (Traefik, nginx) and leave the app's port unpublished; drop `container_name`; or accept the downtime (`rollout: stop-first` says so). Services without a healthcheck (DA-CMP-044), databases (DA-CMP-024) and the host network (DA-CMP-039) are left to their own rules.",
  },
  check(ctx, report) {
    for (const svc of ctx.model.services) {
      const blocker = rolloutBlocker(svc);
      // A missing healthcheck, a database and the host's network in prod have rules of their own: reported once, there.
      if (!blocker || ['no-healthcheck', 'stateful', 'host-network'].includes(blocker.kind)) continue;
      if ((svc.scale?.value ?? svc.replicas?.value) === 0) continue;
      report(`service "${svc.name}" cannot roll out without downtime: ${blocker.reason}`, svc.origin);
    }
  },
});
