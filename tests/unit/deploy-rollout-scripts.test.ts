/**
 * The rollout's remote scripts run for real by /bin/sh (dash here), with `docker` a shim on PATH that records its
 * argv and answers `inspect` with the next state of a scripted sequence (the engine itself is the e2e suite's).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseRecords, type RemoteScript } from '../../src/deploy/remote/script.js';
import {
  ROLLOUT_EXIT,
  rolloutProbeScript,
  rolloutRemoveScript,
  rolloutStartScript,
  rolloutWaitScript,
} from '../../src/deploy/remote/scripts/rollout.js';

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'deploy-action-rollout-'));
  writeFileSync(
    path.join(tmp, 'docker'),
    [
      '#!/bin/sh',
      'printf "%s\\n" "$*" >>"$DIR/calls"',
      'case "$1" in',
      // One state per inspect of the status; the health log for the failure message.
      '  inspect) case "$3" in *State.Health.Log*) printf "exit 1: refused\\n";; *) n=$(cat "$DIR/n" 2>/dev/null || echo 1); sed -n "${n}p" "$DIR/states"; echo $((n + 1)) >"$DIR/n";; esac;;',
      '  compose) case "$*" in *"config --services"*) printf "app\\nworker\\n";; *--dry-run*) printf "config %s\\n" "${DOCKER_CONFIG:-unset}" >>"$DIR/calls"; printf " DRY-RUN MODE -  Container p-app-1  Recreate\\n" >&2;; *up*) exit "${UP_CODE:-0}";; esac;;',
      '  ps) case "$*" in *-q*) printf "old1\\nnew2\\n";; *) printf "old1 app running p-app-1\\n";; esac;;',
      'esac',
      'exit 0',
    ].join('\n'),
  );
  chmodSync(path.join(tmp, 'docker'), 0o755);
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

function run(s: RemoteScript, states: string[] = [], env: Record<string, string> = {}) {
  writeFileSync(path.join(tmp, 'states'), states.map((l) => `${l}\n`).join(''));
  rmSync(path.join(tmp, 'n'), { force: true });
  rmSync(path.join(tmp, 'calls'), { force: true });
  const r = spawnSync('/bin/sh', ['-c', s.text], {
    cwd: tmp,
    env: { PATH: `${tmp}:${process.env.PATH}`, DIR: tmp, HOME: tmp, ...env },
  });
  const calls = (() => {
    try {
      return readFileSync(path.join(tmp, 'calls'), 'utf8').trim().split('\n');
    } catch {
      return [];
    }
  })();
  return { code: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString(), calls };
}

test('wait: starting, then healthy → 0; unhealthy, stopped and no healthcheck → their codes, with the probes', () => {
  expect(run(rolloutWaitScript('new2', 30), ['running starting', 'running healthy']).code).toBe(0);
  const bad = run(rolloutWaitScript('new2', 30), ['running starting', 'running unhealthy']);
  expect(bad).toMatchObject({
    code: ROLLOUT_EXIT.unhealthy,
    stderr: 'the new container is unhealthy\nexit 1: refused\n',
  });
  expect(run(rolloutWaitScript('new2', 30), ['exited none']).code).toBe(ROLLOUT_EXIT.exited);
  expect(run(rolloutWaitScript('new2', 30), ['running none']).code).toBe(ROLLOUT_EXIT.noHealthcheck);
});

test('wait: still starting when the time is up → 124', () => {
  const r = run(rolloutWaitScript('new2', 0), ['running starting']);
  expect(r).toMatchObject({
    code: ROLLOUT_EXIT.healthTimeout,
    stderr: 'the new container was still starting\nexit 1: refused\n',
  });
});

test('probe and start: services, dry run and containers as records; start lists the containers even when up failed', () => {
  const probe = parseRecords(run(rolloutProbeScript(tmp, 'p', ['a.yml'])).stdout);
  expect(probe.get('services')).toEqual(['app\nworker']);
  // The dry run's progress goes to stderr; the probe keeps it.
  expect(probe.get('dryrun')).toEqual([' DRY-RUN MODE -  Container p-app-1  Recreate']);
  expect(probe.get('containers')).toEqual(['old1 app running p-app-1']);
  const start = run(rolloutStartScript(tmp, 'p', ['a.yml'], 'app', 30), [], { UP_CODE: '1' });
  expect(start.code).toBe(ROLLOUT_EXIT.failed);
  expect(parseRecords(start.stdout).get('container')).toEqual(['old1', 'new2']);
  expect(start.calls[0]).toBe('compose -p p -f a.yml up -d --no-deps --no-recreate --no-build --scale app=2 -- app');
  expect(run(rolloutRemoveScript('rollout-remove-new', ['new2'])).calls.slice(-2)).toEqual([
    'stop -- new2',
    'rm -- new2',
  ]);
});

test('probe: a deploy user whose home cannot hold ~/.docker gets a throwaway DOCKER_CONFIG for the dry run', () => {
  const usual = run(rolloutProbeScript(tmp, 'p', ['a.yml']));
  expect(usual.calls).toContain('config unset');
  const r = run(rolloutProbeScript(tmp, 'p', ['a.yml']), [], { HOME: '/proc/self/no-home' });
  expect(r.code).toBe(0);
  const cfg = r.calls.find((c) => c.startsWith('config '))!.slice('config '.length);
  expect(cfg).toMatch(/^\/tmp\/tmp\./);
  expect(existsSync(cfg)).toBe(false);
});
