import { composeRule } from './context.js';

/** What sharing each namespace with the host gives a compromised container. */
const GRANTS = {
  ipc: "the host's shared memory and semaphores",
  uts: "the host's hostname (it can change it)",
  userns_mode: "the host's user namespace: root in the container is root on the host even where remapping is on",
  cgroup: "the host's cgroup tree",
} as const;

export const hostNamespace = composeRule({
  meta: {
    id: 'DA-CMP-046',
    name: 'host-namespace',
    severity: 'error',
    area: 'compose',
    summary:
      'No prod service shares the IPC, UTS, user or cgroup namespace with the host (`ipc`, `uts`, `userns_mode`, `cgroup: host`).',
    rationale:
      'Each shared namespace removes a wall between the container and the host (network and PID are DA-CMP-039 and DA-CMP-040).',
    fix: 'Remove the key; the container gets its own namespace. Share IPC between two services with `ipc: service:NAME` if they need it.',
  },
  check(ctx, report) {
    for (const svc of ctx.model.services)
      for (const [key, grant] of Object.entries(GRANTS) as [keyof typeof GRANTS, string][]) {
        const l = svc.namespaces[key];
        if (l?.value.trim() === 'host') report(`service "${svc.name}" sets ${key}: host, sharing ${grant}`, l.origin);
      }
  },
});
