/**
 * Deploy hooks with the swarm target on a real single-node Swarm (host b's own dockerd, `sshd.sh swarm init`, as
 * deploy-swarm.test.ts): each hook runs as a Swarm job of the new release on the manager. pre-deploy appends a
 * marker, with a digest of the secret file it read, to a host directory bind-mounted into the service (the database
 * stand-in) before the stack's service is updated; a failing one deploys nothing; a failing post-deploy rolls the
 * stack back with `docker service rollback`. The tests run in order and share the stack.
 */
import { jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseDeployInputs } from '../../src/deploy/inputs.js';
import { buildDeployPlan } from '../../src/deploy/plan.js';
import { runDeploy } from '../../src/deploy/run-deploy.js';
import { DeployFailedError, formatDeploySummary, type DeploySummary } from '../../src/deploy/summary.js';
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

jest.setTimeout(240_000);

const names = namesFor('swarm-hooks');
const STACK = names.project;
const SERVICE = `${STACK}_app`;
const IMAGE = 'deploy-action-test/doongzi-runner:swarm-hooks-e2e';
const PORT = '18439';
/** On host b; the fixture swarm-hook-db.yml bind-mounts it into the app at /db. */
const DB_DIR = '/srv/deploy-action-test/swarm-hooks-db';
const token = randomBytes(12).toString('hex');
const SECRET_1 = `pw-${token}-one`;
const SECRET_2 = `pw-${token}-two`;
const MIGRATE =
  '["sh", "-c", "echo migrated $APP_ENV $(sha256sum /run/secrets/db_password | cut -c1-12) >> /db/marker; echo migration done"]';

let b: HostEnv;
const summaries: DeploySummary[] = [];
const logs: string[] = [];

const onB = (args: string[], opts: { allowFail?: boolean } = {}) => docker(b, args, opts);

async function deploy(version: string, extra: Record<string, string> = {}, secret = SECRET_1) {
  const inputs = parseDeployInputs(
    inputsFor(names, [b], {
      'deploy-target': 'swarm',
      'env-file': `APP_ENV=prod\nDB_HOST=db.internal\nPORT=${PORT}\n`,
      ...extra,
    }),
    { DEPLOY_TEST_DB_PASSWORD: secret },
  );
  const source = exampleSource(names, [], tagEvent(version));
  source.image.localRef = IMAGE;
  source.composeFiles = source.composeFiles.filter((f) => !f.path.endsWith('test-no-network.yml'));
  source.stackConfig = await exampleStackConfig(['swarm-host-network.yml', 'swarm-hook-db.yml']);
  const plan = buildDeployPlan(inputs, source);
  const log = recordingLog();
  try {
    const summary = await runDeploy(plan, log);
    summaries.push(summary);
    return { summary, log, error: undefined };
  } catch (e) {
    if (e instanceof DeployFailedError) summaries.push(e.summary);
    return { summary: (e as DeployFailedError).summary, log, error: e as Error };
  } finally {
    logs.push(...log.lines);
  }
}

const markerFile = () => path.join(onHost(b, DB_DIR), 'marker');
const marker = () => (existsSync(markerFile()) ? readFileSync(markerFile(), 'utf8') : '');
const digest = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 12);
const inspect = (format: string) => onB(['service', 'inspect', '--format', format, SERVICE]).trim();
const specImage = () => inspect('{{.Spec.TaskTemplate.ContainerSpec.Image}}');
const current = () => readlinkSync(path.join(onHost(b, names.deployPath), 'current'));
/** Job services left behind (the hook's label), and their containers, running or not. */
const leftJobs = () =>
  onB(['service', 'ls', '-q', '--filter', 'label=com.doongzi.deploy-action.hook']).trim() +
  onB(['ps', '-aq', '--filter', 'label=com.doongzi.deploy-action.hook']).trim();
const stackSecrets = () =>
  onB(['secret', 'ls', '--filter', `label=com.doongzi.deploy-action.stack=${STACK}`, '--format', '{{.Name}}'])
    .trim()
    .split('\n')
    .filter(Boolean)
    .sort();
const runningImage = () => {
  const id = onB(['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${SERVICE}`])
    .trim()
    .split('\n')[0];
  return id ? onB(['inspect', '--format', '{{.Config.Image}}', id]).trim() : '';
};
const hookLines = (lines: string[], kind: string) =>
  lines.filter((l) => l.includes(`: ${kind}: `)).map((l) => l.slice(l.indexOf(`${kind}: `)));

const removeStack = () => removeStackOf(b, STACK);

beforeAll(() => {
  b = startSwarmManager();
  buildExampleImage();
  execFileSync('docker', ['buildx', 'build', '--network', 'none', '--load', '-t', IMAGE, '-'], {
    input: `FROM ${LOCAL_IMAGE}\nLABEL deploy-action-test.suite=swarm-hooks\n`,
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  removeStack();
  cleanupHost(names, b);
  execFileSync('rm', ['-rf', onHost(b, DB_DIR)]);
  // The runtime user (999) writes the marker.
  mkdirSync(onHost(b, DB_DIR), { recursive: true, mode: 0o777 });
  execFileSync('chmod', ['0777', onHost(b, DB_DIR)]);
  removeReleaseTags(names, undefined);
  removeReleaseTags(names, b);
});

afterAll(() => {
  for (const s of summaries) {
    process.stdout.write(
      `${s.version} ${s.ok ? 'ok' : 'failed'} ${s.elapsedMs}ms: ${s.hosts.map((h) => `${h.host} ${h.status} [${h.steps.map((t) => `${t.step} ${t.ms}`).join(', ')}]`).join('; ')}\n`,
    );
  }
  if (!b) return;
  removeStack();
  cleanupHost(names, b);
  execFileSync('rm', ['-rf', onHost(b, DB_DIR)]);
  removeReleaseTags(names, b);
  removeReleaseTags(names, undefined);
  leaveSwarm();
});

test('1.0.0 without hooks, then 1.1.0 with a pre-deploy: the marker written once, before the service updated', async () => {
  const first = await deploy('1.0.0');
  expect(first.error).toBeUndefined();
  expect(specImage()).toBe(`${names.repository}:1.0.0`);
  expect(marker()).toBe('');

  const second = await deploy('1.1.0', { 'pre-deploy': MIGRATE });
  expect(second.error).toBeUndefined();
  // The job read the secret file the stack mounts (its digest), and the env file (APP_ENV).
  expect(marker()).toBe(`migrated prod ${digest(SECRET_1)}\n`);
  const steps = second.summary.hosts[0]!.steps.map((s) => s.step);
  expect(steps.indexOf('pre-deploy')).toBeGreaterThan(steps.indexOf('secrets'));
  expect(steps.indexOf('pre-deploy')).toBeLessThan(steps.indexOf('deploy'));
  // Swarm's own clock: the service's update started after the marker was written.
  const updateStarted = Date.parse(inspect('{{.UpdateStatus.StartedAt}}'));
  expect(statSync(markerFile()).mtimeMs).toBeLessThan(updateStarted);
  const logged = hookLines(second.log.lines, 'pre-deploy');
  expect(logged[0]).toMatch(
    /^pre-deploy: running `sh -c echo migrated .*` as the Swarm job deploy-action-test-swarm-hooks-pre-deploy-[0-9a-f]{16} /,
  );
  expect(logged.slice(-2)).toEqual(['pre-deploy: migration done', 'pre-deploy: done']);
  expect(specImage()).toBe(`${names.repository}:1.1.0`);
  expect(runningImage()).toBe(`${names.repository}:1.1.0`);
  expect(leftJobs()).toBe('');
});

test('1.2.0 with a pre-deploy that exits 1: nothing deployed (spec version unchanged), its new secret and the job removed', async () => {
  const before = { version: inspect('{{.Version.Index}}'), secrets: stackSecrets(), current: current() };
  const r = await deploy('1.2.0', { 'pre-deploy': '["sh", "-c", "echo cannot reach the database; exit 1"]' }, SECRET_2);
  expect(r.error).toBeInstanceOf(DeployFailedError);
  expect(r.error!.message).toContain(
    'pre-deploy: the pre-deploy hook `sh -c echo cannot reach the database; exit 1` exited with status 1: nothing was deployed; the stack keeps running the previous release; its last lines:\ncannot reach the database',
  );
  expect(r.summary.hosts[0]!.steps.map((s) => s.step)).not.toContain('deploy');
  expect(inspect('{{.Version.Index}}')).toBe(before.version);
  expect(specImage()).toBe(`${names.repository}:1.1.0`);
  expect(stackSecrets()).toEqual(before.secrets);
  expect(current()).toBe(before.current);
  expect(marker()).toBe(`migrated prod ${digest(SECRET_1)}\n`);
  expect(leftJobs()).toBe('');
});

test('1.2.1 with a pre-deploy that hangs: stopped at hook-timeout, the job and its container gone, nothing deployed', async () => {
  const before = inspect('{{.Version.Index}}');
  const r = await deploy('1.2.1', { 'pre-deploy': 'sleep 600', 'hook-timeout': '10s' });
  expect(r.error!.message).toMatch(
    /the pre-deploy hook `sleep 600` did not finish within hook-timeout \(10s; its task was \w+\) and was stopped: nothing was deployed/,
  );
  // 10 s of hook, then the removal (10 s stop grace at most): far less than the 600 s the hook asked for.
  expect(r.summary.hosts[0]!.steps.find((s) => s.step === 'pre-deploy')!.ms).toBeLessThan(60_000);
  expect(leftJobs()).toBe('');
  expect(inspect('{{.Version.Index}}')).toBe(before);
  expect(specImage()).toBe(`${names.repository}:1.1.0`);
});

test('1.3.0 with a post-deploy that exits 1: the stack rolled back to 1.1.0, current not switched, the run failed', async () => {
  const before = current();
  const r = await deploy('1.3.0', { 'post-deploy': '["sh", "-c", "echo smoke test failed; exit 1"]' });
  expect(r.error).toBeInstanceOf(DeployFailedError);
  expect(r.error!.message).toContain(
    'post-deploy: the post-deploy hook `sh -c echo smoke test failed; exit 1` exited with status 1: the deploy is rolled back',
  );
  expect(r.error!.message).toContain(`Rolled back: 127.0.0.1:${b.SSH_PORT} (rolled-back to 1.1.0)`);
  const steps = r.summary.hosts[0]!.steps.map((s) => s.step);
  expect(steps.indexOf('post-deploy')).toBeGreaterThan(steps.indexOf('converge'));
  expect(steps).not.toContain('switch');
  expect(hookLines(r.log.lines, 'post-deploy')).toContain(`post-deploy: rolling back ${SERVICE}`);
  expect(specImage()).toBe(`${names.repository}:1.1.0`);
  expect(runningImage()).toBe(`${names.repository}:1.1.0`);
  expect(inspect('{{.UpdateStatus.State}}')).toBe('rollback_completed');
  expect(current()).toBe(before);
  expect(leftJobs()).toBe('');
});

test('the secret values appear in no log line and no summary', () => {
  expect(logs.join('\n')).not.toContain(token);
  for (const s of summaries) expect(JSON.stringify(s) + formatDeploySummary(s)).not.toContain(token);
});
