import { relative } from 'node:path';
import type { TopLevelSecret } from '../model.js';
import type { Origin } from '../tree.js';
import type { RuleContext } from './context.js';

/** The top-level secrets some prod service uses (undefined ones are DA-CMP-009's). */
export function usedSecrets(ctx: RuleContext): TopLevelSecret[] {
  const names = new Set(ctx.model.services.flatMap((s) => s.secrets.map((r) => r.source)));
  return [...names].map((n) => ctx.model.secrets[n]).filter((s): s is TopLevelSecret => s !== undefined);
}

export interface SecretFile {
  secret: TopLevelSecret;
  /** The absolute path of the file. */
  path: string;
  /** The `file:` value as written. */
  written: string;
  /** The `file:` line, where findings on the file go. */
  at: Origin;
  /** The path relative to the working directory, for messages. */
  shown: string;
}

/** The used secrets defined with `file:` (any other definition is DA-CMP-028's). */
export function secretFiles(ctx: RuleContext): SecretFile[] {
  return usedSecrets(ctx).flatMap((secret) =>
    secret.file && secret.resolvedFile
      ? [
          {
            secret,
            path: secret.resolvedFile,
            written: secret.file.value,
            at: secret.file.origin,
            shown: relative(ctx.cwd, secret.resolvedFile),
          },
        ]
      : [],
  );
}
