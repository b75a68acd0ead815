import { readFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { dotenvPath, parseDotenv } from '../dotenv.js';
import type { Origin } from '../tree.js';
import { exists, type ProdRule } from './context.js';
import { hasUrlCredentials, isSecretLikeKey } from '../../rules/secret-names.js';

/** Secret-like variables in `environment:` carry no value, literal or interpolated. */
export const secretEnvironment: ProdRule = (ctx) => {
  for (const svc of ctx.model.services) {
    for (const e of svc.environment) {
      const secretKey = isSecretLikeKey(e.key);
      if (secretKey && e.value === null) {
        ctx.report({
          ruleId: 'DA-CMP-032',
          message: `service "${svc.name}" passes ${e.key} from the host environment; docker inspect shows it. Use a secret file and ${e.key}_FILE=/run/secrets/...`,
          origin: e.origin,
        });
      } else if (secretKey && (e.value !== '' || (e.raw !== undefined && /\$\{?[A-Za-z_]/.test(e.raw)))) {
        // `${DB_PASSWORD}` is empty in CI but holds the password in prod: judged by what is written, not by CI's env.
        const how = e.raw ? `interpolated from ${e.raw}` : 'as a literal value';
        ctx.report({
          ruleId: 'DA-CMP-032',
          message: `service "${svc.name}" sets ${e.key} ${how}; docker inspect shows it. Use a secret file and ${e.key}_FILE=/run/secrets/...`,
          origin: e.origin,
        });
      } else if (e.value && hasUrlCredentials(e.value)) {
        ctx.report({
          ruleId: 'DA-CMP-032',
          message: `service "${svc.name}" sets ${e.key} to a URL with a password in it; docker inspect shows it`,
          origin: e.origin,
        });
      }
    }
  }
};

/** Env files: missing ones are notices; present ones hold no secret-like keys with values. */
export const envFiles: ProdRule = async (ctx) => {
  const seen = new Set<string>();
  for (const svc of ctx.model.services) {
    for (const f of svc.envFiles) {
      if (seen.has(f.resolvedPath)) continue;
      seen.add(f.resolvedPath);
      if (!(await exists(f.resolvedPath))) {
        if (f.required)
          ctx.report({
            ruleId: 'DA-CMP-011',
            message: `env_file ${f.path} is not in the checkout (gitignored?); its keys were not checked`,
            origin: f.origin,
          });
        continue;
      }
      let text: string;
      try {
        text = await readFile(f.resolvedPath, 'utf8');
      } catch {
        continue;
      }
      for (const entry of parseDotenv(text, {})) {
        const at: Origin = { file: f.resolvedPath, line: entry.line, column: 1 };
        if (entry.value && isSecretLikeKey(entry.key))
          ctx.report({
            ruleId: 'DA-CMP-033',
            message: `env file ${f.path} sets ${entry.key}; docker inspect shows it`,
            origin: at,
          });
        else if (entry.value && hasUrlCredentials(entry.value))
          ctx.report({
            ruleId: 'DA-CMP-033',
            message: `env file ${f.path} sets ${entry.key} to a URL with a password in it`,
            origin: at,
          });
      }
    }
  }
};

/** `.env` files and env files stay out of git: ignored by .gitignore and not tracked. */
export const envFilesInGit: ProdRule = async (ctx) => {
  const git = ctx.git;
  if (!git) return;
  const firstFile = ctx.model.files[0]!;
  const candidates = new Map<string, Origin>();
  for (const svc of ctx.model.services)
    for (const f of svc.envFiles) if (!candidates.has(f.resolvedPath)) candidates.set(f.resolvedPath, f.origin);
  // The dev `.env` files: the project's (Compose's) and the repository root's (the seed's layout).
  for (const dir of new Set([ctx.model.projectDir, git.root, dirname(firstFile)])) {
    const p = dotenvPath(resolve(dir));
    if (!candidates.has(p)) candidates.set(p, { file: p, line: 1, column: 1 });
  }
  for (const [path, origin] of candidates) {
    if (!git.contains(path)) continue;
    const shown = relative(ctx.cwd, path);
    const present = await exists(path);
    const at = present || origin.file !== path ? origin : { file: firstFile, line: 1, column: 1 };
    if (await git.isTracked(path))
      ctx.report({
        ruleId: 'DA-CMP-034',
        message: `${shown} is tracked by git; remove it from the index and rotate what it holds`,
        origin: at,
      });
    if ((await git.isIgnored(path)) === false && (present || origin.file !== path))
      ctx.report({ ruleId: 'DA-CMP-035', message: `${shown} is not covered by .gitignore`, origin: at });
  }
};
