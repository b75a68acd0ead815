// A failed build must not look like a pass: the annotation sits on the line that failed, and a warning says the
// image proofs did not run. The logs are those of the test bed's buildx 0.13 on dockerd 20.10.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseDockerfile } from '../../src/check/dockerfile/parse.js';
import { failingLine, normaliseImageRef } from '../../src/check/image/build-failure.js';
import { runCheck } from '../../src/check/run-check.js';

const DOCKERFILE = `ARG PY=3.99
FROM python:\${PY}-slim AS builder
COPY --from=ghcr.io/astral-sh/uv:0.5 /uv /bin/uv
RUN --mount=type=cache,target=/root/.cache/uv \\
    uv sync --frozen --no-dev
FROM deploy-action-test/nosuchimage:1.0 AS runner
COPY --from=builder --chown=app:app /app/.venv /app/.venv
RUN echo two && \\
  exit 3
USER app
`;
const parsed = parseDockerfile(DOCKERFILE);
const metadataError = (ref: string) => `#3 [internal] load metadata for ${ref}
#3 ERROR: failed to do request: Head "https://registry.invalid/v2/x/manifests/1.0": no such host
------
 > [internal] load metadata for ${ref}:
------
ERROR: failed to solve: rpc error: code = Unknown desc = failed to solve with frontend dockerfile.v0: failed to create LLB definition`;
const stepError = (step: string) => `#7 [${step}
#7 ERROR: executor failed running: exit code: 3
------
 > [${step}:
0.077 two
------
ERROR: failed to solve: exit code: 3`;

describe('DA-INP-005 on the line that failed', () => {
  test('catches the FROM (after ARGs) or COPY --from image BuildKit could not resolve', () => {
    expect(failingLine(metadataError('docker.io/deploy-action-test/nosuchimage:1.0'), 'Dockerfile', parsed)).toBe(6);
    expect(failingLine(metadataError('docker.io/library/python:3.99-slim'), 'Dockerfile', parsed)).toBe(2);
    expect(failingLine(metadataError('ghcr.io/astral-sh/uv:0.5'), 'Dockerfile', parsed)).toBe(3);
    expect(
      failingLine(
        'pull access denied for deploy-action-test/nosuchimage, repository does not exist',
        'Dockerfile',
        parsed,
      ),
    ).toBe(6);
  });
  test('catches the step whose flags the log repeats (COPY --from, RUN --mount), continuation lines joined', () => {
    expect(
      failingLine(
        stepError('runner 2/3] COPY --from=builder --chown=app:app /app/.venv /app/.venv'),
        'Dockerfile',
        parsed,
      ),
    ).toBe(7);
    expect(
      failingLine(
        stepError('builder 3/3] RUN --mount=type=cache,target=/root/.cache/uv     uv sync --frozen --no-dev'),
        'Dockerfile',
        parsed,
      ),
    ).toBe(4);
    expect(failingLine(stepError('runner 3/3] RUN echo two &&   exit 3'), 'Dockerfile', parsed)).toBe(8);
  });
  test('does not catch an image the Dockerfile never names (no line rather than a wrong one)', () => {
    expect(failingLine(metadataError('docker.io/library/alpine:3.20'), 'Dockerfile', parsed)).toBeUndefined();
    expect(normaliseImageRef('docker.io/library/python')).toBe('python:latest');
    expect(normaliseImageRef('localhost:5000/app')).toBe('localhost:5000/app:latest');
  });
});

describe('DA-INP-009 image-proofs-not-run', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'da-proofs-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));
  const check = (skipImage: boolean) =>
    runCheck({
      workingDirectory: dir,
      dockerfile: path.join(dir, 'Dockerfile'),
      context: dir,
      target: undefined,
      buildArgs: new Map(),
      network: undefined,
      composeFiles: [],
      envVars: [],
      forbiddenTools: [],
      allowedTools: [],
      configFile: path.join(dir, '.github/deploy-action.yml'),
      env: {},
      log: () => undefined,
      skipImage,
      repositoryRoot: dir,
    });
  test('catches a check whose image proofs could not run, as a warning beside the error', async () => {
    const { findings } = await check(false);
    expect(findings.map((f) => [f.ruleId, f.severity])).toEqual(
      expect.arrayContaining([
        ['DA-INP-002', 'error'],
        ['DA-INP-009', 'warning'],
      ]),
    );
    expect(findings.find((f) => f.ruleId === 'DA-INP-009')!.message).toContain('no image proof (DA-IMG-*) ran');
  });
  test('does not catch a check told to skip the image', async () => {
    expect((await check(true)).findings.map((f) => f.ruleId)).not.toContain('DA-INP-009');
  });
});
