/** The remote scripts, checked as text and run for real by /bin/sh on this machine (the same POSIX tools a host has). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  composeUpScript,
  frame,
  shQuote,
  switchCurrentScript,
  writeFileScript,
  writeSecretScript,
} from '../../src/deploy/remote-script.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'deploy-action-test-script-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const sh = (script: string, input: Buffer) => spawnSync('sh', ['-c', script], { input });
const uid = process.getuid!();
const gid = process.getgid!();

test('shQuote survives quotes and $', () => {
  expect(sh(`printf %s ${shQuote(`it's $HOME \`x\``)}`, Buffer.alloc(0)).stdout.toString()).toBe("it's $HOME `x`");
});

test('the secret script never carries the value; it writes 0400, owner, 0700 dir, by rename', () => {
  const value = Buffer.from('pa$$ word\n\u0001binary\nend');
  const target = path.join(dir, 'rel/secrets/db_password.txt');
  const script = writeSecretScript({ absPath: target, uid, gid, owner: 'chown', image: 'img:1' });
  expect(script).not.toContain('pa$$');
  expect(script).toMatch(/umask 077/);
  expect(script.indexOf('chmod 0400 "$tmp"')).toBeLessThan(script.indexOf(`chown ${uid}:${gid} "$tmp"`));
  expect(script.indexOf(`chown ${uid}:${gid}`)).toBeLessThan(script.indexOf('mv -f "$tmp"'));
  const r = sh(script, frame(value));
  expect(r.stderr.toString()).toBe('');
  expect(r.status).toBe(0);
  expect(readFileSync(target)).toEqual(value);
  const st = statSync(target);
  expect((st.mode & 0o777).toString(8)).toBe('400');
  expect([st.uid, st.gid]).toEqual([uid, gid]);
  expect((statSync(path.dirname(target)).mode & 0o777).toString(8)).toBe('700');
  expect(readdirSync(path.dirname(target))).toEqual(['db_password.txt']);
});

test('a cut upload (stdin shorter than announced) leaves no file at all', () => {
  const target = path.join(dir, 'secrets/db_password.txt');
  const full = frame(Buffer.from('0123456789abcdef'));
  const r = sh(
    writeSecretScript({ absPath: target, uid, gid, owner: 'chown', image: 'img' }),
    full.subarray(0, full.length - 5),
  );
  expect(r.status).toBe(91);
  expect(r.stderr.toString()).toContain('stdin ended after 11 of 16 bytes');
  expect(readdirSync(path.dirname(target))).toEqual([]);
  const none = sh(writeSecretScript({ absPath: target, uid, gid, owner: 'chown', image: 'img' }), Buffer.alloc(0));
  expect(none.status).toBe(90);
  expect(readdirSync(path.dirname(target))).toEqual([]);
});

test('a chown that fails (or a wrong owner) removes the temp file and exits with its own code', () => {
  const target = path.join(dir, 's/x.txt');
  // Owner check: ask for an owner the file will not have, with chown a no-op stand-in.
  const script = writeSecretScript({ absPath: target, uid: uid + 1, gid, owner: 'chown', image: 'img' }).replace(
    /chown \d+:\d+ "\$tmp"/,
    'true',
  );
  const r = sh(script, frame(Buffer.from('v')));
  expect(r.status).toBe(94);
  expect(readdirSync(path.dirname(target))).toEqual([]);
  const engine = writeSecretScript({
    absPath: target,
    uid,
    gid,
    owner: 'engine',
    image: 'repo/app:1.0.0',
    suffix: 'abc',
  });
  expect(engine).toContain(
    "docker run --rm --network none --user 0:0 --entrypoint chown -v '" +
      path.dirname(target) +
      "':/deploy-action-secrets 'repo/app:1.0.0' " +
      `${uid}:${gid} '/deploy-action-secrets/.x.txt.tmp-abc'`,
  );
  const auto = writeSecretScript({ absPath: target, uid, gid, owner: 'auto', image: 'img' });
  expect(auto).toMatch(/if ! chown \d+:\d+ "\$tmp" 2>\/dev\/null; then docker run .* \|\| exit 93; fi/);
});

test('files are written atomically; current is switched by rename', () => {
  const target = path.join(dir, 'rel/deploy/docker-compose.yml');
  expect(sh(writeFileScript(target, '0644'), frame(Buffer.from('services: {}\n'))).status).toBe(0);
  expect(readFileSync(target, 'utf8')).toBe('services: {}\n');
  expect((statSync(target).mode & 0o777).toString(8)).toBe('644');
  for (const rel of ['1.0.0', '1.1.0']) {
    expect(sh(switchCurrentScript(dir, rel), Buffer.alloc(0)).status).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['current', 'rel']);
  }
  expect(
    spawnSync('readlink', [path.join(dir, 'current')])
      .stdout.toString()
      .trim(),
  ).toBe('releases/1.1.0');
  expect(composeUpScript('/srv/app/releases/1.0.0', 'doongzi', ['deploy/a.yml', 'deploy/b.yml'], 120)).toBe(
    "cd '/srv/app/releases/1.0.0' && timeout -k 10 120 docker compose -p 'doongzi' -f 'deploy/a.yml' -f 'deploy/b.yml' up -d --wait --remove-orphans --no-build --force-recreate",
  );
});
