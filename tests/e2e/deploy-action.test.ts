import { execFileSync, spawn } from 'node:child_process';
import { copyFile, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ProcSampler, storedSecretFile } from '../helpers/deploy-testbed.js';
import { FIXTURES, REPO_ROOT } from '../helpers/paths.js';
import { runAction } from '../helpers/run-action.js';
import { makeWorkspace, removeWorkspace } from '../helpers/workspace.js';

const DEPLOY_PATH = '/srv/deploy-action-test/example';
const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();

/** Runs a command to its end, keeping both streams; `onStart` learns its pid. */
function run(
  cmd: string,
  args: string[],
  env: Record<string, string>,
  onStart?: (pid: number | undefined) => void,
): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    onStart?.(child.pid);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

/** The test bed's `example` host (idempotent: scripts/run-example.sh starts the same one). */
function exampleHost(): Record<string, string> {
  return Object.fromEntries(
    execFileSync('bash', [path.join(REPO_ROOT, 'scripts/testbed/sshd.sh'), 'example'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

describe('deploy mode through dist/index.js (Node 24, real sshd and engine)', () => {
  const secret = `pw-${Date.now()}-"quoted" $dollar`;

  test('README command 1 (scripts/run-example.sh) checks, then deploys the example over SSH: healthy, secret readable by appuser only', async () => {
    // Every child of the action (check: buildx, git; deploy: the docker CLI), sampled from /proc while it runs: its
    // environment and command line hold neither the secret nor a line of the SSH key. The action itself holds both.
    const keyLines = (await readFile(exampleHost().SSH_KEY!, 'utf8'))
      .split('\n')
      .filter((l) => /^[A-Za-z0-9+/=]{20,}$/.test(l));
    expect(keyLines.length).toBeGreaterThan(2);
    let runner: number | undefined;
    const sampler = new ProcSampler([secret, ...keyLines], { root: () => runner, match: /dist\/index\.js/ });
    sampler.start();
    const result = await run(
      'bash',
      ['scripts/run-example.sh'],
      { DB_PASSWORD: secret, EXAMPLE_VERSION: '0.1.0' },
      (pid) => (runner = pid),
    ).finally(() => sampler.stop());
    expect(result.out).toContain('Deploy succeeded: 0.1.0');
    expect(result.code).toBe(0);
    const seen = [...sampler.seen];
    expect(sampler.hits).toEqual([]);
    expect(seen.some((c) => /buildx.* build /.test(c))).toBe(true);
    expect(seen.some((c) => /^docker (image inspect|tag) /.test(c))).toBe(true);
    // Printed nowhere: the local runner shows masked values as ***, as the runner does.
    expect(result.out).not.toContain(secret);

    // Found by its labels: a start-first rollout numbers the new container on (doongzi-app-2, -3, ...).
    const app = docker(
      'ps',
      '-q',
      '--filter',
      'label=com.docker.compose.project=doongzi',
      '--filter',
      'label=com.docker.compose.service=app',
    );
    expect(app).toMatch(/^[0-9a-f]{12}$/);
    const status = docker('inspect', '--format', '{{.State.Health.Status}} {{.Config.User}}', app);
    expect(status).toBe('healthy appuser');
    expect(docker('exec', app, 'cat', '/run/secrets/db_password')).toBe(secret);
    expect(docker('exec', app, 'id', '-u')).toBe('999');
    expect(docker('inspect', app)).not.toContain(secret);

    const file = storedSecretFile(DEPLOY_PATH, 'db_password');
    const st = await stat(file);
    expect([st.mode & 0o777, st.uid, st.gid]).toEqual([0o400, 999, 999]);
    expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700);
  });

  test('refused before connecting: a pull_request event, and a release the checks reject', async () => {
    const ws = await makeWorkspace(undefined, async (dir) => {
      await copyFile(
        path.join(REPO_ROOT, 'scripts/example/docker-compose.sandbox.yml'),
        path.join(dir, 'deploy/docker-compose.sandbox.yml'),
      );
    });
    const hostEnv = exampleHost();
    const sshdLog = hostEnv.SSHD_LOG!;
    const logLines = async () => (await readFile(sshdLog, 'utf8').catch(() => '')).split('\n').length;
    const inputs = {
      mode: 'deploy',
      'compose-files': 'deploy/docker-compose.yml deploy/docker-compose.prod.yml deploy/docker-compose.sandbox.yml',
      'ssh-host': `127.0.0.1:${hostEnv.SSH_PORT}`,
      'ssh-user': hostEnv.SSH_USER!,
      'ssh-key': await readFile(hostEnv.SSH_KEY!, 'utf8'),
      'ssh-known-hosts': await readFile(hostEnv.KNOWN_HOSTS!, 'utf8'),
      'deploy-path': DEPLOY_PATH,
      'deploy-secrets': 'db_password=DB_PASSWORD',
    };
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ws, encoding: 'utf8' }).trim();
    try {
      const before = await logLines();
      const pr = await runAction(ws, inputs, {
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_REF: 'refs/pull/7/merge',
        GITHUB_SHA: sha,
        DB_PASSWORD: secret,
      });
      expect(pr.code).not.toBe(0);
      expect(
        pr.annotations.some((a) => a.severity === 'error' && /tag/i.test(a.message) && /allow-non-tag/.test(a.message)),
      ).toBe(true);

      await copyFile(path.join(FIXTURES, 'dockerfiles/no-user.Dockerfile'), path.join(ws, 'deploy/Dockerfile'));
      const rootImage = await runAction(ws, inputs, {
        GITHUB_EVENT_NAME: 'push',
        GITHUB_REF: 'refs/tags/v9.9.9',
        GITHUB_SHA: sha,
        DB_PASSWORD: secret,
      });
      expect(rootImage.code).not.toBe(0);
      expect(rootImage.stdout).toContain('Deploy refused');
      expect(rootImage.annotations.some((a) => a.title?.startsWith('DA-IMG-001'))).toBe(true);
      expect(await logLines()).toBe(before); // sshd saw no connection at all

      // The value is handed to the runner to mask, and appears nowhere else.
      for (const r of [pr, rootImage]) {
        expect(r.stdout.replace(/^::add-mask::.*$/gm, '')).not.toContain(secret);
        expect(r.stderr + r.summary).not.toContain(secret);
        for (const f of await filesUnder(r.runnerTemp)) expect(await readFile(f, 'utf8')).not.toContain(secret);
      }
    } finally {
      await removeWorkspace(ws);
    }
  });
});
