/**
 * Deploy hooks on the real engine and sshd. pre-deploy runs in a one-off container of the new release before the
 * switch (a marker appended in a named volume, the database stand-in, once per deploy); a failing or hanging one
 * leaves `current` and the serving container as they were; a failing post-deploy rolls back. Last, through
 * dist/index.js: a hook that prints the secret's value is printed only after the runner was told to mask it.
 * The tests run in order and share the host.
 */
import { jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { copyFile, readFile } from 'node:fs/promises';
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { parseDeployInputs } from '../../src/deploy/inputs.js';
import { buildDeployPlan } from '../../src/deploy/plan.js';
import { runDeploy } from '../../src/deploy/run-deploy.js';
import type { DeployFailedError, DeploySummary } from '../../src/deploy/summary.js';
import {
  buildExampleImage,
  cleanupHost,
  containerOf,
  docker,
  exampleSource,
  inputsFor,
  namesFor,
  recordingLog,
  removeReleaseTags,
  startHost,
  tagEvent,
  type HostEnv,
} from '../helpers/deploy-testbed.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { runAction } from '../helpers/run-action.js';
import { makeWorkspace, removeWorkspace } from '../helpers/workspace.js';

jest.setTimeout(300_000);

const names = namesFor('h-hooks');
const VOLUME = `${names.project}_migrations`;
const ENV = { DEPLOY_TEST_DB_PASSWORD: 'hooks-pw', GITHUB_REPOSITORY: 'doongzi/doongzi-backend' };
const MIGRATE = '["sh", "-c", "echo migrated $APP_ENV >> /tmp/marker; echo migration done"]';
let host: HostEnv;

async function deploy(version: string, extra: Record<string, string>) {
  const plan = buildDeployPlan(
    parseDeployInputs(inputsFor(names, [host], { 'health-timeout': '40', ...extra }), ENV),
    exampleSource(names, ['hook-volume.yml'], tagEvent(version)),
  );
  const log = recordingLog();
  const started = Date.now();
  try {
    return { summary: await runDeploy(plan, log), log, error: undefined, ms: Date.now() - started };
  } catch (e) {
    const summary = (e as DeployFailedError).summary as DeploySummary | undefined;
    return { summary, log, error: e as Error, ms: Date.now() - started };
  }
}

const current = () => readlinkSync(path.join(names.deployPath, 'current'));
const releases = () => readdirSync(path.join(names.deployPath, 'releases')).sort();
const marker = () => {
  const dir = docker(undefined, ['volume', 'inspect', '--format', '{{.Mountpoint}}', VOLUME]).trim();
  const file = path.join(dir, 'marker');
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
};
const steps = (s: DeploySummary | undefined) => s?.hosts[0]?.steps.map((x) => x.step) ?? [];
const leftHookContainers = () =>
  docker(undefined, ['ps', '-a', '--filter', `name=${names.project}-pre-deploy-`, '--format', '{{.Names}}']).trim();

beforeAll(() => {
  host = startHost('h-hooks');
  buildExampleImage();
  cleanupHost(names, host);
  docker(undefined, ['volume', 'rm', '-f', VOLUME], { allowFail: true });
  removeReleaseTags(names, undefined);
});

afterAll(() => {
  cleanupHost(names, host);
  docker(undefined, ['volume', 'rm', '-f', VOLUME], { allowFail: true });
  removeReleaseTags(names, undefined);
});

test('1.0.0 and 2.0.0: pre-deploy runs once per deploy, in the new release, before the switch; its output is logged', async () => {
  const first = await deploy('1.0.0', { 'pre-deploy': MIGRATE });
  expect(first.error).toBeUndefined();
  expect(marker()).toBe('migrated prod\n');
  const s = steps(first.summary);
  expect(s.indexOf('pre-deploy')).toBeGreaterThan(s.indexOf('secrets'));
  expect(s.indexOf('pre-deploy')).toBeLessThan(s.indexOf('switch'));
  // Compose's own lines (the volume created, a warning) come through too, in the order printed.
  const logged = first.log.lines
    .filter((l) => l.includes(': pre-deploy: '))
    .map((l) => l.slice(l.indexOf('pre-deploy: ')));
  expect(logged[0]).toBe(
    'pre-deploy: running `sh -c echo migrated $APP_ENV >> /tmp/marker; echo migration done` in a one-off app container',
  );
  expect(logged.slice(-2)).toEqual(['pre-deploy: migration done', 'pre-deploy: done']);
  expect(logged).toContain(`pre-deploy:  Volume "${VOLUME}"  Created`);
  const v1 = current();

  const second = await deploy('2.0.0', { 'pre-deploy': MIGRATE });
  expect(second.error).toBeUndefined();
  expect(marker()).toBe('migrated prod\nmigrated prod\n');
  expect(current()).not.toBe(v1);
  expect(containerOf(names, undefined)).toMatchObject({ image: `${names.repository}:2.0.0`, health: 'healthy' });
  expect(leftHookContainers()).toBe('');
});

test('3.0.0 with a pre-deploy that exits 1: nothing switched, 2.0.0 keeps serving, the staged release removed', async () => {
  const before = { current: current(), releases: releases(), app: containerOf(names, undefined) };
  const r = await deploy('3.0.0', { 'pre-deploy': '["sh", "-c", "echo cannot reach the database; exit 1"]' });
  expect(r.error?.message).toContain(
    'pre-deploy: the pre-deploy hook `sh -c echo cannot reach the database; exit 1` exited with status 1: nothing was switched; the previous release keeps serving; its last lines:\n',
  );
  expect(r.error?.message).toContain('\ncannot reach the database\n');
  expect(steps(r.summary)).not.toContain('switch');
  expect(current()).toBe(before.current);
  expect(releases()).toEqual(before.releases);
  expect(containerOf(names, undefined)).toEqual(before.app);
  expect(leftHookContainers()).toBe('');
});

test('4.0.0 with a pre-deploy that hangs: stopped at hook-timeout, its container removed, nothing switched', async () => {
  const before = { current: current(), app: containerOf(names, undefined) };
  const r = await deploy('4.0.0', { 'pre-deploy': 'sleep 600', 'hook-timeout': '3s' });
  expect(r.error?.message).toContain(
    'the pre-deploy hook `sleep 600` did not finish within hook-timeout (3s) and was stopped: nothing was switched',
  );
  // 3 s of hook, then the removal: far less than the 600 s the hook asked for.
  expect(r.summary?.hosts[0]?.steps.find((x) => x.step === 'pre-deploy')?.ms).toBeLessThan(30_000);
  expect(current()).toBe(before.current);
  expect(containerOf(names, undefined)).toEqual(before.app);
  expect(leftHookContainers()).toBe('');
});

test('5.0.0 with a failing post-deploy: rolled back to 2.0.0', async () => {
  const before = current();
  const r = await deploy('5.0.0', { 'post-deploy': '["sh", "-c", "echo smoke test failed; exit 3"]' });
  expect(r.error?.message).toContain('exited with status 3: the deploy is rolled back');
  expect(r.summary?.hosts[0]?.rollback).toMatchObject({ status: 'rolled-back', toVersion: '2.0.0' });
  expect(current()).toBe(before);
  expect(containerOf(names, undefined)).toMatchObject({ image: `${names.repository}:2.0.0`, health: 'healthy' });
});

test('through dist: a hook printing the secret value is masked (its ::add-mask:: comes first)', async () => {
  const secret = `hook-secret-${Date.now()}`;
  const ws = await makeWorkspace(undefined, async (dir) => {
    await copyFile(
      path.join(REPO_ROOT, 'scripts/example/docker-compose.sandbox.yml'),
      path.join(dir, 'deploy/docker-compose.sandbox.yml'),
    );
  });
  try {
    const git = (...a: string[]) => execFileSync('git', a, { cwd: ws, encoding: 'utf8' }).trim();
    git('tag', 'v6.0.0');
    const run = await runAction(
      ws,
      {
        mode: 'deploy',
        'compose-files': 'deploy/docker-compose.yml deploy/docker-compose.prod.yml deploy/docker-compose.sandbox.yml',
        'ssh-host': `127.0.0.1:${host.SSH_PORT}`,
        'ssh-user': host.SSH_USER,
        'ssh-key': await readFile(host.SSH_KEY, 'utf8'),
        'ssh-known-hosts': await readFile(host.KNOWN_HOSTS, 'utf8'),
        'deploy-path': `${names.deployPath}-dist`,
        'project-name': `${names.project}-dist`,
        'deploy-secrets': 'db_password=DB_PASSWORD',
        'env-file': 'APP_ENV=prod',
        'pre-deploy': '["sh", "-c", "echo the password is $(cat /run/secrets/db_password)"]',
      },
      {
        DB_PASSWORD: secret,
        GITHUB_EVENT_NAME: 'push',
        GITHUB_REF: 'refs/tags/v6.0.0',
        GITHUB_SHA: git('rev-parse', 'HEAD'),
      },
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${names.project}-dist is up and healthy at 6.0.0`);
    const lines = run.stdout.split('\n');
    const mask = lines.indexOf(`::add-mask::${secret}`);
    const printed = lines.findIndex((l) => l.endsWith(`pre-deploy: the password is ${secret}`));
    // The hook's line reaches the log through core.info after core.setSecret registered the value: the runner
    // (and scripts/local-runner.mjs, as it echoes) prints it as ***.
    expect(mask).toBeGreaterThanOrEqual(0);
    expect(printed).toBeGreaterThan(mask);
    expect(run.summary).not.toContain(secret);
  } finally {
    execFileSync('rm', ['-rf', `${names.deployPath}-dist`]);
    const ids = docker(undefined, ['ps', '-aq', '--filter', `label=com.docker.compose.project=${names.project}-dist`]);
    if (ids.trim()) docker(undefined, ['rm', '-f', ...ids.trim().split('\n')]);
    // Only the tags this run made on the runner's engine (other suites tag doongzi/backend too).
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ws, encoding: 'utf8' }).trim().slice(0, 7);
    docker(undefined, ['rmi', 'doongzi/backend:6.0.0', `doongzi/backend:sha-${sha}`], { allowFail: true });
    await removeWorkspace(ws);
  }
});
