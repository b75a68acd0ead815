import { parseDockerIgnore } from '../../src/docker/dockerignore.js';

const di = (...lines: string[]) => parseDockerIgnore(lines.join('\n'));

describe('.dockerignore matching (moby patternmatcher semantics)', () => {
  test('directories exclude everything below them', () => {
    expect(di('secrets/').excludes('secrets/db_password.txt')).toBe(true);
    expect(di('secrets').excludes('secrets/a/b.txt')).toBe(true);
    expect(di('/secrets').excludes('secrets/x')).toBe(true);
    expect(di('./secrets').excludes('secrets/x')).toBe(true);
    expect(di('secrets/').excludes('app/secrets/x')).toBe(false);
  });

  test('* and ? do not cross /; ** does', () => {
    expect(di('*.txt').excludes('a.txt')).toBe(true);
    expect(di('*.txt').excludes('dir/a.txt')).toBe(false);
    expect(di('**/*.txt').excludes('dir/sub/a.txt')).toBe(true);
    expect(di('**/*.txt').excludes('a.txt')).toBe(true);
    expect(di('secrets/**').excludes('secrets/a/b')).toBe(true);
    expect(di('s?crets').excludes('secrets/x')).toBe(true);
    expect(di('.env*').excludes('.env.prod')).toBe(true);
  });

  test('character classes and escapes', () => {
    expect(di('[a-c].txt').excludes('b.txt')).toBe(true);
    expect(di('[^a-c].txt').excludes('b.txt')).toBe(false);
    expect(di('\\*.txt').excludes('*.txt')).toBe(true);
    expect(di('\\*.txt').excludes('a.txt')).toBe(false);
  });

  test('! exceptions: the last matching pattern wins', () => {
    expect(di('secrets/', '!secrets/public.txt').excludes('secrets/public.txt')).toBe(false);
    expect(di('secrets/', '!secrets/public.txt').excludes('secrets/db.txt')).toBe(true);
    expect(di('secrets/', '!secrets/*', 'secrets/db.txt').excludes('secrets/db.txt')).toBe(true);
    expect(di('!secrets/db.txt').excludes('secrets/db.txt')).toBe(false);
  });

  test('comments and blank lines are ignored', () => {
    expect(parseDockerIgnore('# secrets/\n\n  \n').excludes('secrets/x')).toBe(false);
  });
});
