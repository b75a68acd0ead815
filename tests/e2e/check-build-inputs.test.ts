/**
 * The build-push-action build inputs on the real engine (docker driver): a build secret from `secret-envs` reaches
 * `RUN --mount=type=secret` and nothing else (not the log, with command lines on; not the image, as `docker save`
 * holds it; not the runner temp); tags, OCI labels, the platform note and the metadata output.
 */
import { execFileSync } from 'node:child_process';
import { copyFile, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { FIXTURES } from '../helpers/paths.js';
import { runAction } from '../helpers/run-action.js';
import { makeWorkspace, removeWorkspace } from '../helpers/workspace.js';

const TAG = 'h-buildin/build-inputs-test:1';
// Not a word the log or the image could hold by chance.
const TOKEN = `pip-tok-${process.pid}-Zq8Xv3Lm`;

const docker = (...args: string[]) => execFileSync('docker', args, { maxBuffer: 1 << 30 });

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

describe('build inputs (dist under Node 24, real engine)', () => {
  let dir: string;
  afterAll(async () => {
    if (dir) await removeWorkspace(dir);
    try {
      docker('rmi', TAG);
    } catch {
      // Not built: nothing to remove.
    }
  });

  test('secret-envs builds a RUN --mount=type=secret stage; the value is nowhere but in the mask command', async () => {
    dir = await makeWorkspace(undefined, async (d) => {
      await copyFile(path.join(FIXTURES, 'dockerfiles/build-secret.Dockerfile'), path.join(d, 'deploy/Dockerfile'));
    });
    const run = await runAction(
      dir,
      {
        'secret-envs': 'pip=PIP_TOKEN',
        tags: TAG,
        labels: 'org.opencontainers.image.title=build-inputs-test',
        platforms: 'linux/386,linux/amd64',
        // A secret is not part of the cache key: without this a cached RUN would prove the last run's token.
        'no-cache': 'true',
      },
      // RUNNER_DEBUG: the debug log then holds every command line, buildx's included.
      { PIP_TOKEN: TOKEN, RUNNER_DEBUG: '1', GITHUB_SHA: 'a1b2c3d4e5f6' },
    );
    const shown = `${run.stdout}\n${run.stderr}`;
    expect(run.outputs['image-id']).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(run.annotations.filter((a) => a.title?.startsWith('DA-INP'))).toEqual([]);
    // The build ran with the secret: the image records its length.
    const length = docker('run', '--rm', '--network', 'none', TAG, 'cat', '/app/pip-length').toString().trim();
    expect(Number(length)).toBe(TOKEN.length);

    // The log: only the mask command carries the value (the runner swallows it); buildx's argv names our variable.
    const withoutMask = shown.replace(/^::add-mask::.*$/gm, '');
    expect(shown).toMatch(new RegExp(`^::add-mask::${TOKEN}$`, 'm'));
    expect(withoutMask).not.toContain(TOKEN);
    expect(shown).toMatch(/\[command\] docker buildx build .*--secret id=pip,env=DEPLOY_ACTION_BUILD_SECRET_0/);
    expect(shown).not.toMatch(/\[command\] .*PIP_TOKEN/);

    // The image: every layer and the config, as `docker save` streams them.
    const saved = docker('save', TAG);
    expect(saved.length).toBeGreaterThan(100_000);
    expect(saved.includes(Buffer.from(TOKEN))).toBe(false);

    // The runner temp after the run: the action's build dir is gone and no file holds the value.
    const temp = await filesUnder(run.runnerTemp);
    expect(temp.filter((f) => path.basename(path.dirname(f)).startsWith('deploy-action-build-'))).toEqual([]);
    for (const f of temp) expect((await readFile(f)).includes(Buffer.from(TOKEN))).toBe(false);

    // Tags, labels (the user's and the OCI defaults), one platform with a warning, the buildx metadata.
    const labels = JSON.parse(docker('image', 'inspect', '--format', '{{json .Config.Labels}}', TAG).toString());
    expect(labels).toMatchObject({
      'org.opencontainers.image.title': 'build-inputs-test',
      'org.opencontainers.image.source': 'https://github.com/doongzi/doongzi-backend',
      'org.opencontainers.image.revision': 'a1b2c3d4e5f6',
    });
    expect(docker('image', 'inspect', '--format', '{{.Architecture}}', TAG).toString().trim()).toBe('amd64');
    const warning = run.annotations.find((a) => a.severity === 'warning' && a.message.includes('platforms lists 2'));
    expect(warning?.message).toMatch(
      /the docker driver can load only one platform into the engine: built and verified linux\/amd64 only; not verified: linux\/386/,
    );
    const metadata = JSON.parse(run.outputs.metadata ?? '{}') as Record<string, unknown>;
    expect(metadata['buildx.build.ref']).toEqual(expect.any(String));
    // The docker driver's exporter reports the image ID as `containerimage.digest`; another driver the config digest.
    expect([metadata['containerimage.digest'], metadata['containerimage.config.digest']]).toContain(
      run.outputs['image-id'],
    );
    // Never pushed: the engine knows no registry digest, so the output stays empty (not the image ID in disguise).
    expect(run.outputs.digest ?? '').toBe('');
  });
});

describe('bad build and deploy-secrets inputs (dist under Node 24)', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await removeWorkspace(d);
  });

  test('a secret id without a value and the old deploy `secrets` mapping: one error each, no stack trace', async () => {
    const dir = await makeWorkspace();
    dirs.push(dir);
    const noValue = await runAction(dir, { secrets: 'pip=' });
    expect(noValue.code).toBe(1);
    expect(noValue.annotations.filter((a) => a.severity === 'error')).toEqual([
      expect.objectContaining({ message: "Input 'secrets': secret 'pip' has no value after '='." }),
    ]);
    const old = await runAction(
      dir,
      {
        mode: 'deploy',
        secrets: 'db_password=DB_PASSWORD',
        'ssh-host': '127.0.0.1',
        'ssh-user': 'deploy',
        'ssh-key': 'k',
        'ssh-known-hosts': 'x',
      },
      { DB_PASSWORD: 'unused-value' },
    );
    expect(old.code).toBe(1);
    const errors = old.annotations.filter((a) => a.severity === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/^secrets: this input was renamed `deploy-secrets`/);
    for (const run of [noValue, old]) expect(`${run.stdout}${run.stderr}`).not.toMatch(/\n\s+at .*\.js:\d+/);
  });
});
