// The Dockerfile rules, one describe per rule id: what it catches and what it does not.
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
/** The seed with `lines` added to the runner stage before its USER. */
const runnerWith = (lines: string) => SEED.replace('USER appuser', `${lines}\nUSER appuser`);

test("the seed's layout passes every Dockerfile rule", () => {
  expect(ids(SEED)).toEqual([]);
});

describe('DA-DF-001 multi-stage', () => {
  test('catches a single stage, on its FROM', () => {
    expect(ids('FROM python:3.12-slim\nUSER app\n')).toEqual(['DA-DF-001@1']);
  });
  test('does not catch a builder and a runner stage', () => {
    expect(ids(SEED).filter((id) => id.startsWith('DA-DF-001'))).toEqual([]);
  });
});

describe('DA-DF-002 final-stage-user', () => {
  test('catches a final stage without USER, on its FROM', () => {
    expect(ids(SEED.replace('USER appuser\n', ''))).toEqual(['DA-DF-002@4']);
  });
  test('catches USER root or 0, on the USER', () => {
    expect(ids(SEED.replace('USER appuser', 'USER 0:0'))).toEqual(['DA-DF-002@6']);
  });
  test('does not catch a USER set in the stage a runner is built FROM', () => {
    expect(ids('FROM scratch AS base\nUSER 1000\nFROM base AS runner\nCOPY a b\n')).toEqual([]);
  });
});

describe('DA-DF-003 no-tool-image-in-runner', () => {
  test('catches copying from the uv image into the runner', () => {
    expect(ids(runnerWith('COPY --from=ghcr.io/astral-sh/uv:latest /uv /bin/uv'))).toEqual(['DA-DF-003@6']);
  });
  test('catches copying the whole of a builder stage', () => {
    expect(ids(runnerWith('COPY --from=builder / /'))).toEqual(['DA-DF-003@6']);
  });
  test('does not catch a file from a runtime image, or /app/.venv from the builder', () => {
    expect(ids(runnerWith('COPY --from=busybox:1.36 /bin/busybox /bin/'))).toEqual([]);
    expect(ids(SEED)).toEqual([]);
  });
});

describe('DA-DF-004 no-secret-in-arg-env', () => {
  const text = runnerWith(
    'ENV DB_PASSWORD=hunter2 DB_PASSWORD_FILE=/run/secrets/db\nARG API_KEY=abc\nARG GITHUB_TOKEN',
  );
  test('catches secret-like ENV values and ARG defaults, at the property', () => {
    expect(lint(text).map((f) => [f.ruleId, f.location?.line, f.location?.column])).toEqual([
      ['DA-DF-004', 6, 5],
      ['DA-DF-004', 7, 5],
    ]);
  });
  test('does not catch *_FILE pointers or an ARG without a default', () => {
    expect(lint(text).map((f) => f.location?.line)).not.toContain(8);
    expect(lint(text)).toHaveLength(2);
  });
  test('judges names as credentials or not', () => {
    expect(isSecretLikeKey('SECRET_KEY')).toBe(true);
    expect(isSecretLikeKey('DB_PASSWORD_FILE')).toBe(false);
    expect(isSecretLikeKey('PYTHONUNBUFFERED')).toBe(false);
  });
});

describe('DA-DF-005 dockerignore', () => {
  test('catches a .dockerignore that misses .env.*, secrets/', () => {
    expect(ids(SEED, parseDockerIgnore('.git\n.env\n'))).toEqual(['DA-DF-005@1']);
    expect(lint(SEED, parseDockerIgnore('.git\n.env\n'))[0]!.message).toContain('.env.*, secrets/');
  });
  test('catches a build context without .dockerignore', () => {
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
  test('does not catch one that excludes .env, .env.*, secrets/ and .git', () => {
    expect(ids(SEED, GOOD_IGNORE)).toEqual([]);
  });
});
