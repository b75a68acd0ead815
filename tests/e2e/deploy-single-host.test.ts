/**
 * The deploy on one real host: OpenSSH sshd on 127.0.0.1, a non-root deploy user in the docker group, the real engine.
 * The tests run in order and share the host's state: 1.0.0 is deployed first and must survive every later failure.
 */
import { jest } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDeployInputs } from '../../src/deploy/inputs.js';
import { buildDeployPlan, valuesToMask } from '../../src/deploy/plan.js';
import { runDeploy } from '../../src/deploy/run-deploy.js';
import { fingerprint } from '../../src/deploy/ssh/known-hosts.js';
import { DeployFailedError, deployOutputs, formatDeploySummary, type DeploySummary } from '../../src/deploy/summary.js';
import {
  LOCAL_IMAGE,
  namesFor,
  ProcSampler,
  buildExampleImage,
  cleanupHost,
  containerOf,
  docker,
  exampleSource,
  inputsFor,
  recordingLog,
  removeReleaseTags,
  startHost,
  storedSecretFile,
  tagEvent,
  type HostEnv,
} from '../helpers/deploy-testbed.js';

jest.setTimeout(240_000);

const names = namesFor('single');
const DEPLOY_PATH = names.deployPath;

const token = randomBytes(12).toString('hex');
// Multi-line, quotes, a dollar: it must arrive byte for byte.
const SECRET = `pw-${token}\nsecond line 'quoted' $HOME ${token}-end`;
const ENV = { DEPLOY_TEST_DB_PASSWORD: SECRET, GITHUB_REPOSITORY: 'doongzi/doongzi-backend' };

let host: HostEnv;
let sampler: ProcSampler;
let runnerTemp: string;
const printed: string[] = [];
const summaries: DeploySummary[] = [];
const logs: string[] = [];
let restoreWrites: (() => void) | undefined;

function captureOutput(): () => void {
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
    printed.push(String(chunk));
    return (out as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: unknown, ...rest: unknown[]) => {
    printed.push(String(chunk));
    return (err as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
  return () => {
    process.stdout.write = out;
    process.stderr.write = err;
  };
}

async function deploy(
  version: string,
  opts: {
    extra?: Record<string, string>;
    overrides?: string[];
    env?: Record<string, string>;
    onInfo?: (m: string) => void;
  } = {},
) {
  const inputs = parseDeployInputs(inputsFor(names, [host], opts.extra), { ...ENV, ...opts.env });
  const plan = buildDeployPlan(inputs, exampleSource(names, opts.overrides, tagEvent(version)));
  const log = recordingLog();
  if (opts.onInfo) log.onInfo = opts.onInfo;
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

const secretFile = (v: string) => storedSecretFile(DEPLOY_PATH, 'db_password', `releases/${v}`);
const secretStore = path.join(DEPLOY_PATH, '.deploy-action-secrets');
const sshdLogSize = () => statSync(host.SSHD_LOG).size;
const sshdLogSince = (offset: number) => readFileSync(host.SSHD_LOG, 'utf8').slice(offset);

beforeAll(() => {
  host = startHost('single');
  buildExampleImage();
  cleanupHost(names, host);
  removeReleaseTags(names, undefined);
  runnerTemp = mkdtempSync(path.join(os.tmpdir(), 'deploy-action-test-runner-temp-'));
  process.env.RUNNER_TEMP = runnerTemp;
  // The secret sits in the step environment, as on a runner; local children must not inherit it.
  process.env.DEPLOY_TEST_DB_PASSWORD = SECRET;
  sampler = new ProcSampler([token]);
  sampler.start();
  restoreWrites = captureOutput();
});

afterAll(() => {
  restoreWrites?.();
  // Step timings, for the record.
  for (const s of summaries) {
    process.stdout.write(
      `${s.version} ${s.ok ? 'ok' : 'failed'} ${s.elapsedMs}ms: ${s.hosts.map((h) => `${h.host} ${h.status} [${h.steps.map((t) => `${t.step} ${t.ms}`).join(', ')}]`).join('; ')}\n`,
    );
  }
  sampler?.stop();
  delete process.env.DEPLOY_TEST_DB_PASSWORD;
  cleanupHost(names, host);
  removeReleaseTags(names, undefined);
  rmSync(runnerTemp, { recursive: true, force: true });
});

test('bad input is refused before connecting: unknown secret, ../x, non-tag event', () => {
  const before = sshdLogSize();
  const plan =
    (extra: Record<string, string>, event = tagEvent('1.0.0'), env: Record<string, string> = {}) =>
    () =>
      buildDeployPlan(
        parseDeployInputs(inputsFor(names, [host], extra), { ...ENV, ...env }),
        exampleSource(names, [], event),
      );

  expect(plan({ 'deploy-secrets': 'db_password=DEPLOY_TEST_DB_PASSWORD\napi_key=DEPLOY_TEST_DB_PASSWORD' })).toThrow(
    /secrets: api_key is not a secret of the prod compose files \(they declare db_password\)/,
  );
  expect(plan({ 'deploy-secrets': '../x=DEPLOY_TEST_DB_PASSWORD' })).toThrow(
    /secrets: "\.\.\/x" is not a valid secret name/,
  );
  expect(
    plan({}, { eventName: 'pull_request', ref: 'refs/pull/3/merge', sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678' }),
  ).toThrow(/allow-non-tag: deploy runs on a push of a version tag/);
  expect(
    plan({}, { eventName: 'push', ref: 'refs/heads/main', sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678' }),
  ).toThrow(/allow-non-tag/);
  // No connection reached sshd.
  expect(sshdLogSince(before)).toBe('');
});

test('deploys the example: secret 0400 owned by the runtime uid in the 0700 store, read by the container, healthy', async () => {
  const { summary, error, log } = await deploy('1.0.0');
  expect(error).toBeUndefined();
  expect(summary.ok).toBe(true);
  expect(deployOutputs(summary)).toEqual({
    version: '1.0.0',
    'previous-version': '',
    'deployed-hosts': `127.0.0.1:${host.SSH_PORT}`,
    release: '1.0.0',
    'deployed-at': expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    url: '',
    // SSH delivery: no registry push, so no digest.
    'image-digest': '',
  });
  expect(summary.imageRefs).toEqual([
    'deploy-action-test/doongzi-single:1.0.0',
    'deploy-action-test/doongzi-single:sha-a1b2c3d',
  ]);
  expect(summary.imageId).toBe(docker(undefined, ['image', 'inspect', '--format', '{{.Id}}', LOCAL_IMAGE]).trim());
  expect(summary.hosts[0]!.steps.map((s) => s.step)).toEqual([
    'connect',
    'lock',
    'preflight',
    'image',
    'upload',
    'secrets',
    'switch',
    'up',
    'prune',
  ]);
  expect(log.lines.join('\n')).toContain('is up and healthy at 1.0.0');

  const file = statSync(secretFile('1.0.0'));
  expect((file.mode & 0o777).toString(8)).toBe('400');
  expect([file.uid, file.gid]).toEqual([999, 999]);
  expect((statSync(path.dirname(secretFile('1.0.0'))).mode & 0o777).toString(8)).toBe('700');
  expect(readFileSync(secretFile('1.0.0'), 'utf8')).toBe(SECRET);
  expect(readdirSync(secretStore).sort()).toEqual([path.basename(secretFile('1.0.0')), 'key']);
  // The release itself holds no secret: the override points compose at the store.
  expect(existsSync(path.join(DEPLOY_PATH, 'releases/1.0.0/secrets'))).toBe(false);
  expect(readlinkSync(path.join(DEPLOY_PATH, 'current'))).toBe('releases/1.0.0');
  expect(readFileSync(path.join(DEPLOY_PATH, 'releases/1.0.0/.env.prod'), 'utf8')).toBe(
    'APP_ENV=prod\nDB_HOST=db.internal\n',
  );

  const c = containerOf(names, undefined)!;
  expect(c.image).toBe('deploy-action-test/doongzi-single:1.0.0');
  expect(c.health).toBe('healthy');
  // The container, as its own non-root user, reads the secret.
  expect(docker(undefined, ['exec', c.id, 'id', '-un']).trim()).toBe('appuser');
  expect(docker(undefined, ['exec', c.id, 'cat', '/run/secrets/db_password'])).toBe(SECRET);
  expect(
    docker(undefined, [
      'exec',
      c.id,
      'python',
      '-c',
      'from app.core.settings import db_password; print(db_password() is not None)',
    ]).trim(),
  ).toBe('True');
  // docker inspect shows the file, not the password.
  expect(docker(undefined, ['inspect', c.id])).not.toContain(token);
});

test('a release whose healthcheck fails is rolled back; 1.0.0 runs again', async () => {
  const { summary, error } = await deploy('1.1.0', { overrides: ['failing-health.yml'] });
  expect(error).toBeInstanceOf(DeployFailedError);
  expect(error!.message).toMatch(/127\.0\.0\.1:\d+: (docker compose up failed|the services were not healthy)/);
  expect(error!.message).toMatch(/service app \(deploy-action-test-single-app-1\): .*unhealthy/);
  expect(error!.message).toContain('last health probe: exit 1');
  expect(error!.message).toContain('Rolled back: 127.0.0.1');
  expect(summary.ok).toBe(false);
  expect(summary.previousVersion).toBe('1.0.0');
  expect(summary.deployedHosts).toEqual([]);
  expect(summary.hosts[0]).toMatchObject({
    status: 'rolled-back',
    previousVersion: '1.0.0',
    rollback: { status: 'rolled-back', toVersion: '1.0.0' },
  });
  expect(formatDeploySummary(summary)).toContain('rolled-back → 1.0.0');

  expect(readlinkSync(path.join(DEPLOY_PATH, 'current'))).toBe('releases/1.0.0');
  const c = containerOf(names, undefined)!;
  expect(c.image).toBe('deploy-action-test/doongzi-single:1.0.0');
  expect(c.health).toBe('healthy');
});

test('a wrong host key is refused before authentication, with both fingerprints', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'deploy-action-test-key-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'k')]);
  const impostor = readFileSync(path.join(dir, 'k.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
  rmSync(dir, { recursive: true });
  const real = readFileSync(host.KNOWN_HOSTS, 'utf8').trim().split(' ')[2]!;
  const before = sshdLogSize();

  const { error, summary } = await deploy('1.2.0', {
    extra: { 'ssh-known-hosts': `[127.0.0.1]:${host.SSH_PORT} ${impostor}\n` },
  });
  expect(error!.message).toContain(`host key mismatch for [127.0.0.1]:${host.SSH_PORT}`);
  expect(error!.message).toContain(
    `expects ssh-ed25519 ${fingerprint(Buffer.from(impostor.split(' ')[1]!, 'base64'))}`,
  );
  expect(error!.message).toContain(`offered ssh-ed25519 ${fingerprint(Buffer.from(real, 'base64'))}`);
  expect(error!.message).toContain('Refused before authentication');
  expect(summary.hosts[0]!.status).toBe('unchanged');
  await new Promise((r) => setTimeout(r, 300));
  const sshd = sshdLogSince(before);
  expect(sshd).toMatch(/Connection from 127\.0\.0\.1/);
  // sshd never saw an authentication attempt on that connection.
  expect(sshd).not.toMatch(/publickey|Accepted|Failed|authenticating user/);
});

test('a wrong private key gives a clear error', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'deploy-action-test-key-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'k')]);
  const key = readFileSync(path.join(dir, 'k'), 'utf8');
  rmSync(dir, { recursive: true });
  const { error } = await deploy('1.2.0', { extra: { 'ssh-key': key } });
  expect(error!.message).toMatch(
    new RegExp(
      `SSH authentication failed for deployer@127\\.0\\.0\\.1:${host.SSH_PORT}: the server refused the private key from ssh-key \\(ssh-ed25519 SHA256:`,
    ),
  );
  expect(containerOf(names, undefined)!.image).toBe('deploy-action-test/doongzi-single:1.0.0');
});

test('sshd killed mid-deploy: clear error, no partial secret file, 1.0.0 still running', async () => {
  // A large secret keeps the upload in flight long enough to cut it.
  const big = `pw-${token}-big-${randomBytes(9 * 1024 * 1024).toString('base64')}`;
  const secretsDir = secretStore;
  const storedBefore = readdirSync(secretsDir).sort();
  let killed = false;
  const watcher = setInterval(() => {
    if (killed || !existsSync(secretsDir)) return;
    if (!readdirSync(secretsDir).some((f) => f.includes('.tmp-'))) return;
    killed = true;
    // The listener and every sshd under it (monitor and session processes), by pid; not the user's commands.
    const master = Number(readFileSync(host.SSHD_PIDFILE, 'utf8'));
    const table = execFileSync('ps', ['-e', '-o', 'pid=,ppid=,comm='], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/));
    const tree = [master];
    for (let i = 0; i < tree.length; i++) {
      for (const [pid, ppid, comm] of table) if (Number(ppid) === tree[i] && comm === 'sshd') tree.push(Number(pid));
    }
    for (const pid of tree) process.kill(pid, 'SIGKILL');
  }, 2);
  let result: Awaited<ReturnType<typeof deploy>>;
  try {
    result = await deploy('1.2.0', { env: { DEPLOY_TEST_DB_PASSWORD: big } });
  } finally {
    clearInterval(watcher);
    host = startHost('single');
  }
  expect(killed).toBe(true);
  expect(result.error!.message).toMatch(
    /127\.0\.0\.1:\d+: secret db_password: .*connection .*lost|connection to .* lost/s,
  );
  expect(result.error!.message).toContain('No host was switched to the new release');
  expect(result.summary.hosts[0]!.rollback).toMatchObject({ status: 'not-needed' });

  // The interrupted upload's temp file is removed by its own trap; give the orphaned remote shell a moment.
  const temps = () => readdirSync(secretsDir).filter((f) => f.includes('.tmp-'));
  for (let i = 0; i < 50 && temps().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  expect(readdirSync(secretsDir).sort()).toEqual(storedBefore);
  expect(readlinkSync(path.join(DEPLOY_PATH, 'current'))).toBe('releases/1.0.0');
  const c = containerOf(names, undefined)!;
  expect(c.image).toBe('deploy-action-test/doongzi-single:1.0.0');
  expect(c.health).toBe('healthy');
});

test('the secret value appeared nowhere: output, log, summaries, RUNNER_TEMP, process list and environments', () => {
  sampler.stop();
  restoreWrites?.();
  restoreWrites = undefined;
  expect(sampler.samples).toBeGreaterThan(100);
  expect(sampler.hits).toEqual([]);
  expect(printed.join('')).not.toContain(token);
  expect(logs.join('\n')).not.toContain(token);
  for (const s of summaries) {
    expect(JSON.stringify(s)).not.toContain(token);
    expect(formatDeploySummary(s)).not.toContain(token);
  }
  const grep = spawnSync('grep', ['-rl', token, runnerTemp], { encoding: 'utf8' });
  expect(grep.status).toBe(1); // 1: searched, no match
  expect(grep.stdout).toBe('');
  // What the entry point masks covers each line of the multi-line value.
  const masked = valuesToMask(parseDeployInputs(inputsFor(names, [host]), ENV));
  expect(masked).toEqual(expect.arrayContaining([SECRET, `pw-${token}`, `second line 'quoted' $HOME ${token}-end`]));
});
