/**
 * `mode: rollback` with `deploy-target: swarm` on a real single-node Swarm (host b's own dockerd, made a manager on
 * loopback by `scripts/testbed/sshd.sh swarm init`), the rollback driven through dist/index.js as the runner runs it.
 * 1.0.0 (secret S1) and 1.1.0 (another image, the secret rotated to S2) are deployed first; the tests run in order
 * and share the stack. Services attach to the external `host` network and publish nothing (test-only override).
 */
import { jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDeployInputs } from '../../src/deploy/inputs.js';
import { buildDeployPlan } from '../../src/deploy/plan.js';
import { runDeploy } from '../../src/deploy/run-deploy.js';
import {
  LOCAL_IMAGE,
  buildExampleImage,
  cleanupHost,
  docker,
  exampleSource,
  exampleStackConfig,
  inputsFor,
  namesFor,
  onHost,
  recordingLog,
  removeReleaseTags,
  tagEvent,
  type HostEnv,
} from '../helpers/deploy-testbed.js';
import { leaveSwarm, removeStack as removeStackOf, startSwarmManager } from '../helpers/swarm-testbed.js';
import { runAction, type ActionRun } from '../helpers/run-action.js';

jest.setTimeout(300_000);

const names = namesFor('swarm-rb');
const STACK = names.project;
const SERVICE = `${STACK}_app`;
/** Two images of their own (a label apart), so "runs 1.0.0's image" is a different image ID. */
const IMAGES = { '1.0.0': 'h-swarm-rollback/doongzi-runner:v1', '1.1.0': 'h-swarm-rollback/doongzi-runner:v2' };
const PORT = '18463';

const token = randomBytes(12).toString('hex');
const S1 = `pw-${token}-one`;
const S2 = `pw-${token}-two`;

let b: HostEnv;
let workspace: string;
const ids: Record<string, string> = {};
const secretNames: Record<string, string> = {};
const runs: ActionRun[] = [];

const onB = (args: string[], opts: { allowFail?: boolean } = {}) => docker(b, args, opts);
const current = () => readlinkSync(path.join(onHost(b, names.deployPath), 'current'));

async function deploy(version: '1.0.0' | '1.1.0', secret: string) {
  const inputs = parseDeployInputs(
    inputsFor(names, [b], {
      'deploy-target': 'swarm',
      'env-file': `APP_ENV=prod\nDB_HOST=db.internal\nPORT=${PORT}\n`,
    }),
    { DEPLOY_TEST_DB_PASSWORD: secret },
  );
  const source = exampleSource(names, [], tagEvent(version));
  source.image.localRef = IMAGES[version];
  source.composeFiles = source.composeFiles.filter((f) => !f.path.endsWith('test-no-network.yml'));
  source.stackConfig = await exampleStackConfig(['swarm-host-network.yml']);
  const plan = buildDeployPlan(inputs, source);
  await runDeploy(plan, recordingLog());
  secretNames[version] = plan.swarm!.secretNames['db_password']!;
}

/** `mode: rollback` through dist: no deploy secrets, no env file, no checkout. */
async function rollback(): Promise<ActionRun> {
  const all = inputsFor(names, [b]);
  const inputs = Object.fromEntries(
    ['ssh-host', 'ssh-user', 'ssh-key', 'ssh-known-hosts', 'deploy-path', 'health-timeout'].map((k) => [k, all(k)]),
  );
  const run = await runAction(workspace, { ...inputs, mode: 'rollback', 'deploy-target': 'swarm' });
  runs.push(run);
  return run;
}

/** The running task's container of the service (there is one replica). */
function runningTask(): { id: string; image: string; imageId: string } {
  const id = onB(['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${SERVICE}`])
    .trim()
    .split('\n')[0]!;
  expect(id).not.toBe('');
  const [image, imageId] = onB(['inspect', '--format', '{{.Config.Image}} {{.Image}}', id]).trim().split(' ');
  return { id, image: image!, imageId: imageId! };
}
const serviceSecrets = () =>
  onB([
    'service',
    'inspect',
    '--format',
    '{{range .Spec.TaskTemplate.ContainerSpec.Secrets}}{{.SecretName}} {{end}}',
    SERVICE,
  ]).trim();
const stackSecrets = () =>
  onB(['secret', 'ls', '--filter', `label=com.doongzi.deploy-action.stack=${STACK}`, '--format', '{{.Name}}'])
    .trim()
    .split('\n')
    .filter(Boolean)
    .sort();

const removeStack = () => removeStackOf(b, STACK);

beforeAll(() => {
  b = startSwarmManager();
  buildExampleImage();
  for (const [version, ref] of Object.entries(IMAGES)) {
    execFileSync('docker', ['buildx', 'build', '--network', 'none', '--load', '-t', ref, '-'], {
      input: `FROM ${LOCAL_IMAGE}\nLABEL h-swarm-rollback.release=${version}\n`,
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    ids[version] = docker(undefined, ['image', 'inspect', '--format', '{{.Id}}', ref]).trim();
  }
  workspace = mkdtempSync(path.join(os.tmpdir(), 'h-swarm-rollback-ws-'));
  writeFileSync(path.join(workspace, 'README'), 'rollback needs no checkout\n');
  removeStack();
  cleanupHost(names, b);
  removeReleaseTags(names, b);
  removeReleaseTags(names, undefined);
});

afterAll(() => {
  for (const r of runs) process.stdout.write(`rollback run: exit ${r.code}, outputs ${JSON.stringify(r.outputs)}\n`);
  if (b) {
    removeStack();
    cleanupHost(names, b);
    removeReleaseTags(names, b);
    removeReleaseTags(names, undefined);
    leaveSwarm();
  }
  for (const ref of Object.values(IMAGES)) docker(undefined, ['rmi', ref], { allowFail: true });
  if (workspace) rmSync(workspace, { recursive: true, force: true });
});

test('deploy 1.0.0 (secret S1), then 1.1.0 (another image, the secret rotated): both versioned secrets are kept', async () => {
  expect(ids['1.0.0']).not.toBe(ids['1.1.0']);
  await deploy('1.0.0', S1);
  await deploy('1.1.0', S2);
  expect(secretNames['1.0.0']).not.toBe(secretNames['1.1.0']);
  expect(current()).toBe('releases/1.1.0');
  const t = runningTask();
  expect(t.imageId).toBe(ids['1.1.0']);
  expect(serviceSecrets()).toBe(secretNames['1.1.0']);
  // 1.0.0's release is kept (keep-releases 5), so the secret its stack file names stays for a rollback.
  expect(stackSecrets()).toEqual([secretNames['1.0.0'], secretNames['1.1.0']].sort());
});

test('mode: rollback brings 1.0.0 back: its image and its secret S1 run, current -> releases/1.0.0', async () => {
  const started = Date.now();
  const run = await rollback();
  const elapsed = Date.now() - started;
  expect(run.annotations.filter((a) => a.severity === 'error')).toEqual([]);
  expect(run.code).toBe(0);
  expect(current()).toBe('releases/1.0.0');
  const t = runningTask();
  expect(t.image).toBe(`${names.repository}:1.0.0`);
  expect(t.imageId).toBe(ids['1.0.0']);
  expect(onB(['inspect', '--format', '{{.State.Health.Status}}', t.id]).trim()).toBe('healthy');
  expect(serviceSecrets()).toBe(secretNames['1.0.0']);
  expect(onB(['exec', t.id, 'cat', '/run/secrets/db_password'])).toBe(S1);
  expect(run.outputs).toMatchObject({ version: '1.0.0', 'previous-version': '1.1.0', release: '1.0.0' });
  expect(run.outputs['deployed-at']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
  expect(run.summary).toContain('## Rollback succeeded: 1.0.0');
  expect(run.stdout).not.toContain('Check: build and verify');
  expect(run.stdout + run.stderr).not.toContain(token);
  process.stdout.write(`swarm rollback 1.1.0 -> 1.0.0 through dist: ${elapsed} ms\n`);
});

test('a second rollback, with nothing older than 1.0.0: a clear error; the service spec and current are unchanged', async () => {
  const spec = () => onB(['service', 'inspect', '--format', '{{.Version.Index}} {{json .Spec}}', SERVICE]).trim();
  const before = { spec: spec(), current: current(), secrets: stackSecrets() };
  const run = await rollback();
  expect(run.code).toBe(1);
  const errors = run.annotations.filter((a) => a.severity === 'error');
  expect(errors).toHaveLength(1);
  expect(errors[0]!.message).toMatch(
    /cannot roll back: no release older than the live 1\.0\.0 \(releases\/1\.0\.0\) with a valid manifest is on this host; nothing was changed/,
  );
  expect(run.stdout + run.stderr).not.toMatch(/\n\s+at .*\.js:\d+/);
  expect({ spec: spec(), current: current(), secrets: stackSecrets() }).toEqual(before);
  expect(run.outputs).toMatchObject({ release: '', 'deployed-at': '' });
});

const serviceSpec = () => onB(['service', 'inspect', '--format', '{{.Version.Index}} {{json .Spec}}', SERVICE]).trim();

test("1.1.0 again, then 1.0.0's image untagged on the manager: refused naming it, nothing changed", async () => {
  await deploy('1.1.0', S2);
  expect(current()).toBe('releases/1.1.0');
  const before = serviceSpec();
  // As if the image had been pruned on the manager since.
  onB(['image', 'tag', `${names.repository}:1.0.0`, `${names.repository}:kept-for-test`]);
  onB(['rmi', `${names.repository}:1.0.0`]);
  try {
    const run = await rollback();
    expect(run.code).toBe(1);
    expect(run.annotations.find((a) => a.severity === 'error')!.message).toMatch(
      /cannot roll back: the image deploy-action-test\/doongzi-swarm-rb:1\.0\.0 of 1\.0\.0 is no longer on the manager .*re-run the deploy of tag 1\.0\.0 instead; nothing was changed/,
    );
    expect(serviceSpec()).toBe(before);
  } finally {
    onB(['image', 'tag', `${names.repository}:kept-for-test`, `${names.repository}:1.0.0`]);
  }
});

test('a previous release that does not converge: Swarm rolls it back, 1.1.0 is deployed again, current stays', async () => {
  // The manager's copy of 1.0.0's stack file no longer passes its healthcheck (as a release whose dependency went away).
  const file = path.join(onHost(b, names.deployPath), 'releases/1.0.0/docker-stack.deploy-action.yml');
  const text = readFileSync(file, 'utf8');
  expect(text).toContain('- app.healthcheck');
  writeFileSync(file, text.replace('- app.healthcheck', '- app.no_such_healthcheck'));
  const run = await rollback();
  expect(run.code).toBe(1);
  const message = run.annotations.find((a) => a.severity === 'error')!.message;
  expect(message).toMatch(/rollback to 1\.0\.0 failed: .*service deploy-action-test-swarm-rb_app: rollback completed/);
  expect(message).toContain(`switched back: the stack ${STACK} runs 1.1.0 (releases/1.1.0) again`);
  expect(current()).toBe('releases/1.1.0');
  const t = runningTask();
  expect(t.imageId).toBe(ids['1.1.0']);
  expect(onB(['inspect', '--format', '{{.State.Health.Status}}', t.id]).trim()).toBe('healthy');
  expect(serviceSecrets()).toBe(secretNames['1.1.0']);
  expect(onB(['exec', t.id, 'cat', '/run/secrets/db_password'])).toBe(S2);
});

test("1.0.0's secret removed by hand (as a deploy before this change left it): refused naming it, nothing changed", async () => {
  const before = serviceSpec();
  onB(['secret', 'rm', secretNames['1.0.0']!]);
  const run = await rollback();
  expect(run.code).toBe(1);
  expect(run.annotations.find((a) => a.severity === 'error')!.message).toMatch(
    new RegExp(
      `cannot roll back: releases/1\\.0\\.0 \\(1\\.0\\.0\\) names the secret ${secretNames['1.0.0']}, no longer on the manager .*re-run the deploy of tag 1\\.0\\.0 instead; nothing was changed`,
    ),
  );
  expect(serviceSpec()).toBe(before);
  expect(current()).toBe('releases/1.1.0');
  expect(runningTask().imageId).toBe(ids['1.1.0']);
  expect(runs.map((r) => r.stdout + r.stderr).join('\n')).not.toContain(token);
});
