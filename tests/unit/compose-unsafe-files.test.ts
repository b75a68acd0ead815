/**
 * A hostile repository: compose files, env files and the project `.env` that are symlinks out of the repository or
 * FIFOs. Each is refused with one error naming the file, fast, and no byte of the outside file reaches a message.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check, cleanup, makeProject, PROD_FILES, seedLayout } from './compose-helpers.js';

const SHADOW = 'root:$6$never-printed-hash:19000:0:99999:7:::\nDB_PASSWORD=never-printed-value\n';
const dirs: string[] = [];
let outside: string;
beforeAll(() => {
  outside = mkdtempSync(join(tmpdir(), 'da-outside-'));
  writeFileSync(join(outside, 'shadow'), SHADOW);
});
afterAll(() => {
  dirs.forEach(cleanup);
  rmSync(outside, { recursive: true, force: true });
});

function project(extra: Record<string, string> = {}): string {
  const dir = makeProject(seedLayout(extra));
  dirs.push(dir);
  return dir;
}

function replaceWithLink(dir: string, path: string): void {
  rmSync(join(dir, path), { force: true });
  symlinkSync(join(outside, 'shadow'), join(dir, path));
}

function replaceWithFifo(dir: string, path: string): void {
  rmSync(join(dir, path), { force: true });
  execFileSync('mkfifo', [join(dir, path)]);
}

const everything = (findings: { message: string }[]) => findings.map((f) => f.message).join('\n');

describe('files outside the repository are never read', () => {
  test('a compose file linked to a file outside: DA-CMP-001, nothing of it printed', async () => {
    const dir = project();
    replaceWithLink(dir, 'deploy/docker-compose.prod.yml');
    const { findings, model } = await check(dir, PROD_FILES);
    expect(model).toBeUndefined();
    expect(findings.map((f) => [f.ruleId, f.location?.file])).toEqual([
      ['DA-CMP-001', 'deploy/docker-compose.prod.yml'],
    ]);
    expect(findings[0]!.message).toMatch(/resolves outside the repository/);
    expect(everything(findings)).not.toMatch(/never-printed/);
  });

  test('a project .env linked outside: refused, its keys and values never in a message', async () => {
    const dir = project();
    replaceWithLink(dir, 'deploy/.env');
    const { findings } = await check(dir, PROD_FILES);
    expect(findings.map((f) => f.ruleId)).toContain('DA-CMP-010');
    expect(everything(findings)).toMatch(/resolves outside the repository/);
    expect(everything(findings)).not.toMatch(/never-printed|DB_PASSWORD=/);
  });

  test('an env_file linked outside: refused at its env_file line', async () => {
    const dir = project({ 'deploy/app.env': 'LOG_LEVEL=info\n' });
    writeFileSync(join(dir, 'deploy/extra.yml'), 'services:\n  app:\n    env_file:\n      - app.env\n');
    replaceWithLink(dir, 'deploy/app.env');
    const { findings } = await check(dir, [...PROD_FILES, 'deploy/extra.yml']);
    const refused = findings.filter((f) => /outside the repository/.test(f.message));
    expect(refused.map((f) => [f.ruleId, f.location?.file, f.location?.line])).toEqual([
      ['DA-CMP-010', 'deploy/extra.yml', 4],
    ]);
    expect(everything(findings)).not.toMatch(/never-printed/);
  });
});

describe('FIFOs are refused at once instead of hanging the check', () => {
  test.each(['deploy/docker-compose.prod.yml', 'deploy/.env'])('%s as a FIFO', async (path) => {
    const dir = project();
    replaceWithFifo(dir, path);
    const started = Date.now();
    const { findings } = await check(dir, PROD_FILES);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(everything(findings)).toMatch(/is not a regular file/);
    unlinkSync(join(dir, path));
  });
});

test('a 50 MB project .env is refused by size, fast, instead of exhausting the heap', async () => {
  const dir = project();
  writeFileSync(join(dir, 'deploy/.env'), `BIG="${'x'.repeat(50 * 1024 * 1024)}"\n`);
  const started = Date.now();
  const { findings } = await check(dir, PROD_FILES);
  expect(Date.now() - started).toBeLessThan(5000);
  expect(findings.filter((f) => /over the \d+-byte limit/.test(f.message)).map((f) => f.ruleId)).toEqual([
    'DA-CMP-010',
  ]);
});
