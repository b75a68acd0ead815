/**
 * The swarm plan's read script, run for real by /bin/sh under a hostile deploy path with `docker` a shim on PATH:
 * it reports the manager, the stack's services and secrets, the live release's stack file and env-file hashes, and
 * writes nothing (a missing deploy-path stays missing; a linked stack file is not followed).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseRecords } from '../../src/deploy/remote/script.js';
import { swarmPlanReadScript } from '../../src/deploy/remote/scripts/swarm-plan.js';

const HOSTILE = '-it\'s "a" $HOME `id` x:y,z';
const STACK = 'docker-stack.deploy-action.yml';
let tmp: string;
let deployPath: string;

/** `docker`: answers what the script asks; `info` as the SWARM_INFO variable says. */
function shim(bin: string): void {
  writeFileSync(
    path.join(bin, 'docker'),
    [
      '#!/bin/sh',
      'case "$1 $2" in',
      '  "version --format") printf "20.10.0\\n";;',
      '  "info --format") printf "%s\\n" "$SWARM_INFO";;',
      '  "service ls") printf "id1\\n";;',
      '  "service inspect") printf "st_app 1.0.0\\n";;',
      '  "secret ls") printf "st_db_1\\n";;',
      '  *) exit 64;;',
      'esac',
    ].join('\n'),
  );
  chmodSync(path.join(bin, 'docker'), 0o755);
}

beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'deploy-action-swarm-plan-'));
  deployPath = path.join(tmp, HOSTILE, 'srv');
  mkdirSync(path.join(tmp, 'bin'));
  shim(path.join(tmp, 'bin'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

function run(info = 'active true 1') {
  const s = swarmPlanReadScript(deployPath, "st'x", STACK, ['.env.prod', 'missing.env']);
  const r = spawnSync('/bin/sh', ['-c', s.text], {
    cwd: tmp,
    env: { PATH: `${path.join(tmp, 'bin')}:${process.env.PATH}`, SWARM_INFO: info, HOME: '/nonexistent' },
  });
  return { s, code: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

test('a live release: its stack file as text, its env files as hashes, the services and secrets', () => {
  const rel = path.join(deployPath, 'releases', '1.0.0');
  mkdirSync(rel, { recursive: true });
  writeFileSync(path.join(rel, STACK), 'services:\n  app:\n    image: a:1\n');
  writeFileSync(path.join(rel, '.env.prod'), 'APP_ENV=prod\n');
  writeFileSync(path.join(rel, '.deploy-action.json'), '{"version":"1.0.0"}');
  symlinkSync('releases/1.0.0', path.join(deployPath, 'current'));
  const r = run();
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  const rec = parseRecords(r.stdout);
  expect(rec.get('swarm')).toEqual(['active true 1']);
  expect(rec.get('service')).toEqual(['st_app 1.0.0']);
  expect(rec.get('secret')).toEqual(['st_db_1']);
  expect(rec.get('path')).toEqual([deployPath]);
  expect(rec.get('current')).toEqual(['releases/1.0.0']);
  expect(rec.get('manifest')).toEqual(['{"version":"1.0.0"}']);
  expect(rec.get('stack')).toEqual(['services:\n  app:\n    image: a:1\n']);
  expect(rec.get('live')).toEqual([`.env.prod ${createHash('sha256').update('APP_ENV=prod\n').digest('hex')}`]);
});

test('a linked stack file is not read; a missing deploy-path is reported and not created', () => {
  const rel = path.join(deployPath, 'releases', '1.0.0');
  mkdirSync(rel, { recursive: true });
  writeFileSync(path.join(tmp, 'elsewhere.yml'), 'not: ours\n');
  symlinkSync(path.join(tmp, 'elsewhere.yml'), path.join(rel, STACK));
  symlinkSync('releases/1.0.0', path.join(deployPath, 'current'));
  expect(parseRecords(run().stdout).get('stack')).toBeUndefined();

  rmSync(path.join(tmp, HOSTILE), { recursive: true });
  const r = run();
  expect(r.code).toBe(0);
  expect(parseRecords(r.stdout).get('absent')).toEqual(['1']);
  expect(existsSync(path.join(tmp, HOSTILE))).toBe(false);
});

test('a host that is no manager: its exit code and the reason', () => {
  const r = run('inactive false 0');
  expect(r.code).toBe(r.s.exits.notManager);
  expect(r.stderr).toContain('this host is not a Swarm manager (docker info: inactive false 0)');
});
