/**
 * A hostile repository against the check, through dist under Node 24: files linked out of the workspace and FIFOs
 * where the check expects files. Each is one clear error at the file, the job ends quickly, and no byte of the
 * outside file reaches the annotations, the log, the job summary or the JSON report.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runAction, type ActionRun } from '../helpers/run-action.js';
import { makeWorkspace, removeWorkspace } from '../helpers/workspace.js';

const MARKER = 'never-printed-7f3a';
const outside = mkdtempSync(path.join(tmpdir(), 'deploy-action-outside-'));
const shadow = path.join(outside, 'shadow');
writeFileSync(shadow, `root:$6$${MARKER}:19000:0:99999:7:::\nDB_PASSWORD=${MARKER}\nservices: {}\n`);

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await removeWorkspace(d);
  rmSync(outside, { recursive: true, force: true });
});

const titled = (run: ActionRun, rule: string) => run.annotations.filter((a) => a.title?.startsWith(`${rule} `));

/** Everything the run wrote: log, summary, and every report file under the runner's temp. */
function everythingWritten(run: ActionRun): string {
  const reports = readdirSync(run.runnerTemp, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => readFileSync(path.join(e.parentPath, e.name), 'latin1'));
  return [run.stdout, run.stderr, run.summary, ...reports].join('\n');
}

test('a Dockerfile, a compose file and the settings file linked out of the workspace are refused unread', async () => {
  const dir = await makeWorkspace(undefined, async (d) => {
    for (const f of ['deploy/Dockerfile', 'deploy/docker-compose.prod.yml', '.github/deploy-action.yml']) {
      await mkdir(path.dirname(path.join(d, f)), { recursive: true });
      rmSync(path.join(d, f), { force: true });
      symlinkSync(shadow, path.join(d, f));
    }
  });
  dirs.push(dir);
  const run = await runAction(dir, {});
  expect(run.code).not.toBe(0);
  expect(titled(run, 'DA-INP-008').map((a) => a.file)).toEqual(
    expect.arrayContaining(['deploy/Dockerfile', '.github/deploy-action.yml']),
  );
  expect(titled(run, 'DA-CMP-001')[0]).toMatchObject({ file: 'deploy/docker-compose.prod.yml' });
  for (const a of [...titled(run, 'DA-INP-008'), ...titled(run, 'DA-CMP-001')])
    expect(a.message).toMatch(/resolves outside the repository/);
  expect(everythingWritten(run)).not.toContain(MARKER);
});

test('FIFOs as Dockerfile, .dockerignore and .env end the check at once with an error each, never a hang', async () => {
  const dir = await makeWorkspace();
  dirs.push(dir);
  for (const f of ['deploy/Dockerfile', '.dockerignore', 'deploy/.env']) {
    rmSync(path.join(dir, f), { force: true });
    execFileSync('mkfifo', [path.join(dir, f)]);
  }
  const started = Date.now();
  const run = await runAction(dir, {});
  const seconds = (Date.now() - started) / 1000;
  console.log(`FIFO repository checked in ${seconds.toFixed(1)} s`);
  expect(seconds).toBeLessThan(60);
  expect(run.code).not.toBe(0);
  const refused = run.annotations.filter((a) => /is not a regular file/.test(a.message));
  expect(refused.map((a) => a.file)).toEqual(expect.arrayContaining(['deploy/Dockerfile', 'deploy/.env']));
  expect(run.stdout + run.stderr).not.toMatch(/\n\s+at .*\.js:\d+/);
  for (const f of ['deploy/Dockerfile', '.dockerignore', 'deploy/.env']) unlinkSync(path.join(dir, f));
});
