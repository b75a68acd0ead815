import { statSync } from 'node:fs';
import { basename, relative, sep } from 'node:path';
import type { ServiceModel, ServiceVolume } from '../model.js';
import { isInside, type RuleContext } from './context.js';

const DOCKER_SOCKETS = ['/var/run/docker.sock', '/run/docker.sock'];

/** Where database, cache and broker images keep their data. */
const DATA_TARGETS = [
  '/var/lib/postgresql',
  '/var/lib/mysql',
  '/var/lib/mariadb',
  '/data/db',
  '/data/configdb',
  '/var/lib/redis',
  '/bitnami',
  '/usr/share/elasticsearch/data',
  '/usr/share/opensearch/data',
  '/var/lib/clickhouse',
  '/var/lib/rabbitmq',
  '/var/lib/mongodb',
  '/var/lib/cassandra',
  '/var/lib/influxdb',
  '/var/lib/neo4j/data',
  '/var/opt/mssql',
  '/var/lib/kafka',
];
/** Host directory names that hold a service's data (`.data/mysql`, `pgdata`, `db_data`). */
const DATA_DIR =
  /^(\.?data|\.?db|volumes|pgdata|esdata|mysql|mariadb|postgres(ql)?|mongo(db)?|redis|valkey|minio|elasticsearch|clickhouse|rabbitmq|.+[-_]data)$/i;

/** Which bind-mount rule a mount falls under; each mount falls under one. */
export type BindMountKind = 'docker-socket' | 'config-file' | 'host-data' | 'source-code' | 'host-path';

export interface BindMount {
  service: ServiceModel;
  volume: ServiceVolume;
  /** The absolute host path. */
  source: string;
  kind: BindMountKind;
}

/** A file, not a directory: as it is in the checkout, or by its name (`nginx.conf`) when the checkout lacks it. */
function isSingleFile(source: string): boolean {
  try {
    return statSync(source).isFile();
  } catch {
    return /\.[a-z0-9]{1,10}$/i.test(basename(source)) && !DATA_DIR.test(basename(source));
  }
}

/** A service's data kept on the host: a data directory name on the path, or a database's data path as target. */
function holdsData(source: string, target: string, root: string): boolean {
  // Only the part under the repository is the project's naming; the checkout's own path is not.
  const written = isInside(source, root) ? relative(root, source) : source;
  return (
    written.split(sep).some((segment) => DATA_DIR.test(segment)) ||
    DATA_TARGETS.some((t) => target === t || target.startsWith(`${t}/`))
  );
}

/**
 * The prod bind mounts with a host source, by what they hold: the Docker socket first, then a single read-only
 * config file, then a host data directory, then source code (inside a build context or the working directory), then
 * any other host path.
 */
export function* bindMounts(ctx: RuleContext): Generator<BindMount> {
  for (const service of ctx.model.services) {
    const contexts = [...(service.build ? [service.build.resolvedContext] : []), ...ctx.buildContexts];
    for (const volume of service.volumes) {
      if (volume.type !== 'bind' || !volume.resolvedSource) continue;
      const source = volume.resolvedSource;
      const kind: BindMountKind = DOCKER_SOCKETS.includes(source)
        ? 'docker-socket'
        : volume.readOnly && isSingleFile(source)
          ? 'config-file'
          : holdsData(source, volume.target, ctx.model.repositoryRoot)
            ? 'host-data'
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

/** A mount source as the user wrote it relative to the working directory, or absolute when it lies outside. */
export function shownSource(ctx: RuleContext, source: string): string {
  return source.startsWith(ctx.cwd) ? relative(ctx.cwd, source) : source;
}
