import { composeRule } from './context.js';

/** Capabilities that each amount to host root (or to reading any host file) for a compromised container. */
const DANGEROUS: Record<string, string> = {
  ALL: 'every capability',
  SYS_ADMIN: 'mount, namespaces and most of root',
  SYS_PTRACE: 'tracing and reading the memory of other processes',
  SYS_MODULE: 'loading kernel modules',
  NET_ADMIN: 'reconfiguring the network, firewall and routes',
  DAC_READ_SEARCH: 'reading any file by handle, past permissions (the "shocker" escape)',
};

export const dangerousCapability = composeRule({
  meta: {
    id: 'DA-CMP-041',
    name: 'dangerous-capability',
    severity: 'error',
    area: 'compose',
    summary: 'No prod service adds `ALL`, `SYS_ADMIN`, `SYS_PTRACE`, `SYS_MODULE`, `NET_ADMIN` or `DAC_READ_SEARCH`.',
    rationale: 'Each amounts to root on the host, or to reading its files, for a compromised container.',
    fix: 'Add only the narrow capability needed (e.g. `NET_BIND_SERVICE`), or none.',
  },
  check(ctx, report) {
    for (const svc of ctx.model.services) {
      for (const cap of svc.capAdd) {
        const name = cap.value.trim().toUpperCase().replace(/^CAP_/, '');
        const grants = DANGEROUS[name];
        if (grants) report(`service "${svc.name}" adds capability ${cap.value} (${grants})`, cap.origin);
      }
    }
  },
});
