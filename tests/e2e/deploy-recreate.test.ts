/**
 * Secrets for an image with nothing in it, and a deploy that recreates exactly what changed: real sshd on 127.0.0.1,
 * the non-root deploy user in the docker group, the real engine. The image is FROM scratch with one static busybox
 * (no `chown` anywhere, numeric USER 10001); its healthcheck reads the secret as that user. The tests run in order
 * and share the host's state.
 */
import { jest } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDeployInputs } from '../../src/deploy/inputs.js';
import { buildDeployPlan, type DeploySource } from '../../src/deploy/plan.js';
import { SECRET_STORE } from '../../src/deploy/release/secret-store.js';
import { runDeploy } from '../../src/deploy/run-deploy.js';
import { DeployFailedError, type DeploySummary } from '../../src/deploy/summary.js';
import {
  docker,
  fixtures,
  inputsFor,
  recordingLog,
  startHost,
  tagEvent,
  type HostEnv,
  type Names,
} from '../helpers/deploy-testbed.js';

jest.setTimeout(240_000);

const names: Names = {
  repository: 'h-secrets/scratch-app',
  project: 'h-secrets-recreate',
  deployPath: '/srv/deploy-action-test/h-secrets-recreate',
};
const APP_DIR = path.join(fixtures, 'scratch-app');
const SERVICES = ['app', 'worker', 'cache'] as const;
const token = () => `tok-${randomBytes(12).toString('hex')}`;
const secrets = { app: token(), worker: token() };

let host: HostEnv;
let buildDir: string;
const images: string[] = [];
const summaries: DeploySummary[] = [];

/** Builds the scratch image (one static busybox, plus a marker file so two builds differ) and returns its id. */
function buildImage(release: string): string {
  writeFileSync(path.join(buildDir, 'release.txt'), `${release}\n`);
  const tag = `h-secrets/scratch-app-local:${release}`;
  execFileSync(
    'docker',
    ['buildx', 'build', '--network', 'none', '--load', '-t', tag, '-f', 'deploy/Dockerfile', '.'],
    {
      cwd: buildDir,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  images.push(tag);
  return docker(undefined, ['image', 'inspect', '--format', '{{.Id}}', tag]).trim();
}

function source(imageId: string, version: string, extraFiles: string[] = []): DeploySource {
  const read = (p: string) => readFileSync(path.join(APP_DIR, p), 'utf8');
  return {
    projectName: names.project,
    composeFiles: ['deploy/docker-compose.yml', ...extraFiles].map((p) => ({ path: p, content: read(p) })),
    buildServices: ['app', 'worker'],
    secretFiles: [
      { name: 'app_token', file: 'secrets/app_token.txt', services: ['app'] },
      { name: 'worker_token', file: 'secrets/worker_token.txt', services: ['worker'] },
    ],
    envFiles: [],
    runtimeUser: { uid: 10001, gid: 10001 },
    image: { localRef: imageId, repository: names.repository },
    event: tagEvent(version),
  };
}

async function deploy(imageId: string, version: string, extraFiles: string[] = []) {
  const inputs = parseDeployInputs(
    inputsFor(names, [host], {
      'deploy-secrets': 'app_token=H_APP_TOKEN\nworker_token=H_WORKER_TOKEN',
      'env-file': '',
    }),
    { H_APP_TOKEN: secrets.app, H_WORKER_TOKEN: secrets.worker, GITHUB_REPOSITORY: 'doongzi/scratch-app' },
  );
  const log = recordingLog();
  try {
    const summary = await runDeploy(buildDeployPlan(inputs, source(imageId, version, extraFiles)), log);
    summaries.push(summary);
    return { summary, log: log.lines.join('\n'), error: undefined };
  } catch (e) {
    if (e instanceof DeployFailedError) summaries.push(e.summary);
    return { summary: (e as DeployFailedError).summary, log: log.lines.join('\n'), error: e as Error };
  }
}

/** Each service's running container id. */
function containerIds(): Record<string, string> {
  return Object.fromEntries(
    SERVICES.map((s) => [
      s,
      docker(undefined, [
        'ps',
        '-q',
        '--no-trunc',
        '--filter',
        `label=com.docker.compose.project=${names.project}`,
        '--filter',
        `label=com.docker.compose.service=${s}`,
      ]).trim(),
    ]),
  );
}

const store = path.join(names.deployPath, SECRET_STORE);
const releases = () => readdirSync(path.join(names.deployPath, 'releases')).sort();
const readAs10001 = (service: string, secret: string) =>
  docker(undefined, ['exec', containerIds()[service]!, '/busybox', 'cat', `/run/secrets/${secret}`]);

function cleanup(): void {
  const ids = docker(undefined, ['ps', '-aq', '--filter', `label=com.docker.compose.project=${names.project}`], {
    allowFail: true,
  }).trim();
  if (ids) docker(undefined, ['rm', '-f', ...ids.split('\n')], { allowFail: true });
  execFileSync('rm', ['-rf', names.deployPath]);
  const refs = docker(undefined, ['images', '--format', '{{.Repository}}:{{.Tag}}', names.repository], {
    allowFail: true,
  }).trim();
  if (refs) docker(undefined, ['rmi', ...refs.split('\n')], { allowFail: true });
}

beforeAll(() => {
  host = startHost('hsecrets');
  cleanup();
  buildDir = mkdtempSync(path.join(os.tmpdir(), 'h-secrets-scratch-'));
  mkdirSync(path.join(buildDir, 'deploy'));
  copyFileSync(path.join(APP_DIR, 'deploy/Dockerfile'), path.join(buildDir, 'deploy/Dockerfile'));
  copyFileSync('/usr/bin/busybox', path.join(buildDir, 'busybox'));
});

afterAll(() => {
  for (const s of summaries) {
    process.stdout.write(
      `${s.version} ${s.ok ? 'ok' : 'failed'} ${s.elapsedMs}ms: ${s.hosts.map((h) => `${h.host} ${h.status} [${h.steps.map((t) => `${t.step} ${t.ms}`).join(', ')}]`).join('; ')}\n`,
    );
  }
  cleanup();
  for (const i of images) docker(undefined, ['rmi', i], { allowFail: true });
  rmSync(buildDir, { recursive: true, force: true });
});

let image1: string;
let first: Record<string, string>;

test('a scratch image with USER 10001 and no chown, deployed by a non-root deploy user: secret 0400 owned 10001, read by the app', async () => {
  image1 = buildImage('1');
  // Nothing named chown: the old route (`docker run --entrypoint chown <image>`) cannot run in this image.
  const ran = spawnSync(
    'docker',
    ['run', '--rm', '--network', 'none', '--user', '0:0', '--entrypoint', 'chown', image1, '0:0', '/busybox'],
    {
      encoding: 'utf8',
    },
  );
  expect(ran.status).not.toBe(0);
  expect(ran.stderr).toMatch(/executable file not found|no such file/);
  expect(host.SSH_USER).toBe('deployer');
  expect(execFileSync('id', ['-u', host.SSH_USER], { encoding: 'utf8' }).trim()).not.toBe('0');

  const { summary, error, log } = await deploy(image1, '1.0.0');
  expect(error).toBeUndefined();
  expect(summary.ok).toBe(true);
  expect(log).toContain('2 of 2 secret file(s) written (engine), 0400, owner 10001:10001');

  const files = readdirSync(store).sort();
  expect(files).toEqual([
    expect.stringMatching(/^app_token\.[0-9a-f]{32}$/),
    'key',
    expect.stringMatching(/^worker_token\.[0-9a-f]{32}$/),
  ]);
  expect((statSync(store).mode & 0o777).toString(8)).toBe('700');
  const deployerUid = Number(execFileSync('id', ['-u', host.SSH_USER], { encoding: 'utf8' }));
  expect(statSync(store).uid).toBe(deployerUid);
  for (const f of files.filter((f) => f !== 'key')) {
    const st = statSync(path.join(store, f));
    expect([(st.mode & 0o777).toString(8), st.uid, st.gid]).toEqual(['400', 10001, 10001]);
  }
  expect((statSync(path.join(store, 'key')).mode & 0o777).toString(8)).toBe('600');
  expect(readFileSync(path.join(store, files[0]!), 'utf8')).toBe(secrets.app);
  // No temp file, no writer container left behind.
  expect(docker(undefined, ['ps', '-aq', '--filter', 'label=deploy-action.secret-writer=1']).trim()).toBe('');

  // The app, as 10001, reads its secret (the healthcheck did too: healthy).
  expect(readAs10001('app', 'app_token')).toBe(secrets.app);
  expect(readAs10001('worker', 'worker_token')).toBe(secrets.worker);
  expect(docker(undefined, ['exec', containerIds()['app']!, '/busybox', 'id', '-u']).trim()).toBe('10001');
  const health = docker(undefined, ['inspect', '--format', '{{.State.Health.Status}}', containerIds()['app']!]).trim();
  expect(health).toBe('healthy');
  // The label is the keyed hash in the store file's name, never the value.
  const labels = docker(undefined, ['inspect', '--format', '{{json .Config.Labels}}', containerIds()['app']!]);
  expect(labels).toContain(`"deploy-action.secret.app_token":"${files[0]!.split('.')[1]}"`);
  expect(labels).not.toContain(secrets.app);
  first = containerIds();
  expect(Object.values(first).every((id) => /^[0-9a-f]{64}$/.test(id))).toBe(true);
});

test('redeploying unchanged: same container ids, no new release directory, nothing uploaded', async () => {
  const before = releases();
  const { summary, error, log } = await deploy(image1, '1.0.0');
  expect(error).toBeUndefined();
  expect(log).toContain('already holds 1.0.0 with the same files, image and secrets; nothing uploaded');
  expect(containerIds()).toEqual(first);
  expect(releases()).toEqual(before);
  expect(summary.hosts[0]!.steps.map((s) => s.step)).toEqual(['connect', 'lock', 'preflight', 'image', 'upload', 'up']);
  const beyondConnect = summary.hosts[0]!.steps.filter((s) => s.step !== 'connect').reduce((a, s) => a + s.ms, 0);
  process.stdout.write(`unchanged redeploy: ${beyondConnect} ms beyond connect\n`);
});

test('rotating one secret recreates only the service using it', async () => {
  secrets.app = token();
  const { error, log } = await deploy(image1, '1.0.0');
  expect(error).toBeUndefined();
  expect(log).toContain('1 of 2 secret file(s) written (engine)');
  const now = containerIds();
  expect(now['app']).not.toBe(first['app']);
  expect(now['worker']).toBe(first['worker']);
  expect(now['cache']).toBe(first['cache']);
  expect(readAs10001('app', 'app_token')).toBe(secrets.app);
  expect(releases()).toEqual(['1.0.0', expect.stringMatching(/^1\.0\.0\.r\d+$/)]);
  first = now;
});

let image2: string;

test('a new image recreates the services that run it, not the one that does not', async () => {
  image2 = buildImage('2');
  expect(image2).not.toBe(image1);
  const { error } = await deploy(image2, '1.1.0');
  expect(error).toBeUndefined();
  const now = containerIds();
  expect(now['app']).not.toBe(first['app']);
  expect(now['worker']).not.toBe(first['worker']);
  expect(now['cache']).toBe(first['cache']);
  expect(readAs10001('worker', 'worker_token')).toBe(secrets.worker);
  first = now;
});

test('a failed release with a rotated secret rolls back: the old value and containers return', async () => {
  const oldWorker = secrets.worker;
  secrets.worker = token();
  const { error } = await deploy(image2, '1.2.0', ['deploy/docker-compose.failing-app.yml']);
  expect(error).toBeInstanceOf(DeployFailedError);
  expect(error!.message).toContain('Rolled back');
  expect(readlinkSync(path.join(names.deployPath, 'current'))).toBe('releases/1.1.0');
  const now = containerIds();
  // The worker's label went back to 1.1.0's hash, so Compose put back a container reading the old value.
  expect(readAs10001('worker', 'worker_token')).toBe(oldWorker);
  expect(readAs10001('app', 'app_token')).toBe(secrets.app);
  expect(now['cache']).toBe(first['cache']);
  for (const s of ['app', 'worker']) {
    expect(docker(undefined, ['inspect', '--format', '{{.State.Health.Status}}', now[s]!]).trim()).toBe('healthy');
  }
  secrets.worker = oldWorker;
});
