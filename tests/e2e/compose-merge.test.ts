/**
 * Proves the merge: for every case under tests/fixtures/compose-merge/ (and the doongzi example's base + prod),
 * the real `docker compose -f … config --format json --no-normalize` and our merged model, projected to the same
 * JSON shape, are deep-equal.
 *
 * `--no-normalize` because normalisation adds defaults that are not merge semantics (the implicit `default`
 * network, project-prefixed resource names, image defaults); path resolution stays on, so relative paths
 * (binds, build contexts, env files, secret files, `extends.file`) are proven too.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadCompose } from '../../src/compose/load.js';
import { buildModel } from '../../src/compose/normalize.js';
import { toComposeConfigJson } from '../../src/compose/project.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const corpus = resolve(here, '../fixtures/compose-merge');
const example = resolve(here, '../../examples/doongzi-backend');

interface Case {
  name: string;
  dir: string;
  files: string[];
  vars: Record<string, string>;
}

function cases(): Case[] {
  return readdirSync(corpus)
    .filter((d) => /^\d\d-/.test(d))
    .sort()
    .map((d) => {
      const dir = join(corpus, d);
      const files = readdirSync(dir)
        .filter((f) => /^\d-.*\.yml$/.test(f))
        .sort()
        .map((f) => join(dir, f));
      const varsFile = join(dir, 'vars.json');
      const vars = existsSync(varsFile) ? (JSON.parse(readFileSync(varsFile, 'utf8')) as Record<string, string>) : {};
      return { name: d, dir, files, vars };
    });
}

/** A minimal, controlled environment: what docker needs plus the case's variables. */
function envFor(vars: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: process.env['HOME'] ?? '/root',
  };
  for (const k of ['DOCKER_HOST', 'DOCKER_CONFIG']) if (process.env[k]) env[k] = process.env[k]!;
  return { ...env, ...vars };
}

async function dockerConfig(c: Case): Promise<unknown> {
  const args = ['compose', ...c.files.flatMap((f) => ['-f', f]), 'config', '--format', 'json', '--no-normalize'];
  const { stdout } = await run('docker', args, { cwd: c.dir, env: envFor(c.vars), maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout);
}

async function ours(c: Case): Promise<unknown> {
  const load = await loadCompose({ cwd: c.dir, files: c.files, env: envFor(c.vars) });
  expect(load.issues).toEqual([]);
  const model = buildModel(load, load.issues);
  expect(model).toBeDefined();
  return toComposeConfigJson(model!);
}

describe('merge matches docker compose config', () => {
  const all = cases();
  test('the corpus has at least 15 merge cases', () => {
    expect(all.length).toBeGreaterThanOrEqual(15);
  });

  test.each(all.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const [expected, actual] = await Promise.all([dockerConfig(c), ours(c)]);
    expect(actual).toEqual(expected);
  });

  test('doongzi example: base + prod', async () => {
    // The prod env file and secret are gitignored, so a checkout lacks them; Compose needs them to print config.
    const tmp = mkdtempSync(join(tmpdir(), 'da-compose-example-'));
    try {
      cpSync(example, tmp, { recursive: true });
      writeFileSync(join(tmp, '.env.prod'), 'APP_ENV=prod\nDB_HOST=db.internal\n');
      mkdirSync(join(tmp, 'secrets'), { recursive: true });
      writeFileSync(join(tmp, 'secrets/db_password.txt'), 'not-a-real-password\n');
      const c: Case = {
        name: 'example',
        dir: join(tmp, 'deploy'),
        files: [join(tmp, 'deploy/docker-compose.yml'), join(tmp, 'deploy/docker-compose.prod.yml')],
        vars: { APP_VERSION: '1.4.2' },
      };
      const [expected, actual] = await Promise.all([dockerConfig(c), ours(c)]);
      expect(actual).toEqual(expected);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
