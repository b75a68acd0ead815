/**
 * Deploy hooks: the inputs, the compose target's order (pre-deploy before the switch, post-deploy after health) and
 * failures against scripted hosts, and the hook script itself run by /bin/sh (dash here) with a `docker` shim.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { utils } from 'ssh2';
import type { HostAddress } from '../../src/deploy/host-address.js';
import { parseHookCommand } from '../../src/deploy/hook-inputs.js';
import { DeployInputError, parseDeployInputs } from '../../src/deploy/inputs.js';
import type { LocalDocker } from '../../src/deploy/local-docker.js';
import { buildDeployPlan, type DeploySource } from '../../src/deploy/plan.js';
import { HOOK_EXIT, NO_RELEASE, hookScript } from '../../src/deploy/remote/scripts/hook.js';
import { ComposeTarget } from '../../src/deploy/targets/compose.js';
import { LineSplitter } from '../../src/deploy/targets/hooks.js';
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
const DEPLOY_PATH = '/srv/app';
const ENV = { DB_PASSWORD: 's3cret', GITHUB_REPOSITORY: 'doongzi/app' };
const base: Record<string, string> = {
  'ssh-host': 'a.example',
  'ssh-user': 'deployer',
  'ssh-key': keys.private,
  'ssh-known-hosts': `a.example ${hostKey}`,
  'deploy-path': DEPLOY_PATH,
  'deploy-secrets': 'db_password=DB_PASSWORD',
};
const inputs = (over: Record<string, string>) => parseDeployInputs((n) => ({ ...base, ...over })[n] ?? '', ENV);
const plan = (over: Record<string, string>, source: DeploySource = COMPOSE_SOURCE) =>
  buildDeployPlan(inputs(over), source);
const inputError = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DeployInputError);
    return (e as Error).message;
  }
  throw new Error('no error');
};

describe('inputs', () => {
  test('plain words and a YAML flow list both become argv; no hook, no hooks', () => {
    expect(parseHookCommand('  alembic   upgrade head\n', 'pre-deploy')).toEqual(['alembic', 'upgrade', 'head']);
    expect(parseHookCommand('["sh", "-c", "alembic upgrade head && echo \'done\'"]', 'pre-deploy')).toEqual([
      'sh',
      '-c',
      "alembic upgrade head && echo 'done'",
    ]);
    expect(parseHookCommand('', 'pre-deploy')).toBeUndefined();
    expect(inputs({}).hooks).toBeUndefined();
  });

  test('bad commands are refused naming the input', () => {
    expect(inputError(() => parseHookCommand('sh -c "a b"', 'pre-deploy'))).toMatch(
      /^pre-deploy: plain words take no quotes.*\["sh", "-c", "alembic upgrade head"\]/,
    );
    expect(inputError(() => parseHookCommand('["a", 1]', 'post-deploy'))).toMatch(
      /^post-deploy: a list must hold strings/,
    );
    expect(inputError(() => parseHookCommand('[]', 'post-deploy'))).toBe('post-deploy: the command is empty');
    expect(inputError(() => parseHookCommand('["a", "b"', 'pre-deploy'))).toMatch(/^pre-deploy: not a YAML flow list/);
  });

  test('hook-timeout takes durations (600 s by default); swarm takes hooks too; the service defaults to the built one', () => {
    expect(inputs({ 'pre-deploy': 'migrate' }).hooks).toEqual({ pre: ['migrate'], timeoutSeconds: 600 });
    expect(inputs({ 'post-deploy': 'smoke', 'hook-timeout': '90s' }).hooks?.timeoutSeconds).toBe(90);
    expect(inputError(() => inputs({ 'pre-deploy': 'x', 'hook-timeout': '0' }))).toMatch(/^hook-timeout: "0"/);
    expect(inputs({ 'pre-deploy': 'x', 'deploy-target': 'swarm' }).hooks).toEqual({ pre: ['x'], timeoutSeconds: 600 });
    expect(plan({ 'pre-deploy': 'migrate' }).hooks).toEqual({ pre: ['migrate'], service: 'app', timeoutSeconds: 600 });
    expect(inputError(() => plan({ 'pre-deploy': 'x', 'hook-service': 'db' }))).toBe(
      'hook-service: db is not a prod compose service (they are app)',
    );
    const twoBuilt = { ...COMPOSE_SOURCE, buildServices: ['app', 'worker'] };
    expect(inputError(() => plan({ 'pre-deploy': 'x' }, twoBuilt))).toMatch(/^hook-service: required, since several/);
    expect(plan({ 'pre-deploy': 'x', 'hook-service': 'worker' }, twoBuilt).hooks?.service).toBe('worker');
  });
});

test('the line splitter joins chunks cut anywhere and emits a last line without a break', () => {
  const got: string[] = [];
  const s = new LineSplitter((l) => got.push(l));
  for (const c of ['ab', 'c\r\nd', '', '\n\ne', 'f']) s.push(c);
  s.end();
  expect(got).toEqual(['abc', 'd', '', 'ef']);
});

/** A host that runs release 1.1.0; `answer` overrides an answer by script name. */
const host = (answer: Record<string, (c: Call) => ReturnType<Script>> = {}): Script =>
  hostRunning110(DEPLOY_PATH, 'sha256:abc', answer);

async function deploy(over: Record<string, string>, script: Script) {
  const calls: Call[] = [];
  const l = log();
  const target = new ComposeTarget(
    plan(over),
    l,
    async (a: HostAddress) => new ScriptedShell(a.host, script, calls),
    new FakeClock(),
  );
  const error = await target.deploy({ id: 'sha256:abc' }, {} as LocalDocker).then(
    () => undefined,
    (e: Error) => e,
  );
  const recovered = error ? await target.recover() : undefined;
  return { calls, log: l, target, error, recovered, names: calls.map((c) => c.name) };
}

test('pre-deploy runs in the staged release after its secrets and before the switch; its output is logged line by line', async () => {
  const out = 'INFO  [alembic] Running upgrade -> 1a2b\n::add-mask::x\nbell\u0007 done';
  const r = await deploy(
    { 'pre-deploy': '["alembic", "upgrade", "head"]', 'post-deploy': 'smoke-test --quick' },
    host({ hook: () => ({ stdout: out }) }),
  );
  expect(r.error).toBeUndefined();
  const at = (n: string) => r.names.indexOf(n);
  const hooks = r.calls.filter((c) => c.name === 'hook');
  expect(hooks).toHaveLength(2);
  expect(at('write-secret')).toBeLessThan(at('hook'));
  expect(at('hook')).toBeLessThan(at('switch-current'));
  expect(r.names.lastIndexOf('hook')).toBeGreaterThan(at('compose-up'));
  expect(hooks[0]!.text).toContain("cd -- '/srv/app/releases/1.2.0'");
  expect(hooks[0]!.text).toMatch(
    /timeout -k 10 600 docker compose -p 'doongzi' '-f' 'deploy\/docker-compose.yml' '-f' '[^']+' run --rm --no-deps -T --name 'doongzi-pre-deploy-[0-9a-f]{16}' -- 'app' 'alembic' 'upgrade' 'head'/,
  );
  expect(hooks[1]!.text).toContain("-- 'app' 'smoke-test' '--quick'");
  expect(r.target.hosts[0]!.steps.map((s) => s.step)).toEqual([
    'connect',
    'lock',
    'preflight',
    'image',
    'upload',
    'secrets',
    'pre-deploy',
    'switch',
    'up',
    'post-deploy',
    'prune',
  ]);
  const lines = r.log.lines.filter((l) => l.startsWith('info a.example:22: pre-deploy: '));
  expect(lines).toEqual([
    'info a.example:22: pre-deploy: running `alembic upgrade head` in a one-off app container',
    'info a.example:22: pre-deploy: INFO  [alembic] Running upgrade -> 1a2b',
    // The host's text made inert: no workflow command, no control character.
    'info a.example:22: pre-deploy: : :add-mask::x',
    'info a.example:22: pre-deploy: bell\\x07 done',
    'info a.example:22: pre-deploy: done',
  ]);
});

test('a failing pre-deploy: nothing switched, the staged release removed, the error ends with its last lines', async () => {
  const out = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n');
  const r = await deploy(
    { 'pre-deploy': 'alembic upgrade head', 'post-deploy': 'never' },
    host({ hook: () => ({ code: 1, stdout: out }) }),
  );
  expect(r.names).not.toContain('switch-current');
  expect(r.names).not.toContain('compose-up');
  expect(r.names.filter((n) => n === 'hook')).toHaveLength(1);
  expect(r.calls.find((c) => c.name === 'remove-releases')?.text).toContain("'1.2.0'");
  expect(r.error?.message).toMatch(
    /^a\.example:22: pre-deploy: the pre-deploy hook `alembic upgrade head` exited with status 1: nothing was switched; the previous release keeps serving; its last lines:\nline 11\n/,
  );
  expect(r.error?.message.endsWith('line 30')).toBe(true);
  expect(r.target.hosts[0]!.rollback?.status).toBe('not-needed');
});

test('a pre-deploy past hook-timeout: the error says so', async () => {
  const r = await deploy(
    { 'pre-deploy': 'sleep 999', 'hook-timeout': '2m' },
    host({ hook: (c) => (c.text.includes('timeout -k 10 120 ') ? { code: HOOK_EXIT.timedOut } : undefined) }),
  );
  expect(r.error?.message).toBe(
    'a.example:22: pre-deploy: the pre-deploy hook `sleep 999` did not finish within hook-timeout (120s) and was stopped: nothing was switched; the previous release keeps serving; it printed nothing',
  );
  expect(r.names).not.toContain('switch-current');
});

test('a failing post-deploy rolls back to the previous release', async () => {
  const r = await deploy({ 'post-deploy': 'smoke' }, host({ hook: () => ({ code: 3, stdout: 'smoke: 503\n' }) }));
  expect(r.error?.message).toContain('the post-deploy hook `smoke` exited with status 3: the deploy is rolled back');
  expect(r.error?.message).toContain('smoke: 503');
  expect(r.target.hosts[0]!.rollback).toMatchObject({ status: 'rolled-back', toVersion: '1.1.0' });
  const back = r.calls.find((c) => c.label === 'switch current back');
  expect(back?.text).toContain("'releases/1.1.0'");
});

describe('the hook script under /bin/sh', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'deploy-action-hook-'));
    // The shim records each call's argv (NUL-separated, one line per call), prints, and exits $HOOK_CODE for `compose`.
    writeFileSync(
      path.join(tmp, 'docker'),
      [
        '#!/bin/sh',
        'for a in "$@"; do printf "%s\\0" "$a"; done >>"$DIR/calls"; echo >>"$DIR/calls"',
        'case "$1" in compose) echo "to stdout"; echo "to stderr" >&2; exit "${HOOK_CODE:-0}";; esac',
        'exit 0',
      ].join('\n'),
    );
    chmodSync(path.join(tmp, 'docker'), 0o755);
    mkdirSync(path.join(tmp, "rel 'x'"));
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  const script = (releaseAbs: string) =>
    hookScript({
      releaseAbs,
      project: 'p',
      composeFiles: ['a.yml', 'b b.yml'],
      service: 'app',
      argv: ['sh', '-c', 'echo "$HOME" `id`', '-n'],
      timeoutSeconds: 5,
      container: 'p-pre-deploy-1',
    });
  const run = (releaseAbs: string, code = 0) => {
    const r = spawnSync('/bin/sh', ['-c', script(releaseAbs).text], {
      env: { PATH: `${tmp}:${process.env.PATH}`, DIR: tmp, HOOK_CODE: String(code) },
    });
    let calls: string[][] = [];
    try {
      calls = readFileSync(path.join(tmp, 'calls'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\0').slice(0, -1));
    } catch {}
    return { code: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString(), calls };
  };

  test('the argv reaches compose word for word, stderr joins stdout, success leaves the container alone', () => {
    const r = run(path.join(tmp, "rel 'x'"));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('to stdout\nto stderr\n');
    expect(r.stderr).toBe('');
    expect(r.calls).toEqual([
      [
        'compose',
        '-p',
        'p',
        '-f',
        'a.yml',
        '-f',
        'b b.yml',
        'run',
        '--rm',
        '--no-deps',
        '-T',
        '--name',
        'p-pre-deploy-1',
        '--',
        'app',
        'sh',
        '-c',
        'echo "$HOME" `id`',
        '-n',
      ],
    ]);
  });

  test('a failure passes the hook status through and removes the container by name; no release dir is told by its stderr', () => {
    const r = run(path.join(tmp, "rel 'x'"), 7);
    expect(r.code).toBe(7);
    expect(r.calls[1]).toEqual(['rm', '-f', '--', 'p-pre-deploy-1']);
    const gone = run(path.join(tmp, 'missing'));
    expect(gone.code).toBe(3);
    expect(gone.stderr).toContain(NO_RELEASE);
    expect(gone.calls).toHaveLength(2);
  });

  test('timeout stops a hook that hangs (124)', () => {
    writeFileSync(path.join(tmp, 'docker'), '#!/bin/sh\ncase "$1" in compose) exec sleep 30;; esac\nexit 0\n');
    const s = hookScript({
      releaseAbs: tmp,
      project: 'p',
      composeFiles: ['a.yml'],
      service: 'app',
      argv: ['x'],
      timeoutSeconds: 1,
      container: 'c',
    });
    const started = Date.now();
    const r = spawnSync('/bin/sh', ['-c', s.text], { env: { PATH: `${tmp}:${process.env.PATH}` } });
    expect(r.status).toBe(HOOK_EXIT.timedOut);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
