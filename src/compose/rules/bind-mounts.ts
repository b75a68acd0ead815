import type { ServiceModel, ServiceVolume } from '../model.js';
import { isInside, type RuleContext } from './context.js';

const DOCKER_SOCKETS = ['/var/run/docker.sock', '/run/docker.sock'];

/** Which of the three bind-mount rules a mount falls under; each mount falls under one. */
export type BindMountKind = 'docker-socket' | 'source-code' | 'host-path';

export interface BindMount {
  service: ServiceModel;
  volume: ServiceVolume;
  /** The absolute host path. */
  source: string;
  kind: BindMountKind;
}

/**
 * The prod bind mounts with a host source: the Docker socket first, then source code (inside a build context or the
 * working directory), then any other host path.
 */
export function* bindMounts(ctx: RuleContext): Generator<BindMount> {
  for (const service of ctx.model.services) {
    const contexts = [...(service.build ? [service.build.resolvedContext] : []), ...ctx.buildContexts];
    for (const volume of service.volumes) {
      if (volume.type !== 'bind' || !volume.resolvedSource) continue;
      const source = volume.resolvedSource;
      const kind: BindMountKind = DOCKER_SOCKETS.includes(source)
        ? 'docker-socket'
        : contexts.some((c) => isInside(source, c)) || isInside(source, ctx.cwd)
          ? 'source-code'
          : 'host-path';
      yield { service, volume, source, kind };
    }
  }
}

/** Why an override did not help: the mount comes from an earlier file that the last one does not reset. */
export function resetHint(file: string, files: readonly string[]): string {
  const last = files[files.length - 1];
  return files.length > 1 && file !== last
    ? '; it comes from a file the prod override does not reset (`volumes: !reset []`)'
    : '';
}
