import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { at, byRule, check, cleanup, gitAdd, makeProject, PROD_FILES, seedLayout } from './compose-helpers.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(cleanup));

/** The seed layout plus an extra override file `deploy/extra.yml`; returns the findings. */
async function withExtra(extra: string, files: Record<string, string> = {}, env: Record<string, string> = {}) {
  const dir = makeProject(seedLayout({ 'deploy/extra.yml': extra, ...files }));
  dirs.push(dir);
  const r = await check(dir, [...PROD_FILES, 'deploy/extra.yml'], env);
  return { dir, ...r };
}

describe('the seed layout', () => {
  test('passes every rule: only the notice that Compose ignores mode on file secrets', async () => {
    const dir = makeProject(seedLayout());
    dirs.push(dir);
    const { findings, model } = await check(dir, PROD_FILES);
    expect(findings.map((f) => f.ruleId)).toEqual(['DA-CMP-031']);
    expect(findings[0]).toMatchObject({
      severity: 'notice',
      location: { file: 'deploy/docker-compose.prod.yml', line: 22 },
    });
    const app = model!.services.find((s) => s.name === 'app')!;
    expect(app.image?.value).toBe('org/app:dev');
    expect(app.secrets[0]).toMatchObject({ source: 'db_password', target: 'db_password', mode: 0o400, long: true });
    expect(model!.secrets['db_password']).toMatchObject({
      file: { value: '../secrets/db_password.txt' },
      resolvedFile: join(dir, 'secrets/db_password.txt'),
    });
    expect(app.envFiles.map((f) => f.resolvedPath)).toEqual([join(dir, '.env.prod')]);
    expect(app.healthcheck.present).toBe(true);
  });

  test('missing gitignored files (.env.prod, the secret) are notices, not a crash', async () => {
    const layout = seedLayout();
    delete layout['.env.prod'];
    delete layout['secrets/db_password.txt'];
    const dir = makeProject(layout);
    dirs.push(dir);
    const { findings } = await check(dir, PROD_FILES);
    expect(findings.every((f) => f.severity === 'notice')).toBe(true);
    expect(at(byRule(findings, 'DA-CMP-011')[0])).toBe('deploy/docker-compose.prod.yml:4');
    expect(at(byRule(findings, 'DA-CMP-012')[0])).toBe('deploy/docker-compose.prod.yml:22');
  });

  test('an env_file with required: false that is missing is not even a notice', async () => {
    const { findings } = await withExtra(
      'services:\n  app:\n    env_file:\n      - path: ../.env.local\n        required: false\n',
    );
    expect(byRule(findings, 'DA-CMP-011')).toEqual([]);
  });
});

describe('bind mounts', () => {
  const base = (volumes: string) =>
    `services:\n  app:\n    image: org/app:1.0\n    build:\n      context: ..\n      dockerfile: deploy/Dockerfile\n${volumes}`;

  test('a source mount in the BASE file that prod does not reset fails, annotated in the base file', async () => {
    const { findings } = await withExtra('services: {}\n', {
      'deploy/docker-compose.yml': base('    volumes:\n      - ../app:/app/app\n'),
    });
    const f = byRule(findings, 'DA-CMP-022');
    expect(f).toHaveLength(1);
    expect(at(f[0])).toBe('deploy/docker-compose.yml:8');
    expect(f[0]!.message).toContain('!reset');
  });

  test('the same with `volumes: !reset []` in prod passes', async () => {
    const { findings } = await withExtra('services:\n  app:\n    volumes: !reset []\n', {
      'deploy/docker-compose.yml': base('    volumes:\n      - ../app:/app/app\n'),
    });
    expect(findings.filter((f) => f.severity !== 'notice')).toEqual([]);
  });

  test('the docker socket is its own error; other host paths are host-bind-mount', async () => {
    const { findings } = await withExtra(
      'services:\n  app:\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n      - type: bind\n        source: /srv/uploads\n        target: /uploads\n',
    );
    expect(at(byRule(findings, 'DA-CMP-021')[0])).toBe('deploy/extra.yml:4');
    expect(at(byRule(findings, 'DA-CMP-020')[0])).toBe('deploy/extra.yml:5');
    expect(byRule(findings, 'DA-CMP-022')).toEqual([]);
  });

  test('named volumes warn unless declared data volumes; tmpfs is fine', async () => {
    const { findings } = await withExtra(
      'services:\n  app:\n    volumes:\n      - cache:/cache\n      - uploads:/uploads\n      - type: tmpfs\n        target: /tmp\nvolumes:\n  cache: {}\n  uploads:\n    labels:\n      com.doongzi.deploy-action.data: "true"\n',
    );
    const f = byRule(findings, 'DA-CMP-023');
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ severity: 'warning', location: { file: 'deploy/extra.yml', line: 4 } });
  });
});

describe('services', () => {
  test('stateful images fail; the app image passes', async () => {
    const { findings } = await withExtra(
      'services:\n  db:\n    image: postgres:16\n  cache:\n    image: bitnami/valkey:8.0\n',
    );
    expect(byRule(findings, 'DA-CMP-024').map(at)).toEqual(['deploy/extra.yml:3', 'deploy/extra.yml:5']);
  });

  test('CPU and memory limits: deploy.resources or cpus/mem_limit pass, none fails on the service', async () => {
    const { findings } = await withExtra(
      'services:\n  side:\n    image: org/side:1.0\n    cpus: 0.5\n    mem_limit: 128m\n  bare:\n    image: org/bare:1.0\n',
    );
    expect(byRule(findings, 'DA-CMP-025').map(at)).toEqual(['deploy/extra.yml:6']);
  });

  test('user root or 0 fails; a uid passes', async () => {
    const bad = await withExtra('services:\n  app:\n    user: "0:0"\n');
    expect(at(byRule(bad.findings, 'DA-CMP-037')[0])).toBe('deploy/extra.yml:3');
    const root = await withExtra('services:\n  app:\n    user: root\n');
    expect(byRule(root.findings, 'DA-CMP-037')).toHaveLength(1);
    const ok = await withExtra('services:\n  app:\n    user: "10001"\n');
    expect(byRule(ok.findings, 'DA-CMP-037')).toEqual([]);
  });

  test('privileged, host network, host pid, dangerous capabilities fail; narrow ones pass', async () => {
    const { findings } = await withExtra(
      'services:\n  app:\n    privileged: true\n    network_mode: host\n    pid: host\n    cap_add: [NET_BIND_SERVICE, SYS_ADMIN, ALL]\n',
    );
    expect(at(byRule(findings, 'DA-CMP-038')[0])).toBe('deploy/extra.yml:3');
    expect(at(byRule(findings, 'DA-CMP-039')[0])).toBe('deploy/extra.yml:4');
    expect(at(byRule(findings, 'DA-CMP-040')[0])).toBe('deploy/extra.yml:5');
    expect(byRule(findings, 'DA-CMP-041').map((f) => f.message)).toEqual([
      expect.stringContaining('SYS_ADMIN'),
      expect.stringContaining('ALL'),
    ]);
    const ok = await withExtra('services:\n  app:\n    privileged: false\n    cap_add: [NET_BIND_SERVICE]\n');
    expect(ok.findings.filter((f) => ['DA-CMP-038', 'DA-CMP-041'].includes(f.ruleId))).toEqual([]);
  });

  test('images: latest or no tag fail, an interpolated version tag and a digest pass', async () => {
    const { findings } = await withExtra(
      'services:\n  a:\n    image: org/a:latest\n  b:\n    image: org/b\n  c:\n    image: org/c@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n  d:\n    image: registry:5000/org/d:${TAG:-1.0}\n',
    );
    expect(byRule(findings, 'DA-CMP-042').map(at)).toEqual(['deploy/extra.yml:3', 'deploy/extra.yml:5']);
  });

  test('restart policy and healthcheck missing are warnings on the service', async () => {
    const { findings } = await withExtra(
      'services:\n  w:\n    image: org/w:1.0\n    restart: "no"\n    healthcheck:\n      disable: true\n',
    );
    expect(byRule(findings, 'DA-CMP-043')[0]).toMatchObject({ severity: 'warning', location: { line: 4 } });
    expect(byRule(findings, 'DA-CMP-044')[0]).toMatchObject({ severity: 'warning', location: { line: 5 } });
  });
});

describe('secrets', () => {
  test('short syntax fails; undefined secret is an input error', async () => {
    const { findings } = await withExtra('services:\n  app:\n    secrets:\n      - api_key\n');
    expect(at(byRule(findings, 'DA-CMP-026')[0])).toBe('deploy/extra.yml:4');
    expect(at(byRule(findings, 'DA-CMP-009')[0])).toBe('deploy/extra.yml:4');
  });

  test('mode: missing, looser than 0400 or a quoted "0400" (decimal to Compose) fails; 0400, 256 and 0o400 pass', async () => {
    const { findings } = await withExtra(
      `services:\n  app:\n    secrets:\n${[
        '',
        'mode: 0440',
        'mode: 0400',
        'mode: "0400"',
        'mode: 256',
        'mode: 0o400',
        'mode: 0600',
      ]
        .map((m, i) => `      - source: db_password\n        target: t${i}\n${m ? `        ${m}\n` : ''}`)
        .join('')}`,
    );
    const lines = byRule(findings, 'DA-CMP-027').map((f) => f.location!.line);
    expect(lines).toEqual([4, 8, 14, 23]);
    expect(byRule(findings, 'DA-CMP-027')[2]!.message).toContain('decimal (400 = 0620)');
  });

  test('a secret not defined with file: fails', async () => {
    const { findings } = await withExtra('secrets:\n  db_password: !override\n    environment: DB_PASSWORD\n');
    expect(at(byRule(findings, 'DA-CMP-028')[0])).toBe('deploy/extra.yml:3');
  });

  test('a secret file not ignored by git fails; tracked fails; inside the context without .dockerignore fails', async () => {
    const { dir } = await withExtra('services: {}\n', { '.gitignore': '.env\n.env.*\n', '.dockerignore': '.git\n' });
    gitAdd(dir, 'secrets/db_password.txt');
    const { findings } = await check(dir, PROD_FILES);
    for (const id of ['DA-CMP-029', 'DA-CMP-034', 'DA-CMP-030'])
      expect(at(byRule(findings, id)[0])).toBe('deploy/docker-compose.prod.yml:22');
  });

  test('.dockerignore: a later `!` exception re-includes the secret; `**` patterns exclude it', async () => {
    const reinclude = await withExtra('services: {}\n', { '.dockerignore': 'secrets/\n!secrets/db_password.txt\n' });
    expect(byRule(reinclude.findings, 'DA-CMP-030')).toHaveLength(1);
    const star = await withExtra('services: {}\n', { '.dockerignore': '**/*.txt\n' });
    expect(byRule(star.findings, 'DA-CMP-030')).toEqual([]);
  });

  test('a secret file outside the build context passes without .dockerignore', async () => {
    const dir = makeProject(seedLayout({ '.dockerignore': '' }));
    dirs.push(dir);
    const { findings } = await check(dir, PROD_FILES).then(() =>
      import('../../src/compose/check.js').then((m) =>
        m.checkCompose({ cwd: dir, files: PROD_FILES, env: {}, buildContext: 'app' }),
      ),
    );
    // The service's own build context (..) still contains it: the finding is there, for that context.
    expect(byRule(findings, 'DA-CMP-030').map((f) => f.message)).toEqual([expect.stringContaining('build context .')]);
  });

  test('secrets.example/ must document each secret file', async () => {
    const layout = seedLayout();
    delete layout['secrets.example/db_password.txt'];
    const dir = makeProject({ ...layout, 'secrets.example/other.txt': 'x' });
    dirs.push(dir);
    const { findings } = await check(dir, PROD_FILES);
    expect(byRule(findings, 'DA-CMP-036')[0]).toMatchObject({ severity: 'warning', location: { line: 22 } });
  });
});

describe('environment', () => {
  test('secret-like keys fail whether literal or interpolated; *_FILE and empty values pass', async () => {
    const { findings } = await withExtra(
      'services:\n  app:\n    environment:\n      - DB_PASSWORD=hunter2\n      - API_TOKEN=${API_TOKEN}\n      - STRIPE_API_KEY\n      - JWT_SECRET_FILE=/run/secrets/jwt\n      - PWD=/app\n      - DATABASE_URL=postgres://u:p4ss@db/x\n      - EMPTY_PASSWORD=\n',
      {},
      { API_TOKEN: 'tok' },
    );
    expect(byRule(findings, 'DA-CMP-032').map((f) => f.location!.line)).toEqual([4, 5, 6, 9]);
    expect(byRule(findings, 'DA-CMP-032')[1]!.message).toContain('${API_TOKEN}');
    expect(JSON.stringify(findings)).not.toContain('tok"');
  });

  test('the prod env_file must not hold secret-like keys with values (annotated in the env file)', async () => {
    const { findings } = await withExtra('services: {}\n', {
      '.env.prod': 'APP_ENV=prod\nDB_PASSWORD=hunter2\nAPI_TOKEN=\n',
    });
    expect(byRule(findings, 'DA-CMP-033').map(at)).toEqual(['.env.prod:2']);
  });

  test('.env tracked by git and not covered by .gitignore fail', async () => {
    const { dir } = await withExtra('services: {}\n', { '.gitignore': 'secrets/\n', '.env': 'A=1\n' });
    gitAdd(dir, '.env');
    const { findings } = await check(dir, PROD_FILES);
    expect(byRule(findings, 'DA-CMP-034').map((f) => f.message)).toEqual([expect.stringContaining('.env is tracked')]);
    expect(
      byRule(findings, 'DA-CMP-035')
        .map((f) => f.message)
        .sort(),
    ).toEqual([expect.stringContaining('.env is not covered'), expect.stringContaining('.env.prod is not covered')]);
    writeFileSync(join(dir, '.gitignore'), '.env*\nsecrets/\n');
    const fixed = await check(dir, PROD_FILES);
    expect(byRule(fixed.findings, 'DA-CMP-035')).toEqual([]);
  });
});
