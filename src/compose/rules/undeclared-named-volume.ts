import { composeRule } from './context.js';

export const undeclaredNamedVolume = composeRule({
  meta: {
    id: 'DA-CMP-023',
    name: 'undeclared-named-volume',
    severity: 'warning',
    area: 'compose',
    summary:
      'Named volumes in prod are declared data volumes (label `com.doongzi.deploy-action.data: "true"` on the top-level volume).',
    rationale:
      'State in prod lives in managed services; a named volume is either deliberate data (declare it) or a leftover that shadows files of the new image.',
    fix: 'Remove the volume, or declare it: `volumes: NAME: labels: com.doongzi.deploy-action.data: "true"`.',
  },
  check(ctx, report) {
    for (const svc of ctx.model.services) {
      for (const v of svc.volumes) {
        if (v.type !== 'volume') continue;
        if (!v.source) {
          report(
            `service "${svc.name}" has an anonymous volume at ${v.target}; it outlives the container and shadows the new image's files`,
            v.origin,
          );
          continue;
        }
        const decl = ctx.model.volumes[v.source];
        if (decl?.data) continue;
        report(
          decl
            ? `service "${svc.name}" mounts named volume "${v.source}" at ${v.target}, which is not declared as a data volume (label com.doongzi.deploy-action.data: "true")`
            : `service "${svc.name}" mounts named volume "${v.source}", which no top-level volumes: entry declares`,
          v.origin,
        );
      }
    }
  },
});
