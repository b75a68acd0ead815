// The Compose prod rules, one describe per rule id: what it catches and what it does not.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkCompose } from '../../src/compose/check.js';
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

/** A fixture built on first use and shared by the tests that read it. */
function fixture<T>(build: () => Promise<T>): () => Promise<T> {
  let built: Promise<T> | undefined;
  return () => (built ??= build());
}

const seed = fixture(async () => {
  const dir = makeProject(seedLayout());
  dirs.push(dir);
  return { dir, ...(await check(dir, PROD_FILES)) };
});

/** The seed without its gitignored files, as a CI checkout has it. */
const missingGitignored = fixture(async () => {
  const layout = seedLayout();
  delete layout['.env.prod'];
  delete layout['secrets/db_password.txt'];
  const dir = makeProject(layout);
  dirs.push(dir);
  return check(dir, PROD_FILES);
});

describe('the seed layout', () => {
  test('passes every rule: only the notice that Compose ignores mode on file secrets', async () => {
    const { dir, findings, model } = await seed();
    expect(findings.map((f) => f.ruleId)).toEqual(['DA-CMP-031']);
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
    const { findings } = await missingGitignored();
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.every((f) => f.severity === 'notice')).toBe(true);
  });
});

describe('DA-CMP-009 undefined-secret', () => {
  test('catches a service secret that no top-level secrets: entry defines', async () => {
    const { findings } = await withExtra('services:\n  app:\n    secrets:\n      - api_key\n');
    expect(at(byRule(findings, 'DA-CMP-009')[0])).toBe('deploy/extra.yml:4');
  });
  test('does not catch a defined secret', async () => {
    expect(byRule((await seed()).findings, 'DA-CMP-009')).toEqual([]);
  });
});

describe('DA-CMP-011 env-file-missing', () => {
  test('catches a required env_file missing from the checkout, as a notice', async () => {
    const f = byRule((await missingGitignored()).findings, 'DA-CMP-011');
    expect(at(f[0])).toBe('deploy/docker-compose.prod.yml:4');
    expect(f[0]!.severity).toBe('notice');
  });
  test('does not catch a missing env_file with required: false', async () => {
    const { findings } = await withExtra(
      'services:\n  app:\n    env_file:\n      - path: ../.env.local\n        required: false\n',
    );
    expect(byRule(findings, 'DA-CMP-011')).toEqual([]);
  });
});

describe('DA-CMP-012 secret-file-missing', () => {
  test('catches a secret file missing from the checkout, as a notice', async () => {
    const f = byRule((await missingGitignored()).findings, 'DA-CMP-012');
    expect(at(f[0])).toBe('deploy/docker-compose.prod.yml:22');
    expect(f[0]!.severity).toBe('notice');
  });
  test('does not catch a secret file that is there', async () => {
    expect(byRule((await seed()).findings, 'DA-CMP-012')).toEqual([]);
  });
});

const baseWithBuild = (volumes: string) =>
  `services:\n  app:\n    image: org/app:1.0\n    build:\n      context: ..\n      dockerfile: deploy/Dockerfile\n${volumes}`;
const sourceMountInBase = (prod: string) =>
  withExtra(prod, { 'deploy/docker-compose.yml': baseWithBuild('    volumes:\n      - ../app:/app/app\n') });
const hostMounts = fixture(() =>
  withExtra(
    'services:\n  app:\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n      - type: bind\n        source: /srv/uploads\n        target: /uploads\n',
  ),
);

describe('DA-CMP-020 host-bind-mount', () => {
  test('catches a bind mount of a host path', async () => {
    expect(at(byRule((await hostMounts()).findings, 'DA-CMP-020')[0])).toBe('deploy/extra.yml:5');
  });
  test('does not catch the docker socket (DA-CMP-021) or a source mount (DA-CMP-022)', async () => {
    expect(byRule((await hostMounts()).findings, 'DA-CMP-020').map(at)).toEqual(['deploy/extra.yml:5']);
    expect(byRule((await sourceMountInBase('services: {}\n')).findings, 'DA-CMP-020')).toEqual([]);
  });
});

describe('DA-CMP-021 docker-socket-mount', () => {
  test('catches a mount of the Docker socket', async () => {
    expect(at(byRule((await hostMounts()).findings, 'DA-CMP-021')[0])).toBe('deploy/extra.yml:4');
  });
  test('does not catch other host paths', async () => {
    expect(byRule((await hostMounts()).findings, 'DA-CMP-021')).toHaveLength(1);
  });
});

describe('DA-CMP-022 source-code-mount', () => {
  test('catches a source mount in the BASE file that prod does not reset, annotated in the base file', async () => {
    const f = byRule((await sourceMountInBase('services: {}\n')).findings, 'DA-CMP-022');
    expect(f).toHaveLength(1);
    expect(at(f[0])).toBe('deploy/docker-compose.yml:8');
    expect(f[0]!.message).toContain('!reset');
  });
  test('does not catch the same mount reset in prod with `volumes: !reset []`', async () => {
    const { findings } = await sourceMountInBase('services:\n  app:\n    volumes: !reset []\n');
    expect(findings.filter((f) => f.severity !== 'notice')).toEqual([]);
  });
  test('does not catch host paths outside the source or the docker socket', async () => {
    expect(byRule((await hostMounts()).findings, 'DA-CMP-022')).toEqual([]);
  });
});

const namedVolumes = fixture(() =>
  withExtra(
    'services:\n  app:\n    volumes:\n      - cache:/cache\n      - uploads:/uploads\n      - type: tmpfs\n        target: /tmp\nvolumes:\n  cache: {}\n  uploads:\n    labels:\n      com.doongzi.deploy-action.data: "true"\n',
  ),
);

describe('DA-CMP-023 undeclared-named-volume', () => {
  test('catches a named volume not declared as a data volume, as a warning', async () => {
    const f = byRule((await namedVolumes()).findings, 'DA-CMP-023');
    expect(f[0]).toMatchObject({ severity: 'warning', location: { file: 'deploy/extra.yml', line: 4 } });
  });
  test('does not catch a declared data volume or tmpfs', async () => {
    expect(byRule((await namedVolumes()).findings, 'DA-CMP-023')).toHaveLength(1);
  });
});

const statefulImages = fixture(() =>
  withExtra('services:\n  db:\n    image: postgres:16\n  cache:\n    image: bitnami/valkey:8.0\n'),
);

describe('DA-CMP-024 stateful-service', () => {
  test('catches database and cache images, with or without an org', async () => {
    expect(byRule((await statefulImages()).findings, 'DA-CMP-024').map(at)).toEqual([
      'deploy/extra.yml:3',
      'deploy/extra.yml:5',
    ]);
  });
  test('does not catch the app image', async () => {
    expect(byRule((await statefulImages()).findings, 'DA-CMP-024').map(at)).not.toContain(
      'deploy/docker-compose.yml:4',
    );
  });
});

const limits = fixture(() =>
  withExtra(
    'services:\n  side:\n    image: org/side:1.0\n    cpus: 0.5\n    mem_limit: 128m\n  bare:\n    image: org/bare:1.0\n',
  ),
);

describe('DA-CMP-025 resource-limits', () => {
  test('catches a service without CPU and memory limits, on the service', async () => {
    expect(byRule((await limits()).findings, 'DA-CMP-025').map(at)).toEqual(['deploy/extra.yml:6']);
  });
  test('does not catch deploy.resources.limits or cpus/mem_limit', async () => {
    const lines = byRule((await limits()).findings, 'DA-CMP-025').map(at);
    expect(lines).not.toContain('deploy/extra.yml:2');
    expect(lines).not.toContain('deploy/docker-compose.yml:3');
  });
});

describe('DA-CMP-026 secret-long-syntax', () => {
  test('catches a secret in short syntax', async () => {
    const { findings } = await withExtra('services:\n  app:\n    secrets:\n      - api_key\n');
    expect(at(byRule(findings, 'DA-CMP-026')[0])).toBe('deploy/extra.yml:4');
  });
  test('does not catch source/target/mode', async () => {
    expect(byRule((await seed()).findings, 'DA-CMP-026')).toEqual([]);
  });
});

const secretModes = fixture(() =>
  withExtra(
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
  ),
);

describe('DA-CMP-027 secret-mode', () => {
  // A missing mode (line 4) is no longer caught: the deploy writes every secret at 0400 (one story with DA-CMP-031).
  test('catches a mode looser than 0400 and a quoted "0400" (decimal to Compose)', async () => {
    const f = byRule((await secretModes()).findings, 'DA-CMP-027');
    expect(f.map((x) => x.location!.line)).toEqual([8, 14, 23]);
    expect(f[1]!.message).toContain('decimal (400 = 0620)');
  });
  test('does not catch 0400, 256, 0o400 or no mode at all', async () => {
    const lines = byRule((await secretModes()).findings, 'DA-CMP-027').map((x) => x.location!.line);
    for (const line of [4, 11, 17, 20]) expect(lines).not.toContain(line);
  });
});

describe('DA-CMP-028 secret-not-file', () => {
  test('catches a secret defined from the environment', async () => {
    const { findings } = await withExtra('secrets:\n  db_password: !override\n    environment: DB_PASSWORD\n');
    expect(at(byRule(findings, 'DA-CMP-028')[0])).toBe('deploy/extra.yml:3');
  });
  test('does not catch a secret defined with file:', async () => {
    expect(byRule((await seed()).findings, 'DA-CMP-028')).toEqual([]);
  });
});

/** A secret file git does not ignore and tracks, inside a context whose .dockerignore does not exclude it. */
const exposedSecret = fixture(async () => {
  const { dir } = await withExtra('services: {}\n', { '.gitignore': '.env\n.env.*\n', '.dockerignore': '.git\n' });
  gitAdd(dir, 'secrets/db_password.txt');
  return check(dir, PROD_FILES);
});

describe('DA-CMP-029 secret-file-not-gitignored', () => {
  test('catches a secret file git does not ignore', async () => {
    expect(at(byRule((await exposedSecret()).findings, 'DA-CMP-029')[0])).toBe('deploy/docker-compose.prod.yml:22');
  });
  test('does not catch a gitignored secret file', async () => {
    expect(byRule((await seed()).findings, 'DA-CMP-029')).toEqual([]);
  });
});

describe('DA-CMP-030 secret-file-in-image', () => {
  test('catches a secret file inside the build context that .dockerignore does not exclude', async () => {
    expect(at(byRule((await exposedSecret()).findings, 'DA-CMP-030')[0])).toBe('deploy/docker-compose.prod.yml:22');
  });
  test('catches a secret that a later `!` exception re-includes', async () => {
    const { findings } = await withExtra('services: {}\n', { '.dockerignore': 'secrets/\n!secrets/db_password.txt\n' });
    expect(byRule(findings, 'DA-CMP-030')).toHaveLength(1);
  });
  test("catches it for the service's own build context when the action's context is elsewhere", async () => {
    const dir = makeProject(seedLayout({ '.dockerignore': '' }));
    dirs.push(dir);
    const { findings } = await checkCompose({ cwd: dir, files: PROD_FILES, env: {}, buildContext: 'app' });
    // The service's own build context (..) still contains it: the finding is there, for that context.
    expect(byRule(findings, 'DA-CMP-030').map((f) => f.message)).toEqual([expect.stringContaining('build context .')]);
  });
  test('does not catch a secret excluded by a `**` pattern', async () => {
    const { findings } = await withExtra('services: {}\n', { '.dockerignore': '**/*.txt\n' });
    expect(byRule(findings, 'DA-CMP-030')).toEqual([]);
  });
});

describe('DA-CMP-031 secret-mode-ignored', () => {
  test('catches every file secret, as a notice on its file: line', async () => {
    const f = byRule((await seed()).findings, 'DA-CMP-031');
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ severity: 'notice', location: { file: 'deploy/docker-compose.prod.yml', line: 22 } });
  });
  test('does not catch a secret that is not a file', async () => {
    const { findings } = await withExtra('secrets:\n  db_password: !override\n    environment: DB_PASSWORD\n');
    expect(byRule(findings, 'DA-CMP-031')).toEqual([]);
  });
});

const environment = fixture(() =>
  withExtra(
    'services:\n  app:\n    environment:\n      - DB_PASSWORD=hunter2\n      - API_TOKEN=${API_TOKEN}\n      - STRIPE_API_KEY\n      - JWT_SECRET_FILE=/run/secrets/jwt\n      - PWD=/app\n      - DATABASE_URL=postgres://u:p4ss@db/x\n      - EMPTY_PASSWORD=\n',
    {},
    { API_TOKEN: 'tok' },
  ),
);

describe('DA-CMP-032 secret-in-environment', () => {
  test('catches secret-like keys whether literal, interpolated or passed through, and URLs with a password', async () => {
    const { findings } = await environment();
    expect(byRule(findings, 'DA-CMP-032').map((f) => f.location!.line)).toEqual([4, 5, 6, 9]);
    expect(byRule(findings, 'DA-CMP-032')[1]!.message).toContain('${API_TOKEN}');
    expect(JSON.stringify(findings)).not.toContain('tok"');
  });
  test('does not catch *_FILE, ordinary keys or empty values', async () => {
    const lines = byRule((await environment()).findings, 'DA-CMP-032').map((f) => f.location!.line);
    for (const line of [7, 8, 10]) expect(lines).not.toContain(line);
  });
});

const envFileWithSecret = fixture(() =>
  withExtra('services: {}\n', { '.env.prod': 'APP_ENV=prod\nDB_PASSWORD=hunter2\nAPI_TOKEN=\n' }),
);

describe('DA-CMP-033 secret-in-env-file', () => {
  test('catches a secret-like key with a value in the prod env_file, annotated in the env file', async () => {
    expect(byRule((await envFileWithSecret()).findings, 'DA-CMP-033').map(at)).toEqual(['.env.prod:2']);
  });
  test('does not catch ordinary keys or secret-like keys without a value', async () => {
    const lines = byRule((await envFileWithSecret()).findings, 'DA-CMP-033').map(at);
    expect(lines).not.toContain('.env.prod:1');
    expect(lines).not.toContain('.env.prod:3');
  });
});

/** `.env` tracked by git, and neither it nor `.env.prod` covered by .gitignore. */
const envInGit = fixture(async () => {
  const { dir } = await withExtra('services: {}\n', { '.gitignore': 'secrets/\n', '.env': 'A=1\n' });
  gitAdd(dir, '.env');
  return { dir, ...(await check(dir, PROD_FILES)) };
});

describe('DA-CMP-034 secret-tracked-by-git', () => {
  test('catches a tracked secret file', async () => {
    expect(at(byRule((await exposedSecret()).findings, 'DA-CMP-034')[0])).toBe('deploy/docker-compose.prod.yml:22');
  });
  test('catches a tracked .env', async () => {
    expect(byRule((await envInGit()).findings, 'DA-CMP-034').map((f) => f.message)).toEqual([
      expect.stringContaining('.env is tracked'),
    ]);
  });
  test('does not catch untracked files', async () => {
    expect(byRule((await seed()).findings, 'DA-CMP-034')).toEqual([]);
  });
});

describe('DA-CMP-035 env-file-not-gitignored', () => {
  test('catches .env and the prod env file not covered by .gitignore', async () => {
    expect(
      byRule((await envInGit()).findings, 'DA-CMP-035')
        .map((f) => f.message)
        .sort(),
    ).toEqual([expect.stringContaining('.env is not covered'), expect.stringContaining('.env.prod is not covered')]);
  });
  test('does not catch them once .gitignore covers them', async () => {
    const { dir } = await envInGit();
    writeFileSync(join(dir, '.gitignore'), '.env*\nsecrets/\n');
    const fixed = await check(dir, PROD_FILES);
    expect(byRule(fixed.findings, 'DA-CMP-035')).toEqual([]);
  });
});

describe('DA-CMP-036 secret-example-missing', () => {
  test('catches a secret file that secrets.example/ does not document, as a warning', async () => {
    const layout = seedLayout();
    delete layout['secrets.example/db_password.txt'];
    const dir = makeProject({ ...layout, 'secrets.example/other.txt': 'x' });
    dirs.push(dir);
    const { findings } = await check(dir, PROD_FILES);
    expect(byRule(findings, 'DA-CMP-036')[0]).toMatchObject({ severity: 'warning', location: { line: 22 } });
  });
  test('does not catch a documented secret file', async () => {
    expect(byRule((await seed()).findings, 'DA-CMP-036')).toEqual([]);
  });
});

describe('DA-CMP-037 root-user', () => {
  test('catches user "0:0" and user root', async () => {
    const bad = await withExtra('services:\n  app:\n    user: "0:0"\n');
    expect(at(byRule(bad.findings, 'DA-CMP-037')[0])).toBe('deploy/extra.yml:3');
    const root = await withExtra('services:\n  app:\n    user: root\n');
    expect(byRule(root.findings, 'DA-CMP-037')).toHaveLength(1);
  });
  test('does not catch a non-root uid', async () => {
    const ok = await withExtra('services:\n  app:\n    user: "10001"\n');
    expect(byRule(ok.findings, 'DA-CMP-037')).toEqual([]);
  });
});

const hostAccess = fixture(() =>
  withExtra(
    'services:\n  app:\n    privileged: true\n    network_mode: host\n    pid: host\n    cap_add: [NET_BIND_SERVICE, SYS_ADMIN, ALL]\n',
  ),
);
const narrowAccess = fixture(() =>
  withExtra('services:\n  app:\n    privileged: false\n    cap_add: [NET_BIND_SERVICE]\n'),
);

describe('DA-CMP-038 privileged', () => {
  test('catches privileged: true', async () => {
    expect(at(byRule((await hostAccess()).findings, 'DA-CMP-038')[0])).toBe('deploy/extra.yml:3');
  });
  test('does not catch privileged: false', async () => {
    expect(byRule((await narrowAccess()).findings, 'DA-CMP-038')).toEqual([]);
  });
});

describe('DA-CMP-039 host-network', () => {
  test('catches network_mode: host', async () => {
    expect(at(byRule((await hostAccess()).findings, 'DA-CMP-039')[0])).toBe('deploy/extra.yml:4');
  });
  test('does not catch the default network', async () => {
    expect(byRule((await narrowAccess()).findings, 'DA-CMP-039')).toEqual([]);
  });
});

describe('DA-CMP-040 host-pid', () => {
  test('catches pid: host', async () => {
    expect(at(byRule((await hostAccess()).findings, 'DA-CMP-040')[0])).toBe('deploy/extra.yml:5');
  });
  test('does not catch the default PID namespace', async () => {
    expect(byRule((await narrowAccess()).findings, 'DA-CMP-040')).toEqual([]);
  });
});

describe('DA-CMP-041 dangerous-capability', () => {
  test('catches SYS_ADMIN and ALL', async () => {
    expect(byRule((await hostAccess()).findings, 'DA-CMP-041').map((f) => f.message)).toEqual([
      expect.stringContaining('SYS_ADMIN'),
      expect.stringContaining('ALL'),
    ]);
  });
  test('does not catch a narrow capability', async () => {
    expect(byRule((await narrowAccess()).findings, 'DA-CMP-041')).toEqual([]);
  });
});

const images = fixture(() =>
  withExtra(
    'services:\n  a:\n    image: org/a:latest\n  b:\n    image: org/b\n  c:\n    image: org/c@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n  d:\n    image: registry:5000/org/d:${TAG:-1.0}\n',
  ),
);

describe('DA-CMP-042 image-not-pinned', () => {
  test('catches latest and no tag', async () => {
    expect(byRule((await images()).findings, 'DA-CMP-042').map(at)).toEqual([
      'deploy/extra.yml:3',
      'deploy/extra.yml:5',
    ]);
  });
  test('does not catch a digest or an interpolated version tag behind a registry port', async () => {
    const lines = byRule((await images()).findings, 'DA-CMP-042').map(at);
    expect(lines).not.toContain('deploy/extra.yml:7');
    expect(lines).not.toContain('deploy/extra.yml:9');
  });
});

const noRestartNoHealth = fixture(() =>
  withExtra('services:\n  w:\n    image: org/w:1.0\n    restart: "no"\n    healthcheck:\n      disable: true\n'),
);

describe('DA-CMP-043 restart-policy', () => {
  test('catches restart: "no", as a warning', async () => {
    expect(byRule((await noRestartNoHealth()).findings, 'DA-CMP-043')[0]).toMatchObject({
      severity: 'warning',
      location: { line: 4 },
    });
  });
  test('does not catch restart: unless-stopped', async () => {
    expect(byRule((await seed()).findings, 'DA-CMP-043')).toEqual([]);
  });
});

describe('DA-CMP-044 healthcheck', () => {
  test('catches a disabled healthcheck, as a warning', async () => {
    expect(byRule((await noRestartNoHealth()).findings, 'DA-CMP-044')[0]).toMatchObject({
      severity: 'warning',
      location: { line: 5 },
    });
  });
  test('does not catch a service with a healthcheck', async () => {
    expect(byRule((await seed()).findings, 'DA-CMP-044')).toEqual([]);
  });
});
