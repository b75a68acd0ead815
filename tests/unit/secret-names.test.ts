// Secret names by word, not substring: one table drives isSecretLikeKey, hasUrlCredentials and DA-DF-004.
import { lintDockerfile } from '../../src/check/dockerfile/lint.js';
import { parseDockerfile } from '../../src/check/dockerfile/parse.js';
import { hasUrlCredentials, isSecretLikeKey, nameWords } from '../../src/rules/secret-names.js';

/** [name, value, is it a secret in an ENV]: names of real Python/ML/web images, values as they set them. */
const CASES: Array<[string, string, boolean]> = [
  ['DB_PASSWORD', 'hunter2', true],
  ['POSTGRES_PASSWORD', 'pg-pass-1', true],
  ['SECRET_KEY', 'django-insecure-x', true],
  ['AWS_SECRET_ACCESS_KEY', 'wJalr', true],
  ['GITHUB_TOKEN', 'ghp_0042', true],
  ['API_KEY', 'key-0001', true],
  ['PRIVATE_KEY', 'pem-body', true],
  ['OPENAI_API_KEY', 'sk-x', true],
  ['STRIPE_KEY', 'sk_live_0042', true],
  ['authToken', 'tok-0042', true],
  ['clientSecret', 'sec-0042', true],
  ['MYSQL_ROOTPASSWORD', 'root-pw1', true],
  ['SLACK-WEBHOOK-TOKEN', 'xoxb-0042', true],
  ['GOOGLE_APPLICATION_CREDENTIALS_JSON', '{"type":"sa"}', true],
  ['DATABASE_URL', 'postgres://app:s3cret@db:5432/app', true],
  ['REDIS_URL', 'redis://:pw@cache:6379/0', false],
  ['DATABASE_URL', 'postgres://db:5432/app', false],
  ['TIKTOKEN_ENCODING_NAME', 'cl100k_base', false],
  ['TOKENIZERS_PARALLELISM', 'false', false],
  ['HF_HUB_DISABLE_TELEMETRY', '1', false],
  ['DB_PASSWORD_FILE', '/run/secrets/db_password', false],
  ['SSH_PRIVATE_KEY_PATH', '/run/secrets/key', false],
  ['SECRETS_DIR', '/run/secrets', false],
  ['KEYCLOAK_REALM', 'app', false],
  ['MONKEY', 'patch', false],
  ['PYTHONUNBUFFERED', '1', false],
  ['PASSLIB_BUILTIN_BCRYPT', 'enabled', false],
  ['REFRESH_TOKEN', 'rt-0042', true],
  ['MAX_TOKENS', '4096', false],
  ['MAX_NEW_TOKENS', '512', false],
  ['ACCESS_TOKEN_EXPIRE_MINUTES', '11520', false],
  ['PASSWORD_MIN_LENGTH', '12', false],
  ['JWT_ACCESS_TOKEN_LIFETIME', '300', false],
  ['ALLOW_EMPTY_PASSWORD', 'yes', false],
  ['MYSQL_RANDOM_ROOT_PASSWORD', 'yes', false],
  ['MARIADB_ALLOW_EMPTY_ROOT_PASSWORD', '1', false],
  ['PASSWORD_AUTH_DISABLED', 'true', false],
];

describe('secret names by word', () => {
  test('splits names on _, -, . and camelCase', () => {
    expect(nameWords('AWS_SECRET_ACCESS_KEY')).toEqual(['aws', 'secret', 'access', 'key']);
    expect(nameWords('clientAPIKey')).toEqual(['client', 'api', 'key']);
    expect(nameWords('slack-webhook.token')).toEqual(['slack', 'webhook', 'token']);
  });

  test.each(CASES)('%s=%s: secret %s', (name, value, secret) => {
    expect(isSecretLikeKey(name) || hasUrlCredentials(value)).toBe(secret);
  });

  const dockerfile = `FROM python:3.12-slim AS builder\nRUN true\nFROM python:3.12-slim\n${CASES.map(
    ([name, value]) => `ENV ${name}=${JSON.stringify(value)}`,
  ).join('\n')}\nUSER 1000\n`;
  const findings = lintDockerfile({
    file: 'Dockerfile',
    parsed: parseDockerfile(dockerfile),
    target: parseDockerfile(dockerfile).stages[1]!,
    dockerIgnore: undefined,
    dockerIgnorePath: '.dockerignore',
  }).filter((f) => f.ruleId === 'DA-DF-004');

  test('DA-DF-004 catches exactly the secret rows, each on its own line', () => {
    const caught = findings.map((f) => f.location!.line - 4);
    expect(caught).toEqual(CASES.flatMap(([, , secret], row) => (secret ? [row] : [])));
  });
  test('DA-DF-004 does not catch a row the table says is not a secret, and never prints a value', () => {
    const secretValues = CASES.filter(([, , secret]) => secret).map(([, value]) => value);
    for (const f of findings) for (const value of secretValues) expect(f.message).not.toContain(value);
    const lines = new Set(findings.map((f) => f.location!.line - 4));
    expect(CASES.filter(([, , secret], row) => !secret && lines.has(row))).toEqual([]);
  });
});
