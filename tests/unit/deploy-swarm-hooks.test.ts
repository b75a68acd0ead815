/**
 * The swarm target's hooks: the job read from the rendered stack file, the job script under /bin/sh with a `docker`
 * shim, and the order and failures of pre-deploy and post-deploy against a scripted manager.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { utils } from 'ssh2';
import type { LocalDocker } from '../../src/deploy/local-docker.js';
import { jobCreateScript, jobRemoveScript } from '../../src/deploy/remote/scripts/swarm-job.js';
import { renderStackFile } from '../../src/deploy/stack-file.js';
import { swarmJobSpec } from '../../src/deploy/swarm-job-spec.js';
import type { SwarmService, SwarmTask } from '../../src/deploy/swarm-state.js';
import { SwarmTarget } from '../../src/deploy/targets/swarm.js';
import { type Call, FakeClock, log, records, ScriptedShell, scriptedSwarmPlan } from './deploy-scripted-shell.js';

const keys = utils.generateKeyPairSync('ed25519');
const hostKey = utils.generateKeyPairSync('ed25519').public;

const STACK_CONFIG = {
  services: {
    app: {
      image: 'doongzi/backend:dev',
      secrets: [{ source: 'db_password', target: '/run/secrets/db_password' }],
      environment: { APP_ENV: 'prod', PRICE: 'a$$b' },
      env_file: ['deploy/.env.prod'],
      networks: { hostnet: null, backend: null },
      volumes: [
        { type: 'bind', source: '/srv/db, "x"', target: '/data', read_only: true },
        { type: 'volume', source: 'cache', target: '/cache' },
      ],
      ports: [{ target: 8000, published: '8000' }],
      user: '999:999',
      working_dir: '/app',
      entrypoint: ['tini', '--', "it's"],
      init: true,
    },
  },
  networks: { hostnet: { external: true, name: 'host' }, backend: {} },
  volumes: { cache: {} },
  secrets: { db_password: { file: '/x/secrets/db_password.txt' } },
};

describe('the job, from the rendered stack file', () => {
  const stack = renderStackFile({
    config: STACK_CONFIG,
    image: 'doongzi/backend:1.2.0',
    buildServices: ['app'],
    secretNames: { db_password: 'st_db_password_0123456789ab' },
    runtimeUser: { uid: 999, gid: 998 },
    version: '1.2.0',
  });
  const spec = (service = 'app') =>
    swarmJobSpec({
      stackText: stack.text,
      stack: 'st',
      service,
      image: 'doongzi/backend:1.2.0',
      argv: ['alembic', 'upgrade', 'head'],
      releaseAbs: '/srv/st/releases/1.2.0',
      name: 'st-pre-deploy-1',
      labels: { 'com.doongzi.deploy-action.stack': 'st' },
      resolveImage: false,
    });

  test('secrets as the stack mounts them, stack-scoped networks and volumes, the env with $$ as $', () => {
    const j = spec();
    expect(j.secrets).toEqual([
      '"source=st_db_password_0123456789ab","target=db_password","uid=999","gid=998","mode=0400"',
    ]);
    expect(j.networks).toEqual(['host']);
    expect(j.stackNetworks).toEqual(['st_backend']);
    expect(j.mounts).toEqual([
      '"type=bind","source=/srv/db, ""x""","target=/data","readonly=true"',
      '"type=volume","source=st_cache","volume-label=com.docker.stack.namespace=st","target=/cache"',
    ]);
    expect(j.env).toEqual(['APP_ENV=prod', 'PRICE=a$b']);
    expect(j.envFiles).toEqual(['deploy/.env.prod']);
    expect(j).toMatchObject({ user: '999:999', workdir: '/app', init: true, entrypoint: `'tini' '--' 'it'\\''s'` });
    // No ports: a one-off must not take the service's published ports.
    expect(JSON.stringify(j)).not.toContain('8000');
  });

  test('a hook-service the stack lacks is named', () => {
    expect(() => spec('worker')).toThrow('hook-service worker is not a service of the stack (they are app)');
  });

  test('under /bin/sh: stack networks joined only when they exist; every value one argument', () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'deploy-action-job-'));
    try {
      writeFileSync(
        path.join(tmp, 'docker'),
        [
          '#!/bin/sh',
          'for a in "$@"; do printf "%s\\0" "$a"; done >>"$DIR/calls"; echo >>"$DIR/calls"',
          'case "$1 $2" in "network inspect") [ "$4" = st_present ]; exit $?;; "service create") echo jobid;; esac',
        ].join('\n'),
      );
      chmodSync(path.join(tmp, 'docker'), 0o755);
      const job = { ...spec(), releaseAbs: tmp, stackNetworks: ['st_present', 'st_absent'] };
      const r = spawnSync('/bin/sh', ['-c', jobCreateScript(job).text], {
        env: { PATH: `${tmp}:${process.env.PATH}`, DIR: tmp },
      });
      expect(r.status).toBe(0);
      expect(r.stdout.toString()).toBe('absent=st_absent\0id=jobid\0');
      const calls = readFileSync(path.join(tmp, 'calls'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\0').slice(0, -1));
      const create = calls.find((c) => c[1] === 'create')!;
      expect(create.slice(0, 11)).toEqual([
        'service',
        'create',
        '--quiet',
        '--detach',
        '--mode',
        'replicated-job',
        '--restart-condition',
        'none',
        '--stop-grace-period',
        '10s',
        '--no-resolve-image',
      ]);
      expect(create.join(' ')).toContain(
        '--label com.doongzi.deploy-action.stack=st --container-label com.doongzi.deploy-action.stack=st',
      );
      expect(create).toContain('"type=bind","source=/srv/db, ""x""","target=/data","readonly=true"');
      expect(create.join(' ')).toContain('--network host --user 999:999');
      expect(create.join(' ')).toContain('--network st_present -- doongzi/backend:1.2.0 alembic upgrade head');
      expect(create).not.toContain('st_absent');
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

test('under /bin/sh: the job removal stops and removes its containers on this node, and says which are left', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'deploy-action-job-rm-'));
  try {
    // `docker ps -aq` lists the job's container $LEFT times; `sleep` only counts.
    writeFileSync(
      path.join(tmp, 'docker'),
      [
        '#!/bin/sh',
        'echo "$*" >>"$DIR/calls"',
        'case "$1 $2" in "service inspect") echo sid;; "ps -aq") n=$(grep -c "^ps" "$DIR/calls"); [ "$n" -le "$LEFT" ] && echo c1;; esac',
        'exit 0',
      ].join('\n'),
    );
    writeFileSync(path.join(tmp, 'sleep'), '#!/bin/sh\necho sleep >>"$DIR/calls"\n');
    chmodSync(path.join(tmp, 'docker'), 0o755);
    chmodSync(path.join(tmp, 'sleep'), 0o755);
    const run = (left: number) => {
      rmSync(path.join(tmp, 'calls'), { force: true });
      const r = spawnSync('/bin/sh', ['-c', jobRemoveScript('st-pre-deploy-1').text], {
        env: { PATH: `${tmp}:${process.env.PATH}`, DIR: tmp, LEFT: String(left) },
      });
      const calls = readFileSync(path.join(tmp, 'calls'), 'utf8').trim().split('\n');
      return { code: r.status, stdout: r.stdout.toString(), calls };
    };
    const once = run(1);
    expect(once.code).toBe(0);
    expect(once.calls.slice(0, 5)).toEqual([
      'service inspect --format {{.ID}} -- st-pre-deploy-1',
      'service rm -- st-pre-deploy-1',
      'ps -aq --filter label=com.docker.swarm.service.id=sid',
      'stop -t 10 c1',
      'rm -f c1',
    ]);
    expect(once.calls.filter((c) => c.startsWith('stop'))).toHaveLength(1);
    expect(once.stdout).toBe('');
    // A container that does not go: three passes, then named.
    const stuck = run(1000);
    expect(stuck.calls.filter((c) => c === 'rm -f c1')).toHaveLength(3);
    expect(stuck.stdout).toBe('left=c1\0');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

const swarmPlan = (extra: Record<string, string>) => scriptedSwarmPlan(keys.private, hostKey, extra);

const NEW = 'doongzi/backend:1.2.0';
const OLD = 'doongzi/backend:1.1.0';
const svc = (image: string, startedAt: string): SwarmService => ({
  ID: 's1',
  Spec: { Name: 'st_app', TaskTemplate: { ContainerSpec: { Image: image } }, Mode: { Replicated: { Replicas: 1 } } },
  UpdateStatus: { State: 'completed', StartedAt: startedAt },
});
const task = (image: string, state: string, extra: Partial<SwarmTask['Status']> = {}): SwarmTask => ({
  ID: `t-${state}`,
  ServiceID: 's1',
  DesiredState: 'running',
  Spec: { ContainerSpec: { Image: image } },
  Status: { State: state, Timestamp: '2026-01-01T00:00:01Z', ...extra },
});
const stackAt = (s: SwarmService, tasks: SwarmTask[]) =>
  `${JSON.stringify([s])}\n@@tasks@@\n${JSON.stringify(tasks)}\n`;

/** A manager running 1.1.0; `jobTasks` answers the job's polls in turn, `states` the stack's. */
function manager(extra: Record<string, string>, jobTasks: SwarmTask[][], states: string[]) {
  const plan = swarmPlan(extra);
  const calls: Call[] = [];
  let polls = 0;
  let n = 0;
  const shell = new ScriptedShell(
    'mgr.example',
    (c) => {
      if (c.name === 'swarm-preflight') {
        return {
          stdout: records([
            ['swarm', 'active true 1'],
            ['detach', 'no'],
            ['requested', '/srv/st'],
            ['path', '/srv/st'],
            ['current', 'releases/1.1.0'],
            ['service', 'st_app 1.1.0'],
          ]),
        };
      }
      if (c.name === 'image-probe') return { stdout: 'sha256:abc\n' };
      if (c.name === 'stack-state') return { stdout: states[Math.min(n++, states.length - 1)]! };
      if (c.name === 'job-create') return { stdout: records([['id', 'job1']]) };
      if (c.name === 'job-tasks') return { stdout: JSON.stringify(jobTasks[Math.min(polls++, jobTasks.length - 1)]) };
      if (c.name === 'job-logs') return { stdout: 'upgrading\ncannot reach the database\n' };
      return undefined;
    },
    calls,
  );
  const clock = new FakeClock();
  const l = log();
  const target = new SwarmTarget(plan, l, async () => shell, clock);
  return { target, calls, clock, log: l, plan };
}

const deploy = (t: SwarmTarget) => t.deploy({ id: 'sha256:abc' }, {} as LocalDocker).catch((e: Error) => e);
const names = (calls: Call[]) => calls.map((c) => c.name);

test('pre-deploy: a job after the secrets and before stack deploy, its output logged, the job removed', async () => {
  const done = [task(NEW, 'complete', { ContainerStatus: { ExitCode: 0 } })];
  const {
    target,
    calls,
    log: l,
  } = manager(
    { 'pre-deploy': 'alembic upgrade head' },
    [[], [task(NEW, 'running')], done],
    [stackAt(svc(OLD, 't0'), [task(OLD, 'running')]), stackAt(svc(NEW, 't1'), [task(NEW, 'running')])],
  );
  expect(await deploy(target)).toBeUndefined();
  const n = names(calls);
  expect(n.slice(n.indexOf('secret-create'), n.indexOf('stack-deploy') + 1)).toEqual([
    'secret-create',
    'job-create',
    'job-tasks',
    'job-tasks',
    'job-tasks',
    'job-logs',
    'job-rm',
    'stack-state',
    'stack-deploy',
  ]);
  const create = calls.find((c) => c.name === 'job-create')!;
  expect(create.text).toContain(`'doongzi/backend:1.2.0' 'alembic' 'upgrade' 'head'`);
  expect(create.text).toContain('com.doongzi.deploy-action.hook=pre-deploy');
  expect(create.text).not.toContain('s3cret');
  expect(l.lines).toContain('info mgr.example:22: pre-deploy: cannot reach the database');
  expect(target.hosts[0]!.steps.map((s) => s.step)).toContain('pre-deploy');
});

test('pre-deploy exits 1: no stack deploy, the created secret and the job removed, the stack not changed', async () => {
  const failed = [task(NEW, 'failed', { ContainerStatus: { ExitCode: 1 }, Err: 'task: non-zero exit (1)' })];
  const { target, calls, plan } = manager(
    { 'pre-deploy': 'alembic upgrade head' },
    [failed],
    [stackAt(svc(OLD, 't0'), [task(OLD, 'running')])],
  );
  const err = (await deploy(target)) as Error;
  expect(err.message).toBe(
    'mgr.example:22: pre-deploy: the pre-deploy hook `alembic upgrade head` exited with status 1: nothing was deployed; the stack keeps running the previous release; its last lines:\nupgrading\ncannot reach the database',
  );
  expect(names(calls)).not.toContain('stack-deploy');
  expect(names(calls)).toContain('job-rm');
  expect(calls.filter((c) => c.name === 'secret-rm').map((c) => c.label)).toEqual([
    `docker secret rm ${plan.swarm!.secretNames['db_password']}`,
  ]);
  expect(await target.recover()).toBe('The stack st was not changed.');
});

test('pre-deploy that hangs: stopped at hook-timeout, the job removed', async () => {
  const { target, calls, clock } = manager(
    { 'pre-deploy': 'sleep 600', 'hook-timeout': '5s' },
    [[task(NEW, 'running')]],
    [stackAt(svc(OLD, 't0'), [task(OLD, 'running')])],
  );
  const start = clock.now();
  const err = (await deploy(target)) as Error;
  expect(err.message).toContain(
    'the pre-deploy hook `sleep 600` did not finish within hook-timeout (5s; its task was running) and was stopped: nothing was deployed',
  );
  expect(clock.now() - start).toBe(5000);
  expect(names(calls).slice(-4)).toEqual(['job-logs', 'job-rm', 'stack-state', 'secret-rm']);
  expect(names(calls)).not.toContain('stack-deploy');
});

test('a hook timed out while its task was still preparing: the removal waits until the task runs', async () => {
  const { target, calls, clock } = manager(
    { 'pre-deploy': 'sleep 600', 'hook-timeout': '5s' },
    [
      [task(NEW, 'preparing')],
      [task(NEW, 'preparing')],
      [task(NEW, 'preparing')],
      [task(NEW, 'preparing')],
      [task(NEW, 'preparing')],
      [task(NEW, 'preparing')],
      [task(NEW, 'preparing')],
      [task(NEW, 'preparing')],
      [task(NEW, 'running')],
    ],
    [stackAt(svc(OLD, 't0'), [task(OLD, 'running')])],
  );
  const start = clock.now();
  const err = (await deploy(target)) as Error;
  expect(err.message).toContain('did not finish within hook-timeout (5s; its task was preparing) and was stopped');
  // 6 polls in the 5 s, then 3 more (the first at once) until the task ran: 7 s in all before the removal.
  expect(calls.filter((c) => c.name === 'job-tasks')).toHaveLength(9);
  expect(clock.now() - start).toBe(7000);
  const n = names(calls);
  expect(n.indexOf('job-rm')).toBeGreaterThan(n.lastIndexOf('job-tasks'));
});

test('post-deploy exits 3 after converge: each updated service rolled back, waited for, current not switched', async () => {
  const failed = [task(NEW, 'failed', { ContainerStatus: { ExitCode: 3 } })];
  const { target, calls } = manager(
    { 'post-deploy': '["sh", "-c", "exit 3"]' },
    [failed],
    [
      stackAt(svc(OLD, 't0'), [task(OLD, 'running')]), // before stack deploy
      stackAt(svc(NEW, 't1'), [task(NEW, 'running')]), // converged
      stackAt(svc(NEW, 't1'), [task(NEW, 'running')]), // the rollback's list
      stackAt(svc(OLD, 't2'), [task(OLD, 'running')]), // recovery: the previous release runs
    ],
  );
  const err = (await deploy(target)) as Error;
  expect(err.message).toMatch(
    /^mgr\.example:22: post-deploy: the post-deploy hook `sh -c exit 3` exited with status 3: the deploy is rolled back/,
  );
  const n = names(calls);
  expect(n.slice(n.indexOf('job-create'))).toEqual([
    'job-create',
    'job-tasks',
    'job-logs',
    'job-rm',
    'stack-state',
    'service-rollback',
  ]);
  expect(calls.find((c) => c.name === 'service-rollback')!.label).toBe('docker service rollback st_app');
  expect(await target.recover()).toBe('Rolled back: mgr.example:22 (rolled-back to 1.1.0).');
  expect(names(calls)).not.toContain('switch-current');
});
