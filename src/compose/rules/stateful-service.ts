import { composeRule } from './context.js';
import { parseImageRef } from './image-ref.js';

/** Images of databases, caches, brokers and search engines: prod uses managed services for them. */
const STATEFUL = [
  'postgres',
  'postgresql',
  'postgis',
  'timescaledb',
  'mysql',
  'mariadb',
  'percona',
  'mongo',
  'mongodb',
  'redis',
  'redis-stack',
  'valkey',
  'keydb',
  'dragonfly',
  'memcached',
  'rabbitmq',
  'elasticsearch',
  'opensearch',
  'kafka',
  'zookeeper',
  'cassandra',
  'couchdb',
  'couchbase',
  'neo4j',
  'influxdb',
  'clickhouse',
  'clickhouse-server',
  'cockroach',
  'nats',
  'etcd',
  'minio',
  'mssql-server',
  'oracle',
];

function statefulName(image: string): string | undefined {
  const base = parseImageRef(image).repository.split('/').pop()!.toLowerCase();
  return STATEFUL.find((s) => base === s || base.startsWith(`${s}-`) || base.startsWith(`${s}_`));
}

export const statefulService = composeRule({
  meta: {
    id: 'DA-CMP-024',
    name: 'stateful-service',
    severity: 'error',
    area: 'compose',
    summary:
      'Prod runs no database, cache or broker containers (postgres, mysql, mariadb, mongo, redis, valkey, memcached, rabbitmq, elasticsearch, ...).',
    rationale:
      'The seed uses managed services (RDS, ElastiCache) in prod: backups, failover and upgrades are not a container on the app host.',
    fix: "Move the service to the dev override and point the app at the managed service's address via `.env.prod`.",
  },
  check(ctx, report) {
    for (const svc of ctx.model.services) {
      if (!svc.image) continue;
      const kind = statefulName(svc.image.value);
      if (kind)
        report(
          `service "${svc.name}" runs ${kind} (image ${svc.image.value}) in prod; use a managed service and reach it by address`,
          svc.image.origin,
        );
    }
  },
});
