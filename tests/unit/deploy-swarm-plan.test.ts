/**
 * `mode: plan` with `deploy-target: swarm` against a scripted manager. The live release is what a real `SwarmTarget`
 * deploy of 1.0.0 uploads (its stack file and env file, captured from the upload calls), so the plan's rendering is
 * held to the deploy's own. A plan runs only read-only scripts; a rotated secret, a changed env file and the new
 * image show as the app service's spec changes, by key; a manager that is not one, or cannot be reached, gets its
 * error.
 */
import { createHash } from 'node:crypto';
import { utils } from 'ssh2';
import { parseDeployInputs } from '../../src/deploy/inputs.js';
import type { LocalDocker } from '../../src/deploy/local-docker.js';
import { buildDeployPlan, type DeploySource } from '../../src/deploy/plan.js';
import { formatPlanMarkdown } from '../../src/deploy/plan-mode/format.js';
import { runPlan } from '../../src/deploy/plan-mode/run-plan.js';
import { diffStack } from '../../src/deploy/plan-mode/stack-diff.js';
import { planSwarm } from '../../src/deploy/plan-mode/swarm-plan.js';
import { SwarmTarget } from '../../src/deploy/targets/swarm.js';
import { type Call, FakeClock, log, records, ScriptedShell } from './deploy-scripted-shell.js';

const keys = utils.generateKeyPairSync('ed25519');
const hostKey = utils.generateKeyPairSync('ed25519').public;
const LOCAL = { id: 'sha256:abc', size: 9_000_000, diffIds: ['sha256:l0', 'sha256:l1', 'sha256:l2'] };
const READ_ONLY = new Set(['swarm-plan-read', 'image-probe', 'image-layers']);
const STACK_FILE = 'docker-stack.deploy-action.yml';

const source = (version: string): DeploySource => ({
  projectName: 'st',
  composeFiles: [{ path: 'deploy/docker-compose.yml', content: 'services: {}\n' }],
  buildServices: ['app'],
  secretFiles: [{ name: 'db_password', file: 'secrets/db_password.txt', services: ['app'] }],
  envFiles: ['.env.prod'],
  runtimeUser: { uid: 999, gid: 999 },
  image: { localRef: 'sha256:abc', repository: 'doongzi/backend' },
  event: { eventName: 'push', ref: `refs/tags/v${version}`, sha: '0123456789abcdef0123456789abcdef01234567' },
  stackConfig: {
    services: {
      app: {
        image: 'doongzi/backend:dev',
        env_file: ['.env.prod'],
        secrets: [{ source: 'db_password', target: 'db_password' }],
      },
      cache: { image: 'redis:7' },
    },
    secrets: { db_password: { file: '/x/secrets/db_password.txt' } },
  },
});

const plan = (version: string, password: string, env: string, over: Record<string, string> = {}) =>
  buildDeployPlan(
    parseDeployInputs(
      (n) =>
        ({
          'ssh-host': 'mgr.example',
          'ssh-user': 'deployer',
          'ssh-key': keys.private,
          'ssh-known-hosts': `mgr.example ${hostKey}`,
          'deploy-path': '/srv/st',
          'deploy-target': 'swarm',
          'deploy-secrets': 'db_password=DB_PASSWORD',
          'env-file': env,
          ...over,
        })[n] ?? '',
      { DB_PASSWORD: password, GITHUB_REPOSITORY: 'doongzi/app' },
    ),
    source(version),
  );

const body = (c: Call) => c.stdin!.subarray(c.stdin!.indexOf(10) + 1);
/** The stack as Swarm reports it once converged: each service with one running task of its image. */
const running = (images: Record<string, string>) => {
  const ids = Object.keys(images);
  const services = ids.map((n) => ({
    ID: n,
    Spec: { Name: `st_${n}`, TaskTemplate: { ContainerSpec: { Image: images[n] } } },
  }));
  const tasks = ids.map((n) => ({
    ID: `t-${n}`,
    ServiceID: n,
    DesiredState: 'running',
    Spec: { ContainerSpec: { Image: images[n] } },
    Status: { State: 'running' },
  }));
  return `${JSON.stringify(services)}\n@@tasks@@\n${JSON.stringify(tasks)}\n`;
};

/** Deploys 1.0.0 through the real SwarmTarget on a scripted, empty manager; returns what it uploaded and created. */
async function deployedV1(password: string, env: string) {
  const p = plan('1.0.0', password, env);
  const calls: Call[] = [];
  const shell = new ScriptedShell(
    'mgr.example',
    (c) => {
      if (c.name === 'swarm-preflight')
        return {
          stdout: records([
            ['swarm', 'active true 1'],
            ['detach', 'no'],
            ['requested', '/srv/st'],
            ['path', '/srv/st'],
          ]),
        };
      if (c.name === 'image-probe') return { stdout: 'sha256:abc\n' };
      if (c.name === 'stack-state') return { stdout: running({ app: 'doongzi/backend:1.0.0', cache: 'redis:7' }) };
      if (c.name === 'list-releases') return { stdout: records([['now', '100']]) };
      return undefined;
    },
    calls,
  );
  await new SwarmTarget(p, log(), async () => shell, new FakeClock()).deploy(LOCAL, {} as LocalDocker);
  const uploaded = (f: string) => body(calls.find((c) => c.label === `upload ${f}`)!).toString();
  return {
    stack: uploaded(STACK_FILE),
    env: uploaded('.env.prod'),
    manifest: body(calls.find((c) => c.label === 'write manifest')!).toString(),
    secret: p.swarm!.secretNames['db_password']!,
  };
}

type Live = Awaited<ReturnType<typeof deployedV1>>;

function manager(v1: Live, opts: { nodes?: number; imagePresent?: boolean } = {}) {
  return (c: Call) => {
    if (c.name === 'swarm-plan-read') {
      return {
        stdout: records([
          ['swarm', `active true ${opts.nodes ?? 1}`],
          ['service', 'st_app 1.0.0'],
          ['service', 'st_cache 1.0.0'],
          ['secret', v1.secret],
          ['requested', '/srv/st'],
          ['path', '/srv/st'],
          ['current', 'releases/1.0.0'],
          ['manifest', v1.manifest],
          ['stack', v1.stack],
          ['live', `.env.prod ${createHash('sha256').update(v1.env).digest('hex')}`],
        ]),
      };
    }
    if (c.name === 'image-probe') return opts.imagePresent ? { stdout: `${LOCAL.id}\n` } : { code: 1 };
    if (c.name === 'image-layers')
      return {
        stdout: records([
          ['driver', '[]'],
          ['chain', 'sha256:l0,sha256:l1'],
        ]),
      };
    return { code: 99, stderr: `unexpected script ${c.name}` };
  };
}

test('1.1.0 with a rotated secret and a changed env file: app updates (image, secret, env file), cache does not; only reads', async () => {
  const v1 = await deployedV1('old-value', 'APP_ENV=prod\n');
  const p = plan('1.1.0', 'new-value', 'APP_ENV=prod\nFEATURE=on\n');
  const calls: Call[] = [];
  const drops: number[][] = [];
  const r = await planSwarm(
    p,
    'mgr.example',
    new ScriptedShell('mgr.example', manager(v1), calls),
    LOCAL,
    async (d) => {
      drops.push([...d]);
      return 2345;
    },
  );
  expect(r.error).toBeUndefined();
  expect(r.liveVersion).toBe('1.0.0');
  expect(r.services).toEqual([
    { service: 'app', action: 'update', detail: 'image, secret db_password, env file .env.prod' },
    { service: 'cache', action: 'unchanged' },
  ]);
  const rotated = p.swarm!.secretNames['db_password']!;
  expect(rotated).not.toBe(v1.secret);
  expect(r.secrets).toEqual([{ name: 'db_password', change: 'rotate', as: rotated }]);
  expect(r.files).toEqual([
    { path: STACK_FILE, change: 'changed' },
    { path: '.env.prod', change: 'changed' },
  ]);
  expect(drops).toEqual([[0, 1]]);
  expect(r.image).toEqual({ method: 'stream', uncompressedBytes: 2345, layersTotal: 3, layersSent: 1 });
  expect(r.notes).toContain(
    `after a deploy, the stack's secrets no service refers to any more are removed: ${v1.secret}`,
  );
  expect(calls.map((c) => c.name).every((n) => READ_ONLY.has(n))).toBe(true);
  expect(calls.some((c) => c.stdin !== undefined)).toBe(false);
  const md = formatPlanMarkdown({ version: '1.1.0', image: 'img', hosts: [r] });
  expect(md).toContain('| version | 1.0.0 → 1.1.0 |');
  expect(md).toContain(`db_password as ${rotated} (rotate)`);
  expect(md).toContain('app (update: image, secret db_password, env file .env.prod)');
  expect(md).toContain('2.3 kB uncompressed');
  expect(md + JSON.stringify(r)).not.toMatch(/new-value|old-value|FEATURE/);
});

test('the deployed release planned again: the stack file differs only by its release label, so no service changes', async () => {
  const v1 = await deployedV1('same', 'APP_ENV=prod\n');
  const r = await planSwarm(
    plan('1.0.0', 'same', 'APP_ENV=prod\n'),
    'mgr.example',
    new ScriptedShell('mgr.example', manager(v1, { imagePresent: true }), []),
    LOCAL,
    async () => {
      throw new Error('no layer count when the image is present');
    },
  );
  expect(r.error).toBeUndefined();
  expect(r.image).toEqual({ method: 'present' });
  expect(r.services.map((s) => s.action)).toEqual(['unchanged', 'unchanged']);
  expect(r.secrets).toEqual([{ name: 'db_password', change: 'unchanged', as: v1.secret }]);
  expect(r.files.find((f) => f.path === '.env.prod')!.change).toBe('unchanged');
});

test('a release label alone is no change; a service added, one dropped, an unreadable live file is a note', () => {
  const v = (version: string, extra = '') =>
    `services:\n  app:\n    image: a:1\n    deploy:\n      labels:\n        com.doongzi.deploy-action.version: ${version}\n${extra}`;
  expect(diffStack({ next: v('2'), live: v('1'), changedEnvFiles: new Set(), running: ['app'] }).services).toEqual([
    { service: 'app', action: 'unchanged' },
  ]);
  const d = diffStack({
    next: v('2', '  worker:\n    image: w:1\n'),
    live: v('1', '  old:\n    image: o:1\n'),
    changedEnvFiles: new Set(),
    running: ['app', 'old', 'stray'],
  });
  expect(d.services).toEqual([
    { service: 'app', action: 'unchanged' },
    { service: 'worker', action: 'create' },
    { service: 'old', action: 'remove' },
    { service: 'stray', action: 'remove' },
  ]);
  const bad = diffStack({ next: v('2'), live: 'services: [', changedEnvFiles: new Set(), running: ['app'] });
  expect(bad.services).toEqual([{ service: 'app', action: 'update', detail: 'not in the live stack file' }]);
  expect(bad.notes[0]).toMatch(/^the live release's stack file cannot be compared: it does not parse as YAML/);
});

test('ssh delivery to a swarm of three: the plan says the deploy would stop at the image step', async () => {
  const v1 = await deployedV1('x', '');
  const r = await planSwarm(
    plan('1.1.0', 'x', ''),
    'mgr.example',
    new ScriptedShell('mgr.example', manager(v1, { nodes: 3, imagePresent: true }), []),
    LOCAL,
    async () => 0,
  );
  expect(r.notes.join('\n')).toContain('a deploy would stop at the image step');
});

test('registry delivery: the manager lacks the image, so it and every node pull it; nothing is counted to send', async () => {
  const v1 = await deployedV1('x', '');
  const p = plan('1.1.0', 'x', '', { 'image-delivery': 'registry', registry: '127.0.0.1:5000' });
  const r = await planSwarm(
    p,
    'mgr.example',
    new ScriptedShell('mgr.example', manager(v1, { nodes: 2 }), []),
    LOCAL,
    async () => {
      throw new Error('registry delivery streams nothing');
    },
  );
  expect(r.image).toEqual({ method: 'pull' });
  expect(r.notes.join('\n')).toContain("each of the swarm's 2 node(s) pulls it by digest");
  expect(r.notes.join('\n')).not.toContain('would stop at the image step');
});

test('a host that is no manager, and a manager that cannot be reached: each a clear error, nothing thrown', async () => {
  const p = plan('1.1.0', 'x', '');
  const notManager = await planSwarm(
    p,
    'mgr.example',
    new ScriptedShell(
      'mgr.example',
      () => ({
        code: 13,
        stderr: "this host is not a Swarm manager (docker info: inactive false 0); run 'docker swarm init' on it",
      }),
      [],
    ),
    LOCAL,
    async () => 0,
  );
  expect(notManager.error).toMatch(/^preflight: this host is not a Swarm manager \(docker info: inactive false 0\)/);

  const l = log();
  const fleet = await runPlan(p, l, {
    connect: async () => {
      throw new Error('connect ECONNREFUSED mgr.example:22');
    },
    local: LOCAL,
    docker: {} as LocalDocker,
  });
  expect(fleet.hosts.map((h) => h.error)).toEqual(['connect: connect ECONNREFUSED mgr.example:22']);
  expect(l.lines).toContain('group Plan 1.1.0 of the swarm stack st via mgr.example:22');
  expect(l.lines).toContain('warning mgr.example:22: connect: connect ECONNREFUSED mgr.example:22');
});
