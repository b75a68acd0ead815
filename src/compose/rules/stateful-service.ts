import { composeRule } from './context.js';
import { parseImageRef } from './image-ref.js';
import { canonicalRepository, statefulKind } from './stateful-images.js';

export const statefulService = composeRule({
  meta: {
    id: 'DA-CMP-024',
    name: 'stateful-service',
    severity: 'error',
    area: 'compose',
    summary:
      'Prod runs no database, cache, broker, pooler or object-store containers (postgres, bitnami/postgresql, mysql, mongo, redis, valkey, confluentinc/cp-kafka, edoburu/pgbouncer, elasticsearch, clickhouse, minio, seaweedfs, ...), known by image repository.',
    rationale:
      'The seed uses managed services (RDS, ElastiCache) in prod: backups, failover and upgrades are not a container on the app host.',
    fix: "Move the service to the dev override and point the app at the managed service's address via `.env.prod`. An image the table does not know (a mirror, your own build) goes under `stateful:` in `.github/deploy-action.yml`; one it wrongly knows under `stateless:`.",
  },
  check(ctx, report) {
    const listed = (list: readonly string[], repo: string) => list.some((r) => canonicalRepository(r) === repo);
    for (const svc of ctx.model.services) {
      if (!svc.image) continue;
      const repo = canonicalRepository(parseImageRef(svc.image.value).repository);
      if (listed(ctx.images?.stateless ?? [], repo)) continue;
      const kind = statefulKind(repo) ?? (listed(ctx.images?.stateful ?? [], repo) ? 'a stateful image' : undefined);
      if (kind)
        report(
          `service "${svc.name}" runs ${kind} (image ${svc.image.value}) in prod; use a managed service and reach it by address`,
          svc.image.origin,
        );
    }
  },
});
