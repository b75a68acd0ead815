import { execFileSync } from 'node:child_process';
import { appendFile, copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FIXTURES } from '../helpers/paths.js';
import { runAction, type ActionRun } from '../helpers/run-action.js';
import { makeWorkspace, removeWorkspace } from '../helpers/workspace.js';

const PROD = 'deploy/docker-compose.prod.yml';
const BASE = 'deploy/docker-compose.yml';
type Edit = (dir: string) => Promise<void>;

async function edit(dir: string, file: string, change: (text: string) => string): Promise<void> {
  const p = path.join(dir, file);
  await writeFile(p, change(await readFile(p, 'utf8')));
}
/** Lines added to the prod override's `app` service, indented under it. */
const inApp =
  (...lines: string[]): Edit =>
  (dir) =>
    edit(dir, PROD, (t) => t.replace('  app:\n', `  app:\n${lines.map((l) => `    ${l}\n`).join('')}`));
const replaceIn =
  (file: string, from: string, to: string): Edit =>
  (dir) =>
    edit(dir, file, (t) => {
      if (!t.includes(from)) throw new Error(`fixture edit: '${from}' not in ${file}`);
      return t.replace(from, to);
    });
const appendTo =
  (file: string, text: string): Edit =>
  (dir) =>
    appendFile(path.join(dir, file), text);
const both =
  (...edits: Edit[]): Edit =>
  async (dir) => {
    for (const e of edits) await e(dir);
  };
const write =
  (file: string, text: string): Edit =>
  (dir) =>
    writeFile(path.join(dir, file), text);
const none: Edit = async () => {};

interface RuleCase {
  rule: string;
  /** Makes the example break the rule. */
  bad: Edit;
  /** A variant that meets the rule (often the fix of `bad`). */
  good: Edit;
  /** Where the annotation must sit: the file and a text on that line. */
  file: string;
  needle: string;
  /** Files git must track in this case (to prove the "tracked" rules). */
  track?: string[];
}

const CASES: RuleCase[] = [
  {
    rule: 'DA-CMP-002',
    bad: replaceIn(PROD, 'restart: unless-stopped', 'restart: unless-stopped: now'),
    good: none,
    file: PROD,
    needle: 'unless-stopped: now',
  },
  { rule: 'DA-CMP-005', bad: write(PROD, '- just\n- a list\n'), good: none, file: PROD, needle: '- just' },
  {
    rule: 'DA-CMP-006',
    bad: appendTo(PROD, 'servces: {}\n'),
    good: appendTo(PROD, 'x-notes: {}\n'),
    file: PROD,
    needle: 'servces',
  },
  {
    rule: 'DA-CMP-009',
    bad: replaceIn(PROD, '      - source: db_password', '      - source: db_pasword'),
    good: none,
    file: PROD,
    needle: 'db_pasword',
  },
  {
    rule: 'DA-CMP-020',
    bad: inApp('volumes:', '  - /var/log/doongzi:/logs'),
    good: inApp('tmpfs:', '  - /tmp'),
    file: PROD,
    needle: '/var/log/doongzi',
  },
  {
    rule: 'DA-CMP-021',
    bad: inApp('volumes:', '  - /var/run/docker.sock:/var/run/docker.sock'),
    good: none,
    file: PROD,
    needle: 'docker.sock',
  },
  {
    rule: 'DA-CMP-022',
    bad: replaceIn(BASE, '    networks:\n', '    volumes:\n      - ../app:/app/app\n    networks:\n'),
    good: both(
      replaceIn(BASE, '    networks:\n', '    volumes:\n      - ../app:/app/app\n    networks:\n'),
      inApp('volumes: !reset []'),
    ),
    file: BASE,
    needle: '../app:/app/app',
  },
  {
    rule: 'DA-CMP-023',
    bad: both(inApp('volumes:', '  - uploads:/srv/uploads'), appendTo(PROD, 'volumes:\n  uploads: {}\n')),
    good: both(
      inApp('volumes:', '  - uploads:/srv/uploads'),
      appendTo(PROD, 'volumes:\n  uploads:\n    labels:\n      com.doongzi.deploy-action.data: "true"\n'),
    ),
    file: PROD,
    needle: 'uploads:/srv/uploads',
  },
  {
    rule: 'DA-CMP-024',
    bad: replaceIn(PROD, '\nsecrets:\n  db_password:', '\n  cache:\n    image: redis:7\n\nsecrets:\n  db_password:'),
    good: none,
    file: PROD,
    needle: 'redis:7',
  },
  {
    rule: 'DA-CMP-025',
    bad: replaceIn(
      PROD,
      '    deploy:\n      resources:\n        limits:\n          cpus: "1.0"\n          memory: 512M\n',
      '',
    ),
    good: replaceIn(
      PROD,
      '    deploy:\n      resources:\n        limits:\n          cpus: "1.0"\n          memory: 512M\n',
      '    cpus: 1.0\n    mem_limit: 512m\n',
    ),
    file: PROD,
    needle: '  app:',
  },
  {
    rule: 'DA-CMP-026',
    bad: replaceIn(
      PROD,
      '      - source: db_password\n        target: db_password\n        mode: 0400\n',
      '      - db_password\n',
    ),
    good: none,
    file: PROD,
    needle: '- db_password',
  },
  {
    rule: 'DA-CMP-027',
    bad: replaceIn(PROD, 'mode: 0400', 'mode: 0444'),
    good: replaceIn(PROD, 'mode: 0400', 'mode: 256'),
    file: PROD,
    needle: 'mode: 0444',
  },
  {
    rule: 'DA-CMP-028',
    bad: replaceIn(PROD, '    file: ../secrets/db_password.txt', '    environment: DB_PASSWORD'),
    good: none,
    file: PROD,
    needle: 'environment: DB_PASSWORD',
  },
  {
    rule: 'DA-CMP-029',
    bad: replaceIn('.gitignore', 'secrets/\n', ''),
    good: none,
    file: PROD,
    needle: 'file: ../secrets/db_password.txt',
  },
  {
    rule: 'DA-CMP-030',
    bad: replaceIn('.dockerignore', 'secrets/\n', ''),
    good: none,
    file: PROD,
    needle: 'file: ../secrets/db_password.txt',
  },
  {
    rule: 'DA-CMP-032',
    bad: replaceIn(PROD, 'DB_PASSWORD_FILE: /run/secrets/db_password', 'DB_PASSWORD: ${DB_PASSWORD}'),
    good: none,
    file: PROD,
    needle: 'DB_PASSWORD: ${DB_PASSWORD}',
  },
  {
    rule: 'DA-CMP-033',
    bad: write('.env.prod', 'APP_ENV=prod\nDB_PASSWORD=hunter2\n'),
    good: write('.env.prod', 'APP_ENV=prod\nDB_HOST=db.internal\n'),
    file: '.env.prod',
    needle: 'DB_PASSWORD=hunter2',
  },
  {
    rule: 'DA-CMP-034',
    bad: write('.env.prod', 'APP_ENV=prod\n'),
    good: write('.env.prod', 'APP_ENV=prod\n'),
    file: PROD,
    needle: 'env_file: ../.env.prod',
    track: ['.env.prod'],
  },
  {
    rule: 'DA-CMP-035',
    bad: replaceIn('.gitignore', '.env.*\n', ''),
    good: none,
    file: PROD,
    needle: 'env_file: ../.env.prod',
  },
  {
    rule: 'DA-CMP-036',
    bad: (dir) => rm(path.join(dir, 'secrets.example'), { recursive: true }),
    good: none,
    file: PROD,
    needle: 'file: ../secrets/db_password.txt',
  },
  { rule: 'DA-CMP-037', bad: inApp('user: root'), good: inApp('user: "999:999"'), file: PROD, needle: 'user: root' },
  {
    rule: 'DA-CMP-038',
    bad: inApp('privileged: true'),
    good: inApp('privileged: false'),
    file: PROD,
    needle: 'privileged: true',
  },
  {
    rule: 'DA-CMP-039',
    bad: inApp('network_mode: host'),
    good: inApp('network_mode: none', 'networks: !reset []'),
    file: PROD,
    needle: 'network_mode: host',
  },
  { rule: 'DA-CMP-040', bad: inApp('pid: host'), good: none, file: PROD, needle: 'pid: host' },
  {
    rule: 'DA-CMP-041',
    bad: inApp('cap_add: [SYS_ADMIN]'),
    good: inApp('cap_add: [NET_BIND_SERVICE]'),
    file: PROD,
    needle: 'cap_add',
  },
  {
    rule: 'DA-CMP-042',
    bad: replaceIn(BASE, 'doongzi/backend:${APP_VERSION:-dev}', 'doongzi/backend:latest'),
    good: none,
    file: BASE,
    needle: 'doongzi/backend:latest',
  },
  {
    rule: 'DA-CMP-043',
    bad: replaceIn(PROD, '    restart: unless-stopped\n', ''),
    good: none,
    file: PROD,
    needle: '  app:',
  },
  {
    rule: 'DA-CMP-044',
    bad: replaceIn(
      PROD,
      '    healthcheck:\n      test: ["CMD", "python", "-m", "app.healthcheck"]\n',
      '    healthcheck:\n      disable: true\n      test: ["CMD", "python", "-m", "app.healthcheck"]\n',
    ),
    good: none,
    file: PROD,
    needle: '    healthcheck:',
  },
];

/** The example with a 2 MB runner image, `change` applied, committed as a CI checkout would have it. */
async function workspace(change: Edit, track: string[] = []): Promise<string> {
  const dir = await makeWorkspace(undefined, async (d) => {
    await copyFile(path.join(FIXTURES, 'dockerfiles/tiny.Dockerfile'), path.join(d, 'deploy/Dockerfile'));
    await change(d);
  });
  if (track.length) {
    execFileSync('git', ['add', '-f', ...track], { cwd: dir });
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-qm', 'track'], {
      cwd: dir,
    });
  }
  return dir;
}

async function lineOf(dir: string, file: string, needle: string): Promise<number> {
  const lines = (await readFile(path.join(dir, file), 'utf8')).split('\n');
  const index = lines.findIndex((l) => l.includes(needle));
  if (index < 0) throw new Error(`'${needle}' not in ${file}`);
  return index + 1;
}

/** Nine levels of nine aliases each: 9^9 nodes if expanded. */
function aliasBomb(): string {
  const names = 'abcdefghi'.split('');
  const lines = ['x-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i < names.length; i++) {
    lines.push(
      `x-${names[i]}: &${names[i]} [${Array(9)
        .fill(`*${names[i - 1]}`)
        .join(', ')}]`,
    );
  }
  return `${lines.join('\n')}\nservices: {}\n`;
}

const of = (run: ActionRun, rule: string) => run.annotations.filter((a) => a.title?.startsWith(`${rule} `));

describe('check mode, compose half (dist under Node 24, real engine)', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await removeWorkspace(d);
  });

  test('the example (with the tiny runner) passes every compose rule', async () => {
    const dir = await workspace(none);
    dirs.push(dir);
    const run = await runAction(dir, {});
    expect(run.annotations.filter((a) => a.severity !== 'notice')).toEqual([]);
    expect(run.code).toBe(0);
  });

  test.each(CASES.map((c) => [c.rule, c] as const))(
    '%s: the bad fixture is annotated at the line that introduced it; the good one is not',
    async (_rule, c) => {
      const [badDir, goodDir] = [await workspace(c.bad, c.track), await workspace(c.good)];
      dirs.push(badDir, goodDir);
      const [bad, good] = await Promise.all([runAction(badDir, {}), runAction(goodDir, {})]);
      const hits = of(bad, c.rule);
      expect(hits.length).toBeGreaterThan(0);
      expect(hits[0]).toMatchObject({ file: c.file, line: await lineOf(badDir, c.file, c.needle) });
      expect(of(good, c.rule)).toEqual([]);
      if (hits[0]!.severity === 'error') expect(bad.code).not.toBe(0);
    },
  );

  test('a 50 MB compose file and an alias bomb are refused quickly with an error at the file', async () => {
    const dir = await workspace(async (d) => {
      await writeFile(path.join(d, PROD), `services: {}\n${'#'.repeat(50 * 1024 * 1024)}\n`);
      await writeFile(path.join(d, BASE), aliasBomb());
    });
    dirs.push(dir);
    const started = Date.now();
    const run = await runAction(dir, {});
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(of(run, 'DA-CMP-004')[0]).toMatchObject({ severity: 'error', file: PROD });
    expect(of(run, 'DA-CMP-003')[0]).toMatchObject({ severity: 'error', file: BASE });
    expect(run.stdout + run.stderr).not.toMatch(/\n\s+at .*\.js:\d+/);
  });
});
