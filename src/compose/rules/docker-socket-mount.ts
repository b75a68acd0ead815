import { bindMounts } from './bind-mounts.js';
import { composeRule } from './context.js';

export const dockerSocketMount = composeRule({
  meta: {
    id: 'DA-CMP-021',
    name: 'docker-socket-mount',
    severity: 'error',
    area: 'compose',
    summary: 'No prod service mounts the Docker socket.',
    rationale: 'Access to `/var/run/docker.sock` is root on the host: anyone who compromises the app owns the server.',
    fix: 'Remove the mount; if a tool truly needs the engine, put a restricted socket proxy in front of it.',
  },
  check(ctx, report) {
    for (const m of bindMounts(ctx))
      if (m.kind === 'docker-socket')
        report(`service "${m.service.name}" mounts the Docker socket ${m.source}`, m.volume.origin);
  },
});
