import { bindMounts } from './bind-mounts.js';
import { composeRule } from './context.js';

export const dockerSocketMount = composeRule({
  meta: {
    id: 'DA-CMP-021',
    name: 'docker-socket-mount',
    severity: 'error',
    area: 'compose',
    summary: 'No prod service mounts the Docker socket.',
    rationale:
      'Access to `/var/run/docker.sock` is root on the host: anyone who compromises the app owns the server. Mounting it read-only (`:ro`) does not help: `:ro` stops writes to the socket file, not API calls through it.',
    fix: 'Remove the mount; if a tool truly needs the engine, put a restricted socket proxy in front of it.',
  },
  check(ctx, report) {
    for (const m of bindMounts(ctx))
      if (m.kind === 'docker-socket')
        report(
          m.volume.readOnly
            ? `service "${m.service.name}" mounts the Docker socket ${m.source} read-only, which is still root on the host: :ro does not limit the API calls made through it`
            : `service "${m.service.name}" mounts the Docker socket ${m.source}: root on the host`,
          m.volume.origin,
        );
  },
});
