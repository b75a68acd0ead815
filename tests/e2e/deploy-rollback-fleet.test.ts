/**
 * `mode: rollback` on two real hosts through dist/index.js: host a (the main engine) and host b (its own dockerd and
 * /srv). Both go back together; when host b holds no older release, host a (already rolled back) is switched
 * forward again, so the fleet ends on one release and the run fails naming host b. The tests run in order.
 */
import { jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
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
  inputsFor,
  namesFor,
  onHost,
  recordingLog,
  removeReleaseTags,
  startHost,
  tagEvent,
  type HostEnv,
} from '../helpers/deploy-testbed.js';
import { runAction, type ActionRun } from '../helpers/run-action.js';

jest.setTimeout(300_000);

const names = namesFor('rbfleet');
const IMAGE2 = 'rbfleet/doongzi-runner:v2';
const ENV = { DEPLOY_TEST_DB_PASSWORD: 'fleet-rollback-secret', GITHUB_REPOSITORY: 'doongzi/doongzi-backend' };

let a: HostEnv;
let b: HostEnv;
let workspace: string;
let scratch: string;
const ids: Record<string, string> = {};
const runs: ActionRun[] = [];

const engine = (h: HostEnv) => (h.DOCKER_HOST ? h : undefined);
const hostName = (h: HostEnv) => `127.0.0.1:${h.SSH_PORT}`;
const current = (h: HostEnv) => readlinkSync(path.join(onHost(h, names.deployPath), 'current'));
const imageId = (h: HostEnv | undefined, ref: string) =>
  docker(h, ['image', 'inspect', '--format', '{{.Id}}', ref]).trim();
/** The image ID the host's app container runs, and its health. */
const running = (h: HostEnv) => {
  const c = containerOf(names, engine(h))!;
  return { image: docker(engine(h), ['inspect', '--format', '{{.Image}}', c.id]).trim(), health: c.health };
};

async function deploy(version: string, localRef: string): Promise<void> {
  const inputs = parseDeployInputs(inputsFor(names, [a, b]), ENV);
  const source = { ...exampleSource(names, [], tagEvent(version)), image: { localRef, repository: names.repository } };
  await runDeploy(buildDeployPlan(inputs, source), recordingLog());
}

async function rollback(): Promise<ActionRun> {
  const all = inputsFor(names, [a, b]);
  const inputs = Object.fromEntries(
    ['ssh-host', 'ssh-user', 'ssh-key', 'ssh-known-hosts', 'deploy-path', 'health-timeout'].map((k) => [k, all(k)]),
  );
  const run = await runAction(workspace, { ...inputs, mode: 'rollback' });
  runs.push(run);
  return run;
}

beforeAll(() => {
  a = startHost('a');
  b = startHost('b');
  buildExampleImage();
  for (const h of [a, b]) {
    cleanupHost(names, h);
    removeReleaseTags(names, engine(h));
  }
  workspace = mkdtempSync(path.join(os.tmpdir(), 'rbfleet-ws-'));
  scratch = mkdtempSync(path.join(os.tmpdir(), 'rbfleet-build-'));
  // 2.0.0 is another image (a label more): "runs 1.0.0's image" is then a different image ID on each engine.
  writeFileSync(path.join(scratch, 'Dockerfile'), `FROM ${LOCAL_IMAGE}\nLABEL rbfleet.release=2\n`);
  execFileSync('docker', ['buildx', 'build', '--network', 'none', '--load', '-t', IMAGE2, scratch], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  ids['1.0.0'] = imageId(undefined, LOCAL_IMAGE);
  ids['2.0.0'] = imageId(undefined, IMAGE2);
});

afterAll(() => {
  for (const r of runs)
    process.stdout.write(`fleet rollback run: exit ${r.code}, outputs ${JSON.stringify(r.outputs)}\n`);
  for (const h of [a, b]) {
    cleanupHost(names, h);
    removeReleaseTags(names, engine(h));
  }
  docker(undefined, ['rmi', IMAGE2], { allowFail: true });
  rmSync(workspace, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

test('1.0.0, then 2.0.0 (another image), on both hosts', async () => {
  await deploy('1.0.0', LOCAL_IMAGE);
  await deploy('2.0.0', IMAGE2);
  for (const h of [a, b]) {
    expect(current(h)).toBe('releases/2.0.0');
    expect(running(h)).toEqual({ image: ids['2.0.0'], health: 'healthy' });
  }
});

test('mode: rollback takes both hosts back to 1.0.0, each on its own engine, healthy', async () => {
  const run = await rollback();
  expect(run.annotations.filter((x) => x.severity === 'error')).toEqual([]);
  expect(run.code).toBe(0);
  for (const h of [a, b]) {
    expect(current(h)).toBe('releases/1.0.0');
    expect(running(h)).toEqual({ image: ids['1.0.0'], health: 'healthy' });
  }
  expect(containerOf(names, undefined)!.id).not.toBe(containerOf(names, b)!.id);
  expect(run.outputs).toMatchObject({
    version: '1.0.0',
    'previous-version': '2.0.0',
    'deployed-hosts': `${hostName(a)}\n${hostName(b)}`,
  });
});

test('host b holds nothing older: host a, already back on 1.0.0, is switched forward again; the run names b', async () => {
  await deploy('2.0.0', IMAGE2);
  for (const h of [a, b]) expect(running(h)).toEqual({ image: ids['2.0.0'], health: 'healthy' });
  const live = path.basename(current(b));
  // Host b keeps only its live release (as after a prune with keep-releases 1).
  const releasesB = path.join(onHost(b, names.deployPath), 'releases');
  for (const d of readdirSync(releasesB)) if (d !== live) rmSync(path.join(releasesB, d), { recursive: true });
  const before = { a: current(a), b: current(b) };

  const run = await rollback();
  expect(run.code).toBe(1);
  const errors = run.annotations.filter((x) => x.severity === 'error');
  expect(errors).toHaveLength(1);
  expect(errors[0]!.message).toContain(`${hostName(b)}: cannot roll back`);
  expect(errors[0]!.message).toContain('nothing was changed on this host');
  expect(run.stdout).toContain(`${hostName(a)}: switched forward again to 2.0.0`);
  expect({ a: current(a), b: current(b) }).toEqual(before);
  for (const h of [a, b]) expect(running(h)).toEqual({ image: ids['2.0.0'], health: 'healthy' });
  expect(run.outputs).toMatchObject({ 'deployed-hosts': '' });
});
