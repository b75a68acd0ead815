import { createHash } from 'node:crypto';
import { utils } from 'ssh2';
import { parseDeployInputs } from '../../src/deploy/inputs.js';
import { buildDeployPlan, secretVersion, STACK_FILE, type DeploySource } from '../../src/deploy/plan.js';
import { parseRecords } from '../../src/deploy/remote/script.js';
import { secretCreateScript, stackDeployScript } from '../../src/deploy/remote/scripts/swarm.js';
import {
  lastTaskError,
  readSwarmPreflight,
  serviceVerdict,
  taskProgress,
  type SwarmService,
  type SwarmTask,
} from '../../src/deploy/swarm-state.js';

const keys = utils.generateKeyPairSync('ed25519');
const hostKey = utils.generateKeyPairSync('ed25519').public;
const env = { DB_PASSWORD: 's3cret', GITHUB_REPOSITORY: 'doongzi/doongzi-backend' };
const values = (over: Record<string, string>) => (n: string) =>
  ({
    'ssh-host': 'manager.example',
    'ssh-user': 'deployer',
    'ssh-key': keys.private,
    'ssh-known-hosts': `manager.example ${hostKey}`,
    'deploy-secrets': 'db_password=DB_PASSWORD',
    'deploy-target': 'swarm',
    ...over,
  })[n] ?? '';
const source: DeploySource = {
  projectName: 'doongzi',
  composeFiles: [{ path: 'deploy/docker-compose.yml', content: 'services: {}\n' }],
  buildServices: ['app'],
  secretFiles: [{ name: 'db_password', file: 'secrets/db_password.txt', services: ['app'] }],
  envFiles: ['.env.prod'],
  runtimeUser: { uid: 999, gid: 999 },
  image: { localRef: 'sha256:abc', repository: 'doongzi/backend' },
  event: { eventName: 'push', ref: 'refs/tags/v1.2.3', sha: '0123456789abcdef0123456789abcdef01234567' },
  stackConfig: {
    services: {
      app: {
        image: 'doongzi/backend:dev',
        env_file: ['.env.prod'],
        secrets: [{ source: 'db_password', target: 'db_password' }],
      },
    },
    secrets: { db_password: { file: '/x/secrets/db_password.txt' } },
  },
};

test('deploy-target: compose by default, swarm takes one manager, anything else is refused', () => {
  expect(parseDeployInputs(values({ 'deploy-target': '' }), env).deployTarget).toBe('compose');
  expect(parseDeployInputs(values({}), env).deployTarget).toBe('swarm');
  expect(() => parseDeployInputs(values({ 'deploy-target': 'k8s' }), env)).toThrow(
    /deploy-target: "k8s" must be `compose` or `swarm`/,
  );
  expect(() => parseDeployInputs(values({ 'ssh-host': 'a.example\nb.example' }), env)).toThrow(
    /with deploy-target swarm give one manager/,
  );
});

test('the swarm plan: versioned secret names that change with the value only, and do not expose it', () => {
  const plan = buildDeployPlan(parseDeployInputs(values({}), env), source);
  expect(plan.target).toBe('swarm');
  expect(plan.swarm).toMatchObject({
    stack: 'doongzi',
    stackFile: STACK_FILE,
    envFiles: ['.env.prod'],
    buildServices: ['app'],
  });
  const name = plan.swarm!.secretNames['db_password']!;
  expect(name).toBe(`doongzi_db_password_${secretVersion(Buffer.from('s3cret'), keys.private)}`);
  expect(name).toMatch(/^doongzi_db_password_[0-9a-f]{12}$/);
  const again = buildDeployPlan(parseDeployInputs(values({}), env), source).swarm!.secretNames['db_password'];
  const rotated = buildDeployPlan(parseDeployInputs(values({}), { ...env, DB_PASSWORD: 'other' }), source).swarm!
    .secretNames['db_password'];
  expect(again).toBe(name);
  expect(rotated).not.toBe(name);
  // Keyed: the bare hash of the value is not the name.
  expect(name).not.toContain(createHash('sha256').update('s3cret').digest('hex').slice(0, 12));
  expect(() => buildDeployPlan(parseDeployInputs(values({ 'project-name': 'a'.repeat(50) }), env), source)).toThrow(
    /longer than 64 characters/,
  );
  expect(() =>
    buildDeployPlan(parseDeployInputs(values({}), env), { ...source, stackConfig: undefined } as DeploySource),
  ).toThrow(/merged prod compose model/);
});

test('remote scripts: the value only on stdin, the length checked, labels quoted; stack deploy detached', () => {
  const s = secretCreateScript('st_db_password_abc', { 'com.doongzi.deploy-action.stack': "st'x" }).text;
  expect(s).toContain(
    `docker secret create '--label' 'com.doongzi.deploy-action.stack=st'\\''x' -- 'st_db_password_abc' -`,
  );
  expect(s).toContain('head -c "$n" | tee /dev/fd/3 | wc -c');
  expect(s).toContain(`docker secret rm -- 'st_db_password_abc'`);
  const d = stackDeployScript({
    releaseAbs: '/srv/x/releases/1.0.0',
    stackFile: STACK_FILE,
    stack: 'st',
    timeoutSeconds: 60,
    detachFlag: true,
  }).text;
  expect(d).toContain(
    `timeout -k 10 60 docker stack deploy --prune --resolve-image 'never' --detach=true -c '${STACK_FILE}' -- 'st'`,
  );
  const old = stackDeployScript({
    releaseAbs: '/r',
    stackFile: STACK_FILE,
    stack: 'st',
    timeoutSeconds: 60,
    detachFlag: false,
    registry: { server: 'ghcr.io', username: 'u' },
  }).text;
  expect(old).toContain("--resolve-image 'always' --with-registry-auth -c");
  expect(old).toContain('--password-stdin');
  expect(
    readSwarmPreflight(
      parseRecords(
        'swarm=active true 1\0detach=no\0requested=/srv/x\0path=/srv/x\0service=st_app 1.0.0\0secret=st_db_password_abc\0',
      ),
      '/srv/x',
    ),
  ).toEqual({
    state: 'active',
    manager: true,
    nodes: 1,
    detachFlag: false,
    path: '/srv/x',
    services: new Map([['st_app', '1.0.0']]),
    secrets: ['st_db_password_abc'],
  });
});

const svc = (over: Partial<SwarmService> = {}): SwarmService => ({
  ID: 's1',
  Spec: { Name: 'st_app', TaskTemplate: { ContainerSpec: { Image: 'r:2' } }, Mode: { Replicated: { Replicas: 1 } } },
  ...over,
});
const task = (
  state: string,
  image: string,
  desired = 'running',
  extra: Partial<SwarmTask['Status']> = {},
): SwarmTask => ({
  ID: `t-${state}-${image}`,
  ServiceID: 's1',
  DesiredState: desired,
  Spec: { ContainerSpec: { Image: image } },
  Status: { State: state, Timestamp: extra.Timestamp ?? '2026-01-01T00:00:01Z', ...extra },
});

test('service verdicts: converged, waiting for the update, a fresh rollback fails, a stale one does not', () => {
  expect(serviceVerdict(svc(), [task('running', 'r:2')], 'r:2', undefined)).toEqual({ kind: 'converged' });
  expect(
    serviceVerdict(svc({ UpdateStatus: { State: 'updating', StartedAt: 't2' } }), [task('running', 'r:1')], 'r:2', 't1')
      .kind,
  ).toBe('waiting');
  // The spec says r:2 but the running task is still r:1 (the update has not started).
  expect(
    serviceVerdict(
      svc({ UpdateStatus: { State: 'completed', StartedAt: 't1' } }),
      [task('running', 'r:1')],
      'r:2',
      't1',
    ).kind,
  ).toBe('waiting');
  const rolled = svc({
    UpdateStatus: { State: 'rollback_completed', StartedAt: 't2', Message: 'update rolled back due to failure' },
  });
  rolled.Spec.TaskTemplate.ContainerSpec.Image = 'r:1';
  expect(serviceVerdict(rolled, [task('running', 'r:1')], 'r:2', 't1')).toEqual({
    kind: 'failed',
    rolledBack: true,
    why: 'rollback completed: update rolled back due to failure',
  });
  // The same rollback seen before this deploy started is history, not a verdict.
  expect(serviceVerdict(rolled, [task('running', 'r:1')], 'r:2', 't2').kind).toBe('waiting');
  // A new service whose tasks keep failing.
  const failing = [1, 2, 3].map((i) => ({ ...task('failed', 'r:2', 'shutdown', { Err: 'exit 1' }), ID: `f${i}` }));
  expect(serviceVerdict(svc(), failing, 'r:2', undefined)).toMatchObject({ kind: 'failed', rolledBack: false });
  expect(
    lastTaskError(svc(), [
      task('running', 'r:1'),
      task('shutdown', 'r:0', 'shutdown', { Timestamp: '2026-01-01T00:00:09Z' }),
      task('failed', 'r:2', 'shutdown', {
        Err: 'task: non-zero exit (137): dockerexec: unhealthy container',
        Timestamp: '2026-01-01T00:00:05Z',
      }),
    ]),
  ).toBe('task t-failed-r:2 (r:2): failed: task: non-zero exit (137): dockerexec: unhealthy container');
});

test('task progress after a rollback: settled only once the previous release task runs', () => {
  const rolled = svc({ UpdateStatus: { State: 'rollback_completed', StartedAt: 't2' } });
  rolled.Spec.TaskTemplate.ContainerSpec.Image = 'r:1';
  // Swarm says the rollback completed while the r:1 task is still starting (health not yet passed).
  expect(taskProgress(rolled, [task('starting', 'r:1'), task('shutdown', 'r:2', 'shutdown')])).toEqual({
    running: 0,
    want: 1,
    settled: false,
  });
  expect(taskProgress(rolled, [task('running', 'r:1'), task('shutdown', 'r:2', 'shutdown')]).settled).toBe(true);
  // A task of the failed spec still meant to run keeps it unsettled.
  expect(taskProgress(rolled, [task('running', 'r:1'), task('running', 'r:2')]).settled).toBe(false);
});
