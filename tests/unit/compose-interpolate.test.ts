import { parseDotenv } from '../../src/compose/dotenv.js';
import { interpolate, InterpolationError } from '../../src/compose/interpolate.js';

const env = { SET: 'v', EMPTY: '' };
const i = (s: string) => interpolate(s, env).value;

describe('interpolate', () => {
  test.each([
    ['${SET}', 'v'],
    ['$SET', 'v'],
    ['$SET-x', 'v-x'],
    ['${NOPE}', ''],
    ['${NOPE:-d}', 'd'],
    ['${EMPTY:-d}', 'd'],
    ['${EMPTY-d}', ''],
    ['${NOPE-d}', 'd'],
    ['${SET:+r}', 'r'],
    ['${EMPTY:+r}', ''],
    ['${EMPTY+r}', 'r'],
    ['${NOPE+r}', ''],
    ['${SET:?m}', 'v'],
    ['${EMPTY?m}', ''],
    ['$$SET', '$SET'],
    ['$${SET}', '${SET}'],
    ['a $ b', 'a $ b'],
    ['${NOPE:-${SET}-x}', 'v-x'],
    ['${NOPE:-}', ''],
  ])('%s -> %s', (template, expected) => {
    expect(i(template)).toBe(expected);
  });

  test('required variables throw with the message', () => {
    expect(() => i('${NOPE:?set it}')).toThrow(
      new InterpolationError('required variable NOPE is missing a value: set it', 'required'),
    );
    expect(() => i('${EMPTY:?}')).toThrow(InterpolationError);
    expect(() => i('${NOPE?}')).toThrow(/NOPE/);
  });

  test('invalid templates throw', () => {
    expect(() => i('${unclosed')).toThrow(/invalid/);
    expect(() => i('${}')).toThrow(/invalid/);
    expect(() => i('${1X}')).toThrow(/invalid/);
  });

  test('reports variables used and those unset', () => {
    const r = interpolate('${SET}${NOPE}${ALSO:-x}', env);
    expect(r.variables).toEqual(['SET', 'NOPE', 'ALSO']);
    expect(r.unset).toEqual(['NOPE']);
  });
});

describe('dotenv', () => {
  test('Compose env-file syntax', () => {
    const entries = parseDotenv(
      '# comment\nexport A=1\nB = spaced  # trailing\nC="quoted # not comment\\nnext"\nD=\'single $A\'\nE=${A}-x\nF\nG=\n',
      { F: 'from-env' },
    );
    expect(entries.map((e) => [e.key, e.value, e.line])).toEqual([
      ['A', '1', 2],
      ['B', 'spaced', 3],
      ['C', 'quoted # not comment\nnext', 4],
      ['D', 'single $A', 5],
      ['E', '1-x', 6],
      ['F', 'from-env', 7],
      ['G', '', 8],
    ]);
  });

  test('multi-line double quotes keep line numbers right', () => {
    const entries = parseDotenv('A="x\ny"\nB=2\n');
    expect(entries.map((e) => [e.key, e.line])).toEqual([
      ['A', 1],
      ['B', 3],
    ]);
  });
});
