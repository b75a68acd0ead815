// DA-DF-003: what the final stage may copy from other stages and from external images.
import { lintDockerfile } from '../../src/check/dockerfile/lint.js';
import { findStage, parseDockerfile } from '../../src/check/dockerfile/parse.js';
import { parseDockerIgnore } from '../../src/docker/dockerignore.js';

function ids(text: string) {
  const parsed = parseDockerfile(text);
  return lintDockerfile({
    file: 'Dockerfile',
    parsed,
    target: findStage(parsed, undefined)!,
    dockerIgnore: parseDockerIgnore('.git\n.env\n.env.*\nsecrets/\n'),
    dockerIgnorePath: '.dockerignore',
  }).map((f) => `${f.ruleId}@${f.location?.line}`);
}

/** A Go service on scratch: certs from alpine, the passwd of a distroless image, the binary from the build stage. */
const STATIC = `FROM golang:1.22 AS build
RUN CGO_ENABLED=0 go build -o /out/server .
FROM scratch
COPY --from=alpine:3.20 /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=gcr.io/distroless/static:nonroot /etc/passwd /etc/passwd
COPY --from=build /out/server /server
USER 65532
`;
/** The runner with one COPY added before its USER. */
const withCopy = (line: string, stages = '') =>
  `${stages}FROM python:3.12-slim AS builder\nRUN pip wheel -w /w .\nFROM python:3.12-slim\n${line}\nUSER 1000\n`;

describe('DA-DF-003 external images copied into the runner', () => {
  test('catches the whole of an external image, in each spelling of its root', () => {
    expect(ids(withCopy('COPY --from=someorg/docker / /'))).toEqual(['DA-DF-003@4']);
    expect(ids(withCopy('COPY --from=docker.io/someorg/toolbox:1.2 . /opt/toolbox'))).toEqual(['DA-DF-003@4']);
    expect(ids(withCopy('COPY --from=registry.example.test/base@sha256:abc /* /'))).toEqual(['DA-DF-003@4']);
  });
  test('catches a file from a stage that only names a tool image, and the whole of a stage built FROM one', () => {
    const uv = 'FROM ghcr.io/astral-sh/uv:0.5 AS uv\n';
    expect(ids(withCopy('COPY --from=uv /uv /uvx /bin/', uv))).toEqual(['DA-DF-003@5']);
    expect(ids(withCopy('COPY --from=uv / /', uv))).toEqual(['DA-DF-003@5']);
    expect(ids(STATIC.replace('/out/server /server', '/ /'))).toEqual(['DA-DF-003@6']);
    expect(ids(withCopy('COPY --from=0 /uv /bin/uv', uv))).toEqual(['DA-DF-003@5']);
  });
  test('does not catch one data file from an external image, or a built binary from the build stage', () => {
    expect(ids(STATIC)).toEqual([]);
    expect(ids(withCopy('COPY --from=someorg/certs /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/'))).toEqual([]);
  });
});
