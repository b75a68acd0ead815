import { parseDockerIgnore } from '../../src/docker/dockerignore.js';
import { lintDockerfile } from '../../src/check/dockerfile/lint.js';
import { isSecretLikeKey } from '../../src/rules/secret-names.js';
import { findStage, parseDockerfile } from '../../src/check/dockerfile/parse.js';

const GOOD_IGNORE = parseDockerIgnore('.git\n.env\n.env.*\nsecrets/\n');

function lint(text: string, ignore = GOOD_IGNORE) {
  const parsed = parseDockerfile(text);
  return lintDockerfile({
    file: 'deploy/Dockerfile',
    parsed,
    target: findStage(parsed, undefined)!,
    dockerIgnore: ignore,
    dockerIgnorePath: '.dockerignore',
  });
}
const ids = (text: string, ignore = GOOD_IGNORE) => lint(text, ignore).map((f) => `${f.ruleId}@${f.location?.line}`);

const SEED = `FROM python:3.12-slim AS builder
COPY --from=ghcr.io/astral-sh/uv:latest /uv /bin/uv
RUN uv sync --frozen --no-dev
FROM python:3.12-slim AS runner
COPY --from=builder /app/.venv /app/.venv
USER appuser
`;

describe('Dockerfile rules', () => {
  test("the seed's layout passes", () => {
    expect(ids(SEED)).toEqual([]);
  });
  test('a single stage fails DA-DF-001 on its FROM', () => {
    expect(ids('FROM python:3.12-slim\nUSER app\n')).toEqual(['DA-DF-001@1']);
  });
  test('a final stage without USER, or with USER root, fails DA-DF-002', () => {
    expect(ids(SEED.replace('USER appuser\n', ''))).toEqual(['DA-DF-002@4']);
    expect(ids(SEED.replace('USER appuser', 'USER 0:0'))).toEqual(['DA-DF-002@6']);
  });
  test('USER set in the stage a runner is built FROM counts', () => {
    expect(ids('FROM scratch AS base\nUSER 1000\nFROM base AS runner\nCOPY a b\n')).toEqual([]);
  });
  test('copying from the uv image or a whole builder stage into the runner fails DA-DF-003', () => {
    expect(
      ids(SEED.replace('USER appuser', 'COPY --from=ghcr.io/astral-sh/uv:latest /uv /bin/uv\nUSER appuser')),
    ).toEqual(['DA-DF-003@6']);
    expect(ids(SEED.replace('USER appuser', 'COPY --from=builder / /\nUSER appuser'))).toEqual(['DA-DF-003@6']);
    expect(ids(SEED.replace('USER appuser', 'COPY --from=busybox:1.36 /bin/busybox /bin/\nUSER appuser'))).toEqual([]);
  });
  test('secret-like ARG and ENV values fail DA-DF-004 at the property', () => {
    const text = SEED.replace(
      'USER appuser',
      'ENV DB_PASSWORD=hunter2 DB_PASSWORD_FILE=/run/secrets/db\nARG API_KEY=abc\nARG GITHUB_TOKEN\nUSER appuser',
    );
    expect(lint(text).map((f) => [f.ruleId, f.location?.line, f.location?.column])).toEqual([
      ['DA-DF-004', 6, 5],
      ['DA-DF-004', 7, 5],
    ]);
    expect(isSecretLikeKey('SECRET_KEY')).toBe(true);
    expect(isSecretLikeKey('DB_PASSWORD_FILE')).toBe(false);
    expect(isSecretLikeKey('PYTHONUNBUFFERED')).toBe(false);
  });
  test('.dockerignore must exist and exclude .env, .env.*, secrets/ and .git', () => {
    expect(ids(SEED, parseDockerIgnore('.git\n.env\n'))).toEqual(['DA-DF-005@1']);
    expect(lint(SEED, parseDockerIgnore('.git\n.env\n'))[0]!.message).toContain('.env.*, secrets/');
    expect(
      lintDockerfile({
        file: 'Dockerfile',
        parsed: parseDockerfile(SEED),
        target: parseDockerfile(SEED).stages[1]!,
        dockerIgnore: undefined,
        dockerIgnorePath: '.dockerignore',
      }).map((f) => f.ruleId),
    ).toEqual(['DA-DF-005']);
  });
});
