import { findStage, parseDockerfile, stageChain } from '../../src/check/dockerfile/parse.js';
import { historyKeyword, mapHistoryToInstructions } from '../../src/check/image/instruction-map.js';

describe('history → Dockerfile instruction', () => {
  test('reads the keyword from BuildKit and classic builder entries', () => {
    expect(historyKeyword('COPY /app/.venv /app/.venv # buildkit')).toBe('COPY');
    expect(historyKeyword('RUN |1 FOO=1 /bin/sh -c echo $FOO # buildkit')).toBe('RUN');
    expect(historyKeyword('/bin/sh -c #(nop)  CMD ["sh"]')).toBe('CMD');
    expect(historyKeyword('/bin/sh -c groupadd -r app')).toBe('RUN');
    expect(historyKeyword('|1 A=b /bin/sh -c make')).toBe('RUN');
    expect(historyKeyword('')).toBeUndefined();
  });

  test('pairs entries from the end, skips instructions that left none, gives the rest to the base image', () => {
    const parsed = parseDockerfile(
      [
        'FROM python:3.12-slim AS base',
        'ARG X=1',
        'RUN a',
        'FROM base AS runner',
        'ONBUILD RUN x',
        'COPY a b',
        'USER app',
      ].join('\n'),
    );
    const chain = stageChain(parsed, findStage(parsed, 'runner')!);
    const origins = mapHistoryToInstructions(
      [
        '',
        '/bin/sh -c #(nop) CMD ["python3"]',
        'ARG X=1',
        'RUN |1 X=1 /bin/sh -c a # buildkit',
        'COPY a b # buildkit',
        'USER app',
      ],
      chain,
    );
    expect(
      origins.map((o) =>
        o.kind === 'base-image' ? `base:${o.image}` : `${o.instruction.keyword}@${o.instruction.line}`,
      ),
    ).toEqual(['base:python:3.12-slim', 'base:python:3.12-slim', 'ARG@2', 'RUN@3', 'COPY@6', 'USER@7']);
  });
});
