/**
 * Two hosts (two sshd on two loopback ports; host b is its own "machine": own /srv, own dockerd reached through
 * sshd's SetEnv DOCKER_HOST). They deploy one after the other; a failure on the second rolls back both.
 */
import { jest } from '@jest/globals';
import { mkdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseDeployInputs } from '../../src/deploy/inputs.js';
import { buildDeployPlan } from '../../src/deploy/plan.js';
import { runDeploy } from '../../src/deploy/run-deploy.js';
import { DeployFailedError, deployOutputs, formatDeploySummary, type DeploySummary } from '../../src/deploy/summary.js';
import {
  buildExampleImage,
  namesFor,
  cleanupHost,
  containerOf,
  docker,
  exampleSource,
  inputsFor,
  onHost,
  recordingLog,
  removeReleaseTags,
  startHost,
  tagEvent,
  type HostEnv,
} from '../helpers/deploy-testbed.js';

jest.setTimeout(300_000);

const names = namesFor('fleet');
const DEPLOY_PATH = names.deployPath;

const ENV = { DEPLOY_TEST_DB_PASSWORD: 'two-hosts-secret\n' };
let a: HostEnv;
let b: HostEnv;
const summaries: DeploySummary[] = [];

async function deploy(version: string, hosts: HostEnv[], overrides: string[] = [], extra: Record<string, string> = {}) {
  const plan = buildDeployPlan(
    parseDeployInputs(inputsFor(names, hosts, extra), ENV),
    exampleSource(names, overrides, tagEvent(version)),
  );
  try {
    const summary = await runDeploy(plan, recordingLog());
    summaries.push(summary);
    return { summary, error: undefined };
  } catch (e) {
    summaries.push((e as DeployFailedError).summary);
    return { summary: (e as DeployFailedError).summary, error: e as Error };
  }
}

const hostName = (h: HostEnv) => `127.0.0.1:${h.SSH_PORT}`;

beforeAll(() => {
  a = startHost('a');
  b = startHost('b');
  buildExampleImage();
  for (const h of [a, b]) cleanupHost(names, h);
  removeReleaseTags(names, undefined);
  // Host b starts without the image, so the first deploy streams it over SSH.
  removeReleaseTags(names, b);
  const id = docker(undefined, [
    'image',
    'inspect',
    '--format',
    '{{.Id}}',
    'deploy-action-test/doongzi-runner:e2e',
  ]).trim();
  docker(b, ['rmi', '-f', id], { allowFail: true });
});

afterAll(() => {
  // Host a's engine creates the bind-mount source as an empty directory: remove it on both.
  for (const h of [a, b]) rmSync(onHost(h, '/srv/deploy-action-test/markers'), { recursive: true, force: true });
  for (const s of summaries) {
    process.stdout.write(
      `${s.version} ${s.ok ? 'ok' : 'failed'} ${s.elapsedMs}ms: ${s.hosts.map((h) => `${h.host} ${h.status} ${h.imageDelivery ?? ''} [${h.steps.map((t) => `${t.step} ${t.ms}`).join(', ')}]`).join('; ')}\n`,
    );
  }
  for (const h of [a, b]) {
    cleanupHost(names, h);
    removeReleaseTags(names, h);
  }
});

test('deploys to both hosts one after the other; host b gets the image streamed over SSH', async () => {
  const { summary, error } = await deploy('1.0.0', [a, b]);
  expect(error).toBeUndefined();
  expect(deployOutputs(summary)).toEqual({
    version: '1.0.0',
    'previous-version': '',
    'deployed-hosts': `${hostName(a)}\n${hostName(b)}`,
    release: '1.0.0',
    'deployed-at': expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    url: '',
    'image-digest': '',
  });
  expect(summary.hosts.map((h) => [h.host, h.status, h.imageDelivery])).toEqual([
    [hostName(a), 'deployed', 'already-present'],
    [hostName(b), 'deployed', 'loaded'],
  ]);
  for (const h of [a, b]) {
    const c = containerOf(names, h)!;
    expect(c).toMatchObject({ image: 'deploy-action-test/doongzi-fleet:1.0.0', health: 'healthy' });
    expect(docker(h.DOCKER_HOST ? h : undefined, ['exec', c.id, 'cat', '/run/secrets/db_password'])).toBe(
      ENV.DEPLOY_TEST_DB_PASSWORD,
    );
  }
  // Host b's engine really is a different one.
  expect(containerOf(names, a)!.id).not.toBe(containerOf(names, b)!.id);
});

test('a failure on the second host rolls back both; both run 1.0.0 and the summary says so', async () => {
  const markers = onHost(b, '/srv/deploy-action-test/markers');
  mkdirSync(markers, { recursive: true });
  writeFileSync(path.join(markers, 'fail'), 'host b is broken\n');

  const { summary, error } = await deploy('1.1.0', [a, b], ['fails-on-marked-host.yml']);
  expect(error).toBeInstanceOf(DeployFailedError);
  expect(error!.message).toContain(
    `${hostName(b)}: docker compose up failed: container deploy-action-test-fleet-app-1 is unhealthy`,
  );
  expect(error!.message).toContain('last health probe: exit 1');
  expect(error!.message).not.toContain('Recreated');
  expect(error!.message).toContain(
    `Rolled back: ${hostName(a)} (rolled-back to 1.0.0), ${hostName(b)} (rolled-back to 1.0.0)`,
  );
  expect(summary.deployedHosts).toEqual([]);
  expect(summary.hosts).toMatchObject([
    {
      host: hostName(a),
      status: 'rolled-back',
      previousVersion: '1.0.0',
      rollback: { status: 'rolled-back', toVersion: '1.0.0' },
    },
    {
      host: hostName(b),
      status: 'rolled-back',
      previousVersion: '1.0.0',
      rollback: { status: 'rolled-back', toVersion: '1.0.0' },
    },
  ]);
  // Host a got as far as running 1.1.0 before the rollback.
  expect(summary.hosts[0]!.steps.map((s) => s.step)).toEqual(expect.arrayContaining(['up', 'rollback']));
  const md = formatDeploySummary(summary);
  expect(md).toContain(`| ${hostName(a)} | rolled-back | 1.0.0 | rolled-back → 1.0.0 |`);
  expect(md).toContain(`| ${hostName(b)} | rolled-back | 1.0.0 | rolled-back → 1.0.0 |`);

  for (const h of [a, b]) {
    expect(readlinkSync(onHost(h, path.join(DEPLOY_PATH, 'current')))).toBe('releases/1.0.0');
    expect(containerOf(names, h)).toMatchObject({ image: 'deploy-action-test/doongzi-fleet:1.0.0', health: 'healthy' });
  }
});

test('through a jump host (host a forwards to host b), pinned the same way; re-running the live version', async () => {
  const before = containerOf(names, b);
  const { summary, error } = await deploy('1.0.0', [b], [], {
    'ssh-jump-host': `${a.SSH_USER}@127.0.0.1:${a.SSH_PORT}`,
    'ssh-known-hosts': readFileSync(a.KNOWN_HOSTS, 'utf8') + readFileSync(b.KNOWN_HOSTS, 'utf8'),
  });
  expect(error).toBeUndefined();
  expect(summary.hosts[0]).toMatchObject({
    host: hostName(b),
    status: 'deployed',
    previousVersion: '1.0.0',
    imageDelivery: 'already-present',
  });
  // The live release already is this one (same files, image id and secrets): nothing staged, nothing recreated.
  expect(readlinkSync(onHost(b, path.join(DEPLOY_PATH, 'current')))).toBe('releases/1.0.0');
  expect(summary.hosts[0]!.steps.map((s) => s.step)).toEqual(['connect', 'lock', 'preflight', 'image', 'upload', 'up']);
  expect(containerOf(names, b)!.id).toBe(before!.id);
  expect(containerOf(names, b)).toMatchObject({ image: 'deploy-action-test/doongzi-fleet:1.0.0', health: 'healthy' });
});
