/** The compose target's state machine (deploy, fail, roll back) against scripted hosts. */
import { utils } from 'ssh2';
import type { HostAddress } from '../../src/deploy/host-address.js';
import { parseDeployInputs } from '../../src/deploy/inputs.js';
import { buildDeployPlan, type DeploySource } from '../../src/deploy/plan.js';
import { COMPOSE_EXIT } from '../../src/deploy/remote/scripts/compose.js';
import { ComposeTarget } from '../../src/deploy/targets/compose.js';
import type { LocalDocker } from '../../src/deploy/local-docker.js';
import {
  type Call,
  COMPOSE_SOURCE,
  FakeClock,
  log,
  records,
  type Script,
  ScriptedShell,
  hostRunning110,
} from './deploy-scripted-shell.js';

const keys = utils.generateKeyPairSync('ed25519');
const hostKey = utils.generateKeyPairSync('ed25519').public;
const HOSTS = ['a.example', 'b.example', 'c.example'];
const DEPLOY_PATH = '/srv/app';
const plan = (over: Record<string, string> = {}) =>
  buildDeployPlan(
    parseDeployInputs(
      (n) =>
        ({
          'ssh-host': HOSTS.join('\n'),
          'ssh-user': 'deployer',
          'ssh-key': keys.private,
          'ssh-known-hosts': HOSTS.map((h) => `${h} ${hostKey}`).join('\n'),
          'deploy-path': DEPLOY_PATH,
          'deploy-secrets': 'db_password=DB_PASSWORD',
          'keep-releases': '3',
          ...over,
        })[n] ?? '',
      { DB_PASSWORD: 's3cret', GITHUB_REPOSITORY: 'doongzi/app' },
    ),
    source,
  );
const source: DeploySource = COMPOSE_SOURCE;
const LOCAL = { id: 'sha256:abc' };
// Image already present on every host: delivery never touches the local engine.
const noDocker = {} as LocalDocker;

/** A host that runs release 1.1.0 and answers like one; `fail` overrides an answer by script name. */
function host(fail: Record<string, (c: Call) => ReturnType<Script>> = {}): Script {
  const listReleases = () => ({
    stdout: records([
      ['now', '100'],
      ['current', 'releases/1.2.0'],
      ...['1.0.0', '1.0.1', '1.1.0', '1.2.0', '0.9.0'].map((r, i): [string, string] => [
        'release',
        `${[3, 4, 5, 6, 1][i]}.5 ${r}`,
      ]),
    ]),
  });
  return hostRunning110(DEPLOY_PATH, LOCAL.id, { 'list-releases': listReleases, ...fail });
}

function setup(scripts: Record<string, Script>, over: Record<string, string> = {}) {
  const calls: Call[] = [];
  const connects: string[] = [];
  const l = log();
  const target = new ComposeTarget(
    plan(over),
    l,
    async (a: HostAddress) => {
      connects.push(a.host);
      return new ScriptedShell(a.host, scripts[a.host]!, calls);
    },
    new FakeClock(),
  );
  const on = (h: string) => calls.filter((c) => c.host === h).map((c) => c.name);
  return { target, calls, connects, log: l, on };
}

test('a deploy to three hosts: each staged, switched, up, then pruned to exactly keep-releases', async () => {
  const { target, calls, on } = setup(Object.fromEntries(HOSTS.map((h) => [h, host()])));
  await target.deploy(LOCAL, noDocker);
  expect(on('a.example')).toEqual([
    'preflight',
    'image-probe',
    'image-tag',
    'secret-store',
    'create-release',
    'write-file',
    'write-file',
    'write-file',
    'write-secret',
    'switch-current',
    'compose-up',
    'list-releases',
    'remove-releases',
    'secret-store-prune',
  ]);
  expect(target.hosts.map((h) => h.status)).toEqual(['deployed', 'deployed', 'deployed']);
  expect(target.previousVersion()).toBe('1.1.0');
  // keep-releases 3: 1.2.0 (new) plus the two newest others (1.1.0, 1.0.1) stay.
  const prune = calls.find((c) => c.name === 'remove-releases')!;
  expect(prune.text).toContain("rm -rf -- '1.0.0' '0.9.0'");
  const manifest = calls.find((c) => c.label === 'write manifest')!;
  expect(JSON.parse(manifest.stdin!.toString().split('\n').slice(1).join('\n'))).toMatchObject({
    version: '1.2.0',
    project: 'doongzi',
  });
  // The secret value travels on stdin (a tar for the engine route: this host may not chown); never in a script.
  expect(calls.find((c) => c.name === 'write-secret')!.stdin!.toString()).toContain('s3cret');
  expect(calls.map((c) => c.text).join('\n')).not.toContain('s3cret');
  expect(target.hosts[0]!.steps.map((s) => s.step)).toEqual([
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
});

test('failure on host 2 of 3: hosts 2 and 1 are rolled back to 1.1.0, host 3 is never touched', async () => {
  const unhealthy = () => ({ code: COMPOSE_EXIT.healthTimeout, stderr: 'Container x Waiting\n' });
  let ups = 0;
  const b = host({
    'compose-up': () => (ups++ === 0 ? unhealthy() : undefined),
    'compose-ps': () => ({
      stdout: '[{"Name":"doongzi-app-1","Service":"app","State":"running","Health":"unhealthy"}]',
    }),
    'health-probe': () => ({ stdout: 'exit 1: down\n' }),
  });
  const { target, calls, on, connects } = setup({
    'a.example': host(),
    'b.example': b,
    'c.example': host(),
  });
  const err = await target.deploy(LOCAL, noDocker).catch((e: Error) => e);
  expect((err as Error).message).toMatch(
    /^b\.example:22: the services were not healthy within health-timeout \(\d+s\)/,
  );
  expect((err as Error).message).toContain('service app (doongzi-app-1): running, unhealthy');
  expect((err as Error).message).toContain('last health probe: exit 1: down');
  const summary = await target.recover();
  expect(summary).toBe('Rolled back: a.example:22 (rolled-back to 1.1.0), b.example:22 (rolled-back to 1.1.0).');
  expect(connects).toEqual(['a.example', 'b.example']);
  expect(on('c.example')).toEqual([]);
  expect(target.hosts.map((h) => [h.status, h.rollback?.status])).toEqual([
    ['rolled-back', 'rolled-back'],
    ['rolled-back', 'rolled-back'],
    ['unchanged', undefined],
  ]);
  // Rolled back: current back to 1.1.0, then up of 1.1.0's own compose files; b first, then a.
  const back = calls.filter((c) => c.label === 'switch current back');
  expect(back.map((c) => c.host)).toEqual(['b.example', 'a.example']);
  for (const c of back) expect(c.text).toContain("ln -sfn -- 'releases/1.1.0'");
  const ups2 = calls.filter((c) => c.name === 'compose-up').map((c) => [c.host, c.text.match(/cd -- '([^']+)'/)![1]]);
  expect(ups2).toEqual([
    ['a.example', '/srv/app/releases/1.2.0'],
    ['b.example', '/srv/app/releases/1.2.0'],
    ['b.example', '/srv/app/releases/1.1.0'],
    ['a.example', '/srv/app/releases/1.1.0'],
  ]);
  expect(target.hosts[1]!.steps.map((s) => s.step)).toContain('rollback');
});

test('the connection lost during up: reconnect and roll back to the previous release', async () => {
  let lost = false;
  const a = host({
    'compose-up': () => {
      if (lost) return undefined;
      lost = true;
      return { lose: true };
    },
  });
  const { target, connects, calls } = setup({
    'a.example': a,
    'b.example': host(),
    'c.example': host(),
  });
  const err = (await target.deploy(LOCAL, noDocker).catch((e: Error) => e)) as Error;
  expect(err.message).toMatch(
    /^a\.example:22: up: docker compose up --wait on a\.example failed: connection to a\.example lost/,
  );
  // No diagnosis over a dead connection.
  expect(calls.some((c) => c.name === 'compose-ps')).toBe(false);
  expect(await target.recover()).toBe('Rolled back: a.example:22 (rolled-back to 1.1.0).');
  expect(connects).toEqual(['a.example', 'a.example']);
  expect(target.hosts[0]!.steps.map((s) => s.step)).toEqual([
    'connect',
    'lock',
    'preflight',
    'image',
    'upload',
    'secrets',
    'switch',
    'up',
    'reconnect',
    'lock',
    'rollback',
  ]);
});

test('a failure before the switch only drops the staged release; a host without a previous release is stopped', async () => {
  const denied = {
    'write-secret': (c: Call) => ({ code: c.exits.chownDenied, stderr: 'chown: Operation not permitted' }),
  };
  const first = setup(
    {
      'a.example': host(denied),
      'b.example': host(),
      'c.example': host(),
    },
    { 'secret-owner': 'chown' },
  );
  const err = (await first.target.deploy(LOCAL, noDocker).catch((e: Error) => e)) as Error;
  expect(err.message).toContain(
    'a.example:22: secret db_password: the deploy user deployer may not chown the file to 999:999 (secret-owner: chown)',
  );
  expect(await first.target.recover()).toBe('No host was switched to the new release.');
  expect(first.on('a.example').slice(-1)).toEqual(['remove-releases']);
  expect(first.calls.at(-1)!.text).toContain("rm -rf -- '1.2.0'");
  expect(first.target.hosts[0]!.status).toBe('unchanged');

  const fresh = (): Script => {
    const base = host({ 'compose-up': () => ({ code: 1, stderr: 'Error response from daemon: boom' }) });
    return (c) =>
      c.name === 'preflight'
        ? {
            stdout: records([
              ['requested', DEPLOY_PATH],
              ['path', DEPLOY_PATH],
            ]),
          }
        : base(c);
  };
  const second = setup({
    'a.example': fresh(),
    'b.example': fresh(),
    'c.example': fresh(),
  });
  const e2 = (await second.target.deploy(LOCAL, noDocker).catch((e: Error) => e)) as Error;
  expect(e2.message).toContain('docker compose up failed: Error response from daemon: boom');
  expect(await second.target.recover()).toBe('Rolled back: a.example:22 (stopped).');
  expect(second.on('a.example').slice(-2)).toEqual(['compose-down', 'remove-current']);
});

test('a host that reports another deploy-path than requested stops the deploy before anything is staged', async () => {
  const odd: Script = (c) =>
    c.name === 'preflight'
      ? {
          stdout: records([
            ['requested', '/srv/ap'],
            ['path', '/srv/ap'],
          ]),
        }
      : undefined;
  const { target, on } = setup({ 'a.example': odd, 'b.example': odd, 'c.example': odd });
  const err = (await target.deploy(LOCAL, noDocker).catch((e: Error) => e)) as Error;
  expect(err.message).toBe('a.example:22: preflight: the host received deploy-path "/srv/ap", not "/srv/app"');
  expect(on('a.example')).toEqual(['preflight']);
  const noDockerHost: Script = (c) =>
    c.name === 'preflight'
      ? { code: c.exits.noDocker, stderr: 'the deploy user cannot use docker (add it to the docker group)\n' }
      : undefined;
  const s2 = setup({ 'a.example': noDockerHost, 'b.example': noDockerHost, 'c.example': noDockerHost });
  const e2 = (await s2.target.deploy(LOCAL, noDocker).catch((e: Error) => e)) as Error;
  expect(e2.message).toBe('a.example:22: preflight: the deploy user cannot use docker (add it to the docker group)');
});
