import { substituteArgs } from '../../src/check/dockerfile/args.js';
import { failingLine } from '../../src/check/image/build.js';
import { findStage, parseDockerfile, stageChain } from '../../src/check/dockerfile/parse.js';

describe('parseDockerfile', () => {
  test('splits stages, resolves ARGs in FROM and links stages built from stages', () => {
    const parsed = parseDockerfile(
      [
        'ARG PY=3.12',
        'ARG VARIANT',
        'FROM python:${PY}-${VARIANT:-slim} AS Builder',
        'RUN true',
        'FROM builder AS runner',
        'USER app',
        '',
      ].join('\n'),
      new Map([['PY', '3.13']]),
    );
    expect(parsed.stages.map((s) => [s.name, s.baseImage, s.baseStage])).toEqual([
      ['builder', 'python:3.13-slim', undefined],
      ['runner', 'builder', 0],
    ]);
    const runner = findStage(parsed, 'RUNNER')!;
    expect(stageChain(parsed, runner).map((s) => s.name)).toEqual(['builder', 'runner']);
    expect(findStage(parsed, undefined)).toBe(runner);
    expect(findStage(parsed, 'nope')).toBeUndefined();
  });

  test('keeps line numbers across continuations, heredocs and a custom escape character', () => {
    const text = [
      '# escape=`',
      'FROM scratch AS a',
      'RUN echo a `',
      '  && echo b',
      'COPY <<EOT /x',
      'hello',
      'EOT',
      'ENV TOKEN=abc B=2',
      'USER 1000',
    ].join('\n');
    const [stage] = parseDockerfile(text).stages;
    expect(stage!.instructions.map((i) => [i.keyword, i.line, i.endLine])).toEqual([
      ['RUN', 3, 4],
      ['COPY', 5, 7],
      ['ENV', 8, 8],
      ['USER', 9, 9],
    ]);
    expect(stage!.instructions[2]!.properties.map((p) => [p.name, p.value, p.column])).toEqual([
      ['TOKEN', 'abc', 5],
      ['B', '2', 15],
    ]);
  });

  test('reads COPY flags', () => {
    const [, runner] = parseDockerfile(
      'FROM a AS b\nFROM c\nCOPY --from=ghcr.io/astral-sh/uv:latest --chmod=755 /uv /bin/uv\n',
    ).stages;
    expect(runner!.instructions[0]!.flags.get('from')).toBe('ghcr.io/astral-sh/uv:latest');
    expect(runner!.instructions[0]!.args).toEqual(['/uv', '/bin/uv']);
  });
});

describe('substituteArgs', () => {
  const args = new Map<string, string | undefined>([
    ['A', 'x'],
    ['EMPTY', ''],
  ]);
  test.each([
    ['$A', 'x'],
    ['${A}-y', 'x-y'],
    ['${MISSING:-dflt}', 'dflt'],
    ['${EMPTY:-dflt}', 'dflt'],
    ['${A:+alt}', 'alt'],
    ['${MISSING:+alt}', ''],
    ['$MISSING', ''],
  ])('%s → %s', (input, output) => {
    expect(substituteArgs(input, args)).toBe(output);
  });
});

describe('failingLine', () => {
  const parsed = parseDockerfile('FROM a AS builder\nRUN make \\\n  all\nFROM b AS runner\nRUN make all\n');
  test('reads the Dockerfile:N line newer BuildKit prints', () => {
    expect(failingLine('#9 ERROR\nDockerfile:5\n--------\n>>> RUN make all\n', '/x/deploy/Dockerfile', parsed)).toBe(5);
  });
  test('matches the failing step of older BuildKit in its stage, continuation lines joined', () => {
    const log =
      '#10 [builder 2/2] RUN make   all\n------\n > [builder 2/2] RUN make all:\n------\nERROR: failed to solve';
    expect(failingLine(log, 'Dockerfile', parsed)).toBe(2);
    expect(failingLine(log.replace(/builder/g, 'runner'), 'Dockerfile', parsed)).toBe(5);
  });
  test('matches the classic builder step', () => {
    expect(
      failingLine('Step 1/2 : FROM b\nStep 2/2 : RUN make all\nreturned a non-zero code: 2', 'Dockerfile', parsed),
    ).toBe(2);
  });
});
