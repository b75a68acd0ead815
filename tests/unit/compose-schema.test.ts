// DA-CMP-052: each compose file against the vendored Compose Specification schema, every violation at its line.
import { checkCompose } from '../../src/compose/check.js';
import { at, byRule, cleanup, makeProject } from './compose-helpers.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(cleanup));

async function run(text: string) {
  const dir = makeProject({ 'compose.yml': text }, { git: false });
  dirs.push(dir);
  return checkCompose({ cwd: dir, files: ['compose.yml'], env: {} });
}

describe('DA-CMP-052 compose-schema', () => {
  test('catches the typo enviroment: holding a password, at the key, without the value', async () => {
    const r = await run('services:\n  app:\n    image: org/app:1.0\n    enviroment:\n      DB_PASSWORD: hunter2\n');
    const f = byRule(r.findings, 'DA-CMP-052');
    expect(f.map((x) => [at(x), x.severity])).toEqual([['compose.yml:4', 'error']]);
    expect(f[0]!.message).toBe('services.app: unknown key "enviroment" (Compose refuses the file)');
    expect(r.findings.map((x) => x.message).join('\n')).not.toContain('hunter2');
  });
  test('catches an unknown key inside a oneOf (build mapping) and a wrong type, each once at its line', async () => {
    const r = await run(
      'services:\n  app:\n    image: org/app:1.0\n    build:\n      context: .\n      dockerfle: Dockerfile\n    privileged: [yes]\n',
    );
    expect(byRule(r.findings, 'DA-CMP-052').map((x) => [at(x), x.message])).toEqual([
      ['compose.yml:6', 'services.app.build: unknown key "dockerfle" (Compose refuses the file)'],
      ['compose.yml:7', expect.stringMatching(/^services\.app\.privileged: must be boolean/)],
    ]);
  });
  test('does not catch a valid file: x- extensions, interpolated numbers, !reset, long syntax', async () => {
    const r = await run(
      'x-common: &common\n  restart: unless-stopped\nservices:\n  app:\n    <<: *common\n    image: org/app:1.0\n    x-note: kept\n    cpus: ${CPUS:-0.5}\n    ports: !reset []\n    secrets:\n      - source: s\n        target: s\n        mode: 0400\nsecrets:\n  s:\n    file: ./s.txt\n',
    );
    expect(byRule(r.findings, 'DA-CMP-052')).toEqual([]);
  });
  test('leaves unknown top-level keys to DA-CMP-006 (one finding per mistake)', async () => {
    const r = await run('services:\n  app:\n    image: org/app:1.0\nservice:\n  db: {}\n');
    expect(byRule(r.findings, 'DA-CMP-052')).toEqual([]);
    expect(byRule(r.findings, 'DA-CMP-006').map(at)).toEqual(['compose.yml:4']);
  });
});
