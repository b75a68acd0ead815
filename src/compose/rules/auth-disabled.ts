import { parseDotenv } from '../dotenv.js';
import { readEnvFileText } from '../env-files.js';
import type { Origin } from '../tree.js';
import { composeRule } from './context.js';
import { envFileRefs } from './env-files.js';

/** Image settings that switch a database's or pooler's authentication off, as each image's entrypoint reads them. */
const AUTH_SWITCHES: readonly { keys: readonly string[]; off: (value: string) => boolean; effect: string }[] = [
  {
    keys: ['POSTGRES_HOST_AUTH_METHOD'],
    off: (v) => v.trim().toLowerCase() === 'trust',
    effect: 'lets every host connect to PostgreSQL as any user without a password',
  },
  {
    // The official mysql and mariadb entrypoints test for a non-empty value: even "no" switches it on.
    keys: ['MYSQL_ALLOW_EMPTY_PASSWORD', 'MARIADB_ALLOW_EMPTY_ROOT_PASSWORD', 'MARIADB_ALLOW_EMPTY_PASSWORD'],
    off: (v) => v !== '',
    effect: 'creates the database root account with an empty password (any non-empty value switches it on)',
  },
  {
    // Bitnami images read yes/true/1.
    keys: ['ALLOW_EMPTY_PASSWORD'],
    off: (v) => /^(yes|true|1)$/i.test(v.trim()),
    effect: 'lets the Bitnami image run without a password',
  },
  {
    keys: ['AUTH_TYPE', 'PGBOUNCER_AUTH_TYPE'],
    off: (v) => /^(trust|any)$/i.test(v.trim()),
    effect: 'makes the connection pooler accept any password, or none',
  },
];

/** What setting `key` to `value` switches off, if it does. */
export function authSwitchedOff(key: string, value: string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  const k = key.toUpperCase();
  return AUTH_SWITCHES.find((s) => s.keys.includes(k) && s.off(value))?.effect;
}

export const authDisabled = composeRule({
  meta: {
    id: 'DA-CMP-049',
    name: 'auth-disabled',
    severity: 'error',
    area: 'compose',
    summary:
      "No prod service switches authentication off (`POSTGRES_HOST_AUTH_METHOD: trust`, `MYSQL_ALLOW_EMPTY_PASSWORD`, `MARIADB_ALLOW_EMPTY_ROOT_PASSWORD`, `ALLOW_EMPTY_PASSWORD=yes`, a pooler's `AUTH_TYPE: trust`), in `environment` or an env file.",
    rationale:
      'Anything that reaches the port, another container or a forwarded port, gets the data: no password stands in the way.',
    fix: 'Remove the setting and give the service a password from a secret file (`POSTGRES_PASSWORD_FILE: /run/secrets/...`); use `scram-sha-256` or `md5` auth.',
  },
  async check(ctx, report) {
    for (const svc of ctx.model.services)
      for (const e of svc.environment) {
        const effect = authSwitchedOff(e.key, e.value);
        if (effect) report(`service "${svc.name}" sets ${e.key}=${e.value}, which ${effect}`, e.origin);
      }
    for (const f of envFileRefs(ctx)) {
      // A missing or unreadable env file is reported by the env-file rules.
      const text = await readEnvFileText(f.resolvedPath, f.origin, ctx.model.repositoryRoot).catch(() => undefined);
      if (text === undefined) continue;
      for (const entry of parseDotenv(text, {})) {
        const effect = authSwitchedOff(entry.key, entry.value);
        const at: Origin = { file: f.resolvedPath, line: entry.line, column: 1 };
        if (effect) report(`env file ${f.path} sets ${entry.key}=${entry.value}, which ${effect}`, at);
      }
    }
  },
});
