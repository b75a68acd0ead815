/**
 * The deploy lock: the script itself under /bin/sh (dash) and the real flock with a hostile deploy path, and the
 * compose host's state machine around it through scripted hosts (a refused lock changes nothing; the lock is held
 * through the rollback and released at the end).
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { utils } from 'ssh2';
import type { HostAddress } from '../../src/deploy/host-address.js';
import { parseDeployInputs } from '../../src/deploy/inputs.js';
import type { LocalDocker } from '../../src/deploy/local-docker.js';
import { buildDeployPlan, type DeploySource } from '../../src/deploy/plan.js';
import { parseRecords } from '../../src/deploy/remote/script.js';
import { COMPOSE_EXIT } from '../../src/deploy/remote/scripts/compose.js';
import { LOCK_EXIT, LOCK_FILE, LOCK_HOLDER_FILE, deployLockScript } from '../../src/deploy/remote/scripts/lock.js';
import { ComposeTarget } from '../../src/deploy/targets/compose.js';
import { type Call, FakeClock, type Hold, log, records, type Script, ScriptedShell } from './deploy-scripted-shell.js';

/** Spaces, both quotes, `$`, a backtick, a leading `-`, `:` and `,` (deploy-path refuses newlines and backslashes). */
const HOSTILE = '-it\'s "a" $HOME `id` x:y,z';
const RUN = 'https://github.example/doongzi/app/actions/runs/42';

describe('the lock script under /bin/sh', () => {
  let tmp: string;
  let deployPath: string;
  const started: ChildProcessWithoutNullStreams[] = [];
  beforeEach(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'deploy-action-lock-'));
    deployPath = path.join(tmp, HOSTILE, 'srv');
  });
  afterEach(() => {
    for (const c of started.splice(0)) c.kill('SIGKILL');
    rmSync(tmp, { recursive: true, force: true });
  });

  /** Starts the script; resolves with how it ended, or with `held` once it prints that it holds the lock. */
  function start(version: string, timeout: number, env: NodeJS.ProcessEnv = { PATH: process.env.PATH }) {
    const s = deployLockScript(deployPath, { version, runUrl: RUN }, timeout);
    const child = spawn('/bin/sh', ['-c', s.text], { cwd: tmp, env });
    started.push(child);
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const ended = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
      child.on('close', (code) => resolve({ code, stdout, stderr })),
    );
    const held = new Promise<'held' | 'ended'>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes('locked=1\0')) resolve('held');
      });
      void ended.then(() => resolve('ended'));
    });
    return { child, held, ended };
  }

  test('held until stdin ends; a second deploy waits, then fails naming the holder', async () => {
    const first = start('1.0.0 "$x" `id`', 5);
    expect(await first.held).toBe('held');
    const holder = parseRecords(readFileSync(path.join(deployPath, LOCK_HOLDER_FILE), 'utf8'));
    expect(holder.get('version')).toEqual(['1.0.0 "$x" `id`']);
    expect(holder.get('run')).toEqual([RUN]);
    expect(holder.get('since')![0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const t0 = Date.now();
    const second = start('2.0.0', 1);
    const refused = await second.ended;
    expect(refused.code).toBe(LOCK_EXIT.busy);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(parseRecords(refused.stderr).get('version')).toEqual(['1.0.0 "$x" `id`']);

    // A waiting deploy gets the lock as soon as the holder closes stdin; the holder's record goes with it.
    const third = start('3.0.0', 10);
    first.child.stdin.end();
    expect((await first.ended).code).toBe(0);
    expect(await third.held).toBe('held');
    expect(parseRecords(readFileSync(path.join(deployPath, LOCK_HOLDER_FILE), 'utf8')).get('version')).toEqual([
      '3.0.0',
    ]);
    // Killed outright (the connection gone, the shell with it): the kernel drops the lock.
    third.child.kill('SIGKILL');
    await third.ended;
    const fourth = start('4.0.0', 0);
    expect(await fourth.held).toBe('held');
    fourth.child.stdin.end();
    expect((await fourth.ended).code).toBe(0);
    expect(existsSync(path.join(deployPath, LOCK_HOLDER_FILE))).toBe(false);
    expect(existsSync(path.join(deployPath, LOCK_FILE))).toBe(true);
  });

  test('no flock on the host, or a deploy-path it cannot write: a clear error and its code', async () => {
    const bin = path.join(tmp, 'bin');
    mkdirSync(bin);
    for (const t of ['mkdir', 'id', 'cat', 'date', 'mv', 'rm', 'sleep']) {
      symlinkSync(
        spawnSync('sh', ['-c', `command -v ${t}`])
          .stdout.toString()
          .trim(),
        path.join(bin, t),
      );
    }
    const none = await start('1.0.0', 1, { PATH: bin }).ended;
    expect(none.code).toBe(LOCK_EXIT.noFlock);
    expect(none.stderr).toMatch(/^flock is not installed on the host/);

    if (process.getuid?.() === 0) return; // root writes anywhere
    mkdirSync(path.join(tmp, HOSTILE), { recursive: true });
    spawnSync('chmod', ['0500', path.join(tmp, HOSTILE)]);
    const denied = await start('1.0.0', 1).ended;
    expect(denied.code).toBe(LOCK_EXIT.notWritable);
    expect(denied.stderr).toBe(
      `deploy-path ${deployPath} is not writable by ${os.userInfo().username}: create it and chown it to that user\n`,
    );
    spawnSync('chmod', ['0700', path.join(tmp, HOSTILE)]);
  });
});

describe('the compose host around the lock', () => {
  const keys = utils.generateKeyPairSync('ed25519');
  const hostKey = utils.generateKeyPairSync('ed25519').public;
  const HOSTS = ['a.example', 'b.example'];
  const source: DeploySource = {
    projectName: 'doongzi',
    composeFiles: [{ path: 'deploy/docker-compose.yml', content: 'services: {app: {image: "doongzi/backend:dev"}}\n' }],
    buildServices: ['app'],
    secretFiles: [],
    envFiles: [],
    runtimeUser: { uid: 999, gid: 999 },
    image: { localRef: 'sha256:abc', repository: 'doongzi/backend' },
    event: { eventName: 'push', ref: 'refs/tags/v1.2.0', sha: '0123456789abcdef0123456789abcdef01234567' },
  };
  const plan = () =>
    buildDeployPlan(
      parseDeployInputs(
        (n) =>
          ({
            'ssh-host': HOSTS.join('\n'),
            'ssh-user': 'deployer',
            'ssh-key': keys.private,
            'ssh-known-hosts': HOSTS.map((h) => `${h} ${hostKey}`).join('\n'),
            'deploy-path': '/srv/app',
            'lock-timeout': '30',
          })[n] ?? '',
        {
          GITHUB_REPOSITORY: 'doongzi/app',
          GITHUB_SERVER_URL: 'https://github.example',
          GITHUB_RUN_ID: '42',
        },
      ),
      source,
    );
  const manifest = JSON.stringify({
    version: '1.1.0',
    project: 'doongzi',
    composeFiles: ['deploy/docker-compose.yml'],
  });
  const host =
    (fail: Record<string, () => ReturnType<Script>> = {}): Script =>
    (c) => {
      if (fail[c.name]) return fail[c.name]!();
      if (c.name === 'preflight') {
        return {
          stdout: records([
            ['requested', '/srv/app'],
            ['path', '/srv/app'],
            ['current', 'releases/1.1.0'],
            ['manifest', manifest],
          ]),
        };
      }
      if (c.name === 'image-probe') return { stdout: 'sha256:abc\n' };
      if (c.name === 'list-releases') return { stdout: records([['now', '100']]) };
      return undefined;
    };

  function setup(scripts: Record<string, Script>) {
    const calls: Call[] = [];
    const holds: Hold[] = [];
    const target = new ComposeTarget(
      plan(),
      log(),
      async (a: HostAddress) => new ScriptedShell(a.host, scripts[a.host]!, calls, holds),
      new FakeClock(),
    );
    return { target, calls, holds };
  }
  const LOCAL = { id: 'sha256:abc' };
  const noDocker = {} as LocalDocker;

  test('a lock held elsewhere: the deploy fails naming the holder, and nothing else runs on the host', async () => {
    const holder = records([
      ['version', '1.1.9\n::warning::x'],
      ['run', 'https://github.example/doongzi/app/actions/runs/41'],
      ['since', '2026-01-01T00:00:00Z'],
    ]);
    const { target, calls, holds } = setup({
      'a.example': host({ 'deploy-lock': () => ({ code: LOCK_EXIT.busy, stderr: holder }) }),
      'b.example': host(),
    });
    const err = (await target.deploy(LOCAL, noDocker).catch((e: Error) => e)) as Error;
    expect(err.message).toBe(
      'a.example:22: lock: deploy-path /srv/app is locked by another deploy (version 1.1.9\\n: :warning::x, ' +
        'run https://github.example/doongzi/app/actions/runs/41, since 2026-01-01T00:00:00Z), ' +
        'still held after lock-timeout (30s); nothing was changed on this host',
    );
    expect(await target.recover()).toBe('No host was switched to the new release.');
    target.close();
    expect(calls).toEqual([]);
    expect(holds).toEqual([]);
    expect(target.hosts.map((h) => h.status)).toEqual(['unchanged', 'unchanged']);
  });

  test('the lock is taken first, held through the rollback, and released at the end', async () => {
    let ups = 0;
    const { target, calls, holds } = setup({
      'a.example': host(),
      'b.example': host({ 'compose-up': () => (ups++ === 0 ? { code: COMPOSE_EXIT.healthTimeout } : undefined) }),
    });
    await expect(target.deploy(LOCAL, noDocker)).rejects.toThrow(/health-timeout/);
    // Both hosts locked before their preflight, neither released before its rollback ran.
    expect(holds.map((h) => [h.host, calls[h.takenAt]?.name, h.releasedAt])).toEqual([
      ['a.example', 'preflight', undefined],
      ['b.example', 'preflight', undefined],
    ]);
    expect(holds[0]!.text).toContain(`printf 'version=%s\\0run=%s\\0since=%s\\0' '1.2.0' '${RUN}'`);
    expect(await target.recover()).toBe(
      'Rolled back: a.example:22 (rolled-back to 1.1.0), b.example:22 (rolled-back to 1.1.0).',
    );
    const rolledBack = calls.length;
    expect(holds.every((h) => h.releasedAt === undefined)).toBe(true);
    target.close();
    expect(holds.map((h) => h.releasedAt)).toEqual([rolledBack, rolledBack]);
    expect(target.hosts[0]!.steps.map((s) => s.step).slice(0, 3)).toEqual(['connect', 'lock', 'preflight']);
  });

  test('the connection lost during up: the rollback reconnects and takes the lock again first', async () => {
    let ups = 0;
    const { target, calls, holds } = setup({
      'a.example': host({ 'compose-up': () => (ups++ === 0 ? { lose: true } : undefined) }),
      'b.example': host(),
    });
    await expect(target.deploy(LOCAL, noDocker)).rejects.toThrow(/lost/);
    await target.recover();
    target.close();
    expect(holds).toHaveLength(2);
    // The first lock went with the connection; the second was taken before the rollback's first command.
    expect(holds[0]!.releasedAt).toBe(calls.findIndex((c) => c.name === 'compose-up') + 1);
    expect(calls[holds[1]!.takenAt]!.label).toBe('switch current back');
    // The whole rollback runs under the second lock, the half-recreated containers' removal included.
    const after = calls.slice(holds[1]!.takenAt).map((c) => `${c.name} ${c.text.match(/cd -- '([^']+)'/)?.[1] ?? ''}`);
    expect(after.slice(0, 4)).toEqual([
      'switch-current /srv/app',
      'compose-settle-half-recreated ',
      'compose-up /srv/app/releases/1.1.0',
      'compose-settle-half-recreated ',
    ]);
  });
});
