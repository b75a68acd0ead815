/**
 * The deploy half of the hardening issue, through the RemoteShell seam: a host that lies (a `current` outside
 * releases/, a manifest with hostile fields, stderr with workflow commands), a concurrent deploy's prune, a failed
 * connect inside a fleet's rollback, and the inputs that overflowed timers or corrupted binary secrets.
 */
import { spawnSync } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { utils } from 'ssh2';
import type { HostAddress } from '../../src/deploy/host-address.js';
import { MAX_TIMEOUT_SECONDS, parseDeployInputs } from '../../src/deploy/inputs.js';
import type { LocalDocker } from '../../src/deploy/local-docker.js';
import { buildDeployPlan, type DeploySource, valuesToMask } from '../../src/deploy/plan.js';
import { releasesToPrune } from '../../src/deploy/release/release.js';
import { composePreflightScript } from '../../src/deploy/remote/scripts/preflight.js';
import { SshError } from '../../src/deploy/remote/shell.js';
import { inertLog } from '../../src/deploy/run-deploy.js';
import { formatDeploySummary } from '../../src/deploy/summary.js';
import { ComposeTarget } from '../../src/deploy/targets/compose.js';
import { hostText } from '../../src/util/host-text.js';
import {
  type Call,
  COMPOSE_SOURCE,
  FakeClock,
  log,
  records,
  type Script,
  ScriptedShell,
} from './deploy-scripted-shell.js';

const keys = utils.generateKeyPairSync('ed25519');
const hostKey = utils.generateKeyPairSync('ed25519').public;
const DEPLOY_PATH = '/srv/app';
const source: DeploySource = COMPOSE_SOURCE;
const inputs = (hosts: string[], over: Record<string, string> = {}, env: Record<string, string> = {}) =>
  parseDeployInputs(
    (n) =>
      ({
        'ssh-host': hosts.join('\n'),
        'ssh-user': 'deployer',
        'ssh-key': keys.private,
        'ssh-known-hosts': hosts.map((h) => `${h} ${hostKey}`).join('\n'),
        'deploy-path': DEPLOY_PATH,
        'deploy-secrets': 'db_password=DB_PASSWORD',
        'keep-releases': '1',
        ...over,
      })[n] ?? '',
    { DB_PASSWORD: 's3cret', GITHUB_REPOSITORY: 'doongzi/app', ...env },
  );
const LOCAL = { id: 'sha256:abc' };
const noDocker = {} as LocalDocker;
const GOOD_MANIFEST = { version: '1.1.0', project: 'doongzi', composeFiles: ['deploy/docker-compose.yml'] };

/** A host running releases/1.1.0 (or what `current`/`manifest` say); `fail` overrides answers by script name. */
function host(
  o: { current?: string; manifest?: unknown; fail?: Record<string, (c: Call) => ReturnType<Script>> } = {},
) {
  const manifest = typeof o.manifest === 'string' ? o.manifest : JSON.stringify(o.manifest ?? GOOD_MANIFEST);
  return ((c) => {
    if (o.fail?.[c.name]) return o.fail[c.name]!(c);
    if (c.name === 'preflight') {
      return {
        stdout: records([
          ['requested', DEPLOY_PATH],
          ['path', DEPLOY_PATH],
          ['current', o.current ?? 'releases/1.1.0'],
          ['manifest', manifest],
        ]),
      };
    }
    if (c.name === 'image-probe') return { stdout: `${LOCAL.id}\n` };
    return undefined;
  }) as Script;
}

function setup(scripts: Record<string, Script | Error[]>, over: Record<string, string> = {}) {
  const calls: Call[] = [];
  const connects: string[] = [];
  const l = log();
  const target = new ComposeTarget(
    buildDeployPlan(inputs(Object.keys(scripts), over), source),
    inertLog(l),
    async (a: HostAddress) => {
      connects.push(a.host);
      const s = scripts[a.host]!;
      // A list of errors: each connect fails with the next one, until the list holds a script.
      if (Array.isArray(s)) {
        const next = s.shift();
        if (next) throw next;
      }
      return new ScriptedShell(a.host, s as Script, calls);
    },
    new FakeClock(),
  );
  const on = (h: string) => calls.filter((c) => c.host === h).map((c) => c.name);
  return { target, calls, connects, log: l, on };
}

const failingUp = (stderr = 'Error response from daemon: boom') => ({
  'compose-up': () => ({ code: 1, stderr }),
});

describe('2: the rollback only follows what the deploy wrote', () => {
  test.each([
    ['/etc', 'absolute'],
    ['../../home/other/app', 'outside'],
    ['releases/../../x', 'dot-dot inside'],
    ['releases/a/b', 'nested'],
    ['releases/.hidden', 'dot name'],
  ])('current -> %s (%s) stops the deploy at preflight, before anything is staged', async (current) => {
    const { target, on } = setup({ 'a.example': host({ current }) });
    const err = (await target.deploy(LOCAL, noDocker).catch((e: Error) => e)) as Error;
    expect(err.message).toContain('not at releases/<release>: deploy-action only follows links it wrote');
    expect(on('a.example')).toEqual(['preflight']);
    expect(await target.recover()).toBe('No host was switched to the new release.');
  });

  test.each([
    [{ ...GOOD_MANIFEST, project: 'other; rm -rf /' }, 'project'],
    [{ ...GOOD_MANIFEST, composeFiles: ['/home/other/docker-compose.yml'] }, 'composeFiles'],
    [{ ...GOOD_MANIFEST, composeFiles: ['../../other/docker-compose.yml'] }, 'composeFiles'],
    [{ ...GOOD_MANIFEST, version: '1.1.0\n::warning::x' }, 'version'],
    ['not json', 'JSON'],
  ])('a manifest with a bad %s never steers the rollback: refused, by hand', async (manifest, field) => {
    const { target, on, calls, log: l } = setup({ 'a.example': host({ manifest, fail: failingUp() }) });
    await expect(target.deploy(LOCAL, noDocker)).rejects.toThrow(/docker compose up failed/);
    expect(l.lines.join('\n')).toContain(`a rollback to it would have to be done by hand`);
    expect(await target.recover()).toBe('Rollback FAILED on a.example:22: check these hosts by hand.');
    expect(target.hosts[0]!.rollback!.detail).toMatch(new RegExp(`${field}.*bring it up by hand`));
    // One `up` (the new release), no second one for the untrusted previous release, current never switched back.
    expect(on('a.example').filter((n) => n === 'compose-up')).toHaveLength(1);
    expect(calls.filter((c) => c.label === 'switch current back')).toEqual([]);
    // The previous version shown is the (validated) directory name, never the manifest's text.
    expect(target.hosts[0]!.previousVersion).toBe('1.1.0');
  });

  test('the preflight script refuses a deploy-path, releases/ or current the deploy user does not own', () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'deploy-action-owner-'));
    try {
      const run = (p: string) =>
        spawnSync('/bin/sh', ['-c', composePreflightScript(p).text], {
          encoding: 'utf8',
          env: { PATH: `${tmp}/bin:${process.env.PATH}` },
        });
      mkdirSync(`${tmp}/bin`);
      // docker and compose answer yes; only the ownership is under test.
      spawnSync('sh', ['-c', `printf '#!/bin/sh\\nexit 0\\n' > ${tmp}/bin/docker && chmod +x ${tmp}/bin/docker`]);
      const me = process.getuid!();
      const dp = path.join(tmp, 'srv');
      mkdirSync(path.join(dp, 'releases/1.0.0'), { recursive: true });
      symlinkSync('releases/1.0.0', path.join(dp, 'current'));
      expect(run(dp).status).toBe(0);
      for (const [what, p] of [
        ['.', dp],
        ['releases', path.join(dp, 'releases')],
        ['current', path.join(dp, 'releases/1.0.0')],
      ] as const) {
        chownSync(p, me + 4242, me + 4242);
        const r = run(dp);
        expect(r.status).toBe(composePreflightScript(dp).exits.notOwned);
        expect(r.stderr).toMatch(
          what === 'current'
            ? /current points at a directory not owned/
            : new RegExp(`: ${what.replace('.', '\\.')} is owned by uid ${me + 4242}, not by the deploy user`),
        );
        chownSync(p, me, me);
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('4: host-derived text never becomes a workflow command', () => {
  test('hostText: control characters shown, a leading :: made inert, idempotent', () => {
    const raw = 'ok\n::add-mask::x\n  ::warning file=a::pwned\r\u001b[31mred\u0085\u2028end\ttab';
    const t = hostText(raw);
    expect(t).toBe('ok\n: :add-mask::x\n  : :warning file=a::pwned\\x0d\\x1b[31mred\\x85\\u2028end\ttab');
    expect(hostText(t)).toBe(t);
  });

  test('stderr and docker output with ::add-mask:: and escapes reach the log, error and summary inert', async () => {
    const evil = 'boom\n::add-mask::s3cret\n::warning title=x::pwned\n\u001b]0;title\u0007';
    const { target, log: l } = setup({
      'a.example': host({
        fail: {
          ...failingUp(evil),
          'compose-ps': () => ({
            stdout: JSON.stringify([{ Name: 'c\n::error::x', Service: 'app', State: 'exited' }]),
          }),
          'compose-logs': () => ({ stdout: '::stop-commands::tok\nline\u001b[2J' }),
        },
      }),
    });
    const err = (await target.deploy(LOCAL, noDocker).catch((e: Error) => e)) as Error;
    const tail = await target.recover();
    const summary = formatDeploySummary({
      ok: false,
      version: '1.2.0',
      imageRefs: [],
      hosts: target.hosts,
      deployedHosts: [],
      elapsedMs: 1,
      error: `${err.message}\n${tail}`,
    });
    for (const text of [err.message, ...l.lines, summary]) {
      for (const line of text.split('\n')) expect(line).not.toMatch(/^\s*::/);
      expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    }
    expect(err.message).toContain(': :add-mask::s3cret');
    expect(err.message).toContain(': :stop-commands::tok');
  });
});

describe('5: prune never deletes a release being staged or current', () => {
  const entries = ['1.0.0', '1.1.0', '2.0.0', '3.0.0'].map((name, i) => ({ name, mtime: 1000 + i * 10 }));
  test('a fresh staging marker and the host current are spared; a stale marker is not', () => {
    const scene = (now: number) => ({
      entries,
      staging: new Map([['3.0.0', 1030]]),
      now,
      hostCurrent: '2.0.0',
    });
    // keep 1, this deploy is 1.1.0: 3.0.0 is being staged by another deploy (5 s ago), 2.0.0 went live meanwhile.
    expect(releasesToPrune(scene(1035), 1, '1.1.0', 600_000)).toEqual(['1.0.0']);
    // An hour later the marker is stale (a deploy that died): it is pruned like any other.
    expect(releasesToPrune(scene(4630), 1, '1.1.0', 600_000).sort()).toEqual(['1.0.0', '3.0.0']);
  });

  test('two concurrent deploys with keep-releases 1: the prune asks the host and spares the other one', async () => {
    const listing = {
      'list-releases': () => ({
        stdout: records([
          ['now', '2000'],
          ['current', 'releases/1.2.0'],
          ['release', '1000.5 1.0.0'],
          ['release', '1500.5 1.1.0'],
          ['release', '1990.5 1.2.0'],
          ['release', '1995.5 1.3.0'],
          ['staging', '1995.5 ./1.3.0'],
        ]),
      }),
    };
    const { target, calls } = setup({ 'a.example': host({ fail: listing }) });
    await target.deploy(LOCAL, noDocker);
    const rm = calls.find((c) => c.name === 'remove-releases')!;
    expect(rm.text).toContain("rm -rf -- '1.1.0' '1.0.0'");
    expect(rm.text).not.toContain('1.3.0');
    // The marker is written before the first upload and removed by the switch.
    expect(calls.find((c) => c.name === 'create-release')!.text).toContain('.deploy-action-staging');
    expect(calls.find((c) => c.name === 'switch-current')!.text).toContain(
      "rm -f -- 'releases/1.2.0/.deploy-action-staging'",
    );
  });
});

describe('1: a failed SSH handshake inside a fleet deploy', () => {
  test('host 2 cannot connect: host 1 (already switched) is rolled back, one clear SshError', async () => {
    const refused = new SshError(
      'SSH connection to b.example:22 timed out after 30s (during the handshake)',
      'timeout',
    );
    const { target, on } = setup({ 'a.example': host(), 'b.example': [refused] });
    const err = (await target.deploy(LOCAL, noDocker).catch((e: Error) => e)) as Error;
    expect(err.message).toBe(
      'b.example:22: connect: SSH connection to b.example:22 timed out after 30s (during the handshake)',
    );
    expect(await target.recover()).toBe('Rolled back: a.example:22 (rolled-back to 1.1.0).');
    expect(on('a.example').slice(-4)).toEqual([
      'switch-current',
      'compose-settle-half-recreated',
      'compose-up',
      'compose-settle-half-recreated',
    ]);
  });

  test('the rollback connection dies: reconnect once and finish the rollback', async () => {
    let ups = 0;
    const a = host({
      fail: { 'compose-up': () => (ups++ === 0 ? undefined : ups === 2 ? { lose: true } : undefined) },
    });
    const down = new SshError('cannot connect to b.example:22: ECONNREFUSED', 'connect');
    const { target, connects } = setup({ 'a.example': a, 'b.example': [down] });
    await expect(target.deploy(LOCAL, noDocker)).rejects.toThrow(/ECONNREFUSED/);
    expect(await target.recover()).toBe('Rolled back: a.example:22 (rolled-back to 1.1.0).');
    expect(connects.filter((h) => h === 'a.example')).toHaveLength(2);
  });
});

describe('6 and 7: inputs', () => {
  test.each(['health-timeout', 'ssh-connect-timeout', 'ssh-command-timeout'])(
    '%s: 2147484 s (past the 32-bit timer) is refused with DA-DEP-001, naming the maximum',
    (input) => {
      let err: unknown;
      try {
        inputs(['a.example'], { [input]: '2147484' });
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({
        ruleId: 'DA-DEP-001',
        message: `${input}: "2147484" is more than the maximum of ${MAX_TIMEOUT_SECONDS} seconds (24 h)`,
      });
      expect(() => inputs(['a.example'], { [input]: `${MAX_TIMEOUT_SECONDS}s` })).not.toThrow();
    },
  );

  const binary = Buffer.concat([
    Buffer.from('head '),
    Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
    Buffer.from(' tail\n'),
  ]);
  test('a base64: secret is written as exactly its bytes (270 bytes, 0x00-0xFF), and masked as given', () => {
    expect(binary.length).toBe(267);
    const given = `base64:${binary.toString('base64')}`;
    const i = inputs(['a.example'], {}, { DB_PASSWORD: given });
    expect(i.secrets[0]!.value.equals(binary)).toBe(true);
    expect(valuesToMask(i)).toContain(given);
    // Wrapped base64 (as `base64` prints it) is the same bytes.
    const wrapped = `base64:${binary.toString('base64').replace(/(.{76})/g, '$1\n')}\n`;
    expect(inputs(['a.example'], {}, { DB_PASSWORD: wrapped }).secrets[0]!.value.equals(binary)).toBe(true);
  });

  test('a value the environment could not hold as text, or bad base64, is refused, never written altered', () => {
    // What Node makes of bytes 0x80-0xFF in the environment: U+FFFD.
    const replaced = Buffer.from([0x61, 0x80, 0xff, 0x62]).toString('utf8');
    expect(() => inputs(['a.example'], {}, { DB_PASSWORD: replaced })).toThrow(
      /secrets: db_password \(DB_PASSWORD\) is not valid UTF-8 text .*give a binary value as base64:/,
    );
    for (const bad of ['base64:', 'base64:abc', 'base64:ab$=', 'base64:YQ==YQ=='])
      expect(() => inputs(['a.example'], {}, { DB_PASSWORD: bad })).toThrow(
        /starts with base64: but the rest is not valid base64/,
      );
  });
});
