import { relative } from 'node:path';
import { isInside, type ProdRule } from './context.js';

const DOCKER_SOCKETS = ['/var/run/docker.sock', '/run/docker.sock'];

/** Bind mounts (docker socket, source code, other host paths) and named volumes not declared as data. */
export const mounts: ProdRule = (ctx) => {
  const { model } = ctx;
  for (const svc of model.services) {
    const contexts = [...(svc.build ? [svc.build.resolvedContext] : []), ...ctx.buildContexts];
    for (const v of svc.volumes) {
      if (v.type === 'bind' && v.resolvedSource) {
        const src = v.resolvedSource;
        if (DOCKER_SOCKETS.includes(src)) {
          ctx.report({
            ruleId: 'DA-CMP-021',
            message: `service "${svc.name}" mounts the Docker socket ${src}`,
            origin: v.origin,
          });
          continue;
        }
        const sourceRoot = contexts.find((c) => isInside(src, c)) ?? (isInside(src, ctx.cwd) ? ctx.cwd : undefined);
        if (sourceRoot) {
          const shown = relative(ctx.cwd, src) || '.';
          ctx.report({
            ruleId: 'DA-CMP-022',
            message: `service "${svc.name}" mounts source ${shown} at ${v.target}, running host files instead of the built image${resetHint(v.origin.file, model.files)}`,
            origin: v.origin,
          });
          continue;
        }
        ctx.report({
          ruleId: 'DA-CMP-020',
          message: `service "${svc.name}" bind-mounts host path ${src} at ${v.target}${resetHint(v.origin.file, model.files)}`,
          origin: v.origin,
        });
      } else if (v.type === 'volume') {
        if (!v.source) {
          ctx.report({
            ruleId: 'DA-CMP-023',
            message: `service "${svc.name}" has an anonymous volume at ${v.target}; it outlives the container and shadows the new image's files`,
            origin: v.origin,
          });
          continue;
        }
        const decl = model.volumes[v.source];
        if (decl?.data) continue;
        ctx.report({
          ruleId: 'DA-CMP-023',
          message: decl
            ? `service "${svc.name}" mounts named volume "${v.source}" at ${v.target}, which is not declared as a data volume (label com.doongzi.deploy-action.data: "true")`
            : `service "${svc.name}" mounts named volume "${v.source}", which no top-level volumes: entry declares`,
          origin: v.origin,
        });
      }
    }
  }
};

function resetHint(file: string, files: readonly string[]): string {
  const last = files[files.length - 1];
  return files.length > 1 && file !== last
    ? '; it comes from a file the prod override does not reset (`volumes: !reset []`)'
    : '';
}
