import { readEnvFileText } from '../env-files.js';
import { hasUrlCredentials, isSecretLikeKey } from '../../rules/secret-names.js';
import { parseDotenv } from '../dotenv.js';
import type { Origin } from '../tree.js';
import { composeRule } from './context.js';
import { envFileRefs } from './env-files.js';

export const secretInEnvFile = composeRule({
  meta: {
    id: 'DA-CMP-033',
    name: 'secret-in-env-file',
    severity: 'error',
    area: 'compose',
    summary: 'The prod `env_file` holds no secret-like key with a value.',
    rationale: 'An env file is loaded into the container environment, where `docker inspect` shows it.',
    fix: 'Keep settings without passwords in `.env.prod`; move each password to a secret file read via `*_FILE`.',
  },
  async check(ctx, report) {
    for (const f of envFileRefs(ctx)) {
      // A missing env file is DA-CMP-011's; an unreadable one has nothing to check.
      const text = await readEnvFileText(f.resolvedPath, f.origin, ctx.model.repositoryRoot).catch(() => undefined);
      if (text === undefined) continue;
      for (const entry of parseDotenv(text, {})) {
        const at: Origin = { file: f.resolvedPath, line: entry.line, column: 1 };
        if (entry.value && isSecretLikeKey(entry.key))
          report(`env file ${f.path} sets ${entry.key}; docker inspect shows it`, at);
        else if (entry.value && hasUrlCredentials(entry.value))
          report(`env file ${f.path} sets ${entry.key} to a URL with a password in it`, at);
      }
    }
  },
});
