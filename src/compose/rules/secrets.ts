import { basename, dirname, join, relative } from 'node:path';
import { loadDockerIgnore } from '../../docker/dockerignore.js';
import type { TopLevelSecret } from '../model.js';
import { exists, isInside, type ProdRule, type RuleContext } from './context.js';

/** Secret references: defined, long syntax, mode 0400 or stricter. */
export const secretRefs: ProdRule = (ctx) => {
  for (const svc of ctx.model.services) {
    for (const ref of svc.secrets) {
      if (!ctx.model.secrets[ref.source]) {
        ctx.report({
          ruleId: 'DA-CMP-009',
          message: `service "${svc.name}" uses secret "${ref.source}", which no top-level secrets: entry defines`,
          origin: ref.origin,
        });
      }
      if (!ref.long) {
        ctx.report({
          ruleId: 'DA-CMP-026',
          message: `service "${svc.name}" uses secret "${ref.source}" in short syntax; write source, target and mode: 0400`,
          origin: ref.origin,
        });
        continue;
      }
      // Judged by what Compose reads, which Swarm applies: a quoted "0400" is the decimal 400 (0620 in octal).
      const mode = ref.mode;
      const quotedOctal = ref.modeText !== undefined && /^0o?[0-7]+$/i.test(ref.modeText.trim());
      if (mode === undefined || Number.isNaN(mode))
        ctx.report({
          ruleId: 'DA-CMP-027',
          message:
            ref.modeText === undefined
              ? `secret "${ref.source}" of service "${svc.name}" has no mode; set mode: 0400`
              : `secret "${ref.source}" of service "${svc.name}" has mode ${ref.modeText}, which Compose cannot read; set mode: 0400`,
          origin: ref.modeOrigin ?? ref.origin,
        });
      else if ((mode & ~0o400) !== 0)
        ctx.report({
          ruleId: 'DA-CMP-027',
          message: quotedOctal
            ? `secret "${ref.source}" of service "${svc.name}" has mode "${ref.modeText}" in quotes: Compose reads a quoted mode as decimal (${mode} = 0${mode.toString(8)}). Write it unquoted: mode: 0400`
            : `secret "${ref.source}" of service "${svc.name}" has mode 0${mode.toString(8)}; 0400 or stricter keeps it to its owner, read-only`,
          origin: ref.modeOrigin ?? ref.origin,
        });
    }
  }
};

function usedSecrets(ctx: RuleContext): TopLevelSecret[] {
  const names = new Set(ctx.model.services.flatMap((s) => s.secrets.map((r) => r.source)));
  return [...names].map((n) => ctx.model.secrets[n]).filter((s): s is TopLevelSecret => s !== undefined);
}

/** Top-level definitions of the secrets in use: a file, present or noted, out of git and out of the image. */
export const secretFiles: ProdRule = async (ctx) => {
  for (const secret of usedSecrets(ctx)) {
    if (!secret.file || !secret.resolvedFile) {
      const how = secret.environment
        ? `from the environment variable ${secret.environment.value}`
        : secret.external
          ? 'as external'
          : 'without file:';
      ctx.report({
        ruleId: 'DA-CMP-028',
        message: `secret "${secret.name}" is defined ${how}; prod secrets are files the deploy writes (file: ../secrets/${secret.name}.txt)`,
        origin: secret.environment?.origin ?? secret.origin,
      });
      continue;
    }
    const path = secret.resolvedFile;
    const at = secret.file.origin;
    const shown = relative(ctx.cwd, path);
    if (!(await exists(path)))
      ctx.report({
        ruleId: 'DA-CMP-012',
        message: `secret file ${secret.file.value} is not in the checkout (as it should be: it is gitignored); the deploy writes it on the server`,
        origin: at,
      });
    ctx.report({
      ruleId: 'DA-CMP-031',
      message: `Compose ignores mode/uid/gid for the file secret "${secret.name}": the container sees ${shown}'s own owner and mode, so the deploy writes it at 0400 owned by the runtime uid`,
      origin: at,
    });
    if (ctx.git) {
      if (await ctx.git.isTracked(path))
        ctx.report({
          ruleId: 'DA-CMP-034',
          message: `secret file ${shown} is tracked by git; remove it from the index and rotate the secret`,
          origin: at,
        });
      if ((await ctx.git.isIgnored(path)) === false)
        ctx.report({
          ruleId: 'DA-CMP-029',
          message: `secret file ${shown} is not ignored by git; add its directory to .gitignore`,
          origin: at,
        });
    }
    for (const context of new Set([
      ...ctx.buildContexts,
      ...ctx.model.services.flatMap((s) => (s.build ? [s.build.resolvedContext] : [])),
    ])) {
      if (!isInside(path, context)) continue;
      const { ignore } = await loadDockerIgnore(context, ctx.dockerfile);
      if (!ignore?.excludes(relative(context, path)))
        ctx.report({
          ruleId: 'DA-CMP-030',
          message: `secret file ${shown} is inside the build context ${relative(ctx.cwd, context) || '.'} and ${ignore ? '.dockerignore does not exclude it' : 'there is no .dockerignore'}; a COPY can bake it into the image`,
          origin: at,
        });
    }
    const example = join(dirname(dirname(path)), `${basename(dirname(path))}.example`, basename(path));
    if (!(await exists(example)))
      ctx.report({
        ruleId: 'DA-CMP-036',
        message: `no ${relative(ctx.cwd, example)} documents the secret file ${basename(path)}`,
        origin: at,
      });
  }
};
