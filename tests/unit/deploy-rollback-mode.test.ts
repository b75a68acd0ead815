/** `mode: rollback`: which release is the previous one, and the host state machine against scripted hosts. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { utils } from 'ssh2';
import type { HostAddress } from '../../src/deploy/host-address.js';
import { parseDeployInputs } from '../../src/deploy/inputs.js';
import { parseManifest } from '../../src/deploy/release/manifest.js';
import { pickPrevious, readHostReleases } from '../../src/deploy/release/previous.js';
import { parseRecords } from '../../src/deploy/remote/script.js';
import { listReleaseManifestsScript } from '../../src/deploy/remote/scripts/rollback.js';
import { buildRollbackPlan } from '../../src/deploy/rollback-plan.js';
import { runRollback } from '../../src/deploy/run-rollback.js';
import { DeployFailedError, deployOutputs, formatDeploySummary, type DeploySummary } from '../../src/deploy/summary.js';
import { type Call, FakeClock, type Hold, log, records, type Script, ScriptedShell } from './deploy-scripted-shell.js';

const keys = utils.generateKeyPairSync('ed25519');
const hostKey = utils.generateKeyPairSync('ed25519').public;
const DEPLOY_PATH = '/srv/app';
const SECRET = `db_password.${'a'.repeat(32)}`;

const manifest = (version: string, deployedAt: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    version,
    project: 'doongzi',
    composeFiles: ['deploy/docker-compose.yml', 'deploy/docker-compose.deploy-action.yml'],
    image: `doongzi/backend:${version} sha256:${version}`,
    deployedAt,
    ...extra,
  });

const inputs = (hosts: string[], over: Record<string, string> = {}) =>
  parseDeployInputs(
    (n) =>
      ({
        'ssh-host': hosts.join('\n'),
        'ssh-user': 'deployer',
        'ssh-key': keys.private,
        'ssh-known-hosts': hosts.map((h) => `${h} ${hostKey}`).join('\n'),
        'deploy-path': DEPLOY_PATH,
        ...over,
      })[n] ?? '',
    { GITHUB_REPOSITORY: 'doongzi/app' },
  );

/** A host where `current` is 2.0.0; `releases` lists dir → manifest text; `fail` overrides answers by script name. */
function host(
  releases: Record<string, string>,
  opts: { current?: string; stored?: string[]; fail?: Record<string, (c: Call) => ReturnType<Script>> } = {},
): Script {
  const current = opts.current ?? '2.0.0';
  return (c) => {
    if (opts.fail?.[c.name]) return opts.fail[c.name]!(c);
    if (c.name === 'preflight') {
      return {
        stdout: records([
          ['requested', DEPLOY_PATH],
          ['path', DEPLOY_PATH],
          ['current', `releases/${current}`],
          ['manifest', releases[current] ?? ''],
        ]),
      };
    }
    if (c.name === 'list-release-manifests') {
      return {
        stdout: records([
          ...Object.entries(releases).map(([d, m]): [string, string] => ['release', `${d}/${m}`]),
          ...(opts.stored ?? []).map((s): [string, string] => ['stored', s]),
        ]),
      };
    }
    return undefined;
  };
}

const TWO = {
  '1.0.0': manifest('1.0.0', '2026-01-01T10:00:00.000Z', { secretFiles: [SECRET] }),
  '2.0.0': manifest('2.0.0', '2026-01-02T10:00:00.000Z', { secretFiles: [SECRET] }),
};

async function rollback(scripts: Record<string, Script>) {
  const calls: Call[] = [];
  const holds: Hold[] = [];
  const l = log();
  const connect = async (a: HostAddress) => new ScriptedShell(a.host, scripts[a.host]!, calls, holds);
  const plan = buildRollbackPlan(inputs(Object.keys(scripts)));
  let summary: DeploySummary;
  let error: Error | undefined;
  try {
    summary = await runRollback(plan, l, connect, new FakeClock());
  } catch (e) {
    error = e as Error;
    summary = (e as DeployFailedError).summary;
  }
  return { calls, holds, summary, error, log: l };
}

const switches = (calls: Call[]) =>
  calls.filter((c) => c.name === 'switch-current').map((c) => `${c.host} ${/releases\/([^' ]+)/.exec(c.text)![1]}`);
const ups = (calls: Call[]) =>
  calls.filter((c) => c.name === 'compose-up').map((c) => `${c.host} ${/releases\/([^'/ ]+)/.exec(c.text)![1]}`);

describe('pickPrevious', () => {
  const live = (dir: string, text: string) => {
    const reading = parseManifest(text);
    if (!reading.ok) throw new Error(reading.problem);
    return { dir, manifest: reading.manifest };
  };

  test('the newest release older than the live one by deployedAt, not by name', () => {
    const host = readHostReleases(
      parseRecords(
        records([
          ['release', `0.9.0/${manifest('0.9.0', '2026-01-01T09:00:00Z')}`],
          // Deployed after 0.9.0 (a hotfix of an older line): it is the previous one.
          ['release', `0.8.1/${manifest('0.8.1', '2026-01-01T11:00:00Z')}`],
          ['release', `2.0.0/${TWO['2.0.0']}`],
          // Staged after the live one (a deploy that never switched): never "previous".
          ['release', `3.0.0/${manifest('3.0.0', '2026-01-03T00:00:00Z')}`],
          ['release', 'broken/{"version":'],
          ['release', 'bare/'],
        ]),
      ),
    );
    expect(pickPrevious(live('2.0.0', TWO['2.0.0']), host)).toMatchObject({ ok: true, dir: '0.8.1' });
  });

  test('a release whose secret files are gone from the store is skipped, and said so when nothing is left', () => {
    const host = { manifests: new Map(Object.entries(TWO)), stored: new Set<string>() };
    const r = pickPrevious(live('2.0.0', TWO['2.0.0']), host);
    expect(r).toEqual({
      ok: false,
      problem:
        'no release older than the live 2.0.0 (releases/2.0.0) with a valid manifest is on this host; skipped releases/1.0.0 (1 of its secret files are gone from the store)',
    });
    expect(pickPrevious(live('2.0.0', TWO['2.0.0']), { ...host, stored: new Set([SECRET]) })).toMatchObject({
      ok: true,
      dir: '1.0.0',
    });
  });

  test('no live release, or one without a valid manifest: refused', () => {
    const host = { manifests: new Map(Object.entries(TWO)), stored: new Set([SECRET]) };
    expect(pickPrevious(undefined, host)).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/no release is live/),
    });
    expect(pickPrevious({ dir: '2.0.0', manifestProblem: 'releases/2.0.0 has no .deploy-action.json' }, host)).toEqual({
      ok: false,
      problem: 'releases/2.0.0 has no .deploy-action.json: the live release cannot be placed in time',
    });
  });
});

test('the listing script, run by /bin/sh: every release with its manifest (NULs dropped), no linked one, the store', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'h-rollback-list-'));
  try {
    for (const d of ['1.0.0', '2.0.0', 'bare']) mkdirSync(path.join(dir, 'releases', d), { recursive: true });
    writeFileSync(path.join(dir, 'releases/1.0.0/.deploy-action.json'), TWO['1.0.0']);
    writeFileSync(path.join(dir, 'releases/2.0.0/.deploy-action.json'), `${TWO['2.0.0']}\0`);
    symlinkSync('1.0.0', path.join(dir, 'releases/linked'));
    mkdirSync(path.join(dir, '.deploy-action-secrets'));
    writeFileSync(path.join(dir, '.deploy-action-secrets', SECRET), 'x');
    writeFileSync(path.join(dir, '.deploy-action-secrets/key'), 'k');
    const r = spawnSync('/bin/sh', ['-c', listReleaseManifestsScript(dir).text], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const host = readHostReleases(parseRecords(r.stdout));
    expect(Object.fromEntries(host.manifests)).toEqual({ '1.0.0': TWO['1.0.0'], '2.0.0': TWO['2.0.0'], bare: '' });
    expect([...host.stored]).toEqual([SECRET]);
    // No releases directory: the script's own error.
    const none = listReleaseManifestsScript(path.join(dir, 'releases/bare'));
    const r2 = spawnSync('/bin/sh', ['-c', none.text], { encoding: 'utf8' });
    expect(r2.status).toBe(none.exits.noReleases);
    expect(r2.stderr).toContain('has no releases directory');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('rolls back to the previous release under the deploy lock: switch, then up of that release', async () => {
  const r = await rollback({ 'a.example': host(TWO, { stored: [SECRET] }) });
  expect(r.error).toBeUndefined();
  expect(switches(r.calls)).toEqual(['a.example 1.0.0']);
  expect(ups(r.calls)).toEqual(['a.example 1.0.0']);
  const up = r.calls.find((c) => c.name === 'compose-up')!;
  expect(up.text).toContain("-p 'doongzi'");
  // The lock was taken before the first call and held until after the last.
  expect(r.holds).toHaveLength(1);
  expect(r.holds[0]!.takenAt).toBe(0);
  expect(r.holds[0]!.releasedAt).toBe(r.calls.length);
  expect(r.holds[0]!.text).toContain('rollback');
  expect(deployOutputs(r.summary)).toMatchObject({
    version: '1.0.0',
    'previous-version': '2.0.0',
    release: '1.0.0',
    'deployed-hosts': 'a.example:22',
  });
  expect(deployOutputs(r.summary)['deployed-at']).toMatch(/^2026-01-01T/);
  expect(r.summary.hosts[0]).toMatchObject({ status: 'rolled-back', rollback: { toVersion: '1.0.0' } });
  const md = formatDeploySummary(r.summary);
  expect(md).toContain('## Rollback succeeded: 1.0.0');
  expect(md).toContain('- previous version: 2.0.0');
  expect(md).not.toContain('- image:');
});

test('a previous release that is not healthy: current goes back to the release that ran, which is up again', async () => {
  const r = await rollback({
    'a.example': host(TWO, {
      stored: [SECRET],
      fail: { 'compose-up': (c) => (c.text.includes('releases/1.0.0') ? { code: 124 } : undefined) },
    }),
  });
  expect(r.error).toBeInstanceOf(DeployFailedError);
  expect(r.error!.message).toMatch(/rollback to 1.0.0 failed: .*not healthy within health-timeout/);
  expect(r.error!.message).toMatch(/switched back: 2.0.0 \(releases\/2.0.0\) runs again/);
  expect(switches(r.calls)).toEqual(['a.example 1.0.0', 'a.example 2.0.0']);
  expect(ups(r.calls)).toEqual(['a.example 1.0.0', 'a.example 2.0.0']);
  expect(deployOutputs(r.summary)).toMatchObject({ version: '', release: '', 'deployed-at': '' });
});

test('a host with no older release: a clear error, and nothing on it changed', async () => {
  const r = await rollback({ 'a.example': host({ '2.0.0': TWO['2.0.0'] }, { stored: [SECRET] }) });
  expect(r.error!.message).toBe(
    'Rollback failed: a.example:22: cannot roll back: no release older than the live 2.0.0 (releases/2.0.0) with a valid manifest is on this host; nothing was changed on this host',
  );
  expect(r.calls.map((c) => c.name)).toEqual(['preflight', 'list-release-manifests']);
});

test('the second host cannot roll back: the first is switched forward again', async () => {
  const r = await rollback({
    'a.example': host(TWO, { stored: [SECRET] }),
    'b.example': host({ '2.0.0': TWO['2.0.0'] }, { stored: [SECRET] }),
  });
  expect(r.error!.message).toMatch(/b\.example:22: cannot roll back/);
  expect(switches(r.calls)).toEqual(['a.example 1.0.0', 'a.example 2.0.0']);
  expect(ups(r.calls)).toEqual(['a.example 1.0.0', 'a.example 2.0.0']);
  expect(r.summary.hosts.map((h) => h.status)).toEqual(['failed', 'failed']);
  expect(r.calls.filter((c) => c.host === 'b.example' && c.name === 'switch-current')).toEqual([]);
});
