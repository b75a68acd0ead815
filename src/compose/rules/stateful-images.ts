/**
 * Repositories of databases, caches, brokers, object stores and poolers, by what they run: data, not code.
 * Matched by repository, so `postgres-exporter` or `redis-commander` are not databases and `bitnami/postgresql`,
 * `confluentinc/cp-kafka` are. Docker Hub official images are written without `library/`; the settings file
 * (`stateful:` / `stateless:`) adds or removes repositories for a project's own mirrors and images.
 */
export const STATEFUL_REPOSITORIES: Readonly<Record<string, readonly string[]>> = {
  postgres: [
    'postgres',
    'postgis/postgis',
    'pgvector/pgvector',
    'timescale/timescaledb',
    'timescale/timescaledb-ha',
    'bitnami/postgresql',
    'bitnami/postgresql-repmgr',
    'supabase/postgres',
    'ghcr.io/cloudnative-pg/postgresql',
    'cockroachdb/cockroach',
  ],
  'a postgres pooler': ['edoburu/pgbouncer', 'bitnami/pgbouncer', 'pgbouncer/pgbouncer', 'bitnami/pgpool'],
  'mysql or mariadb': ['mysql', 'mariadb', 'percona', 'percona/percona-server', 'bitnami/mysql', 'bitnami/mariadb'],
  mongodb: ['mongo', 'bitnami/mongodb', 'mongodb/mongodb-community-server'],
  redis: [
    'redis',
    'redis/redis-stack',
    'redis/redis-stack-server',
    'bitnami/redis',
    'valkey/valkey',
    'bitnami/valkey',
    'eqalpha/keydb',
    'docker.dragonflydb.io/dragonflydb/dragonfly',
  ],
  memcached: ['memcached', 'bitnami/memcached'],
  'a message broker': [
    'rabbitmq',
    'bitnami/rabbitmq',
    'apache/kafka',
    'bitnami/kafka',
    'confluentinc/cp-kafka',
    'confluentinc/cp-server',
    'confluentinc/cp-zookeeper',
    'zookeeper',
    'bitnami/zookeeper',
    'redpandadata/redpanda',
    'docker.redpanda.com/redpandadata/redpanda',
    'nats',
  ],
  'a search engine': [
    'elasticsearch',
    'docker.elastic.co/elasticsearch/elasticsearch',
    'bitnami/elasticsearch',
    'opensearchproject/opensearch',
    'bitnami/opensearch',
    'getmeili/meilisearch',
    'typesense/typesense',
  ],
  'a column or time-series store': [
    'clickhouse/clickhouse-server',
    'yandex/clickhouse-server',
    'bitnami/clickhouse',
    'influxdb',
    'bitnami/influxdb',
    'questdb/questdb',
    'cassandra',
    'bitnami/cassandra',
  ],
  'a document or graph store': ['couchdb', 'couchbase', 'neo4j', 'arangodb'],
  'a vector store': ['qdrant/qdrant', 'semitechnologies/weaviate', 'milvusdb/milvus', 'chromadb/chroma'],
  'an object store': ['minio/minio', 'quay.io/minio/minio', 'bitnami/minio', 'chrislusf/seaweedfs'],
  etcd: ['quay.io/coreos/etcd', 'gcr.io/etcd-development/etcd', 'bitnami/etcd'],
  'sql server': ['mcr.microsoft.com/mssql/server'],
  oracle: ['gvenzl/oracle-xe', 'gvenzl/oracle-free', 'container-registry.oracle.com/database/enterprise'],
};

const HUB_PREFIXES = ['docker.io/', 'index.docker.io/', 'registry-1.docker.io/'];

/**
 * A repository as the table writes it: lower case, Docker Hub's host and `library/` dropped
 * (`docker.io/library/postgres` and `postgres` are one image).
 */
export function canonicalRepository(repository: string): string {
  let r = repository.trim().toLowerCase();
  for (const p of HUB_PREFIXES) if (r.startsWith(p)) r = r.slice(p.length);
  if (r.startsWith('library/')) r = r.slice('library/'.length);
  return r;
}

const KIND_OF = new Map(
  Object.entries(STATEFUL_REPOSITORIES).flatMap(([kind, repos]) => repos.map((r) => [r, kind] as const)),
);

/** What a repository runs if the table knows it as stateful. */
export const statefulKind = (repository: string): string | undefined => KIND_OF.get(canonicalRepository(repository));
