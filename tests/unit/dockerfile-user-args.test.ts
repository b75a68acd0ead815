// USER, FROM and COPY --from through ARGs and ENVs, resolved as BuildKit resolves them for this build.
import { lintDockerfile } from '../../src/check/dockerfile/lint.js';
import { findStage, parseDockerfile } from '../../src/check/dockerfile/parse.js';
import { parseDockerIgnore } from '../../src/docker/dockerignore.js';

const IGNORE = parseDockerIgnore('.git\n.env\n.env.*\nsecrets/\n');

function lint(text: string, buildArgs: Record<string, string> = {}) {
  const parsed = parseDockerfile(text, new Map(Object.entries(buildArgs)));
  return lintDockerfile({
    file: 'Dockerfile',
    parsed,
    target: findStage(parsed, undefined)!,
    dockerIgnore: IGNORE,
    dockerIgnorePath: '.dockerignore',
  });
}
const ids = (text: string, buildArgs?: Record<string, string>) =>
  lint(text, buildArgs).map((f) => `${f.ruleId}@${f.location?.line}`);

/** A FastAPI-style image: UID/GID as global ARGs redeclared in the runner, the user created from them. */
const fastapi = (uid: string) => `ARG UID=${uid}
ARG GID=${uid}
FROM python:3.12-slim AS builder
RUN pip wheel -w /wheels .
FROM python:3.12-slim AS runner
ARG UID
ARG GID
RUN groupadd -g $GID app && useradd -u $UID -g $GID app
COPY --from=builder /wheels /wheels
USER $UID:$GID
`;

/** A static binary on scratch, the uid an ARG of the stage itself. */
const SCRATCH = `FROM golang:1.22 AS build
RUN go build -o /out/server ./cmd/server
FROM scratch
ARG USER_UID=10001
COPY --from=build /out/server /server
USER \${USER_UID}
`;

/** docker-init style: ARG UID with no default. */
const NO_DEFAULT = `FROM python:3.12-slim AS base
RUN true
FROM base AS final
ARG UID
RUN adduser --uid "\${UID}" appuser
USER $UID
`;

describe('DA-DF-002 final-stage-user, through ARGs', () => {
  test('catches a global ARG UID=0 redeclared in the stage, at the USER line', () => {
    const [f] = lint(fastapi('0'));
    expect(ids(fastapi('0'))).toEqual(['DA-DF-002@10']);
    expect(f!.message).toBe(
      "USER $UID:$GID runs the container as root (it resolves to '0' through ARG UID=0 at line 6).",
    );
  });
  test('catches ARG UID=0 declared in the stage itself, and ENV USER=root', () => {
    expect(ids(SCRATCH.replace('USER_UID=10001', 'USER_UID=0'))).toEqual(['DA-DF-002@6']);
    expect(ids(SCRATCH.replace('ARG USER_UID=10001', 'ENV USER_UID=root'))).toEqual(['DA-DF-002@6']);
  });
  test('catches a build-arg that overrides a non-root default with 0', () => {
    expect(ids(fastapi('1000'), { UID: '0' })).toEqual(['DA-DF-002@10']);
    expect(ids(SCRATCH, { USER_UID: '0' })).toEqual(['DA-DF-002@6']);
  });
  test('does not catch ARG USER_UID=10001 on scratch, a non-root global default, or a non-root build-arg', () => {
    expect(ids(SCRATCH)).toEqual([]);
    expect(ids(fastapi('1000'))).toEqual([]);
    expect(ids(fastapi('0'), { UID: '1000' })).toEqual([]);
  });
  test('does not catch a group of 0 when the user is not root', () => {
    expect(ids(fastapi('1000').replace('ARG GID=1000', 'ARG GID=0'))).toEqual([]);
  });
});

describe('DA-DF-006 user-from-unset-arg', () => {
  test('catches a USER from an ARG with no default and no build-arg, as a warning at the USER line', () => {
    const [f] = lint(NO_DEFAULT);
    expect(f).toMatchObject({ ruleId: 'DA-DF-006', severity: 'warning', location: { line: 6 } });
    expect(f!.message).toContain(
      'USER $UID depends on UID, which this Dockerfile gives no value (no default, no build-arg)',
    );
    expect(f!.message).toContain('only the image proof (DA-IMG-001) can');
  });
  test('catches a global ARG UID=0 that the stage never redeclares (BuildKit expands it to nothing there)', () => {
    const text = fastapi('0').replace('ARG UID\nARG GID\n', '');
    const [f] = lint(text);
    expect(f).toMatchObject({ ruleId: 'DA-DF-006', location: { line: 8 } });
    expect(f!.message).toContain('ARG UID is declared before the first FROM only: redeclare it in this stage.');
  });
  test('catches a stage ARG whose global has no default either', () => {
    expect(ids(fastapi('1000').replace('ARG UID=1000', 'ARG UID'))).toEqual(['DA-DF-006@10']);
  });
  test('does not catch it once a build-arg gives the value (it is then judged: 0 is root)', () => {
    expect(ids(NO_DEFAULT, { UID: '10001' })).toEqual([]);
    expect(ids(NO_DEFAULT, { UID: '0' })).toEqual(['DA-DF-002@6']);
  });
  test('does not catch ${UID:-10001}, whose fallback is the value, nor an unset group', () => {
    expect(ids(NO_DEFAULT.replace('USER $UID', 'USER ${UID:-10001}'))).toEqual([]);
    expect(ids(SCRATCH.replace('USER ${USER_UID}', 'USER ${USER_UID}:$GID'))).toEqual([]);
  });
});

describe('ARG resolution in FROM and COPY --from', () => {
  test('catches COPY --from=$UV_IMAGE when the stage ARG names the uv image (DA-DF-003), not when a build-arg names busybox', () => {
    const text = `ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.5
FROM python:3.12-slim AS builder
RUN true
FROM python:3.12-slim
ARG UV_IMAGE
COPY --from=$UV_IMAGE /uv /bin/uv
USER 1000
`;
    expect(ids(text)).toEqual(['DA-DF-003@6']);
    expect(ids(text, { UV_IMAGE: 'busybox:1.36' })).toEqual([]);
  });
  test('ENV of a stage reaches the stages built FROM it; ARGs do not', () => {
    const parsed = parseDockerfile(
      'ARG G=1\nFROM scratch AS a\nENV E=2\nARG S=3\nFROM a AS b\nUSER x\n',
      new Map([['G', '9']]),
    );
    const scope = parsed.stages[1]!.instructions[0]!.scope;
    expect([...scope.keys()]).toEqual(['E']);
    expect(parsed.globalArgs.get('G')).toBe('9');
    expect(parsed.stages[0]!.instructions[1]!.scope.get('E')).toMatchObject({ value: '2', kind: 'env', line: 3 });
  });
});

describe('DA-DF-004 no-secret-in-arg-env, before the first FROM', () => {
  const text = `ARG PYTHON_VERSION=3.12
ARG API_TOKEN=abc123
ARG NPM_TOKEN
FROM python:\${PYTHON_VERSION}-slim AS builder
RUN true
FROM python:\${PYTHON_VERSION}-slim
USER 1000
`;
  test('catches a global ARG with a secret-like default, at the property', () => {
    const [f, ...rest] = lint(text);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ ruleId: 'DA-DF-004', location: { file: 'Dockerfile', line: 2, column: 5 } });
    expect(f!.message).toContain('ARG API_TOKEN');
    expect(f!.message).not.toContain('abc123');
  });
  test('does not catch a global ARG without a default, or a plain version ARG', () => {
    expect(ids(text.replace('ARG API_TOKEN=abc123\n', ''))).toEqual([]);
  });
});
