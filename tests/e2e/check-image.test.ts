import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FIXTURES } from '../helpers/paths.js';
import { runAction, type ActionRun } from '../helpers/run-action.js';
import { makeWorkspace, removeWorkspace } from '../helpers/workspace.js';

const HOST_GCC = '/usr/bin/x86_64-linux-gnu-gcc-12';

/** The example with its Dockerfile swapped for a fixture; the host's real gcc driver is put in the context. */
async function workspaceWith(fixture: string | undefined): Promise<string> {
  return makeWorkspace(undefined, async (dir) => {
    if (fixture) await copyFile(path.join(FIXTURES, 'dockerfiles', fixture), path.join(dir, 'deploy/Dockerfile'));
    await mkdir(path.join(dir, 'tools'), { recursive: true });
    await copyFile(HOST_GCC, path.join(dir, 'tools/x86_64-linux-gnu-gcc-12'));
  });
}

const errors = (run: ActionRun) => run.annotations.filter((a) => a.severity === 'error');
const dockerfileLine = (dir: string, needle: string) => {
  const lines = execFileSync('cat', [path.join(dir, 'deploy/Dockerfile')])
    .toString()
    .split('\n');
  return lines.findIndex((l) => l.includes(needle)) + 1;
};

describe('check mode, image half (dist under Node 24, real engine)', () => {
  const workspaces: string[] = [];
  afterAll(async () => {
    for (const dir of workspaces) await removeWorkspace(dir);
  });
  async function check(fixture?: string, inputs: Record<string, string> = {}) {
    const dir = await workspaceWith(fixture);
    workspaces.push(dir);
    return { dir, run: await runAction(dir, inputs) };
  }

  test('the example passes with no error annotation and sets the outputs', async () => {
    const { run } = await check();
    expect(errors(run)).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.outputs['runtime-user']).toMatch(/^[1-9]\d*:[1-9]\d*$/);
    expect(run.outputs['image-id']).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(Number(run.outputs['image-size'])).toBeGreaterThan(10_000_000);
    expect(run.summary).toContain('Runtime user');
  });

  test('a runner stage without USER fails on its FROM line', async () => {
    const { dir, run } = await check('no-user.Dockerfile');
    expect(run.code).not.toBe(0);
    const root = errors(run).filter((a) => a.title?.startsWith('DA-IMG-001'));
    expect(root).toHaveLength(1);
    expect(root[0]).toMatchObject({ file: 'deploy/Dockerfile', line: dockerfileLine(dir, 'AS runner') });
    expect(run.outputs['runtime-user']).toBe('0:0');
  });

  test('a USER whose account has uid 0 fails on the USER line', async () => {
    const { dir, run } = await check('uid0-user.Dockerfile');
    const root = errors(run).filter((a) => a.title?.startsWith('DA-IMG-001'));
    expect(root).toHaveLength(1);
    expect(root[0]).toMatchObject({ file: 'deploy/Dockerfile', line: dockerfileLine(dir, 'USER appuser') });
    expect(root[0]!.message).toContain('uid 0');
  });

  test('uv copied into the runner fails on the COPY line, from the image and from the text', async () => {
    const { dir, run } = await check('uv-in-runner.Dockerfile');
    const copyLines = execFileSync('grep', ['-n', 'astral-sh/uv', path.join(dir, 'deploy/Dockerfile')])
      .toString()
      .trim()
      .split('\n');
    const runnerCopy = Number(copyLines.at(-1)!.split(':')[0]);
    const tool = errors(run).filter((a) => a.title?.startsWith('DA-IMG-003'));
    expect(tool.map((a) => a.line)).toEqual([runnerCopy]);
    expect(tool[0]!.message).toContain('bin/uv');
    expect(errors(run).some((a) => a.title?.startsWith('DA-DF-003') && a.line === runnerCopy)).toBe(true);
  });

  test('a compiler copied into the runner fails on the COPY line that added it', async () => {
    const { dir, run } = await check('compiler-in-runner.Dockerfile');
    const tool = errors(run).filter((a) => a.title?.startsWith('DA-IMG-003'));
    expect(tool).toHaveLength(1);
    expect(tool[0]).toMatchObject({
      line: dockerfileLine(dir, 'COPY --from=builder /usr/bin/x86_64-linux-gnu-gcc-12'),
    });
    expect(tool[0]!.message).toContain('usr/bin/x86_64-linux-gnu-gcc-12');
  });

  test('a tool added then deleted by a later layer is a warning with the bytes wasted, not an error', async () => {
    const { dir, run } = await check('tool-deleted-later.Dockerfile');
    expect(errors(run)).toEqual([]);
    const waste = run.annotations.filter((a) => a.title?.startsWith('DA-IMG-004'));
    expect(waste).toHaveLength(1);
    expect(waste[0]).toMatchObject({
      severity: 'warning',
      line: dockerfileLine(dir, 'COPY tools/x86_64-linux-gnu-gcc-12'),
    });
    expect(waste[0]!.message).toMatch(/\d[\d,.]* ?[kM]?B/);
  });

  test('an image with no shell, no passwd and a numeric USER passes', async () => {
    const { run } = await check('distroless-numeric.Dockerfile');
    expect(errors(run)).toEqual([]);
    expect(run.outputs['runtime-user']).toBe('65532:0');
  });

  test('passwordless sudo, a baked-in key and a setuid helper are each blamed on the line that added them', async () => {
    const dir = await makeWorkspace(undefined, async (d) => {
      await copyFile(
        path.join(FIXTURES, 'dockerfiles', 'sudo-and-secrets.Dockerfile'),
        path.join(d, 'deploy/Dockerfile'),
      );
      await mkdir(path.join(d, 'certs'), { recursive: true });
      await writeFile(path.join(d, 'certs/server.key'), 'not a real key\n');
    });
    workspaces.push(dir);
    const run = await runAction(dir, {});
    const at = (id: string) => run.annotations.filter((a) => a.title?.startsWith(id)).map((a) => [a.severity, a.line]);
    expect(at('DA-IMG-005')).toEqual([['error', dockerfileLine(dir, 'NOPASSWD')]]);
    expect(at('DA-DF-007')).toEqual([]); // the image proof at the same line supersedes the text rule
    expect(at('DA-IMG-006')).toEqual([['error', dockerfileLine(dir, 'COPY certs')]]);
    // Only the helper: the base image's own setuid programs (passwd, su, mount…) are the usual set.
    expect(at('DA-IMG-007')).toEqual([['warning', dockerfileLine(dir, 'chmod 4755')]]);
    expect(run.annotations.find((a) => a.title?.startsWith('DA-IMG-006'))!.message).toContain('/app/certs/server.key');
  });

  test('bad input: a missing Dockerfile, an unknown target and a failing build each give one clear error', async () => {
    const missing = await check(undefined, { dockerfile: 'deploy/Nope.Dockerfile' });
    expect(errors(missing.run).filter((a) => a.title?.startsWith('DA-INP-002'))).toHaveLength(1);
    expect(missing.run.stdout + missing.run.stderr).not.toMatch(/\n\s+at .*\.js:\d+/);

    const target = await check(undefined, { target: 'nosuchstage' });
    const unknown = errors(target.run).filter((a) => a.title?.startsWith('DA-INP-003'));
    expect(unknown).toHaveLength(1);
    expect(unknown[0]!.message).toContain('builder, runner');

    const broken = await makeWorkspace(undefined, async (dir) => {
      const text = execFileSync('cat', [path.join(dir, 'deploy/Dockerfile')]).toString();
      await writeFile(
        path.join(dir, 'deploy/Dockerfile'),
        text.replace('RUN uv sync --frozen --no-dev', 'RUN uv sync --frozen --no-dev && exit 3'),
      );
    });
    workspaces.push(broken);
    const failed = await runAction(broken, {});
    const build = errors(failed).filter((a) => a.title?.startsWith('DA-INP-005'));
    expect(build).toHaveLength(1);
    expect(build[0]).toMatchObject({ file: 'deploy/Dockerfile', line: dockerfileLine(broken, 'exit 3') });
    expect(build[0]!.message).toContain('exit code: 3');
    expect(failed.annotations.filter((a) => a.title?.startsWith('DA-INP-009')).map((a) => a.severity)).toEqual([
      'warning',
    ]);
  });
});
