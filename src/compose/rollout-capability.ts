/**
 * Whether a service can be rolled out start-first (the new container beside the old one until it is healthy), as
 * docker-rollout does it: that needs a healthcheck to wait on, and nothing two containers of one service cannot
 * share at once (a fixed host port, a `container_name`, the host's network, more than one replica to pair up).
 */
import type { ServiceModel } from './model.js';
import { parseImageRef } from './rules/image-ref.js';
import { canonicalRepository, statefulKind } from './rules/stateful-images.js';
import { get, str } from './tree.js';

/**
 * Why a service rolls out stop-first. `kind` tells the check which of them another rule already reports: a missing
 * healthcheck is DA-CMP-044's, a database in prod DA-CMP-024's.
 */
export interface RolloutBlocker {
  kind: 'no-healthcheck' | 'stateful' | 'host-port' | 'container-name' | 'host-network' | 'scale';
  reason: string;
}

export function rolloutBlocker(svc: ServiceModel): RolloutBlocker | undefined {
  if (!svc.healthcheck.present) {
    return {
      kind: 'no-healthcheck',
      reason: svc.healthcheck.disabled
        ? 'its healthcheck is disabled, so the new container cannot be waited on'
        : 'it has no healthcheck in the compose files, so the new container cannot be waited on',
    };
  }
  if (svc.image) {
    const kind = statefulKind(canonicalRepository(parseImageRef(svc.image.value).repository));
    // Two database processes on one data directory corrupt it: stateful services always stop first.
    if (kind) return { kind: 'stateful', reason: `it runs ${kind}; two of them must not share its data` };
  }
  const published = svc.ports.filter((p) => p.published !== undefined && p.published !== '');
  if (published.length) {
    const list = published.map((p) => `${p.hostIp ? `${p.hostIp}:` : ''}${p.published}`).join(', ');
    return {
      kind: 'host-port',
      reason: `it publishes the fixed host port${published.length > 1 ? 's' : ''} ${list}, which the old container holds`,
    };
  }
  const containerName = str(get(svc.node, 'container_name'));
  if (containerName !== undefined) {
    return {
      kind: 'container-name',
      reason: `it sets container_name "${containerName}", which only one container can have`,
    };
  }
  if (svc.networkMode?.value === 'host') {
    return {
      kind: 'host-network',
      reason: "it uses the host's network, where the new container's ports clash with the old's",
    };
  }
  const scale = svc.scale?.value ?? svc.replicas?.value;
  if (scale !== undefined && scale !== 1) {
    return { kind: 'scale', reason: `it runs ${scale} replicas; a rollout pairs one new container with one old` };
  }
  return undefined;
}
