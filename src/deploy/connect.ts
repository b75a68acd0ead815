/** The SSH connection to one host, as every target opens it: pinned host key, the plan's key and timeouts. */
import type { HostAddress } from './host-address.js';
import type { DeployPlan } from './plan.js';
import { SshSession } from './ssh/session.js';

/** What a connection needs of the plan (a deploy's or a rollback's). */
export type ConnectSettings = Pick<DeployPlan, 'user' | 'auth' | 'knownHosts' | 'connectTimeoutMs' | 'jumpHost'>;

export function openHostSession(plan: ConnectSettings, address: HostAddress): Promise<SshSession> {
  return SshSession.open(
    { host: address.host, port: address.port, user: plan.user },
    {
      privateKey: plan.auth.privateKey,
      ...(plan.auth.passphrase ? { passphrase: plan.auth.passphrase } : {}),
      keyFingerprint: plan.auth.keyFingerprint,
      knownHosts: plan.knownHosts,
      connectTimeoutMs: plan.connectTimeoutMs,
      ...(plan.jumpHost
        ? { jump: { host: plan.jumpHost.host, port: plan.jumpHost.port, user: plan.jumpHost.user } }
        : {}),
    },
  );
}
