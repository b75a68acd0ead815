/**
 * The fault suite: a deploy over the real sshd and engine while the connection fails in each way the adversarial run
 * found. sshd (this suite's own instance, `sshd.sh faults`) killed during upload, during `up` and during the rollback;
 * a refused port; a server that accepts and never speaks (directly and through a jump host); a host key of a type
 * the server does not have; an image transfer that times out or whose connection is cut (a loopback proxy in front
 * of host b, which starts without the image). Each ends within its timeout with one clear error, and the previous
 * release keeps serving where there was one. The first deploy also proves a binary secret arrives byte for byte.
 */
import { jest } from '@jest/globals';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync, readlinkSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { utils } from 'ssh2';
import { parseDeployInputs } from '../../src/deploy/inputs.js';
import { buildDeployPlan } from '../../src/deploy/plan.js';
import { runDeploy } from '../../src/deploy/run-deploy.js';
import { DeployFailedError, type DeploySummary } from '../../src/deploy/summary.js';
import {
  buildExampleImage,
  cleanupHost,
  containerOf,
  descendants,
  docker,
  exampleSource,
  inputsFor,
  namesFor,
  parents,
  readProc,
  recordingLog,
  removeReleaseTags,
  startHost,
  tagEvent,
  type HostEnv,
  type RecordedLog,
} from '../helpers/deploy-testbed.js';

jest.setTimeout(240_000);

const names = namesFor('faults');
// 0x00-0xFF and some text: what the environment cannot carry, given as base64 (as a workflow would).
const SECRET = Buffer.concat([
  Buffer.from('faults '),
  Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
  Buffer.from('\n'),
]);
const BINARY_ENV = { DEPLOY_TEST_DB_PASSWORD: `base64:${SECRET.toString('base64')}` };
const ENV = { DEPLOY_TEST_DB_PASSWORD: 'faults-secret\n' };
// Short timeouts through the inputs: each fault must end within them.
const FAST = { 'ssh-connect-timeout': '3', 'ssh-command-timeout': '60', 'health-timeout': '30' };
let f: HostEnv;
let b: HostEnv;
const timings: string[] = [];
const servers: net.Server[] = [];

interface Run {
  summary: DeploySummary;
  error?: Error;
  ms: number;
  log: RecordedLog;
}

async function deploy(
  version: string,
  hosts: Array<HostEnv | string>,
  o: {
    extra?: Record<string, string>;
    overrides?: string[];
    onLine?: (l: string) => void;
    label?: string;
    env?: Record<string, string>;
  } = {},
): Promise<Run> {
  const real = hosts.filter((h): h is HostEnv => typeof h !== 'string');
  const extra: Record<string, string> = { ...FAST, ...o.extra };
  const fake = hosts.filter((h): h is string => typeof h === 'string');
  if (fake.length)
    extra['ssh-host'] ??= hosts.map((h) => (typeof h === 'string' ? h : `${h.SSH_HOST}:${h.SSH_PORT}`)).join('\n');
  // This suite's sshd is always pinned (it is the jump host too); a fake host is pinned with its key.
  const fKey = readFileSync(f.KNOWN_HOSTS, 'utf8').split(' ').slice(1).join(' ');
  const knownHosts = [
    ...new Set([f, ...real].map((h) => readFileSync(h.KNOWN_HOSTS, 'utf8'))),
    ...fake.map((h) => `[${h.replace(':', ']:')} ${fKey}`),
  ];
  extra['ssh-known-hosts'] ??= knownHosts.join('');
  const plan = buildDeployPlan(
    parseDeployInputs(inputsFor(names, real.length ? real : [f], extra), o.env ?? ENV),
    exampleSource(names, o.overrides ?? [], tagEvent(version)),
  );
  const log = recordingLog();
  if (o.onLine) log.onLine = o.onLine;
  const started = Date.now();
  try {
    const summary = await runDeploy(plan, log);
    return { summary, ms: Date.now() - started, log };
  } catch (e) {
    if (!(e instanceof DeployFailedError)) throw e;
    const ms = Date.now() - started;
    timings.push(`${o.label ?? version}: ${ms} ms`);
    return { summary: e.summary, error: e, ms, log };
  }
}

/** This suite's sshd and every per-connection process below it, killed at once (SIGKILL); then started again. */
function killSshd(h: HostEnv): void {
  const master = Number(readFileSync(h.SSHD_PIDFILE, 'utf8').trim());
  // Frozen first (a stopped process cannot fork, and its children keep it as parent), until no new one appears:
  // a process forked while the tree was read (a `docker compose` just starting) would otherwise live on.
  const all = [master];
  for (let fresh = [master]; fresh.length > 0; ) {
    for (const pid of fresh) {
      try {
        process.kill(pid, 'SIGSTOP');
      } catch {
        /* already gone */
      }
    }
    fresh = descendants(master, parents()).filter((p) => !all.includes(p));
    all.push(...fresh);
  }
  for (const pid of all) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  // A killed master may linger as a zombie that `kill -0` still finds: drop its pid file so sshd.sh starts anew.
  rmSync(h.SSHD_PIDFILE, { force: true });
}
const restartSshd = (name: string) => startHost(name);

/** When the running test began: the engine's events from then on explain a miss. */
let testStarted = Date.now();
beforeEach(() => {
  testStarted = Date.now();
});

/** One container of the service, of `version`, healthy. Requests a killed `up` left in flight may still be finishing
 * in dockerd (a stop, a remove), so the service gets a bounded moment to settle before it is judged. */
const serving = (version: string) => {
  const appContainers = () =>
    docker(undefined, [
      'ps',
      '-q',
      '--filter',
      `label=com.docker.compose.project=${names.project}`,
      '--filter',
      'label=com.docker.compose.service=app',
    ])
      .trim()
      .split('\n')
      .filter(Boolean);
  for (let i = 0; i < 30 && appContainers().length !== 1; i++) execFileSync('sleep', ['1']);
  // On a miss, the project's containers in every state and the engine's events for them say what happened.
  const project = `label=com.docker.compose.project=${names.project}`;
  const seen = () => {
    if (appContainers().length === 1) return '';
    const ps = docker(undefined, [
      'ps',
      '-a',
      '--filter',
      project,
      '--format',
      '{{.ID}} {{.Names}} {{.Image}} {{.Status}}',
    ]);
    const since = String(Math.floor(testStarted / 1000));
    const until = String(Math.ceil(Date.now() / 1000));
    const events = docker(undefined, [
      'events',
      '--since',
      since,
      '--until',
      until,
      '--filter',
      project,
      '--format',
      '{{.Time}} {{.Action}} {{.Actor.ID}} {{.Actor.Attributes.name}}',
    ]);
    return `${ps}\n${events}`;
  };
  expect({ running: appContainers().length, seen: seen() }).toEqual({ running: 1, seen: '' });
  expect(containerOf(names, undefined)).toMatchObject({ image: `${names.repository}:${version}`, health: 'healthy' });
  expect(readlinkSync(path.join(names.deployPath, 'current'))).toBe(`releases/${version}`);
};

function listen(server: net.Server): Promise<number> {
  servers.push(server);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)),
  );
}

/** `docker save` children of this test process (there must be none once a deploy has ended). */
function dockerSaves(): string[] {
  return descendants(process.pid, parents())
    .map((pid) => readProc(pid, 'cmdline')?.replace(/\0/g, ' ') ?? '')
    .filter((c) => /^docker save/.test(c));
}

beforeAll(() => {
  f = startHost('faults');
  b = startHost('b');
  buildExampleImage();
  cleanupHost(names, f);
  cleanupHost(names, b);
  removeReleaseTags(names, undefined);
});

afterAll(async () => {
  for (const s of servers) s.close();
  process.stdout.write(`fault timings:\n${timings.join('\n')}\n`);
  restartSshd('faults');
  cleanupHost(names, f);
  cleanupHost(names, b);
  removeReleaseTags(names, undefined);
  removeReleaseTags(names, b);
});

test('setup: 1.0.0 is deployed and serving', async () => {
  const r = await deploy('1.0.0', [f]);
  expect(r.error).toBeUndefined();
  serving('1.0.0');
});

test('connection refused (a closed loopback port): one clear error at once', async () => {
  const port = await listen(net.createServer());
  await new Promise<void>((r) => servers.pop()!.close(() => r()));
  const r = await deploy('1.1.0', [`127.0.0.1:${port}`], { label: 'refused' });
  expect(r.error!.message).toMatch(
    new RegExp(`127\\.0\\.0\\.1:${port}: connect: cannot connect to deployer@127\\.0\\.0\\.1:${port}: ECONNREFUSED`),
  );
  expect(r.ms).toBeLessThan(5_000);
});

test('a server that accepts and never speaks: the handshake times out after ssh-connect-timeout, directly and through a jump host', async () => {
  const silent = await listen(net.createServer(() => undefined));
  const r = await deploy('1.1.0', [`127.0.0.1:${silent}`], { label: 'silent' });
  expect(r.error!.message).toContain(
    `SSH connection to deployer@127.0.0.1:${silent} timed out after 3s (during the handshake)`,
  );
  expect(r.ms).toBeLessThan(8_000);
  const j = await deploy('1.1.0', [`127.0.0.1:${silent}`], {
    extra: { 'ssh-jump-host': `${f.SSH_USER}@127.0.0.1:${f.SSH_PORT}` },
    label: 'silent via jump',
  });
  expect(j.error!.message).toContain(
    `SSH connection to deployer@127.0.0.1:${silent} timed out after 3s (during the handshake)`,
  );
  expect(j.ms).toBeLessThan(10_000);
  serving('1.0.0');
});

test('no common host-key type, on host 2 of 2: host 1 is rolled back to 1.0.0, one clear error', async () => {
  // Host 2 is the silent server's twin: this suite's sshd pinned with an ECDSA key it does not have (it has ed25519).
  const ecdsa = utils.generateKeyPairSync('ecdsa', { bits: 256 }).public;
  const other = await listen(
    net.createServer((s) => {
      const up = net.connect(Number(f.SSH_PORT), '127.0.0.1');
      // The client gives up mid-handshake: both ends reset, which must not fail this test process.
      for (const x of [s, up]) x.on('error', () => undefined);
      s.pipe(up).pipe(s);
    }),
  );
  const r = await deploy('1.1.0', [f, `127.0.0.1:${other}`], {
    extra: { 'ssh-known-hosts': `${readFileSync(f.KNOWN_HOSTS, 'utf8')}[127.0.0.1]:${other} ${ecdsa}\n` },
    label: 'host-key type, two hosts',
  });
  expect(r.error!.message).toMatch(
    new RegExp(`127\\.0\\.0\\.1:${other}: connect: .*(host key|handshake|algorithm)`, 'i'),
  );
  expect(r.error!.message).toContain(`Rolled back: 127.0.0.1:${f.SSH_PORT} (rolled-back to 1.0.0)`);
  serving('1.0.0');
});

test('sshd killed during upload: the step fails at once, current never moved, 1.0.0 serving', async () => {
  let killed = false;
  const r = await deploy('1.1.0', [f], {
    label: 'killed during upload',
    onLine: (l) => {
      if (!killed && /: image .* already present/.test(l)) {
        killed = true;
        killSshd(f);
      }
    },
  });
  restartSshd('faults');
  expect(killed).toBe(true);
  expect(r.error!.message).toMatch(/: upload: .*(lost|gone|closed)/);
  expect(r.error!.message).toContain('No host was switched to the new release.');
  serving('1.0.0');
});

// The killed `up` can leave containers half made; the rollback's `up` of 1.0.0 then meets "Conflict. The container
// name ... is already in use" and must clear them (compose down of the project) before it brings 1.0.0 up.
test('sshd killed during up (and back at once): the rollback reconnects, 1.0.0 serving', async () => {
  let killed = false;
  const r = await deploy('1.1.0', [f], {
    label: 'killed during up',
    onLine: (l) => {
      if (!killed && /current -> releases\/1\.1\.0/.test(l)) {
        killed = true;
        setTimeout(() => {
          killSshd(f);
          restartSshd('faults');
        }, 300);
      }
    },
  });
  expect(killed).toBe(true);
  expect(r.error!.message).toMatch(/: up: .*(lost|closed)/);
  expect(r.summary.hosts[0]!.rollback).toEqual({ status: 'rolled-back', toVersion: '1.0.0' });
  expect(r.error!.message).toContain(`Rolled back: 127.0.0.1:${f.SSH_PORT} (rolled-back to 1.0.0)`);
  serving('1.0.0');
});

test('sshd killed during the rollback (and back at once): the rollback reconnects once more, 1.0.0 serving', async () => {
  execFileSync('mkdir', ['-p', '/srv/deploy-action-test/markers']);
  execFileSync('touch', ['/srv/deploy-action-test/markers/fail']);
  let killed = false;
  try {
    const r = await deploy('1.1.0', [f], {
      overrides: ['fails-on-marked-host.yml'],
      label: 'killed during rollback',
      onLine: (l) => {
        if (!killed && l === '::group::Rollback') {
          killed = true;
          setTimeout(() => {
            killSshd(f);
            restartSshd('faults');
          }, 500);
        }
      },
    });
    expect(killed).toBe(true);
    expect(r.log.lines.join('\n')).toMatch(/rollback interrupted .*; reconnecting to try again/);
    expect({ rollback: r.summary.hosts[0]!.rollback, log: r.log.lines.filter((l) => /WARNING/.test(l)) }).toMatchObject(
      { rollback: { status: 'rolled-back' } },
    );
    expect(r.error!.message).toContain(`Rolled back: 127.0.0.1:${f.SSH_PORT} (rolled-back to 1.0.0)`);
    try {
      serving('1.0.0');
    } catch (e) {
      process.stdout.write(`killed during rollback, the deploy's log:\n${r.log.lines.join('\n')}\n`);
      throw e;
    }
  } finally {
    execFileSync('rm', ['-f', '/srv/deploy-action-test/markers/fail']);
  }
});

describe('an image transfer that fails ends the step within seconds, with no docker save left', () => {
  let proxyPort = 0;
  const cut = new Set<net.Socket>();
  let proxyKnownHosts = '';
  beforeAll(async () => {
    const id = docker(undefined, [
      'image',
      'inspect',
      '--format',
      '{{.Id}}',
      'deploy-action-test/doongzi-runner:e2e',
    ]).trim();
    // The image must be absent on host b for a load to happen: an earlier suite's container there holds it.
    const users = docker(b, ['ps', '-aq', '--filter', `ancestor=${id}`], { allowFail: true }).trim();
    if (users) docker(b, ['rm', '-f', ...users.split('\n')], { allowFail: true });
    docker(b, ['rmi', '-f', id], { allowFail: true });
    expect(docker(b, ['image', 'inspect', id], { allowFail: true }).trim()).toMatch(/^(\[\])?$/);
    proxyPort = await listen(
      net.createServer((s) => {
        const up = net.connect(Number(b.SSH_PORT), '127.0.0.1');
        for (const x of [s, up]) {
          cut.add(x);
          x.on('error', () => undefined);
        }
        s.pipe(up).pipe(s);
      }),
    );
    proxyKnownHosts = readFileSync(b.KNOWN_HOSTS, 'utf8').replace(
      `[127.0.0.1]:${b.SSH_PORT}`,
      `[127.0.0.1]:${proxyPort}`,
    );
  });

  test('a command timeout during docker load', async () => {
    const r = await deploy('1.1.0', [`127.0.0.1:${proxyPort}`], {
      extra: { 'ssh-command-timeout': '2', 'ssh-known-hosts': proxyKnownHosts },
      label: 'load timed out',
    });
    expect(r.error!.message).toMatch(/: image: docker load \(image streamed over SSH\) on .* timed out after 2s/);
    expect(r.ms).toBeLessThan(20_000);
    expect(dockerSaves()).toEqual([]);
  });

  test('the connection cut during docker load', async () => {
    let timer: NodeJS.Timeout | undefined;
    const r = await deploy('1.1.0', [`127.0.0.1:${proxyPort}`], {
      extra: { 'ssh-known-hosts': proxyKnownHosts },
      label: 'load cut',
      onLine: (l) => {
        // Cut once the image step has begun (after preflight), whatever the steps before it took.
        if (/: deploy path /.test(l))
          timer = setTimeout(() => {
            for (const s of cut) s.destroy();
          }, 1_500);
      },
    });
    clearTimeout(timer);
    expect(r.error!.message).toMatch(/: image: .*(lost|closed|gone)/);
    expect(r.ms).toBeLessThan(20_000);
    expect(dockerSaves()).toEqual([]);
  });
});

test('a binary secret (base64:, bytes 0x00-0xFF) is in the container byte for byte', async () => {
  const r = await deploy('3.0.0', [f], { env: BINARY_ENV, overrides: ['binary-secret.yml'] });
  expect(r.error).toBeUndefined();
  const c = containerOf(names, undefined)!;
  const inContainer = execFileSync('docker', ['exec', c.id, 'cat', '/run/secrets/db_password']);
  expect(inContainer.length).toBe(SECRET.length);
  const sha = (x: Buffer) => createHash('sha256').update(x).digest('hex');
  expect(sha(inContainer)).toBe(sha(SECRET));
  expect(
    execFileSync('docker', ['exec', c.id, 'sha256sum', '/run/secrets/db_password'], { encoding: 'utf8' }),
  ).toContain(sha(SECRET));
});
