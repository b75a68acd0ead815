/**
 * What runs is what was checked: dist/index.js checks and deploys the example with APP_VERSION set one way on the
 * runner (listed in `env-vars`) and another way in the host's own environment (sshd `SetEnv`, so every docker compose
 * the deploy runs there sees it). The container must carry the runner's value, as the checked model says.
 */
import { jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { copyFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { FIXTURES, REPO_ROOT } from '../helpers/paths.js';
import { runAction } from '../helpers/run-action.js';
import { makeWorkspace, removeWorkspace } from '../helpers/workspace.js';

jest.setTimeout(300_000);

const HOST = 'h-render';
const PROJECT = 'h-render';
const DEPLOY_PATH = '/srv/deploy-action-test/h-render';
const RUNNER_VALUE = 'runner-7.7.7';
const HOST_VALUE = 'host-6.6.6';
const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();

function startHost(): Record<string, string> {
  const out = execFileSync('bash', [path.join(REPO_ROOT, 'scripts/testbed/sshd.sh'), HOST], {
    encoding: 'utf8',
    env: { ...process.env, SSHD_SETENV: `APP_VERSION=${HOST_VALUE}` },
  });
  return Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

function cleanup(): void {
  const ids = docker('ps', '-aq', '--filter', `label=com.docker.compose.project=${PROJECT}`);
  if (ids) docker('rm', '-f', ...ids.split('\n'));
  const refs = docker('images', '--format', '{{.Repository}}:{{.Tag}}', 'h-render/backend');
  if (refs) execFileSync('docker', ['rmi', ...refs.split('\n')], { stdio: 'ignore' });
  execFileSync('rm', ['-rf', DEPLOY_PATH]);
}

let host: Record<string, string>;
let ws: string;

beforeAll(async () => {
  cleanup();
  host = startHost();
  ws = await makeWorkspace(undefined, async (dir) => {
    await copyFile(
      path.join(REPO_ROOT, 'scripts/example/docker-compose.sandbox.yml'),
      path.join(dir, 'deploy/docker-compose.sandbox.yml'),
    );
    await copyFile(path.join(FIXTURES, 'deploy-e2e/app-version.yml'), path.join(dir, 'deploy/app-version.yml'));
  });
});

afterAll(async () => {
  await removeWorkspace(ws);
  cleanup();
  execFileSync('bash', [path.join(REPO_ROOT, 'scripts/testbed/sshd.sh'), 'stop', HOST]);
});

async function inputs(envVars: string): Promise<Record<string, string>> {
  return {
    mode: 'deploy',
    'compose-files':
      'deploy/docker-compose.yml deploy/docker-compose.prod.yml deploy/docker-compose.sandbox.yml deploy/app-version.yml',
    'env-vars': envVars,
    'project-name': PROJECT,
    'ssh-host': `127.0.0.1:${host.SSH_PORT}`,
    'ssh-user': host.SSH_USER!,
    'ssh-key': await readFile(host.SSH_KEY!, 'utf8'),
    'ssh-known-hosts': await readFile(host.KNOWN_HOSTS!, 'utf8'),
    'deploy-path': DEPLOY_PATH,
    'deploy-secrets': 'db_password=DB_PASSWORD',
    'env-file': 'APP_ENV=prod',
  };
}

function event(): Record<string, string> {
  const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ws, encoding: 'utf8' }).trim();
  return { GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/tags/v1.0.0', GITHUB_SHA: sha, DB_PASSWORD: 'pw-rendered' };
}

test('the host environment really has its own APP_VERSION (so the deploy below could have picked it up)', () => {
  const seen = execFileSync(
    'ssh',
    [
      ...['-i', host.SSH_KEY!, '-p', host.SSH_PORT!, '-o', `UserKnownHostsFile=${host.KNOWN_HOSTS}`],
      ...['-o', 'BatchMode=yes', `${host.SSH_USER}@127.0.0.1`, 'printenv APP_VERSION'],
    ],
    { encoding: 'utf8' },
  ).trim();
  expect(seen).toBe(HOST_VALUE);
});

test('an env-vars name that is not set fails the step, naming it, before anything is built or sent', async () => {
  const r = await runAction(ws, await inputs('APP_VERSION NOT_SET_RENDER'), { ...event(), APP_VERSION: RUNNER_VALUE });
  expect(r.code).not.toBe(0);
  expect(r.stdout + r.stderr).toContain("Input 'env-vars' lists NOT_SET_RENDER, which is not set");
  expect(r.stdout + r.stderr).not.toMatch(/\n\s+at .*\.js:\d+/); // no stack trace
  expect(docker('ps', '-aq', '--filter', `label=com.docker.compose.project=${PROJECT}`)).toBe('');
});

test('the deployed container carries the runner value the check saw, not the host one', async () => {
  const r = await runAction(ws, await inputs('APP_VERSION'), { ...event(), APP_VERSION: RUNNER_VALUE });
  expect(r.summary).toContain('Deploy succeeded: 1.0.0');
  expect(r.code).toBe(0);

  const release = path.join(DEPLOY_PATH, 'current');
  const manifest = JSON.parse(await readFile(path.join(release, '.deploy-action.json'), 'utf8'));
  expect(manifest.composeFiles).toEqual([
    'docker-compose.deploy-action.rendered.yml',
    'deploy/docker-compose.deploy-action.yml',
  ]);
  const rendered = await readFile(path.join(release, 'docker-compose.deploy-action.rendered.yml'), 'utf8');
  expect(rendered).not.toContain('${');
  const model = parse(rendered);
  expect(model.name).toBe(PROJECT);
  expect(model.services.app.build).toBeUndefined();
  expect(model.services.app.environment.APP_VERSION_SEEN).toBe(RUNNER_VALUE);

  const app = docker(
    'ps',
    '-q',
    '--filter',
    `label=com.docker.compose.project=${PROJECT}`,
    '--filter',
    'label=com.docker.compose.service=app',
  );
  expect(app).toMatch(/^[0-9a-f]{12}$/);
  const env = docker('inspect', '--format', '{{json .Config.Env}}', app);
  expect(JSON.parse(env)).toEqual(
    expect.arrayContaining([`APP_VERSION_SEEN=${RUNNER_VALUE}`, 'PRICE_TAG=5$ flat', 'APP_ENV=prod']),
  );
  expect(env).not.toContain(HOST_VALUE);
  expect(docker('inspect', '--format', '{{index .Config.Labels "com.example.release"}}', app)).toBe(RUNNER_VALUE);
  expect(docker('inspect', '--format', '{{.Config.Image}}', app)).toBe('h-render/backend:1.0.0');
});

test('the next release lists what changed against the live one, names only: image, environment key, no values', async () => {
  const next = '7.7.8-runner';
  const r = await runAction(ws, await inputs('APP_VERSION'), {
    ...event(),
    GITHUB_REF: 'refs/tags/v1.0.1',
    APP_VERSION: next,
  });
  expect(r.summary).toContain('Deploy succeeded: 1.0.1');
  expect(r.code).toBe(0);
  expect(r.summary).toContain('### Changes against the live release (names only)');
  expect(r.summary).toContain('image: h-render/backend:1.0.0 → h-render/backend:1.0.1');
  expect(r.summary).toContain('service app environment: changed APP_VERSION_SEEN');
  const changes = r.summary.slice(r.summary.indexOf('### Changes against the live release'));
  expect(changes).not.toContain(next);
  expect(changes).not.toContain(RUNNER_VALUE);
  const app = docker(
    'ps',
    '-q',
    '--filter',
    `label=com.docker.compose.project=${PROJECT}`,
    '--filter',
    'label=com.docker.compose.service=app',
  );
  expect(docker('inspect', '--format', '{{json .Config.Env}}', app)).toContain(`APP_VERSION_SEEN=${next}`);
});
