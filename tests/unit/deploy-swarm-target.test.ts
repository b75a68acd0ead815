/** The swarm target's convergence and rollback state machine against a scripted manager. */
import { utils } from 'ssh2';
import type { LocalDocker } from '../../src/deploy/local-docker.js';
import type { SwarmService, SwarmTask } from '../../src/deploy/swarm-state.js';
import { SwarmTarget } from '../../src/deploy/targets/swarm.js';
import {
  type Call,
  FakeClock,
  type Hold,
  log,
  records,
  ScriptedShell,
  scriptedSwarmPlan,
} from './deploy-scripted-shell.js';

const keys = utils.generateKeyPairSync('ed25519');
const hostKey = utils.generateKeyPairSync('ed25519').public;
const plan = scriptedSwarmPlan(keys.private, hostKey);
const NEW = 'doongzi/backend:1.2.0';
const OLD = 'doongzi/backend:1.1.0';
const svc = (image: string, update?: SwarmService['UpdateStatus']): SwarmService => ({
  ID: 's1',
  Spec: { Name: 'st_app', TaskTemplate: { ContainerSpec: { Image: image } }, Mode: { Replicated: { Replicas: 1 } } },
  ...(update ? { UpdateStatus: update } : {}),
});
const task = (
  image: string,
  state: string,
  desired = 'running',
  extra: Partial<SwarmTask['Status']> = {},
): SwarmTask => ({
  ID: `t-${image}-${state}`,
  ServiceID: 's1',
  DesiredState: desired,
  Spec: { ContainerSpec: { Image: image } },
  Status: { State: state, Timestamp: '2026-01-01T00:00:01Z', ...extra },
});
const state = (s: SwarmService, tasks: SwarmTask[]) => `${JSON.stringify([s])}\n@@tasks@@\n${JSON.stringify(tasks)}\n`;

function manager(states: string[], answers: Record<string, string> = {}) {
  const calls: Call[] = [];
  const holds: Hold[] = [];
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
      if (answers[c.name] !== undefined) return { stdout: answers[c.name]! };
      if (c.name === 'image-probe') return { stdout: 'sha256:abc\n' };
      if (c.name === 'stack-state') return { stdout: states[Math.min(n++, states.length - 1)]! };
      if (c.name === 'health-probe') return { stdout: 'exit 1: unhealthy\n' };
      if (c.name === 'service-logs') return { stdout: 'boot failed\n' };
      return undefined;
    },
    calls,
    holds,
  );
  const clock = new FakeClock();
  const l = log();
  const target = new SwarmTarget(plan, l, async () => shell, clock);
  return { target, calls, holds, clock, log: l };
}

test('Swarm rolls the update back: detected, described, then waited for until the previous release runs', async () => {
  const before = svc(OLD, { State: 'completed', StartedAt: 't0' });
  const { target, calls, clock } = manager([
    state(before, [task(OLD, 'running')]), // before stack deploy
    state(svc(NEW, { State: 'updating', StartedAt: 't1' }), [task(OLD, 'running'), task(NEW, 'starting')]),
    state(svc(OLD, { State: 'rollback_completed', StartedAt: 't1', Message: 'rollback completed' }), [
      task(OLD, 'starting'),
      task(NEW, 'failed', 'shutdown', {
        Err: 'task: non-zero exit (1)',
        ContainerStatus: { ExitCode: 1, ContainerID: 'c1' },
      }),
    ]),
    // Recovery: the previous release's task is still starting, then runs.
    state(svc(OLD, { State: 'rollback_completed', StartedAt: 't1' }), [task(OLD, 'starting')]),
    state(svc(OLD, { State: 'rollback_completed', StartedAt: 't1' }), [task(OLD, 'running')]),
  ]);
  const err = (await target.deploy({ id: 'sha256:abc' }, {} as LocalDocker).catch((e: Error) => e)) as Error;
  expect(err.message).toContain('service st_app: rollback completed');
  expect(err.message).toContain('last task error: task t-doongzi/ba');
  expect(err.message).toContain('last health probe: exit 1: unhealthy');
  expect(err.message).toContain('    boot failed');
  expect(await target.recover()).toBe('Rolled back: mgr.example:22 (rolled-back to 1.1.0).');
  expect(target.hosts[0]).toMatchObject({
    status: 'rolled-back',
    rollback: { status: 'rolled-back', toVersion: '1.1.0', detail: 'Swarm rolled the update back' },
  });
  // One before the deploy, two while converging, two while recovering, one to find the unused secrets.
  expect(calls.filter((c) => c.name === 'stack-state')).toHaveLength(6);
  expect(clock.sleeps).toBe(2);
  // Never switched: current still names 1.1.0; the secret this deploy created is removed again.
  expect(calls.some((c) => c.name === 'switch-current')).toBe(false);
  expect(calls.filter((c) => c.name === 'secret-rm').map((c) => c.label)).toEqual([
    `docker secret rm ${plan.swarm!.secretNames['db_password']}`,
  ]);
});

test('a stack that never converges: bounded by health-timeout, the update rolled back by hand', async () => {
  const { target, calls, clock } = manager([
    state(svc(OLD, { State: 'completed', StartedAt: 't0' }), [task(OLD, 'running')]),
    state(svc(NEW, { State: 'updating', StartedAt: 't1' }), [task(OLD, 'running'), task(NEW, 'starting')]),
  ]);
  const start = clock.now();
  const err = (await target.deploy({ id: 'sha256:abc' }, {} as LocalDocker).catch((e: Error) => e)) as Error;
  expect(err.message).toMatch(/the stack did not converge within health-timeout \(30s\); rolled back st_app/);
  expect(clock.now() - start).toBe(30_000);
  expect(calls.some((c) => c.name === 'service-rollback')).toBe(true);
  // Recovery waits, bounded as well, and fails: the service still updates.
  expect(await target.recover()).toBe('Rollback FAILED on mgr.example:22: check the stack st by hand.');
  expect(target.hosts[0]!.rollback!.detail).toMatch(
    /the stack did not settle on the previous release: st_app updating/,
  );
});

test('a converged stack: current switched, old releases pruned, then the secrets neither a service nor a kept release names', async () => {
  const name = plan.swarm!.secretNames['db_password']!;
  const kept = 'st_db_password_000000000001';
  const gone = 'st_db_password_000000000002';
  // 1.1.0's release is still kept on the host, and its stack file names the secret it ran with.
  const stack110 = `services:\n  app:\n    image: ${OLD}\nsecrets:\n  db_password:\n    external: true\n    name: ${kept}\n`;
  const running = svc(NEW, { State: 'completed', StartedAt: 't1' });
  running.Spec.TaskTemplate.ContainerSpec.Secrets = [{ SecretName: name }];
  const t = task(NEW, 'running');
  t.Spec.ContainerSpec['Secrets'] = [{ SecretName: name }];
  const {
    target,
    calls,
    holds,
    log: l,
  } = manager([state(svc(OLD), [task(OLD, 'running')]), state(running, [t])], {
    'secret-list': records([
      ['secret', name],
      ['secret', kept],
      ['secret', gone],
    ]),
    'release-stack-files': records([
      ['stack', `1.1.0/${stack110}`],
      ['stack', '1.0.0/services: ['],
    ]),
  });
  await target.deploy({ id: 'sha256:abc' }, {} as LocalDocker);
  expect(target.hosts[0]!.status).toBe('deployed');
  const names = calls.map((c) => c.name);
  expect(names.slice(names.indexOf('stack-deploy'))).toEqual([
    'stack-deploy',
    'stack-state',
    'switch-current',
    'list-releases',
    'stack-state',
    'release-stack-files',
    'secret-list',
    'secret-rm',
  ]);
  expect(calls.filter((c) => c.name === 'secret-rm').map((c) => c.label)).toEqual([`docker secret rm ${gone}`]);
  expect(calls.find((c) => c.name === 'release-stack-files')!.text).toContain("'/srv/st'");
  expect(l.lines.join('\n')).toContain('stack st converged at 1.2.0');
  // The deploy lock of deploy-path, taken before the preflight and held until the target closes.
  expect(holds).toEqual([expect.objectContaining({ name: 'deploy-lock', takenAt: 0 })]);
  expect(holds[0]!.releasedAt).toBeUndefined();
  target.close();
  expect(holds[0]!.releasedAt).toBe(calls.length);
});
