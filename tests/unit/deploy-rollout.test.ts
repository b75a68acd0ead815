/**
 * The start-first rollout's state machine against a scripted host: healthy → the old container removed; never
 * healthy → the new one removed, the old one left serving and not touched by the rollback; stop-first fallback.
 */
import { utils } from 'ssh2';
import { parseDeployInputs } from '../../src/deploy/inputs.js';
import { buildDeployPlan, type DeploySource } from '../../src/deploy/plan.js';
import { ROLLOUT_EXIT } from '../../src/deploy/remote/scripts/rollout.js';
import { ComposeTarget } from '../../src/deploy/targets/compose.js';
import type { LocalDocker } from '../../src/deploy/local-docker.js';
import { type Call, COMPOSE_SOURCE, FakeClock, log, records, ScriptedShell } from './deploy-scripted-shell.js';

const keys = utils.generateKeyPairSync('ed25519');
const hostKey = utils.generateKeyPairSync('ed25519').public;
const DEPLOY_PATH = '/srv/app';
const OLD = 'a'.repeat(64);
const NEW = 'b'.repeat(64);
const WORKER = 'c'.repeat(64);
const NO_HEALTH = 'it has no healthcheck in the compose files, so the new container cannot be waited on';
const SOURCE: DeploySource = {
  ...COMPOSE_SOURCE,
  services: [{ name: 'app' }, { name: 'worker', rolloutBlocker: NO_HEALTH }],
};

const inputs = (over: Record<string, string>) =>
  parseDeployInputs(
    (n) =>
      ({
        'ssh-host': 'a.example',
        'ssh-user': 'deployer',
        'ssh-key': keys.private,
        'ssh-known-hosts': `a.example ${hostKey}`,
        'deploy-path': DEPLOY_PATH,
        'deploy-secrets': 'db_password=DB_PASSWORD',
        'health-timeout': '30',
        ...over,
      })[n] ?? '',
    { DB_PASSWORD: 's3cret', GITHUB_REPOSITORY: 'doongzi/app' },
  );

/**
 * A host running 1.1.0 (app as OLD, worker as WORKER). Compose's dry run of the new release would recreate both;
 * of 1.1.0 (the rollback), only worker, which the plain `up` of the failed deploy replaced.
 */
function setup(over: Record<string, string> = {}, wait: () => { code?: number; stderr?: string } = () => ({})) {
  const calls: Call[] = [];
  const containers = [`${OLD} app running doongzi-app-1`, `${WORKER} worker running doongzi-worker-1`];
  const answer = (c: Call) => {
    switch (c.name) {
      case 'preflight':
        return {
          stdout: records([
            ['requested', DEPLOY_PATH],
            ['path', DEPLOY_PATH],
            ['current', 'releases/1.1.0'],
            [
              'manifest',
              JSON.stringify({ version: '1.1.0', project: 'doongzi', composeFiles: ['deploy/docker-compose.yml'] }),
            ],
          ]),
        };
      case 'image-probe':
        return { stdout: 'sha256:abc\n' };
      case 'rollout-probe': {
        const app = c.text.includes('releases/1.2.0') ? 'Recreate' : 'Running';
        const dryrun = [
          ` DRY-RUN MODE -  Container doongzi-app-1  ${app}`,
          ' DRY-RUN MODE -  Container doongzi-worker-1  Recreate',
        ];
        return {
          stdout: records([
            ['services', 'app\nworker'],
            ['dryrun', dryrun.join('\n')],
            ['containers', containers.join('\n')],
          ]),
        };
      }
      case 'rollout-start':
        return {
          stdout: records([
            ['container', NEW],
            ['container', OLD],
          ]),
        };
      case 'rollout-wait':
        return wait();
      default:
        return undefined;
    }
  };
  const l = log();
  const target = new ComposeTarget(
    buildDeployPlan(inputs(over), SOURCE),
    l,
    async (a) => new ScriptedShell(a.host, answer, calls),
    new FakeClock(),
  );
  const upCalls = () => calls.filter((c) => /^(compose-up|rollout-)/.test(c.name));
  return { target, calls, log: l, upCalls };
}

const LOCAL = { id: 'sha256:abc' };
const noDocker = {} as LocalDocker;

test('healthy: worker goes through plain up alone, app starts beside the old container, then the old one goes', async () => {
  const { target, upCalls, log: l } = setup();
  await target.deploy(LOCAL, noDocker);
  expect(upCalls().map((c) => c.name)).toEqual([
    'rollout-probe',
    'compose-up',
    'rollout-start',
    'rollout-wait',
    'rollout-retire-old',
  ]);
  const [, up, start, wait, retire] = upCalls();
  expect(up!.text).toContain("--no-deps -- 'worker'");
  expect(start!.text).toContain("--no-recreate --no-build --scale 'app=2' -- 'app'");
  expect(wait!.text).toContain(`-- '${NEW}'`);
  expect(retire!.text).toContain(`docker stop -- '${OLD}'`);
  expect(retire!.text).not.toContain(NEW);
  expect(l.lines).toContain(
    `info a.example:22: worker is replaced stop-first (down while its new container starts): ${NO_HEALTH}`,
  );
  expect(target.hosts[0]!.status).toBe('deployed');
});

test('never healthy: the new container is removed, the old one serves on, and the rollback leaves it alone', async () => {
  const { target, upCalls } = setup({}, () => ({
    code: ROLLOUT_EXIT.healthTimeout,
    stderr: 'the new container was still starting\nexit 1: connection refused\n',
  }));
  const err = (await target.deploy(LOCAL, noDocker).catch((e: Error) => e)) as Error;
  expect(err.message).toBe(
    'a.example:22: app: the new container was not healthy within health-timeout (30s); the new container was removed and the old one keeps serving\nthe new container was still starting\nexit 1: connection refused',
  );
  const afterDeploy = upCalls().length;
  expect(upCalls().map((c) => c.name)).toEqual([
    'rollout-probe',
    'compose-up',
    'rollout-start',
    'rollout-wait',
    'rollout-remove-new',
  ]);
  expect(upCalls()[4]!.text).toBe(`docker stop -- '${NEW}' >/dev/null && docker rm -- '${NEW}' >/dev/null || exit 3`);
  expect(await target.recover()).toBe('Rolled back: a.example:22 (rolled-back to 1.1.0).');
  // The rollback's up: app's container already runs 1.1.0 and is kept; only worker goes back through plain up.
  const rollback = upCalls().slice(afterDeploy);
  expect(rollback.map((c) => c.name)).toEqual(['rollout-probe', 'compose-up']);
  expect(rollback[1]!.text).toContain('releases/1.1.0');
  expect(rollback[1]!.text).toContain("--no-deps -- 'worker'");
  expect(rollback.map((c) => c.text).join('\n')).not.toContain(OLD);
});

test('an unhealthy new container fails at once with its probes, and only the new container is removed', async () => {
  const unhealthy = setup({}, () => ({ code: ROLLOUT_EXIT.unhealthy, stderr: 'exit 1: down\n' }));
  const err = (await unhealthy.target.deploy(LOCAL, noDocker).catch((e: Error) => e)) as Error;
  expect(err.message).toMatch(/^a\.example:22: app: the new container became unhealthy; the new container was removed/);
  expect(unhealthy.upCalls().map((c) => c.name)).toContain('rollout-remove-new');
  expect(unhealthy.upCalls().map((c) => c.name)).not.toContain('rollout-retire-old');
});

test('rollout stop-first: no probe, one plain up of the whole project', async () => {
  const { target, upCalls } = setup({ rollout: 'stop-first' });
  await target.deploy(LOCAL, noDocker);
  expect(upCalls().map((c) => c.name)).toEqual(['compose-up']);
  expect(upCalls()[0]!.text).not.toContain('--no-deps');
});

test('rollout input: start-first with an incapable service, or an unknown value, is a clear input error', () => {
  expect(() => buildDeployPlan(inputs({ rollout: 'start-first' }), SOURCE)).toThrow(
    `rollout: start-first, but service "worker" cannot start beside its old container: ${NO_HEALTH}; use \`auto\` to stop such services first`,
  );
  expect(() => inputs({ rollout: 'blue-green' })).toThrow(
    'rollout: "blue-green" must be `auto`, `start-first` or `stop-first`',
  );
  const plan = buildDeployPlan(inputs({}), SOURCE);
  expect(plan.rollout).toEqual({
    mode: 'auto',
    startFirst: ['app'],
    stopFirst: [{ service: 'worker', reason: NO_HEALTH }],
  });
});
