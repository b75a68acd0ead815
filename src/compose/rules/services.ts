import type { ServiceModel } from '../model.js';
import type { ProdRule, RuleContext } from './context.js';

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

export interface ImageRef {
  repository: string;
  tag?: string;
  digest?: string;
}

export function parseImageRef(image: string): ImageRef {
  let rest = image.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const colon = rest.lastIndexOf(':');
  const slash = rest.lastIndexOf('/');
  let tag: string | undefined;
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const ref: ImageRef = { repository: rest };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

function statefulName(image: string): string | undefined {
  const base = parseImageRef(image).repository.split('/').pop()!.toLowerCase();
  return STATEFUL.find((s) => base === s || base.startsWith(`${s}-`) || base.startsWith(`${s}_`));
}

const forEach =
  (fn: (svc: ServiceModel, ctx: RuleContext) => void): ProdRule =>
  (ctx) => {
    for (const svc of ctx.model.services) fn(svc, ctx);
  };

export const statefulService = forEach((svc, ctx) => {
  if (!svc.image) return;
  const kind = statefulName(svc.image.value);
  if (kind)
    ctx.report({
      ruleId: 'DA-CMP-024',
      message: `service "${svc.name}" runs ${kind} (image ${svc.image.value}) in prod; use a managed service and reach it by address`,
      origin: svc.image.origin,
    });
});

export const resourceLimits = forEach((svc, ctx) => {
  const cpu = svc.limits.cpus ?? svc.cpus;
  const mem = svc.limits.memory ?? svc.memLimit;
  const missing = [cpu ? undefined : 'CPU', mem ? undefined : 'memory'].filter(Boolean);
  if (missing.length)
    ctx.report({
      ruleId: 'DA-CMP-025',
      message: `service "${svc.name}" has no ${missing.join(' and ')} limit (deploy.resources.limits${missing.length === 2 ? '.cpus/.memory' : missing[0] === 'CPU' ? '.cpus or cpus' : '.memory or mem_limit'})`,
      origin: svc.origin,
    });
});

export const rootUser = forEach((svc, ctx) => {
  if (!svc.user) return;
  const user = svc.user.value.split(':')[0]!.trim();
  if (user === 'root' || user === '0')
    ctx.report({
      ruleId: 'DA-CMP-037',
      message: `service "${svc.name}" runs as ${svc.user.value}, undoing the image's non-root user`,
      origin: svc.user.origin,
    });
});

export const privileged = forEach((svc, ctx) => {
  if (svc.privileged?.value)
    ctx.report({ ruleId: 'DA-CMP-038', message: `service "${svc.name}" is privileged`, origin: svc.privileged.origin });
});

export const hostNetwork = forEach((svc, ctx) => {
  if (svc.networkMode?.value === 'host')
    ctx.report({
      ruleId: 'DA-CMP-039',
      message: `service "${svc.name}" uses the host network`,
      origin: svc.networkMode.origin,
    });
});

export const hostPid = forEach((svc, ctx) => {
  if (svc.pid?.value === 'host')
    ctx.report({
      ruleId: 'DA-CMP-040',
      message: `service "${svc.name}" shares the host PID namespace`,
      origin: svc.pid.origin,
    });
});

export const dangerousCaps = forEach((svc, ctx) => {
  for (const cap of svc.capAdd) {
    const name = cap.value.toUpperCase().replace(/^CAP_/, '');
    if (name === 'ALL' || name === 'SYS_ADMIN')
      ctx.report({
        ruleId: 'DA-CMP-041',
        message: `service "${svc.name}" adds capability ${cap.value}`,
        origin: cap.origin,
      });
  }
});

export const imagePinned = forEach((svc, ctx) => {
  if (!svc.image) {
    if (svc.build)
      ctx.report({
        ruleId: 'DA-CMP-042',
        message: `service "${svc.name}" builds without an image name, so Compose tags it ${ctx.model.projectName}-${svc.name}:latest; name and tag the image`,
        origin: svc.build.origin,
      });
    return;
  }
  const ref = parseImageRef(svc.image.value);
  if (ref.digest) return;
  const written = svc.image.raw ? ` (written ${svc.image.raw})` : '';
  if (!ref.tag)
    ctx.report({
      ruleId: 'DA-CMP-042',
      message: `image ${svc.image.value}${written} has no tag, which means latest`,
      origin: svc.image.origin,
    });
  else if (ref.tag === 'latest')
    ctx.report({
      ruleId: 'DA-CMP-042',
      message: `image ${svc.image.value}${written} uses the moving tag latest`,
      origin: svc.image.origin,
    });
});

export const restartPolicy = forEach((svc, ctx) => {
  const policy = svc.restart?.value;
  const deployPolicy = svc.node.entries.get('deploy')?.value;
  const hasDeployRestart =
    deployPolicy?.kind === 'map' && deployPolicy.entries.get('restart_policy')?.value.kind === 'map';
  if (hasDeployRestart) return;
  if (!policy || policy === 'no' || policy === 'false')
    ctx.report({
      ruleId: 'DA-CMP-043',
      message: policy ? `service "${svc.name}" has restart: ${policy}` : `service "${svc.name}" has no restart policy`,
      origin: svc.restart?.origin ?? svc.origin,
    });
});

export const healthcheck = forEach((svc, ctx) => {
  if (svc.healthcheck.present) return;
  ctx.report({
    ruleId: 'DA-CMP-044',
    message: svc.healthcheck.disabled
      ? `service "${svc.name}" disables its healthcheck; the deploy cannot wait for health`
      : `service "${svc.name}" has no healthcheck in the compose files; the deploy can only wait for "running" unless the image defines one`,
    origin: svc.healthcheck.origin ?? svc.origin,
  });
});
