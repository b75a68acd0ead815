/**
 * The registry pull on a host: the script run by /bin/sh against a docker shim that records argv, stdin and
 * DOCKER_CONFIG (the real registry and engines are tests/e2e/deploy-registry.test.ts), and the pull step's errors
 * through a scripted shell.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { utils } from 'ssh2';
import { pullFromRegistry } from '../../src/deploy/deliver-registry.js';
import { parseDeployInputs } from '../../src/deploy/inputs.js';
import { buildDeployPlan } from '../../src/deploy/plan.js';
import { PULL_EXIT, registryPullScript } from '../../src/deploy/remote/scripts/image.js';
import { COMPOSE_SOURCE, ScriptedShell, type Call } from './deploy-scripted-shell.js';

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'deploy-action-registry-'));
  mkdirSync(path.join(tmp, 'bin'));
  mkdirSync(path.join(tmp, 'calls'));
  // Records each call as "argv\0…" plus DOCKER_CONFIG; login keeps its stdin; FAIL names the subcommand that fails.
  writeFileSync(
    path.join(tmp, 'bin/docker'),
    [
      '#!/bin/sh',
      'f="$CALLS/$(ls "$CALLS" | grep -vc stdin)"',
      'for a in "$@"; do printf "%s\\0" "$a" >>"$f"; done',
      'printf "DOCKER_CONFIG=%s\\0" "${DOCKER_CONFIG-}" >>"$f"',
      '[ "$1" = login ] && cat >"$f.stdin"',
      '[ "$1" = "${FAIL-}" ] && { echo "Error response from daemon: $1 said no" >&2; exit 1; }',
      'exit 0',
    ].join('\n'),
  );
  chmodSync(path.join(tmp, 'bin/docker'), 0o755);
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

function run(text: string, stdin: string, fail = '') {
  const r = spawnSync('/bin/sh', ['-c', text], {
    input: stdin,
    env: { PATH: `${tmp}/bin:${process.env.PATH}`, CALLS: path.join(tmp, 'calls'), FAIL: fail, TMPDIR: tmp },
  });
  const calls = readdirSync(path.join(tmp, 'calls'))
    .filter((f) => !f.endsWith('.stdin'))
    .sort((a, b) => Number(a) - Number(b))
    .map((f) =>
      readFileSync(path.join(tmp, 'calls', f), 'utf8')
        .split('\0')
        .slice(0, -1),
    );
  return { code: r.status, stderr: r.stderr.toString(), calls };
}

const REFS = ['reg.example:5000/org/app:1.2.0', 'reg.example:5000/org/app:sha-0123456'];
const DIGEST = `sha256:${'d'.repeat(64)}`;

test('the host pulls by the pushed digest with a throwaway login, then tags it; the config dir goes after', () => {
  const r = run(registryPullScript('reg.example:5000/org', 'bot', REFS, DIGEST).text, 'pw');
  expect([r.code, r.stderr]).toEqual([0, '']);
  const config = r.calls[0]!.at(-1)!.replace('DOCKER_CONFIG=', '');
  expect(config.startsWith(tmp)).toBe(true);
  const pinned = `reg.example:5000/org/app@${DIGEST}`;
  expect(r.calls).toEqual([
    // docker login takes the host; the server input's namespace path is not part of it.
    ['login', '--username', 'bot', '--password-stdin', '--', 'reg.example:5000', `DOCKER_CONFIG=${config}`],
    ['pull', '--', pinned, `DOCKER_CONFIG=${config}`],
    ['tag', pinned, REFS[0], 'DOCKER_CONFIG='],
    ['tag', pinned, REFS[1], 'DOCKER_CONFIG='],
  ]);
  expect(readFileSync(path.join(tmp, 'calls/0.stdin'), 'utf8')).toBe('pw');
  expect(existsSync(config)).toBe(false);
});

test('no digest: the first tag is pulled and the others point at it; no login without credentials', () => {
  const r = run(registryPullScript('reg.example:5000', undefined, REFS).text, '');
  expect(r.code).toBe(0);
  expect(r.calls.map((c) => c.slice(0, -1))).toEqual([
    ['pull', '--', REFS[0]],
    ['tag', REFS[0], REFS[1]],
  ]);
});

test('a refused login and a failed pull exit with their own codes, and nothing is tagged', () => {
  const script = registryPullScript('reg.example:5000', 'bot', REFS, DIGEST);
  const login = run(script.text, 'pw', 'login');
  expect([login.code, login.calls.map((c) => c[0])]).toEqual([PULL_EXIT.login, ['login']]);
  expect(login.stderr).toContain('login said no');
  rmSync(path.join(tmp, 'calls'), { recursive: true });
  mkdirSync(path.join(tmp, 'calls'));
  const pull = run(script.text, 'pw', 'pull');
  expect([pull.code, pull.calls.map((c) => c[0])]).toEqual([PULL_EXIT.pull, ['login', 'pull']]);
  // Both ways the throwaway config is gone.
  expect(readdirSync(tmp).filter((d) => d.startsWith('tmp.'))).toEqual([]);
});

const keys = utils.generateKeyPairSync('ed25519');
const plan = buildDeployPlan(
  parseDeployInputs(
    (n) =>
      ({
        'ssh-host': 'a.example',
        'ssh-user': 'deployer',
        'ssh-key': keys.private,
        'ssh-known-hosts': `a.example ${utils.generateKeyPairSync('ed25519').public}`,
        'deploy-secrets': 'db_password=DB_PASSWORD',
        'image-delivery': 'registry',
        registry: 'reg.example:5000',
        'registry-username': 'bot',
        'registry-password': 'pw-never-shown',
      })[n] ?? '',
    { DB_PASSWORD: 's3cret', GITHUB_REPOSITORY: 'doongzi/doongzi-backend' },
  ),
  COMPOSE_SOURCE,
);

async function pullWith(code: number) {
  const calls: Call[] = [];
  const shell = new ScriptedShell(
    'a.example',
    () => ({ code, stderr: 'Error response from daemon: 401 Unauthorized' }),
    calls,
  );
  const error = await pullFromRegistry(plan, shell, DIGEST).then(
    () => undefined,
    (e: Error) => e,
  );
  return { error, calls };
}

test('the pull step: the password goes on stdin only, and a refusal says which part failed', async () => {
  const ok = await pullWith(0);
  expect(ok.error).toBeUndefined();
  expect(ok.calls[0]!.stdin?.toString()).toBe('pw-never-shown');
  expect(ok.calls[0]!.text).not.toContain('pw-never-shown');
  expect(ok.calls[0]!.text).toContain(`reg.example:5000/doongzi/backend@${DIGEST}`);

  const login = await pullWith(PULL_EXIT.login);
  expect(login.error!.message).toMatch(
    /^docker login to reg\.example:5000 as bot was refused on the host \(check registry-username and registry-password\): docker pull on a\.example failed \(exit status 3\):\n.*401 Unauthorized/,
  );
  const pull = await pullWith(PULL_EXIT.pull);
  expect(pull.error!.message).toContain(
    `the host could not pull reg.example:5000/doongzi/backend:1.2.0 (${DIGEST}) from reg.example:5000: `,
  );
  for (const e of [login.error, pull.error]) expect(e!.message).not.toContain('pw-never-shown');
});
