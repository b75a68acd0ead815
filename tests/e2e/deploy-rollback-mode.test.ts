/**
 * `mode: rollback` on a real host (OpenSSH sshd on 127.0.0.1, non-root deploy user, the real engine), driven through
 * dist/index.js as the runner runs it. 1.0.0 and 2.0.0 (a different image) are deployed first; the tests run in order
 * and share the host's state.
 */
import { jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDeployInputs } from '../../src/deploy/inputs.js';
import { buildDeployPlan } from '../../src/deploy/plan.js';
import { runDeploy } from '../../src/deploy/run-deploy.js';
import {
  LOCAL_IMAGE,
  buildExampleImage,
  cleanupHost,
  containerOf,
  docker,
  exampleSource,
  fixtures,
  inputsFor,
  namesFor,
  recordingLog,
  removeReleaseTags,
  startHost,
  tagEvent,
  type HostEnv,
} from '../helpers/deploy-testbed.js';
import { runAction, type ActionRun } from '../helpers/run-action.js';

jest.setTimeout(300_000);

const names = namesFor('h-rollback');
const DEPLOY_PATH = names.deployPath;
const IMAGE2 = 'h-rollback/doongzi-runner:v2';
const SECRET = `pw-${randomBytes(12).toString('hex')}`;
const ENV = { DEPLOY_TEST_DB_PASSWORD: SECRET, GITHUB_REPOSITORY: 'doongzi/doongzi-backend' };

let host: HostEnv;
let workspace: string;
let scratch: string;
const ids: Record<string, string> = {};
const runs: ActionRun[] = [];

const imageId = (ref: string) => docker(undefined, ['image', 'inspect', '--format', '{{.Id}}', ref]).trim();
const current = () => readlinkSync(path.join(DEPLOY_PATH, 'current'));

async function deploy(version: string, localRef: string): Promise<void> {
  const inputs = parseDeployInputs(inputsFor(names, [host]), ENV);
  const source = { ...exampleSource(names, [], tagEvent(version)), image: { localRef, repository: names.repository } };
  await runDeploy(buildDeployPlan(inputs, source), recordingLog());
}

/** `mode: rollback` through dist: no deploy secrets, no env file, no checkout needed. */
async function rollback(): Promise<ActionRun> {
  const all = inputsFor(names, [host]);
  const inputs = Object.fromEntries(
    ['ssh-host', 'ssh-user', 'ssh-key', 'ssh-known-hosts', 'deploy-path', 'health-timeout'].map((k) => [k, all(k)]),
  );
  const run = await runAction(workspace, { ...inputs, mode: 'rollback', url: 'https://app.example.test' });
  runs.push(run);
  return run;
}

/** Everything a rollback could change on the host: the link, the release directories and files, the containers. */
function hostState(): string {
  // The lock file and deploy-path itself (its mtime) change with every run that takes the lock: everything else may not.
  const files = execFileSync('find', [DEPLOY_PATH, '-mindepth', '1', '-printf', '%P %y %m %s %T@\n'], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter((l) => l && !l.startsWith('.deploy-action.lock'))
    .sort();
  const containers = docker(undefined, [
    'ps',
    '-a',
    '--no-trunc',
    '--filter',
    `label=com.docker.compose.project=${names.project}`,
    '--format',
    '{{.ID}} {{.Image}}',
  ])
    .split('\n')
    .filter(Boolean)
    .sort();
  expect(containers.length).toBeGreaterThan(0);
  return [current(), ...files, ...containers].join('\n');
}

beforeAll(() => {
  host = startHost('hrollback');
  buildExampleImage();
  cleanupHost(names, host);
  removeReleaseTags(names, undefined);
  workspace = mkdtempSync(path.join(os.tmpdir(), 'h-rollback-ws-'));
  scratch = mkdtempSync(path.join(os.tmpdir(), 'h-rollback-build-'));
  // 2.0.0 is another image (a label more), so "runs 1.0.0's image" is a different image id.
  writeFileSync(path.join(scratch, 'Dockerfile'), `FROM ${LOCAL_IMAGE}\nLABEL h-rollback.release=2\n`);
  execFileSync('docker', ['buildx', 'build', '--network', 'none', '--load', '-t', IMAGE2, scratch], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  ids['1.0.0'] = imageId(LOCAL_IMAGE);
  ids['2.0.0'] = imageId(IMAGE2);
});

afterAll(() => {
  for (const r of runs) process.stdout.write(`rollback run: exit ${r.code}, outputs ${JSON.stringify(r.outputs)}\n`);
  cleanupHost(names, host);
  removeReleaseTags(names, undefined);
  docker(undefined, ['rmi', IMAGE2], { allowFail: true });
  rmSync(workspace, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

test('deploy 1.0.0, then 2.0.0 with another image', async () => {
  expect(ids['1.0.0']).not.toBe(ids['2.0.0']);
  await deploy('1.0.0', LOCAL_IMAGE);
  await deploy('2.0.0', IMAGE2);
  expect(current()).toBe('releases/2.0.0');
  const app = containerOf(names, undefined)!;
  expect(app.health).toBe('healthy');
  expect(docker(undefined, ['inspect', '--format', '{{.Image}}', app.id]).trim()).toBe(ids['2.0.0']);
});

test('mode: rollback brings 1.0.0 back: its image runs, healthy, current -> releases/1.0.0, outputs as a deploy', async () => {
  const started = Date.now();
  const run = await rollback();
  const elapsed = Date.now() - started;
  expect(run.annotations.filter((a) => a.severity === 'error')).toEqual([]);
  expect(run.code).toBe(0);
  expect(current()).toBe('releases/1.0.0');
  const app = containerOf(names, undefined)!;
  expect(app.health).toBe('healthy');
  expect(app.image).toBe(`${names.repository}:1.0.0`);
  expect(docker(undefined, ['inspect', '--format', '{{.Image}}', app.id]).trim()).toBe(ids['1.0.0']);
  // 1.0.0's secret file (kept in the store because its manifest names it) is what the app reads.
  expect(docker(undefined, ['exec', app.id, 'cat', '/run/secrets/db_password'])).toBe(SECRET);
  expect(run.outputs).toMatchObject({
    version: '1.0.0',
    'previous-version': '2.0.0',
    release: '1.0.0',
    url: 'https://app.example.test',
  });
  expect(run.outputs['deployed-at']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
  expect(run.summary).toContain('## Rollback succeeded: 1.0.0');
  // No build, no check ran.
  expect(run.stdout).not.toContain('Check: build and verify');
  process.stdout.write(`rollback 2.0.0 -> 1.0.0 through dist: ${elapsed} ms\n`);
});

test('a second rollback, with nothing older than 1.0.0: a clear error, and the host is unchanged', async () => {
  const before = hostState();
  const run = await rollback();
  expect(run.code).toBe(1);
  const errors = run.annotations.filter((a) => a.severity === 'error');
  expect(errors).toHaveLength(1);
  expect(errors[0]!.message).toMatch(
    /cannot roll back: no release older than the live 1\.0\.0 \(releases\/1\.0\.0\) with a valid manifest is on this host; nothing was changed on this host/,
  );
  expect(run.stdout + run.stderr).not.toMatch(/\n\s+at .*\.js:\d+/);
  expect(hostState()).toBe(before);
  expect(run.outputs).toMatchObject({ release: '', 'deployed-at': '' });
});

test('a previous release that does not come up healthy: switched back, the release that ran serves again', async () => {
  await deploy('2.0.0', IMAGE2);
  expect(current()).toBe('releases/2.0.0');
  // The host's copy of 1.0.0 no longer passes its healthcheck (as a release whose dependency went away would).
  const override = path.join(DEPLOY_PATH, 'releases/1.0.0/deploy/docker-compose.test-no-network.yml');
  const mode = statSync(override).mode;
  writeFileSync(
    override,
    readFileSync(path.join(fixtures, 'no-network.yml'), 'utf8') +
      readFileSync(path.join(fixtures, 'failing-health.yml'), 'utf8').replace(/^services:\n {2}app:\n/m, ''),
  );
  expect(statSync(override).mode).toBe(mode);
  const run = await rollback();
  expect(run.code).toBe(1);
  const error = run.annotations.find((a) => a.severity === 'error')!;
  expect(error.message).toMatch(/rollback to 1\.0\.0 failed/);
  expect(error.message).toMatch(/switched back: 2\.0\.0 \(releases\/2\.0\.0\) runs again/);
  expect(current()).toBe('releases/2.0.0');
  const app = containerOf(names, undefined)!;
  expect(app.health).toBe('healthy');
  expect(docker(undefined, ['inspect', '--format', '{{.Image}}', app.id]).trim()).toBe(ids['2.0.0']);
  expect(readdirSync(path.join(DEPLOY_PATH, 'releases')).sort()).toEqual(['1.0.0', '2.0.0']);
});
