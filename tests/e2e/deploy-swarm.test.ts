/**
 * The swarm target on a real single-node Swarm: host b's own dockerd (never the main engine) is made a manager on
 * loopback by `scripts/testbed/sshd.sh swarm init`; the deploy reaches it over SSH like any host. Services attach to
 * the external `host` network and publish nothing (test-only override); the app listens on 127.0.0.1:$PORT.
 * The tests run in order and share the stack: 1.0.0, then a rotated secret (1.1.0), then a failing release (1.2.0)
 * that Swarm rolls back, then the same inputs with `deploy-target: compose`.
 */
import { jest } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseDeployInputs } from '../../src/deploy/inputs.js';
import { buildDeployPlan } from '../../src/deploy/plan.js';
import { runDeploy } from '../../src/deploy/run-deploy.js';
import { DeployFailedError, deployOutputs, formatDeploySummary, type DeploySummary } from '../../src/deploy/summary.js';
import {
  LOCAL_IMAGE,
  buildExampleImage,
  cleanupHost,
  containerOf,
  docker,
  exampleSource,
  exampleStackConfig,
  inputsFor,
  namesFor,
  onHost,
  recordingLog,
  removeReleaseTags,
  state,
  tagEvent,
  type HostEnv,
} from '../helpers/deploy-testbed.js';
import { leaveSwarm, removeStack as removeStackOf, startSwarmManager } from '../helpers/swarm-testbed.js';

jest.setTimeout(180_000);

const names = namesFor('swarm');
const STACK = names.project;
const SERVICE = `${STACK}_app`;
/** Its own image ID, so other suites that remove the example image from host b do not pull it from under the stack. */
const SWARM_IMAGE = 'deploy-action-test/doongzi-runner:swarm-e2e';
const PORT = '18437';

const token = randomBytes(12).toString('hex');
const SECRET_1 = `pw-${token}-one\nline two $HOME`;
const SECRET_2 = `pw-${token}-two`;

let b: HostEnv;
const summaries: DeploySummary[] = [];
const logs: string[] = [];

const onB = (args: string[], opts: { allowFail?: boolean } = {}) => docker(b, args, opts);

async function deploy(
  version: string,
  opts: { secret?: string; overrides?: string[]; target?: 'swarm' | 'compose'; keepReleases?: string } = {},
) {
  const target = opts.target ?? 'swarm';
  const inputs = parseDeployInputs(
    inputsFor(names, [b], {
      'deploy-target': target,
      'env-file': `APP_ENV=prod\nDB_HOST=db.internal\nPORT=${PORT}\n`,
      ...(opts.keepReleases ? { 'keep-releases': opts.keepReleases } : {}),
    }),
    { DEPLOY_TEST_DB_PASSWORD: opts.secret ?? SECRET_1 },
  );
  // The network override is the test bed's, per engine path: compose containers get no network, swarm tasks the host's.
  const overrides = opts.overrides ?? [];
  const source = exampleSource(names, overrides, tagEvent(version));
  source.image.localRef = SWARM_IMAGE;
  if (target === 'swarm') {
    // The swarm path does not take no-network.yml (network_mode means nothing to a stack): host network instead.
    source.composeFiles = source.composeFiles.filter((f) => !f.path.endsWith('test-no-network.yml'));
    source.stackConfig = await exampleStackConfig(['swarm-host-network.yml', ...(opts.overrides ?? [])]);
  }
  const plan = buildDeployPlan(inputs, source);
  const log = recordingLog();
  try {
    const summary = await runDeploy(plan, log);
    summaries.push(summary);
    return { summary, log, error: undefined, plan };
  } catch (e) {
    if (e instanceof DeployFailedError) summaries.push(e.summary);
    return { summary: (e as DeployFailedError).summary, log, error: e as Error, plan };
  } finally {
    logs.push(...log.lines);
  }
}

interface Task {
  id: string;
  image: string;
}
/** The running task's container of the service (there is one replica). */
function runningTask(): Task | undefined {
  const id = onB(['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${SERVICE}`])
    .trim()
    .split('\n')[0];
  if (!id) return undefined;
  return { id, image: onB(['inspect', '--format', '{{.Config.Image}}', id]).trim() };
}
const stackSecrets = () =>
  onB(['secret', 'ls', '--filter', `label=com.doongzi.deploy-action.stack=${STACK}`, '--format', '{{.Name}}'])
    .trim()
    .split('\n')
    .filter(Boolean)
    .sort();
const serviceSecrets = () =>
  onB([
    'service',
    'inspect',
    '--format',
    '{{range .Spec.TaskTemplate.ContainerSpec.Secrets}}{{.SecretName}} {{end}}',
    SERVICE,
  ]).trim();

const removeStack = () => removeStackOf(b, STACK);

beforeAll(() => {
  b = startSwarmManager();
  buildExampleImage();
  execFileSync('docker', ['buildx', 'build', '--network', 'none', '--load', '-t', SWARM_IMAGE, '-'], {
    input: `FROM ${LOCAL_IMAGE}\nLABEL deploy-action-test.suite=swarm\n`,
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  removeStack();
  cleanupHost(names, b);
  removeReleaseTags(names, undefined);
  removeReleaseTags(names, b);
});

afterAll(() => {
  for (const s of summaries) {
    process.stdout.write(
      `${s.version} ${s.ok ? 'ok' : 'failed'} ${s.elapsedMs}ms: ${s.hosts.map((h) => `${h.host} ${h.status} ${h.imageDelivery ?? ''} [${h.steps.map((t) => `${t.step} ${t.ms}`).join(', ')}]`).join('; ')}\n`,
    );
  }
  if (!b) return;
  removeStack();
  cleanupHost(names, b);
  removeReleaseTags(names, b);
  removeReleaseTags(names, undefined);
  leaveSwarm();
});

test('deploys the example as a stack: non-root task reads its secret from tmpfs at 0400; no secret file on the disk', async () => {
  const { summary, error, log, plan } = await deploy('1.0.0');
  expect(error).toBeUndefined();
  expect(deployOutputs(summary)).toEqual({
    version: '1.0.0',
    'previous-version': '',
    'deployed-hosts': `127.0.0.1:${b.SSH_PORT}`,
    release: '1.0.0',
    'deployed-at': expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    url: '',
    'image-digest': '',
  });
  expect(summary.hosts[0]!.steps.map((s) => s.step)).toEqual([
    'connect',
    'lock',
    'preflight',
    'image',
    'upload',
    'secrets',
    'deploy',
    'converge',
    'switch',
    'prune',
  ]);
  const text = log.lines.join('\n');
  expect(text).toContain('single-node swarm: image-delivery ssh loads the image on the manager');
  expect(text).toMatch(/stack deploy-action-test-swarm converged at 1\.0\.0/);

  const secretName = plan.swarm!.secretNames['db_password']!;
  expect(secretName).toMatch(/^deploy-action-test-swarm_db_password_[0-9a-f]{12}$/);
  expect(stackSecrets()).toEqual([secretName]);
  expect(serviceSecrets()).toBe(secretName);

  const t = runningTask()!;
  expect(t.image).toBe('deploy-action-test/doongzi-swarm:1.0.0');
  expect(onB(['exec', t.id, 'id', '-u']).trim()).toBe('999');
  expect(onB(['exec', t.id, 'cat', '/run/secrets/db_password'])).toBe(SECRET_1);
  expect(onB(['exec', t.id, 'stat', '-c', '%a %u %g', '/run/secrets/db_password']).trim()).toBe('400 999 999');
  expect(onB(['exec', t.id, 'sh', '-c', 'grep " /run/secrets/db_password " /proc/mounts']).split(' ')[2]).toBe('tmpfs');
  expect(
    onB([
      'exec',
      t.id,
      'python',
      '-c',
      'from app.core.settings import db_password; print(db_password() is not None)',
    ]).trim(),
  ).toBe('True');
  expect(onB(['service', 'inspect', SERVICE])).not.toContain(token);

  // No file with the value on host b's disk: its /srv, and the engine's data-root (swarm raft, container dirs, logs)
  // and exec-root, as seen from outside dockerd b's mount namespace, where its tmpfs mounts are not.
  const dirs = [
    onHost(b, names.deployPath),
    ...['data/swarm', 'data/containers', 'exec'].map((d) => path.join(state, 'sshd-b', d)),
  ].filter(existsSync);
  const grep = spawnSync('grep', ['-rlF', token, ...dirs], { encoding: 'utf8' });
  expect(grep.stdout).toBe('');
  expect(grep.status).toBe(1);
  expect(readdirSync(path.join(onHost(b, names.deployPath), 'releases/1.0.0')).sort()).toEqual([
    '.deploy-action.json',
    '.env.prod',
    'docker-stack.deploy-action.yml',
  ]);
});

test('a changed secret value: a new versioned secret, the service updated, the old secret removed with its release', async () => {
  const before = stackSecrets();
  // keep-releases 1: 1.0.0's release goes, so nothing names its secret any more (a kept release keeps it).
  const { error, summary, log, plan } = await deploy('1.1.0', { secret: SECRET_2, keepReleases: '1' });
  expect(error).toBeUndefined();
  expect(summary.previousVersion).toBe('1.0.0');
  const name = plan.swarm!.secretNames['db_password']!;
  expect(before).not.toContain(name);
  expect(stackSecrets()).toEqual([name]);
  expect(serviceSecrets()).toBe(name);
  expect(log.lines.join('\n')).toContain(`removed the secret ${before[0]}, no longer referenced`);
  const t = runningTask()!;
  expect(t.image).toBe('deploy-action-test/doongzi-swarm:1.1.0');
  expect(onB(['exec', t.id, 'cat', '/run/secrets/db_password'])).toBe(SECRET_2);
});

test('a release whose healthcheck fails: Swarm rolls back, the deploy fails naming the service, 1.1.0 runs', async () => {
  const { error, summary } = await deploy('1.2.0', { secret: SECRET_2, overrides: ['failing-health.yml'] });
  expect(error).toBeInstanceOf(DeployFailedError);
  expect(error!.message).toContain(`service ${SERVICE}: rollback completed`);
  expect(error!.message).toMatch(
    /last task error: task \w+ \(deploy-action-test\/doongzi-swarm:1\.2\.0\): (complete|failed)/,
  );
  expect(error!.message).toContain('last health probe: exit 1');
  // The app logs nothing on its own; the lines are asked for all the same.
  expect(error!.message).toMatch(/last log lines:|\(no log output\)/);
  expect(error!.message).toContain(`Rolled back: 127.0.0.1:${b.SSH_PORT} (rolled-back to 1.1.0)`);
  expect(summary.hosts[0]).toMatchObject({
    status: 'rolled-back',
    previousVersion: '1.1.0',
    rollback: { status: 'rolled-back', toVersion: '1.1.0' },
  });
  expect(formatDeploySummary(summary)).toContain('rolled-back → 1.1.0');

  const t = runningTask()!;
  expect(t.image).toBe('deploy-action-test/doongzi-swarm:1.1.0');
  expect(onB(['inspect', '--format', '{{.State.Health.Status}}', t.id]).trim()).toBe('healthy');
  expect(onB(['service', 'inspect', '--format', '{{.Spec.TaskTemplate.ContainerSpec.Image}}', SERVICE]).trim()).toBe(
    'deploy-action-test/doongzi-swarm:1.1.0',
  );
  expect(stackSecrets()).toHaveLength(1);
});

test('the same inputs with deploy-target compose deploy the same example on the same host', async () => {
  const { error, summary } = await deploy('1.3.0', { secret: SECRET_2, target: 'compose' });
  expect(error).toBeUndefined();
  expect(summary.hosts[0]!.status).toBe('deployed');
  const c = containerOf(names, b)!;
  expect(c).toMatchObject({ image: 'deploy-action-test/doongzi-swarm:1.3.0', health: 'healthy' });
  expect(onB(['exec', c.id, 'cat', '/run/secrets/db_password'])).toBe(SECRET_2);
  expect(onB(['exec', c.id, 'id', '-u']).trim()).toBe('999');
});

test('the secret values appear in no log line and no summary', () => {
  expect(logs.join('\n')).not.toContain(token);
  for (const s of summaries) expect(JSON.stringify(s) + formatDeploySummary(s)).not.toContain(token);
  // Nor in the task logs Swarm keeps.
  expect(onB(['service', 'logs', '--raw', SERVICE], { allowFail: true })).not.toContain(token);
});
