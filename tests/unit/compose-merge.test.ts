import { join } from 'node:path';
import { loadCompose } from '../../src/compose/load.js';
import { buildModel } from '../../src/compose/normalize.js';
import { parseComposeText } from '../../src/compose/parse.js';
import { cleanup, makeProject } from './compose-helpers.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(cleanup));

async function model(files: Record<string, string>, order: string[], env: Record<string, string> = {}) {
  const dir = makeProject(files, { git: false });
  dirs.push(dir);
  const load = await loadCompose({ cwd: dir, files: order, env });
  expect(load.issues).toEqual([]);
  return { dir, model: buildModel(load, load.issues)! };
}

describe('merged values keep the file and line that introduced them', () => {
  test('base values stay in the base file, overrides point at the override', async () => {
    const { dir, model: m } = await model(
      {
        'deploy/base.yml':
          'services:\n  app:\n    image: org/app:1\n    user: "1000"\n    volumes:\n      - ../app:/app/app\n    environment:\n      - A=1\n      - B=2\n',
        'deploy/prod.yml':
          'services:\n  app:\n    user: "2000"\n    volumes:\n      - type: volume\n        source: data\n        target: /data\n    environment:\n      B: "3"\n',
      },
      ['deploy/base.yml', 'deploy/prod.yml'],
    );
    const app = m.services[0]!;
    const base = join(dir, 'deploy/base.yml');
    const prod = join(dir, 'deploy/prod.yml');
    expect(app.image!.origin).toMatchObject({ file: base, line: 3, column: 12 });
    expect(app.user).toMatchObject({ value: '2000', origin: { file: prod, line: 3 } });
    expect(app.volumes.map((v) => [v.type, v.origin.file, v.origin.line])).toEqual([
      ['bind', base, 6],
      ['volume', prod, 5],
    ]);
    expect(app.volumes[0]!.resolvedSource).toBe(join(dir, 'app'));
    expect(app.environment.map((e) => [e.key, e.value, e.origin.file, e.origin.line])).toEqual([
      ['A', '1', base, 8],
      ['B', '3', prod, 9],
    ]);
  });

  test('!reset removes a base value, !override replaces a whole mapping', async () => {
    const { model: m } = await model(
      {
        'a.yml':
          'services:\n  app:\n    image: x:1\n    user: root\n    volumes: [./src:/src]\n    deploy:\n      resources:\n        limits: {cpus: "1", memory: 1G}\n',
        'b.yml':
          'services:\n  app:\n    user: !reset null\n    volumes: !reset []\n    deploy: !override\n      resources:\n        limits: {memory: 256M}\n',
      },
      ['a.yml', 'b.yml'],
    );
    const app = m.services[0]!;
    expect(app.user).toBeUndefined();
    expect(app.volumes).toEqual([]);
    expect(app.limits.cpus).toBeUndefined();
    expect(app.limits.memory?.value).toBe('256M');
  });

  test('secrets keyed by target: the override replaces the base entry in place', async () => {
    const { model: m } = await model(
      {
        'a.yml': 'services:\n  app:\n    image: x:1\n    secrets: [db]\nsecrets:\n  db:\n    file: ./db.txt\n',
        'b.yml':
          'services:\n  app:\n    secrets:\n      - source: db\n        target: /run/secrets/db\n        mode: 0400\n',
      },
      ['a.yml', 'b.yml'],
    );
    expect(m.services[0]!.secrets).toEqual([
      expect.objectContaining({
        source: 'db',
        target: '/run/secrets/db',
        mode: 256,
        long: true,
        mountPath: '/run/secrets/db',
      }),
    ]);
  });

  test("extends: file: keeps the extended file's relative paths", async () => {
    const { dir, model: m } = await model(
      {
        'common/svc.yml': 'services:\n  web:\n    image: x:1\n    volumes: [./conf:/conf]\n    env_file: web.env\n',
        'a.yml': 'services:\n  app:\n    extends:\n      file: common/svc.yml\n      service: web\n',
      },
      ['a.yml'],
    );
    const app = m.services[0]!;
    expect(app.volumes[0]!.resolvedSource).toBe(join(dir, 'common/conf'));
    expect(app.envFiles[0]!.resolvedPath).toBe(join(dir, 'common/web.env'));
    expect(app.volumes[0]!.origin.file).toBe(join(dir, 'common/svc.yml'));
  });

  test('the project .env feeds interpolation; the process environment wins', async () => {
    const { model: m } = await model(
      {
        'deploy/.env': 'TAG=from-dotenv\nUSER_ID=1000\n',
        'deploy/a.yml': 'services:\n  app:\n    image: x:${TAG}\n    user: ${USER_ID}\n',
      },
      ['deploy/a.yml'],
      { TAG: 'from-env' },
    );
    expect(m.services[0]!.image).toMatchObject({ value: 'x:from-env', raw: 'x:${TAG}' });
    expect(m.services[0]!.user?.value).toBe('1000');
  });
});

describe('scalars are typed like Compose (yaml.v3)', () => {
  test('plain 0400 is octal, quoted stays a string, yes stays a string', () => {
    const root = parseComposeText('a: 0400\nb: "0400"\nc: yes\nd: 0o17\ne: 1_000\nf: ~\n', '/x.yml')!;
    const v = (k: string) => (root.entries.get(k)!.value as { value: unknown }).value;
    expect([v('a'), v('b'), v('c'), v('d'), v('e'), v('f')]).toEqual([256, '0400', 'yes', 15, 1000, null]);
  });
});
