// `image` and `build: false` on the real engine: an image built by a separate `docker buildx build --load` is
// verified with nothing built; its docker archive and OCI layout are verified with no engine reachable; the static
// mode gives the same Dockerfile and Compose findings as a full check.
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { ociLayoutFromSave } from '../helpers/oci-from-save.js';
import { FIXTURES, NODE24, REPO_ROOT } from '../helpers/paths.js';
import { runAction, type ActionRun } from '../helpers/run-action.js';
import { makeWorkspace, removeWorkspace } from '../helpers/workspace.js';

const NO_ENGINE = { DOCKER_HOST: 'unix:///nonexistent/docker.sock' };
const TAG = `h-imagein-e2e:${process.pid}`;

const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8', stdio: 'pipe' }).trim();
const titled = (run: ActionRun, prefix: string) =>
  run.annotations
    .filter((a) => a.title?.startsWith(prefix))
    .map((a) => `${a.title!.split(' ')[0]}@${a.file}:${a.line}`);
const ruleIds = (run: ActionRun) => run.annotations.map((a) => a.title?.split(' ')[0]);

function cli(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(NODE24, [path.join(REPO_ROOT, 'dist/cli/index.js'), ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

describe('check with an image built elsewhere (dist under Node 24, real engine)', () => {
  let dir: string;
  let out: string;
  let imageId: string;
  let makeLine: number;
  let fromEngine: ActionRun;

  beforeAll(async () => {
    dir = await makeWorkspace(undefined, (d) =>
      copyFile(path.join(FIXTURES, 'dockerfiles/image-input.Dockerfile'), path.join(d, 'deploy/Dockerfile')),
    );
    out = await mkdtemp(path.join(os.tmpdir(), 'h-imagein-e2e-'));
    // The earlier pipeline step: its own build, with a mark the check's own build of this Dockerfile would not have.
    execFileSync(
      'docker',
      ['buildx', 'build', '--load', '--network', 'none', '--build-arg', `BUILD_MARK=${randomUUID()}`, '-t', TAG].concat(
        ['-f', 'deploy/Dockerfile', '--target', 'runner', '.'],
      ),
      { cwd: dir, stdio: 'pipe' },
    );
    imageId = docker('image', 'inspect', '--format', '{{.Id}}', TAG);
    docker('save', '-o', path.join(out, 'app.tar'), TAG);
    await writeFile(path.join(out, 'app.tar.gz'), gzipSync(await readFile(path.join(out, 'app.tar'))));
    await ociLayoutFromSave(path.join(out, 'app.tar'), path.join(out, 'layout'));
    execFileSync('tar', ['-C', path.join(out, 'layout'), '-cf', path.join(out, 'layout.tar'), '.']);
    const lines = (await readFile(path.join(dir, 'deploy/Dockerfile'), 'utf8')).split('\n');
    makeLine = lines.findIndex((l) => l.includes('/bin/make')) + 1;
  });
  afterAll(async () => {
    docker('image', 'rm', TAG);
    await rm(out, { recursive: true, force: true });
    await removeWorkspace(dir);
  });

  test('an engine image by name is verified and nothing is built', async () => {
    const since = String(Date.now() / 1000);
    fromEngine = await runAction(dir, { image: TAG });
    const until = String(Date.now() / 1000 + 1);
    // A build by the check would set another image ID (no BUILD_MARK) and print buildx's steps into the log.
    expect(fromEngine.outputs['image-id']).toBe(imageId);
    expect(fromEngine.stdout).not.toMatch(/load build definition|naming to|writing image/);
    // The engine saw the image read (a save), not built.
    const saved = docker(
      'events',
      '--since',
      since,
      '--until',
      until,
      '--filter',
      'type=image',
      '--filter',
      'event=save',
    )
      .split('\n')
      .filter((l) => l.includes(imageId));
    expect(saved.length).toBeGreaterThanOrEqual(1);
    expect(fromEngine.outputs['runtime-user']).toBe('10001:10001');
    expect(titled(fromEngine, 'DA-IMG-003')).toEqual([`DA-IMG-003@deploy/Dockerfile:${makeLine}`]);
    expect(fromEngine.summary).toContain(`not built (image: ${TAG})`);

    // build-push-action's `imageid` output is the ID itself.
    const byId = await runAction(dir, { image: imageId });
    expect(byId.outputs['image-id']).toBe(imageId);
    expect(titled(byId, 'DA-IMG')).toEqual(titled(fromEngine, 'DA-IMG'));
  });

  test.each([
    ['docker-archive', 'app.tar.gz'],
    ['oci-layout', 'layout'],
    ['oci-archive', 'layout.tar'],
  ])('%s is read with no engine reachable, with the same findings', async (kind, file) => {
    const run = await runAction(dir, { image: `${kind}:${path.join(out, file)}` }, NO_ENGINE);
    expect(ruleIds(run)).not.toContain('DA-INP-004');
    expect(ruleIds(run)).not.toContain('DA-INP-009');
    expect(run.outputs['image-id']).toBe(imageId);
    expect(Number(run.outputs['image-size'])).toBeGreaterThan(0);
    expect(run.outputs['runtime-user']).toBe('10001:10001');
    expect(titled(run, 'DA-')).toEqual(titled(fromEngine, 'DA-'));
    expect(run.code).toBe(fromEngine.code);
  });

  test('bad image inputs: one clear error each, never a stack trace', async () => {
    const cut = path.join(out, 'cut.tar');
    const whole = await readFile(path.join(out, 'app.tar'));
    await writeFile(cut, whole.subarray(0, Math.floor(whole.length / 2)));
    // [inputs, env, rule, message]: an engine image needs the engine; the archives must fail without one.
    const cases: Array<[Record<string, string>, Record<string, string>, string, RegExp]> = [
      [{ image: 'h-imagein-e2e:missing' }, {}, 'DA-INP-020', /the engine has no such image/],
      [{ image: `docker-archive:${cut}` }, NO_ENGINE, 'DA-INP-021', /cannot be read as an image/],
      [
        { image: `oci-layout:${path.join(out, 'layout')}`, platforms: 'linux/arm64' },
        NO_ENGINE,
        'DA-INP-022',
        /holds only: linux\/amd64/,
      ],
      [{ image: TAG, build: 'false' }, NO_ENGINE, 'DA-INP-001', /cannot be combined/],
    ];
    for (const [inputs, env, rule, text] of cases) {
      const run = await runAction(dir, inputs, env);
      expect(run.code).toBe(1);
      const errors = run.annotations.filter((a) => a.severity === 'error');
      expect([rule, errors.find((a) => a.title?.startsWith(rule))?.message]).toEqual([
        rule,
        expect.stringMatching(text),
      ]);
      expect(run.stdout + run.stderr).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
    }
    const missing = await cli(
      ['check', '--dir', dir, '--image', `oci-archive:${path.join(out, 'nope.tar')}`],
      NO_ENGINE,
    );
    expect(missing.code).toBe(2);
    expect(missing.stdout).toMatch(/DA-INP-020 error: Input 'image' is oci-archive:.*nope\.tar, but .* does not exist/);
    const both = await cli(['check', '--dir', dir, '--image', TAG, '--no-build'], NO_ENGINE);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/cannot be combined/);
  });
});

describe('build: false / --no-build (no engine) against a full check of the example', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await makeWorkspace();
  });
  afterAll(() => removeWorkspace(dir));

  test('the same Dockerfile and Compose findings, and a notice that no image proof ran', async () => {
    const full = await runAction(dir, {});
    const staticRun = await runAction(dir, { build: 'false' }, NO_ENGINE);
    const textRules = (run: ActionRun) => [...titled(run, 'DA-DF'), ...titled(run, 'DA-CMP')];
    expect(ruleIds(full)).not.toContain('DA-INP-009');
    expect(textRules(staticRun)).toEqual(textRules(full));
    const notice = staticRun.annotations.filter((a) => a.title?.startsWith('DA-INP-023'));
    expect(notice).toHaveLength(1);
    expect(notice[0]!.severity).toBe('notice');
    expect(ruleIds(staticRun).filter((id) => id?.startsWith('DA-IMG') || id === 'DA-INP-004')).toEqual([]);
    expect(staticRun.code).toBe(full.code);

    const json = await cli(['check', '--dir', dir, '--no-build', '--format', 'json'], NO_ENGINE);
    const findings = (JSON.parse(json.stdout) as { findings: Array<{ rule: string; file: string; line: number }> })
      .findings;
    const cliText = findings.filter((f) => /^DA-(DF|CMP)/.test(f.rule)).map((f) => `${f.rule}@${f.file}:${f.line}`);
    expect(cliText.sort()).toEqual(textRules(full).sort());
    expect(findings.map((f) => f.rule)).toContain('DA-INP-023');
  });
});
