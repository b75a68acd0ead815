/** `mode: rollback` with `deploy-target: swarm`: the stack file read back, and the state machine against a scripted manager. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { utils } from 'ssh2';
import { DeployInputError, parseDeployInputs } from '../../src/deploy/inputs.js';
import { parseRecords } from '../../src/deploy/remote/script.js';
import { releaseStackFilesScript } from '../../src/deploy/remote/scripts/swarm-releases.js';
import { buildRollbackPlan } from '../../src/deploy/rollback-plan.js';
import { runRollback } from '../../src/deploy/run-rollback.js';
import { readReleaseStack, readReleaseStackFiles } from '../../src/deploy/stack-release.js';
import { DeployFailedError, deployOutputs, formatDeploySummary, type DeploySummary } from '../../src/deploy/summary.js';
import type { SwarmService, SwarmTask } from '../../src/deploy/swarm-state.js';
import { type Call, FakeClock, type Hold, log, records, ScriptedShell } from './deploy-scripted-shell.js';

const keys = utils.generateKeyPairSync('ed25519');
const hostKey = utils.generateKeyPairSync('ed25519').public;
const DEPLOY_PATH = '/srv/st';
const STACK_FILE = 'docker-stack.deploy-action.yml';
const image = (v: string) => `doongzi/backend:${v}`;
const secretOf = (v: string) => `st_db_password_${v.replace(/\./g, '').padStart(12, '0')}`;

const manifest = (version: string, deployedAt: string, over: Record<string, unknown> = {}) =>
  JSON.stringify({
    version,
    project: 'st',
    composeFiles: [STACK_FILE],
    image: `${image(version)} sha256:${version}`,
    deployedAt,
    ...over,
  });
const stackFile = (version: string) =>
  `# Written by deploy-action\nversion: '3.9'\nservices:\n  app:\n    image: ${image(version)}\n    secrets:\n      - source: db_password\n        target: db_password\n  cache:\n    image: redis:7\nsecrets:\n  db_password:\n    external: true\n    name: ${secretOf(version)}\n`;

const RELEASES: Record<string, string> = {
  '1.0.0': manifest('1.0.0', '2026-01-01T10:00:00.000Z'),
  '1.1.0': manifest('1.1.0', '2026-01-02T10:00:00.000Z'),
};

interface Scene {
  releases?: Record<string, string>;
  stacks?: Record<string, string>;
  secrets?: string[];
  /** The image ID `docker image inspect` reports per reference; absent: the image is gone. */
  images?: Record<string, string>;
  /** A release whose stack deploy Swarm rolls back (its tasks fail). */
  failing?: string;
  nodes?: number;
}

/** A single-node manager whose stack runs 1.1.0; a stack deploy makes the service run that release's image. */
function manager(scene: Scene) {
  const releases = scene.releases ?? RELEASES;
  const stacks = scene.stacks ?? { '1.0.0': stackFile('1.0.0'), '1.1.0': stackFile('1.1.0') };
  const images = scene.images ?? { [image('1.0.0')]: 'sha256:1.0.0' };
  let running = image('1.1.0');
  let update: NonNullable<SwarmService['UpdateStatus']> = { State: 'completed', StartedAt: 't0' };
  let deploys = 0;
  return (c: Call) => {
    if (c.name === 'swarm-preflight') {
      return {
        stdout: records([
          ['swarm', `active true ${scene.nodes ?? 1}`],
          ['detach', 'no'],
          ['requested', DEPLOY_PATH],
          ['path', DEPLOY_PATH],
          ['current', 'releases/1.1.0'],
          ['manifest', releases['1.1.0'] ?? ''],
        ]),
      };
    }
    if (c.name === 'list-release-manifests') {
      return { stdout: records(Object.entries(releases).map(([d, m]): [string, string] => ['release', `${d}/${m}`])) };
    }
    if (c.name === 'release-stack-files') {
      return { stdout: records(Object.entries(stacks).map(([d, t]): [string, string] => ['stack', `${d}/${t}`])) };
    }
    if (c.name === 'secret-list') {
      const names = scene.secrets ?? [secretOf('1.0.0'), secretOf('1.1.0')];
      return { stdout: records(names.map((n): [string, string] => ['secret', n])) };
    }
    if (c.name === 'image-probe') {
      const ref = /inspect --format '\{\{\.Id\}\}' -- '([^']+)'/.exec(c.text)![1]!;
      return images[ref] ? { stdout: `${images[ref]}\n` } : { code: 1, stderr: `Error: No such image: ${ref}` };
    }
    if (c.name === 'stack-deploy') {
      const dir = /releases\/([^'/]+)/.exec(c.text)![1]!;
      deploys++;
      if (dir === scene.failing) update = { State: 'rollback_completed', StartedAt: `t${deploys}`, Message: 'x' };
      else {
        running = image(dir);
        update = { State: 'completed', StartedAt: `t${deploys}` };
      }
      return {};
    }
    if (c.name === 'stack-state') {
      const svc = (id: string, name: string, img: string): SwarmService => ({
        ID: id,
        Spec: { Name: name, TaskTemplate: { ContainerSpec: { Image: img } }, Mode: { Replicated: { Replicas: 1 } } },
        UpdateStatus: update,
      });
      const task = (id: string, img: string): SwarmTask => ({
        ID: `t-${img}`,
        ServiceID: id,
        DesiredState: 'running',
        Spec: { ContainerSpec: { Image: img } },
        Status: { State: 'running', Timestamp: '2026-01-03T00:00:00Z' },
      });
      const services = [svc('s1', 'st_app', running), svc('s2', 'st_cache', 'redis:7')];
      const tasks = [task('s1', running), task('s2', 'redis:7')];
      return { stdout: `${JSON.stringify(services)}\n@@tasks@@\n${JSON.stringify(tasks)}\n` };
    }
    if (c.name === 'service-logs') return { stdout: 'boot failed\n' };
    return undefined;
  };
}

const inputs = (over: Record<string, string> = {}) =>
  parseDeployInputs(
    (n) =>
      ({
        'ssh-host': 'mgr.example',
        'ssh-user': 'deployer',
        'ssh-key': keys.private,
        'ssh-known-hosts': `mgr.example ${hostKey}`,
        'deploy-path': DEPLOY_PATH,
        'deploy-target': 'swarm',
        'health-timeout': '30',
        ...over,
      })[n] ?? '',
    { GITHUB_REPOSITORY: 'doongzi/app' },
  );

async function rollback(scene: Scene, over: Record<string, string> = {}) {
  const calls: Call[] = [];
  const holds: Hold[] = [];
  const script = manager(scene);
  const connect = async () => new ScriptedShell('mgr.example', script, calls, holds);
  let summary: DeploySummary;
  let error: Error | undefined;
  try {
    summary = await runRollback(buildRollbackPlan(inputs(over)), log(), connect, new FakeClock());
  } catch (e) {
    error = e as Error;
    summary = (e as DeployFailedError).summary;
  }
  const names = calls.map((c) => c.name);
  const deployed = calls.filter((c) => c.name === 'stack-deploy').map((c) => /releases\/([^'/]+)/.exec(c.text)![1]);
  const switched = calls.filter((c) => c.name === 'switch-current').map((c) => /releases\/([^' ]+)/.exec(c.text)![1]);
  return { calls, holds, summary, error, names, deployed, switched };
}

describe('readReleaseStack', () => {
  test('services, the ones on the release image, and the external secrets', () => {
    expect(readReleaseStack(stackFile('1.0.0'), image('1.0.0'))).toEqual({
      ok: true,
      stack: { services: ['app', 'cache'], pinnedServices: ['app'], secrets: [secretOf('1.0.0')] },
    });
    expect(readReleaseStack(stackFile('1.0.0'), '')).toMatchObject({ ok: true, stack: { pinnedServices: [] } });
  });

  test('what the deploy does not write is refused', () => {
    expect(readReleaseStack('services: [', 'x')).toMatchObject({ ok: false, problem: /^it is not YAML/ });
    expect(readReleaseStack('services: {}\n', 'x')).toEqual({ ok: false, problem: 'it declares no services' });
    expect(readReleaseStack('services: {a: {}}\nsecrets: {p: {file: ./p}}\n', 'x')).toEqual({
      ok: false,
      problem: 'its secret "p" is not an external secret by name',
    });
    expect(
      readReleaseStack("services: {a: {}}\nsecrets: {p: {external: true, name: 'x; rm -rf /'}}\n", 'x'),
    ).toMatchObject({ ok: false });
  });
});

test('the stack files script, run by /bin/sh: each release that holds the file (NULs dropped), no linked one', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'h-swarm-rb-'));
  try {
    for (const d of ['1.0.0', '1.1.0', 'bare']) mkdirSync(path.join(dir, 'releases', d), { recursive: true });
    writeFileSync(path.join(dir, 'releases/1.0.0', STACK_FILE), stackFile('1.0.0'));
    writeFileSync(path.join(dir, 'releases/1.1.0', STACK_FILE), `${stackFile('1.1.0')}\0`);
    symlinkSync('1.0.0', path.join(dir, 'releases/linked'));
    const r = spawnSync('/bin/sh', ['-c', releaseStackFilesScript(dir, STACK_FILE).text], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(Object.fromEntries(readReleaseStackFiles(parseRecords(r.stdout)))).toEqual({
      '1.0.0': stackFile('1.0.0'),
      '1.1.0': stackFile('1.1.0'),
    });
    const none = releaseStackFilesScript(path.join(dir, 'releases/bare'), STACK_FILE);
    const r2 = spawnSync('/bin/sh', ['-c', none.text], { encoding: 'utf8' });
    expect(r2.status).toBe(none.exits.noReleases);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the plan: swarm is taken, with one manager; project-name names the stack', () => {
  expect(buildRollbackPlan(inputs())).toMatchObject({ target: 'swarm', image: { delivery: 'ssh' } });
  expect(buildRollbackPlan(inputs()).stack).toBeUndefined();
  expect(buildRollbackPlan(inputs({ 'project-name': 'st' })).stack).toBe('st');
  expect(() => inputs({ 'ssh-host': 'mgr.example\nother.example' })).toThrow(DeployInputError);
});

test('rolls the stack back under the deploy lock: the previous stack file deployed, converged, then current switched', async () => {
  const r = await rollback({});
  expect(r.error).toBeUndefined();
  expect(r.names).toEqual([
    'swarm-preflight',
    'list-release-manifests',
    'release-stack-files',
    'release-stack-files',
    'stack-state',
    'secret-list',
    'image-probe',
    'stack-state',
    'stack-deploy',
    'stack-state',
    'switch-current',
  ]);
  expect(r.holds).toEqual([expect.objectContaining({ name: 'deploy-lock', takenAt: 0, releasedAt: r.calls.length })]);
  const deploy = r.calls.find((c) => c.name === 'stack-deploy')!;
  expect(deploy.text).toContain("cd -- '/srv/st/releases/1.0.0'");
  expect(deploy.text).toContain(`--resolve-image 'never' -c '${STACK_FILE}' -- 'st'`);
  expect(r.switched).toEqual(['1.0.0']);
  expect(deployOutputs(r.summary)).toMatchObject({
    version: '1.0.0',
    'previous-version': '1.1.0',
    release: '1.0.0',
    'deployed-hosts': 'mgr.example:22',
  });
  expect(deployOutputs(r.summary)['deployed-at']).toMatch(/^2026-01-01T/);
  expect(r.summary.hosts[0]!.steps.map((s) => s.step)).toEqual([
    'connect',
    'lock',
    'preflight',
    'deploy',
    'converge',
    'switch',
  ]);
  expect(formatDeploySummary(r.summary)).toContain('## Rollback succeeded: 1.0.0');
});

test('Swarm rolls the previous release back: the live one is deployed again, current never moves, the run fails', async () => {
  const r = await rollback({ failing: '1.0.0' });
  expect(r.error).toBeInstanceOf(DeployFailedError);
  expect(r.error!.message).toMatch(/rollback to 1\.0\.0 failed: mgr\.example:22: service st_app: rollback completed/);
  expect(r.error!.message).toContain('switched back: the stack st runs 1.1.0 (releases/1.1.0) again');
  expect(r.deployed).toEqual(['1.0.0', '1.1.0']);
  expect(r.switched).toEqual([]);
  expect(r.summary.hosts[0]).toMatchObject({
    status: 'failed',
    rollback: { status: 'failed', toVersion: '1.1.0' },
  });
  expect(deployOutputs(r.summary)).toMatchObject({ version: '', release: '', 'deployed-at': '' });
});

const refusals: Array<[string, Scene, RegExp]> = [
  [
    'nothing older than the live release',
    { releases: { '1.1.0': RELEASES['1.1.0']! } },
    /cannot roll back: no release older than the live 1\.1\.0 \(releases\/1\.1\.0\) with a valid manifest is on this host; nothing was changed$/,
  ],
  [
    "the previous release's secret is gone (pruned before kept releases kept theirs)",
    { secrets: [secretOf('1.1.0')] },
    /releases\/1\.0\.0 \(1\.0\.0\) names the secret st_db_password_000000000100, no longer on the manager .*; re-run the deploy of tag 1\.0\.0 instead; nothing was changed$/,
  ],
  [
    "the previous release's image is gone from the manager",
    { images: {} },
    /the image doongzi\/backend:1\.0\.0 of 1\.0\.0 is no longer on the manager .*re-run the deploy of tag 1\.0\.0/,
  ],
  [
    "the previous release's tag now names another image",
    { images: { [image('1.0.0')]: 'sha256:other' } },
    /the tag doongzi\/backend:1\.0\.0 on the manager now names the image sha256:other, not sha256:1\.0\.0/,
  ],
  [
    'the previous release was a compose deploy',
    {
      releases: {
        ...RELEASES,
        '1.0.0': manifest('1.0.0', '2026-01-01T10:00:00.000Z', { composeFiles: ['docker-compose.yml', 'o.yml'] }),
      },
    },
    /releases\/1\.0\.0 was deployed with deploy-target compose/,
  ],
  [
    "the previous release's stack file does not parse",
    { stacks: { '1.0.0': 'services: [', '1.1.0': stackFile('1.1.0') } },
    /releases\/1\.0\.0\/docker-stack\.deploy-action\.yml: it is not YAML/,
  ],
  ['image-delivery ssh on a swarm of several nodes', { nodes: 3 }, /the swarm has 3 nodes/],
];

test.each(refusals)('refused before anything changes: %s', async (_what, scene, message) => {
  const r = await rollback(scene);
  expect(r.error).toBeInstanceOf(DeployFailedError);
  expect(r.error!.message).toMatch(/^Rollback failed: mgr\.example:22: cannot roll back: /);
  expect(r.error!.message).toMatch(message);
  expect(r.names.filter((n) => ['stack-deploy', 'switch-current', 'secret-rm', 'secret-create'].includes(n))).toEqual(
    [],
  );
  expect(r.summary.hosts[0]!.status).toBe('failed');
});

test('project-name other than the live release names: refused', async () => {
  const r = await rollback({}, { 'project-name': 'other' });
  expect(r.error!.message).toMatch(/the live release \(releases\/1\.1\.0\) is of the stack st, not project-name other/);
  expect(r.deployed).toEqual([]);
});

test('image-delivery registry: no image check on the manager; the login goes to the stack deploy on stdin', async () => {
  const r = await rollback(
    { images: {} },
    {
      'image-delivery': 'registry',
      registry: 'registry.test:5000',
      'registry-username': 'ci',
      'registry-password': 'reg-pass',
    },
  );
  expect(r.error).toBeUndefined();
  expect(r.names).not.toContain('image-probe');
  const deploy = r.calls.find((c) => c.name === 'stack-deploy')!;
  expect(deploy.text).toContain("--resolve-image 'always' --with-registry-auth");
  expect(deploy.text).not.toContain('reg-pass');
  expect(deploy.stdin?.toString()).toBe('reg-pass');
});
